package io.riskgate.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Patterns in the key records, against the brute-force matcher: random patterns over random
 * streams of two keys with events out of order (within the allowed lateness and beyond it) and
 * repeated, through a state table that checkpoints and is dropped as by a crash and reopened over
 * its store and log along the way. On every event, the table must say what the brute force says
 * of the events received so far: late, a repeat (then whether a match fired at the original), or
 * whether a match fires at it. The labels of the events of a match that fires must name events of
 * the key that make a valid match.
 */
class PatternStateTest {
  static final Column MASK = new Column(11, Column.Kind.LONG);
  static final Column FIRED = new Column(12, Column.Kind.LONG);

  record Ev(String key, long time, long id, long mask) {}

  /** What the brute force knows of one key's events. */
  static final class Held {
    final Ev ev;
    final long arrival;
    Long fired;
    /** A timer's tick: no event of the sequence, only where a match fired. */
    boolean tick;

    Held(Ev ev, long arrival) {
      this.ev = ev;
      this.arrival = arrival;
    }
  }

  static final class Oracle {
    final PatternSpec pattern;
    final DimensionSpec spec;
    final Map<String, List<Held>> keys = new HashMap<>();
    final Map<String, Long> watermark = new HashMap<>();
    long streamTime = Long.MIN_VALUE;
    long arrivals;
    /** Per key, the times of its timers: deadlines of events that may begin a match, rounded up. */
    final Map<String, java.util.TreeSet<Long>> timers = new HashMap<>();
    long granularity = 1;

    Oracle(PatternSpec pattern, DimensionSpec spec) {
      this.pattern = pattern;
      this.spec = spec;
    }

    /** What the timers due by upTo fire: per key and time, the labels of the match's events. */
    Map<String, List<String>> fireTimers(long upTo) {
      Map<String, List<String>> fired = new java.util.TreeMap<>();
      for (Map.Entry<String, java.util.TreeSet<Long>> e : timers.entrySet()) {
        String key = e.getKey();
        while (!e.getValue().isEmpty() && e.getValue().first() <= upTo) {
          long at = e.getValue().pollFirst();
          Long wm = watermark.get(key);
          if (wm == null || wm >= at) {
            continue;
          }
          List<Held> held = keys.get(key);
          // as an event at the timer's time that no step takes
          List<Held> before = sequence(held, at);
          int n = before.size() + 1;
          long[] ts = new long[n];
          long[] ms = new long[n];
          String[] ls = new String[n];
          for (int i = 0; i < before.size(); i++) {
            ts[i] = before.get(i).ev.time();
            ms[i] = before.get(i).ev.mask();
            ls[i] = label(before.get(i).ev);
          }
          ts[n - 1] = at;
          ls[n - 1] = "(timer)";
          long last = lastFired(held);
          Optional<Long> end = PatternOracleTest.oracle(pattern, ts, ms, n, last);
          if (end.isEmpty()) {
            continue;
          }
          fired.put(key + "@" + at, List.of(ls));
          timerSequences.put(key + "@" + at, new Object[] {ts, ms, last, end.get()});
          Held tick = new Held(new Ev(key, at, -at, 0), arrivals++);
          tick.tick = true;
          tick.fired = end.get();
          held.add(tick);
        }
      }
      return fired;
    }

    /** For each timeout fired: the sequence it was found in (times, masks, last fired, end). */
    final Map<String, Object[]> timerSequences = new HashMap<>();

    static List<Held> sequence(List<Held> held, long upTo) {
      return held.stream().filter(h -> !h.tick && h.ev.time() <= upTo)
          .sorted(Comparator.comparingLong((Held h) -> h.ev.time()).thenComparingLong(h -> h.arrival)).toList();
    }

    static long lastFired(List<Held> held) {
      return held.stream().filter(h -> h.fired != null).mapToLong(h -> h.fired).max().orElse(Long.MIN_VALUE);
    }

    /** The sequence the last applied event was matched against: its events' labels, times, masks. */
    String[] labels = new String[0];
    long[] times;
    long[] masks;
    long lastFired;

