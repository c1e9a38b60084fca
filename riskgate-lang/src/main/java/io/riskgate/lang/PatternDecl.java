package io.riskgate.lang;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A declared sequence pattern: steps of events per key within a time. Rules read it with
 * {@code matched('name')}, true when a match fires at the event being decided. A pattern is also a
 * feature of aggregate {@link FeatureDecl.Aggregate#PATTERN} (its value 1 or 0), at
 * {@code featureIndex}.
 *
 * @param index the pattern's index, as passed to {@link Ruleset#patternMask}
 * @param featureIndex its index among the features
 * @param name the name rules use
 * @param by the key fields
 * @param within the longest time from a match's first event to its end
 * @param steps the steps, in order
 * @param location {@code file:line:col} of the declaration
 */
public record PatternDecl(int index, int featureIndex, String name, List<String> by, Duration within, List<Step> steps,
    String location) {

  public PatternDecl {
    by = List.copyOf(by);
    steps = List.copyOf(steps);
  }

  /** {@code max} of a step with no upper bound. */
  public static final int UNBOUNDED = Integer.MAX_VALUE;

  /**
   * A step: events of some types, for which a condition holds.
   *
   * @param eventTypes the event types it takes
   * @param when the condition as written, if any
   * @param min the fewest events it takes (0: optional)
   * @param max the most, or {@link #UNBOUNDED}
   * @param strict whether each of its events must come right after the match's previous event
   * @param absent whether no such event may come in its place (a {@code not:} step)
   */
  public record Step(Set<String> eventTypes, java.util.Optional<String> when, int min, int max, boolean strict, boolean absent) {
    public Step {
      eventTypes = Set.copyOf(eventTypes);
    }
  }
}
