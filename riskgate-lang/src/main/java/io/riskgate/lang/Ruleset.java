package io.riskgate.lang;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A checked and compiled ruleset: its schema, rules, lists, tags and features, and the generated
 * code that evaluates its rules. Instances are immutable and safe to share between threads.
 */
public interface Ruleset {
  /** The name declared by {@code ruleset:}. */
  String name();

  /** A SHA-256 of the source files, in hex; equal texts give equal hashes. */
  String contentHash();

  Schema schema();

  /** The rules, in declaration order; a rule's index is its position. */
  List<RuleInfo> rules();

  Optional<RuleInfo> rule(String id);

  /** The zone used by hour() and day_of_week(), and by calendar windows. */
  ZoneId timezone();

  /** Named lists and the items the ruleset declares for them. */
  Map<String, ListDecl> lists();

  /** Declared tag attributes per entity type, with their defaults when declared. */
  Map<String, Map<String, TagAttribute>> tags();

  /** Declared features, by index. */
  List<FeatureDecl> features();

  /** Declared sequence patterns, by index (each is also a feature). */
  List<PatternDecl> patterns();

  /**
   * Which steps of a pattern an event satisfies: bit {@code s} is set when the event's type is one
   * of step {@code s}'s and its condition holds (a condition that cannot be evaluated does not).
   */
  long patternMask(int pattern, EventData event, Env env);

  /** The features the rules for an event type read, in their conditions or reasons, by index. */
  List<Integer> featuresUsed(EventType type);

  /**
   * Whether a feature counts an event: the event's type is one of the feature's and its filter
   * ({@code where}) holds. A filter that cannot be evaluated (a missing value) does not hold.
   */
  boolean featureCounts(int feature, EventData event, Env env);

  /**
   * The value a numeric feature ({@link FeatureDecl.ValueType#NUMBER}) takes from an event: its
   * {@code of} expression, NaN when missing.
   */
  double featureNumber(int feature, EventData event, Env env);

  /** The value a string feature ({@link FeatureDecl.ValueType#STRING}) takes from an event, empty when missing. */
  Optional<String> featureString(int feature, EventData event, Env env);

  /**
   * The tag lookups the rules of an event type may make whose key is a field of the event, e.g.
   * {@code account} by {@code account_id}: a runtime can fetch them together, before evaluating.
   */
  List<TagKey> tagKeys(EventType type);

  /**
   * A tag lookup keyed by a field.
   *
   * @param entity the entity type
   * @param field the string field holding the key
   */
  record TagKey(String entity, FieldDef field) {}

  /** The source files the ruleset was compiled from. */
  List<SourceFile> sources();

  /**
   * Evaluates the rules that apply to the event's type and channel.
   *
   * @throws IllegalArgumentException when the event was not built with this ruleset's schema
   */
  Evaluation evaluate(EventData event, Env env);

  /**
   * A declared tag attribute.
   *
   * @param name the attribute name
   * @param type {@code long}, {@code double}, {@code string}, {@code boolean}, {@code timestamp} or {@code set}
   * @param fallback the declared default: a Double, String or Boolean
   */
  record TagAttribute(String name, String type, Optional<Object> fallback) {}
}
