package io.riskgate.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

/**
 * The compiled code against {@link ReferenceInterpreter}: random well-typed conditions over a fixed
 * schema, 30 rules per ruleset (with shared subexpressions, to exercise the generator's memoization),
 * evaluated on random events and environments; every rule must match exactly when the oracle says
 * its condition holds, and reasons must render as the oracle renders them.
 */
class CompilerOracleProperties {
  static final String SCHEMA = """
      ruleset: oracle
      timezone: Europe/Paris
      events:
        payment:
          id: tx_id
          fields:
            tx_id: {type: string, required: true}
            account_id: {type: string, entity: account}
            email: string
            country: string
            amount: {type: double, required: true}
            fee: double
            count: long
            items: long
            verified: boolean
            flagged: boolean
            ts: timestamp
            created: timestamp
      tags:
        account:
          risk_level: {type: long, default: 1}
          score: double
          segment: {type: string, default: retail}
          nickname: string
          trusted: {type: boolean, default: false}
          vip: boolean
          labels: set
          seen: timestamp
      lists:
        blocked: ["a@x.io", "FR"]
      features:
        tx_count_1h:
          aggregate: count
          by: account_id
          window: 1h
      rules:
      """;

  static final int RULES = 30;
  static final int EVENTS = 40;

  // ---------------------------------------------------------------- expression generator

  enum Kind { NUM, STR, BOOL, TS, DUR }

  /** Precedence levels of the grammar, loosest first. */
  static final int OR = 1;
  static final int AND = 2;
  static final int NOT = 3;
  static final int CMP = 4;
  static final int SUM = 5;
  static final int PROD = 6;
  static final int UNARY = 7;
  static final int ATOM = 8;

  /** An expression, written with as few parentheses as possible and with all of them. */
  record E(String min, String full, int level) {
    static E atom(String s) {
      return new E(s, s, ATOM);
    }
  }

  static final List<String> NUMBERS = List.of(
      "190.27", "0.1", "0.2", "0.3", "1e-7", "-0.0", "0", "1", "2", "3", "-1", "2.5", "-2.5", "0.5",
      "0.49999999999999994", "4503599627370497", "1e15", "1e300", "10000", "1.005", "100", "7", ".5",
      "1E2", "9007199254740993", "12.5", "-190.27");
  static final List<String> STRINGS = List.of(
      "'FR'", "'fr'", "'a@x.io'", "''", "'\u00e9'", "'\u00df'", "'acct-1'", "'x\\'y'", "'A@X.IO'", "'KP'",
      "'\ud83d\ude00'", "'retail'", "'vip'", "'b'");
  static final List<String> STRING_VALUES = List.of(
      "FR", "fr", "a@x.io", "", "\u00e9", "\u00df", "acct-1", "x'y", "A@X.IO", "KP", "\ud83d\ude00", "retail",
      "vip", "b", "bob@example.com", "DE", "\u0130", "b\u00e9");
  static final List<String> DURATIONS = List.of("10m", "1h", "0s", "90s", "2d", "1w", "500ms", "3600000ms", "1ms");
  static final List<String> REGEXES = List.of("'^[a-c]+@'", "'x[.]io$'", "'[0-9]'", "'^$'", "'(?i)fr'", "'b.'");

  static final class Gen {
    final Random r;
    final Map<Kind, List<E>> pool = new EnumMap<>(Kind.class);

    Gen(Random r) {
      this.r = r;
      for (Kind k : Kind.values()) {
        pool.put(k, new ArrayList<>());
      }
    }

    <T> T pick(List<T> xs) {
      return xs.get(r.nextInt(xs.size()));
    }

    String wrap(String s, int level, int need) {
      return level >= need ? s : "(" + s + ")";
    }

    E binary(E a, String op, E b, int level, int leftNeed, int rightNeed) {
      return new E(
          wrap(a.min(), a.level(), leftNeed) + " " + op + " " + wrap(b.min(), b.level(), rightNeed),
          "(" + a.full() + ") " + op + " (" + b.full() + ")",
          level);
    }

