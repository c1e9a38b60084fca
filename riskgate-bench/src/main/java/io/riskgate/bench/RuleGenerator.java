package io.riskgate.bench;

import io.riskgate.bench.RuleModel.Arith;
import io.riskgate.bench.RuleModel.Between;
import io.riskgate.bench.RuleModel.BoolField;
import io.riskgate.bench.RuleModel.Cmp;
import io.riskgate.bench.RuleModel.Cond;
import io.riskgate.bench.RuleModel.CondFn;
import io.riskgate.bench.RuleModel.Feature;
import io.riskgate.bench.RuleModel.Hour;
import io.riskgate.bench.RuleModel.InList;
import io.riskgate.bench.RuleModel.InSet;
import io.riskgate.bench.RuleModel.Length;
import io.riskgate.bench.RuleModel.Lit;
import io.riskgate.bench.RuleModel.Logic;
import io.riskgate.bench.RuleModel.Lower;
import io.riskgate.bench.RuleModel.MathCall;
import io.riskgate.bench.RuleModel.Num;
import io.riskgate.bench.RuleModel.NumField;
import io.riskgate.bench.RuleModel.Str;
import io.riskgate.bench.RuleModel.StrCmp;
import io.riskgate.bench.RuleModel.StrField;
import io.riskgate.bench.RuleModel.StrTest;
import io.riskgate.bench.RuleModel.TagNum;
import io.riskgate.lang.SourceFile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A deterministic generator of payment rulesets: N rules over one event type {@code payment}, six
 * declared features, a tag entity {@code account} and a named list {@code blocked_ips}. Rules are
 * built as a {@link RuleModel} tree, which renders both the YAML text the compiler reads and the
 * lambda tree of the baseline, so that both evaluate exactly the same conditions.
 *
 * <p>Rules draw part of their comparisons, and of their numeric subexpressions, from shared pools,
 * as real rulesets repeat conditions such as {@code amount > 3 * avg_amount_7d}.
 */
public final class RuleGenerator {
  public static final long DEFAULT_SEED = 20_260_101L;

  /** The declared features, in declaration order: a feature's index is its position here. */
  public static final List<String> FEATURES =
      List.of("avg_amount_7d", "amount_sum_24h", "tx_count_1h", "distinct_cards_24h", "max_amount_30d", "failed_logins_1h");

  public static final int AVG_AMOUNT_7D = 0;
  public static final int AMOUNT_SUM_24H = 1;
  public static final int TX_COUNT_1H = 2;
  public static final int DISTINCT_CARDS_24H = 3;
  public static final int MAX_AMOUNT_30D = 4;
  public static final int FAILED_LOGINS_1H = 5;

  public static final List<String> BLOCKED_IPS =
      List.of("203.0.113.66", "198.51.100.23", "192.0.2.14", "203.0.113.201", "198.51.100.77", "192.0.2.250");

  // value domains, shared with the event generator
  static final List<String> CURRENCIES = List.of("USD", "EUR", "GBP", "NGN", "RUB", "BRL", "INR", "JPY");
  static final List<String> COUNTRIES =
      List.of("US", "GB", "DE", "FR", "NL", "ES", "NG", "RU", "BR", "IN", "CN", "UA", "RO", "VN", "ID", "PH", "KP", "IR");
  static final List<String> RISKY_COUNTRIES = List.of("NG", "RU", "UA", "RO", "VN", "ID", "PH", "KP", "IR", "CN");
  static final List<String> SAFE_COUNTRIES = List.of("US", "GB", "DE", "FR", "NL", "ES");
  static final List<String> CHANNELS = List.of("web", "app", "pos", "api");
  static final List<String> MCCS =
      List.of("5411", "5812", "5999", "6011", "6051", "7995", "4829", "5967", "5732", "4814", "5691", "7011", "4121", "5944");
  static final List<String> RISKY_MCCS = List.of("6011", "6051", "7995", "4829", "5967", "5944");
  static final List<String> CARD_BINS =
      List.of("411111", "424242", "400005", "431940", "510510", "555555", "520082", "371449", "378282", "601111", "353011", "622126");

