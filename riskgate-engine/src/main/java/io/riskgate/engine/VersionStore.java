package io.riskgate.engine;

import io.riskgate.lang.SourceFile;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;

/**
 * Keeps published ruleset versions, so they survive restarts and can be rolled back to.
 * Implementations must be thread-safe; failures are reported as {@link EngineException}.
 */
public interface VersionStore {
  /** Every stored version, in version order. */
  List<Stored> load();

  void save(Stored version);

  /** The version decisions used last, if any. */
  OptionalInt active();

  void setActive(int version);

  /**
   * A stored version.
   *
   * @param version number
   * @param ruleset the ruleset name
   * @param rules the number of rules
   * @param hash SHA-256 of the files
   * @param publishedAt when it was published
   * @param origin where it came from
   * @param files the source files
   */
  record Stored(int version, String ruleset, int rules, String hash, Instant publishedAt, String origin, List<SourceFile> files) {
    public Stored {
      files = List.copyOf(files);
    }
  }

  /** A store in memory: versions last as long as the process. */
  static VersionStore inMemory() {
    return new VersionStore() {
      private final List<Stored> versions = new java.util.concurrent.CopyOnWriteArrayList<>();
      private volatile int active = -1;

      @Override
      public List<Stored> load() {
        return List.copyOf(versions);
      }

      @Override
      public void save(Stored version) {
        versions.add(version);
      }

      @Override
      public OptionalInt active() {
        return active < 0 ? OptionalInt.empty() : OptionalInt.of(active);
      }

      @Override
      public void setActive(int version) {
        active = version;
      }
    };
  }
}