    E call(String fn, E... args) {
      return new E(
          fn + "(" + java.util.Arrays.stream(args).map(E::min).collect(Collectors.joining(", ")) + ")",
          fn + "(" + java.util.Arrays.stream(args).map(a -> "(" + a.full() + ")").collect(Collectors.joining(", ")) + ")",
          ATOM);
    }

    E unary(String op, E a, int need, int level) {
      String sep = op.equals("-") && !a.min().startsWith("-") ? "" : " ";
      return new E(op + sep + wrap(a.min(), a.level(), need), op + " (" + a.full() + ")", level);
    }

    E gen(Kind k, int depth) {
      List<E> p = pool.get(k);
      if (!p.isEmpty() && r.nextInt(8) == 0) {
        return pick(p);
      }
      E e = depth <= 0 || r.nextInt(5) == 0 ? leaf(k) : node(k, depth - 1);
      if (depth > 0) {
        p.add(e);
      }
      return e;
    }

    E leaf(Kind k) {
      return switch (k) {
        case NUM -> switch (r.nextInt(9)) {
          case 0, 1, 2 -> E.atom(pick(List.of("amount", "fee", "count", "items")));
          case 3 -> E.atom("tag(account_id)." + pick(List.of("risk_level", "score")));
          case 4 -> E.atom("tx_count_1h");
          case 5 -> E.atom(Integer.toString(r.nextInt(2000) - 500));
          default -> {
            String n = pick(NUMBERS);
            yield new E(n, n, n.startsWith("-") ? UNARY : ATOM);
          }
        };
        case STR -> switch (r.nextInt(7)) {
          case 0, 1, 2 -> E.atom(pick(List.of("email", "country", "account_id", "tx_id")));
          case 3 -> E.atom("tag(account_id)." + pick(List.of("segment", "nickname")));
          default -> E.atom(pick(STRINGS));
        };
        case BOOL -> switch (r.nextInt(6)) {
          case 0, 1 -> E.atom(pick(List.of("verified", "flagged")));
          case 2 -> E.atom(pick(List.of("true", "false")));
          case 3 -> E.atom("tag(account_id)." + pick(List.of("trusted", "vip")));
          default -> E.atom("exists(" + pick(List.of("fee", "email", "verified", "ts", "tx_count_1h",
              "tag(account_id).score", "tag(account_id).segment", "tag(account_id).labels", "tag('account', email).vip")) + ")");
        };
        case TS -> E.atom(pick(List.of("ts", "created", "tag(account_id).seen")));
        case DUR -> {
          String d = pick(DURATIONS);
          yield r.nextInt(6) == 0 ? new E("-" + d, "-" + d, UNARY) : E.atom(d);
        }
      };
    }

