package io.riskgate.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary form of a {@link KeyState}, the same in every store (embedded, changelog topics).
 *
 * <p>Format 2, all integers as unsigned LEB128 varints unless noted, signed ones zigzag-encoded:
 * <pre>
 *   byte    format (2)
 *   varint  sequence number of the last {@link StateLog} entry applied (0: none)
 *   zigzag  newest event time
 *   varint  next arrival number
 *   varint  column count C; per column: 8 bytes id (big-endian), 1 byte kind
 *   varint  event count N; per event, in (time, arrival) order:
 *     zigzag  time minus the previous event's time (the first: minus 0)
 *     zigzag  arrival number minus the previous event's
 *     8 bytes id hash
 *     ceil(C/8) bytes: bit c set when column c counts the event
 *     per counted column: MEMBER nothing; NUMBER and HASH 8 bytes; LONG zigzag
 * </pre>
 * Format 1 is format 2 without the log sequence number (read as 0).
 *
 * <p>Format 3 is a big record whose oldest events are in pages, each stored under its own key (the
 * page prefix, the record's key, the page id) and written once. Events are in a page when no event
 * the allowed lateness admits can be inserted before them. After the columns come:
 * <pre>
 *   varint  absolute position of the first event held (events ever dropped from the front)
 *   varint  next page id
 *   varint  page count P; per page, oldest first: 8 bytes id, varint start and end (absolute
 *           positions, [start, end), each page starting where the one before ends), zigzag time
 *           of its last event
 *   varint  count and events as in format 2: those after the last page
 * </pre>
 * A page is the byte {@code 'P'}, then an event count and events as in format 2; the events of
 * the first page before the first held position are skipped when read.
 *
 * <p>Formats 4 and 5 are formats 2 and 3 for records that keep their events' labels (records with
 * patterns, {@link EventInput#label}): each event has, after its id hash, a varint length and that
 * many bytes of UTF-8 label (length 0: none). Their pages begin with {@code 'Q'} instead of
 * {@code 'P'}. Readers refuse unknown
 * formats, truncated input, trailing bytes, missing pages and inconsistent page lists with a
 * {@link StateFormatException}: a record is never half read.
 */
public final class KeyStateCodec {
  /** The format this version writes. */
  public static final int FORMAT = 2;

  private KeyStateCodec() {}

  private static final byte[] EMPTY = new byte[0];
  private static final int MEMBER = Column.Kind.MEMBER.ordinal();
  private static final int LONG = Column.Kind.LONG.ordinal();

  /** The format of a record whose oldest events are in pages. */
  static final int FORMAT_PAGED = 3;
  /** First byte of a page. */
  static final int PAGE_TAG = 'P';
  /** Formats 2 and 3 with labels. */
  static final int FORMAT_LABELLED = 4;
  static final int FORMAT_PAGED_LABELLED = 5;
  /** First byte of a page with labels. */
  static final int LABELLED_PAGE_TAG = 'Q';

  /**
   * The record's own value: all its events (format 2), or, when its oldest events are in pages,
   * the page list and the other events (format 3; the pages are written with {@link #encodePage}).
   */
  public static byte[] encode(KeyState s) {
    return encode(snapshot(s));
  }

  /** A page: a run of consecutive events, as in a record. */
  record PageCopy(long id, long start, long end, long lastTime, boolean stored) {}

  /**
   * A copy of what the stored form of a record needs, taken in one pass of array copies: the
   * events not yet in stored pages, and those of new pages. It is taken under the record's lock and
   * encoded after the lock is released.
   */
  static final class Snapshot {
    final long logSeq;
    final long watermark;
    final long nextSeq;
    final long[] columnIds;
    final byte[] columnKinds;
    final long evictedTotal;
    final long nextPageId;
    final List<PageCopy> pages;
    final List<Long> deadPages;
    /** The absolute position of the first copied event. */
    final long base;
    /** The absolute position of the first event written in the record itself. */
    final long inlineFrom;
    final int count;
    final long[] times;
    final long[] seqs;
    final long[] ids;
    /** count x columns, row-major. */
    final long[] values;
    /** The events' labels (null entries: none), or null when the record keeps none. */
    final byte[][] labels;

    private Snapshot(KeyState s) {
      int cols = s.columnIds.length;
      logSeq = s.logSeq;
      watermark = s.watermark;
      nextSeq = s.nextSeq;
      columnIds = s.columnIds.clone();
      columnKinds = s.columnKinds.clone();
      evictedTotal = s.evictedTotal;
      nextPageId = s.nextPageId;
      List<PageCopy> ps = new ArrayList<>(s.pages.size());
      long from = s.pagedEnd();
      for (KeyState.Page p : s.pages) {
        ps.add(new PageCopy(p.id, p.start, p.end, p.lastTime, p.stored));
        if (!p.stored) {
          from = Math.min(from, Math.max(p.start, s.evictedTotal));
        }
      }
      pages = ps.isEmpty() ? List.of() : List.copyOf(ps);
      deadPages = s.deadPages.isEmpty() ? List.of() : List.copyOf(s.deadPages);
      inlineFrom = s.pagedEnd();
      base = from;
      int skip = (int) (from - s.evictedTotal);
      count = s.size - skip;
      times = new long[count];
      seqs = new long[count];
      ids = new long[count];
      values = new long[count * cols];
      boolean labelled = false;
      for (int k = 0; k < s.nchunks && !labelled; k++) {
        labelled = s.chunks[k].labels != null;
      }
      labels = labelled ? new byte[count][] : null;
      int at = 0;
      int held = 0;
      for (int k = 0; k < s.nchunks; k++) {
        Chunk ch = s.chunks[k];
        int lo = Math.max(0, skip - held);
        if (lo < ch.size) {
          int n = ch.size - lo;
          System.arraycopy(ch.times, lo, times, at, n);
          System.arraycopy(ch.seqs, lo, seqs, at, n);
          System.arraycopy(ch.ids, lo, ids, at, n);
          System.arraycopy(ch.values, lo * cols, values, at * cols, n * cols);
          if (ch.labels != null) {
            System.arraycopy(ch.labels, lo, labels, at, n);
          }
          at += n;
        }
        held += ch.size;
      }
    }

    /** The pages of this copy to write: those not stored yet. */
    List<PageCopy> newPages() {
      if (pages.isEmpty()) {
        return List.of();
      }
      List<PageCopy> out = new ArrayList<>(2);
      for (PageCopy p : pages) {
        if (!p.stored()) {
          out.add(p);
        }
      }
      return out;
    }
  }

  static Snapshot snapshot(KeyState s) {
    return new Snapshot(s);
  }

  static byte[] encode(Snapshot s) {
    int cols = s.columnIds.length;
    int from = (int) (s.inlineFrom - s.base);
    int n = s.count - from;
    Out out = new Out(16 + cols * 9 + s.pages.size() * 24 + n * (12 + cols * 8));
    boolean labelled = s.labels != null;
    out.write(s.pages.isEmpty() ? (labelled ? FORMAT_LABELLED : FORMAT) : (labelled ? FORMAT_PAGED_LABELLED : FORMAT_PAGED));
    out.varint(s.logSeq);
    out.zigzag(s.watermark);
    out.varint(s.nextSeq);
    out.varint(cols);
    for (int c = 0; c < cols; c++) {
      out.fixed(s.columnIds[c]);
      out.write(s.columnKinds[c]);
    }
    if (!s.pages.isEmpty()) {
      out.varint(s.evictedTotal);
      out.varint(s.nextPageId);
      out.varint(s.pages.size());
      for (PageCopy p : s.pages) {
        out.fixed(p.id());
        out.varint(p.start());
        out.varint(p.end());
        out.zigzag(p.lastTime());
      }
    }
    out.varint(n);
    events(s, from, s.count, out);
    return out.toByteArray();
  }

  /** The stored value of a new page of a copy. */
  static byte[] encodePage(Snapshot s, PageCopy p) {
    int from = (int) (p.start() - s.base);
    int to = (int) (p.end() - s.base);
    Out out = new Out(8 + (to - from) * (12 + s.columnIds.length * 8));
    out.write(s.labels != null ? LABELLED_PAGE_TAG : PAGE_TAG);
    out.varint(to - from);
    events(s, from, to, out);
    return out.toByteArray();
  }

  private static void events(Snapshot s, int from, int to, Out out) {
    int cols = s.columnIds.length;
    long prevTime = 0;
    long prevSeq = 0;
    int maskBytes = (cols + 7) >>> 3;
    byte[] mask = new byte[maskBytes];
    for (int i = from; i < to; i++) {
      out.zigzag(s.times[i] - prevTime);
      out.zigzag(s.seqs[i] - prevSeq);
      prevTime = s.times[i];
      prevSeq = s.seqs[i];
      out.fixed(s.ids[i]);
      if (s.labels != null) {
        byte[] label = s.labels[i] == null ? EMPTY : s.labels[i];
        out.varint(label.length);
        out.write(label, 0, label.length);
      }
      Arrays.fill(mask, (byte) 0);
      int row = i * cols;
      for (int c = 0; c < cols; c++) {
        if (s.values[row + c] != Column.ABSENT) {
          mask[c >>> 3] |= (byte) (1 << (c & 7));
        }
      }
      out.write(mask, 0, maskBytes);
      for (int c = 0; c < cols; c++) {
        long v = s.values[row + c];
        if (v != Column.ABSENT) {
          if (s.columnKinds[c] == LONG) {
            out.zigzag(v);
          } else if (s.columnKinds[c] != MEMBER) {
            out.fixed(v);
          }
        }
      }
    }
  }

  /** Decodes a record that has no pages. */
  public static KeyState decode(byte[] bytes) {
    return decode(bytes, id -> {
      throw new StateFormatException("a paged state record needs its pages");
    });
  }

  /**
   * Decodes a record, reading its pages (format 3) through {@code pages}, by page id.
   *
   * @throws StateFormatException when a page is missing or malformed
   */
  static KeyState decode(byte[] bytes, java.util.function.LongFunction<byte[]> pages) {
    In in = new In(bytes);
    int format = in.read();
    if (format < 1 || format > FORMAT_PAGED_LABELLED) {
      throw new StateFormatException("unknown state record format " + format + " (this version reads 1 to " + FORMAT_PAGED_LABELLED + ")");
    }
    boolean labelled = format == FORMAT_LABELLED || format == FORMAT_PAGED_LABELLED;
    boolean paged = format == FORMAT_PAGED || format == FORMAT_PAGED_LABELLED;
    long logSeq = format == 1 ? 0 : in.varint();
    long watermark = in.zigzag();
    long nextSeq = in.varint();
    int cols = in.count(bytes.length);
    long[] ids = new long[cols];
    byte[] kinds = new byte[cols];
    for (int c = 0; c < cols; c++) {
      ids[c] = in.fixed();
      kinds[c] = (byte) in.read();
      if (kinds[c] < 0 || kinds[c] >= Column.Kind.values().length) {
        throw new StateFormatException("unknown column kind " + kinds[c]);
      }
    }
    KeyState s = KeyState.restore(watermark, nextSeq, logSeq, ids, kinds);
    long[] last = {Long.MIN_VALUE};
    if (paged) {
      s.evictedTotal = in.varint();
      s.nextPageId = in.varint();
      int np = in.count(bytes.length);
      long expected = -1;
      for (int i = 0; i < np; i++) {
        KeyState.Page p = new KeyState.Page(in.fixed(), in.varint(), in.varint(), in.zigzag(), true);
        if (p.end <= p.start || (expected >= 0 && p.start != expected) || p.end <= s.evictedTotal
            || (i == 0 && p.start > s.evictedTotal)) {
          throw new StateFormatException("inconsistent page list in a state record");
        }
        expected = p.end;
        s.pages.add(p);
        byte[] page = pages.apply(p.id);
        if (page == null) {
          throw new StateFormatException("page " + p.id + " of a state record is missing");
        }
        In pin = new In(page);
        int tag = pin.read();
        if (tag != PAGE_TAG && tag != LABELLED_PAGE_TAG) {
          throw new StateFormatException("not a state record page");
        }
        int n = pin.count(page.length);
        if (n != p.end - p.start) {
          throw new StateFormatException("a state record page holds " + n + " events, its record says " + (p.end - p.start));
        }
        events(s, pin, page, cols, kinds, n, (int) Math.max(0, s.evictedTotal - p.start), last, tag == LABELLED_PAGE_TAG);
        if (pin.pos != page.length) {
          throw new StateFormatException("trailing bytes after a state record page");
        }
      }
    }
    int n = in.count(bytes.length);
    events(s, in, bytes, cols, kinds, n, 0, last, labelled);
    s.restored();
    if (in.pos != bytes.length) {
      throw new StateFormatException((bytes.length - in.pos) + " trailing bytes after a state record");
    }
    return s;
  }

  /** Reads n events into the record, but the first {@code skip}; {@code last[0]} checks their order across calls. */
  private static void events(KeyState s, In in, byte[] bytes, int cols, byte[] kinds, int n, int skip, long[] last,
      boolean labelled) {
    long[] vals = new long[cols];
    long prevTime = 0;
    long prevSeq = 0;
    int maskBytes = (cols + 7) >>> 3;
    for (int i = 0; i < n; i++) {
      long t = prevTime + in.zigzag();
      long seq = prevSeq + in.zigzag();
      prevTime = t;
      prevSeq = seq;
      long id = in.fixed();
      byte[] label = null;
      if (labelled) {
        int length = in.count(bytes.length);
        if (length > EventInput.MAX_LABEL * 4) {
          throw new StateFormatException("implausible label length " + length + " in a state record");
        }
        int at = in.skip(length);
        label = length == 0 ? null : Arrays.copyOfRange(bytes, at, at + length);
      }
      int maskAt = in.skip(maskBytes);
      for (int c = 0; c < cols; c++) {
        boolean counted = (bytes[maskAt + (c >>> 3)] & (1 << (c & 7))) != 0;
        long v = Column.ABSENT;
        if (counted) {
          v = kinds[c] == MEMBER ? 0L : kinds[c] == LONG ? in.zigzag() : in.fixed();
          if (v == Column.ABSENT) {
            throw new StateFormatException("a counted column holds the absent marker");
          }
        }
        vals[c] = v;
      }
      if (i < skip) {
        continue;
      }
      if (t < last[0]) {
        throw new StateFormatException("events out of order in a state record");
      }
      last[0] = t;
      s.restoreEntry(t, seq, id, label, vals);
    }
  }

  /** The newest event time of a stored record, read without decoding its events: to expire idle keys. */
  public static long newestTime(byte[] bytes) {
    In in = new In(bytes);
    int format = in.read();
    if (format < 1 || format > FORMAT_PAGED_LABELLED) {
      throw new StateFormatException("unknown state record format " + format);
    }
    if (format != 1) {
      in.varint();
    }
    return in.zigzag();
  }

  /** A growable byte buffer with the writes the format needs. */
  private static final class Out {
    private byte[] buf;
    private int pos;

    Out(int size) {
      buf = new byte[Math.max(16, size)];
    }

    private void ensure(int n) {
      if (pos + n > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    void write(int b) {
      ensure(1);
      buf[pos++] = (byte) b;
    }

    void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, pos, len);
      pos += len;
    }

    void varint(long v) {
      if ((v & ~0x7FL) == 0 && pos < buf.length) {
        buf[pos++] = (byte) v; // most are one byte: step masks, small deltas
        return;
      }
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    void zigzag(long v) {
      varint((v << 1) ^ (v >> 63));
    }

    void fixed(long v) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[pos++] = (byte) (v >>> shift);
      }
    }

    byte[] toByteArray() {
      return java.util.Arrays.copyOf(buf, pos);
    }
  }

  private static final class In {
    final byte[] b;
    int pos;

    In(byte[] b) {
      this.b = b;
    }

    int read() {
      if (pos >= b.length) {
        throw new StateFormatException("truncated state record");
      }
      return b[pos++] & 0xFF;
    }

    int skip(int n) {
      if (pos + n > b.length) {
        throw new StateFormatException("truncated state record");
      }
      int at = pos;
      pos += n;
      return at;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int x = read();
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new StateFormatException("malformed varint in a state record");
    }

    long zigzag() {
      long v = varint();
      return (v >>> 1) ^ -(v & 1);
    }

    /** A count that cannot exceed the bytes left (each item takes at least one byte). */
    int count(int limit) {
      long v = varint();
      if (v < 0 || v > limit - pos) {
        throw new StateFormatException("implausible count " + v + " in a state record");
      }
      return (int) v;
    }

    long fixed() {
      skip(8);
      long v = 0;
      for (int i = pos - 8; i < pos; i++) {
        v = (v << 8) | (b[i] & 0xFF);
      }
      return v;
    }
  }
}
