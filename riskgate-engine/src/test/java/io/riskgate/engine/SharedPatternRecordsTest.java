package io.riskgate.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.riskgate.lang.Action;
import io.riskgate.lang.SourceFile;
import io.riskgate.state.StateLog;
import io.riskgate.state.StateStore;
import io.riskgate.state.StateTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Where a key's events are all of the one type its features count, its patterns live in the
 * features' records: one record per key, and the same decisions as with records of their own.
 */
class SharedPatternRecordsTest {
  static final String RULES = """
      ruleset: cards
      timezone: UTC
      events:
        payment:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            amount: {type: double, required: true}
            ts: {type: timestamp, required: true}
      features:
        payments_1m: {aggregate: count, by: account_id, window: 1m}
      patterns:
        card_test:
          by: account_id
          within: 1m
          steps:
            - event: payment
              when: amount < 2
              times: 3
              contiguity: strict
            - event: payment
              when: amount >= 500
              contiguity: strict
      rules:
        - id: card-test
          when: matched('card_test') and payments_1m >= 4
          action: reject
          reason: "card test: {matched_events('card_test')}"
      """;
  static final long T0 = 1_767_225_600_000L;

  final StateStore store = StateStore.inMemory();
  final StateLog log = StateLog.inMemory();
  StateTable table;

  DecisionEngine open() {
    table = StateTable.create(store, log, 1000);
    DecisionEngine e = DecisionEngine.builder()
        .clock(Clock.fixed(Instant.parse("2026-01-02T00:00:00Z"), ZoneOffset.UTC))
        .allowedLateness(Duration.ofMinutes(5))
        .state(table)
        .build();
    e.rulesets().publish(List.of(new SourceFile("cards.yaml", RULES)), "test");
    return e;
  }

  static byte[] payment(String id, String account, double amount, long at) {
    return ("{\"event_type\":\"payment\",\"id\":\"" + id + "\",\"account_id\":\"" + account + "\",\"amount\":" + amount
        + ",\"ts\":" + at + "}").getBytes(UTF_8);
  }

  @Test
  void shouldKeepFeaturesAndPatternsOfAKeyInOneRecord() {
    DecisionEngine engine = open();
    engine.decide(payment("t1", "a", 1, T0));
    engine.decide(payment("t2", "a", 1, T0 + 1000));
    engine.decide(payment("t3", "a", 1, T0 + 2000));
    // in the state log only, then a crash
    engine = open();
    Decision d = engine.decide(payment("big", "a", 900, T0 + 3000), true);
    assertThat(d.action()).isEqualTo(Action.REJECT);
    assertThat(d.matched().get(0).reason()).isEqualTo("card test: t1, t2, t3, big");
    assertThat(d.features()).containsEntry("payments_1m", 4L).containsEntry("card_test", 1L);
    // a repeat is one for both
    Decision again = engine.decide(payment("big", "a", 900, T0 + 3000), true);
    assertThat(again.repeated()).isTrue();
    assertThat(again.features()).containsEntry("payments_1m", 4L).containsEntry("card_test", 1L);
    table.checkpoint();
    AtomicInteger records = new AtomicInteger();
    store.scan((k, v) -> {
      if (k.length > 8 && StateTable.dimensionOf(k) == FeatureKeys.dimensionId(List.of("account_id"))) {
        records.incrementAndGet();
      } else if (k.length > 8 && StateTable.dimensionOf(k) == Hashing.hash64("patterns:account_id")) {
        throw new AssertionError("a record of the patterns' own");
      }
    });
    assertThat(records.get()).isEqualTo(1);
  }
}
