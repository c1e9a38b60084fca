package io.riskgate.bench;

import io.riskgate.lang.Env;
import io.riskgate.lang.TagView;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.ToDoubleBiFunction;
import java.util.stream.Collectors;

/**
 * The intermediate model of a generated rule condition. Each node renders itself as rule-language
 * text (for the compiler) and as a tree of Java lambdas (the baseline), with the language's
 * semantics for missing values: a comparison with a missing (NaN or null) operand is false,
 * division by zero and the log or square root of a non-positive number are missing.
 */
public final class RuleModel {
  private RuleModel() {}

  /** A function of the event and the environment giving a number (NaN when missing). */
  public interface NumFn extends ToDoubleBiFunction<PaymentEvent, Env> {}

  /** A function of the event and the environment giving a string (null when missing). */
  public interface StrFn extends BiFunction<PaymentEvent, Env, String> {}

  /** A condition on the event and the environment. */
  public interface CondFn extends BiPredicate<PaymentEvent, Env> {}

  // ------------------------------------------------------------------ numbers

  public sealed interface Num permits NumField, Feature, Lit, Arith, MathCall, TagNum, Hour, Length {
    String text();

    NumFn lambda();

    /** Whether the text needs no parentheses as an operand of an arithmetic operator. */
    default boolean atomic() {
      return true;
    }
  }

  public record NumField(String name) implements Num {
    public String text() {
      return name;
    }

    public NumFn lambda() {
      ToDoubleBiFunction<PaymentEvent, Env> g = PaymentEvent.numField(name);
      return g::applyAsDouble;
    }
  }

  /** A declared feature; {@code index} is its position in {@code features:}. */
  public record Feature(String name, int index) implements Num {
    public String text() {
      return name;
    }

    public NumFn lambda() {
      int i = index;
      return (e, env) -> env.feature(i);
    }
  }

  /** A number literal: {@code text} is what the rule says, {@code value} what it parses to. */
  public record Lit(double value, String text) implements Num {
    public static Lit of(double v) {
      String t = v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
      return new Lit(Double.parseDouble(t), t);
    }

    public NumFn lambda() {
      double v = value;
      return (e, env) -> v;
    }
  }

  public record Arith(char op, Num left, Num right) implements Num {
    public String text() {
      return operand(left) + " " + op + " " + operand(right);
    }

    private static String operand(Num n) {
      return n.atomic() ? n.text() : "(" + n.text() + ")";
    }

    public boolean atomic() {
      return false;
    }

    public NumFn lambda() {
      NumFn l = left.lambda();
      NumFn r = right.lambda();
      return switch (op) {
        case '+' -> (e, env) -> l.applyAsDouble(e, env) + r.applyAsDouble(e, env);
        case '-' -> (e, env) -> l.applyAsDouble(e, env) - r.applyAsDouble(e, env);
        case '*' -> (e, env) -> l.applyAsDouble(e, env) * r.applyAsDouble(e, env);
        case '/' -> (e, env) -> {
          double a = l.applyAsDouble(e, env);
          double b = r.applyAsDouble(e, env);
          return b == 0.0 ? Double.NaN : a / b;
        };
        default -> throw new IllegalArgumentException("op " + op);
      };
    }
  }

  /** {@code log}, {@code sqrt} or {@code abs} of a number. */
  public record MathCall(String fn, Num arg) implements Num {
    public String text() {
      return fn + "(" + arg.text() + ")";
    }

    public NumFn lambda() {
      NumFn a = arg.lambda();
      return switch (fn) {
        case "log" -> (e, env) -> {
          double x = a.applyAsDouble(e, env);
          return x > 0 ? Math.log(x) : Double.NaN;
        };
        case "sqrt" -> (e, env) -> {
          double x = a.applyAsDouble(e, env);
          return x >= 0 ? Math.sqrt(x) : Double.NaN;
        };
        case "abs" -> (e, env) -> Math.abs(a.applyAsDouble(e, env));
        default -> throw new IllegalArgumentException("fn " + fn);
      };
    }
  }

  /** {@code tag(account_id).<attribute>}, with the attribute's declared default. */
  public record TagNum(String attribute, double fallback) implements Num {
    public String text() {
      return "tag(account_id)." + attribute;
    }

