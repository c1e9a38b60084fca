package io.riskgate.lang;

import io.riskgate.lang.Ast.Op;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A slow, obvious tree-walking evaluator of {@link Typed} conditions: the oracle the compiled code is
 * compared with. It is written from the language's documented semantics and shares no code with
 * {@code Rt} or {@link CodeGen}:
 *
 * <ul>
 *   <li>numbers, timestamps (epoch ms) and durations (ms) are doubles; booleans are 1 or 0; a missing
 *       value is NaN, a missing string is null;
 *   <li>arithmetic and math functions with a missing operand are missing; division or modulo by zero,
 *       ln/log/log10 of x &lt;= 0, sqrt of a negative number and pow overflowing are missing;
 *   <li>every comparison, {@code in}, {@code not in}, {@code between} and {@code not between} with a
 *       missing operand is false; {@code not} negates its operand taken as a condition, where a
 *       missing boolean is false;
 *   <li>string functions on a missing string give a missing value or false; coalesce gives its first
 *       present argument; min and max are missing when any argument is;
 *   <li>round is half away from zero; round(x, d) rounds the shortest decimal form of x;
 *   <li>a tag attribute that is absent or of another kind falls back to its declared default; a
 *       failing tag source or list gives no tags / false.
 * </ul>
 */
final class ReferenceInterpreter {
  private final EventData event;
  private final Env env;
  private final ZoneId zone;

  ReferenceInterpreter(EventData event, Env env, ZoneId zone) {
    this.event = event;
    this.env = env;
    this.zone = zone;
  }

  static final double MISSING = Double.NaN;

  /** A condition: true only when the value is the boolean true. */
  boolean holds(Typed t) {
    return number(eval(t)) == 1.0;
  }

  /**
   * The value of a node: a Double (numbers, timestamps, durations and booleans as 1/0, NaN when
   * missing), a String (null when missing) or, for a tag lookup, the entity's attribute map.
   */
  Object eval(Typed t) {
    return switch (t) {
      case Typed.Const c -> switch (c.type()) {
        case BOOLEAN -> bool((Boolean) c.value());
        case STRING -> c.value();
        default -> (Double) c.value();
      };
      case Typed.Field f -> f.field().type() == FieldType.STRING
          ? event.str(f.field().slot())
          : (Object) event.num(f.field().slot());
      case Typed.Feature f -> {
        try {
          yield env.feature(f.index());
        } catch (RuntimeException e) {
          yield MISSING;
        }
      }
      case Typed.TagRef r -> tags(r);
      case Typed.TagAttr a -> tagAttribute(a);
      case Typed.Unary u -> u.op() == Op.NOT ? bool(!holds(u.operand())) : (Object) (-number(eval(u.operand())));
      case Typed.Binary b -> binary(b);
      case Typed.Logic l -> {
        boolean and = l.op() == Op.AND;
        boolean acc = and;
        for (Typed o : l.operands()) {
          acc = and ? acc && holds(o) : acc || holds(o);
        }
        yield bool(acc);
      }
      case Typed.In i -> bool(in(i));
      case Typed.Between b -> bool(between(b));
      case Typed.Call c -> call(c);
      case Typed.Exists e -> bool(exists(e.target()));
      case Typed.StrSet s -> throw new IllegalStateException("a list is not a value");
      case Typed.NumSet s -> throw new IllegalStateException("a list is not a value");
      case Typed.NamedList n -> throw new IllegalStateException("a list is not a value");
    };
  }

  static double bool(boolean b) {
    return b ? 1.0 : 0.0;
  }

  static double number(Object o) {
    return (Double) o;
  }

