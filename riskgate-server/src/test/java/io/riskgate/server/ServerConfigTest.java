package io.riskgate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  @TempDir Path dir;

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("riskgate.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void defaults() {
    ServerConfig c = ServerConfig.load(Optional.empty(), Map.of());
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8787);
    assertThat(c.maxBodyBytes()).isEqualTo(1_048_576L);
    assertThat(c.maxBatch()).isEqualTo(1000);
    assertThat(c.dataDir()).isEqualTo(Path.of("data"));
    assertThat(c.rulesPath()).isEmpty();
    assertThat(c.rulesWatch()).isTrue();
    assertThat(c.rulesWatchInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.tagsSeedFile()).isEmpty();
    assertThat(c.adminToken()).isEmpty();
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.describe()).contains("server.port=8787 [default]").contains("admin.token=(unset)");
  }

  @Test
  void environmentVariableNames() {
    assertThat(ServerConfig.Setting.SERVER_MAX_BODY_BYTES.env()).isEqualTo("RISKGATE_SERVER_MAX_BODY_BYTES");
    assertThat(ServerConfig.Setting.RULES_WATCH_INTERVAL.env()).isEqualTo("RISKGATE_RULES_WATCH_INTERVAL");
    assertThat(ServerConfig.Setting.TAGS_SEED_FILE.env()).isEqualTo("RISKGATE_TAGS_SEED_FILE");
  }

  @Test
  void valuesFromTheFile() throws IOException {
    Path f = file("""
        server:
          host: 0.0.0.0
          port: 9090
          max-body-bytes: 4096
          max-batch: 50
        data:
          dir: /var/lib/riskgate
        rules:
          path: rules
          watch: false
          watch-interval: 500ms
        tags:
          seed-file: tags.jsonl
        log:
          level: DEBUG
        """);
    ServerConfig c = ServerConfig.load(Optional.of(f), Map.of());
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(9090);
    assertThat(c.maxBodyBytes()).isEqualTo(4096L);
    assertThat(c.maxBatch()).isEqualTo(50);
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/riskgate"));
    assertThat(c.rulesPath()).contains(Path.of("rules"));
    assertThat(c.rulesWatch()).isFalse();
    assertThat(c.rulesWatchInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.tagsSeedFile()).contains(Path.of("tags.jsonl"));
    assertThat(c.logLevel()).isEqualTo("debug");
    assertThat(c.describe()).contains("server.port=9090 [" + f + "]");
  }

  @Test
  void dottedKeysInTheFile() throws IOException {
    ServerConfig c = ServerConfig.load(Optional.of(file("server.port: 1234\nrules.watch-interval: 1m\n")), Map.of());
    assertThat(c.port()).isEqualTo(1234);
    assertThat(c.rulesWatchInterval()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void theShippedConfigurationLoads() {
    ServerConfig c = ServerConfig.load(Optional.of(Path.of("../config/riskgate.yaml")), Map.of());
    assertThat(c.port()).isEqualTo(8787);
    assertThat(c.rulesPath()).contains(Path.of("examples/payment-demo"));
    assertThat(c.tagsSeedFile()).contains(Path.of("examples/payment-demo/tags.jsonl"));
    assertThat(c.rulesWatch()).isTrue();
    assertThat(c.rulesWatchInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void environmentOverridesTheFile() throws IOException {
    Path f = file("server:\n  port: 9090\n  host: 10.0.0.1\nrules:\n  watch: true\n");
    ServerConfig c = ServerConfig.load(Optional.of(f), Map.of(
        "RISKGATE_SERVER_PORT", "9191",
        "RISKGATE_RULES_WATCH", "off",
        "RISKGATE_RULES_WATCH_INTERVAL", "3s",
        "UNRELATED", "x"));
    assertThat(c.port()).isEqualTo(9191);
    assertThat(c.host()).isEqualTo("10.0.0.1");
    assertThat(c.rulesWatch()).isFalse();
    assertThat(c.rulesWatchInterval()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.describe())
        .contains("server.port=9191 [environment variable RISKGATE_SERVER_PORT]")
        .contains("server.host=10.0.0.1 [" + f + "]");
  }

  @Test
  void unknownKeyInTheFileSuggestsTheRightOne() throws IOException {
    Path f = file("server:\n  prot: 9090\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(f), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.prot")
        .hasMessageContaining("did you mean 'server.port'")
        .hasMessageContaining(f.toString());
    Path g = file("rules:\n  watch_interval: 1s\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(g), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rules.watch_interval")
        .hasMessageContaining("did you mean 'rules.watch-interval'");
    Path h = file("completely: different\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(h), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'completely'")
        .message().doesNotContain("did you mean");
  }

  @Test
  void badValuesNameTheKeyAndTheSource() throws IOException {
    Path f = file("server:\n  port: abc\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(f), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.port")
        .hasMessageContaining(f.toString())
        .hasMessageContaining("abc");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_SERVER_PORT", "abc")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.port")
        .hasMessageContaining("RISKGATE_SERVER_PORT");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_SERVER_PORT", "70000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.port")
        .hasMessageContaining("65535");

    Path g = file("rules:\n  watch-interval: 5x\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(g), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rules.watch-interval")
        .hasMessageContaining(g.toString())
        .hasMessageContaining("5x");
    for (String bad : new String[] {"5x", "", "s", "ms", "1.5s", "two seconds"}) {
      assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_RULES_WATCH_INTERVAL", bad)))
          .as("'%s'", bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("rules.watch-interval")
          .hasMessageContaining("RISKGATE_RULES_WATCH_INTERVAL");
    }
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_RULES_WATCH", "maybe")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rules.watch");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_SERVER_MAX_BODY_BYTES", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("server.max-body-bytes");
    for (String bad : new String[] {"100", "2147483648"}) {
      assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_FEATURES_LOG_SEGMENT_BYTES", bad)))
          .as("'%s'", bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("features.log-segment-bytes")
          .hasMessageContaining("between 4096 and 1073741824");
    }
    assertThat(ServerConfig.load(Optional.empty(), Map.of("RISKGATE_FEATURES_LOG_SEGMENT_BYTES", "4096")).featuresLogSegmentBytes())
        .isEqualTo(4096);
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_LOG_LEVEL", "loud")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.level");
    Path list = file("server:\n  port: [1, 2]\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(list), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("server.port");
  }

  @Test
  void intervalsMustBePositive() {
    // A zero or negative interval would pass here and then fail when its task is scheduled.
    for (String[] setting : new String[][] {{"rules.watch-interval", "RISKGATE_RULES_WATCH_INTERVAL"},
        {"patterns.timer-interval", "RISKGATE_PATTERNS_TIMER_INTERVAL"}}) {
      for (String bad : new String[] {"0s", "0ms", "-1s", "-500ms", "99999999999999999h"}) {
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(setting[1], bad)))
            .as("%s '%s'", setting[0], bad)
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining(setting[0])
            .hasMessageContaining(setting[1]);
      }
    }
    assertThat(ServerConfig.load(Optional.empty(), Map.of("RISKGATE_PATTERNS_TIMER_INTERVAL", "250ms")).patternsTimerInterval())
        .isEqualTo(java.time.Duration.ofMillis(250));
  }

  @Test
  void malformedFiles() throws IOException {
    Path f = file("server: [unclosed\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(f), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining(f.toString());
    Path g = file("- a\n- b\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(g), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mapping");
    Path dup = file("server:\n  port: 1\n  port: 2\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(dup), Map.of()))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(dir.resolve("missing.yaml")), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("missing.yaml");
    Path empty = file("");
    assertThat(ServerConfig.load(Optional.of(empty), Map.of()).port()).isEqualTo(8787);
  }

  @Test
  void theAdminTokenIsRefusedInTheFile() throws IOException {
    Path f = file("admin:\n  token: hunter2\n");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(f), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.token")
        .hasMessageContaining("RISKGATE_ADMIN_TOKEN")
        .message().doesNotContain("hunter2");
  }

  @Test
  void theAdminTokenComesFromTheEnvironmentOrAFile() throws IOException {
    ServerConfig env = ServerConfig.load(Optional.empty(), Map.of("RISKGATE_ADMIN_TOKEN", "tok-from-env"));
    assertThat(env.adminToken()).contains("tok-from-env");
    assertThat(env.describe()).contains("admin.token=(set)").doesNotContain("tok-from-env");

    Path secret = dir.resolve("token.txt");
    Files.writeString(secret, "  tok-from-file\n");
    ServerConfig fromFile = ServerConfig.load(Optional.empty(), Map.of("RISKGATE_ADMIN_TOKEN_FILE", secret.toString()));
    assertThat(fromFile.adminToken()).contains("tok-from-file");
    assertThat(fromFile.describe())
        .contains("admin.token=(set)")
        .contains("RISKGATE_ADMIN_TOKEN_FILE")
        .doesNotContain("tok-from-file");

    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(),
        Map.of("RISKGATE_ADMIN_TOKEN_FILE", dir.resolve("nope.txt").toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.token")
        .hasMessageContaining("RISKGATE_ADMIN_TOKEN_FILE");

    ServerConfig blank = ServerConfig.load(Optional.empty(), Map.of("RISKGATE_ADMIN_TOKEN", "   "));
    assertThat(blank.adminToken()).isEmpty();
  }

  @Test
  void kafkaSettings() throws IOException {
    assertThat(ServerConfig.load(Optional.empty(), Map.of()).kafka()).isEmpty();
    Path props = dir.resolve("client.properties");
    Files.writeString(props, "ssl.endpoint.identification.algorithm=\nclient.rack=eu-1\n");
    Path f = file("""
        kafka:
          enabled: true
          bootstrap-servers: b1:9093,b2:9093
          input-topic: payments
          transactional-id: engine-a
          commit-interval: 50ms
          security-protocol: SASL_SSL
          sasl-mechanism: SCRAM-SHA-512
          client-properties: %s
        """.formatted(props));
    ServerConfig c = ServerConfig.load(Optional.of(f), Map.of("RISKGATE_KAFKA_SASL_JAAS_CONFIG", "ScramLoginModule required password=\"s3cret\";"));
    var k = c.kafka().orElseThrow();
    assertThat(k.bootstrapServers()).isEqualTo("b1:9093,b2:9093");
    assertThat(k.inputTopic()).isEqualTo("payments");
    assertThat(k.decisionsTopic()).isEqualTo("decisions");
    assertThat(k.transactionalId()).isEqualTo("engine-a");
    assertThat(k.commitInterval()).isEqualTo(Duration.ofMillis(50));
    assertThat(k.replicationFactor()).isZero();
    assertThat(k.clientProperties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("sasl.jaas.config", "ScramLoginModule required password=\"s3cret\";")
        .containsEntry("client.rack", "eu-1").containsEntry("ssl.endpoint.identification.algorithm", "");
    assertThat(c.describe()).contains("kafka.sasl-jaas-config=(set)").doesNotContain("s3cret");
    assertThat(k.toString()).doesNotContain("s3cret");
    // without a transactional id: one per machine
    assertThat(ServerConfig.load(Optional.empty(), Map.of("RISKGATE_KAFKA_ENABLED", "true", "HOSTNAME", "engine-7")).kafka()
        .orElseThrow().transactionalId()).startsWith("riskgate-");
  }

  @Test
  void kafkaSettingsThatCannotWork() {
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_KAFKA_ENABLED", "true",
        "RISKGATE_KAFKA_DECISIONS_TOPIC", "transactions")).kafka())
        .isInstanceOf(ConfigException.class).hasMessageContaining("three different topics");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_KAFKA_BOOTSTRAP_SERVERS", "no-port")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.bootstrap-servers");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_KAFKA_AUTO_OFFSET_RESET", "none")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("earliest or latest");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_KAFKA_ENABLED", "true",
        "RISKGATE_KAFKA_COMMIT_INTERVAL", "1m")).kafka())
        .isInstanceOf(ConfigException.class).hasMessageContaining("commitInterval");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("RISKGATE_KAFKA_ENABLED", "true",
        "RISKGATE_KAFKA_CLIENT_PROPERTIES", dir.resolve("missing.properties").toString())).kafka())
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.client-properties").hasMessageContaining("missing.properties");
  }
}
