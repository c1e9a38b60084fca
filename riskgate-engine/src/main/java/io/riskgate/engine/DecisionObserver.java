package io.riskgate.engine;

/**
 * Hears what the engine does, for metrics and logs. Implementations must be fast, thread-safe and
 * must not throw.
 */
public interface DecisionObserver {
  /** An event was decided. */
  default void decided(Decision decision) {}

  /** An event was refused as invalid input. */
  default void refused(InvalidEventException problem) {}

  /** A pattern's timer fired a match of a quiet key, and it was handed out. */
  default void timedOut(PatternTimeout timeout) {}

  /** A ruleset version became active. */
  default void activated(RulesetVersion version) {}

  static DecisionObserver none() {
    return new DecisionObserver() {};
  }
}
