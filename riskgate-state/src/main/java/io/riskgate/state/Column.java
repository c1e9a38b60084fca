package io.riskgate.state;

/**
 * What one event contributes to a family of features: whether the event counts (its type and
 * filter), and the value it brings. Features that differ only in window or aggregation share a
 * column, so each event is stored once per key whatever the number of windows over it.
 *
 * @param id a stable 64-bit identity of the column's inputs (e.g. a hash of its filter and value
 *     expressions); a state record keeps the columns it holds by id, so a new ruleset version that
 *     keeps a column keeps its history
 * @param kind what the column holds for each event
 */
public record Column(long id, Kind kind) {

  /** The values a column holds. */
  public enum Kind {
    /** Membership only: for features that count events. */
    MEMBER,
    /** A number per member event, possibly missing. */
    NUMBER,
    /** A 64-bit hash of a value per member event, possibly missing: for distinct counts. */
    HASH,
    /**
     * A whole number per member event, stored as itself (see {@link #whole}): a pattern's step
     * masks and the ends of its matches. Small values take few bytes in a stored record.
     */
    LONG
  }

  /** The stored value for an event the column does not count. */
  public static final long ABSENT = 0x7ff0_0000_0000_0001L;

  /** The stored value for a member whose value is missing (the canonical NaN). */
  public static final long MISSING = 0x7ff8_0000_0000_0000L;

  /** The stored value of a member number (a missing number, NaN, becomes {@link #MISSING}). */
  public static long number(double value) {
    return Double.doubleToLongBits(value);
  }

  /**
   * The stored value of a whole number, strictly within ±2^62 (so clear of the two reserved values
   * and of a pattern's tick marker, -2^62).
   *
   * @throws IllegalArgumentException beyond that
   */
  public static long whole(long value) {
    if (value >= 1L << 62 || value <= -(1L << 62)) {
      throw new IllegalArgumentException("a whole-number column holds values within ±2^62");
    }
    return value;
  }

  /** The stored value of a member hash, kept clear of the two reserved values. */
  public static long hash(long hash) {
    return hash == ABSENT || hash == MISSING ? hash ^ 0x10 : hash;
  }
}