  private static final String[] ACTIONS = {"reject", "review", "review", "accept"};

  private final Random rnd;
  private final List<Cond> condPool = new ArrayList<>();
  private final List<Num> numPool = new ArrayList<>();

  private RuleGenerator(long seed) {
    this.rnd = new Random(seed);
  }

  /** A generated rule: its id, condition, action and score. */
  public record Rule(String id, Cond when, String action, int score) {}

  /** A generated ruleset: the rules' model and the YAML text of the whole file. */
  public record Generated(int ruleCount, String yaml, List<Rule> rules) {
    public List<SourceFile> files() {
      return List.of(new SourceFile("bench-" + ruleCount + ".yaml", yaml));
    }

    /** The baseline: one lambda tree per rule, in rule order. */
    public CondFn[] lambdas() {
      CondFn[] out = new CondFn[rules.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = rules.get(i).when().lambda();
      }
      return out;
    }
  }

  public static Generated generate(int rules) {
    return generate(rules, DEFAULT_SEED);
  }

  public static Generated generate(int rules, long seed) {
    RuleGenerator g = new RuleGenerator(seed);
    List<Rule> out = g.rules(rules);
    return new Generated(rules, yaml(rules, out), List.copyOf(out));
  }

  // ------------------------------------------------------------------ rules

