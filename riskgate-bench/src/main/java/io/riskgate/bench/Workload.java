package io.riskgate.bench;

import io.riskgate.bench.RuleModel.CondFn;
import io.riskgate.lang.Env;
import io.riskgate.lang.Evaluation;
import io.riskgate.lang.EventData;
import io.riskgate.lang.EventType;
import io.riskgate.lang.FeatureDecl;
import io.riskgate.lang.FieldDef;
import io.riskgate.lang.Ruleset;
import io.riskgate.lang.RulesetCompiler;
import io.riskgate.lang.TagView;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A fixed pool of random payments, each with its own environment (feature values, tags, lists),
 * in both forms: {@link EventData} for the compiled ruleset, {@link PaymentEvent} for the lambdas.
 */
public final class Workload {
  public final Ruleset ruleset;
  public final CondFn[] lambdas;
  public final EventData[] events;
  public final PaymentEvent[] plain;
  public final Env[] envs;

  private Workload(Ruleset ruleset, CondFn[] lambdas, EventData[] events, PaymentEvent[] plain, Env[] envs) {
    this.ruleset = ruleset;
    this.lambdas = lambdas;
    this.events = events;
    this.plain = plain;
    this.envs = envs;
  }

  /** Compiles the generated ruleset, builds the pool and checks that both forms agree on it. */
  public static Workload create(RuleGenerator.Generated g, int poolSize, long seed) {
    RulesetCompiler.Result r = RulesetCompiler.create().compile(g.files());
    if (!r.ok()) {
      StringBuilder sb = new StringBuilder("generated ruleset does not compile:\n");
      r.diagnostics().forEach(d -> sb.append(d.render()).append('\n'));
      throw new IllegalStateException(sb.toString());
    }
    Ruleset rs = r.orThrow();
    checkFeatures(rs);
    Random rnd = new Random(seed);
    Map<String, TagView> tags = accountTags(rnd);
    Set<String> blocked = Set.copyOf(RuleGenerator.BLOCKED_IPS);
    EventData[] events = new EventData[poolSize];
    PaymentEvent[] plain = new PaymentEvent[poolSize];
    Env[] envs = new Env[poolSize];
    for (int i = 0; i < poolSize; i++) {
      plain[i] = randomPayment(rnd, i);
      events[i] = toEventData(rs, plain[i]);
      envs[i] = new BenchEnv(randomFeatures(rnd), tags, blocked);
    }
    Workload w = new Workload(rs, g.lambdas(), events, plain, envs);
    w.verify(g);
    return w;
  }

  /** The lambda baseline's matches for one pooled event, as a bit set like {@link Evaluation}'s. */
  public long[] lambdaHits(int i) {
    CondFn[] preds = lambdas;
    PaymentEvent e = plain[i];
    Env env = envs[i];
    long[] hits = new long[(preds.length + 63) >>> 6];
    for (int r = 0; r < preds.length; r++) {
      if (preds[r].test(e, env)) {
        hits[r >>> 6] |= 1L << r;
      }
    }
    return hits;
  }

  /** Throws unless the compiled ruleset and the lambdas match the same rules on every pooled event. */
  private void verify(RuleGenerator.Generated g) {
    long total = 0;
    for (int i = 0; i < events.length; i++) {
      Evaluation ev = ruleset.evaluate(events[i], envs[i]);
      BitSet compiled = new BitSet();
      for (int r = ev.nextMatch(0); r >= 0; r = ev.nextMatch(r + 1)) {
        compiled.set(r);
      }
      BitSet lambda = BitSet.valueOf(lambdaHits(i));
      if (!compiled.equals(lambda)) {
        BitSet diff = (BitSet) compiled.clone();
        diff.xor(lambda);
        int r = diff.nextSetBit(0);
        throw new IllegalStateException("compiled and lambda rules disagree on event " + i + ": rule "
            + g.rules().get(r).id() + " (" + g.rules().get(r).when().text() + ") compiled="
            + compiled.get(r) + " lambda=" + lambda.get(r) + "; " + diff.cardinality() + " rules differ");
      }
      total += compiled.cardinality();
    }
    System.err.printf("# workload: %d rules, %d events, %.1f matches per event on average (identical for compiled and lambdas)%n",
        ruleset.rules().size(), events.length, (double) total / events.length);
  }

  private static void checkFeatures(Ruleset rs) {
    List<FeatureDecl> fs = rs.features();
    if (fs.size() != RuleGenerator.FEATURES.size()) {
      throw new IllegalStateException("expected " + RuleGenerator.FEATURES.size() + " features, got " + fs.size());
    }
    for (FeatureDecl f : fs) {
      if (!RuleGenerator.FEATURES.get(f.index()).equals(f.name())) {
        throw new IllegalStateException("feature " + f.name() + " has index " + f.index());
      }
    }
  }

  // ------------------------------------------------------------------ random data

  private static Map<String, TagView> accountTags(Random rnd) {
    Map<String, TagView> tags = new HashMap<>();
    for (int a = 0; a < 200; a++) {
      if (rnd.nextInt(10) < 3) {
        tags.put("acct" + a, TagView.of(Map.of("risk_level", (long) (1 + rnd.nextInt(3)))));
      }
    }
    return Map.copyOf(tags);
  }

