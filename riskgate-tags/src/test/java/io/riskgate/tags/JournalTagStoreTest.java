package io.riskgate.tags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTagStoreTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Change WHO = new Change("alice", "case 42");

  /** A clock the test moves. */
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

  @TempDir Path dir;
  final TestClock clock = new TestClock();

  static Attribute attr(String name, Object value) {
    return new Attribute(name, value, Optional.empty(), "test", T0);
  }

  @Test
  void shouldServeTagsAndListsToTheEngineAndKeepThemAcrossRestarts() {
    try (TagStore store = TagStore.embedded(dir, clock)) {
      store.putTags("account", "a1", Map.of("risk_level", attr("risk_level", 2L), "labels", attr("labels", Set.of("mule_suspect"))), WHO);
      store.putTags("account", "a1", Map.of("score", attr("score", 0.75)), WHO);
      store.addListEntry(new ListEntry("blocked_ips", "10.0.0.1", Optional.empty(), "abuse", T0), WHO);
      store.addListEntry(new ListEntry("blocked_ips", "10.0.0.2", Optional.empty(), "abuse", T0), WHO);
      assertThat(store.removeListEntry("blocked_ips", "10.0.0.2", WHO)).isTrue();
      assertThat(store.deleteTags("account", "a1", Optional.of("score"), WHO)).isTrue();
    }
    try (TagStore store = TagStore.embedded(dir, clock)) {
      assertThat(store.lookup("account", "a1").numberOrNaN("risk_level")).isEqualTo(2.0);
      assertThat(store.lookup("account", "a1").setContains("labels", "mule_suspect")).isTrue();
      assertThat(store.lookup("account", "a1").has("score")).isFalse();
      assertThat(store.lookup("account", "nobody").attributes()).isEmpty();
      assertThat(store.contains("blocked_ips", "10.0.0.1")).isTrue();
      assertThat(store.contains("blocked_ips", "10.0.0.2")).isFalse();
      assertThat(store.audit(10)).extracting(AuditRecord::action)
          .containsExactly("tags_deleted", "list_removed", "list_added", "list_added", "tags_set", "tags_set");
      assertThat(store.audit(1).get(0)).satisfies(r -> {
        assertThat(r.seq()).isEqualTo(6);
        assertThat(r.actor()).isEqualTo("alice");
        assertThat(r.reason()).isEqualTo("case 42");
        assertThat(r.target()).isEqualTo("account:a1.score");
      });
    }
  }

  @Test
  void shouldStopServingValuesWhenTheyExpire() {
    try (TagStore store = TagStore.inMemory(clock)) {
      store.putTags("device", "d1", Map.of("flag", new Attribute("flag", true, Optional.of(T0.plusSeconds(60)), "x", T0),
          "seen", attr("seen", 3L)), WHO);
      store.addListEntry(new ListEntry("vip", "a1", Optional.of(T0.plusSeconds(60)), "promo", T0), WHO);
      assertThat(store.lookup("device", "d1").booleanOrNaN("flag")).isEqualTo(1.0);
      assertThat(store.contains("vip", "a1")).isTrue();
      clock.now = T0.plus(Duration.ofSeconds(60));
      assertThat(store.lookup("device", "d1").has("flag")).isFalse();
      assertThat(store.lookup("device", "d1").numberOrNaN("seen")).isEqualTo(3.0);
      assertThat(store.tags("device", "d1")).containsOnlyKeys("seen");
      assertThat(store.contains("vip", "a1")).isFalse();
      assertThat(store.listEntries("vip", 10)).isEmpty();
    }
  }

  @Test
  void shouldDropATornLastLineButRefuseACorruptJournal() throws IOException {
    try (TagStore store = TagStore.embedded(dir, clock)) {
      store.putTags("account", "a1", Map.of("risk_level", attr("risk_level", 3L)), WHO);
    }
    Path journal = dir.resolve(JournalTagStore.FILE);
    Files.writeString(journal, "{\"seq\":2,\"at\":\"2026-01-01T00:00:00Z\",\"op\":\"tags_se", StandardOpenOption.APPEND);
    try (TagStore store = TagStore.embedded(dir, clock)) {
      assertThat(store.lookup("account", "a1").numberOrNaN("risk_level")).isEqualTo(3.0);
      store.putTags("account", "a2", Map.of("risk_level", attr("risk_level", 1L)), WHO);
    }
    try (TagStore store = TagStore.embedded(dir, clock)) {
      assertThat(store.entityCount()).isEqualTo(2);
      assertThat(store.audit(10)).hasSize(2);
    }
    String text = Files.readString(journal, StandardCharsets.UTF_8);
    Files.writeString(journal, "not json\n" + text);
    assertThatThrownBy(() -> TagStore.embedded(dir, clock))
        .isInstanceOf(TagStoreException.class)
        .hasMessageContaining(":1: unreadable journal line");
  }

  @Test
  void shouldRefuseASecondProcessOnTheSameJournal() {
    try (TagStore store = TagStore.embedded(dir, clock)) {
      store.putTags("account", "a1", Map.of("risk_level", attr("risk_level", 3L)), WHO);
      // a lock held by this JVM reads as overlapping; another process gets null from tryLock
      assertThatThrownBy(() -> TagStore.embedded(dir, clock)).isInstanceOf(TagStoreException.class);
    }
    try (TagStore store = TagStore.embedded(dir, clock)) {
      assertThat(store.entityCount()).isEqualTo(1);
    }
  }

  @Test
  void shouldRefuseACompleteLastLineItCannotRead() throws IOException {
    try (TagStore store = TagStore.embedded(dir, clock)) {
      store.putTags("account", "a1", Map.of("risk_level", attr("risk_level", 3L)), WHO);
    }
    Files.writeString(dir.resolve(JournalTagStore.FILE), "{\"seq\":2,\"op\":\"from_the_future\"}\n", StandardOpenOption.APPEND);
    assertThatThrownBy(() -> TagStore.embedded(dir, clock))
        .isInstanceOf(TagStoreException.class)
        .hasMessageContaining(":2: unreadable journal line");
  }

  @Test
  void shouldReportWhetherADeleteFoundAnything() {
    try (TagStore store = TagStore.inMemory(clock)) {
      assertThat(store.deleteTags("account", "none", Optional.empty(), WHO)).isFalse();
      assertThat(store.removeListEntry("l", "v", WHO)).isFalse();
      store.putTags("account", "a", Map.of("x", attr("x", "y")), WHO);
      assertThat(store.deleteTags("account", "a", Optional.of("other"), WHO)).isFalse();
      assertThat(store.deleteTags("account", "a", Optional.empty(), WHO)).isTrue();
      assertThat(store.entityCount()).isZero();
      assertThat(store.audit(10)).hasSize(2);
    }
  }
}
