package io.riskgate.engine;

import io.riskgate.lang.TagView;

/**
 * Where rules find risk tags: {@code tag(account_id).risk_level}. Implementations must be
 * thread-safe, must not throw, and answer {@link TagView#empty()} for an unknown entity; declared
 * defaults are applied by the rules themselves.
 */
public interface TagSource {
  /** The tags of one entity, e.g. {@code lookup("account", "account123")}. */
  TagView lookup(String entity, String key);

  /**
   * The tags of one entity, and why they may be less than complete: a source with caches in front
   * of a database answers from what it can reach, and says so. Decisions carry the reason in
   * {@link Decision#degraded()}.
   */
  default Lookup lookupChecked(String entity, String key) {
    return new Lookup(lookup(entity, key), java.util.Optional.empty());
  }

  /**
   * Fetches the tags of several entities of one event together (one round trip where the source
   * can), so that the lookups that follow find them at hand. Best effort: it must not throw.
   *
   * @param keys entity and key pairs
   */
  default void prefetch(java.util.List<java.util.Map.Entry<String, String>> keys) {}

  /**
   * A tag lookup's answer.
   *
   * @param view the tags found (empty when none could be read)
   * @param degraded why the answer may be incomplete, when it may be
   */
  record Lookup(TagView view, java.util.Optional<String> degraded) {}

  /** A source kept in memory, empty at first. */
  static InMemoryTagSource inMemory() {
    return new InMemoryTagSource();
  }
}
