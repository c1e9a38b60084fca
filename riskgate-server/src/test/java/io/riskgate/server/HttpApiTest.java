package io.riskgate.server;

import static io.riskgate.server.TestSupport.at;
import static io.riskgate.server.TestSupport.event;
import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The payment demo over HTTP: decisions, input errors, health, metrics and ruleset management. */
class HttpApiTest {
  /** A demo server shared by the tests that do not change rulesets. */
  private static RiskgateServer shared;
  private static TestSupport.Api api;

  @BeforeAll
  static void startShared(@TempDir Path data) {
    shared = TestSupport.startDemo(data);
    api = new TestSupport.Api(shared);
  }

  @AfterAll
  static void stopShared() {
    if (shared != null) {
      shared.close();
    }
  }

  // ------------------------------------------------------------------ decisions

  @Test
  void largePaymentOfMediumRiskAccountIsAccepted() {
    HttpResponse<String> r = api.decide(
        "{\"transaction_id\":\"tx1001\",\"account_id\":\"account123\",\"amount\":12000.0,\"timestamp\":1732200000.0}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/json"));
    Map<String, Object> d = obj(r.body());
    assertThat(d.get("decision")).isEqualTo("accept");
    assertThat(d.get("event_id")).isEqualTo("tx1001");
    assertThat(d.get("event_type")).isEqualTo("payment");
    assertThat((List<?>) d.get("matched")).isEmpty();
    assertThat(d.get("ruleset_version")).isEqualTo(1L);
  }

  @Test
  void midPaymentOfMediumRiskAccountIsRejected() {
    HttpResponse<String> r = api.decide(
        "{\"transaction_id\":\"tx1001\",\"account_id\":\"account123\",\"amount\":8000.0,\"timestamp\":1732200000.0}");
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Object> d = obj(r.body());
    assertThat(d.get("decision")).isEqualTo("reject");
    assertThat(d.get("ruleset")).isEqualTo("payment-demo");
    assertThat(d.get("ruleset_version")).isEqualTo(1L);
    assertThat(d.get("score")).isEqualTo(80L);
    List<?> matched = (List<?>) d.get("matched");
    assertThat(matched).hasSize(1);
    assertThat(at(matched, 0, "id")).isEqualTo("mid-amount-elevated-risk");
    assertThat(at(matched, 0, "action")).isEqualTo("reject");
    assertThat((String) at(matched, 0, "reason")).contains("8000").contains("risk level is 2");
  }

  /** The sequence README shows on a new server: three failed logins, a reset, then two withdrawals of acc7. */
  @Test
  void loginBurstThenPayoutIsRejectedQuotingItsEvents(@TempDir Path data) {
    try (RiskgateServer server = TestSupport.startDemo(data)) {
      loginBurstThenPayout(new TestSupport.Api(server));
    }
  }

  private static void loginBurstThenPayout(TestSupport.Api api) {
    for (int i = 1; i <= 3; i++) {
      assertThat(obj(api.decide("{\"event_type\":\"login\",\"login_id\":\"login" + i + "\",\"account_id\":\"acc7\","
          + "\"status\":\"failed\",\"timestamp\":" + (1732200000 + 20 * i) + "}").body()).get("decision")).isEqualTo("accept");
    }
    assertThat(obj(api.decide("{\"event_type\":\"password_reset\",\"reset_id\":\"reset1\",\"account_id\":\"acc7\","
        + "\"timestamp\":1732200100}").body()).get("decision")).isEqualTo("accept");
    Map<String, Object> d = obj(api.decide("{\"event_type\":\"withdrawal\",\"withdrawal_id\":\"wd1\",\"account_id\":\"acc7\","
        + "\"amount\":2500.0,\"timestamp\":1732200160}").body());
    assertThat(d.get("decision")).isEqualTo("reject");
    List<?> matched = (List<?>) d.get("matched");
    assertThat(at(matched, 0, "id")).isEqualTo("login-burst-then-payout");
    assertThat(at(matched, 0, "reason")).isEqualTo("withdrawal of 2500 after failed logins and a password reset of account acc7 "
        + "within 10 minutes: login1, login2, login3, reset1, wd1");
    assertThat(at(d, "patterns", "login_burst_then_payout")).isEqualTo(List.of("login1", "login2", "login3", "reset1", "wd1"));
    Map<String, Object> second = obj(api.decide("{\"event_type\":\"withdrawal\",\"withdrawal_id\":\"wd2\","
        + "\"account_id\":\"acc7\",\"amount\":2500.0,\"timestamp\":1732200170}").body());
    assertThat(second.get("decision")).isEqualTo("accept");
    assertThat(second).doesNotContainKey("patterns");
  }

  @Test
  void malformedJsonIs400WithPath() {
    HttpResponse<String> r = api.decide("{\"transaction_id\":\"tx1\",\"amount\":");
    assertError(r, 400, "malformed_json", "$");
  }

  @Test
  void wrongTypeNamesTheField() {
    HttpResponse<String> r = api.decide(
        "{\"transaction_id\":\"tx1\",\"account_id\":\"account123\",\"amount\":\"lots\",\"timestamp\":1732200000}");
    assertError(r, 400, "wrong_type", "$.amount");
  }

  @Test
  void missingRequiredFieldNamesTheField() {
    HttpResponse<String> r = api.decide("{\"transaction_id\":\"tx1\",\"amount\":1.0,\"timestamp\":1732200000}");
    assertError(r, 400, "missing_field", "$.account_id");
  }

  @Test
  void unknownEventTypeNamesTheField() {
    HttpResponse<String> r = api.decide("{\"event_type\":\"refund\",\"transaction_id\":\"tx1\","
        + "\"account_id\":\"account123\",\"amount\":1.0,\"timestamp\":1732200000}");
    assertError(r, 400, "unknown_event_type", "$.event_type");
    assertThat(obj(r.body()).toString()).contains("refund");
  }

  @Test
  void emptyBodiesAreClientErrors(@TempDir Path data) {
    assertError(api.postBytes("/v1/decisions", "application/json", new byte[0]), 400, "malformed_json", "$");
    assertError(api.send(api.request("/v1/decisions").POST(HttpRequest.BodyPublishers.noBody()).build()),
        400, "malformed_json", "$");
    HttpResponse<String> batch = api.postBytes("/v1/decisions/batch", "application/json", new byte[0]);
    assertThat(batch.statusCode()).isEqualTo(400);
    assertThat(at(obj(batch.body()), "error", "code")).isEqualTo("malformed_json");

    try (RiskgateServer server = TestSupport.startDemo(data)) {
      TestSupport.Api a = new TestSupport.Api(server);
      HttpResponse<String> validate = a.post("/v1/rulesets/validate", "application/yaml", "");
      assertThat(validate.statusCode()).isEqualTo(200);
      assertThat(obj(validate.body()).get("valid")).isEqualTo(false);
      assertThat(a.post("/v1/rulesets", "application/yaml", "").statusCode()).isEqualTo(422);
      HttpResponse<String> json = a.post("/v1/rulesets", "application/json", "");
      assertThat(json.statusCode()).isEqualTo(400);
      assertThat(at(obj(json.body()), "error", "code")).isEqualTo("invalid_body");
      assertThat(obj(a.get("/v1/rulesets").body()).get("active")).isEqualTo(1L);
    }
  }

  @Test
  void unknownPathIs404Json() {
    HttpResponse<String> r = api.get("/v1/nope");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(at(obj(r.body()), "error", "code")).isEqualTo("not_found");
    HttpResponse<String> wrongMethod = api.get("/v1/decisions");
    assertThat(wrongMethod.statusCode()).isEqualTo(404);
    assertThat(at(obj(wrongMethod.body()), "error", "code")).isEqualTo("not_found");
  }

  @Test
  void bodyOverTheLimitIs413Json(@TempDir Path data) {
    try (RiskgateServer server = TestSupport.startDemo(data, "RISKGATE_SERVER_MAX_BODY_BYTES", "4096")) {
      TestSupport.Api small = new TestSupport.Api(server);
      // Only a little over the limit: the server closes the connection after a 413, and a large unread
      // remainder would make the client's TCP stack drop the answer (reset) before it is read.
      byte[] big = bigEvent(6_000);

      // With Content-Length.
      HttpResponse<String> sized = small.postBytes("/v1/decisions", "application/json", big);
      assertThat(sized.statusCode()).isEqualTo(413);
      assertThat(at(obj(sized.body()), "error", "code")).isEqualTo("too_large");

      // Chunked: no Content-Length.
      HttpResponse<String> chunked = small.send(small.request("/v1/decisions")
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
          .build());
      assertThat(chunked.statusCode()).isEqualTo(413);
      assertThat(at(obj(chunked.body()), "error", "code")).isEqualTo("too_large");

      // The server still answers, on a new connection or the same one.
      HttpResponse<String> ok = small.decide(event("tx1", "account123", 8000));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(obj(ok.body()).get("decision")).isEqualTo("reject");

      // A chunked body under the limit is read whole.
      byte[] fine = event("tx2", "account123", 12000).getBytes(StandardCharsets.UTF_8);
      HttpResponse<String> okChunked = small.send(small.request("/v1/decisions")
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(fine)))
          .build());
      assertThat(okChunked.statusCode()).isEqualTo(200);
      assertThat(obj(okChunked.body()).get("decision")).isEqualTo("accept");

      assertThat(small.get("/metrics").body()).contains("riskgate_rejected_inputs_total{reason=\"too_large\"}");
    }
  }

  private static byte[] bigEvent(int size) {
    StringBuilder sb = new StringBuilder("{\"transaction_id\":\"tx1\",\"account_id\":\"account123\",\"amount\":1.0,"
        + "\"timestamp\":1732200000,\"padding\":\"");
    while (sb.length() < size) {
      sb.append("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }
    sb.append("\"}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void garbageNeverCausesA5xx() {
    Random rnd = new Random(20241121L);
    List<byte[]> bodies = new ArrayList<>();
    String valid = event("tx1", "account123", 8000);
    String deep = "[".repeat(10_000);
    bodies.add(deep.getBytes(StandardCharsets.UTF_8));
    bodies.add((deep + "]".repeat(10_000)).getBytes(StandardCharsets.UTF_8));
    bodies.add(("{\"amount\":" + deep).getBytes(StandardCharsets.UTF_8));
    bodies.add(("{\"padding\":" + deep + "]".repeat(10_000) + "}").getBytes(StandardCharsets.UTF_8));
    bodies.add(("{\"events\":" + deep).getBytes(StandardCharsets.UTF_8));
    bodies.add("{".repeat(10_000).getBytes(StandardCharsets.UTF_8));
    bodies.add("{\"a\":".repeat(5_000).getBytes(StandardCharsets.UTF_8));
    bodies.add(new byte[0]);
    bodies.add("null".getBytes(StandardCharsets.UTF_8));
    bodies.add("[]".getBytes(StandardCharsets.UTF_8));
    bodies.add("{}".getBytes(StandardCharsets.UTF_8));
    bodies.add("{\"events\":null}".getBytes(StandardCharsets.UTF_8));
    bodies.add("{\"events\":[null,1,\"x\",[],{}]}".getBytes(StandardCharsets.UTF_8));
    for (String n : List.of("NaN", "-NaN", "Infinity", "-Infinity", "+1", "1e999999", "-1e999999", "1e-999999",
        "9".repeat(63), "9".repeat(65), "9".repeat(5000), "0." + "1".repeat(5000), "123456789012345678901234567890",
        "01", "1.", ".5", "0x10", "1e", "--1", "true", "null", "[1]", "{\"a\":1}")) {
      for (String field : List.of("amount", "timestamp", "account_id", "transaction_id", "event_type")) {
        bodies.add(valid.replaceFirst("\"" + field + "\":[^,}]+", "\"" + field + "\":" + java.util.regex.Matcher.quoteReplacement(n))
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    for (int i = 0; i < 60; i++) {
      byte[] b = new byte[rnd.nextInt(300)];
      rnd.nextBytes(b);
      bodies.add(b);
    }
    byte[] validBytes = valid.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < validBytes.length; i += 3) {
      bodies.add(java.util.Arrays.copyOf(validBytes, i)); // truncated
    }
    for (int i = 0; i < 60; i++) { // mutated
      byte[] b = validBytes.clone();
      for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
      }
      bodies.add(b);
    }
    for (int i = 0; i < 40; i++) { // unicode, including lone surrogates and control characters
      StringBuilder s = new StringBuilder();
      for (int k = 0; k < 1 + rnd.nextInt(20); k++) {
        int cp = switch (rnd.nextInt(4)) {
          case 0 -> rnd.nextInt(0x20);
          case 1 -> 0xD800 + rnd.nextInt(0x800);
          case 2 -> 0x1F600 + rnd.nextInt(0x50);
          default -> rnd.nextInt(0x10FFFF);
        };
        s.appendCodePoint(cp);
      }
      String u = s.toString();
      bodies.add(valid.replace("tx1", u).getBytes(StandardCharsets.UTF_8));
      bodies.add(valid.replace("tx1", u.replace("\\", "\\\\").replace("\"", "\\\"")).getBytes(StandardCharsets.UTF_8));
      bodies.add(("{\"" + u + "\":1}").getBytes(StandardCharsets.UTF_8));
    }
    bodies.add(valid.replace("tx1", "\\ud83d").getBytes(StandardCharsets.UTF_8));
    bodies.add(valid.replace("tx1", "\\u00").getBytes(StandardCharsets.UTF_8));
    bodies.add(("{\"transaction_id\":\"tx1\",\"transaction_id\":\"tx2\"}").getBytes(StandardCharsets.UTF_8));
    bodies.add(("{\"transaction_id\":\"" + "x".repeat(900_000) + "\"}").getBytes(StandardCharsets.UTF_8));
    bodies.add(valid.replace("1732200000.0", "\"2024-13-45T99:00:00Z\"").getBytes(StandardCharsets.UTF_8));
    bodies.add(valid.replace("1732200000.0", "\"" + "9".repeat(1000) + "\"").getBytes(StandardCharsets.UTF_8));
    bodies.add(valid.replace("1732200000.0", "1e16").getBytes(StandardCharsets.UTF_8));
    bodies.add(valid.replace("1732200000.0", "-1e300").getBytes(StandardCharsets.UTF_8));
    bodies.add((valid + valid).getBytes(StandardCharsets.UTF_8));
    bodies.add((valid + "]").getBytes(StandardCharsets.UTF_8));

    assertThat(bodies.size()).isGreaterThan(300);
    List<String> failures = new ArrayList<>();
    for (byte[] body : bodies) {
      for (String path : List.of("/v1/decisions", "/v1/decisions/batch")) {
        byte[] sent = path.endsWith("batch") && body.length > 0 && body[0] == '{' && !new String(body, StandardCharsets.UTF_8).startsWith("{\"events\"")
            ? ("{\"events\":[" + new String(body, StandardCharsets.ISO_8859_1) + "]}").getBytes(StandardCharsets.ISO_8859_1)
            : body;
        HttpResponse<String> r = api.postBytes(path, "application/json", sent);
        String shown = path + " " + preview(sent) + " -> " + r.statusCode() + " " + preview(r.body().getBytes(StandardCharsets.UTF_8));
        if (r.statusCode() >= 500) {
          failures.add(shown);
          continue;
        }
        try {
          Map<String, Object> answer = obj(r.body());
          if (r.statusCode() == 200) {
            if (!answer.containsKey("decision") && !answer.containsKey("results")) {
              failures.add("200 without a decision: " + shown);
            }
          } else if (r.statusCode() >= 400 && r.statusCode() < 500) {
            if (!(at(answer, "error", "code") instanceof String) || !(at(answer, "error", "message") instanceof String)) {
              failures.add("4xx without error code/message: " + shown);
            }
          } else {
            failures.add("unexpected status: " + shown);
          }
        } catch (IllegalArgumentException e) {
          failures.add("not JSON: " + shown);
        }
      }
    }
    assertThat(failures).isEmpty();

    // Still alive and well.
    assertThat(api.get("/health").statusCode()).isEqualTo(200);
    HttpResponse<String> r = api.decide(event("tx9", "account123", 8000));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(obj(r.body()).get("decision")).isEqualTo("reject");
  }

  private static String preview(byte[] b) {
    String s = new String(b, 0, Math.min(b.length, 120), StandardCharsets.UTF_8);
    return s.replaceAll("\\p{Cntrl}", "?") + (b.length > 120 ? "...(" + b.length + " bytes)" : "");
  }

  @Test
  void explainListsFeatureValuesAndRefusesABadFlag() {
    String tx = "{\"transaction_id\":\"explain-1\",\"account_id\":\"explain-acc\",\"amount\":40.0,\"timestamp\":1732300000}";
    HttpResponse<String> r = api.post("/v1/decisions?explain=true", "application/json", tx);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(at(obj(r.body()), "features", "payments_1m")).isEqualTo(1L);
    assertThat(at(obj(r.body()), "features", "amount_1h")).isEqualTo(40.0);
    assertThat(obj(r.body()).get("repeated")).isEqualTo(false);
    HttpResponse<String> again = api.post("/v1/decisions", "application/json", tx);
    assertThat(obj(again.body())).doesNotContainKey("features");
    assertThat(obj(again.body()).get("repeated")).isEqualTo(true);
    HttpResponse<String> bad = api.post("/v1/decisions?explain=maybe", "application/json", tx);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(at(obj(bad.body()), "error", "code")).isEqualTo("invalid_query");
    HttpResponse<String> badBatch = api.post("/v1/decisions/batch?explain=2", "application/json", "{\"events\":[" + tx + "]}");
    assertThat(badBatch.statusCode()).isEqualTo(400);
  }

  @Test
  void batchGoesOnPastABadEvent() {
    String body = "{\"events\":["
        + event("tx1", "account123", 12000) + ","
        + "{\"transaction_id\":\"tx2\",\"account_id\":\"account123\",\"amount\":\"x\",\"timestamp\":1732200000},"
        + event("tx3", "account123", 8000) + "]}";
    HttpResponse<String> r = api.post("/v1/decisions/batch", "application/json", body);
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Object> b = obj(r.body());
    assertThat((List<?>) b.get("results")).hasSize(3);
    assertThat(at(b, "results", 0, "decision")).isEqualTo("accept");
    assertThat(at(b, "results", 1, "error", "path")).isEqualTo("$.events[1].amount");
    assertThat(at(b, "results", 1, "error", "code")).isEqualTo("wrong_type");
    assertThat(at(b, "results", 2, "decision")).isEqualTo("reject");
    assertThat(at(b, "results", 2, "event_id")).isEqualTo("tx3");

    HttpResponse<String> missing = api.post("/v1/decisions/batch", "application/json",
        "{\"events\":[" + event("tx1", "account123", 1) + ",{\"transaction_id\":\"tx2\"}]}");
    assertThat(missing.statusCode()).isEqualTo(200);
    assertThat((String) at(obj(missing.body()), "results", 1, "error", "path")).startsWith("$.events[1].");
  }

  @Test
  void batchOverMaxBatchIsRefused(@TempDir Path data) {
    try (RiskgateServer server = TestSupport.startDemo(data, "RISKGATE_SERVER_MAX_BATCH", "2")) {
      TestSupport.Api a = new TestSupport.Api(server);
      String e = event("tx1", "account123", 1);
      HttpResponse<String> r = a.post("/v1/decisions/batch", "application/json", "{\"events\":[" + e + "," + e + "," + e + "]}");
      assertThat(r.statusCode()).isBetween(400, 499);
      assertThat(at(obj(r.body()), "error", "path")).isEqualTo("$.events");
      assertThat(a.post("/v1/decisions/batch", "application/json", "{\"events\":[" + e + "," + e + "]}").statusCode())
          .isEqualTo(200);
    }
  }

  // ------------------------------------------------------------------ health, readiness, metrics

  @Test
  void healthAndReady() {
    HttpResponse<String> h = api.get("/health");
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(obj(h.body()).get("status")).isEqualTo("up");
    HttpResponse<String> ready = api.get("/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(obj(ready.body()).get("ruleset_version")).isEqualTo(1L);
  }

  @Test
  void withoutRulesTheServerIsNotReady(@TempDir Path data) {
    try (RiskgateServer server = TestSupport.startDemo(data, "RISKGATE_RULES_PATH", null)) {
      TestSupport.Api a = new TestSupport.Api(server);
      assertThat(a.get("/health").statusCode()).isEqualTo(200);
      HttpResponse<String> ready = a.get("/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(obj(ready.body()).get("status")).isEqualTo("not_ready");
      HttpResponse<String> d = a.decide(event("tx1", "account123", 8000));
      assertThat(d.statusCode()).isEqualTo(503);
      assertThat(at(obj(d.body()), "error", "code")).isEqualTo("not_ready");
      HttpResponse<String> batch = a.post("/v1/decisions/batch", "application/json", "{\"events\":[]}");
      assertThat(batch.statusCode()).isEqualTo(503);
      assertThat(a.get("/v1/rulesets/active").statusCode()).isEqualTo(404);

      // Publishing makes it ready.
      assertThat(a.publishYaml(TestSupport.demoText()).statusCode()).isEqualTo(201);
      assertThat(a.get("/ready").statusCode()).isEqualTo(200);
      assertThat(obj(a.decide(event("tx1", "account123", 8000)).body()).get("decision")).isEqualTo("reject");
    }
  }

  @Test
  void metricsAreExposed() {
    api.decide(event("tx-m1", "account123", 8000));
    api.decide("{not json");
    HttpResponse<String> m = api.get("/metrics");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    String text = m.body();
    assertThat(text).contains("riskgate_decision_latency_seconds_bucket");
    assertThat(text).contains("riskgate_decisions_total{decision=\"reject\"}");
    assertThat(text).containsPattern("riskgate_rule_hits_total\\{[^}]*rule=\"mid-amount-elevated-risk\"[^}]*\\}");
    assertThat(text).contains("riskgate_rejected_inputs_total");
    assertThat(text).contains("riskgate_ruleset_active_version");
  }

  // ------------------------------------------------------------------ rulesets

  @Test
  void rulesetLifecycle(@TempDir Path data) {
    try (RiskgateServer server = TestSupport.startDemo(data)) {
      TestSupport.Api a = new TestSupport.Api(server);
      String demo = TestSupport.demoText();
      String misspelled = demo.replace("    action: reject\n    score: 80", "    actoin: reject\n    score: 80");
      assertThat(misspelled).isNotEqualTo(demo);
      int line = lineOf(misspelled, "actoin");

      HttpResponse<String> v = a.post("/v1/rulesets/validate", "application/yaml", misspelled);
      assertThat(v.statusCode()).isEqualTo(200);
      Map<String, Object> vb = obj(v.body());
      assertThat(vb.get("valid")).isEqualTo(false);
      List<?> diags = (List<?>) vb.get("diagnostics");
      assertThat(diags).isNotEmpty();
      assertThat(diags).anySatisfy(d -> {
        assertThat(at(d, "severity")).isEqualTo("error");
        assertThat(at(d, "line")).isEqualTo((long) line);
        assertThat(at(d, "column")).isEqualTo(5L);
        assertThat((String) at(d, "message")).contains("actoin");
      });

      HttpResponse<String> valid = a.post("/v1/rulesets/validate", "application/yaml", demo);
      assertThat(obj(valid.body()).get("valid")).isEqualTo(true);

      HttpResponse<String> refused = a.publishYaml(misspelled);
      assertThat(refused.statusCode()).isEqualTo(422);
      assertThat(at(obj(refused.body()), "error", "code")).isEqualTo("invalid_ruleset");
      assertThat((List<?>) obj(refused.body()).get("diagnostics")).isNotEmpty();
      HttpResponse<String> list = a.get("/v1/rulesets");
      assertThat(obj(list.body()).get("active")).isEqualTo(1L);
      assertThat((List<?>) obj(list.body()).get("versions")).hasSize(1);

      // A changed ruleset becomes version 2.
      String changed = demo.replace("amount > 5000 and amount <= 10000", "amount > 9000 and amount <= 10000");
      HttpResponse<String> p2 = a.publishYaml(changed);
      assertThat(p2.statusCode()).isEqualTo(201);
      assertThat(at(obj(p2.body()), "version", "version")).isEqualTo(2L);
      assertThat(at(obj(p2.body()), "changed")).isEqualTo(true);
      Map<String, Object> d2 = obj(a.decide(event("tx1", "account123", 8000)).body());
      assertThat(d2.get("ruleset_version")).isEqualTo(2L);
      assertThat(d2.get("decision")).isEqualTo("accept");

      // The same again is not a new version.
      HttpResponse<String> same = a.publishYaml(changed);
      assertThat(same.statusCode()).isEqualTo(200);
      assertThat(at(obj(same.body()), "changed")).isEqualTo(false);
      assertThat(at(obj(same.body()), "version", "version")).isEqualTo(2L);

      // The JSON form.
      String json = new String(Json.write(g -> {
        g.writeStartObject();
        g.writeArrayFieldStart("files");
        g.writeStartObject();
        g.writeStringField("name", "rules/payment.yaml");
        g.writeStringField("content", demo.replace("score: 80", "score: 75"));
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
      }), StandardCharsets.UTF_8);
      HttpResponse<String> p3 = a.post("/v1/rulesets", "application/json", json);
      assertThat(p3.statusCode()).isEqualTo(201);
      assertThat(at(obj(p3.body()), "version", "version")).isEqualTo(3L);
      Map<String, Object> d3 = obj(a.decide(event("tx1", "account123", 8000)).body());
      assertThat(d3.get("ruleset_version")).isEqualTo(3L);
      assertThat(d3.get("score")).isEqualTo(75L);
      HttpResponse<String> badJson = a.post("/v1/rulesets", "application/json", "{\"files\":[{\"name\":\"x.yaml\"}]}");
      assertThat(badJson.statusCode()).isEqualTo(400);
      assertThat(at(obj(badJson.body()), "error", "path")).isEqualTo("$.files[0].content");
      HttpResponse<String> jsonValidate = a.post("/v1/rulesets/validate", "application/json; charset=utf-8", json);
      assertThat(jsonValidate.statusCode()).isEqualTo(200);
      assertThat(obj(jsonValidate.body()).get("valid")).isEqualTo(true);
      assertThat(a.post("/v1/rulesets", "image/png", "x").statusCode()).isEqualTo(415);

      HttpResponse<String> active = a.get("/v1/rulesets/active");
      assertThat(active.statusCode()).isEqualTo(200);
      assertThat(at(obj(active.body()), "version", "version")).isEqualTo(3L);
      assertThat((List<?>) obj(active.body()).get("rules")).hasSize(9);

      // Rollback.
      HttpResponse<String> rb = a.post("/v1/rulesets/1/rollback", "application/json", "");
      assertThat(rb.statusCode()).isEqualTo(200);
      assertThat(at(obj(rb.body()), "version", "version")).isEqualTo(1L);
      Map<String, Object> d1 = obj(a.decide(event("tx1", "account123", 8000)).body());
      assertThat(d1.get("ruleset_version")).isEqualTo(1L);
      assertThat(d1.get("decision")).isEqualTo("reject");
      Map<String, Object> listed = obj(a.get("/v1/rulesets").body());
      assertThat(listed.get("active")).isEqualTo(1L);
      assertThat((List<?>) listed.get("versions")).hasSize(3);
      assertThat(at(listed, "versions", 0, "active")).isEqualTo(true);
      assertThat(at(listed, "versions", 2, "active")).isEqualTo(false);
      assertThat(obj(a.get("/ready").body()).get("ruleset_version")).isEqualTo(1L);

      HttpResponse<String> unknown = a.post("/v1/rulesets/99/rollback", "application/json", "");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(at(obj(unknown.body()), "error", "code")).isEqualTo("not_found");
      HttpResponse<String> notANumber = a.post("/v1/rulesets/abc/rollback", "application/json", "");
      assertThat(notANumber.statusCode()).isEqualTo(400);
      assertThat(obj(a.get("/v1/rulesets").body()).get("active")).isEqualTo(1L);
    }
  }

  private static int lineOf(String text, String needle) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains(needle)) {
        return i + 1;
      }
    }
    throw new AssertionError(needle + " not found");
  }

  @Test
  void adminTokenGuardsPublishAndRollback(@TempDir Path data) {
    try (RiskgateServer server = TestSupport.startDemo(data, "RISKGATE_ADMIN_TOKEN", "s3cret-token")) {
      TestSupport.Api a = new TestSupport.Api(server);
      String changed = TestSupport.demoText().replace("score: 80", "score: 70");

      HttpResponse<String> none = a.publishYaml(changed);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(at(obj(none.body()), "error", "code")).isEqualTo("unauthorized");
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(a.publishYaml(changed, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
      assertThat(a.publishYaml(changed, "Authorization", "s3cret-token").statusCode()).isEqualTo(401);
      assertThat(a.publishYaml(changed, "Authorization", "Bearer s3cret-token-and-more").statusCode()).isEqualTo(401);
      assertThat(obj(a.get("/v1/rulesets").body()).get("active")).isEqualTo(1L);

      HttpResponse<String> ok = a.publishYaml(changed, "Authorization", "Bearer s3cret-token");
      assertThat(ok.statusCode()).isEqualTo(201);
      assertThat(at(obj(ok.body()), "version", "version")).isEqualTo(2L);

      assertThat(a.post("/v1/rulesets/1/rollback", "application/json", "").statusCode()).isEqualTo(401);
      assertThat(a.send(a.request("/v1/rulesets/1/rollback").header("Authorization", "Bearer s3cret-token")
          .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(200);

      // Reading and deciding need no token.
      assertThat(a.get("/v1/rulesets").statusCode()).isEqualTo(200);
      assertThat(a.post("/v1/rulesets/validate", "application/yaml", changed).statusCode()).isEqualTo(200);
      assertThat(a.decide(event("tx1", "account123", 8000)).statusCode()).isEqualTo(200);
    }
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String path) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/json"));
    Map<String, Object> b = obj(r.body());
    assertThat(at(b, "error", "code")).as(r.body()).isEqualTo(code);
    assertThat(at(b, "error", "path")).as(r.body()).isEqualTo(path);
    assertThat(at(b, "error", "message")).isInstanceOf(String.class);
  }
}
