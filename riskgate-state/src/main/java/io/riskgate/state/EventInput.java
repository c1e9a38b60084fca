package io.riskgate.state;

/**
 * What one event brings to one dimension's record: its time, its id and its value in each column
 * ({@link Column#ABSENT} where the column does not count it).
 *
 * <p>The array is owned by the caller and only read.
 *
 * @param time event time, epoch milliseconds
 * @param idHash a 64-bit hash of the event's id, by which repeats are recognised
 * @param values one stored value per column of the dimension, see {@link Column}
 */
public record EventInput(long time, long idHash, long[] values) {

  /** Whether some column counts the event. */
  public boolean counted() {
    for (long v : values) {
      if (v != Column.ABSENT) {
        return true;
      }
    }
    return false;
  }
}
