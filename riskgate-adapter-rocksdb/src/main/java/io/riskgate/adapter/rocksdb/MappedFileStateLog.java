package io.riskgate.adapter.rocksdb;

import io.riskgate.state.StateException;
import io.riskgate.state.StateLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

/**
 * The embedded state log: segment files of a fixed size in one directory, written through a
 * memory mapping. An append is a copy into the mapped file, with no system call: the bytes are in
 * the operating system's page cache when {@link #append} returns, so they survive a killed process
 * (not a power loss, unless {@code sync} forces each entry to the device).
 *
 * <p>A segment is named after the sequence number of its first entry ({@code 00000000000000000001.seg})
 * and filled with zeros before use, so that a full disk shows as an error when a segment is made,
 * never as a fault while writing through the mapping. The next segment is prepared in the
 * background. An entry is
 * <pre>
 *   int   payload length L (> 0)
 *   int   CRC-32C of the sequence number and the payload
 *   long  sequence number
 *   L bytes payload
 * </pre>
 * Reading a segment stops at a zero length or a bad checksum: the entry a crash cut short. A
 * reopened log starts a new segment, so that nothing is ever written after a cut entry. One
 * process owns a directory at a time (a lock file).
 */
public final class MappedFileStateLog implements StateLog {
  private static final int HEADER = 16;
  private static final String SUFFIX = ".seg";
  private static final String SPARE = "next.tmp";

  private final Path dir;
  private final int segmentBytes;
  private final boolean sync;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ExecutorService preparer;
  /** The segments in order, by first sequence number; the last is written. */
  private final List<Segment> segments = new ArrayList<>();
  private CompletableFuture<MappedByteBuffer> spare;
  private MappedByteBuffer current;
  private int position;
  private long next;
  private final CRC32C crc = new CRC32C();

  private record Segment(long first, Path path) {}

