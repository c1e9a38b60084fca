package io.riskgate.server;

import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops the project's PostgreSQL (scripts/services.sh) under load: no decision may fail, decisions
 * made without the database say so, and everything recovers when it comes back.
 */
class PostgresOutageTest {
  @TempDir Path data;

  static void services(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", "../scripts/services.sh"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("services.sh %s", List.of(args)).isTrue();
    assertThat(p.exitValue()).as("services.sh %s: %s", List.of(args), out).isZero();
  }

  @Test
  void shouldDecideEveryEventWhilePostgresIsDownAndRecoverAfter() throws Exception {
    String[] env = {"RISKGATE_POSTGRES_URL", TagsApiTest.pg("RISKGATE_POSTGRES_URL"),
        "RISKGATE_POSTGRES_USER", TagsApiTest.pg("RISKGATE_POSTGRES_USER"),
        "RISKGATE_POSTGRES_PASSWORD", TagsApiTest.pg("RISKGATE_POSTGRES_PASSWORD"),
        "RISKGATE_POSTGRES_TIMEOUT", "500ms", "RISKGATE_TAGS_CACHE_STALENESS", "300ms",
        "RISKGATE_TAGS_SEED_FILE", null};
    try (RiskgateServer server = TestSupport.startDemo(data, env)) {
      TestSupport.Api api = new TestSupport.Api(server);
      HttpResponse<String> set = api.send(api.request("/v1/tags/account/outage-known").header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"attributes\":{\"risk_level\":3},\"reason\":\"outage test\"}")).build());
      assertThat(set.statusCode()).isEqualTo(200);
      assertThat(obj(api.decide(TestSupport.event("o0", "outage-known", 12000)).body())).containsEntry("decision", "reject");

      services("stop", "postgres");
      try {
        int degraded = 0;
        for (int i = 0; i < 200; i++) {
          String account = i % 2 == 0 ? "outage-known" : "outage-unknown-" + i;
          HttpResponse<String> r = api.decide(TestSupport.event("o" + i, account, 12000));
          assertThat(r.statusCode()).as("decision %d during the outage: %s", i, r.body()).isEqualTo(200);
          Map<String, Object> d = obj(r.body());
          if (account.equals("outage-known")) {
            // the tag read before the outage still applies
            assertThat(d).containsEntry("decision", "reject");
          } else {
            // never read: the declared default (level 1) applies, and the decision says so
            assertThat(d).containsEntry("decision", "accept");
            assertThat((List<?>) d.get("degraded")).isNotEmpty();
          }
          if (!((List<?>) d.get("degraded")).isEmpty()) {
            degraded++;
          }
        }
        assertThat(degraded).isGreaterThanOrEqualTo(100);
        assertThat(api.get("/metrics").body()).contains("riskgate_decisions_degraded_total");
      } finally {
        services("start", "postgres");
      }

      // recovery: within the staleness bound, lookups read the database again and are not degraded
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Map<String, Object> after;
      do {
        after = obj(api.decide(TestSupport.event("r", "outage-known", 12000)).body());
      } while (!((List<?>) after.get("degraded")).isEmpty() && System.nanoTime() < deadline);
      assertThat((List<?>) after.get("degraded")).isEmpty();
      assertThat(after).containsEntry("decision", "reject");
    }
  }
}
