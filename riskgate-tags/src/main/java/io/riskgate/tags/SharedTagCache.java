package io.riskgate.tags;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * A cache of tags shared by several engines (e.g. Redis), between their in-process caches and the
 * database. Implementations answer fast or fail fast: every failure is a {@link TagStoreException}.
 */
public interface SharedTagCache extends AutoCloseable {
  /**
   * The cached attributes of an entity (an empty map means "known to have no tags"), or empty when
   * the entity is not cached. Values are Long, Double, String, Boolean or Set of Strings.
   */
  Optional<Map<String, Object>> get(String entity, String key);

  /** The cached attributes of several entities in one round trip, by entity and key; absent ones are left out. */
  default Map<Map.Entry<String, String>, Map<String, Object>> getAll(java.util.List<Map.Entry<String, String>> keys) {
    Map<Map.Entry<String, String>, Map<String, Object>> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> k : keys) {
      get(k.getKey(), k.getValue()).ifPresent(v -> out.put(k, v));
    }
    return out;
  }

  /** Caches attributes (empty for "no tags") for at most {@code ttl}. */
  void put(String entity, String key, Map<String, Object> attributes, Duration ttl);

  /** Drops the entry, and tells every engine to drop its in-process copy. */
  void invalidate(String entity, String key);

  /** Called when any engine invalidates an entity. */
  void onInvalidation(BiConsumer<String, String> listener);

  @Override
  void close();
}
