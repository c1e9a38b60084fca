package io.riskgate.state;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link StateLog} entry of one event: for each record it touched, the record's key and the
 * event as {@link EventLog} writes it (time, id hash, label, and each column's value with the column's id,
 * so that a replay under another ruleset version places the values in the columns it still has).
 * <pre>
 *   int  request count N; per request: int key length, key bytes, event
 * </pre>
 */
final class LogEntries {
  private LogEntries() {}

  static byte[] encode(List<StateTable.Request> requests) {
    int size = 4;
    byte[][] labels = new byte[requests.size()][];
    for (int i = 0; i < labels.length; i++) {
      StateTable.Request r = requests.get(i);
      labels[i] = EventLog.labelBytes(r.event());
      size += 4 + r.key().length + EventLog.size(r.event(), labels[i] == null ? -1 : labels[i].length);
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(requests.size());
    for (int i = 0; i < labels.length; i++) {
      StateTable.Request r = requests.get(i);
      b.putInt(r.key().length).put(r.key());
      EventLog.encodeInto(b, r.event(), labels[i], r.spec().columnIds());
    }
    return b.array();
  }

  static Entry decode(byte[] bytes, int offset, int length) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, length);
      int n = b.getInt();
      if (n < 0 || n > length / 8) {
        throw new StateFormatException("implausible request count " + n + " in a log entry");
      }
      byte[][] keys = new byte[n][];
      int[] events = new int[n];
      for (int i = 0; i < n; i++) {
        int k = b.getInt();
        if (k < 8 || k > b.remaining()) {
          throw new StateFormatException("implausible key length " + k + " in a log entry");
        }
        keys[i] = new byte[k];
        b.get(keys[i]);
        events[i] = b.position();
        int[] next = new int[1];
        EventLog.decodeAt(bytes, events[i], new long[0], next);
        b.position(next[0]);
      }
      if (b.position() != offset + length) {
        throw new StateFormatException("trailing bytes in a log entry");
      }
      return new Entry(bytes, keys, events);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new StateFormatException("truncated log entry");
    }
  }

  /** A decoded entry: its keys, and its events read on demand for a dimension's columns. */
  static final class Entry {
    private final byte[] bytes;
    private final byte[][] keys;
    private final int[] events;

    private Entry(byte[] bytes, byte[][] keys, int[] events) {
      this.bytes = bytes;
      this.keys = keys;
      this.events = events;
    }

    int size() {
      return keys.length;
    }

    byte[] key(int i) {
      return keys[i];
    }

    /** The event of request i, its values placed in the given columns. */
    EventInput event(int i, long[] columnIds) {
      return EventLog.decodeAt(bytes, events[i], columnIds, new int[1]);
    }

    /** The newest time of an event some column counted, as {@link StateTable#apply} moved the stream time. */
    long countedTime() {
      long newest = Long.MIN_VALUE;
      for (int event : events) {
        newest = Math.max(newest, EventLog.countedTimeAt(bytes, event));
      }
      return newest;
    }

    @Override
    public String toString() {
      return "entry of " + keys.length + " requests " + Arrays.toString(events);
    }
  }
}