    public NumFn lambda() {
      String attr = attribute;
      double dflt = fallback;
      return (e, env) -> {
        String key = e.accountId;
        TagView v = key == null ? TagView.empty() : env.tag("account", key);
        double x = v == null ? Double.NaN : v.numberOrNaN(attr);
        return x == x ? x : dflt;
      };
    }
  }

  /** {@code hour(timestamp)} in UTC. */
  public record Hour() implements Num {
    public String text() {
      return "hour(timestamp)";
    }

    public NumFn lambda() {
      return (e, env) -> Math.floorDiv(Math.floorMod(e.timestamp, 86_400_000L), 3_600_000L);
    }
  }

  /** {@code length(s)} in code points. */
  public record Length(Str arg) implements Num {
    public String text() {
      return "length(" + arg.text() + ")";
    }

    public NumFn lambda() {
      StrFn a = arg.lambda();
      return (e, env) -> {
        String s = a.apply(e, env);
        return s == null ? Double.NaN : s.codePointCount(0, s.length());
      };
    }
  }

  // ------------------------------------------------------------------ strings

  public sealed interface Str permits StrField, Lower {
    String text();

    StrFn lambda();
  }

  public record StrField(String name) implements Str {
    public String text() {
      return name;
    }

    public StrFn lambda() {
      BiFunction<PaymentEvent, Env, String> g = PaymentEvent.strField(name);
      return g::apply;
    }
  }

  public record Lower(Str arg) implements Str {
    public String text() {
      return "lower(" + arg.text() + ")";
    }

    public StrFn lambda() {
      StrFn a = arg.lambda();
      return (e, env) -> {
        String s = a.apply(e, env);
        return s == null ? null : s.toLowerCase(java.util.Locale.ROOT);
      };
    }
  }

  static String quote(String s) {
    if (s.indexOf('\'') >= 0 || s.indexOf('\\') >= 0 || s.indexOf('"') >= 0) {
      throw new IllegalArgumentException("generator literals must not need escapes: " + s);
    }
    return "'" + s + "'";
  }

  // ------------------------------------------------------------------ conditions

  public sealed interface Cond permits Cmp, StrCmp, InSet, InList, Between, StrTest, BoolField, Logic {
    String text();

    CondFn lambda();
  }

  /** A numeric comparison: {@code <, <=, >, >=, ==, !=}. */
  public record Cmp(String op, Num left, Num right) implements Cond {
    public String text() {
      return left.text() + " " + op + " " + right.text();
    }

    public CondFn lambda() {
      NumFn l = left.lambda();
      NumFn r = right.lambda();
      return switch (op) {
        case "<" -> (e, env) -> l.applyAsDouble(e, env) < r.applyAsDouble(e, env);
        case "<=" -> (e, env) -> l.applyAsDouble(e, env) <= r.applyAsDouble(e, env);
        case ">" -> (e, env) -> l.applyAsDouble(e, env) > r.applyAsDouble(e, env);
        case ">=" -> (e, env) -> l.applyAsDouble(e, env) >= r.applyAsDouble(e, env);
        case "==" -> (e, env) -> l.applyAsDouble(e, env) == r.applyAsDouble(e, env);
        case "!=" -> (e, env) -> {
          double a = l.applyAsDouble(e, env);
          double b = r.applyAsDouble(e, env);
          return a == a && b == b && a != b;
        };
        default -> throw new IllegalArgumentException("op " + op);
      };
    }
  }

  /** {@code s == 'lit'} or {@code s != 'lit'}: false when s is missing. */
  public record StrCmp(boolean equal, Str left, String literal) implements Cond {
    public String text() {
      return left.text() + (equal ? " == " : " != ") + quote(literal);
    }

    public CondFn lambda() {
      StrFn l = left.lambda();
      String lit = literal;
      return equal
          ? (e, env) -> {
            String s = l.apply(e, env);
            return s != null && s.equals(lit);
          }
          : (e, env) -> {
            String s = l.apply(e, env);
            return s != null && !s.equals(lit);
          };
    }
  }

