package io.riskgate.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The pattern automaton against a brute-force matcher that tries every way of taking events for
 * the steps: random patterns (every quantifier, both contiguities, absence first, between and last)
 * over random sequences with ties in time.
 */
class PatternOracleTest {

  /** Every constraint of a match, checked on one candidate: positions and the step of each. */
  static boolean valid(PatternSpec spec, long[] times, long[] masks, int size, int[] pos, int[] stepOf,
      int windowFirst, long lastFired, long deadline) {
    List<PatternSpec.Step> positive = spec.steps().stream().filter(s -> !s.absent()).toList();
    int r = positive.size();
    long[] gap = new long[r + 1];
    int p = 0;
    for (PatternSpec.Step s : spec.steps()) {
      if (s.absent()) {
        gap[p] |= 1L << s.predicate();
      } else {
        p++;
      }
    }
    int[] counts = new int[r];
    for (int t = 0; t < pos.length; t++) {
      PatternSpec.Step s = positive.get(stepOf[t]);
      if ((masks[pos[t]] >>> s.predicate() & 1) == 0 || times[pos[t]] <= lastFired || pos[t] < windowFirst
          || times[pos[t]] >= deadline) {
        return false;
      }
      if (t > 0 && (stepOf[t] < stepOf[t - 1] || pos[t] <= pos[t - 1])) {
        return false;
      }
      if (t > 0 && s.strict() && pos[t] != pos[t - 1] + 1) {
        return false;
      }
      counts[stepOf[t]]++;
    }
    for (int k = 0; k < r; k++) {
      if (counts[k] < positive.get(k).min() || counts[k] > positive.get(k).max()) {
        return false;
      }
    }
    for (int g = 0; g < r; g++) {
      if (gap[g] == 0) {
        continue;
      }
      // between the last event taken before step g and the first taken from step g on
      int before = windowFirst - 1;
      int after = -1;
      for (int t = 0; t < pos.length; t++) {
        if (stepOf[t] < g) {
          before = pos[t];
        } else if (after < 0) {
          after = pos[t];
        }
      }
      for (int q = before + 1; q < after; q++) {
        if ((masks[q] & gap[g]) != 0) {
          return false;
        }
      }
    }
    if (gap[r] != 0) {
      for (int q = pos[pos.length - 1] + 1; q < size && times[q] < deadline; q++) {
        if ((masks[q] & gap[r]) != 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** Tries every candidate: each position is skipped or taken for a step at or after the last one. */
  static boolean exists(PatternSpec spec, long[] times, long[] masks, int size, int first, int last, boolean endAtLast,
      int windowFirst, long lastFired, long deadline, int startAt) {
    int r = (int) spec.steps().stream().filter(s -> !s.absent()).count();
    int[] pos = new int[size];
    int[] stepOf = new int[size];
    return search(spec, times, masks, size, first, last, endAtLast, windowFirst, lastFired, deadline, startAt, r, pos, stepOf, 0, 0);
  }

  private static boolean search(PatternSpec spec, long[] times, long[] masks, int size, int q, int last, boolean endAtLast,
      int windowFirst, long lastFired, long deadline, int startAt, int r, int[] pos, int[] stepOf, int n, int minStep) {
    if (n > 0 && (!endAtLast || pos[n - 1] == last)
        && valid(spec, times, masks, size, Arrays.copyOf(pos, n), Arrays.copyOf(stepOf, n), windowFirst, lastFired, deadline)) {
      return true;
    }
    if (q > last) {
      return false;
    }
    if (n == 0 && startAt >= 0 && q != startAt) {
      return n == 0 && q < startAt
          && search(spec, times, masks, size, startAt, last, endAtLast, windowFirst, lastFired, deadline, startAt, r, pos, stepOf, 0, 0);
    }
    List<PatternSpec.Step> positive = spec.steps().stream().filter(st -> !st.absent()).toList();
    for (int s = minStep; s < r; s++) {
      // only what can be valid: the event matches the step, the step has room for it
      if (q < windowFirst || (masks[q] >>> positive.get(s).predicate() & 1) == 0 || times[q] <= lastFired) {
        continue;
      }
      int already = 0;
      for (int t = n - 1; t >= 0 && stepOf[t] == s; t--) {
        already++;
      }
      if (already >= positive.get(s).max()) {
        continue;
      }
      pos[n] = q;
      stepOf[n] = s;
      if (search(spec, times, masks, size, q + 1, last, endAtLast, windowFirst, lastFired, deadline, startAt, r, pos, stepOf, n + 1, s)) {
        return true;
      }
    }
    return search(spec, times, masks, size, q + 1, last, endAtLast, windowFirst, lastFired, deadline, startAt, r, pos, stepOf, n, minStep);
  }

  /** What fires at the last event, by brute force: the end of the match, if any. */
  static Optional<Long> oracle(PatternSpec spec, long[] times, long[] masks, int size, long lastFired) {
    int at = size - 1;
    if (!spec.endsWithAbsence()) {
      long end = times[at];
      int first = windowFirst(times, end - spec.withinMillis());
      return exists(spec, times, masks, size, first, at, true, first, lastFired, Long.MAX_VALUE, -1)
          ? Optional.of(end) : Optional.empty();
    }
    long previous = at > 0 ? times[at - 1] : Long.MIN_VALUE;
    for (int j = 0; j < at; j++) {
      long deadline = times[j] + spec.withinMillis();
      if (times[j] <= lastFired || deadline <= previous || deadline > times[at]) {
        continue;
      }
      // the window runs from the match's first event to its deadline
      int last = j;
      while (last + 1 < at && times[last + 1] < deadline) {
        last++;
      }
      if (exists(spec, times, masks, size, j, last, false, j, lastFired, deadline, j)) {
        return Optional.of(deadline);
      }
    }
    return Optional.empty();
  }

  /** The first position later than {@code start}. */
  static int windowFirst(long[] times, long start) {
    int q = 0;
    while (times[q] <= start) {
      q++;
    }
    return q;
  }

  static PatternSpec randomSpec(Random r) {
    List<PatternSpec.Step> steps = new ArrayList<>();
    int positive = 1 + r.nextInt(3);
    boolean leading = r.nextInt(4) == 0;
    boolean trailingAbsent = !leading && r.nextInt(3) == 0;
    if (leading) {
      steps.add(PatternSpec.Step.absent(r.nextInt(4)));
    }
    for (int i = 0; i < positive; i++) {
      if (i > 0 && r.nextInt(5) == 0) {
        steps.add(PatternSpec.Step.absent(r.nextInt(4)));
      }
      int min = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(2);
      int max = switch (r.nextInt(3)) {
        case 0 -> Math.max(min, 1);
        case 1 -> Math.max(min, 1) + 1 + r.nextInt(2);
        default -> PatternSpec.UNBOUNDED;
      };
      steps.add(new PatternSpec.Step(r.nextInt(4), min, max, r.nextInt(3) == 0, false));
    }
    if (steps.stream().noneMatch(s -> !s.absent() && s.min() >= 1)) {
      PatternSpec.Step s = steps.get(steps.size() - 1);
      steps.set(steps.size() - 1, new PatternSpec.Step(s.predicate(), 1, Math.max(1, s.max()), s.strict(), false));
    }
    if (trailingAbsent) {
      steps.add(PatternSpec.Step.absent(r.nextInt(4)));
    }
    return new PatternSpec(steps, 1 + r.nextInt(12));
  }

  @Property(tries = 3000)
  void shouldFireExactlyWhenTheBruteForceMatcherFindsAMatch(@ForAll long seed) {
    Random r = new Random(seed);
    PatternSpec spec = randomSpec(r);
    PatternMatcher matcher = PatternMatcher.of(spec);
    int n = 1 + r.nextInt(10);
    long[] times = new long[n];
    long[] masks = new long[n];
    long t = 0;
    for (int i = 0; i < n; i++) {
      t += r.nextInt(4);
      times[i] = t;
      // mostly one or two predicates per event, sometimes none
      masks[i] = r.nextInt(8) == 0 ? 0 : (1L << r.nextInt(4)) | (r.nextInt(3) == 0 ? 1L << r.nextInt(4) : 0);
    }
    long lastFired = r.nextInt(3) == 0 ? r.nextInt((int) t + 2) - 1 : Long.MIN_VALUE;
    // every prefix: each event in turn is the deciding one
    for (int size = 1; size <= n; size++) {
      Optional<PatternMatcher.Match> got = matcher.firesAt(times, masks, size, lastFired);
      Optional<Long> want = oracle(spec, times, masks, size, lastFired);
      assertThat(got.map(PatternMatcher.Match::end)).as("%s over times %s masks %s, size %d, last fired %d", spec,
          Arrays.toString(times), Arrays.toString(masks), size, lastFired).isEqualTo(want);
      if (got.isPresent()) {
        int[] pos = got.get().events();
        assertThat(witnessValid(spec, times, masks, size, pos, lastFired, got.get().end()))
            .as("witness %s of %s", Arrays.toString(pos), spec).isTrue();
      }
    }
  }

  /** The automaton's match, with some assignment of its events to steps, satisfies every constraint. */
  static boolean witnessValid(PatternSpec spec, long[] times, long[] masks, int size, int[] pos, long lastFired, long end) {
    int r = (int) spec.steps().stream().filter(s -> !s.absent()).count();
    int windowFirst = spec.endsWithAbsence() ? pos[0] : windowFirst(times, end - spec.withinMillis());
    long deadline = spec.endsWithAbsence() ? end : Long.MAX_VALUE;
    return assign(spec, times, masks, size, pos, new int[pos.length], 0, 0, r, windowFirst, lastFired, deadline);
  }

  private static boolean assign(PatternSpec spec, long[] times, long[] masks, int size, int[] pos, int[] stepOf, int t,
      int minStep, int r, int windowFirst, long lastFired, long deadline) {
    if (t == pos.length) {
      return valid(spec, times, masks, size, pos, stepOf, windowFirst, lastFired, deadline);
    }
    for (int s = minStep; s < r; s++) {
      stepOf[t] = s;
      if (assign(spec, times, masks, size, pos, stepOf, t + 1, s, r, windowFirst, lastFired, deadline)) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ examples

  static final int LOGIN_FAILED = 0;
  static final int RESET = 1;
  static final int WITHDRAWAL = 2;
  static final int ANY = 3;

  @Test
  void shouldFindThreeFailedLoginsThenAResetThenAWithdrawal() {
    PatternSpec spec = new PatternSpec(List.of(
        new PatternSpec.Step(LOGIN_FAILED, 3, PatternSpec.UNBOUNDED, false, false),
        PatternSpec.Step.times(RESET, 1, false),
        PatternSpec.Step.times(WITHDRAWAL, 1, false)), 600_000);
    long[] times = {0, 1000, 2000, 3000, 4000, 5000, 6000};
    long[] masks = {bits(LOGIN_FAILED, ANY), bits(ANY), bits(LOGIN_FAILED, ANY), bits(LOGIN_FAILED, ANY), bits(RESET, ANY),
        bits(ANY), bits(WITHDRAWAL, ANY)};
    PatternMatcher m = PatternMatcher.of(spec);
    assertThat(m.firesAt(times, masks, 6, Long.MIN_VALUE)).isEmpty();
    PatternMatcher.Match match = m.firesAt(times, masks, 7, Long.MIN_VALUE).orElseThrow();
    assertThat(match.events()).containsExactly(0, 2, 3, 4, 6);
    assertThat(match.end()).isEqualTo(6000);
    // it fired: the same events do not fire again for a second withdrawal
    long[] t2 = Arrays.copyOf(times, 8);
    long[] m2 = Arrays.copyOf(masks, 8);
    t2[7] = 7000;
    m2[7] = bits(WITHDRAWAL, ANY);
    assertThat(m.firesAt(t2, m2, 8, 6000)).isEmpty();
    // too slow: the window is ten minutes
    long[] late = times.clone();
    late[6] = 700_000;
    assertThat(m.firesAt(late, masks, 7, Long.MIN_VALUE)).isEmpty();
  }

  @Test
  void shouldTellStrictFromRelaxedContiguity() {
    // a card test: three tiny payments in a row, then a big one right after
    int tiny = 0;
    int big = 1;
    PatternSpec strictSpec = new PatternSpec(List.of(PatternSpec.Step.times(tiny, 3, true), PatternSpec.Step.times(big, 1, true)), 60_000);
    PatternSpec relaxedSpec = new PatternSpec(List.of(PatternSpec.Step.times(tiny, 3, false), PatternSpec.Step.times(big, 1, false)), 60_000);
    long[] times = {1, 2, 3, 4, 5};
    long[] interrupted = {bits(tiny), bits(tiny), 0, bits(tiny), bits(big)};
    long[] inARow = {0, bits(tiny), bits(tiny), bits(tiny), bits(big)};
    assertThat(PatternMatcher.of(strictSpec).firesAt(times, interrupted, 5, Long.MIN_VALUE)).isEmpty();
    assertThat(PatternMatcher.of(relaxedSpec).firesAt(times, interrupted, 5, Long.MIN_VALUE)).isPresent();
    assertThat(PatternMatcher.of(strictSpec).firesAt(times, inARow, 5, Long.MIN_VALUE)).isPresent();
  }

  @Test
  void shouldFireAnAbsenceWhenItsDeadlinePasses() {
    // a new device, not followed by a verification within 5 minutes
    int newDevice = 0;
    int verified = 1;
    PatternSpec spec = new PatternSpec(List.of(PatternSpec.Step.times(newDevice, 1, false), PatternSpec.Step.absent(verified)), 300_000);
    PatternMatcher m = PatternMatcher.of(spec);
    long[] times = {0, 100_000, 400_000};
    long[] quiet = {bits(newDevice), 0, 0};
    assertThat(m.firesAt(times, quiet, 2, Long.MIN_VALUE)).isEmpty();
    assertThat(m.firesAt(times, quiet, 3, Long.MIN_VALUE).map(PatternMatcher.Match::end)).contains(300_000L);
    long[] verifiedInTime = {bits(newDevice), bits(verified), 0};
    assertThat(m.firesAt(times, verifiedInTime, 3, Long.MIN_VALUE)).isEmpty();
    // B without a preceding A: a payout with no login in the 10 minutes before it
    int login = 0;
    int payout = 1;
    PatternSpec without = new PatternSpec(List.of(PatternSpec.Step.absent(login), PatternSpec.Step.times(payout, 1, false)), 600_000);
    long[] t = {0, 500_000, 700_000};
    assertThat(PatternMatcher.of(without).firesAt(t, new long[] {bits(login), 0, bits(payout)}, 3, Long.MIN_VALUE)).isPresent();
    assertThat(PatternMatcher.of(without).firesAt(t, new long[] {0, bits(login), bits(payout)}, 3, Long.MIN_VALUE)).isEmpty();
  }

  static long bits(int... b) {
    long m = 0;
    for (int x : b) {
      m |= 1L << x;
    }
    return m;
  }
}
