package io.riskgate.state;

import java.util.Arrays;

/**
 * The state record of one key of one dimension (e.g. account "a1"): the key's retained events,
 * sorted by event time then arrival, with each event's value in every column of the dimension.
 * All the windows of all the dimension's features are answered from this one record, so an event
 * costs one read-modify-write per dimension.
 *
 * <p>A record is updated in place by {@link #apply}, whose result depends only on the record, the
 * specification and the event: replaying the same events in the same order on the same record
 * gives the same record and the same values, byte for byte ({@link KeyStateCodec}).
 *
 * <p>Instances are not thread-safe: one key's events are applied one at a time.
 */
public final class KeyState {
  private static final long NONE = Long.MIN_VALUE;

  /** The newest event time applied, or {@link Long#MIN_VALUE} for an empty history. */
  long watermark = NONE;
  /** The arrival number of the next applied event. */
  long nextSeq;
  long[] columnIds;
  byte[] columnKinds;
  int size;
  long[] times;
  long[] seqs;
  long[] ids;
  /** size x columns values, row-major. */
  long[] values;

  private KeyState(long[] columnIds, byte[] columnKinds, int capacity) {
    this.columnIds = columnIds;
    this.columnKinds = columnKinds;
    this.times = new long[capacity];
    this.seqs = new long[capacity];
    this.ids = new long[capacity];
    this.values = new long[capacity * columnIds.length];
  }

  /** An empty record. */
  public static KeyState empty() {
    return new KeyState(new long[0], new byte[0], 0);
  }

  static KeyState restore(long watermark, long nextSeq, long[] columnIds, byte[] kinds, int size) {
    KeyState s = new KeyState(columnIds, kinds, size);
    s.watermark = watermark;
    s.nextSeq = nextSeq;
    s.size = size;
    return s;
  }

  /** The number of events the record holds. */
  public int size() {
    return size;
  }

  /** Whether the record holds no event. */
  public boolean isEmpty() {
    return size == 0;
  }

  /** The newest event time applied to this key; empty history gives {@link Long#MIN_VALUE}. */
  public long newestTime() {
    return watermark;
  }

  // ------------------------------------------------------------------ the update function

  /**
   * Applies one event and computes the dimension's feature values as of the event's time.
   *
   * <p>In order: an event older than the key's newest event by more than the allowed lateness is
   * {@link Outcome#LATE} (values NaN, nothing changes); an event whose id the record holds is a
   * {@link Outcome#DUPLICATE} (nothing changes; its values are computed as for the original); an
   * event no column counts changes nothing; any other event is inserted at its place in time, after
   * the events of equal time already received, and events no window can see any more are dropped.
   *
   * @param out receives one value per feature of {@code spec}, NaN where unknown
   */
  public Outcome apply(DimensionSpec spec, EventInput event, double[] out) {
    conform(spec);
    long t = event.time();
    long lateness = spec.latenessMillis();
    if (watermark != NONE && t < watermark - lateness) {
      Arrays.fill(out, 0, spec.features().size(), Double.NaN);
      return Outcome.LATE;
    }
    Outcome outcome;
    long self;
    int dup = find(event.idHash());
    if (dup >= 0) {
      outcome = Outcome.DUPLICATE;
      self = seqs[dup];
    } else if (event.counted()) {
      outcome = Outcome.APPLIED;
      self = nextSeq;
      insert(t, nextSeq++, event.idHash(), event.values());
      if (t > watermark) {
        watermark = t;
      }
      evict(spec);
    } else {
      outcome = Outcome.NOT_COUNTED;
      self = NONE;
    }
    long horizon = spec.countHorizon().toMillis();
    for (int i = 0; i < spec.features().size(); i++) {
      FeatureSpec f = spec.features().get(i);
      out[i] = value(f, t, f.includeCurrent() ? NONE : self, horizon);
    }
    return outcome;
  }

  /** Computes the values as of {@code t} without applying anything (an event of another type). */
  public void peek(DimensionSpec spec, long t, double[] out) {
    conform(spec);
    if (watermark != NONE && t < watermark - spec.latenessMillis()) {
      Arrays.fill(out, 0, spec.features().size(), Double.NaN);
      return;
    }
    long horizon = spec.countHorizon().toMillis();
    for (int i = 0; i < spec.features().size(); i++) {
      out[i] = value(spec.features().get(i), t, NONE, horizon);
    }
  }

