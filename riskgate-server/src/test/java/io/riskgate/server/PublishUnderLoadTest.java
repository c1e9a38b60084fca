package io.riskgate.server;

import static io.riskgate.server.TestSupport.at;
import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decisions keep flowing, each consistent with the version it names, while rulesets are published. */
class PublishUnderLoadTest {
  private static final int CLIENTS = 4;
  private static final int REQUESTS_PER_CLIENT = 1500;
  private static final int PUBLISHES = 20;
  /** Clients hand the publisher one permit per this many completed requests, so publishes interleave. */
  private static final int REQUESTS_PER_PERMIT = CLIENTS * REQUESTS_PER_CLIENT / (PUBLISHES + 4);

  @Test
  void everyDecisionMatchesItsVersion(@TempDir Path data) throws Exception {
    String variantA = TestSupport.demoText();
    String variantB = variantA.replace("amount > 5000 and amount <= 10000", "amount > 7000 and amount <= 10000");
    assertThat(variantB).isNotEqualTo(variantA);

    try (RiskgateServer server = TestSupport.startDemo(data)) {
      HttpClient http = TestSupport.client();
      URI decideUri = URI.create("http://127.0.0.1:" + server.port() + "/v1/decisions");
      URI publishUri = URI.create("http://127.0.0.1:" + server.port() + "/v1/rulesets");
      String event = TestSupport.event("tx-load", "account123", 6000);

      // Version 1 is the demo loaded from the rules path: variant A.
      Map<Long, Character> variantOf = new ConcurrentHashMap<>();
      variantOf.put(1L, 'A');

      Map<Long, Set<String>> decisionsByVersion = new ConcurrentHashMap<>();
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      AtomicInteger completed = new AtomicInteger();
      Semaphore progress = new Semaphore(0);
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();

      for (int c = 0; c < CLIENTS; c++) {
        threads.add(Thread.ofPlatform().name("client-" + c).start(() -> {
          try {
            go.await();
            HttpRequest req = HttpRequest.newBuilder(decideUri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event)).build();
            for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
              try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                  problems.add("status " + r.statusCode() + ": " + r.body());
                } else {
                  Map<String, Object> d = obj(r.body());
                  decisionsByVersion.computeIfAbsent((Long) d.get("ruleset_version"), k -> ConcurrentHashMap.newKeySet())
                      .add((String) d.get("decision"));
                }
              } catch (Exception e) {
                problems.add("transport: " + e);
              }
              if (completed.incrementAndGet() % REQUESTS_PER_PERMIT == 0) {
                progress.release();
              }
            }
          } catch (InterruptedException e) {
            problems.add("interrupted");
          }
        }));
      }

      Thread publisher = Thread.ofPlatform().name("publisher").start(() -> {
        try {
          go.await();
          for (int i = 0; i < PUBLISHES; i++) {
            if (!progress.tryAcquire(60, TimeUnit.SECONDS)) {
              problems.add("publisher: clients made no progress");
              return;
            }
            char variant = i % 2 == 0 ? 'B' : 'A';
            HttpRequest req = HttpRequest.newBuilder(publishUri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(variant == 'A' ? variantA : variantB)).build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                problems.add("publish status " + r.statusCode() + ": " + r.body());
                continue;
            }
            variantOf.put((Long) at(obj(r.body()), "version", "version"), variant);
          }
        } catch (Exception e) {
          problems.add("publisher: " + e);
        }
      });

      go.countDown();
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(120));
        assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
      }
      publisher.join(TimeUnit.SECONDS.toMillis(120));
      assertThat(publisher.isAlive()).as("publisher finished").isFalse();

      assertThat(problems).isEmpty();
      assertThat(completed.get()).isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
      assertThat(variantOf).hasSize(PUBLISHES + 1);
      int total = 0;
      for (Map.Entry<Long, Set<String>> e : decisionsByVersion.entrySet()) {
        Character variant = variantOf.get(e.getKey());
        assertThat(variant).as("version %s was published", e.getKey()).isNotNull();
        assertThat(e.getValue()).as("decisions of version %s (variant %s)", e.getKey(), variant)
            .containsExactly(variant == 'A' ? "reject" : "accept");
      }
      Set<Long> seen = new TreeSet<>(decisionsByVersion.keySet());
      assertThat(seen).as("versions seen by the clients").hasSizeGreaterThan(1);
      assertThat(seen.stream().map(variantOf::get).distinct()).containsExactlyInAnyOrder('A', 'B');
      assertThat(obj(new TestSupport.Api(http, server.port()).get("/ready").body()).get("ruleset_version"))
          .isEqualTo((long) PUBLISHES + 1);
    }
  }
}
