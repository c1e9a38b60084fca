package io.riskgate.lang;

/** The types of the expression language. */
enum Type {
  NUMBER("number"),
  STRING("string"),
  BOOLEAN("boolean"),
  TIMESTAMP("timestamp"),
  DURATION("duration"),
  STRING_LIST("list of strings"),
  NUMBER_LIST("list of numbers"),
  TAG("tag lookup"),
  NAMED_LIST("named list");

  final String label;

  Type(String label) {
    this.label = label;
  }

  /** Held as a double at run time (NaN when missing). */
  boolean numeric() {
    return this == NUMBER || this == TIMESTAMP || this == DURATION;
  }

  static Type of(FieldType t) {
    return switch (t) {
      case STRING -> STRING;
      case LONG, DOUBLE -> NUMBER;
      case BOOLEAN -> BOOLEAN;
      case TIMESTAMP -> TIMESTAMP;
    };
  }
}
