package io.riskgate.lang;

import java.util.Set;

/**
 * What is known of a compiled rule, apart from its expression.
 *
 * @param index the rule's position in the ruleset, used by {@link Evaluation}
 * @param id the rule's unique id
 * @param name a short human name
 * @param category the group or category the rule belongs to (empty when none)
 * @param action what the rule asks for when it matches
 * @param score added to the decision's total score when the rule matches
 * @param mode active or shadow
 * @param eventTypes the event types the rule runs for; empty means every type
 * @param channels the channels the rule runs for; empty means every channel
 * @param location {@code file:line:col} of the rule's declaration
 * @param when the rule's condition as written
 */
public record RuleInfo(
    int index,
    String id,
    String name,
    String category,
    Action action,
    long score,
    Mode mode,
    Set<String> eventTypes,
    Set<String> channels,
    String location,
    String when) {
  public RuleInfo {
    eventTypes = Set.copyOf(eventTypes);
    channels = Set.copyOf(channels);
  }
}
