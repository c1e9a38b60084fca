package io.riskgate.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Random streams (out of order, late, repeated) over random windows and aggregations: the state
 * records must give the oracle's outcome and values on every event.
 */
class WindowsOracleTest {

  /** A random dimension: columns of every kind, features of every aggregate and window. */
  static DimensionSpec randomSpec(Random r, long unit) {
    int ncols = 1 + r.nextInt(3);
    List<Column> cols = new ArrayList<>();
    for (int c = 0; c < ncols; c++) {
      cols.add(new Column(r.nextLong(), Column.Kind.values()[r.nextInt(Column.Kind.values().length)]));
    }
    List<FeatureSpec> features = new ArrayList<>();
    int nf = 1 + r.nextInt(6);
    ZoneId[] zones = {ZoneId.of("UTC"), ZoneId.of("Europe/Paris"), ZoneId.of("Asia/Kolkata")};
    while (features.size() < nf) {
      int c = r.nextInt(ncols);
      Aggregate agg = Aggregate.values()[r.nextInt(Aggregate.values().length)];
      Column.Kind kind = cols.get(c).kind();
      boolean fits = agg == Aggregate.COUNT
          || (agg == Aggregate.DISTINCT_COUNT ? kind == Column.Kind.HASH : kind == Column.Kind.NUMBER);
      if (!fits) {
        continue;
      }
      Window w = switch (r.nextInt(4)) {
        case 0 -> new Window.Sliding((1 + r.nextInt(60)) * unit);
        case 1 -> new Window.Tumbling((1 + r.nextInt(60)) * unit);
        case 2 -> new Window.Calendar(Window.Unit.values()[r.nextInt(4)], zones[r.nextInt(zones.length)]);
        default -> new Window.Count(1 + r.nextInt(6));
      };
      features.add(new FeatureSpec(agg, w, c, r.nextInt(4) != 0));
    }
    return new DimensionSpec(cols, features, Duration.ofMillis(r.nextInt(30) * unit), Duration.ofMillis((1 + r.nextInt(200)) * unit));
  }

  record Ev(String key, long time, long id, long[] values) {}

  /**
   * A stream in time order with steps of up to a few units, then up to 30% of events moved earlier
   * by up to twice the lateness (some land within it, some beyond), and repeats of earlier events.
   */
  static List<Ev> randomStream(Random r, DimensionSpec spec, long unit, long base, int keys) {
    return randomStream(r, spec, unit, base, keys, 1 + r.nextInt(250));
  }

  static List<Ev> randomStream(Random r, DimensionSpec spec, long unit, long base, int keys, int n) {
    long lateness = spec.allowedLateness().toMillis();
    List<Ev> inOrder = new ArrayList<>();
    long t = base;
    for (int i = 0; i < n; i++) {
      t += r.nextInt(4) * unit + (r.nextInt(3) == 0 ? r.nextInt((int) unit) : 0);
      long[] values = new long[spec.columns().size()];
      for (int c = 0; c < values.length; c++) {
        Column.Kind kind = spec.columns().get(c).kind();
        int roll = r.nextInt(10);
        values[c] = roll < 3 ? Column.ABSENT
            : roll == 3 && kind != Column.Kind.MEMBER ? Column.MISSING
            : switch (kind) {
              case MEMBER -> 0L;
              case NUMBER -> Column.number(r.nextBoolean() ? r.nextInt(21) - 5 : r.nextInt(1000) / 8.0 - 3.3);
              case HASH -> Column.hash(r.nextInt(6));
              case LONG -> Column.whole(r.nextBoolean() ? r.nextInt(100) : r.nextLong() >> 2);
            };
      }
      inOrder.add(new Ev("k" + r.nextInt(keys), t, i, values));
    }
    double disorder = r.nextDouble() * 0.3;
    List<Ev> out = new ArrayList<>(inOrder);
    for (int i = 0; i < out.size(); i++) {
      if (r.nextDouble() < disorder) {
        Ev e = out.get(i);
        long back = (long) (r.nextDouble() * 2 * Math.max(lateness, unit));
        out.set(i, new Ev(e.key(), e.time() - back, e.id(), e.values()));
      }
    }
    int repeats = r.nextInt(Math.max(1, n / 10) + 1);
    for (int i = 0; i < repeats; i++) {
      Ev e = out.get(r.nextInt(out.size()));
      out.add(Math.min(out.size(), out.indexOf(e) + 1 + r.nextInt(20)), e);
    }
    return out;
  }

  static long randomUnit(Random r) {
    long[] units = {1, 1000, 60_000, 3_600_000};
    return units[r.nextInt(units.length)];
  }

  static long randomBase(Random r) {
    // near daylight-saving changes, month ends and week starts
    String[] bases = {"2026-03-29T00:30:00Z", "2026-10-25T00:10:00Z", "2026-02-28T23:00:00Z", "2026-11-22T23:59:00Z", "1970-01-01T00:00:00Z"};
    return Instant.parse(bases[r.nextInt(bases.length)]).toEpochMilli() + r.nextInt(1000);
  }