  /** Whether the record holds nothing a window of {@code spec} could see at stream time {@code now}. */
  public boolean expired(DimensionSpec spec, long now) {
    return size == 0 || watermark < now - spec.retention().toMillis();
  }

  // ------------------------------------------------------------------ columns

  /** Re-lays the record for the dimension's columns: kept columns keep their values, new ones start empty. */
  void conform(DimensionSpec spec) {
    int n = spec.columns().size();
    if (n == columnIds.length) {
      boolean same = true;
      for (int c = 0; c < n && same; c++) {
        Column col = spec.columns().get(c);
        same = columnIds[c] == col.id() && columnKinds[c] == col.kind().ordinal();
      }
      if (same) {
        return;
      }
    }
    int[] from = new int[n];
    long[] newIds = new long[n];
    byte[] newKinds = new byte[n];
    for (int c = 0; c < n; c++) {
      Column col = spec.columns().get(c);
      newIds[c] = col.id();
      newKinds[c] = (byte) col.kind().ordinal();
      from[c] = -1;
      for (int o = 0; o < columnIds.length; o++) {
        if (columnIds[o] == col.id() && columnKinds[o] == newKinds[c]) {
          from[c] = o;
        }
      }
    }
    int old = columnIds.length;
    long[] nv = new long[times.length * n];
    int kept = 0;
    for (int i = 0; i < size; i++) {
      boolean any = false;
      for (int c = 0; c < n; c++) {
        long v = from[c] < 0 ? Column.ABSENT : values[i * old + from[c]];
        nv[kept * n + c] = v;
        any |= v != Column.ABSENT;
      }
      if (any) {
        times[kept] = times[i];
        seqs[kept] = seqs[i];
        ids[kept] = ids[i];
        kept++;
      }
    }
    size = kept;
    values = nv;
    columnIds = newIds;
    columnKinds = newKinds;
  }

  // ------------------------------------------------------------------ entries

