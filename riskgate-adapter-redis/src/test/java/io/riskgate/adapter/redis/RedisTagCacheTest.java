package io.riskgate.adapter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.tags.TagStoreException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Against a real Redis, started by scripts/services.sh (scripts/test.sh does it). */
class RedisTagCacheTest {
  static String url() {
    String v = System.getenv("RISKGATE_REDIS_URL");
    if (v == null) {
      throw new IllegalStateException("RISKGATE_REDIS_URL is not set: run the tests with scripts/test.sh, which starts Redis");
    }
    return v;
  }

  @Test
  void shouldCacheEveryKindOfValueAndTheAbsenceOfTags() {
    try (RedisTagCache cache = RedisTagCache.open(url(), Duration.ofMillis(500))) {
      String key = "k-" + System.nanoTime();
      assertThat(cache.get("account", key)).isEmpty();
      Map<String, Object> values = Map.of("risk_level", 2L, "score", 0.1 + 0.2, "vip", true, "name", "a:b", "labels", Set.of("x", "y"));
      cache.put("account", key, values, Duration.ofSeconds(30));
      assertThat(cache.get("account", key)).hasValue(values);
      cache.put("account", key + "-none", Map.of(), Duration.ofSeconds(30));
      assertThat(cache.get("account", key + "-none")).hasValue(Map.of());
      // entity names holding ':' stay apart
      cache.put("a:b", "c", Map.of("v", 1L), Duration.ofSeconds(30));
      assertThat(cache.get("a", "b:c")).isEmpty();
    }
  }

  @Test
  void shouldTellEveryEngineWhenAnEntityChanges() throws Exception {
    try (RedisTagCache one = RedisTagCache.open(url(), Duration.ofMillis(500));
        RedisTagCache two = RedisTagCache.open(url(), Duration.ofMillis(500))) {
      String key = "inv-" + System.nanoTime();
      CountDownLatch heard = new CountDownLatch(1);
      two.onInvalidation((entity, k) -> {
        if (entity.equals("acc:ount") && k.equals(key)) {
          heard.countDown();
        }
      });
      one.put("acc:ount", key, Map.of("risk_level", 1L), Duration.ofSeconds(30));
      one.invalidate("acc:ount", key);
      assertThat(heard.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(two.get("acc:ount", key)).isEmpty();
    }
  }

  @Test
  void shouldFailFastWhenRedisCannotBeReached() {
    try (RedisTagCache cache = RedisTagCache.open("redis://127.0.0.1:1", Duration.ofMillis(200))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> cache.get("account", "a")).isInstanceOf(TagStoreException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
    assertThatThrownBy(() -> RedisTagCache.open("not a url", Duration.ofMillis(200))).isInstanceOf(TagStoreException.class);
  }

  @Test
  void shouldReadManyEntitiesInOneRoundTrip() {
    try (RedisTagCache cache = RedisTagCache.open(url(), Duration.ofMillis(500))) {
      String key = "multi-" + System.nanoTime();
      cache.put("account", key, Map.of("risk_level", 3L), Duration.ofSeconds(30));
      cache.put("device", key, Map.of(), Duration.ofSeconds(30));
      var got = cache.getAll(java.util.List.of(Map.entry("account", key), Map.entry("ip", key), Map.entry("device", key)));
      assertThat(got).containsOnlyKeys(Map.entry("account", key), Map.entry("device", key));
      assertThat(got.get(Map.entry("account", key))).containsEntry("risk_level", 3L);
      assertThat(got.get(Map.entry("device", key))).isEmpty();
    }
  }
}
