package io.riskgate.adapter.kafka;

import io.riskgate.state.StateLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The decision records of events whose transaction has not committed yet, by the event's position
 * (topic, partition, offset), kept in a {@link StateLog} that survives the process. An event read
 * again (after a crash, or after its transaction was aborted) gets the record it got the first time.
 *
 * <p>An entry leaves once its position is committed. Entries of partitions this process no longer
 * owns, and entries found in the log at start, are kept for {@link #orphanMillis} more, so that the
 * log can be cut behind them. Thread-safe (one lock: an entry costs a map update and a memory copy).
 */
final class OutputJournal {
  /** An output kept for its position. */
  record Output(byte[] key, byte[] value) {}

  private record Entry(long seq, Output output, long expiresAt) {}

  private final StateLog log;
  private final long orphanMillis;
  private final Map<TopicPartition, TreeMap<Long, Entry>> byPosition = new HashMap<>();
  /** Sequence number of each live entry, to find the oldest one the log must keep. */
  private final TreeMap<Long, TopicPartition> bySeq = new TreeMap<>();

  private OutputJournal(StateLog log, long orphanMillis) {
    this.log = log;
    this.orphanMillis = orphanMillis;
  }

  /** Reads the entries the log holds: those a crash left uncommitted, and older ones. */
  static OutputJournal recover(StateLog log, long orphanMillis, long now) {
    OutputJournal j = new OutputJournal(log, orphanMillis);
    log.replay(1, (seq, bytes, offset, length) -> {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, length);
      byte[] topic = new byte[b.getShort()];
      b.get(topic);
      int partition = b.getInt();
      long position = b.getLong();
      byte[] key = new byte[b.getInt()];
      b.get(key);
      byte[] value = new byte[b.getInt()];
      b.get(value);
      j.put(new TopicPartition(new String(topic, StandardCharsets.UTF_8), partition), position,
          new Entry(seq, new Output(key, value), now + orphanMillis));
    });
    return j;
  }

  /** Keeps the output of the event at {@code offset}; it is in the log when this returns. */
  void record(TopicPartition tp, long offset, Output output) {
    byte[] topic = tp.topic().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(2 + topic.length + 4 + 8 + 4 + output.key().length + 4 + output.value().length);
    b.putShort((short) topic.length).put(topic).putInt(tp.partition()).putLong(offset);
    b.putInt(output.key().length).put(output.key()).putInt(output.value().length).put(output.value());
    synchronized (this) {
      long seq = log.append(b.array(), b.position());
      put(tp, offset, new Entry(seq, output, Long.MAX_VALUE));
    }
  }

  /** The output kept for the event at {@code offset}, if any. */
  synchronized Optional<Output> lookup(TopicPartition tp, long offset) {
    TreeMap<Long, Entry> m = byPosition.get(tp);
    Entry e = m == null ? null : m.get(offset);
    return e == null ? Optional.empty() : Optional.of(e.output());
  }

  /**
   * Forgets the entries below the committed offset of each partition, and the orphans whose time
   * is up, then cuts the log behind the oldest entry left.
   */
  synchronized void committed(Map<TopicPartition, Long> nextOffsets, long now) {
    nextOffsets.forEach((tp, next) -> {
      TreeMap<Long, Entry> m = byPosition.get(tp);
      if (m != null) {
        var below = m.headMap(next, false);
        below.values().forEach(e -> bySeq.remove(e.seq()));
        below.clear();
      }
    });
    byPosition.values().forEach(m -> m.values().removeIf(e -> {
      boolean gone = e.expiresAt() <= now;
      if (gone) {
        bySeq.remove(e.seq());
      }
      return gone;
    }));
    log.truncate(bySeq.isEmpty() ? log.next() : bySeq.firstKey());
  }

  /** The entries of partitions this thread gave up are kept a while for whoever takes them. */
  synchronized void orphan(Iterable<TopicPartition> partitions, long now) {
    for (TopicPartition tp : partitions) {
      TreeMap<Long, Entry> m = byPosition.get(tp);
      if (m != null) {
        m.replaceAll((offset, e) -> new Entry(e.seq(), e.output(), Math.min(e.expiresAt(), now + orphanMillis)));
      }
    }
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
