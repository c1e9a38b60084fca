package io.riskgate.adapter.rocksdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.state.StateException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFileStateLogTest {
  @TempDir Path dir;

  /** The payload of entry i: its number, padded to a length that varies with it. */
  private static byte[] payload(long i) {
    return ("e" + i + "-" + "x".repeat((int) (i % 97))).getBytes(UTF_8);
  }

  private static List<String> replay(MappedFileStateLog log, long from) {
    List<String> seen = new ArrayList<>();
    log.replay(from, (seq, bytes, offset, length) -> seen.add(seq + ":" + new String(bytes, offset, length, UTF_8)));
    return seen;
  }

  @Test
  void numbersEntriesAcrossSegmentsAndReopenings() {
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, false)) {
      assertThat(log.next()).isEqualTo(1);
      for (int i = 1; i <= 500; i++) {
        byte[] p = payload(i);
        assertThat(log.append(p, p.length)).isEqualTo(i);
      }
      List<String> all = replay(log, 1);
      assertThat(all).hasSize(500);
      assertThat(all.get(499)).isEqualTo("500:" + new String(payload(500), UTF_8));
      assertThat(replay(log, 450)).hasSize(51).first().asString().startsWith("450:e450-");
    }
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, false)) {
      assertThat(log.next()).isEqualTo(501);
      byte[] p = payload(501);
      assertThat(log.append(p, p.length)).isEqualTo(501);
      assertThat(replay(log, 1)).hasSize(501);
    }
  }

  @Test
  void forcesEachEntryWhenAskedToSync() {
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, true)) {
      for (int i = 1; i <= 100; i++) {
        byte[] p = payload(i);
        assertThat(log.append(p, p.length)).isEqualTo(i);
      }
    }
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, true)) {
      assertThat(replay(log, 1)).hasSize(100).last().asString().startsWith("100:e100-");
    }
  }

  @Test
  void truncationDeletesWholeSegmentsBelowTheCheckpoint() throws Exception {
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, false)) {
      for (int i = 1; i <= 500; i++) {
        byte[] p = payload(i);
        log.append(p, p.length);
      }
      long before = segments();
      log.truncate(400);
      assertThat(segments()).isLessThan(before);
      List<String> kept = replay(log, 1);
      // whole segments go: what is left starts at or below 400 and runs to the end
      assertThat(kept.get(kept.size() - 1)).startsWith("500:");
      assertThat(Long.parseLong(kept.get(0).split(":")[0])).isLessThanOrEqualTo(400);
      assertThat(replay(log, 400)).hasSize(101);
    }
  }

  @Test
  void aCutEntryEndsTheLogAndTheReopenedLogGoesOnAfterIt() throws Exception {
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 1 << 16, false)) {
      for (int i = 1; i <= 10; i++) {
        byte[] p = payload(i);
        log.append(p, p.length);
      }
    }
    // spoil one byte of the 8th entry's payload, as a crash in the middle of writing it would
    Path seg;
    try (var files = Files.list(dir)) {
      seg = files.filter(p -> p.toString().endsWith(".seg")).sorted().findFirst().orElseThrow();
    }
    int offset = 0;
    for (int i = 1; i < 8; i++) {
      offset += 16 + payload(i).length;
    }
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {'#'}), offset + 16 + 1);
    }
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 1 << 16, false)) {
      assertThat(log.next()).isEqualTo(8);
      assertThat(replay(log, 1)).hasSize(7);
      byte[] p = payload(8);
      assertThat(log.append(p, p.length)).isEqualTo(8);
      assertThat(replay(log, 1)).hasSize(8).last().asString().isEqualTo("8:" + new String(p, UTF_8));
    }
  }

  @Test
  void advancesPastNumbersGivenOutBefore() {
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, false)) {
      log.advanceTo(1000);
      byte[] p = payload(1000);
      assertThat(log.append(p, p.length)).isEqualTo(1000);
      assertThat(replay(log, 1)).containsExactly("1000:" + new String(p, UTF_8));
    }
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, false)) {
      assertThat(log.next()).isEqualTo(1001);
    }
  }

  @Test
  void refusesASecondOwnerOfTheDirectory() {
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 4096, false)) {
      assertThatThrownBy(() -> MappedFileStateLog.open(dir, 4096, false))
          .isInstanceOf(StateException.class)
          .hasMessageContaining("in use by another process");
    }
  }

  /** A child process appends entries and prints each number it got back; it is then killed with SIGKILL. */
  @Test
  void keepsEveryAcknowledgedEntryWhenTheProcessIsKilled() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(), dir.toString())
        .redirectErrorStream(true)
        .start();
    long acknowledged = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ok ")) {
          acknowledged = Long.parseLong(line.substring(3));
          if (acknowledged >= 20_000) {
            child.destroyForcibly();
            break;
          }
        }
      }
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(acknowledged).isGreaterThanOrEqualTo(20_000);
    try (MappedFileStateLog log = MappedFileStateLog.open(dir, 1 << 16, false)) {
      List<String> seen = replay(log, 1);
      assertThat((long) seen.size()).isGreaterThanOrEqualTo(acknowledged);
      for (int i = 0; i < seen.size(); i++) {
        assertThat(seen.get(i)).isEqualTo((i + 1) + ":" + new String(payload(i + 1), UTF_8));
      }
      assertThat(log.next()).isEqualTo(seen.size() + 1);
    }
  }

  private long segments() throws Exception {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).count();
    }
  }

  /** The child of the kill test: appends entries forever over small segments, acknowledging each on stdout. */
  public static final class Writer {
    public static void main(String[] args) {
      MappedFileStateLog log = MappedFileStateLog.open(Path.of(args[0]), 1 << 16, false);
      for (long i = 1; ; i++) {
        byte[] p = payload(i);
        long seq = log.append(p, p.length);
        System.out.println("ok " + seq);
        System.out.flush();
      }
    }
  }
}