  @Property(tries = 400)
  void oneKeyEqualsTheOracle(@ForAll long seed) {
    Random r = new Random(seed);
    long unit = randomUnit(r);
    DimensionSpec spec = randomSpec(r, unit);
    Oracle oracle = new Oracle(spec, false);
    KeyState state = KeyState.empty(2 + r.nextInt(8));
    double[] got = new double[spec.features().size()];
    double[] want = new double[spec.features().size()];
    int i = 0;
    for (Ev e : randomStream(r, spec, unit, randomBase(r), 1)) {
      Outcome o = state.apply(spec, new EventInput(e.time(), e.id(), e.values()), got);
      Outcome w = oracle.apply(e.key(), e.time(), e.id(), e.values(), want);
      String where = "seed " + seed + ", event " + i++ + " " + e + " spec " + spec;
      assertThat(o).as(where).isEqualTo(w);
      assertSame(spec, got, want, where);
      // the record round-trips through its binary form
      byte[] bytes = KeyStateCodec.encode(state);
      assertThat(KeyStateCodec.encode(KeyStateCodec.decode(bytes))).isEqualTo(bytes);
      if (r.nextInt(20) == 0) {
        state = KeyStateCodec.decode(bytes);
      }
    }
  }

  @Property(tries = 200)
  void tableOfManyKeysEqualsTheOracle(@ForAll long seed) {
    Random r = new Random(seed);
    long unit = randomUnit(r);
    DimensionSpec spec = randomSpec(r, unit);
    Oracle oracle = new Oracle(spec, true);
    // a cache of 1 record per stripe forces records through the store
    try (StateTable table = StateTable.create(StateStore.inMemory(), r.nextBoolean() ? 1 : 10_000)) {
      double[] want = new double[spec.features().size()];
      int i = 0;
      for (Ev e : randomStream(r, spec, unit, randomBase(r), 1 + r.nextInt(4))) {
        if (r.nextInt(50) == 0) {
          table.checkpoint();
        }
        double[] got = new double[spec.features().size()];
        byte[] key = StateTable.key(42, e.key().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        StateTable.Result res = table.apply(List.of(new StateTable.Request(spec, key, new EventInput(e.time(), e.id(), e.values()), got)));
        Outcome w = oracle.apply(e.key(), e.time(), e.id(), e.values(), want);
        String where = "seed " + seed + ", event " + i++ + " " + e + " spec " + spec;
        assertThat(res.outcomes().get(0)).as(where).isEqualTo(w);
        assertSame(spec, got, want, where);
      }
    }
  }

  /**
   * Equal values; sums and averages may differ in the last bits, as the engine adds up chunk
   * subtotals where the oracle adds event by event.
   */
  /**
   * Busy keys: long streams on two keys, so records grow big; every few hundred events the table is
   * dropped as by a crash (after a checkpoint or not, with a cache that writes records as they leave
   * it or not) and a new one is opened over the same store and log, so records are rebuilt from their
   * last stored copy and the log entries they do not hold.
   */
  @Property(tries = 25)
  void busyKeysEqualTheOracleAcrossReopenings(@ForAll long seed) {
    Random r = new Random(seed);
    long unit = 1000;
    DimensionSpec spec = randomSpec(r, unit);
    // long windows and lateness, so that records get big
    spec = new DimensionSpec(spec.columns(), spec.features().stream().map(f -> new FeatureSpec(f.aggregate(),
        f.window() instanceof Window.Sliding s ? new Window.Sliding(s.millis() * 100) : f.window(), f.column(), f.includeCurrent())).toList(),
        Duration.ofMinutes(30), Duration.ofDays(1));
    Oracle oracle = new Oracle(spec, true);
    StateStore store = StateStore.inMemory();
    StateLog log = StateLog.inMemory();
    // small pages, so that busy records keep their oldest events in pages
    int pageEvents = 4 + r.nextInt(60);
    StateTable table = new DefaultStateTable(store, log, 10_000, pageEvents);
    double[] want = new double[spec.features().size()];
    int i = 0;
    DimensionSpec live = spec;
    for (Ev e : randomStream(r, spec, unit, randomBase(r), 2, 1500 + r.nextInt(1500))) {
      if (r.nextInt(50) == 0) {
        table.checkpoint();
      }
      if (r.nextInt(300) == 0) {
        table = new DefaultStateTable(store, log, r.nextBoolean() ? 1 : 10_000, pageEvents);
        table.recover(d -> d == 42 ? java.util.Optional.of(live) : java.util.Optional.empty());
      }
      double[] got = new double[spec.features().size()];
      byte[] key = StateTable.key(42, e.key().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      StateTable.Result res = table.apply(List.of(new StateTable.Request(spec, key, new EventInput(e.time(), e.id(), e.values()), got)));
      Outcome w = oracle.apply(e.key(), e.time(), e.id(), e.values(), want);
      String where = "seed " + seed + ", event " + i++ + " " + e;
      assertThat(res.outcomes().get(0)).as(where).isEqualTo(w);
      assertSame(spec, got, want, where);
    }
  }

  static void assertSame(DimensionSpec spec, double[] got, double[] want, String where) {
    for (int f = 0; f < want.length; f++) {
      Aggregate a = spec.features().get(f).aggregate();
      boolean rounding = (a == Aggregate.SUM || a == Aggregate.AVG)
          && Math.abs(got[f] - want[f]) <= 1e-9 * Math.max(1, Math.max(Math.abs(got[f]), Math.abs(want[f])));
      if (Double.compare(got[f], want[f]) != 0 && !rounding) {
        throw new AssertionError(where + ": feature " + f + " is " + got[f] + ", the oracle says " + want[f]
            + " (all: " + Arrays.toString(got) + " vs " + Arrays.toString(want) + ")");
      }
    }
  }
}
