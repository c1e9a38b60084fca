package io.riskgate.server;

import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.riskgate.adapter.kafka.KafkaTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming path across a SIGKILL, against the real broker of scripts/services.sh: 100,000
 * messages (out of order, 1% repeated events, 1% that cannot be decided) go to the input topic; the
 * engine is killed after 40,000 decisions were committed, and restarted on the same data folder.
 * Then every valid message must have exactly one decision record, every other one exactly one dead
 * letter, and every decision's feature values must equal a brute-force oracle fed in the order of
 * the decisions topic.
 */
class KafkaCrashTest {
  static final int MESSAGES = 100_000;
  static final int KILL_AFTER = 40_000;
  static final List<String> BAD_KINDS = List.of("malformed_json", "wrong_type", "unknown_event_type", "too_large",
      "missing_field", "empty");

  @TempDir Path dir;

  record Bad(String reason, byte[] bytes) {}

  static Bad bad(String reason, int i) {
    String text = switch (reason) {
      case "malformed_json" -> "{\"id\":\"bad" + i + "\",";
      case "wrong_type" -> "{\"id\":\"bad" + i + "\",\"account\":\"a1\",\"amount\":\"lots\",\"ts\":1767225600000}";
      case "unknown_event_type" -> "{\"event_type\":\"teleport\",\"id\":\"bad" + i + "\"}";
      case "too_large" -> "{\"id\":\"bad" + i + "\",\"pad\":\"" + "x".repeat(5000) + "\"}";
      case "missing_field" -> "{\"id\":\"bad" + i + "\",\"amount\":5,\"ts\":1767225600000}";
      default -> "";
    };
    return new Bad(reason, text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldDecideEveryEventOnceAcrossAKill() throws Exception {
    Path rules = dir.resolve("rules");
    Files.createDirectories(rules);
    Files.writeString(rules.resolve("crash.yaml"), FeatureCrashTest.RULES);
    String run = UUID.randomUUID().toString().substring(0, 8);
    String bootstrap = System.getenv("RISKGATE_KAFKA_BOOTSTRAP_SERVERS");
    assertThat(bootstrap).as("RISKGATE_KAFKA_BOOTSTRAP_SERVERS (scripts/services.sh start kafka; scripts/test.sh does it)").isNotNull();
    String input = "crash-tx-" + run;
    String decisions = "crash-decisions-" + run;
    String dead = "crash-dead-" + run;
    Map<String, String> vars = new HashMap<>();
    vars.put("RISKGATE_RULES_PATH", rules.toString());
    vars.put("RISKGATE_KAFKA_ENABLED", "true");
    vars.put("RISKGATE_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    vars.put("RISKGATE_KAFKA_INPUT_TOPIC", input);
    vars.put("RISKGATE_KAFKA_DECISIONS_TOPIC", decisions);
    vars.put("RISKGATE_KAFKA_DEAD_LETTER_TOPIC", dead);
    vars.put("RISKGATE_KAFKA_GROUP_ID", "crash-" + run);
    vars.put("RISKGATE_KAFKA_TRANSACTIONAL_ID", "crash-" + run);
    // one partition: the decisions topic's order is the order the engine applied the events in
    vars.put("RISKGATE_KAFKA_PARTITIONS", "1");
    vars.put("RISKGATE_KAFKA_MAX_EVENT_BYTES", "4096");
    vars.put("RISKGATE_KAFKA_EXPLAIN", "true");
    vars.put("RISKGATE_FEATURES_CHECKPOINT_INTERVAL", "300ms");
    vars.put("RISKGATE_FEATURES_CACHE_RECORDS", "512");

    // the stream: offsets of the input topic are the indexes of this list
    Random rnd = new Random(7);
    List<byte[]> messages = new ArrayList<>();
    Map<Long, FeatureCrashTest.Ev> valid = new HashMap<>();
    Map<Long, String> invalid = new HashMap<>();
    List<FeatureCrashTest.Ev> recent = new ArrayList<>();
    long t = 1_767_225_600_000L;
    for (int i = 0; i < MESSAGES; i++) {
      int roll = rnd.nextInt(100);
      if (roll == 0) {
        Bad b = bad(BAD_KINDS.get(invalid.size() % BAD_KINDS.size()), i);
        invalid.put((long) i, b.reason());
        messages.add(b.bytes());
        continue;
      }
      FeatureCrashTest.Ev e;
      if (roll == 1 && !recent.isEmpty()) {
        e = recent.get(rnd.nextInt(recent.size()));
      } else {
        t += rnd.nextInt(400);
        long ts = rnd.nextInt(10) == 0 ? t - rnd.nextInt(120_000) : t;
        Optional<String> device = rnd.nextInt(10) == 0 ? Optional.empty() : Optional.of("d" + rnd.nextInt(60));
        e = new FeatureCrashTest.Ev("e" + i, "a" + rnd.nextInt(300), device, 1 + rnd.nextInt(500), ts);
        recent.add(e);
        if (recent.size() > 50) {
          recent.remove(0);
        }
      }
      valid.put((long) i, e);
      messages.add(e.json().getBytes(StandardCharsets.UTF_8));
    }

    int port = FeatureCrashTest.freePort();
    Process server = TestSupport.startServer(dir, port, vars);
    try {
      KafkaTools.produce(bootstrap, Map.of(), input, "account", messages);
      int before = KafkaTools.consume(bootstrap, Map.of(), decisions, true, KILL_AFTER, Duration.ofSeconds(60), m -> {});
      assertThat(before).as("decisions committed before the kill").isEqualTo(KILL_AFTER);
    } finally {
      server.destroyForcibly();
      server.waitFor(30, TimeUnit.SECONDS);
    }

    Process restarted = TestSupport.startServer(dir, port, vars);
    List<KafkaTools.Message> out = new ArrayList<>();
    List<KafkaTools.Message> letters = new ArrayList<>();
    try {
      // everything, and then a few seconds more: a second record for a message would show up
      KafkaTools.consume(bootstrap, Map.of(), decisions, true, valid.size() + 100, Duration.ofSeconds(30), out::add);
      KafkaTools.consume(bootstrap, Map.of(), dead, true, invalid.size() + 100, Duration.ofSeconds(5), letters::add);
    } finally {
      restarted.destroy();
      restarted.waitFor(30, TimeUnit.SECONDS);
    }

    Map<Long, Integer> decidedAt = new LinkedHashMap<>();
    for (KafkaTools.Message m : out) {
      assertThat(m.headers()).containsEntry("riskgate.source.topic", input);
      decidedAt.merge(Long.parseLong(m.headers().get("riskgate.source.offset")), 1, Integer::sum);
    }
    assertThat(decidedAt.entrySet().stream().filter(e -> e.getValue() > 1).toList()).as("messages decided twice").isEmpty();
    java.util.Set<Long> missing = new java.util.TreeSet<>(valid.keySet());
    missing.removeAll(decidedAt.keySet());
    java.util.Set<Long> extra = new java.util.TreeSet<>(decidedAt.keySet());
    extra.removeAll(valid.keySet());
    assertThat(missing).as("valid messages without a decision (of %d)", valid.size()).isEmpty();
    assertThat(extra).as("decisions for messages that are not valid events").isEmpty();

    Map<Long, String> lettered = new HashMap<>();
    for (KafkaTools.Message m : letters) {
      String previous = lettered.put(Long.parseLong(m.headers().get("riskgate.source.offset")), m.headers().get("riskgate.error.reason"));
      assertThat(previous).as("a message dead-lettered twice").isNull();
    }
    assertThat(lettered).isEqualTo(invalid);

    // the oracle sees the events in the order of the decisions topic
    FeatureCrashTest.Oracle oracle = new FeatureCrashTest.Oracle();
    int flagged = 0;
    for (KafkaTools.Message m : out) {
      FeatureCrashTest.Ev e = valid.get(Long.parseLong(m.headers().get("riskgate.source.offset")));
      Map<String, Object> d = obj(m.text());
      boolean[] repeated = new boolean[1];
      Map<String, Object> want = oracle.apply(e, repeated);
      assertThat(m.key()).contains(e.id());
      assertThat(d.get("features")).as("features of %s in %s", e, m.text()).isEqualTo(want);
      assertThat((List<?>) d.get("degraded")).as("%s", m.text()).isEmpty();
      if (!d.get("repeated").equals(repeated[0])) {
        // the one event the kill caught after its features were counted and before its decision was
        // journalled is decided again as a repeat, with the same values (nothing was counted after it)
        assertThat(d.get("repeated")).as("%s", m.text()).isEqualTo(true);
        flagged++;
      }
    }
    assertThat(flagged).as("decisions flagged as repeats that were not").isLessThanOrEqualTo(1);
  }
}
