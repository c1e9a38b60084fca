package io.riskgate.lang;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The built-in functions: their names, argument types and result types. */
enum Fn {
  LOWER("lower", Type.STRING, 5, Type.STRING),
  UPPER("upper", Type.STRING, 5, Type.STRING),
  LENGTH("length", Type.NUMBER, 2, Type.STRING),
  STARTS_WITH("starts_with", Type.BOOLEAN, 4, Type.STRING, Type.STRING),
  ENDS_WITH("ends_with", Type.BOOLEAN, 4, Type.STRING, Type.STRING),
  CONTAINS("contains", Type.BOOLEAN, 8, Type.STRING, Type.STRING),
  MATCHES("matches", Type.BOOLEAN, 40, Type.STRING, Type.STRING),
  LOG("log", Type.NUMBER, 6, Type.NUMBER),
  LN("ln", Type.NUMBER, 6, Type.NUMBER),
  LOG10("log10", Type.NUMBER, 6, Type.NUMBER),
  ABS("abs", Type.NUMBER, 1, Type.NUMBER),
  ROUND("round", Type.NUMBER, 3, Type.NUMBER),
  ROUND_TO("round", Type.NUMBER, 20, Type.NUMBER, Type.NUMBER),
  FLOOR("floor", Type.NUMBER, 2, Type.NUMBER),
  CEIL("ceil", Type.NUMBER, 2, Type.NUMBER),
  SQRT("sqrt", Type.NUMBER, 4, Type.NUMBER),
  POW("pow", Type.NUMBER, 8, Type.NUMBER, Type.NUMBER),
  MIN("min", Type.NUMBER, 1),
  MAX("max", Type.NUMBER, 1),
  HOUR("hour", Type.NUMBER, 8, Type.TIMESTAMP),
  DAY_OF_WEEK("day_of_week", Type.NUMBER, 8, Type.TIMESTAMP),
  COALESCE("coalesce", Type.NUMBER, 1),
  EXISTS("exists", Type.BOOLEAN, 1),
  MATCHED("matched", Type.BOOLEAN, 1),
  MATCHED_EVENTS("matched_events", Type.STRING, 5),
  TAG("tag", Type.TAG, 60),
  LIST("list", Type.NAMED_LIST, 20);

  final String fnName;
  final Type result;
  final int cost;
  final List<Type> params;

  Fn(String fnName, Type result, int cost, Type... params) {
    this.fnName = fnName;
    this.result = result;
    this.cost = cost;
    this.params = List.of(params);
  }

  static Optional<Fn> byName(String name, int arity) {
    Optional<Fn> any = Optional.empty();
    for (Fn f : values()) {
      if (f.fnName.equals(name)) {
        if (f.params.size() == arity) {
          return Optional.of(f);
        }
        any = any.or(() -> Optional.of(f));
      }
    }
    return any;
  }

  static List<String> names() {
    return Arrays.stream(values()).map(f -> f.fnName).distinct().toList();
  }

  String signature() {
    return switch (this) {
      case MIN, MAX -> fnName + "(number, number, ...)";
      case COALESCE -> "coalesce(value, fallback)";
      case EXISTS -> "exists(field)";
      case MATCHED -> "matched('pattern')";
      case MATCHED_EVENTS -> "matched_events('pattern')";
      case TAG -> "tag(key) or tag('entity', key)";
      case LIST -> "list('name')";
      case ROUND, ROUND_TO -> "round(number) or round(number, digits)";
      default -> fnName + "(" + String.join(", ", params.stream().map(t -> t.label).toList()) + ")";
    };
  }
}
