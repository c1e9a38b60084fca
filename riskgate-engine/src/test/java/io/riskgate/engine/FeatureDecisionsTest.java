package io.riskgate.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.riskgate.lang.Action;
import io.riskgate.lang.SourceFile;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeatureDecisionsTest {
  static final String RULES = """
      ruleset: velocity
      timezone: UTC
      events:
        payment:
          id: transaction_id
          time: timestamp
          fields:
            transaction_id: {type: string, required: true}
            account_id: {type: string, required: true}
            card: string
            amount: {type: double, required: true}
            status: string
            timestamp: {type: timestamp, required: true}
      features:
        payments_1m: {aggregate: count, by: account_id, window: 1m}
        payments_before_1m: {aggregate: count, by: account_id, window: 1m, include_current: false}
        amount_1m: {aggregate: sum, of: amount, by: account_id, window: 1m}
        failed_1h: {aggregate: count, by: account_id, window: 1h, where: "status == 'failed'"}
        cards_10m: {aggregate: distinct_count, of: card, by: account_id, window: 10m}
        avg_last_3: {aggregate: avg, of: amount, by: account_id, window: {last: 3}}
        same_count: {aggregate: count, by: account_id, window: 1m}
        by_card_today: {aggregate: max, of: amount, by: [account_id, card], window: {tumbling: day}}
      rules:
        - id: sixth-payment-in-a-minute
          when: payments_1m >= 6
          action: review
          reason: "{payments_1m} payments in a minute"
      """;

  DecisionEngine engine;

  @BeforeEach
  void setUp() {
    engine = DecisionEngine.builder()
        .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
        .allowedLateness(Duration.ofMinutes(5))
        .build();
    engine.rulesets().publish(List.of(new SourceFile("velocity.yaml", RULES)), "test");
  }

  static byte[] pay(String id, String account, double amount, long epochSeconds, String status, String card) {
    return ("{\"transaction_id\":\"" + id + "\",\"account_id\":\"" + account + "\",\"amount\":" + amount
        + ",\"timestamp\":" + epochSeconds + ",\"status\":\"" + status + "\",\"card\":\"" + card + "\"}").getBytes(UTF_8);
  }

  static final long T0 = 1_767_225_600L; // 2026-01-01T00:00:00Z

  @Test
  void shouldFireOnTheSixthPaymentInAMinute() {
    for (int i = 1; i <= 5; i++) {
      assertThat(engine.decide(pay("tx" + i, "acc1", 10, T0 + i * 5, "ok", "c1")).action()).isEqualTo(Action.ACCEPT);
    }
    Decision sixth = engine.decide(pay("tx6", "acc1", 10, T0 + 30, "ok", "c1"));
    assertThat(sixth.action()).isEqualTo(Action.REVIEW);
    assertThat(sixth.matched().get(0).reason()).isEqualTo("6 payments in a minute");
    // another account is not affected
    assertThat(engine.decide(pay("tx7", "acc2", 10, T0 + 31, "ok", "c1")).action()).isEqualTo(Action.ACCEPT);
    // a minute after the first, it no longer counts
    assertThat(engine.decide(pay("tx8", "acc1", 10, T0 + 65, "ok", "c1"), true).features())
        .containsEntry("payments_1m", 6L);
  }

  @Test
  void shouldExplainEveryFeatureAsOfTheEventTime() {
    engine.decide(pay("a", "acc1", 100, T0 + 10, "failed", "c1"));
    engine.decide(pay("b", "acc1", 50, T0 + 20, "ok", "c2"));
    // arrives after c but happened before it: c must not see it... c arrives first here
    engine.decide(pay("c", "acc1", 30, T0 + 40, "ok", "c2"));
    Decision late = engine.decide(pay("d", "acc1", 7, T0 + 15, "failed", "c3"), true);
    // as of T0+15: a and d itself
    assertThat(late.features())
        .containsEntry("payments_1m", 2L)
        .containsEntry("payments_before_1m", 1L)
        .containsEntry("amount_1m", 107.0)
        .containsEntry("failed_1h", 2L)
        .containsEntry("cards_10m", 2L)
        .containsEntry("avg_last_3", 53.5)
        .containsEntry("same_count", 2L)
        .containsEntry("by_card_today", 7.0);
    Decision after = engine.decide(pay("e", "acc1", 1, T0 + 41, "ok", "c1"), true);
    assertThat(after.features())
        .containsEntry("payments_1m", 5L)
        .containsEntry("amount_1m", 188.0)
        .containsEntry("avg_last_3", (30 + 50 + 1) / 3.0)
        .containsEntry("by_card_today", 100.0);
  }

  @Test
  void shouldCountARepeatedIdOnce() {
    engine.decide(pay("a", "acc1", 100, T0 + 10, "ok", "c1"));
    Decision again = engine.decide(pay("a", "acc1", 100, T0 + 10, "ok", "c1"), true);
    assertThat(again.repeated()).isTrue();
    assertThat(again.features()).containsEntry("payments_1m", 1L).containsEntry("payments_before_1m", 0L);
    String json = new String(DecisionJson.toJson(again), UTF_8);
    assertThat(json).contains("\"repeated\":true").contains("\"features\":{\"payments_1m\":1,");
  }

  @Test
  void shouldRefuseAnEventLaterThanTheAllowedLatenessWithoutChangingAnything() {
    engine.decide(pay("a", "acc1", 100, T0 + 600, "ok", "c1"));
    Decision late = engine.decide(pay("old", "acc1", 5, T0 + 200, "ok", "c1"), true);
    assertThat(late.degraded()).containsExactly("late event: features by account_id unknown", "late event: features by account_id,card unknown");
    assertThat(late.features()).isEmpty();
    Decision next = engine.decide(pay("b", "acc1", 1, T0 + 601, "ok", "c1"), true);
    assertThat(next.features()).containsEntry("payments_1m", 2L).containsEntry("amount_1m", 101.0);
  }

  @Test
  void shouldKeepFeatureStateAcrossPublishedVersions() {
    for (int i = 1; i <= 5; i++) {
      engine.decide(pay("tx" + i, "acc1", 10, T0 + i, "ok", "c1"));
    }
    engine.rulesets().publish(List.of(new SourceFile("velocity.yaml", RULES.replace("payments in a minute", "payments within a minute"))), "test");
    Decision d = engine.decide(pay("tx6", "acc1", 10, T0 + 6, "ok", "c1"));
    assertThat(d.rulesetVersion()).isEqualTo(2);
    assertThat(d.matched().get(0).reason()).isEqualTo("6 payments within a minute");
  }

  @Test
  void shouldNotCountAnEventFromTheFarFuture() {
    // the engine's clock is 2026-01-01T00:00:00Z; this event claims to be a day later
    engine.decide(pay("a", "acc1", 100, T0 + 10, "ok", "c1"));
    Decision future = engine.decide(pay("f", "acc1", 5, T0 + 86_400, "ok", "c1"), true);
    assertThat(future.degraded()).singleElement().asString().startsWith("future event");
    assertThat(future.features()).isEmpty();
    // had it counted, this event would be late (a day behind the key's newest event)
    Decision next = engine.decide(pay("b", "acc1", 1, T0 + 20, "ok", "c1"), true);
    assertThat(next.degraded()).isEmpty();
    assertThat(next.features()).containsEntry("payments_1m", 2L);
  }

  @Test
  void shouldDecideWithUnknownFeaturesWhenAStoredRecordIsCorrupt() {
    io.riskgate.state.StateStore store = io.riskgate.state.StateStore.inMemory();
    DecisionEngine e = DecisionEngine.builder()
        .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
        .state(io.riskgate.state.StateTable.create(store, 10))
        .build();
    e.rulesets().publish(List.of(new SourceFile("velocity.yaml", RULES)), "test");
    byte[] key = FeatureKeys.recordKey(FeatureKeys.dimensionId(List.of("account_id")), List.of("broken"));
    store.write(List.of(io.riskgate.state.StateStore.Write.put(key, new byte[] {1, 2, 3})));
    Decision d = e.decide(pay("x", "broken", 10, T0 + 1, "ok", "c1"), true);
    assertThat(d.action()).isEqualTo(Action.ACCEPT);
    assertThat(d.degraded()).singleElement().asString().startsWith("features unavailable: ").contains("truncated");
    // other keys are unaffected
    assertThat(e.decide(pay("y", "fine", 10, T0 + 2, "ok", "c1"), true).features()).containsEntry("payments_1m", 1L);
  }
}
