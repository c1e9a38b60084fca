package io.riskgate.tags;

import io.riskgate.engine.ListSource;
import io.riskgate.engine.TagSource;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Risk tags per entity and entries of named lists, with every change recorded (who, when, why).
 * A store is also the engine's {@link TagSource} and {@link ListSource}: lookups see only values
 * that have not expired. Implementations are thread-safe.
 */
public interface TagStore extends TagSource, ListSource, AutoCloseable {
  /** The live attributes of an entity, by name; empty when it has none. */
  Map<String, Attribute> tags(String entity, String key);

  /** Sets attributes of an entity, keeping the others. */
  void putTags(String entity, String key, Map<String, Attribute> attributes, Change change);

  /**
   * Deletes one attribute of an entity, or all of them.
   *
   * @return whether anything was deleted
   */
  boolean deleteTags(String entity, String key, Optional<String> attribute, Change change);

  void addListEntry(ListEntry entry, Change change);

  /** @return whether the value was on the list */
  boolean removeListEntry(String list, String value, Change change);

  /** Live entries of a list, in value order, at most {@code limit}. */
  List<ListEntry> listEntries(String list, int limit);

  /** The most recent changes, newest first, at most {@code limit}. */
  List<AuditRecord> audit(int limit);

  /**
   * Runs many changes as one batch: they are synced to disk once, at the end, before this returns.
   * Other changes wait until the batch is done; lookups do not.
   */
  void batch(Runnable changes);

  /** Every entity with live tags, for an export. */
  java.util.stream.Stream<EntityTags> entities();

  /** Every live list entry, by list then value, for an export. */
  java.util.stream.Stream<ListEntry> allListEntries();

  /**
   * The tags of one entity.
   *
   * @param entity the entity type
   * @param key the entity's key
   * @param attributes its live attributes, by name
   */
  record EntityTags(String entity, String key, Map<String, Attribute> attributes) {}

  /**
   * The state of what the store depends on, e.g. {@code database=up, shared_cache=down}; empty for a
   * store that depends on nothing outside the process.
   */
  default Map<String, String> health() {
    return Map.of();
  }

  /** Number of entities with tags. */
  int entityCount();

  @Override
  void close();

  /**
   * A store kept in a journal file in a folder: every change is appended and synced to disk before
   * it is acknowledged, and the journal is replayed at start. The journal is also the audit trail.
   */
  static TagStore embedded(Path dir, Clock clock) {
    return JournalTagStore.open(Optional.of(dir), clock);
  }

  /** A store in memory only, for tests and tools. */
  static TagStore inMemory(Clock clock) {
    return JournalTagStore.open(Optional.empty(), clock);
  }
}
