package io.riskgate.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A match of a pattern ending with an absence that fired at its timer: the key went quiet, and
 * the stream passed the match's deadline by the allowed lateness without an event of the key.
 * No rule saw it (rules see what fires at an event); it goes to the decisions stream on its own.
 *
 * @param pattern the pattern's name
 * @param key the key, by its {@code by} fields, in order
 * @param deadline when the timer fired, in event time: the match's deadline, rounded up to a
 *     second
 * @param events the ids of the match's events, in order
 * @param ruleset the ruleset name
 * @param rulesetVersion the version active when the timer fired
 */
public record PatternTimeout(String pattern, Map<String, String> key, Instant deadline, List<String> events, String ruleset,
    int rulesetVersion) {
  public PatternTimeout {
    key = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(key));
    events = List.copyOf(events);
  }

  /**
   * An id for the timeout, the same each time it fires (it may fire again after a crash): pattern,
   * key values (each URL-encoded, so that a comma or colon in a value cannot make two keys alike)
   * and deadline in epoch milliseconds, e.g. {@code timeout:reset_unused:acc%3A1,web:1767225660000}.
   */
  public String id() {
    StringBuilder sb = new StringBuilder("timeout:").append(pattern).append(':');
    int i = 0;
    for (String v : key.values()) {
      sb.append(i++ == 0 ? "" : ",").append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8));
    }
    return sb.append(':').append(deadline.toEpochMilli()).toString();
  }
}
