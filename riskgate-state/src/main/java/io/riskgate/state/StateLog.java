package io.riskgate.state;

import java.util.ArrayList;
import java.util.List;

/**
 * The log that makes feature state durable between checkpoints: the {@link StateTable} appends one
 * entry per event before it answers, keeps its records in memory, and writes them to the
 * {@link StateStore} only at checkpoints and when they leave its cache. A restarted table replays
 * the entries after the last checkpoint. The embedded default is a memory-mapped file; in a
 * distributed runtime, a changelog topic plays this part.
 *
 * <p>An entry given to {@link #append} survives a crash of the process once the method returns.
 * Entries are numbered from 1 up, without gaps. Implementations are thread-safe.
 */
public interface StateLog extends AutoCloseable {

  /**
   * Appends an entry.
   *
   * @return its sequence number, one more than the previous entry's
   * @throws StateException when the entry cannot be kept; nothing is appended then
   */
  long append(byte[] entry, int length);

  /** The sequence number the next entry will get. */
  long next();

  /**
   * Calls the visitor with every entry held from sequence number {@code from} on, in order. An entry
   * cut short by a crash ends the log.
   */
  void replay(long from, Visitor visitor);

  /** Forgets the entries below {@code seq}: they are in the store. */
  void truncate(long seq);

  /**
   * Makes {@code seq} the next sequence number when the log is behind it (a log that lost its files
   * while the store kept its checkpoint): numbers already given out are never reused.
   */
  void advanceTo(long seq);

  @Override
  void close();

  /** Receives replayed entries. */
  @FunctionalInterface
  interface Visitor {
    void entry(long seq, byte[] bytes, int offset, int length);
  }

  /**
   * A log in the heap: entries survive a table that is dropped without a checkpoint, as long as this
   * object lives (for tests and for state that need not outlive the process).
   */
  static StateLog inMemory() {
    return new InMemoryStateLog();
  }
}

/** Entries in a list, under one lock. */
final class InMemoryStateLog implements StateLog {
  private final List<byte[]> entries = new ArrayList<>();
  /** The sequence number of entries.get(0). */
  private long first = 1;

  @Override
  public synchronized long append(byte[] entry, int length) {
    entries.add(java.util.Arrays.copyOf(entry, length));
    return first + entries.size() - 1;
  }

  @Override
  public synchronized long next() {
    return first + entries.size();
  }

  @Override
  public synchronized void replay(long from, Visitor visitor) {
    for (int i = (int) Math.max(0, from - first); i < entries.size(); i++) {
      byte[] e = entries.get(i);
      visitor.entry(first + i, e, 0, e.length);
    }
  }

  @Override
  public synchronized void truncate(long seq) {
    int drop = (int) Math.min(entries.size(), Math.max(0, seq - first));
    entries.subList(0, drop).clear();
    first += drop;
  }

  @Override
  public synchronized void advanceTo(long seq) {
    if (next() < seq) {
      entries.clear();
      first = seq;
    }
  }

  @Override
  public void close() {}
}