  static boolean missing(double d) {
    return Double.isNaN(d);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> tags(Typed.TagRef r) {
    String key = (String) eval(r.key());
    if (key == null) {
      return Map.of();
    }
    try {
      TagView v = env.tag(r.entity(), key);
      return v == null ? Map.of() : (Map<String, Object>) (Map<String, ?>) v.attributes();
    } catch (RuntimeException e) {
      return Map.of();
    }
  }

  @SuppressWarnings("unchecked")
  private Object tagAttribute(Typed.TagAttr a) {
    Map<String, Object> tags = (Map<String, Object>) eval(a.ref());
    Object v = tags.get(a.attribute());
    if (a.type() == Type.STRING) {
      return v instanceof String s ? s : (String) a.fallback();
    }
    // a value of another kind than declared reads as absent: numbers for number and timestamp
    // attributes, booleans for boolean ones
    double d = a.type() == Type.BOOLEAN
        ? (v instanceof Boolean b ? bool(b) : MISSING)
        : (v instanceof Number n ? n.doubleValue() : MISSING);
    if (missing(d)) {
      return a.fallback() == null ? MISSING : (Double) a.fallback();
    }
    return d;
  }

  private Object binary(Typed.Binary b) {
    Op op = b.op();
    Object l = eval(b.left());
    Object r = eval(b.right());
    if (b.left().type() == Type.STRING) {
      String x = (String) l;
      String y = (String) r;
      if (op == Op.ADD) {
        return x == null || y == null ? null : x + y;
      }
      if (x == null || y == null) {
        return bool(false);
      }
      int c = x.compareTo(y);
      return bool(switch (op) {
        case EQ -> x.equals(y);
        case NE -> !x.equals(y);
        case LT -> c < 0;
        case LE -> c <= 0;
        case GT -> c > 0;
        case GE -> c >= 0;
        default -> throw new IllegalStateException(op.toString());
      });
    }
    double x = number(l);
    double y = number(r);
    if (op.isComparison()) {
      if (missing(x) || missing(y)) {
        return bool(false);
      }
      return bool(switch (op) {
        case EQ -> x == y;
        case NE -> x != y;
        case LT -> x < y;
        case LE -> x <= y;
        case GT -> x > y;
        case GE -> x >= y;
        default -> throw new IllegalStateException(op.toString());
      });
    }
    if (missing(x) || missing(y)) {
      return MISSING;
    }
    return switch (op) {
      case ADD -> x + y;
      case SUB -> x - y;
      case MUL -> x * y;
      case DIV -> y == 0 ? MISSING : x / y;
      case MOD -> y == 0 ? MISSING : x % y;
      default -> throw new IllegalStateException(op.toString());
    };
  }

  @SuppressWarnings("unchecked")
  private boolean in(Typed.In i) {
    Object v = eval(i.value());
    boolean neg = i.negated();
    switch (i.list()) {
      case Typed.StrSet s -> {
        String x = (String) v;
        return x != null && s.values().contains(x) != neg;
      }
      case Typed.NumSet s -> {
        double x = number(v);
        if (missing(x)) {
          return false;
        }
        boolean found = false;
        for (double d : s.values()) {
          found |= d == x;
        }
        return found != neg;
      }
      case Typed.NamedList n -> {
        String x = (String) v;
        if (x == null) {
          return false;
        }
        try {
          return env.listContains(n.name(), x) != neg;
        } catch (RuntimeException e) {
          return false;
        }
      }
      case Typed.TagAttr a -> {
        String x = (String) v;
        Map<String, Object> tags = (Map<String, Object>) eval(a.ref());
        if (x == null || !(tags.get(a.attribute()) instanceof Set<?>)) {
          return false;
        }
        boolean found = tags.get(a.attribute()) instanceof Set<?> set && set.contains(x);
        return found != neg;
      }
      default -> throw new IllegalStateException("not a list: " + i.list());
    }
  }

  private boolean between(Typed.Between b) {
    Object v = eval(b.value());
    Object lo = eval(b.low());
    Object hi = eval(b.high());
    boolean inside;
    if (b.value().type() == Type.STRING) {
      String x = (String) v;
      String l = (String) lo;
      String h = (String) hi;
      if (x == null || l == null || h == null) {
        return false;
      }
      inside = x.compareTo(l) >= 0 && x.compareTo(h) <= 0;
    } else {
      double x = number(v);
      double l = number(lo);
      double h = number(hi);
      if (missing(x) || missing(l) || missing(h)) {
        return false;
      }
      inside = l <= x && x <= h;
    }
    return inside != b.negated();
  }

  @SuppressWarnings("unchecked")
  private boolean exists(Typed target) {
    return switch (target) {
      case Typed.TagAttr a -> ((Map<String, Object>) eval(a.ref())).containsKey(a.attribute());
      default -> {
        Object v = eval(target);
        yield v instanceof Double d ? !missing(d) : v != null;
      }
    };
  }

  private Object call(Typed.Call c) {
    List<Typed> a = c.args();
    switch (c.fn()) {
      case LOWER, UPPER -> {
        String s = (String) eval(a.get(0));
        return s == null ? null : c.fn() == Fn.LOWER ? s.toLowerCase(Locale.ROOT) : s.toUpperCase(Locale.ROOT);
      }
      case LENGTH -> {
        String s = (String) eval(a.get(0));
        return s == null ? MISSING : (double) s.codePointCount(0, s.length());
      }
      case STARTS_WITH, ENDS_WITH, CONTAINS, MATCHES -> {
        String s = (String) eval(a.get(0));
        String p = (String) eval(a.get(1));
        if (s == null || p == null) {
          return bool(false);
        }
        return bool(switch (c.fn()) {
          case STARTS_WITH -> s.startsWith(p);
          case ENDS_WITH -> s.endsWith(p);
          case CONTAINS -> s.indexOf(p) >= 0;
          default -> java.util.regex.Pattern.compile(c.regex()).matcher(s).find();
        });
      }
      case COALESCE -> {
        Object x = eval(a.get(0));
        if (x instanceof Double d ? !missing(d) : x != null) {
          return x;
        }
        return eval(a.get(1));
      }
      case MIN, MAX -> {
        double acc = c.fn() == Fn.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        for (Typed arg : a) {
          double x = number(eval(arg));
          if (missing(x)) {
            return MISSING;
          }
          acc = c.fn() == Fn.MIN ? Math.min(acc, x) : Math.max(acc, x);
        }
        return acc;
      }
      default -> {}
    }
    double x = number(eval(a.get(0)));
    double y = a.size() > 1 ? number(eval(a.get(1))) : 0;
    if (missing(x) || missing(y)) {
      return MISSING;
    }
    return switch (c.fn()) {
      case LOG, LN -> x > 0 ? Math.log(x) : MISSING;
      case LOG10 -> x > 0 ? Math.log10(x) : MISSING;
      case ABS -> Math.abs(x);
      case FLOOR -> Math.floor(x);
      case CEIL -> Math.ceil(x);
      case SQRT -> x < 0 ? MISSING : Math.sqrt(x);
      case POW -> {
        double r = Math.pow(x, y);
        yield Double.isInfinite(r) ? MISSING : r;
      }
      case ROUND -> roundHalfAwayFromZero(x);
      case ROUND_TO -> Double.isInfinite(x)
          ? x
          : new BigDecimal(Double.toString(x)).setScale((int) y, RoundingMode.HALF_UP).doubleValue();
      // beyond 1e16 ms (about 300,000 years) a timestamp has no hour or day: missing
      case HOUR -> Math.abs(x) > 1e16 ? Double.NaN : (double) local(x).getHour();
      case DAY_OF_WEEK -> Math.abs(x) > 1e16 ? Double.NaN : (double) local(x).getDayOfWeek().getValue();
      default -> throw new IllegalStateException(c.fn().toString());
    };
  }

  /** Exact: the decimal expansion of a double is finite, so BigDecimal sees the true tie. */
  static double roundHalfAwayFromZero(double x) {
    if (Double.isInfinite(x)) {
      return x;
    }
    return new BigDecimal(x).setScale(0, RoundingMode.HALF_UP).doubleValue();
  }

  private ZonedDateTime local(double ts) {
    return Instant.ofEpochMilli((long) Math.floor(ts)).atZone(zone);
  }

  // ---------------------------------------------------------------- reasons

  /** A value as a reason shows it. */
  String render(Typed t) {
    Object v = eval(t);
    return switch (t.type()) {
      case STRING -> v == null ? "missing" : (String) v;
      case BOOLEAN -> missing(number(v)) ? "missing" : number(v) != 0 ? "true" : "false";
      case NUMBER -> {
        double d = number(v);
        if (missing(d)) {
          yield "missing";
        }
        if (Double.isInfinite(d)) {
          yield d > 0 ? "infinity" : "-infinity";
        }
        // plain decimal digits, never an exponent: the shortest form that reads back as d
        yield d == Math.rint(d) && Math.abs(d) < 1e15
            ? Long.toString((long) d)
            : new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
      }
      case TIMESTAMP -> missing(number(v)) ? "missing" : Instant.ofEpochMilli((long) number(v)).toString();
      case DURATION -> {
        double d = number(v);
        if (missing(d)) {
          yield "missing";
        }
        long ms = (long) d;
        if (ms != 0 && ms % 3_600_000L == 0) {
          yield ms / 3_600_000L + "h";
        }
        if (ms != 0 && ms % 60_000L == 0) {
          yield ms / 60_000L + "m";
        }
        yield ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
      }
      default -> throw new IllegalStateException("cannot render " + t.type());
    };
  }
}
