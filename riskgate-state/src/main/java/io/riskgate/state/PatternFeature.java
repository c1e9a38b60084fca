package io.riskgate.state;

/**
 * A pattern computed in a dimension's records. Its two columns are {@link Column.Kind#LONG}
 * columns of the dimension: the engine gives each event of the key its predicate mask in
 * {@code maskColumn} ({@link #mask}; absent or 0 when it matches no step), and the record keeps in
 * {@code firedColumn}, for an event
 * at which a match fired, the match's end. The outcome for an event is 1 when a match fires at it,
 * else 0 (NaN when the event is late). Every event of the key must be in the record, since strict
 * contiguity counts the events between: some column of the dimension (e.g. a member column every
 * event of the key belongs to) must count each.
 *
 * @param spec the pattern
 * @param maskColumn the column of the events' predicate masks
 * @param firedColumn the column of the ends of the matches that fired
 */
public record PatternFeature(PatternSpec spec, int maskColumn, int firedColumn) {
  /** The most events of its key before an event that a pattern looks at: the latest ones of its window. */
  public static final int MAX_EVENTS = 1000;

  /**
   * The mask column value of a timer's tick ({@link #tick}): a member of the record that is no
   * event of any pattern's sequence, holding where a match fired at the timer.
   */
  public static final long TICK = -(1L << 62);

  /**
   * The entry a timer at {@code time} adds to a record of the dimension when a match fires at it:
   * {@link #TICK} in every pattern's mask column, its id hash made from the time.
   */
  public static EventInput tick(DimensionSpec spec, long time) {
    long[] values = new long[spec.columns().size()];
    java.util.Arrays.fill(values, Column.ABSENT);
    for (PatternFeature p : spec.patterns()) {
      values[p.maskColumn()] = TICK;
    }
    long h = (time ^ 0x7469636b5f746d72L) * 0x9E3779B97F4A7C15L;
    return new EventInput(time, h ^ (h >>> 29), values);
  }

  /**
   * Whether an entry of a dimension is a timer's {@link #tick}: some pattern's mask column holds the
   * marker (a tick logged under an earlier version has it only in the columns of the patterns it
   * kept).
   */
  public static boolean isTick(DimensionSpec spec, EventInput event) {
    for (PatternFeature p : spec.patterns()) {
      if (event.values()[p.maskColumn()] == TICK) {
        return true;
      }
    }
    return false;
  }

  /** The stored mask of an event (a member of the mask column). */
  public static long mask(long predicateMask) {
    if (predicateMask < 0 || predicateMask >= 1L << 53) {
      throw new IllegalArgumentException("a pattern has at most 53 step predicates");
    }
    return Column.whole(predicateMask);
  }
}
