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

    Oracle(PatternSpec pattern, DimensionSpec spec) {
      this.pattern = pattern;
      this.spec = spec;
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
      List<Held> before = held.stream().filter(h -> h.ev.time() <= e.time())
          .sorted(Comparator.comparingLong((Held h) -> h.ev.time()).thenComparingLong(h -> h.arrival)).toList();
      int n = before.size() + 1;
      long[] times = new long[n];
      long[] masks = new long[n];
      for (int i = 0; i < before.size(); i++) {
        times[i] = before.get(i).ev.time();
        masks[i] = before.get(i).ev.mask();
      }
      times[n - 1] = e.time();
      masks[n - 1] = e.mask();
      long lastFired = held.stream().filter(h -> h.fired != null).mapToLong(h -> h.fired).max().orElse(Long.MIN_VALUE);
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
}
