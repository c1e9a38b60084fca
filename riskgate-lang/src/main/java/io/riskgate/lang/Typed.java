package io.riskgate.lang;

import io.riskgate.lang.Ast.Op;
import java.util.List;
import java.util.Set;

/**
 * The checked, typed tree of an expression: what the code generator and the reference interpreter
 * read. Nodes carry no positions, so equal subexpressions are equal records, which is how shared
 * subexpressions are found.
 */
sealed interface Typed {
  Type type();

  /** A literal: a Double for numbers, timestamps and durations, a String, or a Boolean. */
  record Const(Type type, Object value) implements Typed {}

  /** A literal list of strings. */
  record StrSet(Set<String> values) implements Typed {
    public Type type() {
      return Type.STRING_LIST;
    }
  }

  /** A literal list of numbers, sorted and without duplicates. */
  record NumSet(List<Double> values) implements Typed {
    public Type type() {
      return Type.NUMBER_LIST;
    }
  }

  record Field(Type type, FieldDef field) implements Typed {}

  record Feature(Type type, int index, String name) implements Typed {}

  /** {@code tag(key)} for an entity type; only its attributes can be used. */
  record TagRef(String entity, Typed key, String label) implements Typed {
    public Type type() {
      return Type.TAG;
    }
  }

  /** An attribute of a tag lookup, with the declared default used when the entity lacks it. */
  record TagAttr(Type type, TagRef ref, String attribute, TagAttrType attrType, Object fallback)
      implements Typed {
    String label() {
      return ref.label() + "." + attribute;
    }
  }

  /** {@code list('name')}: a named list, only usable on the right of {@code in}. */
  record NamedList(String name) implements Typed {
    public Type type() {
      return Type.NAMED_LIST;
    }
  }

  record Unary(Type type, Op op, Typed operand) implements Typed {}

  record Binary(Type type, Op op, Typed left, Typed right) implements Typed {}

  /** Flattened {@code and}/{@code or} chain. */
  record Logic(Op op, List<Typed> operands) implements Typed {
    public Type type() {
      return Type.BOOLEAN;
    }
  }

  record In(Typed value, Typed list, boolean negated) implements Typed {
    public Type type() {
      return Type.BOOLEAN;
    }
  }

  record Between(Typed value, Typed low, Typed high, boolean negated) implements Typed {
    public Type type() {
      return Type.BOOLEAN;
    }
  }

  /** A call of a built-in function; {@code regex} is the pattern of {@code matches}, else empty. */
  record Call(Type type, Fn fn, List<Typed> args, String regex) implements Typed {}

  record Exists(Typed target) implements Typed {
    public Type type() {
      return Type.BOOLEAN;
    }
  }

  /** The direct subexpressions of a node, in evaluation order. */
  static List<Typed> children(Typed t) {
    return switch (t) {
      case TagAttr a -> List.of(a.ref());
      case TagRef r -> List.of(r.key());
      case Unary u -> List.of(u.operand());
      case Binary b -> List.of(b.left(), b.right());
      case Logic l -> l.operands();
      case In i -> List.of(i.value(), i.list());
      case Between b -> List.of(b.value(), b.low(), b.high());
      case Call c -> c.args();
      case Exists e -> List.of(e.target());
      case Const c -> List.of();
      case StrSet s -> List.of();
      case NumSet s -> List.of();
      case NamedList n -> List.of();
      case Field f -> List.of();
      case Feature f -> List.of();
    };
  }

  /** Whether a boolean-typed node always has a value (true or false), never missing. */
  static boolean total(Typed t) {
    return switch (t) {
      case Field f -> false;
      case TagAttr a -> false;
      case Call c -> c.fn() != Fn.COALESCE;
      case Const c -> true;
      default -> true;
    };
  }
}
