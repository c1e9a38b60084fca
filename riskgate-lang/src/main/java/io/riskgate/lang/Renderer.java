package io.riskgate.lang;

import io.riskgate.lang.Ast.Op;
import io.riskgate.lang.rt.Rt;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Renders the reasons of matched rules and the values their conditions read. It evaluates the
 * typed tree directly, with the same runtime helpers as the generated code, so it needs no code
 * generation: only matched rules are rendered, and keeping this out of the generated class halves
 * what the bytecode compiler has to do. This class is immutable and thread-safe.
 */
final class Renderer {
  private final List<CheckedRule> rules;
  private final List<FeatureDecl> features;
  private final ZoneId zone;
  private final Map<String, com.google.re2j.Pattern> patterns = new ConcurrentHashMap<>();
  private final Map<List<Double>, double[]> numberSets = new ConcurrentHashMap<>();

  Renderer(CheckedRuleset rs) {
    this.rules = rs.rules();
    this.features = rs.features();
    this.zone = rs.zone();
  }

  String reason(int rule, Evaluation ev) {
    StringBuilder sb = new StringBuilder();
    for (Template.Part part : rules.get(rule).reason().parts()) {
      switch (part) {
        case Template.Text t -> sb.append(t.text());
        case Template.Value v -> sb.append(render(v.value(), ev));
      }
    }
    return sb.toString();
  }

