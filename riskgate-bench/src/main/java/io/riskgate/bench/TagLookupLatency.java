package io.riskgate.bench;

import io.riskgate.adapter.postgres.PostgresTagStore;
import io.riskgate.adapter.redis.RedisTagCache;
import io.riskgate.tags.Attribute;
import io.riskgate.tags.CachingTagStore;
import io.riskgate.tags.Change;
import io.riskgate.tags.TagStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Latency of one tag lookup at each cache level: a local hit, a Redis hit, a database read, and a
 * full miss (local miss, Redis miss, database read, write back to Redis). Needs the PostgreSQL and
 * Redis of scripts/services.sh (scripts/bench-tags.sh starts them).
 *
 * <pre>java -cp benchmarks.jar io.riskgate.bench.TagLookupLatency [LOOKUPS]</pre>
 */
public final class TagLookupLatency {
  private TagLookupLatency() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    String url = env("RISKGATE_POSTGRES_URL");
    PostgresTagStore.Settings pg = new PostgresTagStore.Settings(url, env("RISKGATE_POSTGRES_USER"),
        env("RISKGATE_POSTGRES_PASSWORD"), 4, Duration.ofSeconds(2));
    Clock clock = Clock.systemUTC();
    int keys = 1000;
    try (PostgresTagStore db = PostgresTagStore.open(pg, clock);
        RedisTagCache redis = RedisTagCache.open(env("RISKGATE_REDIS_URL"), Duration.ofMillis(200))) {
      Change who = new Change("bench", "tag lookup latency");
      db.batch(() -> {
        for (int i = 0; i < keys; i++) {
          for (String prefix : new String[] {"bench-", "miss-"}) {
            db.putTags("account", prefix + i, Map.of("risk_level",
                new Attribute("risk_level", (long) (i % 3 + 1), Optional.empty(), "bench", Instant.now())), who);
          }
        }
      });
      Map<String, Object> value = Map.of("risk_level", 2L);
      for (int i = 0; i < keys; i++) {
        redis.put("account", "bench-" + i, value, Duration.ofMinutes(10));
      }
      CachingTagStore local = CachingTagStore.over(TagStore.inMemory(clock), 100_000, Duration.ofHours(1));
      local.putTags("account", "hot", Map.of("risk_level", new Attribute("risk_level", 3L, Optional.empty(), "b", Instant.now())), who);
      local.lookup("account", "hot");

      System.out.printf(Locale.ROOT, "%-44s %10s %10s %10s %10s%n", "level (" + n + " lookups)", "p50", "p90", "p99", "max");
      report("local hit (in-process cache)", n * 50, i -> local.lookup("account", "hot"));
      report("Redis hit", n, i -> redis.get("account", "bench-" + (i % keys)));
      report("database read (PostgreSQL)", n, i -> db.tags("account", "bench-" + (i % keys)));
      // a local cache that keeps nothing, and Redis entries that expire after 1 ms: every lookup
      // misses both, reads the database and writes back to Redis
      for (int i = 0; i < keys; i++) {
        redis.invalidate("account", "miss-" + i);
      }
      CachingTagStore full = CachingTagStore.over(db, 1, Duration.ofNanos(1), redis, Duration.ofMillis(1));
      report("full miss: local, Redis, database, write-back", n, i -> full.lookup("account", "miss-" + (i % keys)));
    }
  }

  private static void report(String name, int n, IntConsumer lookup) {
    for (int i = 0; i < Math.min(n, 20_000); i++) {
      lookup.accept(i); // warm-up
    }
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      lookup.accept(i);
      t[i] = System.nanoTime() - start;
    }
    Arrays.sort(t);
    System.out.printf(Locale.ROOT, "%-44s %10s %10s %10s %10s%n", name, fmt(t[n / 2]), fmt(t[(int) (n * 0.9)]),
        fmt(t[(int) (n * 0.99)]), fmt(t[n - 1]));
  }

  private static String fmt(long nanos) {
    return nanos < 10_000 ? nanos + " ns" : String.format(Locale.ROOT, "%.1f us", nanos / 1000.0);
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null) {
      throw new IllegalStateException(name + " is not set: run scripts/bench-tags.sh, which starts the services");
    }
    return v;
  }
}
