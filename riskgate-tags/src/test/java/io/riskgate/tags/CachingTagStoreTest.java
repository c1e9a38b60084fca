package io.riskgate.tags;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.riskgate.engine.TagSource;
import io.riskgate.lang.TagView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachingTagStoreTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Change WHO = new Change("alice", "test");

  /** A store that counts reads, can be slowed down, and can be made to fail. */
  static final class FlakyStore implements java.lang.reflect.InvocationHandler {
    final TagStore inner = TagStore.inMemory(Clock.fixed(T0, ZoneOffset.UTC));
    final AtomicInteger lookups = new AtomicInteger();
    final AtomicBoolean down = new AtomicBoolean();
    volatile CountDownLatch gate;

    TagStore proxy() {
      return (TagStore) java.lang.reflect.Proxy.newProxyInstance(TagStore.class.getClassLoader(), new Class<?>[] {TagStore.class}, this);
    }

    @Override
    public Object invoke(Object p, java.lang.reflect.Method m, Object[] args) throws Throwable {
      if (m.getName().equals("lookup") || m.getName().equals("contains") || m.getName().equals("tags")) {
        if (down.get()) {
          throw new TagStoreException("connection refused", null);
        }
        lookups.incrementAndGet();
        CountDownLatch g = gate;
        if (g != null) {
          g.await(5, TimeUnit.SECONDS);
        }
      }
      if (m.isDefault()) {
        return java.lang.reflect.InvocationHandler.invokeDefault(p, m, args);
      }
      try {
        return m.invoke(inner, args);
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  final AtomicLong nanos = new AtomicLong();
  final Ticker ticker = nanos::get;
  final FlakyStore flaky = new FlakyStore();
  final CachingTagStore cache = CachingTagStore.over(flaky.proxy(), 1000, Duration.ofSeconds(5), ticker, Optional.empty(), Duration.ZERO);

  static Map<String, Attribute> level(long l) {
    return Map.of("risk_level", new Attribute("risk_level", l, Optional.empty(), "t", T0));
  }

  @Test
  void shouldAnswerFromMemoryWithinTheStalenessBoundAndDropTheEntryOnWrite() {
    cache.putTags("account", "a1", level(2), WHO);
    assertThat(cache.lookup("account", "a1").numberOrNaN("risk_level")).isEqualTo(2.0);
    assertThat(cache.lookup("account", "a1").numberOrNaN("risk_level")).isEqualTo(2.0);
    assertThat(flaky.lookups.get()).isEqualTo(1);

    cache.putTags("account", "a1", level(3), WHO);
    assertThat(cache.lookup("account", "a1").numberOrNaN("risk_level")).isEqualTo(3.0);
    assertThat(flaky.lookups.get()).isEqualTo(2);

    nanos.addAndGet(Duration.ofSeconds(5).toNanos());
    cache.lookup("account", "a1");
    assertThat(flaky.lookups.get()).isEqualTo(3);
    assertThat(cache.stats().hits()).isEqualTo(1);
  }

  @Test
  void shouldReadTheStoreOnceForManyConcurrentMissesOfOneEntity() throws Exception {
    cache.putTags("merchant", "hot", level(1), WHO);
    flaky.gate = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<TagView>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(pool.submit(() -> cache.lookup("merchant", "hot")));
      }
      // the first load is in flight and held at the gate; the others wait on it or come after it
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (flaky.lookups.get() == 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(flaky.lookups.get()).isEqualTo(1);
      flaky.gate.countDown();
      for (Future<TagView> f : results) {
        assertThat(f.get(5, TimeUnit.SECONDS).numberOrNaN("risk_level")).isEqualTo(1.0);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(flaky.lookups.get()).isEqualTo(1);
  }

  @Test
  void shouldKeepDecidingWhenTheStoreIsDownAndSayHow() {
    cache.putTags("account", "known", level(3), WHO);
    cache.lookup("account", "known");
    flaky.down.set(true);
    nanos.addAndGet(Duration.ofSeconds(6).toNanos());

    TagSource.Lookup known = cache.lookupChecked("account", "known");
    assertThat(known.view().numberOrNaN("risk_level")).isEqualTo(3.0);
    assertThat(known.degraded()).hasValueSatisfying(r -> assertThat(r).contains("last read"));

    TagSource.Lookup unknown = cache.lookupChecked("account", "never-seen");
    assertThat(unknown.view().attributes()).isEmpty();
    assertThat(unknown.degraded()).hasValueSatisfying(r -> assertThat(r).contains("defaults applied"));

    // after one failure the store is left alone for the backoff: nothing waits on it
    assertThat(cache.stats().failures()).isEqualTo(1);
    flaky.down.set(false);
    assertThat(cache.lookupChecked("account", "known").degraded()).isPresent();
    nanos.addAndGet(CachingTagStore.BACKOFF.toNanos());
    TagSource.Lookup recovered = cache.lookupChecked("account", "known");
    assertThat(recovered.degraded()).isEmpty();
    assertThat(recovered.view().numberOrNaN("risk_level")).isEqualTo(3.0);
  }

  /** A shared cache in memory, counting its round trips. */
  static final class CountingShared implements SharedTagCache {
    final Map<Map.Entry<String, String>, Map<String, Object>> data = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicInteger gets = new AtomicInteger();
    final AtomicInteger multiGets = new AtomicInteger();

    @Override
    public Optional<Map<String, Object>> get(String entity, String key) {
      gets.incrementAndGet();
      return Optional.ofNullable(data.get(Map.entry(entity, key)));
    }

    @Override
    public Map<Map.Entry<String, String>, Map<String, Object>> getAll(List<Map.Entry<String, String>> keys) {
      multiGets.incrementAndGet();
      Map<Map.Entry<String, String>, Map<String, Object>> out = new java.util.HashMap<>();
      keys.forEach(k -> Optional.ofNullable(data.get(k)).ifPresent(v -> out.put(k, v)));
      return out;
    }

    @Override
    public void put(String entity, String key, Map<String, Object> attributes, Duration ttl) {
      data.put(Map.entry(entity, key), attributes);
    }

    @Override
    public void invalidate(String entity, String key) {
      data.remove(Map.entry(entity, key));
    }

    @Override
    public void onInvalidation(java.util.function.BiConsumer<String, String> listener) {}

    @Override
    public void close() {}
  }

  @Test
  void shouldFetchTheEntitiesOfOneEventFromTheSharedCacheInOneRoundTrip() {
    CountingShared shared = new CountingShared();
    shared.put("account", "a1", Map.of("risk_level", 3L), Duration.ofMinutes(1));
    shared.put("device", "d1", Map.of("emulator", true), Duration.ofMinutes(1));
    CachingTagStore store = CachingTagStore.over(flaky.proxy(), 1000, Duration.ofSeconds(5), ticker, Optional.of(shared),
        Duration.ofMinutes(1));
    store.prefetch(List.of(Map.entry("account", "a1"), Map.entry("device", "d1"), Map.entry("ip", "1.2.3.4")));
    assertThat(shared.multiGets.get()).isEqualTo(1);
    assertThat(store.lookup("account", "a1").numberOrNaN("risk_level")).isEqualTo(3.0);
    assertThat(store.lookup("device", "d1").booleanOrNaN("emulator")).isEqualTo(1.0);
    assertThat(shared.gets.get()).isZero();
    assertThat(flaky.lookups.get()).isZero();
    // the one Redis lacked is read the usual way, then written back
    store.lookup("ip", "1.2.3.4");
    assertThat(shared.gets.get()).isEqualTo(1);
    assertThat(flaky.lookups.get()).isEqualTo(1);
    assertThat(shared.data).containsKey(Map.entry("ip", "1.2.3.4"));
  }
}