    /** The outcome and the value (NaN, 0 or 1). */
    Object[] apply(Ev e) {
      long now = streamTime;
      streamTime = Math.max(streamTime, e.time());
      if (now != Long.MIN_VALUE && e.time() < now - spec.retentionMillis()) {
        return new Object[] {Outcome.LATE, Double.NaN};
      }
      List<Held> held = keys.computeIfAbsent(e.key(), k -> new ArrayList<>());
      Long wm = watermark.get(e.key());
      if (wm != null && e.time() < wm - spec.latenessMillis()) {
        return new Object[] {Outcome.LATE, Double.NaN};
      }
      for (Held h : held) {
        if (h.ev.id() == e.id()) {
          return new Object[] {Outcome.DUPLICATE, h.fired != null ? 1.0 : 0.0};
        }
      }
      List<Held> before = sequence(held, e.time());
      int n = before.size() + 1;
      long[] times = new long[n];
      long[] masks = new long[n];
      for (int i = 0; i < before.size(); i++) {
        times[i] = before.get(i).ev.time();
        masks[i] = before.get(i).ev.mask();
      }
      times[n - 1] = e.time();
      masks[n - 1] = e.mask();
      long lastFired = lastFired(held);
      this.labels = new String[n];
      for (int i = 0; i < before.size(); i++) {
        this.labels[i] = label(before.get(i).ev);
      }
      this.labels[n - 1] = label(e);
      this.times = times;
      this.masks = masks;
      this.lastFired = lastFired;
      Optional<Long> end = PatternOracleTest.oracle(pattern, times, masks, n, lastFired);
      Held self = new Held(e, arrivals++);
      self.fired = end.orElse(null);
      held.add(self);
      if (pattern.endsWithAbsence() && PatternMatcher.of(pattern).mayStartAt(e.mask())) {
        long at = Math.floorDiv(e.time() + pattern.withinMillis() + granularity - 1, granularity) * granularity;
        timers.computeIfAbsent(e.key(), k -> new java.util.TreeSet<>()).add(at);
      }
      long w = Math.max(wm == null ? Long.MIN_VALUE : wm, e.time());
      watermark.put(e.key(), w);
      // the record forgets what no event the lateness admits can need
      long keep = w - spec.latenessMillis() - DimensionSpec.patternSpan(spec.patterns()) + 1;
      held.removeIf(h -> h.ev.time() < keep);
      return new Object[] {Outcome.APPLIED, end.isPresent() ? 1.0 : 0.0};
    }
  }

  static String label(Ev e) {
    return "e" + e.id();
  }

  @Property(tries = 500)
  void shouldEqualTheBruteForceMatcherThroughDisorderRepeatsAndRestarts(@ForAll long seed) {
    Random r = new Random(seed);
    PatternSpec pattern = PatternOracleTest.randomSpec(r);
    long lateness = r.nextInt(10);
    DimensionSpec spec = new DimensionSpec(List.of(MASK, FIRED), List.of(), List.of(new PatternFeature(pattern, 0, 1)),
        Duration.ofMillis(lateness), Duration.ofDays(1));
    StateStore store = StateStore.inMemory();
    StateLog log = StateLog.inMemory();
    int pageEvents = 4 + r.nextInt(40);
    StateTable table = new DefaultStateTable(store, log, 10_000, pageEvents);
    Oracle oracle = new Oracle(pattern, spec);
    List<Ev> sent = new ArrayList<>();
    long t = 1_000_000;
    int n = 20 + r.nextInt(100);
    for (int i = 0; i < n; i++) {
      Ev e;
      if (!sent.isEmpty() && r.nextInt(15) == 0) {
        e = sent.get(sent.size() - 1 - r.nextInt(Math.min(sent.size(), 8)));
      } else {
        t += r.nextInt(4);
        long time = r.nextInt(10) < 3 ? t - r.nextInt((int) lateness * 2 + 3) : t;
        long mask = r.nextInt(8) == 0 ? 0 : (1L << r.nextInt(4)) | (r.nextInt(3) == 0 ? 1L << r.nextInt(4) : 0);
        e = new Ev(r.nextInt(4) == 0 ? "b" : "a", time, 1000 + i, mask);
        sent.add(e);
      }
      if (r.nextInt(25) == 0) {
        table.checkpoint();
      }
      if (r.nextInt(30) == 0) {
        // dropped as by a crash, reopened over the same store and log
        table = new DefaultStateTable(store, log, r.nextBoolean() ? 1 : 10_000, pageEvents);
        table.recover(d -> d == 42 ? Optional.of(spec) : Optional.empty());
      }
      double[] got = new double[spec.outputs()];
      byte[] key = StateTable.key(42, e.key().getBytes(StandardCharsets.UTF_8));
      StateTable.Request request = new StateTable.Request(spec, key,
          new EventInput(e.time(), e.id(), new long[] {PatternFeature.mask(e.mask()), Column.ABSENT}, label(e)), got);
      StateTable.Result res = table.apply(List.of(request));
      Object[] want = oracle.apply(e);
      String where = "seed " + seed + ", " + pattern + ", lateness " + lateness + ", event " + i + " " + e;
      assertThat(res.outcomes().get(0)).as(where).isEqualTo(want[0]);
      assertThat(Double.valueOf(got[0])).as(where).isEqualTo(want[1]);
      String[] matched = request.matched()[0];
      if (want[0] == Outcome.APPLIED && got[0] == 1.0) {
        // the events quoted make a match in the key's sequence
        List<String> sequence = List.of(oracle.labels);
        int[] pos = new int[matched.length];
        for (int m = 0; m < matched.length; m++) {
          pos[m] = sequence.indexOf(matched[m]);
          assertThat(pos[m]).as(where + ", matched " + List.of(matched)).isNotNegative();
        }
        long end = pattern.endsWithAbsence() ? oracle.times[pos[0]] + pattern.withinMillis() : e.time();
        assertThat(PatternOracleTest.witnessValid(pattern, oracle.times, oracle.masks, sequence.size(), pos, oracle.lastFired, end))
            .as(where + ", matched " + List.of(matched) + " of " + sequence).isTrue();
        if (!pattern.endsWithAbsence()) {
          assertThat(matched[matched.length - 1]).as(where).isEqualTo(label(e));
        }
      } else {
        assertThat(matched).as(where).isEmpty();
      }
    }
  }

