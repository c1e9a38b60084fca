package io.riskgate.server;

import static io.riskgate.server.TestSupport.at;
import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TagsApiTest {
  @TempDir Path data;

  static HttpResponse<String> put(TestSupport.Api api, String path, String body, String... headers) {
    HttpRequest.Builder b = api.request(path).header("Content-Type", "application/json");
    if (headers.length > 0) {
      b.headers(headers);
    }
    return api.send(b.PUT(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static HttpResponse<String> delete(TestSupport.Api api, String path) {
    return api.send(api.request(path).DELETE().build());
  }

  @Test
  void shouldChangeDecisionsThroughTheTagsApiAndKeepTagsAcrossRestarts() {
    try (RiskgateServer server = TestSupport.startDemo(data)) {
      TestSupport.Api api = new TestSupport.Api(server);
      // seeded: account123 is level 2, so 12000 is accepted
      assertThat(obj(api.decide(TestSupport.event("t1", "account123", 12000)).body())).containsEntry("decision", "accept");
      HttpResponse<String> set = put(api, "/v1/tags/account/account123",
          "{\"attributes\":{\"risk_level\":3},\"reason\":\"chargeback ring\"}", TagsApi.ACTOR_HEADER, "alice");
      assertThat(set.statusCode()).isEqualTo(200);
      assertThat(at(obj(set.body()), "attributes", "risk_level", "value")).isEqualTo(3L);
      assertThat(at(obj(set.body()), "attributes", "risk_level", "source")).isEqualTo("alice");
      assertThat(obj(api.decide(TestSupport.event("t2", "account123", 12000)).body())).containsEntry("decision", "reject");

      assertThat(put(api, "/v1/lists/blocked_ips/10.9.9.9", "{\"reason\":\"botnet\"}").statusCode()).isEqualTo(200);
      String fromBlockedIp = "{\"transaction_id\":\"t3\",\"account_id\":\"x\",\"amount\":5,\"timestamp\":1,\"ip\":\"10.9.9.9\"}";
      assertThat(obj(api.decide(fromBlockedIp).body())).containsEntry("decision", "reject");
    }
    try (RiskgateServer server = TestSupport.startDemo(data)) {
      TestSupport.Api api = new TestSupport.Api(server);
      // the seed file does not overwrite what the store already holds
      assertThat(obj(api.decide(TestSupport.event("t4", "account123", 12000)).body())).containsEntry("decision", "reject");
      assertThat(at(obj(api.get("/v1/lists/blocked_ips").body()), "entries", 0, "value")).isEqualTo("10.9.9.9");
      List<?> changes = (List<?>) obj(api.get("/v1/audit?limit=2").body()).get("changes");
      assertThat(at(changes, 0, "action")).isEqualTo("list_added");
      assertThat(at(changes, 1, "actor")).isEqualTo("alice");
      assertThat(at(changes, 1, "reason")).isEqualTo("chargeback ring");

      assertThat(delete(api, "/v1/lists/blocked_ips/10.9.9.9").statusCode()).isEqualTo(400);
      assertThat(delete(api, "/v1/lists/blocked_ips/10.9.9.9?reason=false%20positive").statusCode()).isEqualTo(200);
      assertThat(delete(api, "/v1/lists/blocked_ips/10.9.9.9?reason=again").statusCode()).isEqualTo(404);
      assertThat(delete(api, "/v1/tags/account/account123?attribute=risk_level&reason=cleared").statusCode()).isEqualTo(200);
      assertThat(api.get("/v1/tags/account/account123").statusCode()).isEqualTo(404);
      assertThat(obj(api.decide(TestSupport.event("t5", "account123", 12000)).body())).containsEntry("decision", "accept");
    }
  }

  @Test
  void shouldRefuseValuesThatDoNotFitTheDeclaredTypeNamingTheField() {
    try (RiskgateServer server = TestSupport.startDemo(data)) {
      TestSupport.Api api = new TestSupport.Api(server);
      HttpResponse<String> wrong = put(api, "/v1/tags/account/a1", "{\"attributes\":{\"risk_level\":\"high\"},\"reason\":\"x\"}");
      assertThat(wrong.statusCode()).isEqualTo(400);
      assertThat(at(obj(wrong.body()), "error", "path")).isEqualTo("$.attributes.risk_level");
      HttpResponse<String> set = put(api, "/v1/tags/account/a1", "{\"attributes\":{\"labels\":[\"a\",7]},\"reason\":\"x\"}");
      assertThat(at(obj(set.body()), "error", "path")).isEqualTo("$.attributes.labels[1]");
      HttpResponse<String> noReason = put(api, "/v1/tags/account/a1", "{\"attributes\":{\"risk_level\":2}}");
      assertThat(at(obj(noReason.body()), "error", "path")).isEqualTo("$.reason");
      HttpResponse<String> malformed = put(api, "/v1/tags/account/a1", "{\"attributes\":");
      assertThat(at(obj(malformed.body()), "error", "code")).isEqualTo("malformed_json");
      HttpResponse<String> badExpiry = put(api, "/v1/tags/account/a1",
          "{\"attributes\":{\"risk_level\":2},\"expires_at\":\"tomorrow\",\"reason\":\"x\"}");
      assertThat(at(obj(badExpiry.body()), "error", "path")).isEqualTo("$.expires_at");
      // undeclared attributes are stored as they come
      HttpResponse<String> free = put(api, "/v1/tags/device/d1",
          "{\"attributes\":{\"seen\":4,\"score\":0.5,\"emulator\":true,\"os\":\"android\"},\"reason\":\"x\"}");
      assertThat(free.statusCode()).isEqualTo(200);
      assertThat(at(obj(free.body()), "attributes", "score", "value")).isEqualTo(0.5);
      assertThat(api.get("/v1/audit?limit=0").statusCode()).isEqualTo(400);
      assertThat(api.get("/v1/audit?limit=5").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void shouldRequireTheAdminTokenWhenOneIsSet() {
    try (RiskgateServer server = TestSupport.startDemo(data, "RISKGATE_ADMIN_TOKEN", "s3cret")) {
      TestSupport.Api api = new TestSupport.Api(server);
      assertThat(api.get("/v1/tags/account/account123").statusCode()).isEqualTo(401);
      assertThat(api.send(api.request("/v1/tags/account/account123").header("Authorization", "Bearer s3cret").GET().build())
          .statusCode()).isEqualTo(200);
      assertThat(put(api, "/v1/lists/blocked_ips/1.2.3.4", "{\"reason\":\"x\"}").statusCode()).isEqualTo(401);
    }
  }

  static HttpResponse<String> post(TestSupport.Api api, String path, String type, String body) {
    return api.send(api.request(path).header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Test
  void shouldImportJsonLinesAndCsvReportingEveryBadLineAndExportWhatItHolds() {
    try (RiskgateServer server = TestSupport.startDemo(data, "RISKGATE_TAGS_SEED_FILE", null)) {
      TestSupport.Api api = new TestSupport.Api(server);
      String lines = String.join("\n",
          "{\"entity\":\"account\",\"key\":\"a1\",\"attributes\":{\"risk_level\":3}}",
          "{\"entity\":\"account\",\"key\":\"a2\",\"attributes\":{\"risk_level\":\"high\"}}",
          "not json",
          "",
          "{\"list\":\"blocked_ips\",\"value\":\"192.0.2.7\",\"reason\":\"scan\"}",
          "{\"entity\":\"account\",\"attributes\":{\"risk_level\":1}}");
      HttpResponse<String> noReason = post(api, "/v1/tags/import", "application/x-ndjson", lines);
      assertThat(noReason.statusCode()).isEqualTo(400);
      HttpResponse<String> r = post(api, "/v1/tags/import?reason=migration", "application/x-ndjson", lines);
      assertThat(r.statusCode()).isEqualTo(207);
      var report = obj(r.body());
      assertThat(report).containsEntry("imported", 2L).containsEntry("failed", 3L);
      assertThat(at(report, "errors", 0, "line")).isEqualTo(2L);
      assertThat(at(report, "errors", 0, "path")).isEqualTo("$.attributes.risk_level");
      assertThat(at(report, "errors", 1, "line")).isEqualTo(3L);
      assertThat(at(report, "errors", 2, "line")).isEqualTo(6L);
      assertThat(at(report, "errors", 2, "path")).isEqualTo("$.key");

      String csv = "entity,key,attribute,value,expires_at\n"
          + "account,a3,risk_level,2,\n"
          + "account,a3,labels,mule_suspect|vip,\n"
          + "account,a4,risk_level,two,\n"
          + "\"device\",\"d,1\",seen,5,2099-01-01T00:00:00Z\n";
      HttpResponse<String> c = post(api, "/v1/tags/import?reason=csv%20load", "text/csv", csv);
      assertThat(obj(c.body())).containsEntry("imported", 3L).containsEntry("failed", 1L);
      assertThat(at(obj(c.body()), "errors", 0, "line")).isEqualTo(4L);
      assertThat(at(obj(api.get("/v1/tags/device/d,1").body()), "attributes", "seen", "value")).isEqualTo(5L);
      assertThat(obj(api.decide(TestSupport.event("t1", "a1", 12000)).body())).containsEntry("decision", "reject");

      HttpResponse<String> export = api.get("/v1/tags/export");
      assertThat(export.statusCode()).isEqualTo(200);
      List<String> exported = export.body().lines().filter(l -> !l.isBlank()).toList();
      assertThat(exported).hasSize(4);
      assertThat(exported.get(0)).contains("\"key\":\"a1\"").contains("\"risk_level\":3");
      assertThat(exported.get(2)).contains("\"key\":\"d,1\"").contains("\"expires_at\":\"2099-01-01T00:00:00Z\"");
      assertThat(exported.get(3)).contains("\"list\":\"blocked_ips\"").contains("192.0.2.7");
      // what is exported imports again unchanged
      HttpResponse<String> again = post(api, "/v1/tags/import?reason=restore", "application/x-ndjson", export.body());
      assertThat(obj(again.body())).containsEntry("imported", 4L).containsEntry("failed", 0L);
      assertThat(api.get("/v1/tags/export").body()).isEqualTo(export.body());
    }
  }

  static String pg(String name) {
    String v = System.getenv(name);
    if (v == null) {
      throw new IllegalStateException(name + " is not set: run the tests with scripts/test.sh, which starts PostgreSQL");
    }
    return v;
  }

  @Test
  void shouldKeepTagsInPostgresWhenConfigured() {
    String[] env = {"RISKGATE_POSTGRES_URL", pg("RISKGATE_POSTGRES_URL"), "RISKGATE_POSTGRES_USER", pg("RISKGATE_POSTGRES_USER"),
        "RISKGATE_POSTGRES_PASSWORD", pg("RISKGATE_POSTGRES_PASSWORD"), "RISKGATE_TAGS_SEED_FILE", null};
    try (RiskgateServer server = TestSupport.startDemo(data, env)) {
      TestSupport.Api api = new TestSupport.Api(server);
      delete(api, "/v1/tags/account/pg-account?reason=test%20setup");
      assertThat(put(api, "/v1/tags/account/pg-account", "{\"attributes\":{\"risk_level\":3},\"reason\":\"pg test\"}")
          .statusCode()).isEqualTo(200);
      assertThat(obj(api.decide(TestSupport.event("p1", "pg-account", 12000)).body())).containsEntry("decision", "reject");
    }
    try (RiskgateServer server = TestSupport.startDemo(data.resolve("other"), env)) {
      TestSupport.Api api = new TestSupport.Api(server);
      // another data folder, the same database: the tag comes from PostgreSQL
      assertThat(obj(api.decide(TestSupport.event("p2", "pg-account", 12000)).body())).containsEntry("decision", "reject");
      assertThat(at(obj(api.get("/v1/audit?limit=1").body()), "changes", 0, "reason")).isEqualTo("pg test");
    }
  }

  @Test
  void shouldCheckImportedLinesWhateverTheOrderOfTheirFields() {
    try (RiskgateServer server = TestSupport.startDemo(data, "RISKGATE_TAGS_SEED_FILE", null)) {
      TestSupport.Api api = new TestSupport.Api(server);
      String lines = String.join("\n",
          // keys sorted as jq -S writes them: attributes before entity; "3" is not a whole number
          "{\"attributes\":{\"risk_level\":\"3\"},\"entity\":\"account\",\"key\":\"a1\"}",
          "{\"attributes\":{\"risk_level\":2},\"entity\":\"account\",\"key\":\"a\\u0000b\"}",
          "{\"attributes\":{\"risk_level\":2},\"entity\":\"account\",\"key\":\"a2\"}");
      var report = obj(post(api, "/v1/tags/import?reason=sorted", "application/x-ndjson", lines).body());
      assertThat(report).containsEntry("imported", 1L).containsEntry("failed", 2L);
      assertThat(at(report, "errors", 0, "path")).isEqualTo("$.attributes.risk_level");
      assertThat(at(report, "errors", 1, "path")).isEqualTo("$.key");
      assertThat(at(report, "errors", 1, "message")).isEqualTo("control characters are not allowed");
      assertThat(api.get("/v1/tags/account/a1").statusCode()).isEqualTo(404);
      assertThat(api.get("/v1/tags/account/a2").statusCode()).isEqualTo(200);
    }
  }
}
