package io.riskgate.server;

import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server with SIGKILL while four clients send payments (out of order, with repeats),
 * restarts it on the same data folder, and checks that the feature state holds exactly the events
 * of every decision answered before the kill: each client resends its one unanswered event (a
 * repeat if it had been applied), then a probe per key must see what a brute-force oracle sees.
 * Every decision answered before and after the kill must also equal the oracle.
 */
class FeatureCrashTest {
  static final String RULES = """
      ruleset: crash
      timezone: UTC
      events:
        payment:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account: {type: string, required: true}
            device: string
            amount: {type: double, required: true}
            ts: {type: timestamp, required: true}
      features:
        n_1m: {aggregate: count, by: account, window: 1m}
        sum_10m: {aggregate: sum, of: amount, by: account, window: 10m}
        devices_10m: {aggregate: distinct_count, of: device, by: account, window: 10m}
        avg_last_3: {aggregate: avg, of: amount, by: account, window: {last: 3}, include_current: false}
        n_device_1h: {aggregate: count, by: device, window: 1h}
      rules:
        - id: busy
          when: n_1m > 5
          action: review
      """;
  static final int CLIENTS = 4;
  static final int KILL_AFTER = 2500;

  @TempDir Path dir;

  record Ev(String id, String account, Optional<String> device, long amount, long ts) {
    String json() {
      return "{\"id\":\"" + id + "\",\"account\":\"" + account + "\"" + device.map(d -> ",\"device\":\"" + d + "\"").orElse("")
          + ",\"amount\":" + amount + ",\"ts\":" + ts + "}";
    }
  }

  /** Every event applied, per key; values computed from scratch. */
  static final class Oracle {
    record Applied(Ev ev, long arrival) {}

    final Map<String, List<Applied>> byAccount = new HashMap<>();
    final Map<String, List<Applied>> byDevice = new HashMap<>();
    final Map<String, Applied> byId = new HashMap<>();
    long arrivals;

    /** Applies an event and returns the explained features a decision must carry, and whether it is a repeat. */
    synchronized Map<String, Object> apply(Ev e, boolean[] repeated) {
      Applied self = byId.get(e.id());
      repeated[0] = self != null;
      if (self == null) {
        self = new Applied(e, arrivals++);
        byId.put(e.id(), self);
        byAccount.computeIfAbsent(e.account(), k -> new ArrayList<>()).add(self);
        Applied s = self;
        e.device().ifPresent(d -> byDevice.computeIfAbsent(d, k -> new ArrayList<>()).add(s));
      }
      long t = e.ts();
      List<Applied> acc = byAccount.get(e.account());
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("n_1m", acc.stream().filter(a -> a.ev().ts() > t - 60_000 && a.ev().ts() <= t).count());
      out.put("sum_10m", (double) acc.stream().filter(a -> a.ev().ts() > t - 600_000 && a.ev().ts() <= t).mapToLong(a -> a.ev().amount()).sum());
      Set<String> devices = new HashSet<>();
      acc.stream().filter(a -> a.ev().ts() > t - 600_000 && a.ev().ts() <= t).forEach(a -> a.ev().device().ifPresent(devices::add));
      out.put("devices_10m", (long) devices.size());
      Applied me = self;
      List<Applied> before = acc.stream().filter(a -> a != me && a.ev().ts() <= t)
          .sorted(Comparator.comparingLong((Applied a) -> a.ev().ts()).thenComparingLong(Applied::arrival)).toList();
      List<Applied> last3 = before.subList(Math.max(0, before.size() - 3), before.size());
      out.put("avg_last_3", last3.isEmpty() ? null : last3.stream().mapToLong(a -> a.ev().amount()).sum() / (double) last3.size());
      e.device().ifPresent(d -> out.put("n_device_1h",
          byDevice.get(d).stream().filter(a -> a.ev().ts() > t - 3_600_000 && a.ev().ts() <= t).count()));
      return out;
    }
  }

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Process start(int port, Path rules) throws IOException {
    // frequent checkpoints and a cache too small for every key: the kill finds records in memory,
    // in the store from checkpoints and evictions, and events only in the state log
    return TestSupport.startServer(dir, port, Map.of(
        "RISKGATE_RULES_PATH", rules.toString(),
        "RISKGATE_FEATURES_CHECKPOINT_INTERVAL", "300ms",
        "RISKGATE_FEATURES_CACHE_RECORDS", "512"));
  }