  Map<String, Object> values(int rule, Evaluation ev) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (CheckedRule.Leaf leaf : rules.get(rule).leaves()) {
      Typed v = leaf.value();
      out.put(leaf.label(), switch (v.type()) {
        case NUMBER -> Rt.box(num(v, ev), integral(v));
        case TIMESTAMP -> Rt.boxTs(num(v, ev));
        case DURATION -> Rt.box(num(v, ev), true);
        case BOOLEAN -> Rt.boxBool(num(v, ev));
        case STRING -> str(v, ev);
        default -> null;
      });
    }
    return out;
  }

  private boolean integral(Typed v) {
    return switch (v) {
      case Typed.Field f -> f.field().type() == FieldType.LONG;
      case Typed.TagAttr a -> a.attrType() == TagAttrType.LONG;
      case Typed.Feature f -> features.get(f.index()).aggregate() == FeatureDecl.Aggregate.COUNT
          || features.get(f.index()).aggregate() == FeatureDecl.Aggregate.DISTINCT_COUNT
          || features.get(f.index()).aggregate() == FeatureDecl.Aggregate.PATTERN;
      default -> false;
    };
  }

  private String render(Typed v, Evaluation ev) {
    return switch (v.type()) {
      case NUMBER -> Rt.fmt(num(v, ev));
      case TIMESTAMP -> Rt.fmtTs(num(v, ev));
      case DURATION -> Rt.fmtDur(num(v, ev));
      case STRING -> Rt.fmt(str(v, ev));
      case BOOLEAN -> Typed.total(v) ? Rt.fmtBool(cond(v, ev)) : Rt.fmtBool(num(v, ev));
      default -> throw new IllegalStateException("cannot render " + v.type());
    };
  }

  // ------------------------------------------------------------------ evaluation

  /** A condition: a missing boolean is false. */
  boolean cond(Typed t, Evaluation ev) {
    if (!Typed.total(t)) {
      return num(t, ev) == 1.0;
    }
    return switch (t) {
      case Typed.Const c -> (Boolean) c.value();
      case Typed.Unary u -> !cond(u.operand(), ev);
      case Typed.Logic l -> logic(l, ev);
      case Typed.Binary b -> compare(b, ev);
      case Typed.In i -> in(i, ev);
      case Typed.Between b -> between(b, ev);
      case Typed.Exists e -> exists(e, ev);
      case Typed.Call c -> predicate(c, ev);
      default -> throw new IllegalStateException("not a condition: " + t);
    };
  }

  /** A number, timestamp, duration or boolean (1, 0) as a double; NaN when missing. */
  double num(Typed t, Evaluation ev) {
    if (t.type() == Type.BOOLEAN && Typed.total(t)) {
      return cond(t, ev) ? 1.0 : 0.0;
    }
    return switch (t) {
      case Typed.Const c -> (Double) c.value();
      case Typed.Field f -> ev.event().num(f.field().slot());
      case Typed.Feature f -> Rt.feature(ev.env(), f.index());
      case Typed.TagAttr a -> a.type() == Type.BOOLEAN
          ? Rt.tagBool(tag(a.ref(), ev), a.attribute(), a.fallback() == null ? Double.NaN : (Double) a.fallback())
          : Rt.tagNum(tag(a.ref(), ev), a.attribute(), a.fallback() == null ? Double.NaN : (Double) a.fallback());
      case Typed.Unary u -> -num(u.operand(), ev);
      case Typed.Binary b -> arithmetic(b, ev);
      case Typed.Call c -> numberCall(c, ev);
      default -> throw new IllegalStateException("not a number: " + t);
    };
  }

  /** A string; null when missing. */
  String str(Typed t, Evaluation ev) {
    return switch (t) {
      case Typed.Const c -> (String) c.value();
      case Typed.Field f -> ev.event().str(f.field().slot());
      case Typed.TagAttr a -> Rt.tagStr(tag(a.ref(), ev), a.attribute(), (String) a.fallback());
      case Typed.Binary b -> Rt.concat(str(b.left(), ev), str(b.right(), ev));
      case Typed.Call c -> switch (c.fn()) {
        case LOWER -> Rt.lower(str(c.args().get(0), ev));
        case UPPER -> Rt.upper(str(c.args().get(0), ev));
        case COALESCE -> Rt.coalesce(str(c.args().get(0), ev), str(c.args().get(1), ev));
        case MATCHED_EVENTS -> Rt.matchedEvents(ev.env(), ((Typed.Feature) c.args().get(0)).index());
        default -> throw new IllegalStateException("not a string function: " + c.fn());
      };
      default -> throw new IllegalStateException("not a string: " + t);
    };
  }

  private TagView tag(Typed.TagRef ref, Evaluation ev) {
    return ev.tag(ref.entity(), str(ref.key(), ev));
  }

  private boolean logic(Typed.Logic l, Evaluation ev) {
    for (Typed o : l.operands()) {
      boolean v = cond(o, ev);
      if (l.op() == Op.AND && !v) {
        return false;
      }
      if (l.op() == Op.OR && v) {
        return true;
      }
    }
    return l.op() == Op.AND;
  }

  private boolean compare(Typed.Binary b, Evaluation ev) {
    if (b.left().type() == Type.STRING) {
      String l = str(b.left(), ev);
      String r = str(b.right(), ev);
      return switch (b.op()) {
        case EQ -> Rt.eq(l, r);
        case NE -> Rt.ne(l, r);
        case LT -> Rt.lt(l, r);
        case LE -> Rt.le(l, r);
        case GT -> Rt.gt(l, r);
        case GE -> Rt.ge(l, r);
        default -> throw new IllegalStateException(b.op().name());
      };
    }
    double l = num(b.left(), ev);
    double r = num(b.right(), ev);
    return switch (b.op()) {
      case EQ -> l == r;
      case NE -> Rt.ne(l, r);
      case LT -> l < r;
      case LE -> l <= r;
      case GT -> l > r;
      case GE -> l >= r;
      default -> throw new IllegalStateException(b.op().name());
    };
  }

  private double arithmetic(Typed.Binary b, Evaluation ev) {
    double l = num(b.left(), ev);
    double r = num(b.right(), ev);
    return switch (b.op()) {
      case ADD -> l + r;
      case SUB -> l - r;
      case MUL -> l * r;
      case DIV -> Rt.div(l, r);
      case MOD -> Rt.mod(l, r);
      default -> throw new IllegalStateException(b.op().name());
    };
  }

  private boolean in(Typed.In i, Evaluation ev) {
    boolean neg = i.negated();
    return switch (i.list()) {
      case Typed.StrSet s -> neg ? Rt.notIn(s.values(), str(i.value(), ev)) : Rt.in(s.values(), str(i.value(), ev));
      case Typed.NumSet s -> {
        double[] sorted = numberSets.computeIfAbsent(s.values(), v -> v.stream().mapToDouble(Double::doubleValue).toArray());
        yield neg ? Rt.notIn(sorted, num(i.value(), ev)) : Rt.in(sorted, num(i.value(), ev));
      }
      case Typed.NamedList n -> neg
          ? Rt.notInList(ev.env(), n.name(), str(i.value(), ev))
          : Rt.inList(ev.env(), n.name(), str(i.value(), ev));
      case Typed.TagAttr a -> neg
          ? Rt.tagSetNotContains(tag(a.ref(), ev), a.attribute(), str(i.value(), ev))
          : Rt.tagSetContains(tag(a.ref(), ev), a.attribute(), str(i.value(), ev));
      default -> throw new IllegalStateException("bad list " + i.list());
    };
  }

  private boolean between(Typed.Between b, Evaluation ev) {
    if (b.value().type() == Type.STRING) {
      String v = str(b.value(), ev);
      String lo = str(b.low(), ev);
      String hi = str(b.high(), ev);
      return b.negated() ? Rt.notBetween(v, lo, hi) : Rt.between(v, lo, hi);
    }
    double v = num(b.value(), ev);
    double lo = num(b.low(), ev);
    double hi = num(b.high(), ev);
    return b.negated() ? Rt.notBetween(v, lo, hi) : Rt.between(v, lo, hi);
  }

  private boolean exists(Typed.Exists e, Evaluation ev) {
    return switch (e.target()) {
      case Typed.TagAttr a -> Rt.tagHas(tag(a.ref(), ev), a.attribute());
      case Typed.Field f when f.type() == Type.STRING -> str(f, ev) != null;
      default -> {
        double v = num(e.target(), ev);
        yield v == v;
      }
    };
  }

  private boolean predicate(Typed.Call c, Evaluation ev) {
    List<Typed> a = c.args();
    return switch (c.fn()) {
      case STARTS_WITH -> Rt.startsWith(str(a.get(0), ev), str(a.get(1), ev));
      case ENDS_WITH -> Rt.endsWith(str(a.get(0), ev), str(a.get(1), ev));
      case CONTAINS -> Rt.contains(str(a.get(0), ev), str(a.get(1), ev));
      case MATCHES -> Rt.find(patterns.computeIfAbsent(c.regex(), com.google.re2j.Pattern::compile), str(a.get(0), ev));
      default -> throw new IllegalStateException("not a predicate: " + c.fn());
    };
  }

  private double numberCall(Typed.Call c, Evaluation ev) {
    List<Typed> a = c.args();
    return switch (c.fn()) {
      case LENGTH -> Rt.length(str(a.get(0), ev));
      case LOG, LN -> Rt.ln(num(a.get(0), ev));
      case LOG10 -> Rt.log10(num(a.get(0), ev));
      case ABS -> Math.abs(num(a.get(0), ev));
      case ROUND -> Rt.round(num(a.get(0), ev));
      case ROUND_TO -> Rt.round(num(a.get(0), ev), (int) (double) (Double) ((Typed.Const) a.get(1)).value());
      case FLOOR -> Math.floor(num(a.get(0), ev));
      case CEIL -> Math.ceil(num(a.get(0), ev));
      case SQRT -> Rt.sqrt(num(a.get(0), ev));
      case POW -> Rt.pow(num(a.get(0), ev), num(a.get(1), ev));
      case MIN, MAX -> {
        double acc = num(a.get(a.size() - 1), ev);
        for (int i = a.size() - 2; i >= 0; i--) {
          acc = c.fn() == Fn.MIN ? Math.min(num(a.get(i), ev), acc) : Math.max(num(a.get(i), ev), acc);
        }
        yield acc;
      }
      case HOUR -> Rt.hour(num(a.get(0), ev), zone);
      case DAY_OF_WEEK -> Rt.dayOfWeek(num(a.get(0), ev), zone);
      case COALESCE -> Rt.coalesce(num(a.get(0), ev), num(a.get(1), ev));
      default -> throw new IllegalStateException("not a number function: " + c.fn());
    };
  }
}
