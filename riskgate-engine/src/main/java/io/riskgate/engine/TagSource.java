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

  /** A source kept in memory, empty at first. */
  static InMemoryTagSource inMemory() {
    return new InMemoryTagSource();
  }
}
