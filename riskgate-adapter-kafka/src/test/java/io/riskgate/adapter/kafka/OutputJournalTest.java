package io.riskgate.adapter.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.riskgate.state.StateLog;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OutputJournalTest {
  private static final TopicPartition P0 = new TopicPartition("transactions", 0);
  private static final TopicPartition P1 = new TopicPartition("transactions", 1);

  private static OutputJournal.Output out(String s) {
    return new OutputJournal.Output(("k" + s).getBytes(StandardCharsets.UTF_8), s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(OutputJournal j, TopicPartition tp, long offset) {
    return j.lookup(tp, offset).map(o -> new String(o.value(), StandardCharsets.UTF_8)).orElse("-");
  }

  @Test
  void shouldGiveBackUncommittedOutputsAfterARestart() {
    StateLog log = StateLog.inMemory();
    OutputJournal j = OutputJournal.recover(log, 1000, 0);
    j.record(P0, 10, out("a"));
    j.record(P0, 11, out("b"));
    j.record(P1, 5, out("c"));
    j.committed(Map.of(P0, 11L), 0);

    OutputJournal again = OutputJournal.recover(log, 1000, 0);

    assertThat(text(again, P0, 10)).isEqualTo("-");
    assertThat(text(again, P0, 11)).isEqualTo("b");
    assertThat(text(again, P1, 5)).isEqualTo("c");
    assertThat(new String(again.lookup(P1, 5).orElseThrow().key(), StandardCharsets.UTF_8)).isEqualTo("kc");
  }

  @Test
  void shouldCutTheLogBehindTheOldestUncommittedOutput() {
    StateLog log = StateLog.inMemory();
    OutputJournal j = OutputJournal.recover(log, 1000, 0);
    j.record(P0, 1, out("a"));
    j.record(P1, 1, out("b"));
    j.record(P0, 2, out("c"));
    j.committed(Map.of(P0, 3L), 0);
    int[] held = {0};
    log.replay(1, (seq, bytes, off, len) -> held[0]++);
    // the entry of P1 is the oldest one left: the log keeps it and what follows
    assertThat(held[0]).isEqualTo(2);
    j.committed(Map.of(P1, 2L), 0);
    held[0] = 0;
    log.replay(1, (seq, bytes, off, len) -> held[0]++);
    assertThat(held[0]).isZero();
    assertThat(j.size()).isZero();
  }

  @Test
  void shouldLetOrphanedAndRecoveredOutputsExpire() {
    StateLog log = StateLog.inMemory();
    OutputJournal j = OutputJournal.recover(log, 1000, 0);
    j.record(P0, 1, out("a"));
    j.record(P1, 1, out("b"));
    j.orphan(java.util.List.of(P1), 100);
    j.committed(Map.of(), 1099);
    assertThat(text(j, P1, 1)).isEqualTo("b");
    j.committed(Map.of(), 1100);
    assertThat(text(j, P1, 1)).isEqualTo("-");
    // a live entry does not expire
    assertThat(text(j, P0, 1)).isEqualTo("a");

    OutputJournal recovered = OutputJournal.recover(log, 1000, 5000);
    assertThat(text(recovered, P0, 1)).isEqualTo("a");
    recovered.committed(Map.of(), 6000);
    assertThat(recovered.size()).isZero();
  }

  @Test
  void shouldKeepTheNewestOutputOfAPositionRecordedTwice() {
    StateLog log = StateLog.inMemory();
    OutputJournal j = OutputJournal.recover(log, 1000, 0);
    j.record(P0, 7, out("first"));
    j.record(P0, 7, out("again"));
    assertThat(j.size()).isEqualTo(1);
    assertThat(text(OutputJournal.recover(log, 1000, 0), P0, 7)).isEqualTo("again");
  }
}
