package io.riskgate.engine;

import io.riskgate.state.StateStore;
import io.riskgate.state.StateTable;
import java.time.Clock;
import java.time.Duration;
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
  default Decision decide(byte[] json) {
    return decide(json, false);
  }

  /**
   * Decides one event; with {@code explain}, the decision lists the value of every feature the
   * event has a key for, not only those its rules read.
   */
  Decision decide(byte[] json, boolean explain);

  /**
   * Decides a batch {@code {"events": [...]}}: one outcome per event, in order. An invalid event
   * does not stop the others.
   *
   * @throws InvalidEventException when the batch itself is malformed
   */
  default List<Outcome> decideBatch(byte[] json) {
    return decideBatch(json, false);
  }

  /** Decides a batch, explaining each decision's features when asked (see {@link #decide(byte[], boolean)}). */
  List<Outcome> decideBatch(byte[] json, boolean explain);

  /**
   * Deletes the feature state of keys idle for longer than two retentions (longest window plus
   * allowed lateness) behind the stream time; the server calls it periodically.
   *
   * @return how many key records were deleted
   */
  long expireIdleFeatures();

  /**
   * Writes the feature records changed since the last checkpoint to the state store, so that the
   * state log can forget the events before it; the server calls it periodically.
   *
   * @param spread how long to spread the writes over, pausing between parts (zero: at once)
   * @return how many key records were written
   */
  long checkpointFeatures(java.time.Duration spread);

  /**
   * Fires the timers of patterns ending with an absence whose keys went quiet: the matches whose
   * deadline the stream time has passed by the allowed lateness, with no event of the key since.
   * They are handed to {@code emit}, then recorded so that they do not fire again; if {@code emit}
   * throws, they fire again at the next call (and after a crash between the two, once more after
   * the restart: a timeout's {@link PatternTimeout#id} tells repeats apart). The server calls it
   * every {@code patterns.timer-interval}.
   *
   * @return how many timeouts were handed out
   */
  long firePatternTimers(java.util.function.Consumer<List<PatternTimeout>> emit);

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
    StateTable state;
    Duration lateness = Duration.ofMinutes(10);
    Duration countHorizon = Duration.ofDays(30);
    Duration maxFuture = Duration.ofHours(1);

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

    /**
     * Where feature state lives (default: in memory, lost at exit). The engine does not close it.
     */
    public Builder state(StateTable state) {
      this.state = Objects.requireNonNull(state);
      return this;
    }

    /**
     * How far behind its key's newest event an event may arrive and still be placed exactly in its
     * features (default 10 minutes). Later events are decided with unknown features, and not counted.
     */
    public Builder allowedLateness(Duration lateness) {
      if (lateness.isNegative()) {
        throw new IllegalArgumentException("allowed lateness must not be negative");
      }
      this.lateness = lateness;
      return this;
    }

    /**
     * How far ahead of the engine's clock an event time may be (default 1 hour). A later event is
     * decided with unknown features and not counted: one event with a clock far ahead would
     * otherwise make every later event of its keys late.
     */
    public Builder maxFuture(Duration maxFuture) {
      if (maxFuture.isNegative()) {
        throw new IllegalArgumentException("max future must not be negative");
      }
      this.maxFuture = maxFuture;
      return this;
    }

    /** How far back in time count windows ("the last N events") look (default 30 days). */
    public Builder countHorizon(Duration horizon) {
      if (horizon.isNegative() || horizon.isZero()) {
        throw new IllegalArgumentException("the count horizon must be positive");
      }
      this.countHorizon = horizon;
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
      if (state == null) {
        state = StateTable.create(StateStore.inMemory(), 100_000);
      }
      return new DefaultDecisionEngine(this);
    }
  }
}