  /** {@code s in ['a', 'b']} or {@code s not in [...]}: false when s is missing. */
  public record InSet(Str value, List<String> items, boolean negated) implements Cond {
    public String text() {
      return value.text() + (negated ? " not in [" : " in [")
          + items.stream().map(RuleModel::quote).collect(Collectors.joining(", ")) + "]";
    }

    public CondFn lambda() {
      StrFn v = value.lambda();
      Set<String> set = Set.copyOf(items);
      return negated
          ? (e, env) -> {
            String s = v.apply(e, env);
            return s != null && !set.contains(s);
          }
          : (e, env) -> {
            String s = v.apply(e, env);
            return s != null && set.contains(s);
          };
    }
  }

  /** {@code s in list('name')}, asking the environment. */
  public record InList(Str value, String list, boolean negated) implements Cond {
    public String text() {
      return value.text() + (negated ? " not in list(" : " in list(") + quote(list) + ")";
    }

    public CondFn lambda() {
      StrFn v = value.lambda();
      String name = list;
      return negated
          ? (e, env) -> {
            String s = v.apply(e, env);
            return s != null && !env.listContains(name, s);
          }
          : (e, env) -> {
            String s = v.apply(e, env);
            return s != null && env.listContains(name, s);
          };
    }
  }

  public record Between(Num value, Num low, Num high, boolean negated) implements Cond {
    public String text() {
      return value.text() + (negated ? " not between " : " between ") + low.text() + " and " + high.text();
    }

    public CondFn lambda() {
      NumFn v = value.lambda();
      NumFn lo = low.lambda();
      NumFn hi = high.lambda();
      return negated
          ? (e, env) -> {
            double x = v.applyAsDouble(e, env);
            double a = lo.applyAsDouble(e, env);
            double b = hi.applyAsDouble(e, env);
            return x == x && a == a && b == b && !(x >= a && x <= b);
          }
          : (e, env) -> {
            double x = v.applyAsDouble(e, env);
            return x >= lo.applyAsDouble(e, env) && x <= hi.applyAsDouble(e, env);
          };
    }
  }

  /** {@code starts_with}, {@code ends_with} or {@code contains} with a literal. */
  public record StrTest(String fn, Str value, String literal) implements Cond {
    public String text() {
      return fn + "(" + value.text() + ", " + quote(literal) + ")";
    }

    public CondFn lambda() {
      StrFn v = value.lambda();
      String lit = literal;
      return switch (fn) {
        case "starts_with" -> (e, env) -> {
          String s = v.apply(e, env);
          return s != null && s.startsWith(lit);
        };
        case "ends_with" -> (e, env) -> {
          String s = v.apply(e, env);
          return s != null && s.endsWith(lit);
        };
        case "contains" -> (e, env) -> {
          String s = v.apply(e, env);
          return s != null && s.contains(lit);
        };
        default -> throw new IllegalArgumentException("fn " + fn);
      };
    }
  }

  /** A boolean field used as a condition, e.g. {@code is_new_device}. */
  public record BoolField(String name) implements Cond {
    public String text() {
      return name;
    }

    public CondFn lambda() {
      ToDoubleBiFunction<PaymentEvent, Env> g = PaymentEvent.numField(name);
      return (e, env) -> g.applyAsDouble(e, env) == 1.0;
    }
  }

  /** {@code and} or {@code or} of two or more conditions, evaluated left to right. */
  public record Logic(boolean and, List<Cond> operands) implements Cond {
    public Logic {
      operands = List.copyOf(operands);
      if (operands.size() < 2) {
        throw new IllegalArgumentException("a logic node needs two operands");
      }
    }

    public String text() {
      return operands.stream()
          .map(c -> c instanceof Logic ? "(" + c.text() + ")" : c.text())
          .collect(Collectors.joining(and ? " and " : " or "));
    }

    /** A left fold into nested binary lambdas: ((a && b) && c) && d. */
    public CondFn lambda() {
      CondFn acc = operands.get(0).lambda();
      for (int i = 1; i < operands.size(); i++) {
        CondFn l = acc;
        CondFn r = operands.get(i).lambda();
        acc = and ? (e, env) -> l.test(e, env) && r.test(e, env) : (e, env) -> l.test(e, env) || r.test(e, env);
      }
      return acc;
    }
  }
}