    E node(Kind k, int d) {
      return switch (k) {
        case NUM -> switch (r.nextInt(15)) {
          case 0, 1 -> binary(gen(Kind.NUM, d), pick(List.of("+", "-")), gen(Kind.NUM, d), SUM, SUM, PROD);
          case 2, 3 -> binary(gen(Kind.NUM, d), pick(List.of("*", "/", "%")), gen(Kind.NUM, d), PROD, PROD, UNARY);
          case 4 -> unary("-", gen(Kind.NUM, d), UNARY, UNARY);
          case 5 -> call(pick(List.of("abs", "round", "floor", "ceil", "sqrt", "ln", "log", "log10")), gen(Kind.NUM, d));
          case 6 -> call("round", gen(Kind.NUM, d), E.atom(Integer.toString(r.nextInt(5))));
          case 7 -> call("pow", gen(Kind.NUM, d), r.nextBoolean() ? gen(Kind.NUM, d)
              : E.atom(pick(List.of("0", "1", "2", "0.5", "3", "1e3", "400"))));
          case 8 -> {
            int n = 2 + r.nextInt(r.nextInt(4) == 0 ? 12 : 3);
            E[] args = new E[n];
            for (int i = 0; i < n; i++) {
              args[i] = gen(Kind.NUM, d);
            }
            yield call(pick(List.of("min", "max")), args);
          }
          case 9 -> call("coalesce", gen(Kind.NUM, d), gen(Kind.NUM, d));
          case 10 -> call("length", gen(Kind.STR, d));
          case 11 -> call(pick(List.of("hour", "day_of_week")), gen(Kind.TS, d));
          case 12 -> binary(gen(Kind.DUR, d), "/", gen(Kind.DUR, d), PROD, PROD, UNARY);
          default -> leaf(Kind.NUM);
        };
        case STR -> switch (r.nextInt(6)) {
          case 0 -> call(pick(List.of("lower", "upper")), gen(Kind.STR, d));
          case 1 -> binary(gen(Kind.STR, d), "+", gen(Kind.STR, d), SUM, SUM, PROD);
          case 2 -> call("coalesce", gen(Kind.STR, d), gen(Kind.STR, d));
          case 3 -> {
            E key = gen(Kind.STR, d);
            String attr = pick(List.of("segment", "nickname"));
            yield new E("tag('account', " + key.min() + ")." + attr, "tag('account', (" + key.full() + "))." + attr, ATOM);
          }
          default -> leaf(Kind.STR);
        };
        case BOOL -> switch (r.nextInt(16)) {
          case 0, 1 -> binary(gen(Kind.NUM, d), pick(List.of("==", "!=", "<", "<=", ">", ">=")), gen(Kind.NUM, d), CMP, SUM, SUM);
          case 2 -> binary(gen(Kind.STR, d), pick(List.of("==", "!=", "<", "<=", ">", ">=")), gen(Kind.STR, d), CMP, SUM, SUM);
          case 3 -> r.nextBoolean()
              ? binary(gen(Kind.TS, d), pick(List.of("==", "!=", "<", "<=", ">", ">=")), gen(Kind.TS, d), CMP, SUM, SUM)
              : binary(gen(Kind.DUR, d), pick(List.of("==", "!=", "<", "<=", ">", ">=")), gen(Kind.DUR, d), CMP, SUM, SUM);
          case 4 -> binary(gen(Kind.BOOL, d), pick(List.of("==", "!=")), gen(Kind.BOOL, d), CMP, SUM, SUM);
          case 5, 6 -> binary(gen(Kind.BOOL, d), "and", gen(Kind.BOOL, d), AND, AND, NOT);
          case 7 -> binary(gen(Kind.BOOL, d), "or", gen(Kind.BOOL, d), OR, OR, AND);
          case 8 -> unary("not", gen(Kind.BOOL, d), NOT, NOT);
          case 9 -> {
            String neg = r.nextInt(3) == 0 ? "not in" : "in";
            E v = gen(Kind.STR, d);
            String list = switch (r.nextInt(3)) {
              case 0 -> "list('blocked')";
              case 1 -> "tag(account_id).labels";
              default -> "[" + r.ints(1 + r.nextInt(4), 0, STRINGS.size()).mapToObj(STRINGS::get).collect(Collectors.joining(", ")) + "]";
            };
            yield new E(wrap(v.min(), v.level(), SUM) + " " + neg + " " + list, "(" + v.full() + ") " + neg + " " + list, CMP);
          }
          case 10 -> {
            String neg = r.nextInt(3) == 0 ? "not in" : "in";
            E v = gen(Kind.NUM, d);
            int n = 1 + r.nextInt(r.nextBoolean() ? 4 : 14);
            List<String> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              items.add(r.nextBoolean() ? pick(NUMBERS) : Integer.toString(r.nextInt(20) - 5));
            }
            String list = "[" + String.join(", ", items) + "]";
            yield new E(wrap(v.min(), v.level(), SUM) + " " + neg + " " + list, "(" + v.full() + ") " + neg + " " + list, CMP);
          }
          case 11 -> {
            Kind vk = pick(List.of(Kind.NUM, Kind.NUM, Kind.STR, Kind.TS, Kind.DUR));
            E v = gen(vk, d);
            E lo = gen(vk, d);
            E hi = gen(vk, d);
            String kw = r.nextInt(3) == 0 ? "not between" : "between";
            yield new E(
                wrap(v.min(), v.level(), SUM) + " " + kw + " " + wrap(lo.min(), lo.level(), SUM) + " and " + wrap(hi.min(), hi.level(), SUM),
                "(" + v.full() + ") " + kw + " (" + lo.full() + ") and (" + hi.full() + ")",
                CMP);
          }
          case 12 -> call(pick(List.of("starts_with", "ends_with", "contains")), gen(Kind.STR, d), gen(Kind.STR, d));
          case 13 -> call("matches", gen(Kind.STR, d), E.atom(pick(REGEXES)));
          case 14 -> call("coalesce", gen(Kind.BOOL, d), gen(Kind.BOOL, d));
          default -> leaf(Kind.BOOL);
        };
        case TS -> switch (r.nextInt(4)) {
          case 0 -> binary(gen(Kind.TS, d), pick(List.of("+", "-")), gen(Kind.DUR, d), SUM, SUM, PROD);
          case 1 -> binary(gen(Kind.DUR, d), "+", gen(Kind.TS, d), SUM, SUM, PROD);
          default -> leaf(Kind.TS);
        };
        case DUR -> switch (r.nextInt(7)) {
          case 0 -> binary(gen(Kind.TS, d), "-", gen(Kind.TS, d), SUM, SUM, PROD);
          case 1 -> binary(gen(Kind.DUR, d), pick(List.of("+", "-")), gen(Kind.DUR, d), SUM, SUM, PROD);
          case 2 -> binary(gen(Kind.DUR, d), "*", E.atom(pick(List.of("2", "0.5", "1.5", "0", "3"))), PROD, PROD, UNARY);
          case 3 -> binary(E.atom(pick(List.of("2", "0.5", "1.5", "0", "3"))), "*", gen(Kind.DUR, d), PROD, PROD, UNARY);
          case 4 -> binary(gen(Kind.DUR, d), "/", E.atom(pick(List.of("2", "0.5", "4", "0"))), PROD, PROD, UNARY);
          case 5 -> unary("-", gen(Kind.DUR, d), UNARY, UNARY);
          default -> leaf(Kind.DUR);
        };
      };
    }
  }

  // ---------------------------------------------------------------- rulesets, events, environments

  record Rule(E when, List<E> reason) {}

  static String yamlQuoted(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String ruleset(List<Rule> rules) {
    StringBuilder sb = new StringBuilder(SCHEMA);
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      sb.append("  - id: r").append(i).append('\n');
      sb.append("    when: ").append(yamlQuoted(rule.when().min())).append('\n');
      sb.append("    action: review\n");
      if (!rule.reason().isEmpty()) {
        String template = rule.reason().stream().map(e -> "{" + e.min() + "}").collect(Collectors.joining(" | ", "v: ", "."));
        sb.append("    reason: ").append(yamlQuoted(template)).append('\n');
      }
    }
    return sb.toString();
  }

  static final List<Double> DOUBLES = List.of(
      190.27, 0.1, 0.2, 0.3, 0.30000000000000004, 1e-7, -0.0, 0.0, 1.0, 2.0, 3.0, -1.0, 2.5, -2.5, 0.5,
      0.49999999999999994, 4503599627370497.0, 1e15, 1e300, -1e300, 10000.0, 10000.000000000002, 1.005,
      Double.MIN_VALUE, Double.MAX_VALUE, 12.5, -190.27, 100.0, 7.0);

  static double someDouble(Random r) {
    return switch (r.nextInt(4)) {
      case 0, 1 -> DOUBLES.get(r.nextInt(DOUBLES.size()));
      case 2 -> r.nextInt(2000) - 500;
      default -> Math.round((r.nextDouble() * 20000 - 1000) * 100) / 100.0;
    };
  }

  static double someLong(Random r) {
    long[] specials = {0, 1, 2, 3, 7, 100, 10000, -1, 4503599627370497L, 9007199254740993L, 1000000};
    return r.nextBoolean() ? (double) specials[r.nextInt(specials.length)] : (double) (r.nextInt(400) - 100);
  }

  static double someTimestamp(Random r) {
    long[] bases = {1_711_846_800_000L, 1_729_990_800_000L, 1_732_200_000_000L, 0L, -259_200_000L};
    long base = bases[r.nextInt(bases.length)];
    return base + (long) (r.nextGaussian() * 3 * 3_600_000L) + (r.nextInt(4) == 0 ? r.nextInt(1000) : 0);
  }

  static String someString(Random r) {
    return STRING_VALUES.get(r.nextInt(STRING_VALUES.size()));
  }

  static EventData event(Ruleset rs, Random r, StringBuilder log) {
    EventType t = rs.schema().eventType("payment").orElseThrow();
    EventData e = rs.schema().newEvent(t);
    for (FieldDef f : t.fields()) {
      if (!f.required() && r.nextInt(4) == 0) {
        log.append(f.name()).append("=missing ");
        continue;
      }
      switch (f.type()) {
        case STRING -> {
          String v = switch (f.name()) {
            case "account_id" -> List.of("acct-1", "acct-2", "acct-3", "boom", "a@x.io").get(r.nextInt(5));
            case "tx_id" -> "t" + r.nextInt(3);
            default -> someString(r);
          };
          e.setString(f, v);
          log.append(f.name()).append("='").append(v).append("' ");
        }
        case DOUBLE -> set(e, f, someDouble(r), log);
        case LONG -> set(e, f, someLong(r), log);
        case BOOLEAN -> set(e, f, r.nextBoolean() ? 1.0 : 0.0, log);
        case TIMESTAMP -> set(e, f, someTimestamp(r), log);
      }
    }
    return e;
  }

  static void set(EventData e, FieldDef f, double v, StringBuilder log) {
    e.setNumber(f, v);
    log.append(f.name()).append('=').append(v).append(' ');
  }

  static Map<String, Object> someTags(Random r) {
    Map<String, Object> m = new HashMap<>();
    if (r.nextInt(4) > 0) {
      m.put("risk_level", List.<Object>of(1L, 2L, 3L, 2.5, "3", true).get(r.nextInt(6)));
    }
    if (r.nextBoolean()) {
      m.put("score", someDouble(r));
    }
    if (r.nextBoolean()) {
      m.put("segment", r.nextInt(5) == 0 ? (Object) 5L : someString(r));
    }
    if (r.nextBoolean()) {
      m.put("nickname", someString(r));
    }
    if (r.nextBoolean()) {
      m.put("trusted", r.nextInt(5) == 0 ? (Object) "yes" : (Object) r.nextBoolean());
    }
    if (r.nextBoolean()) {
      m.put("vip", r.nextBoolean());
    }
    if (r.nextBoolean()) {
      m.put("labels", r.nextInt(5) == 0 ? (Object) "FR" : Set.copyOf(List.of(someString(r), someString(r), "vip")));
    }
    if (r.nextBoolean()) {
      m.put("seen", (long) someTimestamp(r));
    }
    return m;
  }

  /** A random environment: tags per key, a list, a feature; some sources fail or answer null. */
  static Env env(Random r, StringBuilder log) {
    Map<String, TagView> tags = new LinkedHashMap<>();
    for (String key : List.of("acct-1", "acct-2", "a@x.io", "bob@example.com", "FR")) {
      if (r.nextInt(4) > 0) {
        tags.put(key, TagView.of(someTags(r)));
      }
    }
    boolean nullForUnknown = r.nextBoolean();
    double feature = List.of(Double.NaN, 0.0, 3.0, 12.5).get(r.nextInt(4));
    boolean featureFails = r.nextInt(8) == 0;
    log.append("tags=").append(tags).append(" feature=").append(featureFails ? "throws" : feature);
    return new Env() {
      @Override
      public TagView tag(String entity, String key) {
        if (key.equals("boom")) {
          throw new IllegalStateException("tag source down");
        }
        TagView v = tags.get(key);
        return v != null ? v : nullForUnknown ? null : TagView.empty();
      }

      @Override
      public boolean listContains(String list, String value) {
        if (value.equals("boom") || value.equals("\u00df")) {
          throw new IllegalStateException("list source down");
        }
        return list.equals("blocked") && (value.equals("a@x.io") || value.equals("FR"));
      }

      @Override
      public double feature(int featureIndex) {
        if (featureFails) {
          throw new IllegalStateException("feature store down");
        }
        return feature;
      }
    };
  }

  static List<CheckedRule> checkedRules(Ruleset rs) {
    return ((JaninoRulesetCompiler.CompiledRuleset) rs).checked().rules();
  }

  // ---------------------------------------------------------------- the property

  @Property(tries = 150, shrinking = ShrinkingMode.OFF)
  void compiledRulesAgreeWithTheReferenceInterpreter(@ForAll long seed) {
    Random r = new Random(seed);
    Gen g = new Gen(r);
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < RULES; i++) {
      E when = i > 0 && r.nextInt(15) == 0 ? rules.get(r.nextInt(i)).when() : g.gen(Kind.BOOL, 1 + r.nextInt(5));
      List<E> reason = new ArrayList<>();
      if (r.nextInt(3) == 0) {
        for (int j = 0; j < 1 + r.nextInt(3); j++) {
          reason.add(g.gen(g.pick(List.of(Kind.NUM, Kind.NUM, Kind.STR, Kind.BOOL, Kind.TS, Kind.DUR)), r.nextInt(4)));
        }
      }
      rules.add(new Rule(when, reason));
    }
    String text = ruleset(rules);
    RulesetCompiler.Result result = RulesetCompiler.create().compile(List.of(new SourceFile("oracle.yaml", text)));
    if (!result.ok()) {
      fail("seed " + seed + ": a generated ruleset was refused:\n"
          + result.diagnostics().stream().map(Diagnostic::render).collect(Collectors.joining("\n")));
    }
    Ruleset rs = result.ruleset().orElseThrow();
    List<CheckedRule> checked = checkedRules(rs);
    assertThat(checked).hasSize(RULES);

    // the parser's precedence: minimal parentheses parse to the same tree as full ones
    for (Rule rule : rules) {
      assertThat(canonical(Parser.parse(rule.when().min())))
          .as("seed %d: '%s' vs '%s'", seed, rule.when().min(), rule.when().full())
          .isEqualTo(canonical(Parser.parse(rule.when().full())));
    }

    int hits = 0;
    int total = 0;
    for (int k = 0; k < EVENTS; k++) {
      StringBuilder log = new StringBuilder();
      EventData event = event(rs, r, log);
      Env env = env(r, log);
      Evaluation ev = rs.evaluate(event, env);
      ReferenceInterpreter oracle = new ReferenceInterpreter(event, env, rs.timezone());
      for (int i = 0; i < RULES; i++) {
        CheckedRule rule = checked.get(i);
        boolean expected = oracle.holds(rule.when());
        hits += expected ? 1 : 0;
        total++;
        if (ev.matched(i) != expected) {
          fail("seed " + seed + ", rule r" + i + ": compiled code says " + ev.matched(i) + ", the oracle " + expected
              + "\n  when: " + rules.get(i).when().min()
              + "\n  typed: " + rule.when()
              + "\n  event: " + log);
        }
        if (!rules.get(i).reason().isEmpty()) {
          String want = rule.reason().parts().stream()
              .map(p -> switch (p) {
                case Template.Text t -> t.text();
                case Template.Value v -> oracle.render(v.value());
              })
              .collect(Collectors.joining());
          assertThat(ev.reason(i)).as("seed %d, reason of r%d (%s), event %s", seed, i,
              rules.get(i).reason().stream().map(E::min).toList(), log).isEqualTo(want);
        }
      }
    }
    // both outcomes must be common, or the comparison proves little
    net.jqwik.api.statistics.Statistics.label("share of matches").collect(hits * 10 / total * 10 + "%");
  }

  /** The shape of a syntax tree without offsets. */
  static String canonical(Ast a) {
    return switch (a) {
      case Ast.Num n -> "num(" + Double.doubleToRawLongBits(n.value()) + ")";
      case Ast.Str s -> "str(" + s.value() + ")";
      case Ast.Bool b -> "bool(" + b.value() + ")";
      case Ast.Dur d -> "dur(" + d.millis() + ")";
      case Ast.ListLit l -> l.items().stream().map(CompilerOracleProperties::canonical).collect(Collectors.joining(",", "[", "]"));
      case Ast.Ident i -> i.name();
      case Ast.Member m -> canonical(m.target()) + "." + m.name();
      case Ast.Call c -> c.name() + c.args().stream().map(CompilerOracleProperties::canonical).collect(Collectors.joining(",", "(", ")"));
      case Ast.Unary u -> u.op() + "(" + canonical(u.operand()) + ")";
      case Ast.Binary b -> b.op() + "(" + canonical(b.left()) + "," + canonical(b.right()) + ")";
      case Ast.Between b -> (b.negated() ? "notbetween(" : "between(") + canonical(b.value()) + "," + canonical(b.low())
          + "," + canonical(b.high()) + ")";
    };
  }

  // ---------------------------------------------------------------- focused examples

  static final String ONE_FIELD = """
      ruleset: focused
      events:
        payment:
          id: tx_id
          fields:
            tx_id: string
            amount: double
      rules:
      """;

  /** Compiles one rule per condition over {@code amount}, evaluates with the amount given. */
  static boolean[] evaluate(double amount, String... conditions) {
    return matches(compileConditions(conditions), amount);
  }

  static Ruleset compileConditions(String... conditions) {
    StringBuilder sb = new StringBuilder(ONE_FIELD);
    for (int i = 0; i < conditions.length; i++) {
      sb.append("  - id: r").append(i).append("\n    when: ").append(yamlQuoted(conditions[i])).append("\n    action: review\n");
    }
    return RulesetCompiler.create().compile(List.of(new SourceFile("focused.yaml", sb.toString()))).orThrow();
  }

  static boolean[] matches(Ruleset rs, double amount) {
    int n = rs.rules().size();
    EventType t = rs.schema().eventType("payment").orElseThrow();
    EventData e = rs.schema().newEvent(t);
    e.setString(t.field("tx_id").orElseThrow(), "t1");
    e.setNumber(t.field("amount").orElseThrow(), amount);
    Evaluation ev = rs.evaluate(e, DemoRulesetTest.env(Map.of()));
    boolean[] out = new boolean[n];
    for (int i = 0; i < out.length; i++) {
      out[i] = ev.matched(i);
    }
    return out;
  }

  @Example
  void decimalLiteralsCompareExactly() {
    boolean[] m = evaluate(190.27,
        "190.27 > 190.27", "amount > 190.27", "amount == 190.27", "amount >= 190.27", "amount < 190.27",
        "amount != 190.27", "190.27 == amount", "amount - 190.27 == 0");
    assertThat(m).containsExactly(false, false, true, true, false, false, true, true);
  }

  /** Sums follow IEEE doubles: 0.1 + 0.2 is 0.30000000000000004, not 0.3. */
  @Example
  void floatingPointSumsFollowIeee() {
    boolean[] m = evaluate(0.1,
        "0.1 + 0.2 == 0.3", "0.1 + 0.2 > 0.3", "0.1 + 0.2 == 0.30000000000000004", "amount + 0.2 == 0.3",
        "round(0.1 + 0.2, 2) == 0.3", "amount * 3 == 0.30000000000000004");
    assertThat(m).containsExactly(false, true, true, false, true, true);
    assertThat(0.1 + 0.2).isEqualTo(0.30000000000000004);
  }

  @Example
  void missingAmountMatchesNoComparisonButNot() {
    boolean[] m = evaluate(Double.NaN,
        "amount > 0", "amount <= 0", "amount == amount", "amount != 1", "not (amount > 0)", "amount in [1, 2]",
        "amount not in [1, 2]", "amount between 0 and 1", "amount not between 0 and 1", "exists(amount)",
        "coalesce(amount, 5) == 5", "pow(amount, 0) == 1", "min(amount, 1) < 2");
    assertThat(m).containsExactly(false, false, false, false, true, false, false, false, false, false, true, false, false);
  }

  @Example
  void roundIsHalfAwayFromZeroEvenAtTheEdges() {
    boolean[] m = evaluate(0.49999999999999994,
        "round(amount) == 0", "round(2.5) == 3", "round(-2.5) == -3", "round(0.5) == 1", "round(-0.5) == -1",
        "round(4503599627370497) == 4503599627370497", "round(1.005, 2) == 1.01", "round(-1.005, 2) == -1.01",
        "round(2.675, 2) == 2.68", "round(1e300) == 1e300");
    assertThat(m).containsExactly(true, true, true, true, true, true, true, true, true, true);
  }

  static String decimalText(Random r) {
    StringBuilder sb = new StringBuilder();
    if (r.nextInt(3) > 0) {
      sb.append(Math.abs(r.nextLong()) % (r.nextBoolean() ? 1000 : Long.MAX_VALUE));
    }
    if (sb.isEmpty() || r.nextBoolean()) {
      sb.append('.');
      int n = 1 + r.nextInt(r.nextBoolean() ? 3 : 25);
      for (int i = 0; i < n; i++) {
        sb.append((char) ('0' + r.nextInt(10)));
      }
    }
    if (r.nextInt(3) == 0) {
      sb.append(r.nextBoolean() ? 'e' : 'E').append(List.of("", "+", "-").get(r.nextInt(3)))
          .append(r.nextInt(r.nextBoolean() ? 30 : 400));
    }
    return sb.toString();
  }

  /**
   * A literal is the double nearest to its decimal value (as {@code new BigDecimal(text).doubleValue()}),
   * both as parsed and as compiled: {@code amount == <literal>} holds for exactly that double.
   */
  @Property(tries = 100, shrinking = ShrinkingMode.OFF)
  void numberLiteralsAreTheNearestDouble(@ForAll long seed) {
    Random r = new Random(seed);
    List<String> texts = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    while (texts.size() < 20) {
      String text = decimalText(r);
      double want = new BigDecimal(text.startsWith(".") ? "0" + text : text).doubleValue();
      if (Double.isInfinite(want)) {
        try {
          Parser.parse(text);
          fail(text + " is too large for a double but parsed");
        } catch (ParseError expected) {
          assertThat(expected.getMessage()).contains("too large");
        }
        continue;
      }
      Ast ast = Parser.parse(text);
      assertThat(ast).as(text).isInstanceOf(Ast.Num.class);
      assertThat(Double.doubleToRawLongBits(((Ast.Num) ast).value())).as(text).isEqualTo(Double.doubleToRawLongBits(want));
      texts.add(text);
      values.add(want);
    }
    String[] conditions = texts.stream().map(t -> "amount == " + t).toArray(String[]::new);
    Ruleset rs = compileConditions(conditions);
    for (int i = 0; i < texts.size(); i++) {
      boolean[] m = matches(rs, values.get(i));
      for (int j = 0; j < texts.size(); j++) {
        assertThat(m[j]).as("amount=%s, condition %s", values.get(i), conditions[j])
            .isEqualTo(values.get(j).doubleValue() == values.get(i).doubleValue());
      }
    }
  }
}
