package io.riskgate.state;

/**
 * A pattern computed in a dimension's records. Its two columns are {@link Column.Kind#LONG}
 * columns of the dimension: the engine gives each event of the key its predicate mask in
 * {@code maskColumn} ({@link #mask}, 0 when it matches no step: every event of the key must be a member, since strict
 * contiguity counts the events between), and the record keeps in {@code firedColumn}, for an event
 * at which a match fired, the match's end. The outcome for an event is 1 when a match fires at it,
 * else 0 (NaN when the event is late).
 *
 * @param spec the pattern
 * @param maskColumn the column of the events' predicate masks
 * @param firedColumn the column of the ends of the matches that fired
 */
public record PatternFeature(PatternSpec spec, int maskColumn, int firedColumn) {
  /** The most events of its key before an event that a pattern looks at: the latest ones of its window. */
  public static final int MAX_EVENTS = 1000;

  /** The stored mask of an event (a member of the mask column). */
  public static long mask(long predicateMask) {
    if (predicateMask < 0 || predicateMask >= 1L << 53) {
      throw new IllegalArgumentException("a pattern has at most 53 step predicates");
    }
    return Column.whole(predicateMask);
  }
}
