package io.riskgate.engine;

import io.riskgate.lang.TagView;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tags held in memory; thread-safe. */
public final class InMemoryTagSource implements TagSource {
  private final ConcurrentHashMap<String, TagView> tags = new ConcurrentHashMap<>();

  InMemoryTagSource() {}

  @Override
  public TagView lookup(String entity, String key) {
    return tags.getOrDefault(id(entity, key), TagView.empty());
  }

  /** Replaces the attributes of an entity. */
  public void put(String entity, String key, Map<String, ?> attributes) {
    tags.put(id(entity, key), TagView.of(attributes));
  }

  public void remove(String entity, String key) {
    tags.remove(id(entity, key));
  }

  public int size() {
    return tags.size();
  }

  private static String id(String entity, String key) {
    return entity + ':' + key;
  }
}
