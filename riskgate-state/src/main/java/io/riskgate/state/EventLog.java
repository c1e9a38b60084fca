package io.riskgate.state;

import java.nio.ByteBuffer;

/**
 * One event of a {@link StateLog} entry: the event's time, id hash, and its value per column that
 * counts it (the others are absent) with the column's id, so that a record whose columns changed meanwhile (a new ruleset version) replays
 * it into the columns it still has. An event with a label ({@link EventInput#label}) has the tag
 * {@link #LABELLED_TAG} and, after its id hash, an int length and the label's UTF-8 bytes. Entries
 * delimit themselves.
 */
final class EventLog {
  /** First byte of an entry, never a record format number. */
  static final byte TAG = 'L';
  /** First byte of an entry with a label. */
  static final byte LABELLED_TAG = 'N';

  private EventLog() {}

  /** The bytes of the entry of an event, with a label of this many UTF-8 bytes (-1: none). */
  static int size(EventInput e, int labelBytes) {
    return 1 + 8 + 8 + (labelBytes < 0 ? 0 : 4 + labelBytes) + 4 + present(e) * 16;
  }

  /** How many of the event's values are not {@link Column#ABSENT}: only those are written. */
  private static int present(EventInput e) {
    int n = 0;
    for (long v : e.values()) {
      if (v != Column.ABSENT) {
        n++;
      }
    }
    return n;
  }

  /** The UTF-8 bytes of an event's label, null when it has none. */
  static byte[] labelBytes(EventInput e) {
    return e.label().isEmpty() ? null : e.label().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** @param label the event's label bytes, from {@link #labelBytes} */
  static void encodeInto(ByteBuffer b, EventInput e, byte[] label, long[] columnIds) {
    b.put(label == null ? TAG : LABELLED_TAG).putLong(e.time()).putLong(e.idHash());
    if (label != null) {
      b.putInt(label.length).put(label);
    }
    b.putInt(present(e));
    for (int c = 0; c < columnIds.length; c++) {
      long v = e.values()[c];
      if (v != Column.ABSENT) {
        b.putLong(columnIds[c]).putLong(v);
      }
    }
  }

  /**
   * The entry at an offset, with its values placed in the given columns (absent where a column is
   * new); {@code next[0]} receives the offset after it.
   */
  static EventInput decodeAt(byte[] bytes, int offset, long[] columnIds, int[] next) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
      byte tag = b.get();
      if (tag != TAG && tag != LABELLED_TAG) {
        throw new StateFormatException("not an appended event at offset " + offset);
      }
      long time = b.getLong();
      long id = b.getLong();
      String label = tag == LABELLED_TAG ? label(b) : "";
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
      return new EventInput(time, id, values, label);
    } catch (java.nio.BufferUnderflowException e) {
      throw new StateFormatException("truncated appended event");
    }
  }

  private static String label(ByteBuffer b) {
    int length = b.getInt();
    if (length < 0 || length > EventInput.MAX_LABEL * 4 || length > b.remaining()) {
      throw new StateFormatException("implausible label length " + length + " in an appended event");
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The time of the entry at an offset when some column counts it (a value other than absent), as
   * it was written whatever the columns of today; {@link Long#MIN_VALUE} when none does.
   */
  static long countedTimeAt(byte[] bytes, int offset) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
      byte tag = b.get();
      long time = b.getLong();
      b.getLong();
      if (tag == LABELLED_TAG) {
        label(b);
      }
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
