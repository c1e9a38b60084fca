package io.riskgate.bench;

import io.riskgate.adapter.rocksdb.RocksDbStateStore;
import io.riskgate.engine.Decision;
import io.riskgate.engine.DecisionEngine;
import io.riskgate.lang.SourceFile;
import io.riskgate.state.StateStore;
import io.riskgate.state.StateTable;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The end-to-end load generator: a synthetic payment stream ({@link PaymentStream}) decided by the
 * load-test ruleset ({@link LoadRuleset}: 500 rules, 30 features over five dimensions), either in
 * this process against an engine with embedded state, or over HTTP against a running server.
 * Reports throughput and latency percentiles (HdrHistogram).
 *
 * <pre>
 *   LoadGenerator inprocess [--keys N] [--threads N] [--seconds N] [--warmup N] [--store rocksdb|memory] [--dir D] [--rules N] [--cache-records N] [--checkpoint-seconds N]
 *   LoadGenerator http --url URL [--keys N] [--connections N] [--rate N] [--seconds N] [--warmup N]
 *   LoadGenerator rules [--rules N]        prints the ruleset, for a server under test
 *   LoadGenerator populate --keys N --dir D   fills a store with a record for every key the stream
 *                                          of N accounts can touch, for runs over a large store
 * </pre>
 * With {@code --rate 0} (the default) HTTP connections send as fast as answers come back; with a
 * rate, requests are sent on a fixed schedule and latency is measured from the scheduled time, so a
 * stalled server is not hidden (no coordinated omission).
 */
public final class LoadGenerator {
  private final Map<String, String> opts;

  private LoadGenerator(Map<String, String> opts) {
    this.opts = opts;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: LoadGenerator inprocess|http|rules [--option value ...]");
      System.exit(2);
    }
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected an option, got " + args[i]);
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    LoadGenerator g = new LoadGenerator(opts);
    switch (args[0]) {
      case "inprocess" -> g.inProcess();
      case "http" -> g.http();
      case "kafka" -> g.kafka();
      case "rules" -> System.out.print(LoadRuleset.yaml(g.integer("rules", 500), g.integer("patterns", 0)));
      case "populate" -> g.populate();
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    System.exit(0);
  }

  private int integer(String name, int def) {
    return Integer.parseInt(opts.getOrDefault(name, Integer.toString(def)).replace("_", ""));
  }

  private PaymentStream.Shape shape() {
    PaymentStream.Shape s = PaymentStream.Shape.standard(integer("keys", 1_000_000));
    double hot = Double.parseDouble(opts.getOrDefault("hot-share", Double.toString(s.hotMerchantShare())));
    return new PaymentStream.Shape(s.accounts(), s.devices(), s.ips(), s.merchants(), s.zipf(), hot,
        s.disorderShare(), s.maxDisorderMillis(), s.repeatShare(), s.eventsPerSimulatedSecond());
  }

  // ------------------------------------------------------------------ in process

