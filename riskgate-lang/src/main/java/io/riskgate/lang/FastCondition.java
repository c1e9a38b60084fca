package io.riskgate.lang;

import io.riskgate.lang.Ast.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The conditions that per-event inputs (feature filters, pattern steps) most often are, evaluated
 * without the interpreter: a field compared with a literal, and {@code and}/{@code or} of those.
 * Their result is the interpreter's, missing values included (a comparison with a missing value is
 * false). Others are left to the interpreter.
 */
@FunctionalInterface
interface FastCondition {
  boolean test(EventData event);

  /** A fast form of the condition, when it has one. */
  static Optional<FastCondition> of(Typed t) {
    return Optional.ofNullable(build(t));
  }

  private static FastCondition build(Typed t) {
    return switch (t) {
      case Typed.Const c when c.value() instanceof Boolean b -> e -> b;
      case Typed.Binary b when b.left() instanceof Typed.Field f && b.right() instanceof Typed.Const c -> compare(b.op(), f, c);
      case Typed.Logic l -> logic(l);
      default -> null;
    };
  }

  private static FastCondition compare(Op op, Typed.Field f, Typed.Const c) {
    int slot = f.field().slot();
    if (f.type() == Type.STRING && c.value() instanceof String s) {
      return switch (op) {
        case EQ -> e -> s.equals(e.str(slot));
        case NE -> e -> {
          String v = e.str(slot);
          return v != null && !s.equals(v);
        };
        default -> null;
      };
    }
    if (f.type().numeric() && c.value() instanceof Double d) {
      double r = d;
      return switch (op) {
        case EQ -> e -> e.num(slot) == r;
        case NE -> e -> io.riskgate.lang.rt.Rt.ne(e.num(slot), r);
        case LT -> e -> e.num(slot) < r;
        case LE -> e -> e.num(slot) <= r;
        case GT -> e -> e.num(slot) > r;
        case GE -> e -> e.num(slot) >= r;
        default -> null;
      };
    }
    return null;
  }

  private static FastCondition logic(Typed.Logic l) {
    List<FastCondition> parts = new ArrayList<>();
    for (Typed o : l.operands()) {
      FastCondition c = build(o);
      if (c == null) {
        return null;
      }
      parts.add(c);
    }
    FastCondition[] all = parts.toArray(FastCondition[]::new);
    return switch (l.op()) {
      case AND -> e -> {
        for (FastCondition c : all) {
          if (!c.test(e)) {
            return false;
          }
        }
        return true;
      };
      case OR -> e -> {
        for (FastCondition c : all) {
          if (c.test(e)) {
            return true;
          }
        }
        return false;
      };
      default -> null;
    };
  }
}
