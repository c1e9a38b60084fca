package io.riskgate.engine;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Decides events against the active ruleset version. No I/O happens here: tags, lists and version
 * storage come through the sources given to the builder. Implementations are thread-safe.
 *
 * <p>{@snippet :
 * DecisionEngine engine = DecisionEngine.builder().tags(tags).build();
 * engine.rulesets().publish(SourceFiles.read(Path.of("rules")), "file:rules");
 * Decision d = engine.decide("{\"transaction_id\":\"tx1\", ...}".getBytes(UTF_8));
 * }
 */
public interface DecisionEngine {
  /**
   * Decides one event given as a JSON object.
   *
   * @throws InvalidEventException when the event is malformed or does not fit the schema
   * @throws NoActiveRulesetException when no ruleset has been published yet
   */
  Decision decide(byte[] json);

  /**
   * Decides a batch {@code {"events": [...]}}: one outcome per event, in order. An invalid event
   * does not stop the others.
   *
   * @throws InvalidEventException when the batch itself is malformed
   */
  List<Outcome> decideBatch(byte[] json);

  Rulesets rulesets();

  /** Whether a ruleset is active, so that decisions can be made. */
  boolean ready();

  /** The outcome of one event of a batch. */
  sealed interface Outcome {
    record Decided(Decision decision) implements Outcome {}

    record Refused(InvalidEventException problem) implements Outcome {}
  }

  /** Thrown when an event arrives before any ruleset is active. */
  final class NoActiveRulesetException extends EngineException {
    private static final long serialVersionUID = 1L;

    public NoActiveRulesetException() {
      super("no ruleset is active");
    }
  }

  static Builder builder() {
    return new Builder();
  }

  /** Builds an engine; every setting has a default. */
  final class Builder {
    TagSource tags = TagSource.inMemory();
    ListSource lists = ListSource.none();
    VersionStore store = VersionStore.inMemory();
    DecisionObserver observer = DecisionObserver.none();
    Clock clock = Clock.systemUTC();
    int maxBatch = 1000;

    private Builder() {}

    public Builder tags(TagSource tags) {
      this.tags = Objects.requireNonNull(tags);
      return this;
    }

    public Builder lists(ListSource lists) {
      this.lists = Objects.requireNonNull(lists);
      return this;
    }

    public Builder versionStore(VersionStore store) {
      this.store = Objects.requireNonNull(store);
      return this;
    }

    public Builder observer(DecisionObserver observer) {
      this.observer = Objects.requireNonNull(observer);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** The most events a batch may hold (default 1000). */
    public Builder maxBatch(int maxBatch) {
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be at least 1");
      }
      this.maxBatch = maxBatch;
      return this;
    }

    /** Builds the engine and restores the stored active version, if any. */
    public DecisionEngine build() {
      return new DefaultDecisionEngine(this);
    }
  }
}