  private MappedFileStateLog(Path dir, int segmentBytes, boolean sync) {
    if (segmentBytes < 4096) {
      throw new IllegalArgumentException("segments must hold at least 4096 bytes");
    }
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.sync = sync;
    try {
      Files.createDirectories(dir);
      lockChannel = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        lockChannel.close();
        throw new StateException("the state log " + dir + " is in use by another process");
      }
      lock = l;
      try (var files = Files.list(dir)) {
        files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().forEach(p -> {
          String name = p.getFileName().toString();
          segments.add(new Segment(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), p));
        });
      }
    } catch (IOException e) {
      throw new StateException("cannot open the state log in " + dir + ": " + e.getMessage(), e);
    } catch (NumberFormatException e) {
      throw new StateException("the state log " + dir + " holds a segment with a malformed name: " + e.getMessage(), e);
    }
    preparer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "riskgate-state-log");
      t.setDaemon(true);
      return t;
    });
    spare = CompletableFuture.completedFuture(null);
    try {
      next = segments.isEmpty() ? 1 : scanEnd();
      // segments after a gap, or starting past the end, hold entries of an older run: they go
      for (var it = segments.iterator(); it.hasNext(); ) {
        Segment seg = it.next();
        if (seg.first() > next) {
          Files.deleteIfExists(seg.path());
          it.remove();
        }
      }
      startSegment(next);
    } catch (IOException | RuntimeException e) {
      preparer.shutdownNow();
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException ignored) {
        // the process exits or retries; the lock goes with the channel
      }
      throw e instanceof StateException se ? se : new StateException("cannot open the state log in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens (or creates) a log in a directory.
   *
   * @param segmentBytes the size of a segment file
   * @param sync whether each entry is forced to the device before {@link #append} returns
   */
  public static MappedFileStateLog open(Path dir, int segmentBytes, boolean sync) {
    return new MappedFileStateLog(dir, segmentBytes, sync);
  }

  /** The sequence number after the last whole entry of the segments found at opening. */
  private long scanEnd() {
    long[] end = {segments.get(0).first()};
    read(segments.get(0).first(), (seq, bytes, offset, length) -> end[0] = seq + 1);
    return end[0];
  }

  @Override
  public synchronized long append(byte[] entry, int length) {
    if (length <= 0) {
      throw new IllegalArgumentException("an entry holds at least one byte");
    }
    if (current == null) {
      throw new StateException("the state log is closed");
    }
    if (HEADER + length > segmentBytes) {
      throw new StateException("a state log entry of " + length + " bytes does not fit a segment of " + segmentBytes + " bytes");
    }
    if (position + HEADER + length > current.capacity()) {
      startSegment(next);
    }
    int at = position;
    long seq = next;
    current.putLong(at + 8, seq);
    current.put(at + HEADER, entry, 0, length);
    crc.reset();
    crc.update(current.slice(at + 8, 8 + length));
    current.putInt(at + 4, (int) crc.getValue());
    current.putInt(at, length);
    if (sync) {
      current.force(at, HEADER + length);
    }
    position = at + HEADER + length;
    next = seq + 1;
    return seq;
  }

  @Override
  public synchronized long next() {
    return next;
  }

  @Override
  public void replay(long from, Visitor visitor) {
    read(from, visitor);
  }

  /** Reads the segments' whole entries from {@code from} on; a cut or missing entry ends a segment. */
  private void read(long from, Visitor visitor) {
    List<Segment> list;
    synchronized (this) {
      list = List.copyOf(segments);
    }
    long expected = list.isEmpty() ? 1 : list.get(0).first();
    for (int s = 0; s < list.size(); s++) {
      Segment seg = list.get(s);
      if (s + 1 < list.size() && list.get(s + 1).first() <= from) {
        expected = list.get(s + 1).first();
        continue; // every entry of this segment is before from
      }
      if (seg.first() != expected) {
        return; // a gap: the entries after it cannot be trusted to follow
      }
      ByteBuffer buf;
      try (FileChannel ch = FileChannel.open(seg.path(), StandardOpenOption.READ)) {
        buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
      } catch (IOException e) {
        throw new StateException("cannot read the state log segment " + seg.path() + ": " + e.getMessage(), e);
      }
      CRC32C check = new CRC32C();
      int pos = 0;
      while (pos + HEADER <= buf.limit()) {
        int length = buf.getInt(pos);
        if (length <= 0 || length > buf.limit() - pos - HEADER || buf.getLong(pos + 8) != expected) {
          break;
        }
        check.reset();
        check.update(buf.slice(pos + 8, 8 + length));
        if ((int) check.getValue() != buf.getInt(pos + 4)) {
          break;
        }
        if (expected >= from) {
          byte[] bytes = new byte[length];
          buf.get(pos + HEADER, bytes);
          visitor.entry(expected, bytes, 0, length);
        }
        expected++;
        pos += HEADER + length;
      }
    }
  }

  /** Makes the segment that starts at {@code first} the one written, from the spare when it fits. */
  private void startSegment(long first) {
    Path path = dir.resolve(String.format("%020d", first) + SUFFIX);
    try {
      MappedByteBuffer prepared = spare.join();
      if (prepared != null) {
        Files.move(dir.resolve(SPARE), path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        current = prepared;
      } else {
        Files.deleteIfExists(dir.resolve(SPARE));
        current = zeroed(path, segmentBytes);
      }
      if (sync) {
        // the segment's name must survive a power loss with the entries forced into it
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
          d.force(true);
        }
      }
    } catch (IOException | RuntimeException e) {
      spare = CompletableFuture.completedFuture(null);
      throw new StateException("cannot make a state log segment in " + dir + ": " + e.getMessage(), e);
    }
    if (!segments.isEmpty() && segments.get(segments.size() - 1).first() == first) {
      segments.remove(segments.size() - 1); // a segment whose first entry was cut: made anew
    }
    segments.add(new Segment(first, path));
    position = 0;
    spare = CompletableFuture.supplyAsync(() -> {
      try {
        return zeroed(dir.resolve(SPARE), segmentBytes);
      } catch (IOException e) {
        return null; // made in the foreground at the next roll, where a failure is reported
      }
    }, preparer);
  }

  /** A new file of zeros, mapped for writing. */
  private static MappedByteBuffer zeroed(Path path, int size) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
      for (long at = 0; at < size; ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
        at += ch.write(zeros, at);
      }
      ch.force(true);
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
    }
  }

  @Override
  public synchronized void truncate(long seq) {
    while (segments.size() > 1 && segments.get(1).first() <= seq) {
      Segment gone = segments.remove(0);
      try {
        Files.deleteIfExists(gone.path());
      } catch (IOException e) {
        throw new StateException("cannot delete the state log segment " + gone.path() + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public synchronized void advanceTo(long seq) {
    if (next < seq) {
      // every entry held is below seq: the store has them
      startSegment(seq);
      next = seq;
      truncate(seq);
    }
  }

  /** Bytes held by the segment files, for metrics. */
  public synchronized long bytes() {
    return (long) segments.size() * segmentBytes;
  }

  @Override
  public synchronized void close() {
    if (current == null) {
      return;
    }
    current = null;
    preparer.shutdown();
    try {
      // the spare segment being made is not needed: the next opening starts its own
      preparer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      Files.deleteIfExists(dir.resolve(SPARE));
    } catch (IOException e) {
      // an unused spare is replaced at the next opening
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      // the lock goes with the process anyway
    }
  }
}
