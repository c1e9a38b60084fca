package io.riskgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pattern ending with 'not:' fires for a quiet key by its timer, once, and is counted in the metrics. */
class PatternTimeoutServerTest {
  static final String RULES = """
      ruleset: resets
      timezone: UTC
      events:
        login:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            ts: {type: timestamp, required: true}
        password_reset:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            ts: {type: timestamp, required: true}
      patterns:
        reset_unused:
          by: account_id
          within: 1m
          steps:
            - event: password_reset
            - not: {event: login}
      rules:
        - id: reset-unused
          when: matched('reset_unused')
          action: review
      """;

  @Test
  void quietKeysTimeoutIsCountedOnce(@TempDir Path dir) throws Exception {
    Path rules = Files.createDirectories(dir.resolve("rules"));
    Files.writeString(rules.resolve("resets.yaml"), RULES);
    try (RiskgateServer server = RiskgateServer.start(ServerConfig.load(Optional.empty(), TestSupport.demoEnv(dir.resolve("data"),
        "RISKGATE_RULES_PATH", rules.toString(), "RISKGATE_TAGS_SEED_FILE", null,
        "RISKGATE_FEATURES_ALLOWED_LATENESS", "1s", "RISKGATE_PATTERNS_TIMER_INTERVAL", "100ms")))) {
      TestSupport.Api api = new TestSupport.Api(server);
      assertThat(api.decide("{\"event_type\":\"password_reset\",\"id\":\"r1\",\"account_id\":\"quiet\",\"ts\":1767225600}").statusCode())
          .isEqualTo(200);
      // another account moves the stream two minutes on
      assertThat(api.decide("{\"event_type\":\"login\",\"id\":\"l1\",\"account_id\":\"busy\",\"ts\":1767225720}").statusCode())
          .isEqualTo(200);
      String line = "riskgate_pattern_timeouts_total{pattern=\"reset_unused\",ruleset=\"resets\"} 1.0";
      long until = System.nanoTime() + 15_000_000_000L;
      while (!api.get("/metrics").body().contains(line) && System.nanoTime() < until) {
        Thread.sleep(100);
      }
      assertThat(api.get("/metrics").body()).contains(line);
      // fired by the timer: the account's next event does not fire it again (rules would send it to review)
      assertThat(api.decide("{\"event_type\":\"login\",\"id\":\"l2\",\"account_id\":\"quiet\",\"ts\":1767225721}").body())
          .contains("\"decision\":\"accept\"");
    }
  }
}
