package io.riskgate.server;

import static io.riskgate.server.TestSupport.at;
import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partial matches in flight when the server is killed with SIGKILL: accounts have sent their failed
 * logins and reset, some before a checkpoint, some only in the state log; after the restart each
 * account's withdrawal completes its sequence, and the reason quotes the events sent before the kill.
 */
class PatternCrashTest {
  static final String RULES = """
      ruleset: takeover
      timezone: UTC
      events:
        login:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            status: {type: string, required: true}
            ts: {type: timestamp, required: true}
        password_reset:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            ts: {type: timestamp, required: true}
        withdrawal:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            amount: {type: double, required: true}
            ts: {type: timestamp, required: true}
      patterns:
        burst_then_payout:
          by: account_id
          within: 10m
          steps:
            - event: login
              when: status == 'failed'
              times: 3
            - event: password_reset
            - event: withdrawal
      rules:
        - id: payout
          events: [withdrawal]
          when: matched('burst_then_payout')
          action: reject
          reason: "payout after {matched_events('burst_then_payout')}"
      """;
  static final int ACCOUNTS = 200;
  static final long T0 = 1_767_225_600_000L;

  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Map<String, Object> decide(int port, String json) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/decisions"))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return obj(r.body());
  }

  /** Waits for a checkpoint that began after this call (the second completed from now). */
  void awaitCheckpoint(int port) throws Exception {
    long before = checkpoints(port);
    long until = System.nanoTime() + 20_000_000_000L;
    while (checkpoints(port) < before + 2) {
      assertThat(System.nanoTime()).as("checkpoints").isLessThan(until);
      Thread.sleep(50);
    }
  }

  long checkpoints(int port) throws Exception {
    String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^riskgate_features_checkpoints_total (\\S+)$").matcher(body);
    assertThat(m.find()).as("the checkpoint counter in %s", body).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  Process start(int port, Path rules) throws Exception {
    return TestSupport.startServer(dir, port, Map.of("RISKGATE_RULES_PATH", rules.toString(),
        "RISKGATE_FEATURES_CHECKPOINT_INTERVAL", "500ms", "RISKGATE_FEATURES_CACHE_RECORDS", "64"));
  }

  @Test
  void shouldCompleteTheSequencesInFlightAfterAKill() throws Exception {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(rules.resolve("takeover.yaml"), RULES);
    int port = FeatureCrashTest.freePort();
    Process server = start(port, rules);
    try {
      for (int a = 0; a < ACCOUNTS; a++) {
        long t = T0 + a * 1000L;
        for (int i = 1; i <= 3; i++) {
          assertThat(decide(port, "{\"event_type\":\"login\",\"id\":\"l" + a + "-" + i + "\",\"account_id\":\"acc" + a
              + "\",\"status\":\"failed\",\"ts\":" + (t + i * 10_000) + "}").get("decision")).isEqualTo("accept");
        }
        assertThat(decide(port, "{\"event_type\":\"password_reset\",\"id\":\"r" + a + "\",\"account_id\":\"acc" + a
            + "\",\"ts\":" + (t + 40_000) + "}").get("decision")).isEqualTo("accept");
        if (a == ACCOUNTS / 2) {
          // the first half goes into a checkpoint; the rest is in the state log only
          awaitCheckpoint(port);
        }
      }
      server.destroyForcibly().waitFor();
      server = start(port, rules);
      for (int a = 0; a < ACCOUNTS; a++) {
        Map<String, Object> d = decide(port, "{\"event_type\":\"withdrawal\",\"id\":\"w" + a + "\",\"account_id\":\"acc" + a
            + "\",\"amount\":500,\"ts\":" + (T0 + a * 1000L + 50_000) + "}");
        assertThat(d.get("decision")).as("account %d: %s", a, d).isEqualTo("reject");
        assertThat(at(d, "matched", 0, "reason")).isEqualTo("payout after l" + a + "-1, l" + a + "-2, l" + a + "-3, r" + a + ", w" + a);
        assertThat(at(d, "patterns", "burst_then_payout")).isEqualTo(List.of("l" + a + "-1", "l" + a + "-2", "l" + a + "-3", "r" + a, "w" + a));
      }
    } finally {
      server.destroyForcibly().waitFor();
    }
  }
}
