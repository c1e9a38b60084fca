package io.riskgate.engine;

import io.riskgate.lang.Action;
import java.util.List;
import java.util.Map;

/**
 * The answer for one event. This class is immutable, though the maps of values it holds are only
 * unmodifiable views.
 *
 * @param eventId the event's id, from its id field
 * @param eventType the event's type
 * @param action the most severe action among matched active rules; {@code ACCEPT} when none matched
 * @param score the sum of the scores of matched active rules
 * @param matched matched active rules, in ruleset order
 * @param shadowMatched matched shadow rules, which do not change the action or the score
 * @param ruleset the ruleset name
 * @param rulesetVersion the version that decided
 * @param evaluationNanos time spent deciding, from decoded event to decision
 * @param degraded reasons the decision was made with less information than usual (empty when none)
 * @param repeated whether an event with this id had already been counted in the features: it was
 *     not counted again
 * @param features when explained, the value of every feature computed for the event, by name
 *     (null when unknown); otherwise empty
 * @param patterns the patterns whose match fired at the event, by name, each with the ids of the
 *     match's events in order (empty when none fired or for a repeated event)
 */
public record Decision(
    String eventId,
    String eventType,
    Action action,
    long score,
    List<Match> matched,
    List<Match> shadowMatched,
    String ruleset,
    int rulesetVersion,
    long evaluationNanos,
    List<String> degraded,
    boolean repeated,
    Map<String, Object> features,
    Map<String, List<String>> patterns) {

  public Decision {
    features = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(features));
    patterns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(patterns));
    matched = List.copyOf(matched);
    shadowMatched = List.copyOf(shadowMatched);
    degraded = List.copyOf(degraded);
  }

  /**
   * A matched rule.
   *
   * @param id rule id
   * @param name rule name
   * @param action the rule's action
   * @param score the rule's score
   * @param reason the rule's reason, rendered with the event's values
   * @param values the values the rule's condition read; a missing value maps to null
   */
  public record Match(String id, String name, Action action, long score, String reason, Map<String, Object> values) {
    public Match {
      values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }
  }
}
