package io.riskgate.adapter.kafka;

import io.riskgate.state.StateLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The decision records of events whose transaction has not committed yet, by the event's position
 * (topic, partition, offset), kept in a {@link StateLog} that survives the process. An event read
 * again (after a crash, or after its transaction was aborted) gets the record it got the first time.
 *
 * <p>An entry leaves once its position is committed, and at the latest {@code maxAgeMillis} after
 * it was written, so that the log is always cut behind a bounded past: a partition that went to
 * another process, or a transaction that never committed, cannot hold it back. An entry also holds
 * a fingerprint of the message it answers, so that another message at the same position (a topic
 * made anew) does not get it. Thread-safe (one lock: an entry costs a map update and a copy).
 */
final class OutputJournal {
  /** An output kept for its position. */
  record Output(byte[] key, byte[] value) {}

  private record Entry(long seq, long fingerprint, Output output, long expiresAt) {}

  private final StateLog log;
  private final long maxAgeMillis;
  private final LongSupplier clock;
  private final Map<TopicPartition, TreeMap<Long, Entry>> byPosition = new HashMap<>();
  /** Sequence number of each entry held, to find the oldest one the log must keep. */
  private final TreeMap<Long, TopicPartition> bySeq = new TreeMap<>();

  private OutputJournal(StateLog log, long maxAgeMillis, LongSupplier clock) {
    this.log = log;
    this.maxAgeMillis = maxAgeMillis;
    this.clock = clock;
  }

  /**
   * Reads the entries the log holds: those a crash left uncommitted, and older ones. They are all
   * given {@code maxAgeMillis} from now.
   */
  static OutputJournal recover(StateLog log, long maxAgeMillis, LongSupplier clock) {
    OutputJournal j = new OutputJournal(log, maxAgeMillis, clock);
    long expires = clock.getAsLong() + maxAgeMillis;
    log.replay(1, (seq, bytes, offset, length) -> {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, length);
      byte[] topic = new byte[b.getShort()];
      b.get(topic);
      int partition = b.getInt();
      long position = b.getLong();
      long fingerprint = b.getLong();
      byte[] key = new byte[b.getInt()];
      b.get(key);
      byte[] value = new byte[b.getInt()];
      b.get(value);
      j.put(new TopicPartition(new String(topic, StandardCharsets.UTF_8), partition), position,
          new Entry(seq, fingerprint, new Output(key, value), expires));
    });
    return j;
  }

  /** A 64-bit fingerprint of a message's value (FNV-1a; an empty or missing value gives the basis). */
  static long fingerprint(byte[] value) {
    long h = 0xcbf29ce484222325L;
    if (value != null) {
      for (byte b : value) {
        h = (h ^ (b & 0xff)) * 0x100000001b3L;
      }
    }
    return h;
  }

  /** Keeps the output of the message at {@code offset}; it is in the log when this returns. */
  void record(TopicPartition tp, long offset, long fingerprint, Output output) {
    byte[] topic = tp.topic().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(2 + topic.length + 4 + 8 + 8 + 4 + output.key().length + 4 + output.value().length);
    b.putShort((short) topic.length).put(topic).putInt(tp.partition()).putLong(offset).putLong(fingerprint);
    b.putInt(output.key().length).put(output.key()).putInt(output.value().length).put(output.value());
    synchronized (this) {
      long seq = log.append(b.array(), b.position());
      put(tp, offset, new Entry(seq, fingerprint, output, clock.getAsLong() + maxAgeMillis));
    }
  }

  /** The output kept for the message at {@code offset}, if it is the same message. */
  synchronized Optional<Output> lookup(TopicPartition tp, long offset, long fingerprint) {
    TreeMap<Long, Entry> m = byPosition.get(tp);
    Entry e = m == null ? null : m.get(offset);
    return e == null || e.fingerprint() != fingerprint ? Optional.empty() : Optional.of(e.output());
  }

  /**
   * Forgets the entries below the committed offset of each partition, and those too old, then cuts
   * the log behind the oldest entry left.
   */
  synchronized void committed(Map<TopicPartition, Long> nextOffsets) {
    nextOffsets.forEach((tp, next) -> {
      TreeMap<Long, Entry> m = byPosition.get(tp);
      if (m != null) {
        var below = m.headMap(next, false);
        below.values().forEach(e -> bySeq.remove(e.seq()));
        below.clear();
      }
    });
    long now = clock.getAsLong();
    byPosition.values().forEach(m -> m.values().removeIf(e -> {
      boolean old = e.expiresAt() <= now;
      if (old) {
        bySeq.remove(e.seq());
      }
      return old;
    }));
    byPosition.values().removeIf(TreeMap::isEmpty);
    log.truncate(bySeq.isEmpty() ? log.next() : bySeq.firstKey());
  }

  /** Entries held, for tests and metrics. */
  synchronized int size() {
    return bySeq.size();
  }

  private void put(TopicPartition tp, long offset, Entry e) {
    Entry old = byPosition.computeIfAbsent(tp, k -> new TreeMap<>()).put(offset, e);
    if (old != null) {
      bySeq.remove(old.seq());
    }
    bySeq.put(e.seq(), tp);
  }
}
