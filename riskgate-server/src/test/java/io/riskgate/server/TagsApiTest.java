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
}
