package io.riskgate.bench;

import io.riskgate.bench.RuleModel.CondFn;
import io.riskgate.lang.Env;
import io.riskgate.lang.Evaluation;
import io.riskgate.lang.EventData;
import io.riskgate.lang.Ruleset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to evaluate one event against N generated rules: the compiled ruleset versus the same rules
 * as a list of hand-built lambda trees over a plain Java event. Setup checks that both match the
 * same rules on every pooled event, so both sides do the same work.
 *
 * <p>Warm-up is long on purpose: a 500-rule ruleset generates about 1500 small methods, and on a
 * 2-core machine the JIT needs 3 to 5 seconds to bring them all to C2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class RulesetEvalBenchmark {
  static final int POOL = 64;

  @Param({"10", "100", "500"})
  public int rules;

  private Ruleset ruleset;
  private EventData[] events;
  private PaymentEvent[] plain;
  private Env[] envs;
  private CondFn[] lambdas;
  private int cursor;

  @Setup(Level.Trial)
  public void setup() {
    Workload w = Workload.create(RuleGenerator.generate(rules), POOL, 42L);
    ruleset = w.ruleset;
    events = w.events;
    plain = w.plain;
    envs = w.envs;
    lambdas = w.lambdas;
  }

  /** The compiled ruleset: evaluates one event and returns how many rules matched. */
  @Benchmark
  public int compiled() {
    int i = cursor++ & (POOL - 1);
    Evaluation ev = ruleset.evaluate(events[i], envs[i]);
    int n = 0;
    for (int r = ev.nextMatch(0); r >= 0; r = ev.nextMatch(r + 1)) {
      n++;
    }
    return n;
  }

  /** The baseline: the same rules as lambda trees, recording hits in a bit set like Evaluation does. */
  @Benchmark
  public int lambdas() {
    int i = cursor++ & (POOL - 1);
    PaymentEvent e = plain[i];
    Env env = envs[i];
    CondFn[] preds = lambdas;
    long[] hits = new long[(preds.length + 63) >>> 6];
    for (int r = 0; r < preds.length; r++) {
      if (preds[r].test(e, env)) {
        hits[r >>> 6] |= 1L << r;
      }
    }
    int n = 0;
    for (long h : hits) {
      n += Long.bitCount(h);
    }
    return n;
  }
}
