package io.riskgate.state;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the match of a {@link PatternSpec} that fires at an event, over the key's events in order
 * of time (then arrival), each given by its time and predicate mask. The pattern is run as a
 * nondeterministic automaton: the set of partial matches (step, events taken in it, whether the
 * last event taken is the one just before, which absent predicates were seen since) is carried
 * along the events, and a partial match may begin at any event.
 *
 * <p>What fires at an event {@code e} (the last of the sequence):
 * <ul>
 *   <li>for a pattern ending with a positive step, a match whose last event is {@code e}, all of
 *       whose events are in the window {@code (e.time - within, e.time]};
 *   <li>for a pattern ending with an absent step, the earliest-starting match whose deadline (its
 *       first event's time plus {@code within}) has passed at {@code e} but had not at the event
 *       before it ({@code previous.time <= deadline < e.time}), with no event of the absent step
 *       after its last event up to the deadline.
 * </ul>
 * In both cases every event of the match is later than {@code lastFired}, the end of the last
 * match of the pattern that fired for the key: a sequence fires once, and matches do not overlap.
 * Immutable and thread-safe.
 */
public final class PatternMatcher {
  /**
   * A match.
   *
   * @param events positions of its events in the sequence, in order
   * @param end its last event's time, or its deadline for a pattern ending with an absent step
   */
  public record Match(int[] events, long end) {}

  private final int steps;
  private final int[] bit;
  private final int[] min;
  private final int[] max;
  private final boolean[] strict;
  /** gap[g]: predicates absent before positive step g (g = 0: before the match; g = steps: after). */
  private final long[] gap;
  private final long absentBits;
  private final long within;
  private final boolean trailing;

  private PatternMatcher(PatternSpec spec) {
    List<PatternSpec.Step> positive = spec.steps().stream().filter(s -> !s.absent()).toList();
    steps = positive.size();
    bit = new int[steps];
    min = new int[steps];
    max = new int[steps];
    strict = new boolean[steps];
    gap = new long[steps + 1];
    int p = 0;
    long absent = 0;
    for (PatternSpec.Step s : spec.steps()) {
      if (s.absent()) {
        gap[p] |= 1L << s.predicate();
        absent |= 1L << s.predicate();
      } else {
        bit[p] = s.predicate();
        min[p] = s.min();
        max[p] = s.max();
        strict[p] = s.strict();
        p++;
      }
    }
    absentBits = absent;
    within = spec.withinMillis();
    trailing = spec.endsWithAbsence();
  }

  public static PatternMatcher of(PatternSpec spec) {
    return new PatternMatcher(spec);
  }

  /**
   * The match that fires at the last event of the sequence, if any.
   *
   * @param times the times of the key's events up to the deciding one, in order of time then
   *     arrival; the last is the deciding event
   * @param masks their predicate masks
   * @param size how many events
   * @param lastFired the end of the last match of this pattern that fired for the key, or
   *     {@link Long#MIN_VALUE}
   */
  public Optional<Match> firesAt(long[] times, long[] masks, int size, long lastFired) {
    if (size == 0) {
      return Optional.empty();
    }
    int at = size - 1;
    if (!trailing) {
      long end = times[at];
      int from = at;
      while (from > 0 && times[from - 1] > end - within) {
        from--;
      }
      return run(times, masks, from, at, at, lastFired, Long.MAX_VALUE)
          .map(events -> new Match(events, end));
    }
    long previous = at > 0 ? times[at - 1] : Long.MIN_VALUE;
    for (int j = 0; j < at; j++) {
      long deadline = times[j] + within;
      if (times[j] <= lastFired || deadline < previous || deadline >= times[at]) {
        continue;
      }
      int last = j;
      while (last + 1 < at && times[last + 1] <= deadline) {
        last++;
      }
      int lastAbsent = -1;
      for (int q = j; q <= last; q++) {
        if ((masks[q] & gap[steps]) != 0) {
          lastAbsent = q;
        }
      }
      Optional<int[]> m = run(times, masks, j, last, j, lastFired, lastAbsent);
      if (m.isPresent()) {
        return Optional.of(new Match(m.get(), deadline));
      }
    }
    return Optional.empty();
  }

  /** A partial match: the positive step it is in, events taken there, and what came since. */
  private record State(int step, int count, boolean fresh, long seen) {}

  /** The events taken so far, last first. */
  private record Path(int event, Path before) {
    int[] toArray() {
      int n = 0;
      for (Path p = this; p != null; p = p.before) {
        n++;
      }
      int[] out = new int[n];
      for (Path p = this; p != null; p = p.before) {
        out[--n] = p.event;
      }
      return out;
    }
  }

  /**
   * Runs the automaton over positions {@code from..to}. Partial matches begin only at positions up
   * to {@code lastStart}. Without a trailing absence ({@code afterAbsent == Long.MAX_VALUE}) a match
   * must end at {@code to}; with one, at any position at or after {@code afterAbsent}.
   */
  private Optional<int[]> run(long[] times, long[] masks, int from, int to, int lastStart, long lastFired, long afterAbsent) {
    Map<State, Path> states = new LinkedHashMap<>();
    long windowSeen = 0;
    boolean endsAtTo = afterAbsent == Long.MAX_VALUE;
    for (int q = from; q <= to; q++) {
      long m = masks[q];
      boolean takeable = times[q] > lastFired;
      Map<State, Path> next = new LinkedHashMap<>();
      if (takeable && q <= lastStart) {
        long crossed = 0;
        for (int s = 0; s < steps; s++) {
          crossed |= gap[s];
          if ((windowSeen & crossed) != 0) {
            break;
          }
          if ((m >>> bit[s] & 1) != 0) {
            next.putIfAbsent(new State(s, cap(s, 1), true, 0), new Path(q, null));
          }
          if (min[s] > 0) {
            break;
          }
        }
      }
      for (Map.Entry<State, Path> e : states.entrySet()) {
        State st = e.getKey();
        Path path = e.getValue();
        if (takeable) {
          int i = st.step();
          if (st.count() < max[i] && (m >>> bit[i] & 1) != 0 && (st.fresh() || !strict[i])) {
            next.putIfAbsent(new State(i, cap(i, st.count() + 1), true, 0), new Path(q, path));
          }
          if (st.count() >= min[i]) {
            long crossed = 0;
            for (int s = i + 1; s < steps; s++) {
              crossed |= gap[s];
              if ((st.seen() & crossed) != 0) {
                break;
              }
              if ((m >>> bit[s] & 1) != 0 && (st.fresh() || !strict[s])) {
                next.putIfAbsent(new State(s, cap(s, 1), true, 0), new Path(q, path));
              }
              if (min[s] > 0) {
                break;
              }
            }
          }
        }
        if (q < to) {
          next.putIfAbsent(new State(st.step(), st.count(), false, st.seen() | (m & absentBits)), path);
        }
      }
      windowSeen |= m & absentBits;
      if (endsAtTo ? q == to : q >= afterAbsent) {
        for (Map.Entry<State, Path> e : next.entrySet()) {
          State st = e.getKey();
          if (e.getValue().event() == q && st.count() >= min[st.step()] && restOptional(st.step())) {
            return Optional.of(e.getValue().toArray());
          }
        }
      }
      states = next;
    }
    return Optional.empty();
  }

  /** Counts above what a step can tell apart are kept at that: its minimum, or one. */
  private int cap(int step, int count) {
    return max[step] == PatternSpec.UNBOUNDED ? Math.min(count, Math.max(min[step], 1)) : count;
  }

  private boolean restOptional(int step) {
    for (int s = step + 1; s < steps; s++) {
      if (min[s] > 0) {
        return false;
      }
    }
    return true;
  }
}
