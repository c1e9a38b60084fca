package io.riskgate.server;

import io.helidon.webserver.WebServer;
import io.riskgate.engine.DecisionEngine;
import io.riskgate.engine.RulesetVersion;
import io.riskgate.tags.Attribute;
import io.riskgate.tags.Change;
import io.riskgate.tags.TagStore;
import io.riskgate.engine.VersionStore;
import io.riskgate.adapter.rocksdb.RocksDbStateStore;
import io.riskgate.state.StateStore;
import io.riskgate.state.StateTable;
import io.riskgate.lang.Diagnostic;
import io.riskgate.lang.RulesetException;
import io.riskgate.lang.SourceFile;
import io.riskgate.lang.SourceFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The standalone runtime: engine, stores, HTTP API and rules watch in one process. */
public final class RiskgateServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RiskgateServer.class);

  private final WebServer web;
  private final DecisionEngine engine;
  private final Optional<RulesWatcher> watcher;
  private final TagStore tags;
  private final StateTable features;
  private final java.util.concurrent.ScheduledExecutorService expiry;
  private final Optional<io.riskgate.adapter.kafka.KafkaPipeline> kafka;
  private final Optional<io.riskgate.state.StateLog> kafkaJournal;

  private RiskgateServer(WebServer web, DecisionEngine engine, Optional<RulesWatcher> watcher, TagStore tags,
      StateTable features, java.util.concurrent.ScheduledExecutorService expiry,
      Optional<io.riskgate.adapter.kafka.KafkaPipeline> kafka, Optional<io.riskgate.state.StateLog> kafkaJournal) {
    this.kafka = kafka;
    this.kafkaJournal = kafkaJournal;
    this.web = web;
    this.engine = engine;
    this.watcher = watcher;
    this.tags = tags;
    this.features = features;
    this.expiry = expiry;
  }

  /**
   * Starts the server: restores the stored active version, publishes the rules path when its
   * content is new, loads seed tags, and opens the HTTP port.
   *
   * @throws ConfigException when the configuration, the rules or the tags file are unusable
   */
  public static RiskgateServer start(ServerConfig config) {
    LOG.info("event=starting config=\"{}\"", config.describe());
    // resolved first: a wrong Kafka setting must stop the start before anything is opened
    Optional<io.riskgate.adapter.kafka.KafkaSettings> kafkaSettings = config.kafka();
    Metrics metrics = new Metrics();
    java.time.Clock clock = java.time.Clock.systemUTC();
    TagStore tags;
    String kind;
    if (config.postgres().isPresent()) {
      try {
        TagStore database = io.riskgate.adapter.postgres.PostgresTagStore.open(config.postgres().get(), clock);
        io.riskgate.tags.CachingTagStore cached = config.redisUrl().isPresent()
            ? io.riskgate.tags.CachingTagStore.over(database, config.tagsCacheSize(), config.tagsCacheStaleness(),
                io.riskgate.adapter.redis.RedisTagCache.open(config.redisUrl().get(), config.redisTimeout()), config.redisTtl())
            : io.riskgate.tags.CachingTagStore.over(database, config.tagsCacheSize(), config.tagsCacheStaleness());
        metrics.tagCache(cached::stats);
        tags = cached;
      } catch (io.riskgate.tags.TagStoreException e) {
        throw new ConfigException("postgres.url: " + e.getMessage());
      }
      kind = config.redisUrl().isPresent() ? "postgres+redis" : "postgres";
    } else {
      tags = config.tagsEmbedded() ? TagStore.embedded(config.dataDir().resolve("tags"), clock) : TagStore.inMemory(clock);
      kind = config.tagsEmbedded() ? "embedded" : "memory";
    }
    LOG.info("event=tags_opened store={} entities={}", kind, tags.entityCount());
    config.tagsSeedFile().ifPresent(f -> {
      // only into a store that has never changed: deleting every tag later must not bring the seed back
      if (!tags.audit(1).isEmpty()) {
        LOG.info("event=tags_seed_skipped file={} reason=\"the store already has a history\"", f);
        return;
      }
      Change seed = new Change("seed", "tags.seed-file " + f);
      java.time.Instant now = clock.instant();
      java.util.List<Runnable> puts = new java.util.ArrayList<>();
      int n = TagSeed.load(f, (entity, key, attrs) -> {
        java.util.Map<String, Attribute> typed = new java.util.LinkedHashMap<>();
        attrs.forEach((name, value) -> typed.put(name, new Attribute(name, value, java.util.Optional.empty(), "seed", now)));
        puts.add(() -> tags.putTags(entity, key, typed, seed));
      });
      tags.batch(() -> puts.forEach(Runnable::run));
      LOG.info("event=tags_seeded file={} entities={}", f, n);
    });
    VersionStore store = new FileVersionStore(config.dataDir());
    StateTable features = openFeatures(config);
    metrics.featureState(features);
    DecisionEngine engine = DecisionEngine.builder()
        .state(features)
        .allowedLateness(config.featuresAllowedLateness())
        .countHorizon(config.featuresCountHorizon())
        .maxFuture(config.featuresMaxFuture())
        .tags(metrics.timed(tags))
        .lists(tags)
        .versionStore(store)
        .observer(metrics)
        .maxBatch(config.maxBatch())
        .build();
    engine.rulesets().active().ifPresent(v ->
        LOG.info("event=ruleset_restored version={} ruleset={}", v.version(), v.ruleset()));
    if (features.counters().replayed() > 0) {
      LOG.info("event=features_recovered log_entries={}", features.counters().replayed());
    }
    Optional<RulesWatcher> watcher = Optional.empty();
    if (config.rulesPath().isPresent()) {
      Path path = config.rulesPath().get();
      List<SourceFile> files = readRules(path);
      publishAtStart(engine, path, files, metrics);
      if (config.rulesWatch()) {
        RulesWatcher w = new RulesWatcher(path, engine, metrics, files);
        w.start(config.rulesWatchInterval());
        watcher = Optional.of(w);
      }
    }
    HttpApi api = new HttpApi(engine, metrics, config.adminToken(), tags, clock);
    WebServer web;
    try {
      web = api.start(config.host(), config.port(), config.maxBodyBytes());
    } catch (RuntimeException e) {
      watcher.ifPresent(RulesWatcher::close);
      tags.close();
      features.close();
      throw new ConfigException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
    }
    LOG.info("event=started host={} port={} ready={} ruleset_version={}", config.host(), web.port(), engine.ready(),
        engine.rulesets().active().map(RulesetVersion::version).orElse(0));
    // three threads: a long expiry scan must not hold back checkpoints, nor either the pattern timers
    java.util.concurrent.ScheduledExecutorService expiry = java.util.concurrent.Executors.newScheduledThreadPool(3, r -> {
      Thread t = new Thread(r, "riskgate-feature-maintenance");
      t.setDaemon(true);
      return t;
    });
    long checkpointEvery = config.featuresCheckpointInterval().toMillis();
    expiry.scheduleWithFixedDelay(() -> {
      try {
        long start = System.nanoTime();
        // spread over half the interval: a steady trickle of writes rather than a burst
        long n = engine.checkpointFeatures(config.featuresCheckpointInterval().dividedBy(2));
        LOG.debug("event=feature_checkpoint records={} ms={}", n, (System.nanoTime() - start) / 1_000_000);
      } catch (RuntimeException e) {
        LOG.warn("event=feature_checkpoint_failed error=\"{}\"", e.getMessage());
      }
    }, checkpointEvery, checkpointEvery, java.util.concurrent.TimeUnit.MILLISECONDS);
    long every = config.featuresExpireInterval().toMillis();
    expiry.scheduleWithFixedDelay(() -> {
      try {
        long n = engine.expireIdleFeatures();
        if (n > 0) {
          LOG.info("event=feature_state_expired records={}", n);
        }
      } catch (RuntimeException e) {
        LOG.warn("event=feature_state_expiry_failed error=\"{}\"", e.getMessage());
      }
    }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    Optional<io.riskgate.state.StateLog> journal = Optional.empty();
    Optional<io.riskgate.adapter.kafka.KafkaPipeline> kafka = Optional.empty();
    if (kafkaSettings.isPresent()) {
      io.riskgate.adapter.kafka.KafkaSettings k = kafkaSettings.get();
      try {
        // outputs of open transactions, kept until they commit: an event read again after a crash
        // gets the decision it got before
        journal = Optional.of(io.riskgate.adapter.rocksdb.MappedFileStateLog.open(
            config.dataDir().resolve("kafka").resolve("journal"), 16 << 20, config.featuresSync()));
        kafka = Optional.of(io.riskgate.adapter.kafka.KafkaPipeline.start(k, engine, journal.get()));
      } catch (RuntimeException e) {
        journal.ifPresent(io.riskgate.state.StateLog::close);
        watcher.ifPresent(RulesWatcher::close);
        web.stop();
        expiry.shutdownNow();
        tags.close();
        features.close();
        throw new ConfigException(e instanceof io.riskgate.adapter.kafka.KafkaPipelineException ? e.getMessage()
            : "kafka: " + e.getMessage());
      }
      io.riskgate.adapter.kafka.KafkaPipeline pipeline = kafka.get();
      metrics.kafka(pipeline::stats);
      api.streaming(pipeline::healthy);
      LOG.info("event=kafka_started bootstrap_servers={} input={} decisions={} dead_letter={} consumers={}",
          k.bootstrapServers(), k.inputTopic(), k.decisionsTopic(), k.deadLetterTopic(), k.consumers());
    }
    Optional<io.riskgate.adapter.kafka.KafkaPipeline> stream = kafka;
    long timersEvery = config.patternsTimerInterval().toMillis();
    expiry.scheduleWithFixedDelay(() -> {
      try {
        engine.firePatternTimers(list -> {
          // to the decisions topic first: if it cannot take them, they fire again next time
          stream.ifPresent(p -> p.publish(list));
          for (io.riskgate.engine.PatternTimeout t : list) {
            LOG.info("event=pattern_timeout id=\"{}\" pattern={} key=\"{}\" deadline={} events=\"{}\" ruleset_version={}", t.id(),
                t.pattern(), t.key(), t.deadline(), String.join(",", t.events()), t.rulesetVersion());
          }
        });
      } catch (RuntimeException e) {
        LOG.warn("event=pattern_timers_failed error=\"{}\"", e.getMessage());
      }
    }, timersEvery, timersEvery, java.util.concurrent.TimeUnit.MILLISECONDS);
    return new RiskgateServer(web, engine, watcher, tags, features, expiry, kafka, journal);
  }

  private static StateTable openFeatures(ServerConfig config) {
    if (!config.featuresEmbedded()) {
      LOG.info("event=features_opened store=memory");
      return StateTable.create(StateStore.inMemory(), config.featuresCacheRecords());
    }
    Path dir = config.dataDir().resolve("features");
    try {
      RocksDbStateStore rocks = RocksDbStateStore.open(dir, config.featuresBlockCacheBytes(), config.featuresSync());
      io.riskgate.adapter.rocksdb.MappedFileStateLog log;
      try {
        log = io.riskgate.adapter.rocksdb.MappedFileStateLog.open(dir.resolve("log"), config.featuresLogSegmentBytes(), config.featuresSync());
      } catch (RuntimeException e) {
        rocks.close();
        throw e;
      }
      StateTable table = StateTable.create(rocks, log, config.featuresCacheRecords());
      LOG.info("event=features_opened store=embedded dir={} records={} stream_time={}", dir, rocks.stats().records(),
          table.streamTime() == Long.MIN_VALUE ? "none" : java.time.Instant.ofEpochMilli(table.streamTime()).toString());
      return table;
    } catch (io.riskgate.state.StateException e) {
      throw new ConfigException("features.store: " + e.getMessage());
    }
  }

  private static List<SourceFile> readRules(Path path) {
    try {
      List<SourceFile> files = SourceFiles.read(path);
      if (files.isEmpty()) {
        throw new ConfigException("rules.path: no .yaml files in " + path);
      }
      return files;
    } catch (java.io.UncheckedIOException e) {
      throw new ConfigException("rules.path: " + e.getMessage());
    }
  }

  /**
   * Publishes the rules files unless a stored version has the same content, so that a rollback
   * survives a restart. With errors: start on the stored version if there is one, else refuse.
   */
  private static void publishAtStart(DecisionEngine engine, Path path, List<SourceFile> files, Metrics metrics) {
    try {
      String hash = SourceFiles.hash(files);
      boolean known = engine.rulesets().versions().stream().anyMatch(v -> v.hash().equals(hash));
      if (known && engine.ready()) {
        return;
      }
      var p = engine.rulesets().publish(files, "file:" + path);
      metrics.published(p.changed() ? "published" : "unchanged");
      LOG.info("event=ruleset_published origin=file path={} version={}", path, p.version().version());
    } catch (RulesetException e) {
      metrics.published("refused");
      for (Diagnostic d : e.diagnostics()) {
        LOG.error("{}", d.render());
      }
      if (!engine.ready()) {
        throw new ConfigException("rules.path: " + path + " has " + e.diagnostics().size()
            + " problem(s) and no earlier version is stored; see the messages above");
      }
      LOG.warn("event=ruleset_refused origin=file path={} active_version={}", path,
          engine.rulesets().active().map(RulesetVersion::version).orElse(0));
    }
  }

  public int port() {
    return web.port();
  }

  public DecisionEngine engine() {
    return engine;
  }

  @Override
  public void close() {
    // the background tasks first (a timer round sends to Kafka and writes the state), waiting for
    // the one running to end
    expiry.shutdownNow();
    try {
      if (!expiry.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
        LOG.warn("event=maintenance_stop_timed_out detail=\"a background task did not stop within 30 s\"");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // then the consumers finish and commit the batch they hold, while everything else still works
    boolean stopped = kafka.map(io.riskgate.adapter.kafka.KafkaPipeline::shutdown).orElse(true);
    if (!stopped) {
      // a consumer thread still holds them: the process is going away, leave them to it
      LOG.warn("event=kafka_stop_timed_out detail=\"a consumer thread did not stop within 30 s\"");
      watcher.ifPresent(RulesWatcher::close);
      web.stop();
      return;
    }
    kafkaJournal.ifPresent(io.riskgate.state.StateLog::close);
    watcher.ifPresent(RulesWatcher::close);
    web.stop();
    tags.close();
    features.close();
    LOG.info("event=stopped");
  }
}
