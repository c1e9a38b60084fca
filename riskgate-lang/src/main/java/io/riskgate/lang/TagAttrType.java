package io.riskgate.lang;

import java.util.Optional;

/** The declared type of a tag attribute. */
enum TagAttrType {
  LONG(Type.NUMBER),
  DOUBLE(Type.NUMBER),
  STRING(Type.STRING),
  BOOLEAN(Type.BOOLEAN),
  TIMESTAMP(Type.TIMESTAMP),
  SET(Type.STRING_LIST);

  final Type type;

  TagAttrType(Type type) {
    this.type = type;
  }

  static Optional<TagAttrType> parse(String s) {
    return switch (s) {
      case "long", "int", "integer" -> Optional.of(LONG);
      case "double", "number" -> Optional.of(DOUBLE);
      case "string" -> Optional.of(STRING);
      case "boolean", "bool" -> Optional.of(BOOLEAN);
      case "timestamp" -> Optional.of(TIMESTAMP);
      case "set", "labels", "list" -> Optional.of(SET);
      default -> Optional.empty();
    };
  }
}
