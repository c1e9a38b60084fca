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
 * @param label the event's id as a match of a pattern quotes it, kept by records with patterns
 *     (at most {@link #MAX_LABEL} characters); empty for records that keep none
 */
public record EventInput(long time, long idHash, long[] values, String label) {
  /** The longest label kept: a longer id is quoted cut, ending in "...". */
  public static final int MAX_LABEL = 128;

  public EventInput {
    java.util.Objects.requireNonNull(label);
    if (label.length() > MAX_LABEL) {
      int cut = MAX_LABEL - 3;
      if (Character.isHighSurrogate(label.charAt(cut - 1))) {
        cut--;
      }
      label = label.substring(0, cut) + "...";
    }
  }

  /** An event without a label. */
  public EventInput(long time, long idHash, long[] values) {
    this(time, idHash, values, "");
  }

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