  private void inProcess() throws Exception {
    int threads = integer("threads", Runtime.getRuntime().availableProcessors());
    int seconds = integer("seconds", 30);
    int warmup = integer("warmup", 10);
    String storeKind = opts.getOrDefault("store", "rocksdb");
    PaymentStream.Shape shape = shape();
    System.gc();
    long heapBefore = usedHeap();
    Path dir = Path.of(opts.getOrDefault("dir", Files.createTempDirectory("riskgate-load").toString()));
    StateStore store = storeKind.equals("memory") ? StateStore.inMemory() : RocksDbStateStore.open(dir, 64L << 20, false);
    io.riskgate.state.StateLog log = storeKind.equals("memory") ? io.riskgate.state.StateLog.inMemory()
        : io.riskgate.adapter.rocksdb.MappedFileStateLog.open(dir.resolve("log"), 64 << 20, false);
    int cache = integer("cache-records", 200_000);
    StateTable table = StateTable.create(store, log, cache);
    DecisionEngine engine = DecisionEngine.builder().state(table).build();
    // checkpoints as the server makes them (features.checkpoint-interval)
    int checkpointSeconds = integer("checkpoint-seconds", 30);
    java.util.concurrent.ScheduledExecutorService checkpoints = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "checkpoint");
      t.setDaemon(true);
      return t;
    });
    checkpoints.scheduleWithFixedDelay(() -> {
      long began = System.nanoTime();
      long n = engine.checkpointFeatures(java.time.Duration.ofSeconds(checkpointSeconds).dividedBy(2));
      System.out.printf(Locale.ROOT, "  checkpoint: %,d records in %d ms%n", n, (System.nanoTime() - began) / 1_000_000);
    }, checkpointSeconds, checkpointSeconds, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    engine.rulesets().publish(List.of(new SourceFile("load.yaml", LoadRuleset.yaml(integer("rules", 500), integer("patterns", 0)))), "load");
    System.out.printf(Locale.ROOT, "ruleset: %d rules, %d features, %d patterns; published in %d ms%n",
        engine.rulesets().activeRuleset().orElseThrow().rules().size(),
        engine.rulesets().activeRuleset().orElseThrow().features().size()
            - engine.rulesets().activeRuleset().orElseThrow().patterns().size(),
        engine.rulesets().activeRuleset().orElseThrow().patterns().size(), (System.nanoTime() - t0) / 1_000_000);
    System.out.printf(Locale.ROOT, "stream: %d accounts, %d devices, %d ips, %d merchants, zipf %.2f, hot merchant %.0f%%, "
            + "%.0f%% out of order up to %d s, %.0f%% repeats; store %s, %d threads, %d records cached%n",
        shape.accounts(), shape.devices(), shape.ips(), shape.merchants(), shape.zipf(), shape.hotMerchantShare() * 100,
        shape.disorderShare() * 100, shape.maxDisorderMillis() / 1000, shape.repeatShare() * 100, storeKind, threads, cache);

    Recorder recorder = new Recorder(3);
    LongAdder decisions = new LongAdder();
    LongAdder reviews = new LongAdder();
    LongAdder degraded = new LongAdder();
    LongAdder matches = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      PaymentStream stream = new PaymentStream(shape, 1000 + w, "t" + w + "-");
      Thread t = Thread.ofPlatform().name("load-" + w).start(() -> {
        while (!stop.get()) {
          byte[] body = stream.next();
          long start = System.nanoTime();
          Decision d = engine.decide(body);
          recorder.recordValue(System.nanoTime() - start);
          decisions.increment();
          matches.add(d.matched().size() + d.shadowMatched().size());
          if (d.action() != io.riskgate.lang.Action.ACCEPT) {
            reviews.increment();
          }
          if (!d.degraded().isEmpty()) {
            degraded.increment();
          }
        }
      });
      workers.add(t);
    }
    Histogram total = phases(recorder, decisions, warmup, seconds, "this process: decisions, GC, RocksDB, checkpoints");
    stop.set(true);
    for (Thread t : workers) {
      t.join();
    }
    StateTable.Counters c = table.counters();
    System.out.printf(Locale.ROOT, "feature updates: applied %d, repeats %d, late %d, not counted %d; record cache hits %.1f%%; decisions not accept %d, degraded %d, rules matched per decision %.2f%n",
        c.applied(), c.duplicates(), c.late(), c.notCounted(),
        100.0 * c.cacheHits() / Math.max(1, c.cacheHits() + c.cacheMisses()), reviews.sum(), degraded.sum(),
        matches.sum() / (double) Math.max(1, decisions.sum()));
    checkpoints.shutdownNow();
    checkpoints.awaitTermination(1, TimeUnit.MINUTES);
    long began = System.nanoTime();
    long written = engine.checkpointFeatures(java.time.Duration.ZERO);
    System.out.printf(Locale.ROOT, "final checkpoint: %,d records in %d ms; records written on eviction %,d%n",
        written, (System.nanoTime() - began) / 1_000_000, table.counters().evictedWrites());
    if (store instanceof RocksDbStateStore rocks) {
      rocks.flush();
      rocks.compact();
    }
    StateStore.Stats stats = store.stats();
    System.gc();
    long heapAfter = usedHeap();
    System.out.printf(Locale.ROOT, "state: %d key records; %s on disk (%.0f bytes per key record); heap %s above the start with %d records cached (%.0f bytes per cached record)%n",
        stats.records(), mib(stats.bytes()), stats.bytes() / (double) Math.max(1, stats.records()),
        mib(heapAfter - heapBefore), Math.min(cache, stats.records()), (heapAfter - heapBefore) / (double) Math.max(1, Math.min(cache, stats.records())));
    report("in process", total, seconds);
    table.close();
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  /** CPU time used by this process so far, all threads. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
  }

  /** Runs the warm-up, then the measured phase; prints a line per 5 seconds and this process's CPU time per decision. */
  private static Histogram phases(Recorder recorder, LongAdder count, int warmup, int seconds, String cpuOf) throws InterruptedException {
    Thread.sleep(warmup * 1000L);
    recorder.getIntervalHistogram();
    long startCount = count.sum();
    long startCpu = processCpuNanos();
    long start = System.nanoTime();
    Histogram total = new Histogram(3);
    long last = startCount;
    for (int s = 5; s <= seconds; s += 5) {
      Thread.sleep(5000);
      Histogram h = recorder.getIntervalHistogram();
      total.add(h);
      long now = count.sum();
      System.out.printf(Locale.ROOT, "  %3d s: %,9.0f decisions/s  p50 %7.1f us  p99 %8.1f us%n",
          s, (now - last) / 5.0, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
      last = now;
    }
    total.add(recorder.getIntervalHistogram());
    double elapsed = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "measured: %,d decisions in %.1f s%n", count.sum() - startCount, elapsed);
    System.out.printf(Locale.ROOT, "process CPU per decision in the measured phase: %.1f us (%s)%n",
        (processCpuNanos() - startCpu) / 1000.0 / Math.max(1, count.sum() - startCount), cpuOf);
    total.setStartTimeStamp(0);
    total.setEndTimeStamp((long) (elapsed * 1000));
    return total;
  }

  private static void report(String where, Histogram h, int seconds) {
    double elapsed = (h.getEndTimeStamp() - h.getStartTimeStamp()) / 1000.0;
    System.out.printf(Locale.ROOT, "RESULT %s: %,.0f decisions/s; latency p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%n",
        where, h.getTotalCount() / elapsed, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
  }

  // ------------------------------------------------------------------ a large store

  /**
   * Writes one small record (one event) for every key of the five dimensions the stream of
   * {@code --keys} accounts can touch: accounts, devices, IPs, merchants and (account, merchant)
   * pairs. The records hold a column no ruleset has, so the engine reads each one and starts it
   * empty: what is measured is the cost of a store of that size.
   */
  private void populate() throws Exception {
    PaymentStream.Shape shape = shape();
    Path dir = Path.of(opts.get("dir"));
    io.riskgate.state.DimensionSpec spec = new io.riskgate.state.DimensionSpec(
        List.of(new io.riskgate.state.Column(0x5EED, io.riskgate.state.Column.Kind.MEMBER)),
        List.of(new io.riskgate.state.FeatureSpec(io.riskgate.state.Aggregate.COUNT, new io.riskgate.state.Window.Sliding(3_600_000), 0, true)),
        java.time.Duration.ofMinutes(10), java.time.Duration.ofDays(30));
    io.riskgate.state.KeyState one = io.riskgate.state.KeyState.empty();
    one.apply(spec, new io.riskgate.state.EventInput(1_767_222_000_000L, 42, new long[] {0}), new double[1]);
    byte[] value = io.riskgate.state.KeyStateCodec.encode(one);
    long started = System.nanoTime();
    long written = 0;
    try (RocksDbStateStore store = RocksDbStateStore.open(dir, 64L << 20, false)) {
      List<StateStore.Write> batch = new ArrayList<>(10_000);
      long accountDim = io.riskgate.engine.FeatureKeys.dimensionId(List.of("account_id"));
      long deviceDim = io.riskgate.engine.FeatureKeys.dimensionId(List.of("device_id"));
      long ipDim = io.riskgate.engine.FeatureKeys.dimensionId(List.of("ip"));
      long merchantDim = io.riskgate.engine.FeatureKeys.dimensionId(List.of("merchant_id"));
      long pairDim = io.riskgate.engine.FeatureKeys.dimensionId(List.of("account_id", "merchant_id"));
      for (int i = 0; i < shape.accounts(); i++) {
        batch.add(StateStore.Write.put(io.riskgate.engine.FeatureKeys.recordKey(accountDim, List.of("acct" + i)), value));
        batch.add(StateStore.Write.put(io.riskgate.engine.FeatureKeys.recordKey(pairDim, List.of("acct" + i, "m" + (i % shape.merchants()))), value));
        if (i < shape.devices()) {
          batch.add(StateStore.Write.put(io.riskgate.engine.FeatureKeys.recordKey(deviceDim, List.of("dev" + i)), value));
        }
        if (i < shape.ips()) {
          batch.add(StateStore.Write.put(io.riskgate.engine.FeatureKeys.recordKey(ipDim, List.of(PaymentStream.ip(i))), value));
        }
        if (i < shape.merchants()) {
          batch.add(StateStore.Write.put(io.riskgate.engine.FeatureKeys.recordKey(merchantDim, List.of("m" + i)), value));
        }
        if (batch.size() >= 10_000) {
          store.write(batch);
          written += batch.size();
          batch.clear();
          if (written % 5_000_000 < 10_000) {
            System.out.printf(Locale.ROOT, "  %,d records, %.0f s%n", written, (System.nanoTime() - started) / 1e9);
          }
        }
      }
      store.write(batch);
      written += batch.size();
      store.flush();
      store.compact();
      System.out.printf(Locale.ROOT, "populated and compacted %,d records in %.0f s; store %s%n", written,
          (System.nanoTime() - started) / 1e9, mib(store.stats().bytes()));
    }
  }

  // ------------------------------------------------------------------ HTTP

  private void http() throws Exception {
    URI url = URI.create(opts.getOrDefault("url", "http://127.0.0.1:8787"));
    int connections = integer("connections", 32);
    int rate = integer("rate", 0);
    int seconds = integer("seconds", 30);
    int warmup = integer("warmup", 5);
    PaymentStream.Shape shape = shape();
    System.out.printf(Locale.ROOT, "http: %s, %d connections, %s; %d accounts%n", url, connections,
        rate == 0 ? "as fast as answered" : rate + " requests/s on a fixed schedule", shape.accounts());
    Recorder recorder = new Recorder(3);
    LongAdder decisions = new LongAdder();
    LongAdder errors = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> workers = new ArrayList<>();
    long begin = System.nanoTime();
    for (int w = 0; w < connections; w++) {
      PaymentStream stream = new PaymentStream(shape, 5000 + w, "h" + w + "-" + System.currentTimeMillis() + "-");
      int worker = w;
      Thread t = Thread.ofPlatform().name("http-" + w).start(() -> {
        long interval = rate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) * connections / rate;
        long next = begin + (interval * worker) / connections;
        try (Socket socket = new Socket()) {
          socket.setTcpNoDelay(true);
          socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5000);
          OutputStream out = socket.getOutputStream();
          InputStream in = new BufferedInputStream(socket.getInputStream(), 16384);
          byte[] head = ("POST /v1/decisions HTTP/1.1\r\nHost: " + url.getHost() + "\r\nContent-Type: application/json\r\nContent-Length: ")
              .getBytes(StandardCharsets.US_ASCII);
          while (!stop.get()) {
            if (interval > 0) {
              long wait = next - System.nanoTime();
              if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
              }
            }
            byte[] body = stream.next();
            long start = interval > 0 ? next : System.nanoTime();
            out.write(head);
            out.write((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            int status = readResponse(in);
            recorder.recordValue(Math.max(0, System.nanoTime() - start));
            if (status == 200) {
              decisions.increment();
            } else {
              errors.increment();
            }
            next += interval;
          }
        } catch (IOException | InterruptedException e) {
          if (!stop.get()) {
            System.err.println("connection " + worker + ": " + e);
            errors.increment();
          }
        }
      });
      workers.add(t);
    }
    Histogram total = phases(recorder, decisions, warmup, seconds, "the load generator's own, not the server's");
    stop.set(true);
    for (Thread t : workers) {
      t.join(10_000);
    }
    System.out.printf(Locale.ROOT, "errors: %d%n", errors.sum());
    report("http " + (rate == 0 ? "max" : "at " + rate + "/s"), total, seconds);
  }

  // ------------------------------------------------------------------ Kafka

  /**
   * End to end through Kafka: sends the payment stream to the input topic of an engine that runs
   * with Kafka enabled, reads its decisions topic, and measures from each message's timestamp (the
   * time it was due to be sent) to the moment its decision is read. With {@code --rate 0}, sends as
   * fast as decisions come back, holding at most {@code --backlog} messages ahead of them. Timestamps
   * have millisecond precision.
   */
  private void kafka() throws Exception {
    String bootstrap = opts.getOrDefault("bootstrap", "127.0.0.1:19092");
    String input = opts.getOrDefault("input", "transactions");
    String decisionsTopic = opts.getOrDefault("decisions", "decisions");
    int rate = integer("rate", 0);
    int seconds = integer("seconds", 30);
    int warmup = integer("warmup", 10);
    int backlog = integer("backlog", 20_000);
    PaymentStream stream = new PaymentStream(shape(), 9000, "k" + System.currentTimeMillis() + "-");
    System.out.printf(Locale.ROOT, "kafka: %s, %s -> engine -> %s, %s%n", bootstrap, input, decisionsTopic,
        rate == 0 ? "as fast as decided (backlog " + backlog + ")" : rate + " messages/s on a fixed schedule");
    Recorder recorder = new Recorder(3);
    LongAdder decided = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicLong stopped = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    Thread reader = Thread.ofPlatform().name("decisions").start(() -> {
      reading.countDown();
      try {
        io.riskgate.adapter.kafka.KafkaTools.consume(bootstrap, Map.of(), decisionsTopic, false, Integer.MAX_VALUE,
            java.time.Duration.ofSeconds(5), m -> {
              String due = m.headers().get("riskgate.source.timestamp");
              if (due != null) {
                recorder.recordValue(Math.max(0, System.currentTimeMillis() - Long.parseLong(due)) * 1_000_000);
                decided.increment();
              }
              if (System.nanoTime() - stopped.get() > TimeUnit.SECONDS.toNanos(15)) {
                throw new IllegalStateException("the backlog is not read to its end after 15 s");
              }
            });
      } catch (IllegalStateException e) {
        System.out.println("decisions: " + e.getMessage());
      }
    });
    reading.await();
    Thread.sleep(2000);
    long beginMillis = System.currentTimeMillis();
    long begin = System.nanoTime();
    Thread writer = Thread.ofPlatform().name("sender").start(() -> {
      long n = 0;
      try (io.riskgate.adapter.kafka.KafkaTools.Sender sender = io.riskgate.adapter.kafka.KafkaTools.sender(bootstrap,
          Map.of("linger.ms", "2"), input, "account_id")) {
        while (!stop.get()) {
          long due;
          if (rate > 0) {
            long dueNanos = begin + n * 1_000_000_000L / rate;
            long wait = dueNanos - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
            due = beginMillis + (dueNanos - begin) / 1_000_000;
          } else {
            while (n - decided.sum() > backlog && !stop.get()) {
              Thread.sleep(1);
            }
            due = System.currentTimeMillis();
          }
          sender.send(stream.next(), due);
          n++;
        }
        System.out.printf(Locale.ROOT, "sent %,d messages, %,d decisions read%n", n, decided.sum());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Histogram total = phases(recorder, decided, warmup, seconds, "the load generator's own, not the engine's");
    stop.set(true);
    stopped.set(System.nanoTime());
    writer.join(30_000);
    reader.join(60_000);
    report("kafka end to end " + (rate == 0 ? "max" : "at " + rate + "/s"), total, seconds);
  }

  /** Reads one HTTP/1.1 response with a Content-Length body; returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int status = -1;
    int length = 0;
    while (true) {
      line.setLength(0);
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      if (line.isEmpty()) {
        break;
      }
      String l = line.toString();
      if (status < 0) {
        status = Integer.parseInt(l.substring(9, 12));
      } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Integer.parseInt(l.substring(15).trim());
      }
    }
    in.skipNBytes(length);
    return status;
  }
}
