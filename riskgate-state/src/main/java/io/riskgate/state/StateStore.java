package io.riskgate.state;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;

/**
 * Where state records live: a byte-keyed map with atomic batches. The embedded default is RocksDB
 * on local disk; {@link #inMemory()} serves tests and short-lived engines.
 *
 * <p>A batch given to {@link #write} is durable against a crash of the process once the method
 * returns: a restarted engine reads every record of every batch written before. Implementations are
 * thread-safe.
 */
public interface StateStore extends AutoCloseable {

  Optional<byte[]> get(byte[] key);

  /** Applies puts and deletes as one atomic batch. */
  void write(List<Write> batch);

  /**
   * Applies a batch that need not survive a crash on its own: a store may keep it in memory until
   * {@link #persist} (RocksDB writes it without its write-ahead log). For records whose changes the
   * state log still holds.
   */
  default void writeUnlogged(List<Write> batch) {
    write(batch);
  }

  /** Makes every batch written so far, unlogged ones included, survive a crash of the process. */
  default void persist() {}

  /**
   * Calls the visitor with every record, key and value, from a consistent view of the store (a
   * record written during the scan may or may not be seen): for expiring idle keys in the background.
   */
  void scan(BiConsumer<byte[], byte[]> visitor);

  /** Calls the visitor with every record whose key is in {@code [from, to)}, in key order (unsigned bytes). */
  void scan(byte[] from, byte[] to, BiConsumer<byte[], byte[]> visitor);

  /** Approximate figures for metrics: records held and bytes on disk (or in memory). */
  Stats stats();

  @Override
  void close();

  /**
   * One change of a batch: a put, a delete, or a delete of every key in {@code [key, end)}.
   */
  record Write(Op op, byte[] key, Optional<byte[]> value, Optional<byte[]> end) {
    /** The kinds of change. */
    public enum Op {
      PUT,
      DELETE,
      DELETE_RANGE
    }

    public static Write put(byte[] key, byte[] value) {
      return new Write(Op.PUT, key, Optional.of(value), Optional.empty());
    }

    public static Write delete(byte[] key) {
      return new Write(Op.DELETE, key, Optional.empty(), Optional.empty());
    }

    public static Write deleteRange(byte[] from, byte[] to) {
      return new Write(Op.DELETE_RANGE, from, Optional.empty(), Optional.of(to));
    }
  }

  /** Store figures; -1 where unknown. */
  record Stats(long records, long bytes) {}

  /** A store in the heap: nothing survives the process. */
  static StateStore inMemory() {
    return new InMemoryStateStore();
  }
}

/** A sorted map of byte arrays; batches are applied under one lock. */
final class InMemoryStateStore implements StateStore {
  private final ConcurrentSkipListMap<byte[], byte[]> map = new ConcurrentSkipListMap<>(java.util.Arrays::compareUnsigned);

  @Override
  public Optional<byte[]> get(byte[] key) {
    return Optional.ofNullable(map.get(key)).map(byte[]::clone);
  }

  @Override
  public synchronized void write(List<Write> batch) {
    for (Write w : batch) {
      switch (w.op()) {
        case PUT -> map.put(w.key().clone(), w.value().orElseThrow().clone());
        case DELETE -> map.remove(w.key());
        case DELETE_RANGE -> map.subMap(w.key(), w.end().orElseThrow()).clear();
      }
    }
  }

  @Override
  public void scan(byte[] from, byte[] to, BiConsumer<byte[], byte[]> visitor) {
    for (var e : map.subMap(from, to).entrySet()) {
      visitor.accept(e.getKey().clone(), e.getValue().clone());
    }
  }

  @Override
  public void scan(BiConsumer<byte[], byte[]> visitor) {
    for (var e : map.entrySet()) {
      visitor.accept(e.getKey().clone(), e.getValue().clone());
    }
  }

  @Override
  public Stats stats() {
    long bytes = 0;
    for (var e : map.entrySet()) {
      bytes += e.getKey().length + e.getValue().length;
    }
    return new Stats(map.size(), bytes);
  }

  @Override
  public void close() {}
}
