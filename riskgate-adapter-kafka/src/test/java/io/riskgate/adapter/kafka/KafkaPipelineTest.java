package io.riskgate.adapter.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.engine.DecisionEngine;
import io.riskgate.lang.SourceFiles;
import io.riskgate.state.StateLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pipeline against the real broker of scripts/services.sh. */
class KafkaPipelineTest {
  static final long T0 = 1_767_222_000_000L;

  static String bootstrap() {
    String v = System.getenv("RISKGATE_KAFKA_BOOTSTRAP_SERVERS");
    if (v == null) {
      throw new IllegalStateException("RISKGATE_KAFKA_BOOTSTRAP_SERVERS is not set: start Kafka with"
          + " `scripts/services.sh start kafka` and export the variables of `scripts/services.sh env`"
          + " (scripts/test.sh does both)");
    }
    return v;
  }

  static KafkaSettings settings() {
    String run = UUID.randomUUID().toString().substring(0, 8);
    return KafkaSettings.defaults(bootstrap())
        .withTopics("tx-" + run, "decisions-" + run, "dead-" + run)
        .withGroup("riskgate-test-" + run, "riskgate-test-" + run);
  }

  static DecisionEngine demoEngine() {
    DecisionEngine engine = DecisionEngine.builder().build();
    engine.rulesets().publish(SourceFiles.read(Path.of("../examples/payment-demo/payment.yaml")), "test");
    return engine;
  }

  static byte[] payment(String id, String account, double amount, long time) {
    return ("{\"transaction_id\":\"" + id + "\",\"account_id\":\"" + account + "\",\"amount\":" + amount
        + ",\"timestamp\":" + time / 1000.0 + "}").getBytes(StandardCharsets.UTF_8);
  }

  static List<KafkaTools.Message> read(KafkaSettings s, String topic, int n) {
    return read(s, topic, n, Duration.ofSeconds(20));
  }

  /** Up to {@code n} committed records, waiting at most {@code idle} for each. */
  static List<KafkaTools.Message> read(KafkaSettings s, String topic, int n, Duration idle) {
    List<KafkaTools.Message> out = new ArrayList<>();
    KafkaTools.consume(s.bootstrapServers(), Map.of(), topic, true, n, idle, out::add);
    return out;
  }

  @Test
  void shouldDecideEachEventOnceAndDeadLetterWhatCannotBeDecided() {
    KafkaSettings s = settings().withMaxEventBytes(2048);
    DecisionEngine engine = demoEngine();
    List<byte[]> messages = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      // six payments of one account within a minute: the sixth is sent to review
      messages.add(payment("v" + i, "acct-velocity", 10 + i, T0 + i * 1000L));
    }
    for (int i = 0; i < 100; i++) {
      messages.add(payment("p" + i, "acct-" + (i % 10), 100, T0 + 100_000 + i * 700_000L));
    }
    messages.add("{not json".getBytes(StandardCharsets.UTF_8));
    messages.add("{\"transaction_id\":\"w1\",\"account_id\":\"a\",\"amount\":\"lots\",\"timestamp\":1767222000}".getBytes(StandardCharsets.UTF_8));
    messages.add("{\"event_type\":\"teleport\",\"transaction_id\":\"u1\"}".getBytes(StandardCharsets.UTF_8));
    messages.add(("{\"transaction_id\":\"big\",\"pad\":\"" + "x".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8));