  private static double logNormal(Random rnd, double mu, double sigma) {
    return Math.exp(mu + sigma * rnd.nextGaussian());
  }

  private static double round2(double v) {
    return Math.round(v * 100.0) / 100.0;
  }

  private static <T> T pick(Random rnd, List<T> l) {
    return l.get(rnd.nextInt(l.size()));
  }

  static PaymentEvent randomPayment(Random rnd, int i) {
    long ts = 1_767_225_600_000L + (long) (rnd.nextDouble() * 30 * 86_400_000L); // January 2026
    String country = rnd.nextInt(3) == 0 ? pick(rnd, RuleGenerator.RISKY_COUNTRIES) : pick(rnd, RuleGenerator.COUNTRIES);
    String ip = rnd.nextInt(20) == 0
        ? pick(rnd, RuleGenerator.BLOCKED_IPS)
        : (10 + rnd.nextInt(200)) + "." + rnd.nextInt(256) + "." + rnd.nextInt(256) + "." + rnd.nextInt(256);
    String device = rnd.nextInt(7) == 0
        ? null
        : (rnd.nextInt(8) == 0 ? "EMU-" : "dev-") + Integer.toHexString(rnd.nextInt(1 << (4 * (3 + rnd.nextInt(5)))));
    return new PaymentEvent(
        "tx" + i,
        "acct" + rnd.nextInt(200),
        round2(logNormal(rnd, 5.0, 1.3)),
        ts,
        rnd.nextInt(25) == 0 ? null : pick(rnd, RuleGenerator.CURRENCIES),
        rnd.nextInt(30) == 0 ? null : country,
        pick(rnd, RuleGenerator.CHANNELS),
        rnd.nextInt(3) == 0 ? pick(rnd, RuleGenerator.RISKY_MCCS) : pick(rnd, RuleGenerator.MCCS),
        ip,
        rnd.nextInt(10) == 0 ? null : pick(rnd, RuleGenerator.CARD_BINS),
        "m" + rnd.nextInt(5000),
        device,
        rnd.nextInt(24),
        rnd.nextInt(5) == 0);
  }

  /** Feature values in declaration order; about 5% are unknown (NaN). */
  static double[] randomFeatures(Random rnd) {
    double avg = round2(logNormal(rnd, 5.0, 0.8));
    double[] f = {
      avg,
      round2(logNormal(rnd, 7.0, 1.5)),
      Math.floor(-Math.log(1 - rnd.nextDouble()) * 3.0),
      1 + Math.floor(-Math.log(1 - rnd.nextDouble()) * 1.2),
      round2(avg * Math.exp(1 + 0.5 * rnd.nextGaussian())),
      Math.floor(-Math.log(1 - rnd.nextDouble()) * 0.8),
    };
    for (int k = 0; k < f.length; k++) {
      if (rnd.nextInt(20) == 0) {
        f[k] = Double.NaN;
      }
    }
    return f;
  }

  static EventData toEventData(Ruleset rs, PaymentEvent p) {
    EventType t = rs.schema().eventType("payment").orElseThrow();
    EventData e = rs.schema().newEvent(t);
    List<Object[]> values = new ArrayList<>();
    values.add(new Object[] {"transaction_id", p.transactionId});
    values.add(new Object[] {"account_id", p.accountId});
    values.add(new Object[] {"amount", p.amount});
    values.add(new Object[] {"timestamp", (double) p.timestamp});
    values.add(new Object[] {"currency", p.currency});
    values.add(new Object[] {"country", p.country});
    values.add(new Object[] {"channel", p.channel});
    values.add(new Object[] {"mcc", p.mcc});
    values.add(new Object[] {"ip", p.ip});
    values.add(new Object[] {"card_bin", p.cardBin});
    values.add(new Object[] {"merchant_id", p.merchantId});
    values.add(new Object[] {"device_id", p.deviceId});
    values.add(new Object[] {"local_hour", (double) p.localHour});
    values.add(new Object[] {"is_new_device", p.isNewDevice ? 1.0 : 0.0});
    for (Object[] kv : values) {
      FieldDef f = t.field((String) kv[0]).orElseThrow(() -> new IllegalStateException("no field " + kv[0]));
      if (kv[1] == null) {
        continue;
      }
      if (kv[1] instanceof String s) {
        e.setString(f, s);
      } else {
        e.setNumber(f, (Double) kv[1]);
      }
    }
    return e;
  }

  /** An environment with fixed feature values, account tags and the blocked-IP list. */
  static final class BenchEnv implements Env {
    private final double[] features;
    private final Map<String, TagView> accountTags;
    private final Set<String> blockedIps;

    BenchEnv(double[] features, Map<String, TagView> accountTags, Set<String> blockedIps) {
      this.features = features;
      this.accountTags = accountTags;
      this.blockedIps = blockedIps;
    }

    @Override
    public TagView tag(String entity, String key) {
      if (!"account".equals(entity)) {
        return TagView.empty();
      }
      TagView v = accountTags.get(key);
      return v == null ? TagView.empty() : v;
    }

    @Override
    public boolean listContains(String list, String value) {
      return "blocked_ips".equals(list) && blockedIps.contains(value);
    }

    @Override
    public double feature(int featureIndex) {
      return featureIndex >= 0 && featureIndex < features.length ? features[featureIndex] : Double.NaN;
    }
  }
}
