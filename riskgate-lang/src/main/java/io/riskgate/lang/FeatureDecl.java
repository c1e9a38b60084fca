package io.riskgate.lang;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A declared feature: a windowed aggregate per dimension, referenced by name in rules.
 *
 * @param index the feature's index, as passed to {@link Env#feature(int)}
 * @param name the name rules use
 * @param aggregate the aggregation
 * @param of the aggregated expression as written (empty for {@code count})
 * @param valueType what {@code of} yields
 * @param by the dimension fields
 * @param where the filter as written, if any
 * @param eventTypes the event types the feature counts
 * @param window the window
 * @param includeCurrent whether the event being decided counts in its own feature value
 * @param location {@code file:line:col} of the declaration
 */
public record FeatureDecl(
    int index,
    String name,
    Aggregate aggregate,
    Optional<String> of,
    ValueType valueType,
    List<String> by,
    Optional<String> where,
    Set<String> eventTypes,
    Window window,
    boolean includeCurrent,
    String location) {

  public FeatureDecl {
    by = List.copyOf(by);
    eventTypes = Set.copyOf(eventTypes);
  }

  /** What a feature's {@code of} expression yields. */
  public enum ValueType {
    /** No value: {@code count}. */
    NONE,
    NUMBER,
    /** A string: only for {@code distinct_count}. */
    STRING
  }

  /** The aggregations a feature can compute. */
  public enum Aggregate {
    COUNT,
    SUM,
    AVG,
    MIN,
    MAX,
    DISTINCT_COUNT,
    FIRST,
    LAST,
    /**
     * A sequence pattern ({@code patterns:}): 1 when a match fires at the event, else 0. Not written
     * under {@code features:}; see {@link PatternDecl}.
     */
    PATTERN;

    public String yamlName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Aggregate> parse(String s) {
      for (Aggregate a : values()) {
        if (a != PATTERN && a.yamlName().equals(s)) {
          return Optional.of(a);
        }
      }
      return Optional.empty();
    }
  }

  /** A feature window, in event time. */
  public sealed interface Window {
    /** The events in (t - length, t]. */
    record Sliding(Duration length) implements Window {}

    /** Fixed buckets of a length, aligned on the epoch. */
    record Tumbling(Duration length) implements Window {}

    /** Calendar buckets (hour, day, week, month) in the ruleset's time zone. */
    record Calendar(String unit) implements Window {}

    /** The last N events of the key. */
    record Count(int events) implements Window {}
  }
}