  Map<String, Object> decide(int port, Ev e) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/decisions?explain=true"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(e.json())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return obj(r.body());
  }

  static void check(Map<String, Object> decision, Ev e, Map<String, Object> want, boolean repeated, String when) {
    assertThat(decision.get("features")).as("%s: features of %s in %s", when, e, decision).isEqualTo(want);
    assertThat(decision.get("repeated")).as("%s: repeated flag of %s", when, e).isEqualTo(repeated);
    assertThat((List<?>) decision.get("degraded")).as("%s: %s", when, e).isEmpty();
  }

  @Test
  void shouldHoldEveryAnsweredUpdateAfterAKill() throws Exception {
    Path rules = dir.resolve("rules");
    Files.createDirectories(rules);
    Files.writeString(rules.resolve("crash.yaml"), RULES);
    int port = freePort();
    Process server = start(port, rules);
    Oracle oracle = new Oracle();
    AtomicInteger answered = new AtomicInteger();
    AtomicBoolean killed = new AtomicBoolean();
    ConcurrentLinkedQueue<Ev> unanswered = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<List<Ev>> sentByClient = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(CLIENTS);
    long base = 1_767_225_600_000L;
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      List<Ev> sent = new ArrayList<>();
      sentByClient.add(sent);
      Thread.ofPlatform().name("client-" + c).start(() -> {
        Random r = new Random(client);
        long t = base;
        int n = 0;
        try {
          while (!killed.get()) {
            Ev e;
            if (!sent.isEmpty() && r.nextInt(20) == 0) {
              // a repeat of a recent event: one older than the allowed lateness would be late, not a repeat
              e = sent.get(Math.max(0, sent.size() - 1 - r.nextInt(20)));
            } else {
              t += r.nextInt(3000);
              long ts = r.nextInt(10) == 0 ? t - r.nextInt(120_000) : t;
              Optional<String> device = r.nextInt(10) == 0 ? Optional.empty() : Optional.of("d" + client + "-" + r.nextInt(10));
              e = new Ev("c" + client + "-" + n++, "a" + client + "-" + r.nextInt(20), device, 1 + r.nextInt(500), ts);
            }
            Map<String, Object> d;
            try {
              d = decide(port, e);
            } catch (IOException io) {
              if (killed.get()) {
                unanswered.add(e);
                break;
              }
              throw io;
            }
            boolean[] repeated = new boolean[1];
            Map<String, Object> want = oracle.apply(e, repeated);
            check(d, e, want, repeated[0], "before the kill");
            if (!sent.contains(e)) {
              sent.add(e);
            }
            if (answered.incrementAndGet() >= KILL_AFTER && killed.compareAndSet(false, true)) {
              server.destroyForcibly();
            }
          }
        } catch (Throwable x) {
          failures.add(x);
          killed.set(true);
          server.destroyForcibly();
        } finally {
          done.countDown();
        }
      });
    }
    assertThat(done.await(180, TimeUnit.SECONDS)).isTrue();
    server.waitFor(30, TimeUnit.SECONDS);
    if (!failures.isEmpty()) {
      try (var logs = Files.list(dir)) {
        for (Path log : logs.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
          System.err.println("---- " + log + "\n" + Files.readString(log));
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(answered.get()).isGreaterThanOrEqualTo(KILL_AFTER);

    Process restarted = start(port, rules);
    try {
      // a client retries what it got no answer for: applied now, or recognised as a repeat
      for (Ev e : unanswered) {
        Map<String, Object> d = decide(port, e);
        boolean[] repeated = new boolean[1];
        Map<String, Object> want = oracle.apply(e, repeated);
        if (!repeated[0]) {
          // the oracle never saw it; the server may have applied it before dying: either way the values agree
          assertThat(d.get("features")).as("retry of %s", e).isEqualTo(want);
        } else {
          check(d, e, want, true, "retry");
        }
      }
      // a probe per key, after everything: the state must hold exactly what the oracle holds
      int probes = 0;
      for (Map.Entry<String, List<Oracle.Applied>> acc : new HashMap<>(oracle.byAccount).entrySet()) {
        long newest = acc.getValue().stream().mapToLong(a -> a.ev().ts()).max().orElseThrow();
        String device = acc.getValue().get(0).ev().device().orElse("dx");
        Ev probe = new Ev("probe-" + probes++, acc.getKey(), Optional.of(device), 1, newest + 1);
        boolean[] repeated = new boolean[1];
        check(decide(port, probe), probe, oracle.apply(probe, repeated), false, "after restart");
      }
      assertThat(probes).isGreaterThanOrEqualTo(CLIENTS * 10);
    } finally {
      restarted.destroy();
      restarted.waitFor(30, TimeUnit.SECONDS);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
