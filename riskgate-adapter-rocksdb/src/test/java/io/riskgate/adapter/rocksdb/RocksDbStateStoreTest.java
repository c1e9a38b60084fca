package io.riskgate.adapter.rocksdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.state.StateException;
import io.riskgate.state.StateStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbStateStoreTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void putsDeletesAndScansInBatches() {
    try (RocksDbStateStore store = RocksDbStateStore.open(dir, 8 << 20, false)) {
      store.write(List.of(StateStore.Write.put(b("a"), b("1")), StateStore.Write.put(b("b"), b("2"))));
      store.write(List.of(StateStore.Write.delete(b("a")), StateStore.Write.put(b("c"), b("3"))));
      assertThat(store.get(b("a"))).isEmpty();
      assertThat(store.get(b("b"))).hasValueSatisfying(v -> assertThat(new String(v, UTF_8)).isEqualTo("2"));
      List<String> seen = new ArrayList<>();
      store.scan((k, v) -> seen.add(new String(k, UTF_8) + "=" + new String(v, UTF_8)));
      assertThat(seen).containsExactly("b=2", "c=3");
      assertThat(store.stats().records()).isGreaterThanOrEqualTo(0);
    }
    try (RocksDbStateStore store = RocksDbStateStore.open(dir, 8 << 20, false)) {
      assertThat(store.get(b("c"))).isPresent();
    }
  }

  @Test
  void refusesASecondOwnerOfTheDirectory() {
    try (RocksDbStateStore store = RocksDbStateStore.open(dir, 8 << 20, false)) {
      assertThatThrownBy(() -> RocksDbStateStore.open(dir, 8 << 20, false))
          .isInstanceOf(StateException.class)
          .hasMessageContaining("in use by another process");
    }
  }

  /** A child process writes batches and prints each one it got back from; it is then killed with SIGKILL. */
  @Test
  void keepsEveryAcknowledgedBatchWhenTheProcessIsKilled() throws Exception {
    killedWriterKeepsAcknowledgedBatches("logged");
  }

  /** The same with batches written without the write-ahead log, acknowledged only once persisted. */
  @Test
  void keepsEveryPersistedUnloggedBatchWhenTheProcessIsKilled() throws Exception {
    killedWriterKeepsAcknowledgedBatches("unlogged");
  }

  private void killedWriterKeepsAcknowledgedBatches(String mode) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(), dir.toString(), mode)
        .redirectErrorStream(true)
        .start();
    int acknowledged = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ok ")) {
          acknowledged = Integer.parseInt(line.substring(3));
          if (acknowledged >= 3000) {
            child.destroyForcibly();
            break;
          }
        }
      }
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(acknowledged).isGreaterThanOrEqualTo(3000);
    try (RocksDbStateStore store = RocksDbStateStore.open(dir, 8 << 20, false)) {
      for (int i = 0; i <= acknowledged; i++) {
        assertThat(store.get(b("k" + i))).as("batch %d", i).isPresent();
        assertThat(store.get(b("j" + i))).as("batch %d", i).isPresent();
      }
    }
  }

  /** The child of the kill test: writes two-record batches forever, acknowledging each on stdout. */
  public static final class Writer {
    public static void main(String[] args) {
      RocksDbStateStore store = RocksDbStateStore.open(Path.of(args[0]), 8 << 20, false);
      boolean unlogged = args.length > 1 && args[1].equals("unlogged");
      for (int i = 0; ; i++) {
        List<StateStore.Write> batch = List.of(StateStore.Write.put(b("k" + i), new byte[100]), StateStore.Write.put(b("j" + i), b("v" + i)));
        if (!unlogged) {
          store.write(batch);
        } else {
          store.writeUnlogged(batch);
          if (i % 200 != 199) {
            continue; // acknowledged only once persisted
          }
          store.persist();
        }
        System.out.println("ok " + i);
        System.out.flush();
      }
    }
  }
}