  private List<Rule> rules(int n) {
    for (int i = 0; i < 12; i++) {
      numPool.add(sharedNum());
    }
    for (int i = 0; i < 40; i++) {
      condPool.add(atom());
    }
    List<Rule> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Rule(String.format("r%04d", i), condition(), ACTIONS[rnd.nextInt(ACTIONS.length)], 5 * rnd.nextInt(21)));
    }
    return out;
  }

  /** 2 to 5 comparisons, mostly joined by 'and', sometimes with an 'or' group or an 'or' at the top. */
  private Cond condition() {
    int k = 2 + rnd.nextInt(4);
    List<Cond> parts = new ArrayList<>(k);
    while (parts.size() < k) {
      Cond c = rnd.nextDouble() < 0.45 ? pick(condPool) : atom();
      if (!parts.contains(c)) {
        parts.add(c);
      }
    }
    double shape = rnd.nextDouble();
    if (k >= 3 && shape < 0.20) {
      // a and b and (c or d)
      List<Cond> head = new ArrayList<>(parts.subList(0, k - 2));
      head.add(new Logic(false, parts.subList(k - 2, k)));
      return new Logic(true, head);
    }
    if (k >= 3 && shape < 0.28) {
      // (a and b) or c
      return new Logic(false, List.of(new Logic(true, parts.subList(0, k - 1)), parts.get(k - 1)));
    }
    if (shape < 0.33) {
      return new Logic(false, parts);
    }
    return new Logic(true, parts);
  }

  private <T> T pick(List<T> l) {
    return l.get(rnd.nextInt(l.size()));
  }

  private double pick(double... values) {
    return values[rnd.nextInt(values.length)];
  }

  private static Num amount() {
    return new NumField("amount");
  }

  private static Feature feature(int i) {
    return new Feature(FEATURES.get(i), i);
  }

  private static Str str(String field) {
    return new StrField(field);
  }

  private List<String> subset(List<String> from, int min, int max) {
    List<String> copy = new ArrayList<>(from);
    Collections.shuffle(copy, rnd);
    return List.copyOf(copy.subList(0, Math.min(copy.size(), min + rnd.nextInt(max - min + 1))));
  }

  /** A numeric subexpression that several comparisons may share. */
  private Num sharedNum() {
    return switch (rnd.nextInt(6)) {
      case 0 -> new Arith('*', Lit.of(pick(2, 3, 5)), feature(AVG_AMOUNT_7D));
      case 1 -> new MathCall("log", feature(AMOUNT_SUM_24H));
      case 2 -> new Arith('/', amount(), feature(AVG_AMOUNT_7D));
      case 3 -> new Arith('/', new Arith('+', feature(AMOUNT_SUM_24H), amount()),
          new Arith('+', feature(TX_COUNT_1H), Lit.of(1)));
      case 4 -> new MathCall("sqrt", feature(TX_COUNT_1H));
      default -> new Arith('*', Lit.of(pick(0.8, 1.5, 2)), feature(MAX_AMOUNT_30D));
    };
  }

  /** A threshold fitting a shared numeric subexpression. */
  private Cond onShared(Num n) {
    String text = n.text();
    if (text.startsWith("log(")) {
      return new Cmp(">", n, Lit.of(pick(6, 7, 8, 9, 10)));
    }
    if (text.startsWith("sqrt(")) {
      return new Cmp(">=", n, Lit.of(pick(1.5, 2, 2.5, 3)));
    }
    if (text.startsWith("amount / ")) {
      return new Cmp(">", n, Lit.of(pick(2, 4, 8)));
    }
    if (text.startsWith("(amount_sum_24h")) {
      return new Cmp(">", n, Lit.of(pick(300, 1000, 2500)));
    }
    // k * avg_amount_7d, k * max_amount_30d: compared with the amount
    return new Cmp(rnd.nextBoolean() ? ">" : ">=", amount(), n);
  }

  /** One comparison. */
  private Cond atom() {
    int w = rnd.nextInt(100);
    if (w < 14) {
      return new Cmp(rnd.nextInt(4) == 0 ? ">=" : ">", amount(), Lit.of(pick(100, 250, 500, 1000, 2000, 5000)));
    }
    if (w < 30) {
      return onShared(rnd.nextInt(3) == 0 ? sharedNum() : pick(numPool));
    }
    if (w < 40) {
      return switch (rnd.nextInt(4)) {
        case 0 -> new Cmp(">=", feature(TX_COUNT_1H), Lit.of(pick(3, 5, 8, 10)));
        case 1 -> new Cmp(">=", feature(DISTINCT_CARDS_24H), Lit.of(pick(2, 3, 4)));
        case 2 -> new Cmp(">", feature(FAILED_LOGINS_1H), Lit.of(pick(0, 1, 2, 3)));
        default -> new Cmp(">", feature(MAX_AMOUNT_30D), Lit.of(pick(1000, 3000, 8000)));
      };
    }
    if (w < 52) {
      return new InSet(str("country"), rnd.nextInt(4) == 0 ? subset(SAFE_COUNTRIES, 2, 5) : subset(RISKY_COUNTRIES, 3, 7),
          rnd.nextInt(4) == 0);
    }
    if (w < 60) {
      return new InSet(str("mcc"), subset(RISKY_MCCS, 2, 5), rnd.nextInt(3) == 0);
    }
    if (w < 66) {
      return rnd.nextBoolean()
          ? new InSet(str("currency"), subset(CURRENCIES, 2, 4), rnd.nextInt(3) == 0)
          : new StrCmp(false, str("currency"), "USD");
    }
    if (w < 71) {
      return new InList(str("ip"), "blocked_ips", false);
    }
    if (w < 76) {
      return new StrCmp(rnd.nextBoolean(), str("channel"), pick(CHANNELS));
    }
    if (w < 81) {
      return switch (rnd.nextInt(4)) {
        case 0 -> new StrTest("starts_with", str("card_bin"), pick(List.of("4", "5", "37", "60")));
        case 1 -> new StrTest("contains", new Lower(str("device_id")), "emu");
        case 2 -> new StrTest("ends_with", str("merchant_id"), String.valueOf(rnd.nextInt(10)));
        default -> new Cmp("<", new Length(str("device_id")), Lit.of(pick(9, 10, 11)));
      };
    }
    if (w < 85) {
      return rnd.nextInt(3) == 0
          ? new Cmp("==", new TagNum("risk_level", 1), Lit.of(3))
          : new Cmp(">=", new TagNum("risk_level", 1), Lit.of(2));
    }
    if (w < 93) {
      return switch (rnd.nextInt(4)) {
        case 0 -> {
          double lo = pick(100, 500, 1000);
          yield new Between(amount(), Lit.of(lo), Lit.of(lo * pick(2, 5, 10)), false);
        }
        case 1 -> new Between(new NumField("local_hour"), Lit.of(0), Lit.of(pick(4, 5, 6)), false);
        case 2 -> new Between(new NumField("local_hour"), Lit.of(pick(7, 8)), Lit.of(pick(20, 22)), true);
        default -> new Between(new Hour(), Lit.of(1), Lit.of(5), false);
      };
    }
    return rnd.nextBoolean()
        ? new BoolField("is_new_device")
        : new Cmp(rnd.nextBoolean() ? "<" : ">=", new MathCall("abs", new Arith('-', amount(), feature(AVG_AMOUNT_7D))),
            Lit.of(pick(50, 200, 1000)));
  }

  // ------------------------------------------------------------------ YAML

  private static String yaml(int n, List<Rule> rules) {
    StringBuilder sb = new StringBuilder(256 * (rules.size() + 20));
    sb.append("# Generated by io.riskgate.bench.RuleGenerator: ").append(n).append(" rules.\n");
    sb.append("ruleset: bench-").append(n).append('\n');
    sb.append("description: generated benchmark ruleset\n");
    sb.append("timezone: UTC\n");
    sb.append("default_event: payment\n\n");
    sb.append("""
        events:
          payment:
            id: transaction_id
            time: timestamp
            channel: channel
            fields:
              transaction_id: {type: string, required: true}
              account_id: {type: string, required: true, entity: account}
              amount: {type: double, required: true}
              timestamp: {type: timestamp, required: true}
              currency: string
              country: string
              channel: string
              mcc: string
              ip: string
              card_bin: string
              merchant_id: string
              device_id: string
              local_hour: long
              is_new_device: boolean

        tags:
          account:
            risk_level: {type: long, default: 1}

        lists:
          blocked_ips:
            items: [""");
    for (int i = 0; i < BLOCKED_IPS.size(); i++) {
      sb.append(i == 0 ? "\"" : ", \"").append(BLOCKED_IPS.get(i)).append('"');
    }
    sb.append("]\n\n");
    sb.append("""
        features:
          avg_amount_7d: {aggregate: avg, of: amount, by: account_id, window: 7d}
          amount_sum_24h: {aggregate: sum, of: amount, by: account_id, window: 24h}
          tx_count_1h: {aggregate: count, by: account_id, window: 1h}
          distinct_cards_24h: {aggregate: distinct_count, of: card_bin, by: account_id, window: 24h}
          max_amount_30d: {aggregate: max, of: amount, by: account_id, window: 30d}
          failed_logins_1h: {aggregate: count, by: device_id, window: 1h, where: "is_new_device"}

        rules:
        """);
    for (Rule r : rules) {
      sb.append("  - id: ").append(r.id()).append('\n');
      sb.append("    name: generated rule ").append(r.id()).append('\n');
      sb.append("    events: [payment]\n");
      sb.append("    when: \"").append(r.when().text()).append("\"\n");
      sb.append("    action: ").append(r.action()).append('\n');
      sb.append("    score: ").append(r.score()).append('\n');
      sb.append("    reason: \"amount {amount} via {channel} hit ").append(r.id()).append("\"\n");
    }
    return sb.toString();
  }

  /** Prints a generated ruleset: {@code RuleGenerator [rules] [seed]}. */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_SEED;
    System.out.print(generate(n, seed).yaml());
  }
}
