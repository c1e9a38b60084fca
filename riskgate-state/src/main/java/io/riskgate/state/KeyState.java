package io.riskgate.state;

import java.util.Arrays;
import java.util.Optional;

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
  /** Events per chunk before it splits. */
  static final int CHUNK = 32;
  /** Records with more events than this keep an id set for finding repeats. */
  private static final int ID_SET_FROM = 64;

  /** The newest event time applied, or {@link Long#MIN_VALUE} for an empty history. */
  long watermark = NONE;
  /** The arrival number of the next applied event. */
  long nextSeq;
  /** The sequence number of the last {@link StateLog} entry applied, 0 for none. */
  long logSeq;

  // ------------------------------------------------------------------ pages
  // A big record keeps its oldest events, those no event the lateness admits can be inserted
  // before, in pages stored under their own keys: a checkpoint then writes the new events and new
  // pages only, not the whole record. Positions count every event the record ever held in order,
  // evicted ones included, so that a page's range never moves.

  /** A stored (or to be stored) run of the oldest events, at absolute positions [start, end). */
  static final class Page {
    final long id;
    final long start;
    final long end;
    final long lastTime;
    boolean stored;

    Page(long id, long start, long end, long lastTime, boolean stored) {
      this.id = id;
      this.start = start;
      this.end = end;
      this.lastTime = lastTime;
      this.stored = stored;
    }
  }

  /** How many events were ever dropped from the front: the absolute position of the first held event. */
  long evictedTotal;
  final java.util.ArrayList<Page> pages = new java.util.ArrayList<>(0);
  /** Ids of stored pages no longer referenced, to delete with the next write of the record. */
  final java.util.ArrayList<Long> deadPages = new java.util.ArrayList<>(0);
  long nextPageId = 1;
  /** The allowed lateness of the last event applied, -1 before any: what {@link #seal} may rely on. */
  long appliedLateness = -1;

  /** The absolute position after the last paged event. */
  long pagedEnd() {
    return pages.isEmpty() ? evictedTotal : Math.max(evictedTotal, pages.get(pages.size() - 1).end);
  }

  /** Forgets every page (the events they hold stay in memory and are written inline again). */
  private void unpage() {
    for (Page p : pages) {
      if (p.stored) {
        deadPages.add(p.id);
      }
    }
    pages.clear();
  }

  /**
   * Puts the oldest events that nothing can be inserted before any more into new pages of
   * {@code pageEvents} events, when at least one whole page is there to seal.
   *
   * @param lateness the allowed lateness of the record's dimension
   */
  void seal(long lateness, int pageEvents) {
    if (watermark == NONE || size < 2 * pageEvents) {
      return;
    }
    long frozenBefore = watermark - lateness; // an admitted event is at or after this time, after its equals
    long from = pagedEnd();
    int index = (int) (from - evictedTotal);
    while (size - index >= pageEvents) {
      long lastTime = timeAt(index + pageEvents - 1);
      if (lastTime > frozenBefore) {
        return;
      }
      pages.add(new Page(nextPageId++, evictedTotal + index, evictedTotal + index + pageEvents, lastTime, false));
      index += pageEvents;
    }
  }

  /** The time of the i-th held event. */
  long timeAt(int i) {
    for (int k = 0; k < nchunks; k++) {
      if (i < chunks[k].size) {
        return chunks[k].times[i];
      }
      i -= chunks[k].size;
    }
    throw new IndexOutOfBoundsException();
  }
  long[] columnIds;
  byte[] columnKinds;
  int size;
  Chunk[] chunks = new Chunk[1];
  int nchunks;
  private final int chunkCapacity;
  private IdSet idSet;
  /**
   * For distinct counts over time windows of large records: the distinct values of the window last
   * asked for, moved at each query by the events entering and leaving it. Not stored.
   */
  private DimensionSpec cursorSpec;
  private Cursor[] cursors;
  /** Records smaller than this compute distinct counts by scanning. */
  static final int CURSOR_FROM = 64;

  /** The values of one column in the time range [lo, hi], counted. */
  /** The accumulator of the queries of this thread: one at a time, its buffers reused. */
  private static final ThreadLocal<Acc> ACC = ThreadLocal.withInitial(Acc::new);

  private static Acc acc() {
    return ACC.get();
  }

  private static final class Cursor {
    final int column;
    long lo;
    long hi;
    boolean empty = true;
    Multiset set = new Multiset();

    Cursor(int column) {
      this.column = column;
    }

    boolean covers(long t) {
      return !empty && lo <= t && t <= hi;
    }
  }

  private KeyState(long[] columnIds, byte[] columnKinds, int chunkCapacity) {
    this.columnIds = columnIds;
    this.columnKinds = columnKinds;
    this.chunkCapacity = chunkCapacity;
  }

  /** An empty record. */
  public static KeyState empty() {
    return new KeyState(new long[0], new byte[0], CHUNK);
  }

  /** An empty record with small chunks, to exercise chunk boundaries in tests. */
  static KeyState empty(int chunkCapacity) {
    return new KeyState(new long[0], new byte[0], chunkCapacity);
  }

  static KeyState restore(long watermark, long nextSeq, long logSeq, long[] columnIds, byte[] kinds) {
    KeyState s = new KeyState(columnIds, kinds, CHUNK);
    s.watermark = watermark;
    s.nextSeq = nextSeq;
    s.logSeq = logSeq;
    return s;
  }

  /** Appends an event read from storage, in order; call {@link #restored()} after the last. */
  void restoreEntry(long t, long seq, long id, byte[] label, long[] vals) {
    Chunk last = nchunks == 0 ? null : chunks[nchunks - 1];
    if (last == null || last.size >= chunkCapacity) {
      last = addChunk(nchunks);
    }
    last.insertAt(last.size, t, seq, id, label, vals);
    size++;
  }

  void restored() {
    treeStale = true;
    for (int k = 0; k < nchunks; k++) {
      chunks[k].recompute();
    }
    rebuildIds();
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
    return apply(spec, event, out, NO_MATCHES);
  }

  private static final String[][] NO_MATCHES = new String[0][];
  /**
   * The deadlines of the matches of patterns ending with an absence that the last applied event
   * may begin, {@code deadlines[0..deadlineCount)}: the times to look at the key again if it goes
   * quiet. Not stored.
   */
  long[] deadlines = new long[0];
  int deadlineCount;
  /** The time of the last timer set for this record while in memory (not stored). */
  long lastTimer = Long.MIN_VALUE;
  private static final String[] NONE_MATCHED = new String[0];

  /**
   * As {@link #apply(DimensionSpec, EventInput, double[])}, and gives for each pattern p of the
   * dimension, in {@code matched[p]}, the labels of the events of the match that fired at the event
   * in order (the event's own last), or an empty array when none fired. A repeated event gets
   * empty arrays: its outcome says whether a match fired at the original, not which events it took.
   *
   * @param matched one slot per pattern of {@code spec}, or fewer to leave the rest unfilled
   */
  public Outcome apply(DimensionSpec spec, EventInput event, double[] out, String[][] matched) {
    for (int p = 0; p < matched.length; p++) {
      matched[p] = NONE_MATCHED;
    }
    deadlineCount = 0;
    conform(spec);
    long t = event.time();
    long lateness = spec.latenessMillis();
    appliedLateness = lateness;
    int nf = spec.features().size();
    int np = spec.patterns().size();
    if (watermark != NONE && t < watermark - lateness) {
      Arrays.fill(out, 0, nf + np, Double.NaN);
      return Outcome.LATE;
    }
    Outcome outcome;
    long selfTime = NONE;
    long selfSeq = NONE;
    if (holds(event.idHash())) {
      outcome = Outcome.DUPLICATE;
      long[] found = locate(event.idHash());
      selfTime = found[0];
      selfSeq = found[1];
      for (int p = 0; p < np; p++) {
        // as for the original: whether a match fired at it
        out[nf + p] = valueAt(selfTime, selfSeq, spec.patterns().get(p).firedColumn()) != Column.ABSENT ? 1 : 0;
      }
    } else if (event.counted()) {
      outcome = Outcome.APPLIED;
      selfTime = t;
      selfSeq = nextSeq;
      long[] vals = event.values();
      boolean tick = np > 0 && PatternFeature.isTick(spec, event);
      if (np > 0) {
        // before the event is inserted: the matcher sees the key's events as they were, then it
        vals = vals.clone();
        for (int p = 0; p < np; p++) {
          PatternFeature pf = spec.patterns().get(p);
          if (tick) {
            // a tick logged under an earlier version is one for the patterns added since too
            vals[pf.maskColumn()] = PatternFeature.TICK;
          }
          long mask = storedMask(vals[pf.maskColumn()]);
          long end = patternFires(spec, p, t, mask, event.label(), matched, tick);
          vals[pf.firedColumn()] = end == NONE ? Column.ABSENT : Column.whole(end);
          out[nf + p] = end == NONE ? 0 : 1;
          PatternMatcher matcher = spec.matcher(p);
          if (matcher.endsWithAbsence() && matcher.mayStartAt(mask)) {
            // a match may begin here: its deadline must come even if the key goes quiet
            if (deadlineCount == deadlines.length) {
              deadlines = Arrays.copyOf(deadlines, Math.max(2, deadlineCount * 2));
            }
            deadlines[deadlineCount++] = t + pf.spec().withinMillis();
          }
        }
      }
      if (tick) {
        reserved = null; // the tick records what the timer handed out
        reservedLabels = null;
      }
      insert(t, nextSeq++, event.idHash(),
          event.label().isEmpty() ? null : event.label().getBytes(java.nio.charset.StandardCharsets.UTF_8), vals);
      if (t > watermark && !tick) {
        // a tick is no event of the key: the lateness of the key's events is not its business
        watermark = t;
      }
      evict(spec);
    } else {
      outcome = Outcome.NOT_COUNTED;
      Arrays.fill(out, nf, nf + np, 0);
    }
    long horizon = spec.countHorizonMillis();
    for (int i = 0; i < spec.features().size(); i++) {
      FeatureSpec f = spec.features().get(i);
      if (spec != cursorSpec) {
        cursorSpec = spec;
        cursors = null;
      }
      out[i] = f.includeCurrent() ? value(f, i, t, NONE, NONE, horizon) : value(f, i, t, selfTime, selfSeq, horizon);
    }
    return outcome;
  }

  // ------------------------------------------------------------------ columns

  /**
   * Re-lays the record for the dimension's columns: kept columns keep their values, new ones start
   * empty. Chunks keep summaries only for a dimension with features (a pattern's records have none).
   */
  void conform(DimensionSpec spec) {
    if (spec == conformed) {
      return;
    }
    reserved = null; // by pattern index, which a new version may change: its timer looks again
    reservedLabels = null;
    relayFor(spec);
    conformed = spec;
    boolean want = !spec.features().isEmpty();
    boolean[] read = new boolean[spec.columns().size()];
    for (FeatureSpec f : spec.features()) {
      read[f.column()] = true;
    }
    if (want != summaries || !Arrays.equals(read, readColumns)) {
      summaries = want;
      readColumns = read;
      treeStale = true;
      for (int k = 0; k < nchunks; k++) {
        chunks[k].summaryFrom = summaryFrom();
        chunks[k].read = read;
        chunks[k].recompute();
      }
    }
  }

  /** The columns the dimension's features read: only theirs are summarized. */
  private boolean[] readColumns;

  /** The dimension the record was last laid out for. */
  private DimensionSpec conformed;
  /** Whether chunks keep per-column summaries: only records that features read need them. */
  private boolean summaries;

  private int summaryFrom() {
    return summaries ? Math.max(1, Math.min(8, chunkCapacity / 4)) : Integer.MAX_VALUE;
  }

  private void relayFor(DimensionSpec spec) {
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
    cursors = null;
    cursorSpec = null;
    unpage(); // the events are rewritten in the new columns, some may go
    Chunk[] old = chunks;
    int oldCount = nchunks;
    chunks = new Chunk[1];
    nchunks = 0;
    size = 0;
    byte[] oldKinds = columnKinds;
    columnIds = newIds;
    columnKinds = newKinds;
    long[] vals = new long[n];
    boolean[] newMask = new boolean[n];
    for (PatternFeature p : spec.patterns()) {
      newMask[p.maskColumn()] = from[p.maskColumn()] < 0;
    }
    for (int k = 0; k < oldCount; k++) {
      Chunk ch = old[k];
      for (int i = 0; i < ch.size; i++) {
        boolean any = false;
        boolean tick = false;
        for (int o = 0; o < ch.cols; o++) {
          tick |= oldKinds[o] == Column.Kind.LONG.ordinal() && ch.value(i, o) == PatternFeature.TICK;
        }
        for (int c = 0; c < n; c++) {
          // a timer's tick stays one in a new pattern's mask column
          vals[c] = from[c] < 0 ? (tick && newMask[c] ? PatternFeature.TICK : Column.ABSENT) : ch.value(i, from[c]);
          any |= vals[c] != Column.ABSENT;
        }
        if (any) {
          restoreEntry(ch.times[i], ch.seqs[i], ch.ids[i], ch.labelBytes(i), vals);
        }
      }
    }
    restored();
  }

  // ------------------------------------------------------------------ entries

  private Chunk addChunk(int at) {
    if (nchunks == chunks.length) {
      chunks = Arrays.copyOf(chunks, Math.max(4, nchunks * 2));
    }
    System.arraycopy(chunks, at, chunks, at + 1, nchunks - at);
    Chunk c = new Chunk(columnIds.length, Math.min(chunkCapacity, 2), summaryFrom());
    c.read = readColumns != null && readColumns.length == columnIds.length ? readColumns : null;
    chunks[at] = c;
    nchunks++;
    return c;
  }

  /** The index of the last chunk whose first time is <= t, or 0. */
  private int chunkFor(long t) {
    int lo = 0;
    int hi = nchunks - 1;
    int found = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (chunks[mid].firstTime() <= t) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The index of the first chunk whose last time is >= t, or nchunks. */
  private int firstEndingAtOrAfter(long t) {
    int lo = 0;
    int hi = nchunks;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (chunks[mid].lastTime() < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private boolean holds(long idHash) {
    if (idSet != null) {
      return idSet.contains(idHash);
    }
    for (int k = 0; k < nchunks; k++) {
      Chunk ch = chunks[k];
      for (int i = 0; i < ch.size; i++) {
        if (ch.ids[i] == idHash) {
          return true;
        }
      }
    }
    return false;
  }

  /** The time and arrival number of the held event with this id. */
  private long[] locate(long idHash) {
    for (int k = nchunks - 1; k >= 0; k--) {
      Chunk ch = chunks[k];
      for (int i = ch.size - 1; i >= 0; i--) {
        if (ch.ids[i] == idHash) {
          return new long[] {ch.times[i], ch.seqs[i]};
        }
      }
    }
    throw new IllegalStateException("id set and events disagree");
  }

  private void rebuildIds() {
    if (size < ID_SET_FROM) {
      idSet = null;
      return;
    }
    idSet = new IdSet();
    for (int k = 0; k < nchunks; k++) {
      Chunk ch = chunks[k];
      for (int i = 0; i < ch.size; i++) {
        idSet.add(ch.ids[i]);
      }
    }
  }

  private void insert(long t, long seq, long idHash, byte[] label, long[] vals) {
    if (!pages.isEmpty() && t < pages.get(pages.size() - 1).lastTime) {
      unpage(); // only when the lateness grew since the pages were made
    }
    int cols = columnIds.length;
    if (vals.length != cols) {
      throw new IllegalArgumentException("the event has " + vals.length + " column values, the dimension " + cols);
    }
    if (nchunks == 0) {
      addChunk(0);
    }
    int k = chunkFor(t);
    Chunk ch = chunks[k];
    if (ch.size >= chunkCapacity) {
      Chunk upper = ch.splitUpper();
      addChunk(k + 1);
      chunks[k + 1] = upper;
      if (tree != null && !treeStale && k + 2 == nchunks && tree.fits(treeBase + k + 1)) {
        tree.update(treeBase + k + 1, upper);
        tree.update(treeBase + k, ch);
      } else {
        treeStale = true;
      }
      if (upper.size > 0 && upper.firstTime() <= t) {
        k++;
        ch = upper;
      }
    }
    ch.insertAt(ch.upperBound(t), t, seq, idHash, label, vals);
    ch.recompute();
    chunkChanged(k);
    size++;
    if (cursors != null) {
      for (Cursor cur : cursors) {
        if (cur != null && cur.covers(t)) {
          long v = vals[cur.column];
          if (v != Column.ABSENT && v != Column.MISSING) {
            cur.set.add(v);
          }
        }
      }
    }
    if (idSet != null) {
      idSet.add(idHash);
    } else if (size >= ID_SET_FROM) {
      rebuildIds();
    }
  }

  /** Drops the events that no window can see for any event the lateness still admits. */
  private void evict(DimensionSpec spec) {
    long base = watermark - spec.latenessMillis();
    long keep = Long.MAX_VALUE;
    long horizon = spec.countHorizonMillis();
    for (FeatureSpec f : spec.features()) {
      long k = switch (f.window()) {
        case Window.Count c -> Math.max(nthMemberAtOrBefore(base, f.column(), c.events() + 1), base - horizon + 1);
        default -> Window.start(f.window(), base);
      };
      keep = Math.min(keep, k);
    }
    if (!spec.patterns().isEmpty()) {
      keep = Math.min(keep, base - DimensionSpec.patternSpan(spec.patterns()) + 1);
    }
    if (nchunks == 0 || chunks[0].firstTime() >= keep) {
      return;
    }
    int before = size;
    if (cursors != null) {
      for (Cursor cur : cursors) {
        if (cur != null && !cur.empty && cur.lo < keep) {
          if (cur.hi < keep) {
            cur.empty = true;
          } else {
            visit(cur, cur.lo, keep - 1, false);
            cur.lo = keep;
          }
        }
      }
    }
    int drop = 0;
    while (drop < nchunks && chunks[drop].lastTime() < keep) {
      forget(chunks[drop], 0, chunks[drop].size);
      size -= chunks[drop].size;
      drop++;
    }
    if (drop > 0) {
      System.arraycopy(chunks, drop, chunks, 0, nchunks - drop);
      Arrays.fill(chunks, nchunks - drop, nchunks, null);
      nchunks -= drop;
      if (tree != null && !treeStale) {
        // the tree's leaves stay where they are: empty the dropped ones and move the base
        for (int j = 0; j < drop; j++) {
          tree.clear(treeBase + j);
        }
        treeBase += drop;
      }
    }
    if (nchunks > 0) {
      Chunk first = chunks[0];
      int cut = first.lowerBound(keep);
      if (cut > 0) {
        forget(first, 0, cut);
        first.dropFirst(cut);
        first.recompute();
        chunkChanged(0);
        size -= cut;
      }
    }
    if (idSet != null && size < ID_SET_FROM / 2) {
      rebuildIds();
    }
    evictedTotal += before - size;
    while (!pages.isEmpty() && pages.get(0).end <= evictedTotal) {
      Page gone = pages.remove(0);
      if (gone.stored) {
        deadPages.add(gone.id);
      }
    }
    if (!pages.isEmpty() && !pages.get(0).stored && pages.get(0).start < evictedTotal) {
      unpage(); // a page never stored lost events from its front: its events go inline again
    }
  }

  private void forget(Chunk ch, int from, int to) {
    if (idSet != null) {
      for (int i = from; i < to; i++) {
        idSet.remove(ch.ids[i]);
      }
    }
  }

  /** The time of the k-th member of a column counting back from time {@code t}, or MIN_VALUE. */
  private long nthMemberAtOrBefore(long t, int column, int k) {
    int seen = 0;
    for (int j = nchunks - 1; j >= 0; j--) {
      Chunk ch = chunks[j];
      if (ch.firstTime() > t) {
        continue;
      }
      if (ch.summarized() && ch.lastTime() <= t && seen + ch.members[column] < k) {
        seen += (int) ch.members[column];
        continue;
      }
      for (int i = ch.upperBound(t) - 1; i >= 0; i--) {
        if (ch.value(i, column) != Column.ABSENT && ++seen == k) {
          return ch.times[i];
        }
      }
    }
    return Long.MIN_VALUE;
  }

  // ------------------------------------------------------------------ queries

  /** Accumulates an aggregate over events visited in order, or in reverse order. */
  private static final class Acc {
    long members;
    long valued;
    double sum;
    double min = Double.NaN;
    double max = Double.NaN;
    double first = Double.NaN;
    double last = Double.NaN;
    long[] hashes;
    int nhashes;

    boolean reverse;
    boolean distinct;

    /** Starts a new aggregate, keeping the buffers. */
    Acc reset(boolean reverse, boolean distinct) {
      this.reverse = reverse;
      this.distinct = distinct;
      members = 0;
      valued = 0;
      sum = 0;
      min = Double.NaN;
      max = Double.NaN;
      first = Double.NaN;
      last = Double.NaN;
      nhashes = 0;
      if (distinct && hashes == null) {
        hashes = new long[16];
      }
      return this;
    }

    void add(long v) {
      members++;
      if (v == Column.MISSING) {
        return;
      }
      if (distinct) {
        if (nhashes == hashes.length) {
          hashes = Arrays.copyOf(hashes, nhashes * 2);
        }
        hashes[nhashes++] = v;
        return;
      }
      double d = Double.longBitsToDouble(v);
      sum += d;
      min = valued == 0 ? d : Math.min(min, d);
      max = valued == 0 ? d : Math.max(max, d);
      if (reverse) {
        if (valued == 0) {
          last = d;
        }
        first = d;
      } else {
        if (valued == 0) {
          first = d;
        }
        last = d;
      }
      valued++;
    }

    void addChunk(Chunk ch, int c) {
      addSummary(ch.members[c], ch.valued[c], ch.sum[c], ch.min[c], ch.max[c], ch.first[c], ch.last[c]);
    }

    void addNode(SummaryTree tr, int at, int c) {
      int i = at + c;
      addSummary(tr.members[i], tr.valued[i], tr.sum[i], tr.min[i], tr.max[i], tr.first[i], tr.last[i]);
    }

    /** Adds a run of events by its summary, in the accumulator's direction. */
    private void addSummary(long runMembers, long n, double runSum, double runMin, double runMax, double runFirst, double runLast) {
      members += runMembers;
      if (n == 0) {
        return;
      }
      sum += runSum;
      min = valued == 0 ? runMin : Math.min(min, runMin);
      max = valued == 0 ? runMax : Math.max(max, runMax);
      if (reverse) {
        if (valued == 0) {
          last = runLast;
        }
        first = runFirst;
      } else {
        if (valued == 0) {
          first = runFirst;
        }
        last = runLast;
      }
      valued += n;
    }

    double result(Aggregate a) {
      return switch (a) {
        case COUNT -> members;
        case SUM -> sum;
        case AVG -> valued == 0 ? Double.NaN : sum / valued;
        case MIN -> min;
        case MAX -> max;
        case FIRST -> first;
        case LAST -> last;
        case DISTINCT_COUNT -> {
          Arrays.sort(hashes, 0, nhashes);
          long distinct = 0;
          for (int i = 0; i < nhashes; i++) {
            if (i == 0 || hashes[i] != hashes[i - 1]) {
              distinct++;
            }
          }
          yield distinct;
        }
      };
    }
  }

  /**
   * A feature's value as of {@code t}, leaving out the event ({@code exTime}, {@code exSeq}) when
   * given (NONE otherwise).
   */
  private double value(FeatureSpec f, long t, long exTime, long exSeq, long horizon) {
    return value(f, -1, t, exTime, exSeq, horizon);
  }

  private double value(FeatureSpec f, int featureIndex, long t, long exTime, long exSeq, long horizon) {
    int c = f.column();
    boolean distinct = f.aggregate() == Aggregate.DISTINCT_COUNT;
    if (f.window() instanceof Window.Count cw) {
      return countWindow(f, cw.events(), c, t, exTime, exSeq, horizon);
    }
    long low = Window.start(f.window(), t);
    if (distinct && size >= CURSOR_FROM && featureIndex >= 0) {
      return distinctByCursor(featureIndex, c, low, t, exTime, exSeq);
    }
    Acc acc = acc().reset(false, distinct);
    SummaryTree tr = distinct ? null : tree();
    if (tr == null) {
      for (int k = firstEndingAtOrAfter(low); k < nchunks; k++) {
        Chunk ch = chunks[k];
        if (ch.firstTime() > t) {
          break;
        }
        if (!distinct && ch.summarized() && ch.firstTime() >= low && ch.lastTime() <= t && !holdsTime(ch, exTime, exSeq)) {
          acc.addChunk(ch, c);
        } else {
          scan(ch, low, t, c, exSeq, acc);
        }
      }
      return acc.result(f.aggregate());
    }
    // whole chunks [from, to] through the tree; partial chunks at the edges, and those that may
    // hold the excluded event, event by event; all in time order
    int a = firstEndingAtOrAfter(low);
    int b = lastStartingAtOrBefore(t);
    if (a > b) {
      return acc.result(f.aggregate());
    }
    int from = a;
    int to = b;
    if (chunks[a].firstTime() < low) {
      scan(chunks[a], low, t, c, exSeq, acc);
      from++;
    }
    boolean rightPartial = to >= from && chunks[to].lastTime() > t;
    if (rightPartial) {
      to--;
    }
    if (from <= to) {
      int x1 = to + 1;
      int x2 = to;
      if (exSeq != NONE) {
        x1 = Math.max(from, firstEndingAtOrAfter(exTime));
        x2 = Math.min(to, lastStartingAtOrBefore(exTime));
      }
      if (x1 > x2) {
        tr.cover(treeBase + from, treeBase + to, at -> acc.addNode(tr, at, c));
      } else {
        if (from <= x1 - 1) {
          tr.cover(treeBase + from, treeBase + x1 - 1, at -> acc.addNode(tr, at, c));
        }
        for (int k = x1; k <= x2; k++) {
          scan(chunks[k], low, t, c, exSeq, acc);
        }
        if (x2 + 1 <= to) {
          tr.cover(treeBase + x2 + 1, treeBase + to, at -> acc.addNode(tr, at, c));
        }
      }
    }
    if (rightPartial) {
      scan(chunks[b], low, t, c, exSeq, acc);
    }
    return acc.result(f.aggregate());
  }

  /** Adds the events of a chunk with a time in [low, t], but the excluded one. */
  private static void scan(Chunk ch, long low, long t, int c, long exSeq, Acc acc) {
    int end = ch.upperBound(t);
    for (int i = ch.lowerBound(low); i < end; i++) {
      long v = ch.value(i, c);
      if (v != Column.ABSENT && ch.seqs[i] != exSeq) {
        acc.add(v);
      }
    }
  }

  /** Whether a chunk's time range covers the excluded event (which it may then hold). */
  private static boolean holdsTime(Chunk ch, long exTime, long exSeq) {
    return exSeq != NONE && exTime >= ch.firstTime() && exTime <= ch.lastTime();
  }

  /** The index of the last chunk whose first time is <= t, or -1. */
  private int lastStartingAtOrBefore(long t) {
    int lo = 0;
    int hi = nchunks;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (chunks[mid].firstTime() <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo - 1;
  }

  /** Records of at least this many chunks keep a summary tree. */
  static final int TREE_FROM = 8;
  private SummaryTree tree;
  private boolean treeStale = true;
  /** The leaf of chunk 0: chunks dropped from the front leave their (emptied) leaves behind. */
  private int treeBase;

  /** The summary tree, rebuilt if chunks were added or dropped; null for records of few chunks. */
  private SummaryTree tree() {
    if (nchunks < TREE_FROM) {
      tree = null;
      return null;
    }
    if (tree == null || treeStale || !tree.fits(treeBase + nchunks - 1)) {
      tree = SummaryTree.build(tree, chunks, nchunks, columnIds.length);
      treeBase = 0;
      treeStale = false;
    }
    return tree;
  }

  /** Keeps the tree in step with a change of chunk k's events (not of the chunk list). */
  private void chunkChanged(int k) {
    if (tree != null && !treeStale) {
      tree.update(treeBase + k, chunks[k]);
    }
  }

  private double distinctByCursor(int featureIndex, int c, long low, long t, long exTime, long exSeq) {
    if (cursors == null) {
      cursors = new Cursor[cursorSpec.features().size() * 2];
    }
    // two windows per feature: one follows the newest events, the other serves events that
    // arrive out of order, so that those do not drag the first back and forth; each query moves
    // the one closer to it
    int i = featureIndex * 2;
    if (cursors[i] == null) {
      cursors[i] = new Cursor(c);
      cursors[i + 1] = new Cursor(c);
    }
    Cursor front = cursors[i];
    Cursor back = cursors[i + 1];
    boolean useBack = back.empty ? !front.empty && t < front.hi : distance(back, low, t) < distance(front, low, t);
    Cursor cur = useBack ? back : front;
    if (cur.empty || low > cur.hi || t < cur.lo) {
      cur.set = new Multiset();
      visit(cur, low, t, true);
    } else {
      if (t > cur.hi) {
        visit(cur, cur.hi + 1, t, true);
      } else if (t < cur.hi) {
        visit(cur, t + 1, cur.hi, false);
      }
      if (low < cur.lo) {
        visit(cur, low, cur.lo - 1, true);
      } else if (low > cur.lo) {
        visit(cur, cur.lo, low - 1, false);
      }
    }
    cur.lo = low;
    cur.hi = t;
    cur.empty = false;
    long d = cur.set.distinct();
    if (exSeq != NONE && low <= exTime && exTime <= t) {
      long v = valueAt(exTime, exSeq, c);
      if (v != Column.ABSENT && v != Column.MISSING && cur.set.count(v) == 1) {
        d--;
      }
    }
    return d;
  }

  /** How far a cursor's window is from [low, t], in time; empty ones are farthest. */
  private static long distance(Cursor cur, long low, long t) {
    if (cur.empty) {
      return Long.MAX_VALUE;
    }
    long d = Math.abs(t - cur.hi) + Math.abs(low - cur.lo);
    return d < 0 ? Long.MAX_VALUE - 1 : d;
  }

  /** Adds (or removes) the column values of the events with a time in [from, to] to a cursor. */
  private void visit(Cursor cur, long from, long to, boolean add) {
    if (from > to) {
      return;
    }
    for (int k = firstEndingAtOrAfter(from); k < nchunks; k++) {
      Chunk ch = chunks[k];
      if (ch.firstTime() > to) {
        break;
      }
      int end = ch.upperBound(to);
      for (int i = ch.lowerBound(from); i < end; i++) {
        long v = ch.value(i, cur.column);
        if (v != Column.ABSENT && v != Column.MISSING) {
          if (add) {
            cur.set.add(v);
          } else {
            cur.set.remove(v);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------ patterns

  /** The events a pattern looks at, reused by each thread. */
  private static final class PatternScratch {
    long[] times = new long[64];
    long[] masks = new long[64];
    /** The events' chunk and index, (chunk << 32 | index), to find their labels. */
    long[] where = new long[64];

    void grow() {
      times = Arrays.copyOf(times, times.length * 2);
      masks = Arrays.copyOf(masks, masks.length * 2);
      where = Arrays.copyOf(where, where.length * 2);
    }
  }

  private static final ThreadLocal<PatternScratch> PATTERN_SCRATCH = ThreadLocal.withInitial(PatternScratch::new);

  /** The predicate mask of a stored mask column value (events before the pattern existed, and ticks, match nothing). */
  private static long storedMask(long stored) {
    return stored == Column.ABSENT || stored == Column.MISSING || stored == PatternFeature.TICK ? 0 : stored;
  }

  /**
   * For a timer at time {@code t}: whether a match of a pattern ending with an absence fires at
   * {@code t}, as at an event of the key there that no step takes, and which. Nothing changes; the
   * timer's {@link PatternFeature#tick} then records the firing. A key with an event at or after
   * {@code t} has none: that event saw the deadlines.
   *
   * @param out receives per pattern p, in {@code out[p]}, 1 when a match fires, else 0
   * @param matched receives per pattern the labels of the match's events, or an empty array
   * @return whether some match fires
   */
  public boolean timeouts(DimensionSpec spec, long t, double[] out, String[][] matched) {
    conform(spec);
    boolean any = false;
    int np = spec.patterns().size();
    for (int p = 0; p < np; p++) {
      matched[p] = NONE_MATCHED;
      out[p] = 0;
      if (reserved != null && reserved[p] != NONE) {
        // found before and not handed out yet: the key's events since have left it to the timer
        out[p] = 1;
        matched[p] = reservedLabels[p];
        any = true;
      } else if (watermark != NONE && watermark < t && spec.matcher(p).endsWithAbsence()) {
        long end = patternFires(spec, p, t, 0, "", matched, false);
        if (end != NONE) {
          out[p] = 1;
          any = true;
          // until the tick records it, the key's own events must not fire it too
          if (reserved == null) {
            reserved = new long[np];
            Arrays.fill(reserved, NONE);
            reservedLabels = new String[np][];
          }
          reserved[p] = end;
          reservedLabels[p] = matched[p];
        }
      }
    }
    return any;
  }

  /** Forgets what {@link #timeouts} found, for a record whose dimension is gone. */
  public void release() {
    reserved = null;
    reservedLabels = null;
  }

  /**
   * Per pattern, the end of a match a timer found and has not recorded yet (it is being handed out,
   * or could not be), or NONE; null when none. The key's events see it as fired, and the timer
   * hands it out again until its tick records it. Not stored: a crash forgets it, and the timer
   * fires again.
   */
  private long[] reserved;
  /** The labels of the reserved matches' events. */
  private String[][] reservedLabels;

  /** Whether a timer is handing out a match of this record: it must stay in memory until it is recorded. */
  public boolean reserved() {
    return reserved != null;
  }

  /**
   * Whether a match of pattern p fires at a new event (time t, mask), not yet inserted: returns the
   * match's end, or NONE. The matcher sees the key's events of time <= t (the latest
   * {@link PatternFeature#MAX_EVENTS} back to the window's start) then the event; the last match
   * that fired is the latest end held in the fired column, among events later than the window's start.
   */
  private long patternFires(DimensionSpec spec, int p, long t, long selfMask, String selfLabel, String[][] matched, boolean tick) {
    PatternFeature pf = spec.patterns().get(p);
    if (!spec.matcher(p).mayFireAt(selfMask)) {
      return NONE;
    }
    long within = pf.spec().withinMillis();
    int mc = pf.maskColumn();
    int fc = pf.firedColumn();
    PatternMatcher matcher = spec.matcher(p);
    long from = NONE;
    if (!matcher.endsWithAbsence()) {
      // a match ends at the event: its window is enough (fired ends before it do not matter)
      from = t - within;
    } else if (!mayBeginBefore(matcher, mc, t, within)) {
      return NONE;
    }
    PatternScratch s = PATTERN_SCRATCH.get();
    // backwards from the last held event of time <= t
    int n = 0;
    long lastFired = Long.MIN_VALUE;
    int k = nchunks == 0 ? -1 : chunkFor(t);
    int i = k < 0 ? -1 : chunks[k].upperBound(t) - 1;
    while (k >= 0 && n < PatternFeature.MAX_EVENTS) {
      if (i < 0) {
        k--;
        i = k < 0 ? -1 : chunks[k].size - 1;
        continue;
      }
      Chunk ch = chunks[k];
      long time = ch.times[i];
      long stored = ch.value(i, mc);
      if (stored == PatternFeature.TICK) {
        // a timer's tick: not an event of the sequence, only where a match fired
        long fired = ch.value(i, fc);
        if (fired != Column.ABSENT) {
          lastFired = Math.max(lastFired, fired);
        }
        i--;
        continue;
      }
      if (from == NONE) {
        // back to the previous event's time less the window: a match ending with an absence may
        // have begun there, its deadline passed since (a superset of the window before t)
        from = time - within;
      } else if (time < from) {
        break;
      }
      if (n == s.times.length) {
        s.grow();
      }
      s.times[n] = time;
      s.masks[n] = storedMask(stored);
      s.where[n] = (long) k << 32 | i;
      long fired = ch.value(i, fc);
      if (fired != Column.ABSENT) {
        lastFired = Math.max(lastFired, fired);
      }
      n++;
      i--;
    }
    // events held with a later time (arrived before, out of order) may have fired since
    for (int kk = nchunks == 0 ? 0 : chunkFor(t); kk < nchunks; kk++) {
      Chunk ch = chunks[kk];
      for (int j = ch.upperBound(t); j < ch.size; j++) {
        long fired = ch.value(j, fc);
        if (fired != Column.ABSENT) {
          lastFired = Math.max(lastFired, fired);
        }
      }
    }
    if (!tick && reserved != null && reserved.length > p && reserved[p] != NONE) {
      lastFired = Math.max(lastFired, reserved[p]);
    }
    // oldest first, then the event
    for (int a = 0, b = n - 1; a < b; a++, b--) {
      long x = s.times[a];
      s.times[a] = s.times[b];
      s.times[b] = x;
      x = s.masks[a];
      s.masks[a] = s.masks[b];
      s.masks[b] = x;
      x = s.where[a];
      s.where[a] = s.where[b];
      s.where[b] = x;
    }
    if (n == s.times.length) {
      s.grow();
    }
    s.times[n] = t;
    s.masks[n] = selfMask;
    n++;
    Optional<PatternMatcher.Match> m = spec.matcher(p).firesAt(s.times, s.masks, n, lastFired);
    if (m.isEmpty()) {
      return NONE;
    }
    if (p < matched.length) {
      int[] events = m.get().events();
      String[] labels = new String[events.length];
      for (int e = 0; e < events.length; e++) {
        int at = events[e];
        labels[e] = at == n - 1 ? selfLabel : chunks[(int) (s.where[at] >>> 32)].label((int) s.where[at]);
      }
      matched[p] = labels;
    }
    return m.get().end();
  }

  /**
   * For a pattern ending with an absence: whether some held event may begin a match whose deadline
   * came after the key's previous event (of time <= t) and by t, i.e. of time in
   * (previous - within, t - within]. Most events of a busy key have none, and skip the matcher.
   */
  private boolean mayBeginBefore(PatternMatcher matcher, int mc, long t, long within) {
    int k = nchunks == 0 ? -1 : chunkFor(t);
    int i = k < 0 ? -1 : chunks[k].upperBound(t) - 1;
    while (k >= 0 && i < 0) {
      k--;
      i = k < 0 ? -1 : chunks[k].size - 1;
    }
    if (k < 0) {
      return false;
    }
    // a start in (previous - within, t - within]: its deadline came after the previous event, by t
    long lo = chunks[k].times[i] - within;
    long hi = t - within;
    for (int kk = firstEndingAtOrAfter(lo + 1); kk < nchunks; kk++) {
      Chunk ch = chunks[kk];
      for (int j = ch.upperBound(lo); j < ch.size; j++) {
        if (ch.times[j] > hi) {
          return false;
        }
        if (matcher.mayStartAt(storedMask(ch.value(j, mc)))) {
          return true;
        }
      }
    }
    return false;
  }

  /** The value in column c of the event (time, seq), ABSENT when not held. */
  private long valueAt(long time, long seq, int c) {
    for (int k = firstEndingAtOrAfter(time); k < nchunks; k++) {
      Chunk ch = chunks[k];
      if (ch.firstTime() > time) {
        break;
      }
      int end = ch.upperBound(time);
      for (int i = ch.lowerBound(time); i < end; i++) {
        if (ch.seqs[i] == seq) {
          return ch.value(i, c);
        }
      }
    }
    return Column.ABSENT;
  }

  private double countWindow(FeatureSpec f, int n, int c, long t, long exTime, long exSeq, long horizon) {
    long earliest = t - horizon + 1;
    boolean distinct = f.aggregate() == Aggregate.DISTINCT_COUNT;
    Acc acc = acc().reset(true, distinct);
    long need = n;
    for (int k = nchunks - 1; k >= 0 && need > 0; k--) {
      Chunk ch = chunks[k];
      if (ch.firstTime() > t) {
        continue;
      }
      if (ch.lastTime() < earliest) {
        break;
      }
      boolean whole = !distinct && ch.summarized() && ch.lastTime() <= t && ch.firstTime() >= earliest && ch.members[c] <= need
          && (exSeq == NONE || exTime < ch.firstTime() || exTime > ch.lastTime());
      if (whole) {
        acc.addChunk(ch, c);
        need -= ch.members[c];
        continue;
      }
      for (int i = ch.upperBound(t) - 1; i >= 0 && need > 0; i--) {
        if (ch.times[i] < earliest) {
          break;
        }
        long v = ch.value(i, c);
        if (v != Column.ABSENT && ch.seqs[i] != exSeq) {
          acc.add(v);
          need--;
        }
      }
    }
    return acc.result(f.aggregate());
  }
}
