package io.riskgate.state;

import java.util.Arrays;

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
 *     per counted column: MEMBER nothing; NUMBER and HASH 8 bytes
 * </pre>
 * Format 1 is format 2 without the log sequence number (read as 0). Readers refuse unknown formats, truncated input and trailing bytes with a
 * {@link StateFormatException}: a record is never half read.
 */
public final class KeyStateCodec {
  /** The format this version writes. */
  public static final int FORMAT = 2;

  private KeyStateCodec() {}

  public static byte[] encode(KeyState s) {
    return encode(snapshot(s));
  }

  /**
   * A copy of what the binary form holds of a record, taken in one pass of array copies: a large
   * record can be copied under its lock and encoded after the lock is released.
   */
  static final class Snapshot {
    final long logSeq;
    final long watermark;
    final long nextSeq;
    final long[] columnIds;
    final byte[] columnKinds;
    final int size;
    final long[] times;
    final long[] seqs;
    final long[] ids;
    /** size x columns, row-major. */
    final long[] values;

    private Snapshot(KeyState s) {
      int cols = s.columnIds.length;
      logSeq = s.logSeq;
      watermark = s.watermark;
      nextSeq = s.nextSeq;
      columnIds = s.columnIds.clone();
      columnKinds = s.columnKinds.clone();
      size = s.size;
      times = new long[size];
      seqs = new long[size];
      ids = new long[size];
      values = new long[size * cols];
      int at = 0;
      for (int k = 0; k < s.nchunks; k++) {
        Chunk ch = s.chunks[k];
        System.arraycopy(ch.times, 0, times, at, ch.size);
        System.arraycopy(ch.seqs, 0, seqs, at, ch.size);
        System.arraycopy(ch.ids, 0, ids, at, ch.size);
        System.arraycopy(ch.values, 0, values, at * cols, ch.size * cols);
        at += ch.size;
      }
    }
  }

  static Snapshot snapshot(KeyState s) {
    return new Snapshot(s);
  }

  static byte[] encode(Snapshot s) {
    int cols = s.columnIds.length;
    Out out = new Out(16 + cols * 9 + s.size * (12 + cols * 8));
    out.write(FORMAT);
    out.varint(s.logSeq);
    out.zigzag(s.watermark);
    out.varint(s.nextSeq);
    out.varint(cols);
    for (int c = 0; c < cols; c++) {
      out.fixed(s.columnIds[c]);
      out.write(s.columnKinds[c]);
    }
    out.varint(s.size);
    long prevTime = 0;
    long prevSeq = 0;
    int maskBytes = (cols + 7) >>> 3;
    byte[] mask = new byte[maskBytes];
    for (int i = 0; i < s.size; i++) {
      out.zigzag(s.times[i] - prevTime);
      out.zigzag(s.seqs[i] - prevSeq);
      prevTime = s.times[i];
      prevSeq = s.seqs[i];
      out.fixed(s.ids[i]);
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
        if (v != Column.ABSENT && s.columnKinds[c] != Column.Kind.MEMBER.ordinal()) {
          out.fixed(v);
        }
      }
    }
    return out.toByteArray();
  }

  public static KeyState decode(byte[] bytes) {
    In in = new In(bytes);
    int format = in.read();
    if (format != FORMAT && format != 1) {
      throw new StateFormatException("unknown state record format " + format + " (this version reads 1 and " + FORMAT + ")");
    }
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
    int n = in.count(bytes.length);
    KeyState s = KeyState.restore(watermark, nextSeq, logSeq, ids, kinds);
    long[] vals = new long[cols];
    long prevTime = 0;
    long prevSeq = 0;
    int maskBytes = (cols + 7) >>> 3;
    for (int i = 0; i < n; i++) {
      long t = prevTime + in.zigzag();
      if (i > 0 && t < prevTime) {
        throw new StateFormatException("events out of order in a state record");
      }
      long seq = prevSeq + in.zigzag();
      prevTime = t;
      prevSeq = seq;
      long id = in.fixed();
      int maskAt = in.skip(maskBytes);
      for (int c = 0; c < cols; c++) {
        boolean counted = (bytes[maskAt + (c >>> 3)] & (1 << (c & 7))) != 0;
        long v = Column.ABSENT;
        if (counted) {
          v = kinds[c] == Column.Kind.MEMBER.ordinal() ? 0L : in.fixed();
          if (v == Column.ABSENT) {
            throw new StateFormatException("a counted column holds the absent marker");
          }
        }
        vals[c] = v;
      }
      s.restoreEntry(t, seq, id, vals);
    }
    s.restored();
    if (in.pos != bytes.length) {
      throw new StateFormatException((bytes.length - in.pos) + " trailing bytes after a state record");
    }
    return s;
  }

  /** The newest event time of a stored record, read without decoding its events: to expire idle keys. */
  public static long newestTime(byte[] bytes) {
    In in = new In(bytes);
    int format = in.read();
    if (format != FORMAT && format != 1) {
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
