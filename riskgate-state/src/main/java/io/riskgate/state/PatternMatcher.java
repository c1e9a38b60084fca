package io.riskgate.state;

import java.util.List;
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
 *       first event's time plus {@code within}) has come at {@code e} but had not at the event
 *       before it ({@code previous.time < deadline <= e.time}), all of its events before the
 *       deadline, with no event of the absent step after its last event and before the deadline.
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
  /** Bits of the steps a match can end with (those after them are optional). */
  private final long endBits;
  /** Bits of the steps a match can begin with (those before them are optional). */
  private final long startBits;

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
    long ends = 0;
    for (int s = 0; s < steps; s++) {
      if (restOptional(s)) {
        ends |= 1L << bit[s];
      }
    }
    endBits = ends;
    long starts = 0;
    for (int st = 0; st < steps; st++) {
      starts |= 1L << bit[st];
      if (min[st] > 0) {
        break;
      }
    }
    startBits = starts;
  }

  /** Whether a match may begin at an event of this mask. */
  public boolean mayStartAt(long mask) {
    return (mask & startBits) != 0;
  }

  /** Whether the pattern ends with an absent step (it fires after a deadline, not at an event of its own). */
  public boolean endsWithAbsence() {
    return trailing;
  }

  /**
   * Whether a match may fire at an event of this mask, before looking at the key's events: for a
   * pattern ending with a positive step, only an event of a step that can end a match can.
   */
  public boolean mayFireAt(long mask) {
    return trailing || (mask & endBits) != 0;
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
      if (times[j] <= lastFired || deadline <= previous || deadline > times[at]) {
        continue;
      }
      int last = j;
      while (last + 1 < at && times[last + 1] < deadline) {
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

  /**
   * Sets of partial matches, without allocating per event: each state is (step, count, fresh) in
   * an int and the absent predicates seen since in a long, with the index of its path in a pool of
   * (event, parent) nodes; a hash table with generation stamps finds a state already in the set.
   */
  private static final class Scratch {
    int[] sc = new int[64];
    long[] seen = new long[64];
    int[] path = new int[64];
    int size;
    int[] nsc = new int[64];
    long[] nseen = new long[64];
    int[] npath = new int[64];
    int nsize;
    int[] slot = new int[256];
    int[] stamp = new int[256];
    int generation;
    int[] pathEvent = new int[256];
    int[] pathParent = new int[256];
    int paths;

    void clearNext() {
      nsize = 0;
      if (++generation == Integer.MAX_VALUE) {
        java.util.Arrays.fill(stamp, 0);
        generation = 1;
      }
    }

    /** Adds a state to the next set unless it is there already (the first path found stays). */
    void add(int key, long seenMask, int pathIndex) {
      if (nsize * 2 >= slot.length) {
        growTable();
      }
      int mask = slot.length - 1;
      int h = (int) ((key * 0x9E3779B97F4A7C15L + seenMask) * 0xC2B2AE3D27D4EB4FL >>> 40) & mask;
      while (stamp[h] == generation) {
        int i = slot[h];
        if (nsc[i] == key && nseen[i] == seenMask) {
          return;
        }
        h = (h + 1) & mask;
      }
      if (nsize == nsc.length) {
        nsc = java.util.Arrays.copyOf(nsc, nsize * 2);
        nseen = java.util.Arrays.copyOf(nseen, nsize * 2);
        npath = java.util.Arrays.copyOf(npath, nsize * 2);
      }
      stamp[h] = generation;
      slot[h] = nsize;
      nsc[nsize] = key;
      nseen[nsize] = seenMask;
      npath[nsize] = pathIndex;
      nsize++;
    }

    private void growTable() {
      int[] oldSc = java.util.Arrays.copyOf(nsc, nsize);
      long[] oldSeen = java.util.Arrays.copyOf(nseen, nsize);
      int[] oldPath = java.util.Arrays.copyOf(npath, nsize);
      int n = nsize;
      slot = new int[slot.length * 2];
      stamp = new int[slot.length];
      generation = 1;
      nsize = 0;
      for (int i = 0; i < n; i++) {
        add(oldSc[i], oldSeen[i], oldPath[i]);
      }
    }

    int node(int event, int parent) {
      if (paths == pathEvent.length) {
        pathEvent = java.util.Arrays.copyOf(pathEvent, paths * 2);
        pathParent = java.util.Arrays.copyOf(pathParent, paths * 2);
      }
      pathEvent[paths] = event;
      pathParent[paths] = parent;
      return paths++;
    }

    /** The next set becomes the current one. */
    void swap() {
      int[] a = sc;
      sc = nsc;
      nsc = a;
      long[] b = seen;
      seen = nseen;
      nseen = b;
      int[] c = path;
      path = npath;
      npath = c;
      size = nsize;
    }

    int[] events(int node) {
      int n = 0;
      for (int p = node; p >= 0; p = pathParent[p]) {
        n++;
      }
      int[] out = new int[n];
      for (int p = node; p >= 0; p = pathParent[p]) {
        out[--n] = pathEvent[p];
      }
      return out;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static int key(int step, int count, boolean fresh) {
    return step << 21 | count << 1 | (fresh ? 1 : 0);
  }

  /**
   * Runs the automaton over positions {@code from..to}. Partial matches begin only at positions up
   * to {@code lastStart}. Without a trailing absence ({@code afterAbsent == Long.MAX_VALUE}) a match
   * must end at {@code to}; with one, at any position at or after {@code afterAbsent}.
   */
  private Optional<int[]> run(long[] times, long[] masks, int from, int to, int lastStart, long lastFired, long afterAbsent) {
    Scratch x = SCRATCH.get();
    x.size = 0;
    x.paths = 0;
    long windowSeen = 0;
    boolean endsAtTo = afterAbsent == Long.MAX_VALUE;
    for (int q = from; q <= to; q++) {
      long m = masks[q];
      boolean takeable = times[q] > lastFired;
      x.clearNext();
      if (takeable && q <= lastStart) {
        long crossed = 0;
        for (int s = 0; s < steps; s++) {
          crossed |= gap[s];
          if ((windowSeen & crossed) != 0) {
            break;
          }
          if ((m >>> bit[s] & 1) != 0) {
            x.add(key(s, cap(s, 1), true), 0, x.node(q, -1));
          }
          if (min[s] > 0) {
            break;
          }
        }
      }
      for (int k = 0; k < x.size; k++) {
        int sc = x.sc[k];
        int i = sc >>> 21;
        int count = sc >>> 1 & 0xFFFFF;
        boolean fresh = (sc & 1) != 0;
        long seenMask = x.seen[k];
        int path = x.path[k];
        if (takeable) {
          if (count < max[i] && (m >>> bit[i] & 1) != 0 && (fresh || !strict[i])) {
            x.add(key(i, cap(i, count + 1), true), 0, x.node(q, path));
          }
          if (count >= min[i]) {
            long crossed = 0;
            for (int s = i + 1; s < steps; s++) {
              crossed |= gap[s];
              if ((seenMask & crossed) != 0) {
                break;
              }
              if ((m >>> bit[s] & 1) != 0 && (fresh || !strict[s])) {
                x.add(key(s, cap(s, 1), true), 0, x.node(q, path));
              }
              if (min[s] > 0) {
                break;
              }
            }
          }
        }
        if (q < to) {
          x.add(key(i, count, false), seenMask | (m & absentBits), path);
        }
      }
      windowSeen |= m & absentBits;
      if (endsAtTo ? q == to : q >= afterAbsent) {
        for (int k = 0; k < x.nsize; k++) {
          int sc = x.nsc[k];
          int i = sc >>> 21;
          int count = sc >>> 1 & 0xFFFFF;
          if (x.pathEvent[x.npath[k]] == q && count >= min[i] && restOptional(i)) {
            return Optional.of(x.events(x.npath[k]));
          }
        }
      }
      x.swap();
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