  /** The first index whose time is >= t. */
  int lowerBound(long t) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (times[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The first index whose time is > t. */
  int upperBound(long t) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (times[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int find(long idHash) {
    for (int i = size - 1; i >= 0; i--) {
      if (ids[i] == idHash) {
        return i;
      }
    }
    return -1;
  }

  private void insert(long t, long seq, long idHash, long[] vals) {
    int cols = columnIds.length;
    if (vals.length != cols) {
      throw new IllegalArgumentException("the event has " + vals.length + " column values, the dimension " + cols);
    }
    if (size == times.length) {
      int cap = Math.max(4, size + (size >> 1));
      times = Arrays.copyOf(times, cap);
      seqs = Arrays.copyOf(seqs, cap);
      ids = Arrays.copyOf(ids, cap);
      values = Arrays.copyOf(values, cap * cols);
    }
    int at = upperBound(t);
    int move = size - at;
    if (move > 0) {
      System.arraycopy(times, at, times, at + 1, move);
      System.arraycopy(seqs, at, seqs, at + 1, move);
      System.arraycopy(ids, at, ids, at + 1, move);
      System.arraycopy(values, at * cols, values, (at + 1) * cols, move * cols);
    }
    times[at] = t;
    seqs[at] = seq;
    ids[at] = idHash;
    System.arraycopy(vals, 0, values, at * cols, cols);
    size++;
  }

  /** Drops the events that no window can see for any event the lateness still admits. */
  private void evict(DimensionSpec spec) {
    long base = watermark - spec.latenessMillis();
    long keep = Long.MAX_VALUE;
    long horizon = spec.countHorizon().toMillis();
    for (FeatureSpec f : spec.features()) {
      long k = switch (f.window()) {
        case Window.Count c -> Math.max(nthMemberAtOrBefore(base, f.column(), c.events() + 1), base - horizon + 1);
        default -> Window.start(f.window(), base);
      };
      keep = Math.min(keep, k);
    }
    int cut = keep == Long.MAX_VALUE ? size : lowerBound(keep);
    if (cut > 0) {
      int cols = columnIds.length;
      int rest = size - cut;
      System.arraycopy(times, cut, times, 0, rest);
      System.arraycopy(seqs, cut, seqs, 0, rest);
      System.arraycopy(ids, cut, ids, 0, rest);
      System.arraycopy(values, cut * cols, values, 0, rest * cols);
      size = rest;
      if (times.length > 16 && size < times.length / 4) {
        int cap = Math.max(4, size * 2);
        times = Arrays.copyOf(times, cap);
        seqs = Arrays.copyOf(seqs, cap);
        ids = Arrays.copyOf(ids, cap);
        values = Arrays.copyOf(values, cap * cols);
      }
    }
  }

  /** The time of the k-th member of a column counting back from time {@code t}, or MIN_VALUE. */
  private long nthMemberAtOrBefore(long t, int column, int k) {
    int cols = columnIds.length;
    int seen = 0;
    for (int i = upperBound(t) - 1; i >= 0; i--) {
      if (values[i * cols + column] != Column.ABSENT && ++seen == k) {
        return times[i];
      }
    }
    return Long.MIN_VALUE;
  }

  // ------------------------------------------------------------------ queries

  private double value(FeatureSpec f, long t, long exclude, long horizon) {
    int cols = columnIds.length;
    int c = f.column();
    int hi = upperBound(t);
    int lo;
    if (f.window() instanceof Window.Count cw) {
      long earliest = t - horizon + 1;
      int seen = 0;
      int i = hi - 1;
      while (i >= 0 && times[i] >= earliest) {
        if (values[i * cols + c] != Column.ABSENT && seqs[i] != exclude && ++seen == cw.events()) {
          break;
        }
        i--;
      }
      lo = seen == cw.events() ? i : i + 1;
    } else {
      lo = lowerBound(Window.start(f.window(), t));
    }
    return switch (f.aggregate()) {
      case COUNT -> {
        long n = 0;
        for (int i = lo; i < hi; i++) {
          if (values[i * cols + c] != Column.ABSENT && seqs[i] != exclude) {
            n++;
          }
        }
        yield n;
      }
      case SUM, AVG -> {
        double sum = 0;
        long n = 0;
        for (int i = lo; i < hi; i++) {
          long v = values[i * cols + c];
          if (v != Column.ABSENT && v != Column.MISSING && seqs[i] != exclude) {
            sum += Double.longBitsToDouble(v);
            n++;
          }
        }
        yield f.aggregate() == Aggregate.SUM ? sum : n == 0 ? Double.NaN : sum / n;
      }
      case MIN, MAX -> {
        double m = Double.NaN;
        boolean min = f.aggregate() == Aggregate.MIN;
        for (int i = lo; i < hi; i++) {
          long v = values[i * cols + c];
          if (v != Column.ABSENT && v != Column.MISSING && seqs[i] != exclude) {
            double d = Double.longBitsToDouble(v);
            m = Double.isNaN(m) ? d : min ? Math.min(m, d) : Math.max(m, d);
          }
        }
        yield m;
      }
      case FIRST -> {
        for (int i = lo; i < hi; i++) {
          long v = values[i * cols + c];
          if (v != Column.ABSENT && v != Column.MISSING && seqs[i] != exclude) {
            yield Double.longBitsToDouble(v);
          }
        }
        yield Double.NaN;
      }
      case LAST -> {
        for (int i = hi - 1; i >= lo; i--) {
          long v = values[i * cols + c];
          if (v != Column.ABSENT && v != Column.MISSING && seqs[i] != exclude) {
            yield Double.longBitsToDouble(v);
          }
        }
        yield Double.NaN;
      }
      case DISTINCT_COUNT -> {
        long[] seen = new long[Math.max(0, hi - lo)];
        int n = 0;
        for (int i = lo; i < hi; i++) {
          long v = values[i * cols + c];
          if (v != Column.ABSENT && v != Column.MISSING && seqs[i] != exclude) {
            seen[n++] = v;
          }
        }
        Arrays.sort(seen, 0, n);
        long distinct = 0;
        for (int i = 0; i < n; i++) {
          if (i == 0 || seen[i] != seen[i - 1]) {
            distinct++;
          }
        }
        yield distinct;
      }
    };
  }
}
