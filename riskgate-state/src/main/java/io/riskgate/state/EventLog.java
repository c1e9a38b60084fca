package io.riskgate.state;

import java.nio.ByteBuffer;

/**
 * The log of a busy record: the events applied since the record was last written whole, one store
 * entry each, under a key of their own (the record key with its dimension marked, then the
 * event's arrival number), replayed in order when the record is read.
 *
 * <p>An entry holds the event's time, id hash, and its value per column with the column's id, so
 * that a record whose columns changed meanwhile (a new ruleset version) replays it into the
 * columns it still has.
 */
final class EventLog {
  /** Marks log keys apart from record keys: XORed into the dimension id. */
  static final long MARK = 0x4C4F47_0000000000L;
  /** First byte of a log entry, never a record format number. */
  static final byte TAG = 'L';

  private EventLog() {}

  static byte[] key(byte[] recordKey, long seq) {
    ByteBuffer b = ByteBuffer.allocate(recordKey.length + 8);
    b.putLong(ByteBuffer.wrap(recordKey, 0, 8).getLong() ^ MARK);
    b.put(recordKey, 8, recordKey.length - 8);
    b.putLong(seq);
    return b.array();
  }

  static byte[] encode(EventInput e, long[] columnIds) {
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + 4 + columnIds.length * 16);
    b.put(TAG).putLong(e.time()).putLong(e.idHash()).putInt(columnIds.length);
    for (int c = 0; c < columnIds.length; c++) {
      b.putLong(columnIds[c]).putLong(e.values()[c]);
    }
    return b.array();
  }

  /** The logged event, with its values placed in the given columns (absent where a column is new). */
  static EventInput decode(byte[] bytes, long[] columnIds) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      if (b.get() != TAG) {
        throw new StateFormatException("not an event log entry");
      }
      long time = b.getLong();
      long id = b.getLong();
      int n = b.getInt();
      if (n < 0 || n > (bytes.length - 21) / 16) {
        throw new StateFormatException("implausible column count " + n + " in an event log entry");
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
      return new EventInput(time, id, values);
    } catch (java.nio.BufferUnderflowException e) {
      throw new StateFormatException("truncated event log entry");
    }
  }
}
