package io.riskgate.server;

import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tags from PostgreSQL through Redis, then Redis stopped under load (scripts/services.sh): no
 * decision fails, the ones made without Redis say so, and everything recovers when it is back.
 */
class RedisOutageTest {
  @TempDir Path data;

  static String redis() {
    String v = System.getenv("RISKGATE_REDIS_URL");
    if (v == null) {
      throw new IllegalStateException("RISKGATE_REDIS_URL is not set: run the tests with scripts/test.sh, which starts Redis");
    }
    return v;
  }

  static double sharedHits(TestSupport.Api api) {
    return api.get("/metrics").body().lines()
        .filter(l -> l.startsWith("riskgate_tags_shared_cache_total{result=\"hit\"}"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void shouldServeTagsThroughRedisAndDecideEveryEventWhileRedisIsDown() throws Exception {
    String[] env = {"RISKGATE_POSTGRES_URL", TagsApiTest.pg("RISKGATE_POSTGRES_URL"),
        "RISKGATE_POSTGRES_USER", TagsApiTest.pg("RISKGATE_POSTGRES_USER"),
        "RISKGATE_POSTGRES_PASSWORD", TagsApiTest.pg("RISKGATE_POSTGRES_PASSWORD"),
        "RISKGATE_REDIS_URL", redis(), "RISKGATE_REDIS_TIMEOUT", "200ms",
        "RISKGATE_TAGS_CACHE_STALENESS", "300ms", "RISKGATE_TAGS_SEED_FILE", null};
    String account = "redis-" + System.nanoTime();
    try (RiskgateServer writer = TestSupport.startDemo(data.resolve("one"), env);
        RiskgateServer reader = TestSupport.startDemo(data.resolve("two"), env)) {
      TestSupport.Api one = new TestSupport.Api(writer);
      TestSupport.Api two = new TestSupport.Api(reader);
      HttpResponse<String> set = one.send(one.request("/v1/tags/account/" + account).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"attributes\":{\"risk_level\":3},\"reason\":\"redis test\"}")).build());
      assertThat(set.statusCode()).isEqualTo(200);
      // the first engine reads PostgreSQL and writes the tags back to Redis; the second finds them in Redis
      assertThat(obj(one.decide(TestSupport.event("r0", account, 12000)).body())).containsEntry("decision", "reject");
      assertThat(obj(two.decide(TestSupport.event("r1", account, 12000)).body())).containsEntry("decision", "reject");
      assertThat(sharedHits(two)).isGreaterThanOrEqualTo(1.0);

      PostgresOutageTest.services("stop", "redis");
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int i = 0;
        int degraded = 0;
        while (i < 300 && System.nanoTime() < deadline) {
          String acc = i % 2 == 0 ? account : "redis-unknown-" + i;
          HttpResponse<String> r = two.decide(TestSupport.event("d" + i, acc, 12000));
          assertThat(r.statusCode()).as("decision %d without Redis: %s", i, r.body()).isEqualTo(200);
          Map<String, Object> d = obj(r.body());
          // PostgreSQL still answers: every value is right
          assertThat(d).containsEntry("decision", acc.equals(account) ? "reject" : "accept");
          if (!((List<?>) d.get("degraded")).isEmpty()) {
            degraded++;
          }
          i++;
        }
        assertThat(i).isEqualTo(300);
        assertThat(degraded).isGreaterThan(0);
      } finally {
        PostgresOutageTest.services("start", "redis");
      }

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Map<String, Object> after;
      do {
        after = obj(two.decide(TestSupport.event("x", "redis-after-" + System.nanoTime(), 12000)).body());
      } while (!((List<?>) after.get("degraded")).isEmpty() && System.nanoTime() < deadline);
      assertThat((List<?>) after.get("degraded")).isEmpty();
    }
  }

  @Test
  void shouldShowAChangeOnEveryEngineAtOnceAndDecideWhenBothStoresAreDown() throws Exception {
    // a long staleness bound: only the invalidation message can refresh the other engine
    String[] env = {"RISKGATE_POSTGRES_URL", TagsApiTest.pg("RISKGATE_POSTGRES_URL"),
        "RISKGATE_POSTGRES_USER", TagsApiTest.pg("RISKGATE_POSTGRES_USER"),
        "RISKGATE_POSTGRES_PASSWORD", TagsApiTest.pg("RISKGATE_POSTGRES_PASSWORD"),
        "RISKGATE_POSTGRES_TIMEOUT", "500ms", "RISKGATE_REDIS_URL", redis(), "RISKGATE_REDIS_TIMEOUT", "200ms",
        "RISKGATE_TAGS_CACHE_STALENESS", "1h", "RISKGATE_TAGS_SEED_FILE", null};
    String account = "inv-" + System.nanoTime();
    try (RiskgateServer writer = TestSupport.startDemo(data.resolve("one"), env);
        RiskgateServer reader = TestSupport.startDemo(data.resolve("two"), env)) {
      TestSupport.Api one = new TestSupport.Api(writer);
      TestSupport.Api two = new TestSupport.Api(reader);
      assertThat(obj(two.decide(TestSupport.event("i0", account, 12000)).body())).containsEntry("decision", "accept");
      HttpResponse<String> set = one.send(one.request("/v1/tags/account/" + account).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"attributes\":{\"risk_level\":3},\"reason\":\"invalidation\"}")).build());
      assertThat(set.statusCode()).isEqualTo(200);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      Map<String, Object> seen;
      do {
        seen = obj(two.decide(TestSupport.event("i1", account, 12000)).body());
      } while (!"reject".equals(seen.get("decision")) && System.nanoTime() < deadline);
      assertThat(seen).containsEntry("decision", "reject");
      assertThat(obj(two.get("/ready").body())).containsEntry("degraded", false);

      PostgresOutageTest.services("stop", "redis");
      PostgresOutageTest.services("stop", "postgres");
      try {
        for (int i = 0; i < 50; i++) {
          String acc = i % 2 == 0 ? account : "both-down-" + i;
          HttpResponse<String> r = two.decide(TestSupport.event("b" + i, acc, 12000));
          assertThat(r.statusCode()).as("decision %d with both down: %s", i, r.body()).isEqualTo(200);
          Map<String, Object> d = obj(r.body());
          assertThat(d).containsEntry("decision", acc.equals(account) ? "reject" : "accept");
          if (!acc.equals(account)) {
            assertThat((List<?>) d.get("degraded")).isNotEmpty();
          }
        }
        Map<String, Object> ready = obj(two.get("/ready").body());
        assertThat(ready).containsEntry("status", "ready").containsEntry("degraded", true);
      } finally {
        PostgresOutageTest.services("start", "postgres");
        PostgresOutageTest.services("start", "redis");
      }
      assertThat(two.get("/metrics").body()).contains("riskgate_tags_lookup_latency_seconds_bucket");
    }
  }
}
