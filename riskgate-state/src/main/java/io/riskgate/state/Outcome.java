package io.riskgate.state;

/** What applying an event did to a key's record. */
public enum Outcome {
  /** The event was new: it is now part of the key's history. */
  APPLIED,
  /** An event with the same id is already in the key's history: nothing changed. */
  DUPLICATE,
  /** No feature of the dimension counts the event (type or filter): nothing changed. */
  NOT_COUNTED,
  /**
   * The event is older than its key's newest event by more than the allowed lateness: nothing
   * changed, and its feature values are unknown.
   */
  LATE
}
