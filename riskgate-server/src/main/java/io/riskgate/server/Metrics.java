package io.riskgate.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.riskgate.engine.Decision;
import io.riskgate.engine.DecisionObserver;
import io.riskgate.engine.InvalidEventException;
import io.riskgate.engine.RulesetVersion;
import io.riskgate.lang.Action;
import io.riskgate.state.StateTable;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Prometheus metrics of the server, fed by the engine's observer hooks and the HTTP layer. */
final class Metrics implements DecisionObserver {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer decisionLatency;
  private final Map<Action, Counter> decisions = new EnumMap<>(Action.class);
  private final Map<String, Counter> ruleHits = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejectedInputs = new ConcurrentHashMap<>();
  private final Map<String, Counter> publishes = new ConcurrentHashMap<>();
  private final Map<String, Timer> httpTimers = new ConcurrentHashMap<>();
  private final Counter degraded;
  private final Timer tagLookups;
  private final AtomicInteger activeVersion = new AtomicInteger();

  Metrics() {
    decisionLatency = Timer.builder("riskgate.decision.latency")
        .description("Time to decide one event, from decoded event to decision")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(500))
        .maximumExpectedValue(Duration.ofMillis(100))
        .register(registry);
    for (Action a : Action.values()) {
      decisions.put(a, Counter.builder("riskgate.decisions").description("Decisions by action")
          .tag("decision", a.wireName()).register(registry));
    }
    degraded = Counter.builder("riskgate.decisions.degraded")
        .description("Decisions made with less information than usual").register(registry);
    tagLookups = Timer.builder("riskgate.tags.lookup.latency")
        .description("Time to look up the tags of one entity, through every cache level")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100))
        .maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry);
    Gauge.builder("riskgate.ruleset.active.version", activeVersion, AtomicInteger::get)
        .description("Version number of the active ruleset").register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  @Override
  public void decided(Decision d) {
    decisionLatency.record(d.evaluationNanos(), TimeUnit.NANOSECONDS);
    decisions.get(d.action()).increment();
    for (Decision.Match m : d.matched()) {
      ruleHit(d.ruleset(), m.id(), "active");
    }
    for (Decision.Match m : d.shadowMatched()) {
      ruleHit(d.ruleset(), m.id(), "shadow");
    }
    if (!d.degraded().isEmpty()) {
      degraded.increment();
      for (String reason : d.degraded()) {
        if (reason.startsWith("late event") || reason.startsWith("future event")) {
          lateEvent(d);
          break;
        }
      }
    }
  }

  private void ruleHit(String ruleset, String rule, String mode) {
    ruleHits.computeIfAbsent(ruleset + '\0' + rule + '\0' + mode, k -> Counter.builder("riskgate.rule.hits")
        .description("Events matched by each rule")
        .tag("ruleset", ruleset).tag("rule", rule).tag("mode", mode)
        .register(registry)).increment();
  }

  @Override
  public void refused(InvalidEventException problem) {
    rejectedInput(problem.reason());
  }

  void rejectedInput(String reason) {
    rejectedInputs.computeIfAbsent(reason, r -> Counter.builder("riskgate.rejected.inputs")
        .description("Requests or events refused as invalid, by reason")
        .tag("reason", r).register(registry)).increment();
  }

  private final java.util.Map<String, Counter> timeouts = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public void timedOut(io.riskgate.engine.PatternTimeout t) {
    timeouts.computeIfAbsent(t.ruleset() + '\0' + t.pattern(), k -> Counter.builder("riskgate.pattern.timeouts")
        .description("Matches of patterns ending with 'not:' fired by their timer, the key having gone quiet")
        .tag("ruleset", t.ruleset()).tag("pattern", t.pattern()).register(registry)).increment();
  }

  @Override
  public void activated(RulesetVersion version) {
    activeVersion.set(version.version());
  }

  void published(String result) {
    publishes.computeIfAbsent(result, r -> Counter.builder("riskgate.ruleset.publishes")
        .description("Ruleset publish attempts by result").tag("result", r).register(registry)).increment();
  }

  void http(String route, int status, long nanos) {
    String key = route + ' ' + status;
    httpTimers.computeIfAbsent(key, k -> Timer.builder("riskgate.http.requests")
        .description("HTTP requests by route and status")
        .tag("route", route).tag("status", Integer.toString(status))
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Hit, miss and failure counts of the in-process tag cache. */
  private volatile java.util.function.Supplier<io.riskgate.tags.CachingTagStore.Stats> tagStats;

  void tagCache(java.util.function.Supplier<io.riskgate.tags.CachingTagStore.Stats> supplier) {
    // the registry holds the counted object weakly: count through this object, which the server keeps
    this.tagStats = supplier;
    Metrics stats = this;
    io.micrometer.core.instrument.FunctionCounter.builder("riskgate.tags.cache.lookups", stats, m -> m.tagStats.get().hits())
        .description("Tag and list lookups by result").tag("result", "hit").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("riskgate.tags.cache.lookups", stats, m -> m.tagStats.get().misses())
        .description("Tag and list lookups by result").tag("result", "miss").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("riskgate.tags.cache.lookups", stats, m -> m.tagStats.get().failures())
        .description("Tag and list lookups by result").tag("result", "store_failure").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("riskgate.tags.shared.cache", stats, m -> m.tagStats.get().sharedHits())
        .description("Shared (Redis) tag cache operations by result").tag("result", "hit").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("riskgate.tags.shared.cache", stats, m -> m.tagStats.get().prefetches())
        .description("Shared (Redis) tag cache operations by result").tag("result", "multi_get").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("riskgate.tags.shared.cache", stats, m -> m.tagStats.get().sharedFailures())
        .description("Shared (Redis) tag cache operations by result").tag("result", "failure").register(registry);
  }

  private volatile io.riskgate.state.StateTable featureState;
  private final java.util.concurrent.atomic.AtomicLong lateLogged = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong lateSinceLog = new java.util.concurrent.atomic.AtomicLong();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Metrics.class);

  /** Feature state: events by outcome per key record, state cache, records and bytes. */
  void featureState(io.riskgate.state.StateTable table) {
    this.featureState = table;
    Metrics stats = this;
    String outcomes = "Feature state updates (one per event and dimension) by outcome";
    stateCounter("riskgate.features.events", outcomes, "outcome", "applied", StateTable.Counters::applied);
    stateCounter("riskgate.features.events", outcomes, "outcome", "duplicate", StateTable.Counters::duplicates);
    stateCounter("riskgate.features.events", outcomes, "outcome", "late", StateTable.Counters::late);
    stateCounter("riskgate.features.events", outcomes, "outcome", "not_counted", StateTable.Counters::notCounted);
    stateCounter("riskgate.features.save.failures",
        "State log appends and store writes that failed (a refused append is answered with features unknown, flagged degraded)",
        null, null, StateTable.Counters::saveFailures);
    stateCounter("riskgate.features.checkpoints", "Checkpoints completed: changed key records written to the store, state log cut",
        null, null, StateTable.Counters::checkpoints);
    String written = "Key records written to the store, by cause";
    stateCounter("riskgate.features.records.written", written, "cause", "checkpoint", StateTable.Counters::checkpointedRecords);
    stateCounter("riskgate.features.records.written", written, "cause", "eviction", StateTable.Counters::evictedWrites);
    stateCounter("riskgate.features.log.replayed", "State log entries replayed at start", null, null, StateTable.Counters::replayed);
    String lookups = "Key record reads by result";
    stateCounter("riskgate.features.cache.lookups", lookups, "result", "hit", StateTable.Counters::cacheHits);
    stateCounter("riskgate.features.cache.lookups", lookups, "result", "miss", StateTable.Counters::cacheMisses);
    stateCounter("riskgate.features.expired.records", "Key records of idle keys deleted", null, null, StateTable.Counters::expired);
    Gauge.builder("riskgate.features.store.records", stats, m -> m.featureState.store().stats().records())
        .description("Key records in the feature store (estimate)").register(registry);
    Gauge.builder("riskgate.features.store.bytes", stats, m -> m.featureState.store().stats().bytes())
        .description("Bytes of the feature store, on disk and in memory tables").register(registry);
    Gauge.builder("riskgate.features.stream.time", stats, m -> Math.max(0, m.featureState.streamTime()) / 1000.0)
        .description("Stream time: newest event time counted in feature state, epoch seconds").register(registry);
  }

  private volatile java.util.function.Supplier<io.riskgate.adapter.kafka.KafkaPipeline.Stats> kafkaStats;

  /** The Kafka pipeline's counters and its consumer lag. */
  void kafka(java.util.function.Supplier<io.riskgate.adapter.kafka.KafkaPipeline.Stats> supplier) {
    this.kafkaStats = supplier;
    java.util.function.Function<java.util.function.ToLongFunction<io.riskgate.adapter.kafka.KafkaPipeline.Stats>,
        java.util.function.ToDoubleFunction<Metrics>> read = f -> m -> f.applyAsLong(m.kafkaStats.get());
    functionCounter("riskgate.kafka.consumed", "Messages read from the input topic", null, null,
        read.apply(io.riskgate.adapter.kafka.KafkaPipeline.Stats::consumed));
    String out = "Records produced by the Kafka pipeline, by outcome (from_journal: decisions sent again for events read again)";
    functionCounter("riskgate.kafka.records", out, "outcome", "decided", read.apply(io.riskgate.adapter.kafka.KafkaPipeline.Stats::decided));
    functionCounter("riskgate.kafka.records", out, "outcome", "dead_lettered",
        read.apply(io.riskgate.adapter.kafka.KafkaPipeline.Stats::deadLettered));
    functionCounter("riskgate.kafka.records", out, "outcome", "from_journal",
        read.apply(io.riskgate.adapter.kafka.KafkaPipeline.Stats::fromJournal));
    String tx = "Kafka transactions, by result (an aborted transaction's events are read again)";
    functionCounter("riskgate.kafka.transactions", tx, "result", "committed", read.apply(io.riskgate.adapter.kafka.KafkaPipeline.Stats::committed));
    functionCounter("riskgate.kafka.transactions", tx, "result", "aborted", read.apply(io.riskgate.adapter.kafka.KafkaPipeline.Stats::aborted));
    Gauge.builder("riskgate.kafka.consumer.lag", this, m -> m.kafkaStats.get().lag())
        .description("Messages of the assigned input partitions after the committed offsets").register(registry);
  }

  /** A counter read from the feature state's running totals, with one tag or none. */
  private void stateCounter(String name, String description, String tag, String value,
      java.util.function.ToLongFunction<StateTable.Counters> read) {
    functionCounter(name, description, tag, value, m -> read.applyAsLong(m.featureState.counters()));
  }

  /** A counter read from this object (which the server keeps: the registry holds it weakly), with one tag or none. */
  private void functionCounter(String name, String description, String tag, String value,
      java.util.function.ToDoubleFunction<Metrics> read) {
    var b = io.micrometer.core.instrument.FunctionCounter.builder(name, this, read).description(description);
    if (tag != null) {
      b = b.tag(tag, value);
    }
    b.register(registry);
  }

  /** Logs late events at most once every 10 seconds, with how many there were since the last line. */
  private void lateEvent(Decision d) {
    long count = lateSinceLog.incrementAndGet();
    long now = System.nanoTime();
    long last = lateLogged.get();
    if ((last == 0 || now - last > 10_000_000_000L) && lateLogged.compareAndSet(last, now)) {
      lateSinceLog.addAndGet(-count);
      LOG.warn("event=late_events count={} example_event_id={} event_type={} detail=\"{}\"",
          count, d.eventId(), d.eventType(), String.join("; ", d.degraded()));
    }
  }

  /** The tag source the engine uses, timed. */
  io.riskgate.engine.TagSource timed(io.riskgate.engine.TagSource source) {
    return new io.riskgate.engine.TagSource() {
      @Override
      public io.riskgate.lang.TagView lookup(String entity, String key) {
        return lookupChecked(entity, key).view();
      }

      @Override
      public void prefetch(java.util.List<java.util.Map.Entry<String, String>> keys) {
        source.prefetch(keys);
      }

      @Override
      public Lookup lookupChecked(String entity, String key) {
        long start = System.nanoTime();
        try {
          return source.lookupChecked(entity, key);
        } finally {
          tagLookups.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
      }
    };
  }

  String scrape() {
    return registry.scrape();
  }
}
