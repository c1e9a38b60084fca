package io.riskgate.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.lang.EventData;
import io.riskgate.lang.RulesetCompiler;
import io.riskgate.lang.Schema;
import io.riskgate.lang.SourceFile;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventDecoderTest {
  static final String RULES = """
      ruleset: two-types
      default_event: payment
      events:
        payment:
          id: tx
          fields:
            tx: string
            amount: double
            at: timestamp
            device.ip: string
        login:
          id: login_id
          fields:
            login_id: string
            ok: boolean
      rules:
        - id: r
          events: [payment]
          when: amount > 1
          action: review
      """;

  final Schema schema = RulesetCompiler.create().compile(List.of(new SourceFile("t.yaml", RULES))).orThrow().schema();
  final EventDecoder decoder = new EventDecoder(schema);

  EventData decode(String json) {
    return decoder.decode(json.getBytes(UTF_8));
  }

  InvalidEventException refused(String json) {
    try {
      decode(json);
    } catch (InvalidEventException e) {
      return e;
    }
    throw new AssertionError("accepted: " + json);
  }

  @Test
  void shouldIgnoreAPropertyThatBelongsToAnotherEventType() {
    EventData login = decode("{\"event_type\":\"login\",\"login_id\":\"l1\",\"amount\":\"n/a\",\"ok\":true}");
    assertThat(login.type().name()).isEqualTo("login");
    InvalidEventException e = refused("{\"tx\":\"t1\",\"amount\":\"n/a\"}");
    assertThat(e.path()).isEqualTo("$.amount");
    assertThat(e.reason()).isEqualTo("wrong_type");
  }

  @Test
  void shouldRefuseTimesFarFromTheEpochAsInvalidValues() {
    for (String at : List.of("\"+300000000-01-01T00:00:00Z\"", "\"-400000-01-01T00:00:00Z\"", "1e17")) {
      InvalidEventException e = refused("{\"tx\":\"t1\",\"at\":" + at + "}");
      assertThat(e.path()).isEqualTo("$.at");
      assertThat(e.reason()).isEqualTo("invalid_value");
    }
    EventData ok = decode("{\"tx\":\"t1\",\"at\":\"2024-11-21T15:40:00+01:00\"}");
    assertThat(ok.num(schema.eventType("payment").orElseThrow().field("at").orElseThrow().slot()))
        .isEqualTo(1_732_200_000_000.0);
  }

  @Test
  void shouldReadNestedFields() {
    EventData e = decode("{\"tx\":\"t1\",\"device\":{\"ip\":\"10.0.0.1\",\"other\":[1,2]}}");
    assertThat(e.str(schema.eventType("payment").orElseThrow().field("device.ip").orElseThrow().slot())).isEqualTo("10.0.0.1");
  }

  @Test
  void shouldExplainParserLimitsInItsOwnWords() {
    InvalidEventException e = refused("{\"tx\":\"t1\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}");
    assertThat(e.reason()).isEqualTo("limit_exceeded");
    assertThat(e.problem()).isEqualTo("the JSON nests deeper than 32 levels").doesNotContain("StreamReadConstraints");
    InvalidEventException n = refused("{\"tx\":\"t1\",\"amount\":" + "9".repeat(100) + "}");
    assertThat(n.problem()).isEqualTo("a number in the JSON is longer than 64 characters");
  }

  @Test
  void shouldDecideABatchWhoseEventsHaveDifferentTypes() {
    String batch = "{\"events\":[{\"event_type\":\"login\",\"login_id\":\"l\",\"ok\":1},{\"tx\":\"t\",\"amount\":2}]}";
    List<Object> out = decoder.decodeBatch(batch.getBytes(UTF_8), 10);
    assertThat(((InvalidEventException) out.get(0)).path()).isEqualTo("$.events[0].ok");
    assertThat(((EventData) out.get(1)).type().name()).isEqualTo("payment");
  }

  @Test
  void shouldRefuseABatchOverItsSize() {
    assertThatThrownBy(() -> decoder.decodeBatch("{\"events\":[{},{},{}]}".getBytes(UTF_8), 2))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo("too_large"));
  }
}