  /**
   * Timers of patterns ending with an absence: at random points the timers due by the stream time
   * less the lateness fire, and must fire what an event of the key at the timer's time (taken by no
   * step) would, in a key that has had no event since; the events after them see those matches as
   * fired. Events come out of order and repeated, with checkpoints along the way.
   */
  @Property(tries = 300)
  void shouldFireTimersAsAnEventAtTheDeadlineWould(@ForAll long seed) {
    Random r = new Random(seed);
    PatternSpec pattern;
    do {
      pattern = PatternOracleTest.randomSpec(r);
    } while (!pattern.endsWithAbsence());
    long lateness = r.nextInt(6);
    DimensionSpec spec = new DimensionSpec(List.of(MASK, FIRED), List.of(), List.of(new PatternFeature(pattern, 0, 1)),
        Duration.ofMillis(lateness), Duration.ofDays(1));
    long granularity = 1 + r.nextInt(3);
    StateTable table = new DefaultStateTable(StateStore.inMemory(), StateLog.inMemory(), 10_000, 4 + r.nextInt(40), granularity);
    Oracle oracle = new Oracle(pattern, spec);
    oracle.granularity = granularity;
    List<Ev> sent = new ArrayList<>();
    long t = 1_000_000;
    int n = 20 + r.nextInt(100);
    int timeouts = 0;
    for (int i = 0; i < n; i++) {
      Ev e;
      if (!sent.isEmpty() && r.nextInt(15) == 0) {
        e = sent.get(sent.size() - 1 - r.nextInt(Math.min(sent.size(), 8)));
      } else {
        // quiet spells: keys go silent while the other one moves the stream on
        t += r.nextInt(8) == 0 ? r.nextInt(30) : r.nextInt(4);
        long time = r.nextInt(10) < 2 ? t - r.nextInt((int) lateness * 2 + 3) : t;
        long mask = r.nextInt(8) == 0 ? 0 : (1L << r.nextInt(4)) | (r.nextInt(3) == 0 ? 1L << r.nextInt(4) : 0);
        e = new Ev(r.nextInt(3) == 0 ? "b" : r.nextInt(3) == 0 ? "c" : "a", time, 1000 + i, mask);
        sent.add(e);
      }
      if (r.nextInt(25) == 0) {
        table.checkpoint();
      }
      byte[] key = StateTable.key(42, e.key().getBytes(StandardCharsets.UTF_8));
      double[] got = new double[spec.outputs()];
      StateTable.Result res = table.apply(List.of(new StateTable.Request(spec, key,
          new EventInput(e.time(), e.id(), new long[] {PatternFeature.mask(e.mask()), Column.ABSENT}, label(e)), got)));
      Object[] want = oracle.apply(e);
      String where = "seed " + seed + ", " + pattern + ", lateness " + lateness + ", granularity " + granularity + ", event " + i + " " + e;
      assertThat(res.outcomes().get(0)).as(where).isEqualTo(want[0]);
      assertThat(Double.valueOf(got[0])).as(where).isEqualTo(want[1]);
      if (r.nextInt(4) == 0 && table.streamTime() != Long.MIN_VALUE) {
        long upTo = table.streamTime() - lateness;
        Map<String, List<String>> fired = new java.util.TreeMap<>();
        table.fireTimers(upTo, d -> d == 42 ? Optional.of(spec) : Optional.empty(), list -> {
          for (StateTable.Timeout to : list) {
            String k = new String(to.key(), 8, to.key().length - 8, StandardCharsets.UTF_8);
            fired.put(k + "@" + to.time(), to.events());
          }
        });
        Map<String, List<String>> expected = oracle.fireTimers(upTo);
        assertThat(fired.keySet()).as(where + ", timers up to " + upTo).isEqualTo(expected.keySet());
        for (Map.Entry<String, List<String>> f : fired.entrySet()) {
          // the events quoted make a match in the key's sequence at the timer
          Object[] seq = oracle.timerSequences.get(f.getKey());
          long[] ts = (long[]) seq[0];
          List<String> sequence = new ArrayList<>(expected.get(f.getKey()));
          int[] pos = f.getValue().stream().mapToInt(sequence::indexOf).toArray();
          assertThat(pos).as(where + ", " + f).doesNotContain(-1);
          assertThat(PatternOracleTest.witnessValid(pattern, ts, (long[]) seq[1], ts.length, pos, (long) seq[2], (long) seq[3]))
              .as(where + ", " + f + " of " + sequence).isTrue();
        }
        timeouts += fired.size();
      }
    }
    net.jqwik.api.statistics.Statistics.collect(timeouts > 0 ? "some timeouts" : "none");
  }

