package io.riskgate.bench;

import io.riskgate.state.Aggregate;
import io.riskgate.state.Column;
import io.riskgate.state.DimensionSpec;
import io.riskgate.state.EventInput;
import io.riskgate.state.FeatureSpec;
import io.riskgate.state.KeyState;
import io.riskgate.state.Window;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one event on one key's record, by the number of events the record holds in its
 * window: a quiet key (10), a busy one (1,000) and a hot one (100,000, e.g. a large merchant with a
 * one-hour window). Seven features over three columns: counts over 1 min and 1 h, sum, mean and
 * max over 1 h or 10 min, the last value before the event, and a distinct count over 1 h. A share
 * of the events arrive up to 5 minutes out of order; event time advances so that the record stays
 * at its size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
public class KeyStateBenchmark {
  @Param({"10", "1000", "100000"})
  public int events;

  /** Share of events out of order, in percent. */
  @Param({"0", "10"})
  public int disorder;

  private static final long HOUR = 3_600_000;
  private DimensionSpec spec;
  private KeyState state;
  private final double[] out = new double[7];
  private final SplittableRandom rnd = new SplittableRandom(7);
  private long now;
  private long step;
  private long id;

  @Setup
  public void setUp() {
    spec = new DimensionSpec(
        List.of(new Column(1, Column.Kind.MEMBER), new Column(2, Column.Kind.NUMBER), new Column(3, Column.Kind.HASH)),
        List.of(
            new FeatureSpec(Aggregate.COUNT, new Window.Sliding(60_000), 0, true),
            new FeatureSpec(Aggregate.COUNT, new Window.Sliding(HOUR), 0, true),
            new FeatureSpec(Aggregate.SUM, new Window.Sliding(HOUR), 1, true),
            new FeatureSpec(Aggregate.AVG, new Window.Sliding(600_000), 1, true),
            new FeatureSpec(Aggregate.MAX, new Window.Sliding(HOUR), 1, true),
            new FeatureSpec(Aggregate.LAST, new Window.Sliding(HOUR), 1, false),
            new FeatureSpec(Aggregate.DISTINCT_COUNT, new Window.Sliding(HOUR), 2, true)),
        Duration.ofMinutes(10), Duration.ofDays(30));
    state = KeyState.empty();
    step = Math.max(1, HOUR / events);
    now = 1_767_225_600_000L;
    for (int i = 0; i < events * 2; i++) {
      next();
    }
  }

  private double next() {
    now += step;
    long t = disorder > 0 && rnd.nextInt(100) < disorder ? now - rnd.nextLong(300_000) : now;
    long[] values = {0L, Column.number(rnd.nextInt(100_000) / 100.0), Column.hash(rnd.nextInt(5_000))};
    state.apply(spec, new EventInput(t, ++id, values), out);
    return out[0] + out[6];
  }

  @Benchmark
  public double applyOneEvent() {
    return next();
  }
}