    try (KafkaPipeline pipeline = KafkaPipeline.start(s, engine, StateLog.inMemory())) {
      // keyed by account: an account's payments stay in order in one partition
      KafkaTools.produce(s.bootstrapServers(), Map.of(), s.inputTopic(), "account_id", messages);
      List<KafkaTools.Message> decisions = read(s, s.decisionsTopic(), 106);
      List<KafkaTools.Message> dead = read(s, s.deadLetterTopic(), 4);

      assertThat(decisions).hasSize(106);
      assertThat(decisions.stream().map(m -> m.key().orElseThrow()).distinct()).hasSize(106);
      Map<String, String> byId = new HashMap<>();
      decisions.forEach(m -> byId.put(m.key().orElseThrow(), m.text()));
      assertThat(byId.get("v4")).contains("\"decision\":\"accept\"");
      assertThat(byId.get("v5")).contains("\"decision\":\"review\"").contains("payment-velocity")
          .contains("\"ruleset\":\"payment-demo\"");
      assertThat(byId.get("p7")).contains("\"event_id\":\"p7\"").contains("\"decision\":\"accept\"");

      assertThat(dead).extracting(m -> m.headers().get(OutputRecords.REASON))
          .containsExactlyInAnyOrder("malformed_json", "wrong_type", "unknown_event_type", "too_large");
      for (KafkaTools.Message m : dead) {
        assertThat(m.headers()).containsEntry(OutputRecords.TOPIC, s.inputTopic()).containsKey(OutputRecords.OFFSET)
            .containsKey(OutputRecords.PARTITION).containsKey(OutputRecords.ERROR);
      }
      KafkaTools.Message wrong = dead.stream().filter(m -> m.headers().get(OutputRecords.REASON).equals("wrong_type")).findFirst().orElseThrow();
      assertThat(wrong.headers().get(OutputRecords.ERROR)).startsWith("$.amount:");
      assertThat(wrong.text()).contains("\"lots\"");
      KafkaTools.Message big = dead.stream().filter(m -> m.headers().get(OutputRecords.REASON).equals("too_large")).findFirst().orElseThrow();
      assertThat(big.value()).hasSize(2048);
      assertThat(big.headers()).containsEntry(OutputRecords.TRUNCATED, "true");

      KafkaPipeline.Stats st = pipeline.stats();
      assertThat(st.consumed()).isEqualTo(110);
      assertThat(st.decided()).isEqualTo(106);
      assertThat(st.deadLettered()).isEqualTo(4);
      assertThat(st.committed()).isPositive();
      assertThat(pipeline.healthy()).isTrue();
    }
  }

  @Test
  void shouldSendPatternTimeoutsToTheDecisionsTopic() {
    KafkaSettings s = settings();
    try (KafkaPipeline pipeline = KafkaPipeline.start(s, demoEngine(), StateLog.inMemory())) {
      io.riskgate.engine.PatternTimeout t = new io.riskgate.engine.PatternTimeout("reset_without_login", Map.of("account_id", "a1"),
          java.time.Instant.ofEpochMilli(T0), List.of("r1"), "payment-demo", 1);
      pipeline.publish(List.of(t));
      List<KafkaTools.Message> out = read(s, s.decisionsTopic(), 1);
      assertThat(out).hasSize(1);
      assertThat(out.get(0).key()).contains(t.id());
      assertThat(out.get(0).headers()).containsEntry("riskgate.kind", "pattern_timeout");
      assertThat(out.get(0).text()).contains("\"event_type\":\"pattern_timeout\"").contains("\"events\":[\"r1\"]");
    }
  }

  @Test
  void shouldSendTheJournalledDecisionForAnEventReadAgain() {
    KafkaSettings s = settings();
    StateLog journal = StateLog.inMemory();
    // the journal of a run that stopped before its transaction committed: offset 0 was decided
    OutputJournal before = OutputJournal.recover(journal, 60_000, System::currentTimeMillis);
    before.record(new org.apache.kafka.common.TopicPartition(s.inputTopic(), 0), 0,
        OutputJournal.fingerprint(payment("first", "a", 1, T0)),
        new OutputJournal.Output("first".getBytes(StandardCharsets.UTF_8), "{\"from\":\"journal\"}".getBytes(StandardCharsets.UTF_8)));
    try (KafkaPipeline pipeline = KafkaPipeline.start(onePartition(s), demoEngine(), journal)) {
      KafkaTools.produce(s.bootstrapServers(), Map.of(), s.inputTopic(), "transaction_id",
          List.of(payment("first", "a", 1, T0), payment("second", "a", 2, T0 + 1)));
      List<KafkaTools.Message> decisions = read(s, s.decisionsTopic(), 2);
      assertThat(decisions).extracting(KafkaTools.Message::text)
          .containsExactly("{\"from\":\"journal\"}", decisions.get(1).text());
      assertThat(decisions.get(1).text()).contains("\"event_id\":\"second\"");
      assertThat(pipeline.stats().fromJournal()).isEqualTo(1);
    }
    // committed: the journal keeps nothing
    int[] held = {0};
    journal.replay(1, (seq, b, o, l) -> held[0]++);
    assertThat(held[0]).isZero();
  }

  /** The demo engine, failing on the event with a given id a given number of times. */
  static DecisionEngine failingOn(String id, int times) {
    return slowAndFailingOn(id, times, 0);
  }

  /** The demo engine, taking at least {@code millis} per event and failing as above. */
  static DecisionEngine slowAndFailingOn(String id, int times, long millis) {
    DecisionEngine real = demoEngine();
    java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(times);
    byte[] marker = ("\"" + id + "\"").getBytes(StandardCharsets.UTF_8);
    return new DecisionEngine() {
      @Override
      public io.riskgate.engine.Decision decide(byte[] json, boolean explain) {
        if (new String(json, StandardCharsets.UTF_8).contains(new String(marker, StandardCharsets.UTF_8))
            && left.getAndDecrement() > 0) {
          throw new IllegalStateException("engine failure on " + id);
        }
        if (millis > 0) {
          try {
            Thread.sleep(millis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return real.decide(json, explain);
      }

      @Override
      public List<Outcome> decideBatch(byte[] json, boolean explain) {
        return real.decideBatch(json, explain);
      }

      @Override
      public long expireIdleFeatures() {
        return real.expireIdleFeatures();
      }

      @Override
      public long checkpointFeatures(Duration spread) {
        return real.checkpointFeatures(spread);
      }

      @Override
      public long firePatternTimers(java.util.function.Consumer<List<io.riskgate.engine.PatternTimeout>> emit) {
        return real.firePatternTimers(emit);
      }

      @Override
      public io.riskgate.engine.Rulesets rulesets() {
        return real.rulesets();
      }

      @Override
      public boolean ready() {
        return real.ready();
      }
    };
  }

  static List<byte[]> payments(int n) {
    List<byte[]> messages = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      messages.add(payment("p" + i, "acct-" + (i % 7), 10 + i, T0 + i * 1000L));
    }
    return messages;
  }

  static KafkaSettings onePartition(KafkaSettings s) {
    return new KafkaSettings(s.bootstrapServers(), s.groupId(), s.inputTopic(), s.decisionsTopic(), s.deadLetterTopic(), 1,
        s.commitInterval(), s.maxEventBytes(), s.transactionalId(), true, 1, (short) 0, "earliest", Map.of(), false);
  }

  @Test
  void shouldReadATransactionAgainAfterAFailureAndDecideEachEventOnce() {
    KafkaSettings s = onePartition(settings());
    try (KafkaPipeline pipeline = KafkaPipeline.start(s, failingOn("p30", 2), StateLog.inMemory())) {
      KafkaTools.produce(s.bootstrapServers(), Map.of(), s.inputTopic(), "account_id", payments(60));
      List<KafkaTools.Message> decisions = read(s, s.decisionsTopic(), 60);
      assertThat(decisions).extracting(m -> m.key().orElseThrow()).doesNotHaveDuplicates().hasSize(60);
      assertThat(decisions).extracting(m -> m.headers().get(OutputRecords.OFFSET))
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 60).mapToObj(Integer::toString).toList());
      assertThat(decisions).allSatisfy(m -> assertThat(m.text()).contains("\"repeated\":false"));
      KafkaPipeline.Stats st = pipeline.stats();
      assertThat(st.aborted()).isEqualTo(2);
      assertThat(st.deadLettered()).isZero();
      assertThat(pipeline.healthy()).isTrue();
    }
  }

  @Test
  void shouldDeadLetterAnEventTheEngineFailsOnEveryTime() {
    KafkaSettings s = onePartition(settings());
    try (KafkaPipeline pipeline = KafkaPipeline.start(s, failingOn("p5", Integer.MAX_VALUE), StateLog.inMemory())) {
      KafkaTools.produce(s.bootstrapServers(), Map.of(), s.inputTopic(), "account_id", payments(10));
      List<KafkaTools.Message> decisions = read(s, s.decisionsTopic(), 9);
      List<KafkaTools.Message> dead = read(s, s.deadLetterTopic(), 1);
      assertThat(decisions).extracting(m -> m.key().orElseThrow()).doesNotHaveDuplicates().hasSize(9).doesNotContain("p5");
      assertThat(dead).singleElement().satisfies(m -> {
        assertThat(m.headers()).containsEntry(OutputRecords.REASON, "engine_error").containsEntry(OutputRecords.OFFSET, "5");
        assertThat(m.headers().get(OutputRecords.ERROR)).contains("engine failure on p5");
      });
      assertThat(pipeline.stats().aborted()).isEqualTo(Worker.ENGINE_ATTEMPTS - 1);
    }
  }

  @Test
  void shouldFinishTheBatchInFlightWhenStoppedAndGoOnWhereItStopped() throws Exception {
    KafkaSettings s = onePartition(settings());
    int n = 1500;
    List<byte[]> messages = payments(n);
    StateLog journal = StateLog.inMemory();
    KafkaPipeline.Stats first;
    long lagSeen = 0;
    // a slow engine (2 ms an event), stopped while it works through the topic
    try (KafkaPipeline pipeline = KafkaPipeline.start(s, slowAndFailingOn("none", 0, 2), journal)) {
      KafkaTools.produce(s.bootstrapServers(), Map.of(), s.inputTopic(), "account_id", messages);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (pipeline.stats().decided() < 700 && System.nanoTime() < deadline) {
        lagSeen = Math.max(lagSeen, pipeline.stats().lag());
        Thread.sleep(10);
      }
      assertThat(pipeline.shutdown()).isTrue();
      first = pipeline.stats();
    }
    // the lag was seen while the engine was behind
    assertThat(lagSeen).isPositive();
    assertThat(first.decided()).isLessThan(n);
    // everything it decided was committed: a reader sees exactly that many decisions
    assertThat(read(s, s.decisionsTopic(), n, Duration.ofSeconds(3))).hasSize((int) first.decided());
    try (KafkaPipeline again = KafkaPipeline.start(s, demoEngine(), journal)) {
      List<KafkaTools.Message> all = read(s, s.decisionsTopic(), n);
      assertThat(all).extracting(m -> m.headers().get(OutputRecords.OFFSET))
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).mapToObj(Integer::toString).toList());
      assertThat(again.stats().fromJournal()).isZero();
    }
  }

  @Test
  void shouldRefuseSettingsThatCannotWork() {
    KafkaSettings s = settings();
    assertThatThrownBy(() -> s.withTopics("t", "t", "d")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("three different topics");
    assertThatThrownBy(() -> s.withConsumers(1, Duration.ofSeconds(11))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commitInterval");
    KafkaSettings secret = new KafkaSettings(s.bootstrapServers(), s.groupId(), s.inputTopic(), s.decisionsTopic(),
        s.deadLetterTopic(), 1, s.commitInterval(), s.maxEventBytes(), s.transactionalId(), true, 1, (short) 0, "earliest",
        Map.of("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required password=\"hunter2\";"), false);
    assertThat(secret.toString()).contains("sasl.jaas.config").doesNotContain("hunter2");
  }

  @Test
  void shouldRefuseMissingTopicsWhenNotAllowedToCreateThem() {
    KafkaSettings s = settings();
    KafkaSettings strict = new KafkaSettings(s.bootstrapServers(), s.groupId(), s.inputTopic(), s.decisionsTopic(),
        s.deadLetterTopic(), 1, s.commitInterval(), s.maxEventBytes(), s.transactionalId(), false, 1, (short) 0, "earliest", Map.of(), false);
    assertThatThrownBy(() -> KafkaPipeline.start(strict, demoEngine(), StateLog.inMemory()))
        .isInstanceOf(KafkaPipelineException.class).hasMessageContaining("missing topics");
  }

  @Test
  void shouldFindTheKeyOfAJsonMessage() {
    assertThat(KafkaTools.keyOf("{\"a\":{\"transaction_id\":1},\"transaction_id\":\"tx9\"}".getBytes(StandardCharsets.UTF_8), "transaction_id"))
        .contains("tx9");
    assertThat(KafkaTools.keyOf("[1]".getBytes(StandardCharsets.UTF_8), "transaction_id")).isEmpty();
    assertThat(KafkaTools.keyOf("{bad".getBytes(StandardCharsets.UTF_8), "transaction_id")).isEmpty();
  }
}