  /**
   * Features and a pattern in the same records (as when a key's events are all of the type its
   * features count): the features must equal the windows oracle, with every event a member of the
   * record through its step mask, and the pattern the brute-force matcher, through restarts.
   */
  @Property(tries = 200)
  void shouldComputeFeaturesAndAPatternInOneRecord(@ForAll long seed) {
    Random r = new Random(seed);
    DimensionSpec features = WindowsOracleTest.randomSpec(r, 1);
    PatternSpec pattern = PatternOracleTest.randomSpec(r);
    List<Column> columns = new ArrayList<>(features.columns());
    int mask = columns.size();
    columns.add(MASK);
    columns.add(FIRED);
    // every event is a member of the record, so a mask of 0 may be left absent, as the engine does
    columns.add(new Column(13, Column.Kind.MEMBER));
    DimensionSpec spec = new DimensionSpec(columns, features.features(), List.of(new PatternFeature(pattern, mask, mask + 1)),
        features.allowedLateness(), features.countHorizon());
    io.riskgate.state.Oracle windows = new io.riskgate.state.Oracle(spec, true);
    Oracle patterns = new Oracle(pattern, spec);
    StateStore store = StateStore.inMemory();
    StateLog log = StateLog.inMemory();
    StateTable table = new DefaultStateTable(store, log, 10_000, 4 + r.nextInt(40));
    int nf = spec.features().size();
    int i = 0;
    for (WindowsOracleTest.Ev w : WindowsOracleTest.randomStream(r, features, 1, 1_000_000, 2)) {
      long m = r.nextInt(8) == 0 ? 0 : (1L << r.nextInt(4)) | (r.nextInt(3) == 0 ? 1L << r.nextInt(4) : 0);
      long[] values = java.util.Arrays.copyOf(w.values(), columns.size());
      values[mask] = m == 0 && r.nextBoolean() ? Column.ABSENT : PatternFeature.mask(m);
      values[mask + 1] = Column.ABSENT;
      values[mask + 2] = 0L;
      if (r.nextInt(40) == 0) {
        table.checkpoint();
      }
      if (r.nextInt(60) == 0) {
        table = new DefaultStateTable(store, log, r.nextBoolean() ? 1 : 10_000, 4 + r.nextInt(40));
        table.recover(d -> d == 42 ? Optional.of(spec) : Optional.empty());
      }
      Ev e = new Ev(w.key(), w.time(), w.id(), m);
      double[] got = new double[spec.outputs()];
      StateTable.Result res = table.apply(List.of(new StateTable.Request(spec, StateTable.key(42, e.key().getBytes(StandardCharsets.UTF_8)),
          new EventInput(e.time(), e.id(), values, label(e)), got)));
      double[] want = new double[nf];
      Outcome wantOutcome = windows.apply(w.key(), w.time(), w.id(), values, want);
      Object[] wantPattern = patterns.apply(e);
      String where = "seed " + seed + ", event " + i++ + " " + e + ", " + spec.features() + ", " + pattern;
      assertThat(res.outcomes().get(0)).as(where).isEqualTo(wantOutcome).isEqualTo(wantPattern[0]);
      WindowsOracleTest.assertSame(new DimensionSpec(features.columns(), features.features(), features.allowedLateness(),
          features.countHorizon()), java.util.Arrays.copyOf(got, nf), want, where);
      assertThat(Double.valueOf(got[nf])).as(where).isEqualTo(wantPattern[1]);
    }
  }
}
