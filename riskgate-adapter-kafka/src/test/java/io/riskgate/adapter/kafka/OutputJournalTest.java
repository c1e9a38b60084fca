package io.riskgate.adapter.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.riskgate.state.StateLog;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OutputJournalTest {
  private static final TopicPartition P0 = new TopicPartition("transactions", 0);
  private static final TopicPartition P1 = new TopicPartition("transactions", 1);
  private static final long MAX_AGE = 1000;

  private final AtomicLong now = new AtomicLong();
  private final StateLog log = StateLog.inMemory();

  private static OutputJournal.Output out(String s) {
    return new OutputJournal.Output(("k" + s).getBytes(StandardCharsets.UTF_8), s.getBytes(StandardCharsets.UTF_8));
  }

  /** Records the output of a message whose value is the output's text with "in:" before it. */
  private static void record(OutputJournal j, TopicPartition tp, long offset, String s) {
    j.record(tp, offset, print(s), out(s));
  }

  private static long print(String s) {
    return OutputJournal.fingerprint(("in:" + s).getBytes(StandardCharsets.UTF_8));
  }

  private static String text(OutputJournal j, TopicPartition tp, long offset, String s) {
    return j.lookup(tp, offset, print(s)).map(o -> new String(o.value(), StandardCharsets.UTF_8)).orElse("-");
  }

  private OutputJournal open() {
    return OutputJournal.recover(log, MAX_AGE, now::get);
  }

  private int held() {
    int[] n = {0};
    log.replay(1, (seq, bytes, off, len) -> n[0]++);
    return n[0];
  }

  @Test
  void shouldGiveBackUncommittedOutputsAfterARestart() {
    OutputJournal j = open();
    record(j, P0, 10, "a");
    record(j, P0, 11, "b");
    record(j, P1, 5, "c");
    j.committed(Map.of(P0, 11L));

    OutputJournal again = open();

    assertThat(text(again, P0, 10, "a")).isEqualTo("-");
    assertThat(text(again, P0, 11, "b")).isEqualTo("b");
    assertThat(text(again, P1, 5, "c")).isEqualTo("c");
    assertThat(new String(again.lookup(P1, 5, print("c")).orElseThrow().key(), StandardCharsets.UTF_8)).isEqualTo("kc");
  }

  @Test
  void shouldNotGiveAnOutputToAnotherMessageAtTheSamePosition() {
    OutputJournal j = open();
    record(j, P0, 3, "a");
    assertThat(text(j, P0, 3, "other")).isEqualTo("-");
    assertThat(text(open(), P0, 3, "other")).isEqualTo("-");
    assertThat(text(open(), P0, 3, "a")).isEqualTo("a");
  }

  @Test
  void shouldCutTheLogBehindTheOldestUncommittedOutput() {
    OutputJournal j = open();
    record(j, P0, 1, "a");
    record(j, P1, 1, "b");
    record(j, P0, 2, "c");
    j.committed(Map.of(P0, 3L));
    // the entry of P1 is the oldest one left: the log keeps it and what follows
    assertThat(held()).isEqualTo(2);
    j.committed(Map.of(P1, 2L));
    assertThat(held()).isZero();
    assertThat(j.size()).isZero();
  }

  @Test
  void shouldForgetOutputsThatNeverCommitAfterTheirMaximumAge() {
    OutputJournal j = open();
    record(j, P1, 1, "b");
    now.set(500);
    record(j, P0, 1, "a");
    now.set(999);
    j.committed(Map.of());
    assertThat(text(j, P1, 1, "b")).isEqualTo("b");
    now.set(1000);
    j.committed(Map.of());
    // P1's partition went elsewhere, or its transaction never committed: the log is cut behind it
    assertThat(text(j, P1, 1, "b")).isEqualTo("-");
    assertThat(text(j, P0, 1, "a")).isEqualTo("a");
    assertThat(held()).isEqualTo(1);

    // recovered entries get the whole age again, from the restart
    now.set(5000);
    OutputJournal recovered = open();
    assertThat(text(recovered, P0, 1, "a")).isEqualTo("a");
    now.set(5999);
    recovered.committed(Map.of());
    assertThat(recovered.size()).isEqualTo(1);
    now.set(6000);
    recovered.committed(Map.of());
    assertThat(recovered.size()).isZero();
    assertThat(held()).isZero();
  }

  @Test
  void shouldKeepTheNewestOutputOfAPositionRecordedTwice() {
    OutputJournal j = open();
    j.record(P0, 7, print("x"), out("first"));
    j.record(P0, 7, print("x"), out("again"));
    assertThat(j.size()).isEqualTo(1);
    assertThat(open().lookup(P0, 7, print("x")).map(o -> new String(o.value(), StandardCharsets.UTF_8))).contains("again");
  }
}
