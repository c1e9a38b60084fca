package io.riskgate.state;

import java.nio.ByteBuffer;

/**
 * One event of a {@link StateLog} entry: the event's time, id hash, and its value per column with
 * the column's id, so that a record whose columns changed meanwhile (a new ruleset version) replays
 * it into the columns it still has. Entries delimit themselves.
 */
final class EventLog {
  /** First byte of an entry, never a record format number. */
  static final byte TAG = 'L';

  private EventLog() {}

  /** The bytes of an entry with this many columns. */
  static int size(int columns) {
    return 1 + 8 + 8 + 4 + columns * 16;
  }

  static void encodeInto(ByteBuffer b, EventInput e, long[] columnIds) {
    b.put(TAG).putLong(e.time()).putLong(e.idHash()).putInt(columnIds.length);
    for (int c = 0; c < columnIds.length; c++) {
      b.putLong(columnIds[c]).putLong(e.values()[c]);
    }
  }

  /**
   * The entry at an offset, with its values placed in the given columns (absent where a column is
   * new); {@code next[0]} receives the offset after it.
   */
  static EventInput decodeAt(byte[] bytes, int offset, long[] columnIds, int[] next) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
      if (b.get() != TAG) {
        throw new StateFormatException("not an appended event at offset " + offset);
      }
      long time = b.getLong();
      long id = b.getLong();
      int n = b.getInt();
      if (n < 0 || n > b.remaining() / 16) {
        throw new StateFormatException("implausible column count " + n + " in an appended event");
      }
      long[] values = new long[columnIds.length];
      java.util.Arrays.fill(values, Column.ABSENT);
      for (int i = 0; i < n; i++) {
        long col = b.getLong();
        long v = b.getLong();
        for (int c = 0; c < columnIds.length; c++) {
          if (columnIds[c] == col) {
            values[c] = v;
          }
        }
      }
      next[0] = b.position();
      return new EventInput(time, id, values);
    } catch (java.nio.BufferUnderflowException e) {
      throw new StateFormatException("truncated appended event");
    }
  }

  /**
   * The time of the entry at an offset when some column counts it (a value other than absent), as
   * it was written whatever the columns of today; {@link Long#MIN_VALUE} when none does.
   */
  static long countedTimeAt(byte[] bytes, int offset) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
      b.get();
      long time = b.getLong();
      b.getLong();
      int n = b.getInt();
      if (n < 0 || n > b.remaining() / 16) {
        throw new StateFormatException("implausible column count " + n + " in an appended event");
      }
      for (int i = 0; i < n; i++) {
        b.getLong();
        if (b.getLong() != Column.ABSENT) {
          return time;
        }
      }
      return Long.MIN_VALUE;
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new StateFormatException("truncated appended event");
    }
  }
}
