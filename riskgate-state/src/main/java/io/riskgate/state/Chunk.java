package io.riskgate.state;

import java.util.Arrays;

/**
 * A run of consecutive events of a record, in (time, arrival) order, with per-column summaries
 * (members, values, sum, min, max, first and last value) so that a window covering the whole
 * chunk reads the summary instead of the events. Summaries are recomputed from the events after
 * every change, never adjusted by subtraction.
 */
final class Chunk {
  int size;
  long[] times;
  long[] seqs;
  long[] ids;
  /** size x columns, row-major. */
  long[] values;
  /**
   * The events' labels ({@link EventInput#label}) in UTF-8, as stored, null where none; the array is
   * null while no event has one.
   */
  byte[][] labels;
  final int cols;

  /** Chunks smaller than this keep no summary: reading their events is as cheap. */
  int summaryFrom;

  /** Per-column summaries; null while the chunk is smaller than {@link #summaryFrom}. */
  long[] members;
  long[] valued;
  double[] sum;
  double[] min;
  double[] max;
  double[] first;
  double[] last;

  /** The columns features read, whose summaries are kept; null for all. */
  boolean[] read;

  Chunk(int cols, int capacity, int summaryFrom) {
    this.cols = cols;
    this.summaryFrom = summaryFrom;
    times = new long[capacity];
    seqs = new long[capacity];
    ids = new long[capacity];
    values = new long[capacity * cols];
  }

  /** Whether the chunk has summaries to read instead of its events. */
  boolean summarized() {
    return members != null;
  }

  long firstTime() {
    return times[0];
  }

  long lastTime() {
    return times[size - 1];
  }

  int capacity() {
    return times.length;
  }

  long value(int i, int c) {
    return values[i * cols + c];
  }

  /** The first index in this chunk whose time is > t. */
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

  /** The first index in this chunk whose time is >= t. */
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

  void grow(int capacity) {
    times = Arrays.copyOf(times, capacity);
    seqs = Arrays.copyOf(seqs, capacity);
    ids = Arrays.copyOf(ids, capacity);
    values = Arrays.copyOf(values, capacity * cols);
    if (labels != null) {
      labels = Arrays.copyOf(labels, capacity);
    }
  }

  /** The label of event i, empty when it has none. */
  String label(int i) {
    return labels == null || labels[i] == null ? "" : new String(labels[i], java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The UTF-8 label of event i, null when it has none. */
  byte[] labelBytes(int i) {
    return labels == null ? null : labels[i];
  }

  private void setLabel(int i, byte[] label) {
    if (label != null && label.length > 0) {
      if (labels == null) {
        labels = new byte[capacity()][];
      }
      labels[i] = label;
    } else if (labels != null) {
      labels[i] = null;
    }
  }

  /** Inserts at an index; the caller makes room first and recomputes after. */
  void insertAt(int at, long t, long seq, long id, byte[] label, long[] vals) {
    if (size == capacity()) {
      grow(Math.max(4, capacity() * 2));
    }
    int move = size - at;
    if (move > 0) {
      System.arraycopy(times, at, times, at + 1, move);
      System.arraycopy(seqs, at, seqs, at + 1, move);
      System.arraycopy(ids, at, ids, at + 1, move);
      System.arraycopy(values, at * cols, values, (at + 1) * cols, move * cols);
      if (labels != null) {
        System.arraycopy(labels, at, labels, at + 1, move);
      }
    }
    times[at] = t;
    seqs[at] = seq;
    ids[at] = id;
    setLabel(at, label);
    System.arraycopy(vals, 0, values, at * cols, cols);
    size++;
  }

  /** Appends an entry copied from another chunk (no summary update). */
  void append(Chunk from, int i) {
    if (size == capacity()) {
      grow(Math.max(4, capacity() * 2));
    }
    times[size] = from.times[i];
    seqs[size] = from.seqs[i];
    ids[size] = from.ids[i];
    setLabel(size, from.labels == null ? null : from.labels[i]);
    System.arraycopy(from.values, i * cols, values, size * cols, cols);
    size++;
  }

  /** Drops the first n entries. */
  void dropFirst(int n) {
    int rest = size - n;
    System.arraycopy(times, n, times, 0, rest);
    System.arraycopy(seqs, n, seqs, 0, rest);
    System.arraycopy(ids, n, ids, 0, rest);
    System.arraycopy(values, n * cols, values, 0, rest * cols);
    if (labels != null) {
      System.arraycopy(labels, n, labels, 0, rest);
      Arrays.fill(labels, rest, size, null);
    }
    size = rest;
  }

  /** Splits off the upper half into a new chunk, returned. */
  Chunk splitUpper() {
    int keep = size / 2;
    Chunk upper = new Chunk(cols, capacity(), summaryFrom);
    upper.read = read;
    for (int i = keep; i < size; i++) {
      upper.append(this, i);
    }
    size = keep;
    recompute();
    upper.recompute();
    return upper;
  }

  void recompute() {
    if (size < summaryFrom) {
      members = null;
      return;
    }
    if (members == null) {
      members = new long[cols];
      valued = new long[cols];
      sum = new double[cols];
      min = new double[cols];
      max = new double[cols];
      first = new double[cols];
      last = new double[cols];
    }
    summarize(this, members, valued, sum, min, max, first, last, 0);
  }

  /**
   * Computes a chunk's per-column summaries from its events into arrays at an offset: members,
   * values, sum (event by event from 0), min, max, first and last value (NaN when no value).
   */
  static void summarize(Chunk ch, long[] members, long[] valued, double[] sum, double[] min, double[] max,
      double[] first, double[] last, int at) {
    for (int c = 0; c < ch.cols; c++) {
      if (ch.read != null && !ch.read[c]) {
        // no feature reads it (a pattern's column): an empty summary
        members[at + c] = 0;
        valued[at + c] = 0;
        sum[at + c] = 0;
        min[at + c] = Double.NaN;
        max[at + c] = Double.NaN;
        first[at + c] = Double.NaN;
        last[at + c] = Double.NaN;
        continue;
      }
      long m = 0;
      long n = 0;
      double s = 0;
      double lo = Double.NaN;
      double hi = Double.NaN;
      double f = Double.NaN;
      double l = Double.NaN;
      for (int i = 0; i < ch.size; i++) {
        long v = ch.values[i * ch.cols + c];
        if (v == Column.ABSENT) {
          continue;
        }
        m++;
        if (v == Column.MISSING) {
          continue;
        }
        double d = Double.longBitsToDouble(v);
        s += d;
        if (n++ == 0) {
          lo = d;
          hi = d;
          f = d;
        } else {
          lo = Math.min(lo, d);
          hi = Math.max(hi, d);
        }
        l = d;
      }
      members[at + c] = m;
      valued[at + c] = n;
      sum[at + c] = s;
      min[at + c] = lo;
      max[at + c] = hi;
      first[at + c] = f;
      last[at + c] = l;
    }
  }
}
