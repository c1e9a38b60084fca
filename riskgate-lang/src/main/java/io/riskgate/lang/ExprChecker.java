package io.riskgate.lang;

import io.riskgate.lang.Ast.Op;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Type-checks an expression tree against a scope and builds its typed form. */
final class ExprChecker {
  private final Scope scope;

  ExprChecker(Scope scope) {
    this.scope = scope;
  }

  /** Checks an expression that must be a condition (boolean). */
  Typed condition(Ast e) {
    Typed t = check(e);
    if (t.type() != Type.BOOLEAN) {
      throw new CheckError(e.at(), "a condition must be true or false, but this is a " + t.type().label);
    }
    return t;
  }

  /** Checks an expression that must produce a value usable in text or an aggregate. */
  Typed value(Ast e) {
    Typed t = check(e);
    requireValue(e, t);
    return t;
  }

  Typed check(Ast e) {
    return switch (e) {
      case Ast.Num n -> new Typed.Const(Type.NUMBER, n.value());
      case Ast.Str s -> new Typed.Const(Type.STRING, s.value());
      case Ast.Bool b -> new Typed.Const(Type.BOOLEAN, b.value());
      case Ast.Dur d -> new Typed.Const(Type.DURATION, (double) d.millis());
      case Ast.ListLit l -> listLiteral(l);
      case Ast.Ident id -> ident(id);
      case Ast.Member m -> member(m);
      case Ast.Call c -> call(c);
      case Ast.Unary u -> unary(u);
      case Ast.Binary b -> binary(b);
      case Ast.Between b -> between(b);
    };
  }

  private Typed listLiteral(Ast.ListLit l) {
    if (l.items().isEmpty()) {
      throw new CheckError(l.at(), "an empty list matches nothing; remove the test or add items");
    }
    Type itemType = null;
    Set<String> strings = new LinkedHashSet<>();
    Set<Double> numbers = new TreeSet<>();
    for (Ast item : l.items()) {
      Object v;
      Type t;
      switch (item) {
        case Ast.Str s -> {
          v = s.value();
          t = Type.STRING;
        }
        case Ast.Num n -> {
          v = n.value() == 0.0 ? 0.0 : n.value();
          t = Type.NUMBER;
        }
        default -> throw new CheckError(item.at(), "list items must be literal strings or numbers");
      }
      if (itemType != null && itemType != t) {
        throw new CheckError(item.at(), "a list mixes " + itemType.label + "s and " + t.label + "s");
      }
      itemType = t;
      if (t == Type.STRING) {
        strings.add((String) v);
      } else {
        numbers.add((Double) v);
      }
    }
    return itemType == Type.STRING
        ? new Typed.StrSet(Set.copyOf(strings))
        : new Typed.NumSet(List.copyOf(numbers));
  }

  private Typed ident(Ast.Ident id) {
    return resolvePath(id.name(), id.at());
  }

  private Typed resolvePath(String name, int at) {
    Optional<FieldDef> f = scope.field(name);
    if (f.isPresent()) {
      return new Typed.Field(Type.of(f.get().type()), f.get());
    }
    if (scope.allFields().containsKey(name)) {
      throw new CheckError(
          at,
          "field '" + name + "' is not declared for event type"
              + (scope.typesMissing(name).size() > 1 ? "s " : " ")
              + String.join(", ", scope.typesMissing(name))
              + ", and this " + scope.scopeLabel() + " runs for "
              + (scope.typesMissing(name).size() == 1 ? "it" : "them")
              + (scope.scopeLabel().equals("step") ? "; narrow the step's 'event:'" : "; narrow it with 'events:'"));
    }
    FeatureDecl feature = scope.features().get(name);
    if (feature != null) {
      if (!scope.allowFeatures()) {
        throw new CheckError(at, "feature '" + name + "' cannot be used here: features may not refer to features");
      }
      if (!scope.featuresComputed()) {
        throw new CheckError(at, "feature '" + name + "' is declared, but this runtime has no feature store to compute it");
      }
      return new Typed.Feature(Type.NUMBER, feature.index(), name);
    }
    if (Lexer.KEYWORDS.contains(name)) {
      throw new CheckError(at, "'" + name + "' is a keyword, not a value");
    }
    List<String> known = new ArrayList<>(scope.allFields().keySet());
    known.addAll(scope.features().keySet());
    throw new CheckError(at, "unknown field '" + name + "'" + Suggest.hint(name, known));
  }

