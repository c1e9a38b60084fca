package io.riskgate.adapter.rocksdb;

import io.riskgate.state.StateException;
import io.riskgate.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * State records in RocksDB on local disk. Every batch goes through RocksDB's write-ahead log
 * before {@link #write} returns, so a killed process loses nothing it acknowledged; the log is not
 * forced to the device on each write (a power loss may lose the last moments, unless {@code sync}
 * is set). One process owns a directory at a time (RocksDB's lock file).
 */
public final class RocksDbStateStore implements StateStore {
  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final LRUCache blockCache;
  private final BloomFilter bloom;
  private final Options options;
  private final WriteOptions writeOptions;
  private final WriteOptions unloggedOptions;
  private final RocksDB db;

  private RocksDbStateStore(Path dir, long blockCacheBytes, boolean sync) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new StateException("cannot create the state directory " + dir + ": " + e.getMessage(), e);
    }
    blockCache = new LRUCache(blockCacheBytes);
    bloom = new BloomFilter(10);
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(blockCache)
        .setFilterPolicy(bloom)
        .setBlockSize(16 * 1024)
        // index and filter blocks stay in memory with their files, outside the block cache: with
        // a hundred million keys they outgrow any cache of data blocks, and evicting them makes
        // every read of a key load them again
        .setCacheIndexAndFilterBlocks(false);
    options = new Options()
        .setCreateIfMissing(true)
        .setTableFormatConfig(table)
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION)
        .setWriteBufferSize(64L * 1024 * 1024)
        .setMaxWriteBufferNumber(3)
        .setLevelCompactionDynamicLevelBytes(true)
        .setMaxBackgroundJobs(2)
        .setKeepLogFileNum(3)
        .setOptimizeFiltersForHits(false);
    writeOptions = new WriteOptions().setSync(sync).setDisableWAL(false);
    unloggedOptions = new WriteOptions().setDisableWAL(true);
    try {
      db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException e) {
      close(options, writeOptions, unloggedOptions, bloom, blockCache);
      String msg = String.valueOf(e.getMessage());
      if (msg.contains("lock") || msg.contains("LOCK")) {
        throw new StateException("the state directory " + dir + " is in use by another process: " + msg, e);
      }
      throw new StateException("cannot open the state store in " + dir + ": " + msg, e);
    }
  }

  /**
   * Opens (or creates) a store in a directory.
   *
   * @param blockCacheBytes memory for RocksDB's block cache
   * @param sync whether each batch is forced to the device before returning (survives power loss;
   *     much slower), rather than only written to the log (survives a killed process)
   */
  public static RocksDbStateStore open(Path dir, long blockCacheBytes, boolean sync) {
    return new RocksDbStateStore(dir, blockCacheBytes, sync);
  }

  @Override
  public Optional<byte[]> get(byte[] key) {
    try {
      return Optional.ofNullable(db.get(key));
    } catch (RocksDBException e) {
      throw new StateException("state store read failed in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void write(List<Write> batch) {
    write(batch, writeOptions);
  }

  @Override
  public void writeUnlogged(List<Write> batch) {
    write(batch, unloggedOptions);
  }

  /** Flushes the memory tables to table files, so that unlogged writes survive a crash. */
  @Override
  public void persist() {
    flush();
  }

  private void write(List<Write> batch, WriteOptions options) {
    try (WriteBatch wb = new WriteBatch()) {
      for (Write w : batch) {
        switch (w.op()) {
          case PUT -> wb.put(w.key(), w.value().orElseThrow());
          case DELETE -> wb.delete(w.key());
          case DELETE_RANGE -> wb.deleteRange(w.key(), w.end().orElseThrow());
        }
      }
      db.write(options, wb);
    } catch (RocksDBException e) {
      throw new StateException("state store write failed in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void scan(BiConsumer<byte[], byte[]> visitor) {
    Snapshot snapshot = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot).setFillCache(false);
        RocksIterator it = db.newIterator(ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        visitor.accept(it.key(), it.value());
      }
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  @Override
  public void scan(byte[] from, byte[] to, BiConsumer<byte[], byte[]> visitor) {
    try (org.rocksdb.Slice upper = new org.rocksdb.Slice(to);
        ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(ro)) {
      for (it.seek(from); it.isValid(); it.next()) {
        visitor.accept(it.key(), it.value());
      }
    }
  }

  @Override
  public Stats stats() {
    try {
      long keys = db.getLongProperty("rocksdb.estimate-num-keys");
      long bytes = db.getLongProperty("rocksdb.total-sst-files-size") + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
      return new Stats(keys, bytes);
    } catch (RocksDBException e) {
      return new Stats(-1, -1);
    }
  }

  /** Writes the memtables to files, so that a restart has no log to replay. */
  public void flush() {
    try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(fo);
    } catch (RocksDBException e) {
      throw new StateException("state store flush failed in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Compacts the whole store (for measuring bytes per key; not needed in operation). */
  public void compact() {
    try {
      db.compactRange();
    } catch (RocksDBException e) {
      throw new StateException("state store compaction failed in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (!db.isOwningHandle()) {
      return;
    }
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      // closing anyway: the log was written on every batch
    }
    db.close();
    close(options, writeOptions, unloggedOptions, bloom, blockCache);
  }

  private static void close(AutoCloseable... handles) {
    for (AutoCloseable h : handles) {
      try {
        h.close();
      } catch (Exception e) {
        // native handles: nothing more to do
      }
    }
  }
}
