package io.riskgate.adapter.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.tags.Attribute;
import io.riskgate.tags.AuditRecord;
import io.riskgate.tags.Change;
import io.riskgate.tags.ListEntry;
import io.riskgate.tags.TagStore;
import io.riskgate.tags.TagStoreException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real PostgreSQL, started by scripts/services.sh (scripts/test.sh does it). */
class PostgresTagStoreTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Change WHO = new Change("alice", "case 42");

  static String env(String name) {
    String v = System.getenv(name);
    if (v == null) {
      throw new IllegalStateException(name + " is not set: start PostgreSQL with `scripts/services.sh start postgres`"
          + " and export the variables of `scripts/services.sh env` (scripts/test.sh does both)");
    }
    return v;
  }

  static PostgresTagStore.Settings settings() {
    return new PostgresTagStore.Settings(env("RISKGATE_POSTGRES_URL"), env("RISKGATE_POSTGRES_USER"),
        env("RISKGATE_POSTGRES_PASSWORD"), 4, Duration.ofSeconds(2));
  }

  static final class TestClock extends Clock {
    Instant now = T0;

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final TestClock clock = new TestClock();

  static Attribute attr(String name, Object value) {
    return new Attribute(name, value, Optional.empty(), "test", T0);
  }

  @BeforeEach
  void emptyTheTables() throws Exception {
    PostgresTagStore.open(settings(), clock).close(); // migrates
    try (Connection c = DriverManager.getConnection(env("RISKGATE_POSTGRES_URL"), env("RISKGATE_POSTGRES_USER"),
        env("RISKGATE_POSTGRES_PASSWORD")); Statement s = c.createStatement()) {
      s.execute("truncate tag_values, list_entries, audit restart identity");
    }
  }

  @Test
  void shouldKeepEveryKindOfValueAndAuditEveryChange() {
    try (TagStore store = PostgresTagStore.open(settings(), clock)) {
      store.putTags("account", "a1", Map.of(
          "risk_level", attr("risk_level", 2L),
          "score", attr("score", 0.1 + 0.2),
          "vip", attr("vip", true),
          "nickname", attr("nickname", "it's \"quoted\", with, commas"),
          "labels", attr("labels", Set.of("mule_suspect", "b"))), WHO);
      assertThat(store.lookup("account", "a1").numberOrNaN("risk_level")).isEqualTo(2.0);
      assertThat(store.lookup("account", "a1").numberOrNaN("score")).isEqualTo(0.1 + 0.2);
      assertThat(store.lookup("account", "a1").booleanOrNaN("vip")).isEqualTo(1.0);
      assertThat(store.lookup("account", "a1").stringOrNull("nickname")).isEqualTo("it's \"quoted\", with, commas");
      assertThat(store.lookup("account", "a1").setContains("labels", "mule_suspect")).isTrue();
      assertThat(store.lookup("account", "none").attributes()).isEmpty();

      store.addListEntry(new ListEntry("blocked_ips", "10.0.0.1", Optional.empty(), "abuse", T0), WHO);
      assertThat(store.contains("blocked_ips", "10.0.0.1")).isTrue();
      assertThat(store.removeListEntry("blocked_ips", "10.0.0.1", WHO)).isTrue();
      assertThat(store.removeListEntry("blocked_ips", "10.0.0.1", WHO)).isFalse();
      assertThat(store.deleteTags("account", "a1", Optional.of("vip"), WHO)).isTrue();
      assertThat(store.deleteTags("account", "a1", Optional.of("vip"), WHO)).isFalse();
      assertThat(store.tags("account", "a1")).containsOnlyKeys("labels", "nickname", "risk_level", "score");
      assertThat(store.audit(10)).extracting(AuditRecord::action)
          .containsExactly("tags_deleted", "list_removed", "list_added", "tags_set");
      assertThat(store.audit(1).get(0).actor()).isEqualTo("alice");
      assertThat(store.entityCount()).isEqualTo(1);
    }
  }

  @Test
  void shouldStopServingValuesWhenTheyExpire() {
    try (TagStore store = PostgresTagStore.open(settings(), clock)) {
      store.putTags("device", "d1", Map.of("flag", new Attribute("flag", true, Optional.of(T0.plusSeconds(60)), "x", T0)), WHO);
      store.addListEntry(new ListEntry("vip", "a1", Optional.of(T0.plusSeconds(60)), "promo", T0), WHO);
      assertThat(store.lookup("device", "d1").has("flag")).isTrue();
      clock.now = T0.plusSeconds(60);
      assertThat(store.lookup("device", "d1").has("flag")).isFalse();
      assertThat(store.contains("vip", "a1")).isFalse();
      assertThat(store.entities()).isEmpty();
    }
  }

  @Test
  void shouldCommitABatchAsOneTransactionAndRollItBackOnFailure() {
    try (TagStore store = PostgresTagStore.open(settings(), clock)) {
      store.batch(() -> {
        for (int i = 0; i < 50; i++) {
          store.putTags("account", "b" + i, Map.of("risk_level", attr("risk_level", (long) i)), WHO);
        }
      });
      assertThat(store.entityCount()).isEqualTo(50);
      assertThatThrownBy(() -> store.batch(() -> {
        store.putTags("account", "c1", Map.of("risk_level", attr("risk_level", 1L)), WHO);
        throw new IllegalStateException("stop");
      })).isInstanceOf(IllegalStateException.class);
      assertThat(store.tags("account", "c1")).isEmpty();
      assertThat(store.entities().map(TagStore.EntityTags::key).limit(2)).containsExactly("b0", "b1");
    }
  }

  @Test
  void shouldNameTheDatabaseWhenItCannotConnect() {
    PostgresTagStore.Settings wrong = new PostgresTagStore.Settings("jdbc:postgresql://127.0.0.1:1/riskgate", "x", "y", 1,
        Duration.ofMillis(500));
    assertThatThrownBy(() -> PostgresTagStore.open(wrong, clock))
        .isInstanceOf(TagStoreException.class)
        .hasMessageContaining("jdbc:postgresql://127.0.0.1:1/riskgate")
        .hasMessageNotContaining("y,");
    assertThat(wrong.toString()).doesNotContain("password=y");
  }
}
