package io.riskgate.server;

import io.riskgate.engine.DecisionEngine;
import io.riskgate.engine.Rulesets;
import io.riskgate.lang.Diagnostic;
import io.riskgate.lang.RulesetException;
import io.riskgate.lang.SourceFile;
import io.riskgate.lang.SourceFiles;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the rules path again when its files change. A refused version is logged with its
 * diagnostics and the active version stays; the same files are not tried again until they change.
 */
final class RulesWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RulesWatcher.class);

  private final Path path;
  private final DecisionEngine engine;
  private final Metrics metrics;
  private final ScheduledExecutorService timer;
  private List<SourceFile> lastSeen;

  RulesWatcher(Path path, DecisionEngine engine, Metrics metrics, List<SourceFile> initial) {
    this.path = path;
    this.engine = engine;
    this.metrics = metrics;
    this.lastSeen = initial;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "riskgate-rules-watch");
      t.setDaemon(true);
      return t;
    });
  }

  void start(Duration interval) {
    timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Checks once; public to the package for tests. */
  void check() {
    List<SourceFile> files;
    try {
      files = SourceFiles.read(path);
    } catch (UncheckedIOException e) {
      LOG.warn("event=rules_unreadable path={} error=\"{}\"", path, e.getMessage());
      return;
    }
    if (files.equals(lastSeen)) {
      return;
    }
    try {
      Rulesets.Published p = engine.rulesets().publish(files, "watch:" + path);
      lastSeen = files;
      metrics.published(p.changed() ? "published" : "unchanged");
      if (p.changed()) {
        LOG.info("event=ruleset_published origin=watch path={} version={}", path, p.version().version());
      }
    } catch (RulesetException e) {
      // refused content is not tried again until it changes
      lastSeen = files;
      metrics.published("refused");
      LOG.warn("event=ruleset_refused origin=watch path={} errors={} active_version={}", path,
          e.diagnostics().size(), engine.rulesets().active().map(v -> v.version()).orElse(0));
      for (Diagnostic d : e.diagnostics()) {
        LOG.warn("{}", d.render());
      }
    } catch (RuntimeException e) {
      // e.g. the data folder cannot be written: tried again at the next check
      LOG.error("event=ruleset_publish_failed origin=watch path={} error=\"{}\"", path, e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
