package io.riskgate.lang;

import java.util.Locale;
import java.util.Optional;

/** The type of an event field, as declared in a ruleset. */
public enum FieldType {
  STRING,
  LONG,
  DOUBLE,
  BOOLEAN,
  /** An instant: epoch seconds or milliseconds, or an ISO-8601 string, held as epoch milliseconds. */
  TIMESTAMP;

  /** The name used in ruleset files. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Optional<FieldType> parse(String s) {
    return switch (s) {
      case "string" -> Optional.of(STRING);
      case "long", "int", "integer" -> Optional.of(LONG);
      case "double", "number", "decimal" -> Optional.of(DOUBLE);
      case "boolean", "bool" -> Optional.of(BOOLEAN);
      case "timestamp" -> Optional.of(TIMESTAMP);
      default -> Optional.empty();
    };
  }

  /** Whether values are held in the numeric slots of an event (all but strings). */
  public boolean numeric() {
    return this != STRING;
  }
}
