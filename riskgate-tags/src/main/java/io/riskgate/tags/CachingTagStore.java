package io.riskgate.tags;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.riskgate.lang.TagView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * An in-process cache in front of a tag store (e.g. PostgreSQL): lookups hit memory, concurrent
 * misses on one entity make one read (single-flight), and writes go to the store first and then
 * drop the cached entry. A value is served for at most the staleness bound before it is read
 * again; while the store is down, the values already cached keep being served, and a lookup that
 * finds nothing cached answers empty (the rules' declared defaults apply) with a degraded flag.
 * After a failed read the store is left alone for {@link #BACKOFF}, so that no decision waits on a
 * database that is down; then the next lookup tries it again.
 */
public final class CachingTagStore implements TagStore {
  private final TagStore store;
  private final Cache<String, TagView> tags;
  private final Cache<String, Boolean> lists;
  private final Cache<String, TagView> lastKnown;
  private final LongAdder failures = new LongAdder();
  private final LongAdder sharedHits = new LongAdder();
  private final LongAdder prefetches = new LongAdder();
  private final LongAdder sharedFailures = new LongAdder();
  private final Ticker ticker;
  private final Optional<SharedTagCache> shared;
  private final Duration sharedTtl;
  private volatile long sharedRetryAt;
  private volatile boolean storeUp = true;
  private volatile boolean sharedUp = true;
  /** After a failed read, the store is not asked again until then (ticker nanoseconds): no decision waits on it. */
  private volatile long retryAt;
  static final Duration BACKOFF = Duration.ofSeconds(1);

  /**
   * Cache statistics.
   *
   * @param hits lookups answered from memory
   * @param misses lookups that read the store
   * @param failures reads of the store that failed
   * @param sharedHits misses here answered by the shared cache
   * @param sharedFailures shared cache operations that failed
   * @param prefetches multi-entity reads of the shared cache (one round trip each)
   */
  public record Stats(long hits, long misses, long failures, long sharedHits, long sharedFailures, long prefetches) {}

  private CachingTagStore(TagStore store, long maxEntries, Duration staleness, Ticker ticker,
      Optional<SharedTagCache> shared, Duration sharedTtl) {
    this.store = store;
    this.ticker = ticker;
    this.retryAt = ticker.read();
    this.sharedRetryAt = ticker.read();
    this.shared = shared;
    this.sharedTtl = sharedTtl;
    this.tags = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(staleness).ticker(ticker).recordStats().build();
    this.lists = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(staleness).ticker(ticker).recordStats().build();
    // what was last read, kept longer, to answer while the store is down
    this.lastKnown = Caffeine.newBuilder().maximumSize(maxEntries).ticker(ticker).build();
    // another engine changed an entity: drop the copy here
    shared.ifPresent(c -> c.onInvalidation((entity, key) -> this.tags.invalidate(id(entity, key))));
  }

  /** Caches {@code store} with at most {@code maxEntries} entities and a staleness bound. */
  public static CachingTagStore over(TagStore store, long maxEntries, Duration staleness) {
    return new CachingTagStore(store, maxEntries, staleness, Ticker.systemTicker(), Optional.empty(), Duration.ZERO);
  }

  /**
   * The same, with a cache shared by all engines (e.g. Redis) between this one and the store: read
   * through on a miss, written back with {@code sharedTtl}, invalidated on every write.
   */
  public static CachingTagStore over(TagStore store, long maxEntries, Duration staleness, SharedTagCache shared,
      Duration sharedTtl) {
    return new CachingTagStore(store, maxEntries, staleness, Ticker.systemTicker(), Optional.of(shared), sharedTtl);
  }

  /** For tests: a controllable clock, in nanoseconds. */
  static CachingTagStore over(TagStore store, long maxEntries, Duration staleness, Ticker ticker,
      Optional<SharedTagCache> shared, Duration sharedTtl) {
    return new CachingTagStore(store, maxEntries, staleness, ticker, shared, sharedTtl);
  }

  private static String id(String entity, String key) {
    return entity + '\u0000' + key;
  }

  @Override
  public TagView lookup(String entity, String key) {
    return lookupChecked(entity, key).view();
  }

  @Override
  public Lookup lookupChecked(String entity, String key) {
    String id = id(entity, key);
    TagView cached = tags.getIfPresent(id);
    if (cached != null) {
      return new Lookup(cached, Optional.empty());
    }
    if (resting()) {
      return unavailable(entity, id);
    }
    String[] degraded = new String[1];
    try {
      TagView v = tags.get(id, k -> {
        TagView fresh = load(entity, key, degraded);
        lastKnown.put(k, fresh);
        storeUp = true;
        return fresh;
      });
      return new Lookup(v, Optional.ofNullable(degraded[0]));
    } catch (RuntimeException e) {
      failures.increment();
      storeUp = false;
      retryAt = ticker.read() + BACKOFF.toNanos();
      return unavailable(entity, id);
    }
  }

  /**
   * Fetches the entities not cached here from the shared cache in one round trip, and fills the
   * local cache with what it holds; the lookups that follow load the rest one by one.
   */
  @Override
  public void prefetch(List<Map.Entry<String, String>> keys) {
    if (shared.isEmpty() || ticker.read() - sharedRetryAt < 0) {
      return;
    }
    List<Map.Entry<String, String>> missing = new java.util.ArrayList<>();
    for (Map.Entry<String, String> k : keys) {
      if (tags.getIfPresent(id(k.getKey(), k.getValue())) == null) {
        missing.add(k);
      }
    }
    if (missing.size() < 2) {
      return;
    }
    try {
      shared.get().getAll(missing).forEach((k, values) -> {
        sharedHits.increment();
        TagView view = TagView.of(values);
        String id = id(k.getKey(), k.getValue());
        tags.put(id, view);
        lastKnown.put(id, view);
      });
      prefetches.increment();
    } catch (RuntimeException e) {
      sharedDown(new String[1], e);
    }
  }

  /** Shared cache first, then the store, writing what the store says back to the shared cache. */
  private TagView load(String entity, String key, String[] degraded) {
    if (shared.isPresent() && ticker.read() - sharedRetryAt >= 0) {
      try {
        Optional<Map<String, Object>> hit = shared.get().get(entity, key);
        sharedUp = true;
        if (hit.isPresent()) {
          sharedHits.increment();
          return TagView.of(hit.get());
        }
      } catch (RuntimeException e) {
        sharedDown(degraded, e);
      }
    } else if (shared.isPresent()) {
      degraded[0] = "shared tag cache unavailable";
    }
    Map<String, Attribute> attrs = store.tags(entity, key);
    Map<String, Object> values = new java.util.HashMap<>();
    java.time.Instant soonest = null;
    for (Attribute a : attrs.values()) {
      values.put(a.name(), a.value());
      if (a.expiresAt().isPresent() && (soonest == null || a.expiresAt().get().isBefore(soonest))) {
        soonest = a.expiresAt().get();
      }
    }
    if (shared.isPresent() && degraded[0] == null) {
      Duration ttl = sharedTtl;
      if (soonest != null) {
        // never cache a value past its expiry
        Duration left = Duration.between(java.time.Instant.now(), soonest);
        ttl = left.compareTo(ttl) < 0 ? left : ttl;
      }
      if (!ttl.isNegative() && !ttl.isZero()) {
        try {
          shared.get().put(entity, key, values, ttl);
        } catch (RuntimeException e) {
          sharedDown(degraded, e);
        }
      }
    }
    return TagView.of(values);
  }

  private void sharedDown(String[] degraded, RuntimeException e) {
    sharedFailures.increment();
    sharedUp = false;
    sharedRetryAt = ticker.read() + BACKOFF.toNanos();
    degraded[0] = "shared tag cache unavailable: " + e.getMessage();
  }

  private void invalidateShared(String entity, String key) {
    shared.ifPresent(c -> {
      try {
        c.invalidate(entity, key);
      } catch (RuntimeException e) {
        // the shared entry expires by its TTL; other engines by their staleness bound
        sharedFailures.increment();
      }
    });
  }

  private Lookup unavailable(String entity, String id) {
    TagView stale = lastKnown.getIfPresent(id);
    if (stale != null) {
      return new Lookup(stale, Optional.of("tag store unavailable: tags of " + entity + " served from the last read"));
    }
    return new Lookup(TagView.empty(), Optional.of("tag store unavailable: defaults applied for " + entity));
  }

  private boolean resting() {
    return ticker.read() - retryAt < 0;
  }

  @Override
  public boolean contains(String list, String value) {
    String id = id(list, value);
    Boolean cached = lists.getIfPresent(id);
    if (cached != null) {
      return cached;
    }
    if (resting()) {
      // answered at once; the decision records the list as unavailable
      throw new TagStoreException("tag store unavailable", null);
    }
    try {
      return lists.get(id, k -> store.contains(list, value));
    } catch (RuntimeException e) {
      retryAt = ticker.read() + BACKOFF.toNanos();
      throw e;
    }
  }

  /** What the last reads said: whether the database and the shared cache answered. */
  @Override
  public Map<String, String> health() {
    Map<String, String> h = new java.util.LinkedHashMap<>();
    h.put("database", storeUp ? "up" : "down");
    shared.ifPresent(c -> h.put("shared_cache", sharedUp ? "up" : "down"));
    return h;
  }

  public Stats stats() {
    var t = tags.stats();
    var l = lists.stats();
    return new Stats(t.hitCount() + l.hitCount(), t.missCount() + l.missCount(), failures.sum() + l.loadFailureCount(),
        sharedHits.sum(), sharedFailures.sum(), prefetches.sum());
  }

  // ------------------------------------------------------------------ writes: the store first, then the cache

  @Override
  public void putTags(String entity, String key, Map<String, Attribute> attributes, Change change) {
    store.putTags(entity, key, attributes, change);
    tags.invalidate(id(entity, key));
    invalidateShared(entity, key);
  }

  @Override
  public boolean deleteTags(String entity, String key, Optional<String> attribute, Change change) {
    boolean deleted = store.deleteTags(entity, key, attribute, change);
    tags.invalidate(id(entity, key));
    invalidateShared(entity, key);
    return deleted;
  }

  @Override
  public void addListEntry(ListEntry entry, Change change) {
    store.addListEntry(entry, change);
    lists.invalidate(id(entry.list(), entry.value()));
  }

  @Override
  public boolean removeListEntry(String list, String value, Change change) {
    boolean removed = store.removeListEntry(list, value, change);
    lists.invalidate(id(list, value));
    return removed;
  }

  @Override
  public void batch(Runnable changes) {
    store.batch(changes);
  }

  // ------------------------------------------------------------------ administration reads go to the store

  @Override
  public Map<String, Attribute> tags(String entity, String key) {
    return store.tags(entity, key);
  }

  @Override
  public List<ListEntry> listEntries(String list, int limit) {
    return store.listEntries(list, limit);
  }

  @Override
  public List<AuditRecord> audit(int limit) {
    return store.audit(limit);
  }

  @Override
  public Stream<EntityTags> entities() {
    return store.entities();
  }

  @Override
  public Stream<ListEntry> allListEntries() {
    return store.allListEntries();
  }

  @Override
  public int entityCount() {
    return store.entityCount();
  }

  @Override
  public void close() {
    shared.ifPresent(SharedTagCache::close);
    store.close();
  }
}
