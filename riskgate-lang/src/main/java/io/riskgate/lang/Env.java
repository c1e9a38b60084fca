package io.riskgate.lang;

/**
 * What compiled rules may ask of the outside world while they evaluate one event: risk tags, named
 * lists and feature values. It is the only way out of a rule; implementations must not throw, and
 * answer "unknown" (an empty view, false, NaN) when a source cannot be reached.
 */
public interface Env {
  /** The tags of an entity, e.g. {@code tag("account", "account123")}; empty when it has none. */
  TagView tag(String entity, String key);

  /** Whether a named list holds a value. */
  boolean listContains(String list, String value);

  /** The value of a declared feature for the event being decided, NaN when unknown. */
  double feature(int featureIndex);

  /**
   * For a pattern (by its feature index) whose match fired at the event being decided, the ids of
   * the match's events in order; empty when none fired or when unknown.
   */
  default java.util.List<String> matchedEvents(int featureIndex) {
    return java.util.List.of();
  }
}