  private Typed member(Ast.Member m) {
    Optional<String> path = dottedPath(m);
    if (path.isPresent()) {
      return resolvePath(path.get(), m.target().at());
    }
    Typed target = check(m.target());
    if (target instanceof Typed.TagRef ref) {
      Map<String, Scope.TagAttrDecl> attrs = scope.tags().get(ref.entity());
      Scope.TagAttrDecl a = attrs.get(m.name());
      if (a == null) {
        throw new CheckError(
            m.at(),
            "unknown tag attribute '" + m.name() + "' of entity '" + ref.entity() + "'"
                + Suggest.hint(m.name(), attrs.keySet())
                + (attrs.isEmpty() ? "" : " (declared: " + String.join(", ", attrs.keySet()) + ")"));
      }
      return new Typed.TagAttr(a.type().type, ref, a.name(), a.type(), a.fallback());
    }
    throw new CheckError(m.at(), "'." + m.name() + "' can only follow a field path or tag(...)");
  }

  private static Optional<String> dottedPath(Ast e) {
    if (e instanceof Ast.Ident id) {
      return Optional.of(id.name());
    }
    if (e instanceof Ast.Member m) {
      return dottedPath(m.target()).map(p -> p + "." + m.name());
    }
    return Optional.empty();
  }

  private Typed call(Ast.Call c) {
    Optional<Fn> found = Fn.byName(c.name(), c.args().size());
    if (found.isEmpty()) {
      if (scope.allFields().containsKey(c.name()) || scope.features().containsKey(c.name())) {
        throw new CheckError(c.at(), "'" + c.name() + "' is a field, not a function");
      }
      throw new CheckError(c.at(), "unknown function '" + c.name() + "'" + Suggest.hint(c.name(), Fn.names()));
    }
    Fn fn = found.get();
    int n = c.args().size();
    switch (fn) {
      case TAG:
        return tag(c);
      case LIST:
        return namedList(c);
      case EXISTS:
        return exists(c);
      case MATCHED:
        return new Typed.Binary(Type.BOOLEAN, Ast.Op.GT, pattern(c, "matched"), new Typed.Const(Type.NUMBER, 0.0));
      case MATCHED_EVENTS:
        return new Typed.Call(Type.STRING, Fn.MATCHED_EVENTS, List.of(pattern(c, "matched_events")), "");
      case MIN:
      case MAX:
        return minMax(c, fn);
      case COALESCE:
        return coalesce(c);
      default:
        break;
    }
    if (n != fn.params.size()) {
      throw new CheckError(c.at(), "wrong number of arguments: " + fn.signature() + " takes " + fn.params.size());
    }
    List<Typed> args = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Typed a = check(c.args().get(i));
      Type want = fn.params.get(i);
      if (a.type() != want) {
        throw new CheckError(
            c.args().get(i).at(),
            "argument " + (i + 1) + " of " + fn.signature() + " must be a " + want.label + ", not a " + a.type().label);
      }
      args.add(a);
    }
    String regex = "";
    if (fn == Fn.MATCHES) {
      if (!(c.args().get(1) instanceof Ast.Str s)) {
        throw new CheckError(c.args().get(1).at(), "the pattern of matches(...) must be a literal string");
      }
      try {
        com.google.re2j.Pattern.compile(s.value());
      } catch (com.google.re2j.PatternSyntaxException ex) {
        throw new CheckError(s.at(), "invalid regular expression: " + ex.getDescription());
      }
      regex = s.value();
    }
    if (fn == Fn.ROUND_TO && !(args.get(1) instanceof Typed.Const)) {
      throw new CheckError(c.args().get(1).at(), "the digits of round(number, digits) must be a literal number");
    }
    if (fn == Fn.ROUND_TO) {
      double d = (Double) ((Typed.Const) args.get(1)).value();
      if (d != Math.rint(d) || d < 0 || d > 15) {
        throw new CheckError(c.args().get(1).at(), "round(number, digits) takes 0 to 15 digits");
      }
    }
    return new Typed.Call(fn.result, fn, List.copyOf(args), regex);
  }

  private Typed tag(Ast.Call c) {
    String entity;
    Ast keyAst;
    if (c.args().size() == 2) {
      if (!(c.args().get(0) instanceof Ast.Str s)) {
        throw new CheckError(c.args().get(0).at(), "the entity of tag('entity', key) must be a literal string");
      }
      entity = s.value();
      keyAst = c.args().get(1);
      if (!scope.tags().containsKey(entity)) {
        throw new CheckError(
            c.args().get(0).at(),
            "unknown tag entity '" + entity + "'" + Suggest.hint(entity, scope.tags().keySet())
                + "; declare it under 'tags:'");
      }
    } else if (c.args().size() == 1) {
      keyAst = c.args().get(0);
      Typed key = check(keyAst);
      if (!(key instanceof Typed.Field f)) {
        throw new CheckError(
            keyAst.at(), "tag(key) needs a field whose entity is known; write tag('entity', key) instead");
      }
      Optional<String> e = f.field().entity();
      if (e.isEmpty() && f.field().name().endsWith("_id")) {
        String guess = f.field().name().substring(0, f.field().name().length() - 3);
        if (scope.tags().containsKey(guess)) {
          e = Optional.of(guess);
        }
      }
      if (e.isEmpty()) {
        throw new CheckError(
            keyAst.at(),
            "cannot tell which tag entity field '" + f.field().name() + "' identifies: declare 'entity:' on the"
                + " field, or write tag('entity', " + f.field().name() + ")");
      }
      entity = e.get();
      if (!scope.tags().containsKey(entity)) {
        throw new CheckError(keyAst.at(), "tag entity '" + entity + "' is not declared under 'tags:'");
      }
    } else {
      throw new CheckError(c.at(), "wrong number of arguments: " + Fn.TAG.signature());
    }
    Typed key = check(keyAst);
    if (key.type() != Type.STRING) {
      throw new CheckError(keyAst.at(), "the key of a tag lookup must be a string, not a " + key.type().label);
    }
    String label = key instanceof Typed.Field f
        ? "tag(" + f.field().name() + ")"
        : "tag('" + entity + "', ...)";
    return new Typed.TagRef(entity, key, label);
  }

  private Typed namedList(Ast.Call c) {
    if (c.args().size() != 1 || !(c.args().get(0) instanceof Ast.Str s)) {
      throw new CheckError(c.at(), "list('name') takes one literal name");
    }
    if (!scope.lists().containsKey(s.value())) {
      throw new CheckError(
          s.at(),
          "unknown list '" + s.value() + "'" + Suggest.hint(s.value(), scope.lists().keySet())
              + "; declare it under 'lists:'");
    }
    return new Typed.NamedList(s.value());
  }

  private Typed exists(Ast.Call c) {
    if (c.args().size() != 1) {
      throw new CheckError(c.at(), "exists(field) takes one field");
    }
    Typed t = check(c.args().get(0));
    if (!(t instanceof Typed.Field || t instanceof Typed.TagAttr || t instanceof Typed.Feature)) {
      throw new CheckError(c.args().get(0).at(), "exists(...) takes a field, a tag attribute or a feature");
    }
    return new Typed.Exists(t);
  }

  /**
   * The pattern named by {@code matched('name')} (whether a match of the pattern fires at this
   * event: its feature value is 1) or {@code matched_events('name')} (the ids of the match's events).
   */
  private Typed.Feature pattern(Ast.Call c, String fn) {
    if (c.args().size() != 1 || !(c.args().get(0) instanceof Ast.Str s)) {
      throw new CheckError(c.at(), fn + "('pattern') takes the name of a pattern, as a literal string");
    }
    FeatureDecl p = scope.features().get(s.value());
    if (p == null || p.aggregate() != FeatureDecl.Aggregate.PATTERN) {
      List<String> known = scope.features().values().stream()
          .filter(f -> f.aggregate() == FeatureDecl.Aggregate.PATTERN).map(FeatureDecl::name).toList();
      throw new CheckError(s.at(), "unknown pattern '" + s.value() + "'" + Suggest.hint(s.value(), known)
          + (known.isEmpty() ? "; declare it under 'patterns:'" : ""));
    }
    if (!scope.allowFeatures()) {
      throw new CheckError(c.at(), fn + "(...) cannot be used here: features and pattern steps may not refer to patterns");
    }
    if (!scope.featuresComputed()) {
      throw new CheckError(c.at(), "pattern '" + s.value() + "' is declared, but this runtime has no feature store to compute it");
    }
    // for matched(...): missing (the event was late) compares false
    return new Typed.Feature(Type.NUMBER, p.index(), p.name());
  }

  private Typed minMax(Ast.Call c, Fn fn) {
    if (c.args().size() < 2) {
      throw new CheckError(c.at(), fn.fnName + "(...) takes two or more values");
    }
    List<Typed> args = new ArrayList<>();
    Type type = null;
    for (Ast a : c.args()) {
      Typed t = check(a);
      if (!t.type().numeric()) {
        throw new CheckError(a.at(), fn.fnName + "(...) takes numbers, not a " + t.type().label);
      }
      if (type != null && t.type() != type) {
        throw new CheckError(a.at(), fn.fnName + "(...) mixes a " + type.label + " and a " + t.type().label);
      }
      type = t.type();
      args.add(t);
    }
    return new Typed.Call(type, fn, List.copyOf(args), "");
  }

  private Typed coalesce(Ast.Call c) {
    if (c.args().size() != 2) {
      throw new CheckError(c.at(), "coalesce(value, fallback) takes two values");
    }
    Typed a = check(c.args().get(0));
    Typed b = check(c.args().get(1));
    requireValue(c.args().get(0), a);
    if (a.type() != b.type()) {
      throw new CheckError(
          c.args().get(1).at(), "the fallback must be a " + a.type().label + ", like the value, not a " + b.type().label);
    }
    return new Typed.Call(a.type(), Fn.COALESCE, List.of(a, b), "");
  }

  private Typed unary(Ast.Unary u) {
    Typed t = check(u.operand());
    if (u.op() == Op.NOT) {
      if (t.type() != Type.BOOLEAN) {
        throw new CheckError(u.at(), "'not' needs true or false, not a " + t.type().label);
      }
      if (t instanceof Typed.Unary inner && inner.op() == Op.NOT) {
        return inner.operand();
      }
      return new Typed.Unary(Type.BOOLEAN, Op.NOT, t);
    }
    if (t.type() != Type.NUMBER && t.type() != Type.DURATION) {
      throw new CheckError(u.at(), "'-' needs a number, not a " + t.type().label);
    }
    return new Typed.Unary(t.type(), Op.NEG, t);
  }

  private Typed binary(Ast.Binary b) {
    Op op = b.op();
    if (op == Op.AND || op == Op.OR) {
      List<Typed> operands = new ArrayList<>();
      flatten(b, op, operands);
      return new Typed.Logic(op, List.copyOf(operands));
    }
    if (op == Op.IN || op == Op.NOT_IN) {
      return in(b);
    }
    Typed l = check(b.left());
    Typed r = check(b.right());
    requireValue(b.left(), l);
    requireValue(b.right(), r);
    if (op.isComparison()) {
      return comparison(b, l, r);
    }
    return arithmetic(b, l, r);
  }

  private void flatten(Ast e, Op op, List<Typed> out) {
    if (e instanceof Ast.Binary b && b.op() == op) {
      flatten(b.left(), op, out);
      flatten(b.right(), op, out);
      return;
    }
    Typed t = check(e);
    if (t.type() != Type.BOOLEAN) {
      throw new CheckError(e.at(), "'" + op.symbol + "' needs true or false on each side, but this is a " + t.type().label);
    }
    if (t instanceof Typed.Logic inner && inner.op() == op) {
      out.addAll(inner.operands());
    } else {
      out.add(t);
    }
  }

  private Typed comparison(Ast.Binary b, Typed l, Typed r) {
    Type lt = l.type();
    Type rt = r.type();
    if (lt != rt) {
      throw new CheckError(b.at(), "cannot compare a " + lt.label + " with a " + rt.label + hint(lt, rt));
    }
    if (lt == Type.BOOLEAN && b.op() != Op.EQ && b.op() != Op.NE) {
      throw new CheckError(b.at(), "true and false can only be compared with == or !=");
    }
    return new Typed.Binary(Type.BOOLEAN, b.op(), l, r);
  }

  private static String hint(Type a, Type b) {
    if ((a == Type.STRING && b == Type.NUMBER) || (a == Type.NUMBER && b == Type.STRING)) {
      return " (quote numbers only when the field is a string)";
    }
    if ((a == Type.TIMESTAMP && b == Type.NUMBER) || (a == Type.NUMBER && b == Type.TIMESTAMP)) {
      return " (compare timestamps with timestamps, or their difference with a duration like 10m)";
    }
    if ((a == Type.DURATION && b == Type.NUMBER) || (a == Type.NUMBER && b == Type.DURATION)) {
      return " (write durations with a unit, e.g. 30s, 10m, 24h)";
    }
    return "";
  }

  private Typed arithmetic(Ast.Binary b, Typed l, Typed r) {
    Op op = b.op();
    Type lt = l.type();
    Type rt = r.type();
    Type result = null;
    if (lt == Type.NUMBER && rt == Type.NUMBER) {
      result = Type.NUMBER;
    } else if (op == Op.ADD && lt == Type.STRING && rt == Type.STRING) {
      result = Type.STRING;
    } else if (op == Op.SUB && lt == Type.TIMESTAMP && rt == Type.TIMESTAMP) {
      result = Type.DURATION;
    } else if ((op == Op.ADD || op == Op.SUB) && lt == Type.TIMESTAMP && rt == Type.DURATION) {
      result = Type.TIMESTAMP;
    } else if (op == Op.ADD && lt == Type.DURATION && rt == Type.TIMESTAMP) {
      result = Type.TIMESTAMP;
    } else if ((op == Op.ADD || op == Op.SUB) && lt == Type.DURATION && rt == Type.DURATION) {
      result = Type.DURATION;
    } else if ((op == Op.MUL) && ((lt == Type.DURATION && rt == Type.NUMBER) || (lt == Type.NUMBER && rt == Type.DURATION))) {
      result = Type.DURATION;
    } else if (op == Op.DIV && lt == Type.DURATION && rt == Type.NUMBER) {
      result = Type.DURATION;
    } else if (op == Op.DIV && lt == Type.DURATION && rt == Type.DURATION) {
      result = Type.NUMBER;
    }
    if (result == null) {
      throw new CheckError(b.at(), "'" + op.symbol + "' cannot combine a " + lt.label + " and a " + rt.label + hint(lt, rt));
    }
    return new Typed.Binary(result, op, l, r);
  }

  private Typed in(Ast.Binary b) {
    Typed v = check(b.left());
    requireValue(b.left(), v);
    Typed list = check(b.right());
    boolean negated = b.op() == Op.NOT_IN;
    switch (list) {
      case Typed.StrSet s -> requireItem(b, v, Type.STRING);
      case Typed.NumSet s -> requireItem(b, v, Type.NUMBER);
      case Typed.NamedList s -> requireItem(b, v, Type.STRING);
      case Typed.TagAttr a when a.type() == Type.STRING_LIST -> requireItem(b, v, Type.STRING);
      default ->
          throw new CheckError(
              b.right().at(),
              "'in' needs a list: [..], list('name') or a set tag attribute, not a " + list.type().label);
    }
    return new Typed.In(v, list, negated);
  }

  private static void requireItem(Ast.Binary b, Typed v, Type want) {
    if (v.type() != want) {
      throw new CheckError(b.left().at(), "a " + v.type().label + " cannot be in a list of " + want.label + "s");
    }
  }

  private Typed between(Ast.Between b) {
    Typed v = check(b.value());
    Typed lo = check(b.low());
    Typed hi = check(b.high());
    if (!v.type().numeric() && v.type() != Type.STRING) {
      throw new CheckError(b.value().at(), "'between' needs numbers, timestamps, durations or strings, not a " + v.type().label);
    }
    if (lo.type() != v.type()) {
      throw new CheckError(b.low().at(), "the low bound must be a " + v.type().label + ", not a " + lo.type().label);
    }
    if (hi.type() != v.type()) {
      throw new CheckError(b.high().at(), "the high bound must be a " + v.type().label + ", not a " + hi.type().label);
    }
    return new Typed.Between(v, lo, hi, b.negated());
  }

  private static void requireValue(Ast e, Typed t) {
    switch (t.type()) {
      case TAG -> throw new CheckError(e.at(), "a tag lookup needs an attribute, e.g. tag(account_id).risk_level");
      case NAMED_LIST -> throw new CheckError(e.at(), "list('name') can only be used after 'in'");
      case STRING_LIST, NUMBER_LIST -> throw new CheckError(e.at(), "a list can only be used after 'in'");
      default -> {}
    }
  }
}
