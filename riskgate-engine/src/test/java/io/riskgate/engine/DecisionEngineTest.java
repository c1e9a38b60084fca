package io.riskgate.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.lang.Action;
import io.riskgate.lang.RulesetException;
import io.riskgate.lang.SourceFile;
import io.riskgate.lang.SourceFiles;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecisionEngineTest {
  static final List<SourceFile> DEMO = SourceFiles.read(Path.of("../examples/payment-demo"));

  InMemoryTagSource tags;
  DecisionEngine engine;

  @BeforeEach
  void setUp() {
    tags = TagSource.inMemory();
    tags.put("account", "account123", Map.of("risk_level", 2));
    engine = DecisionEngine.builder()
        .tags(tags)
        .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
        .build();
    engine.rulesets().publish(DEMO, "test");
  }

  static byte[] tx(String account, String amount) {
    return ("{\"transaction_id\":\"tx1001\",\"account_id\":\"" + account + "\",\"amount\":" + amount
        + ",\"timestamp\":1732200000.0}").getBytes(UTF_8);
  }

  @Test
  void shouldAcceptTwelveThousandForRiskLevelTwo() {
    Decision d = engine.decide(tx("account123", "12000.0"));
    assertThat(d.action()).isEqualTo(Action.ACCEPT);
    assertThat(d.matched()).isEmpty();
    assertThat(d.eventId()).isEqualTo("tx1001");
    assertThat(d.rulesetVersion()).isEqualTo(1);
  }

  @Test
  void shouldRejectEightThousandForRiskLevelTwoWithReason() {
    Decision d = engine.decide(tx("account123", "8000.0"));
    assertThat(d.action()).isEqualTo(Action.REJECT);
    assertThat(d.score()).isEqualTo(80);
    assertThat(d.matched()).extracting(Decision.Match::id).containsExactly("mid-amount-elevated-risk");
    assertThat(d.matched().get(0).reason()).contains("8000").contains("risk level is 2");
    String json = new String(DecisionJson.toJson(d), UTF_8);
    assertThat(json).contains("\"decision\":\"reject\"").contains("\"ruleset_version\":1")
        .contains("\"shadow_matched\":[]").contains("\"event_id\":\"tx1001\"");
  }

  @Test
  void shouldRejectOverTenThousandOnlyForRiskLevelThree() {
    tags.put("account", "acc-high", Map.of("risk_level", 3));
    assertThat(engine.decide(tx("acc-high", "10000.01")).action()).isEqualTo(Action.REJECT);
    assertThat(engine.decide(tx("acc-high", "10000")).action()).isEqualTo(Action.REJECT);
    assertThat(engine.decide(tx("unknown", "10000")).action()).isEqualTo(Action.ACCEPT);
  }

  @Test
  void shouldReportShadowMatchesApartWithoutChangingTheDecision() {
    byte[] night = "{\"transaction_id\":\"t\",\"account_id\":\"a\",\"amount\":2500,\"timestamp\":\"2026-01-01T03:00:00Z\"}"
        .getBytes(UTF_8);
    Decision d = engine.decide(night);
    assertThat(d.action()).isEqualTo(Action.ACCEPT);
    assertThat(d.score()).isZero();
    assertThat(d.shadowMatched()).extracting(Decision.Match::id).containsExactly("night-time-large-payment");
  }

  @Test
  void shouldNameTheFieldOfAWrongType() {
    assertThatThrownBy(() -> engine.decide(tx("account123", "\"lots\"")))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
          assertThat(e.path()).isEqualTo("$.amount");
          assertThat(e.reason()).isEqualTo("wrong_type");
        });
  }

  @Test
  void shouldNameAMissingRequiredField() {
    byte[] body = "{\"transaction_id\":\"t\",\"amount\":1,\"timestamp\":1}".getBytes(UTF_8);
    assertThatThrownBy(() -> engine.decide(body))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
          assertThat(e.path()).isEqualTo("$.account_id");
          assertThat(e.reason()).isEqualTo("missing_field");
        });
  }

  @Test
  void shouldRefuseMalformedJsonAndUnknownEventTypes() {
    assertThatThrownBy(() -> engine.decide("{\"transaction_id\":".getBytes(UTF_8)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo("malformed_json"));
    assertThatThrownBy(() -> engine.decide("[1,2]".getBytes(UTF_8)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo("malformed_json"));
    byte[] unknown = "{\"event_type\":\"refund\",\"transaction_id\":\"t\"}".getBytes(UTF_8);
    assertThatThrownBy(() -> engine.decide(unknown))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
          assertThat(e.path()).isEqualTo("$.event_type");
          assertThat(e.reason()).isEqualTo("unknown_event_type");
        });
    byte[] dup = "{\"transaction_id\":\"t\",\"transaction_id\":\"u\"}".getBytes(UTF_8);
    assertThatThrownBy(() -> engine.decide(dup)).isInstanceOf(InvalidEventException.class);
  }

  @Test
  void shouldReadTimestampsInSecondsMillisecondsOrIso() {
    for (String ts : List.of("1732200000", "1732200000000", "\"2024-11-21T14:40:00Z\"")) {
      byte[] body = ("{\"transaction_id\":\"t\",\"account_id\":\"a\",\"amount\":2500,\"timestamp\":" + ts + "}").getBytes(UTF_8);
      Decision d = engine.decide(body);
      assertThat(d.action()).isEqualTo(Action.ACCEPT);
    }
  }

  @Test
  void shouldDecideABatchAndReportEachBadEventByIndex() {
    String batch = "{\"events\":[" + new String(tx("account123", "8000"), UTF_8) + ","
        + "{\"transaction_id\":\"t2\",\"account_id\":7,\"amount\":1,\"timestamp\":1},"
        + new String(tx("account123", "12000"), UTF_8) + "]}";
    List<DecisionEngine.Outcome> out = engine.decideBatch(batch.getBytes(UTF_8));
    assertThat(out).hasSize(3);
    assertThat(((DecisionEngine.Outcome.Decided) out.get(0)).decision().action()).isEqualTo(Action.REJECT);
    assertThat(((DecisionEngine.Outcome.Refused) out.get(1)).problem().path()).isEqualTo("$.events[1].account_id");
    assertThat(((DecisionEngine.Outcome.Decided) out.get(2)).decision().action()).isEqualTo(Action.ACCEPT);
  }

  @Test
  void shouldKeepTheActiveVersionWhenABadOneIsPublished() {
    List<SourceFile> bad = List.of(new SourceFile("bad.yaml", DEMO.get(0).text().replace("amount > 10000", "amout > 10000")));
    assertThatThrownBy(() -> engine.rulesets().publish(bad, "test"))
        .isInstanceOfSatisfying(RulesetException.class, e ->
            assertThat(e.diagnostics().get(0).message()).contains("unknown field 'amout'"));
    assertThat(engine.rulesets().active().orElseThrow().version()).isEqualTo(1);
    assertThat(engine.decide(tx("account123", "8000")).rulesetVersion()).isEqualTo(1);
  }

  @Test
  void shouldPublishListAndRollBack() {
    List<SourceFile> v2 = List.of(new SourceFile("v2.yaml", DEMO.get(0).text().replace("amount > 5000 and", "amount > 7000 and")));
    Rulesets.Published p = engine.rulesets().publish(v2, "api");
    assertThat(p.changed()).isTrue();
    assertThat(p.version().version()).isEqualTo(2);
    assertThat(engine.rulesets().publish(v2, "api").changed()).isFalse();
    assertThat(engine.decide(tx("account123", "6000")).action()).isEqualTo(Action.ACCEPT);
    assertThat(engine.rulesets().versions()).extracting(RulesetVersion::version).containsExactly(1, 2);

    engine.rulesets().rollback(1);
    assertThat(engine.decide(tx("account123", "6000")).action()).isEqualTo(Action.REJECT);
    assertThat(engine.rulesets().active().orElseThrow().version()).isEqualTo(1);
    assertThatThrownBy(() -> engine.rulesets().rollback(9)).isInstanceOf(Rulesets.UnknownVersionException.class);
  }

  @Test
  void shouldRestoreTheActiveVersionFromTheStore() {
    VersionStore store = VersionStore.inMemory();
    DecisionEngine first = DecisionEngine.builder().versionStore(store).tags(tags).build();
    first.rulesets().publish(DEMO, "test");
    List<SourceFile> v2 = List.of(new SourceFile("v2.yaml", DEMO.get(0).text().replace("score: 80", "score: 81")));
    first.rulesets().publish(v2, "test");
    first.rulesets().rollback(1);

    DecisionEngine second = DecisionEngine.builder().versionStore(store).tags(tags).build();
    assertThat(second.ready()).isTrue();
    assertThat(second.rulesets().active().orElseThrow().version()).isEqualTo(1);
    assertThat(second.rulesets().versions()).hasSize(2);
  }

  @Test
  void shouldRefuseEventsBeforeAnyRulesetIsActive() {
    DecisionEngine empty = DecisionEngine.builder().build();
    assertThat(empty.ready()).isFalse();
    assertThatThrownBy(() -> empty.decide(tx("a", "1"))).isInstanceOf(DecisionEngine.NoActiveRulesetException.class);
  }

  @Test
  void shouldWarmANewVersionUpWithoutReportingDecisions() {
    java.util.concurrent.atomic.AtomicInteger decided = new java.util.concurrent.atomic.AtomicInteger();
    DecisionEngine observed = DecisionEngine.builder().tags(tags).observer(new DecisionObserver() {
      @Override
      public void decided(Decision d) {
        decided.incrementAndGet();
      }
    }).build();
    observed.rulesets().publish(DEMO, "test");
    assertThat(decided.get()).isZero();
    List<byte[]> synthetic = Warmup.events(observed.rulesets().activeRuleset().orElseThrow(), 50);
    assertThat(synthetic).hasSize(50);
    for (byte[] json : synthetic) {
      assertThat(observed.decide(json).eventId()).startsWith("warmup-");
    }
    decided.set(0);
    observed.decide(tx("account123", "8000"));
    assertThat(decided.get()).isEqualTo(1);
  }

  @Test
  void shouldCarryADegradedLookupIntoTheDecision() {
    TagSource degradedSource = new TagSource() {
      @Override
      public io.riskgate.lang.TagView lookup(String entity, String key) {
        return lookupChecked(entity, key).view();
      }

      @Override
      public Lookup lookupChecked(String entity, String key) {
        return new Lookup(io.riskgate.lang.TagView.of(Map.of("risk_level", 2L)), java.util.Optional.of("cache down"));
      }
    };
    DecisionEngine e = DecisionEngine.builder().tags(degradedSource).build();
    e.rulesets().publish(DEMO, "test");
    Decision d = e.decide(tx("account123", "8000"));
    assertThat(d.action()).isEqualTo(Action.REJECT);
    assertThat(d.degraded()).containsExactly("cache down");
    assertThat(new String(DecisionJson.toJson(d), UTF_8)).contains("\"degraded\":[\"cache down\"]");
  }

  @Test
  void shouldPrefetchTheTagsOfEveryEntityAnEventNeeds() {
    String text = DEMO.get(0).text()
        .replace("  account:\n    risk_level:", "  device:\n    emulator: boolean\n  account:\n    risk_level:")
        .replace("      ip: string\n", "      ip: string\n      device_id: string\n")
        .replace("when: ip in list('blocked_ips')", "when: ip in list('blocked_ips') or tag(device_id).emulator");
    List<List<Map.Entry<String, String>>> prefetched = new java.util.ArrayList<>();
    TagSource recording = new TagSource() {
      @Override
      public io.riskgate.lang.TagView lookup(String entity, String key) {
        return io.riskgate.lang.TagView.empty();
      }

      @Override
      public void prefetch(List<Map.Entry<String, String>> keys) {
        prefetched.add(keys);
      }
    };
    DecisionEngine e = DecisionEngine.builder().tags(recording).build();
    e.rulesets().publish(List.of(new SourceFile("p.yaml", text)), "test");
    assertThat(prefetched).as("the warm-up never reaches the tag source").isEmpty();
    e.decide(("{\"transaction_id\":\"t\",\"account_id\":\"a1\",\"device_id\":\"d1\",\"amount\":1,\"timestamp\":1}").getBytes(UTF_8));
    assertThat(prefetched).hasSize(1);
    assertThat(prefetched.get(0)).containsExactlyInAnyOrder(Map.entry("account", "a1"), Map.entry("device", "d1"));
  }
}
