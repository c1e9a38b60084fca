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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sequence patterns through the engine: rule files, decisions, repeats, lateness, publishing, restarts. */
class PatternDecisionsTest {
  static final String EVENTS = """
      ruleset: sequences
      timezone: UTC
      events:
        login:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            status: {type: string, required: true}
            ts: {type: timestamp, required: true}
        password_reset:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            ts: {type: timestamp, required: true}
        withdrawal:
          id: id
          time: ts
          fields:
            id: {type: string, required: true}
            account_id: {type: string, required: true}
            amount: {type: double, required: true}
            ts: {type: timestamp, required: true}
      """;

  static String rules(String within, String extraRule) {
    return EVENTS + """
        patterns:
          burst_then_payout:
            by: account_id
            within: %s
            steps:
              - event: login
                when: status == 'failed'
                times: {min: 3}
              - event: password_reset
              - event: withdrawal
                when: amount > 1000
          card_test:
            by: account_id
            within: 1m
            steps:
              - event: withdrawal
                when: amount < 2
                times: 3
                contiguity: strict
              - event: withdrawal
                when: amount >= 500
                contiguity: strict
          quiet_after_reset:
            by: account_id
            within: 5m
            steps:
              - event: password_reset
              - not: {event: login}
        rules:
          - id: payout
            events: [withdrawal]
            when: matched('burst_then_payout')
            action: reject
            reason: "payout of {amount} after a login burst: {matched_events('burst_then_payout')}"
          - id: card-test
            events: [withdrawal]
            when: matched('card_test')
            action: review
          - id: quiet
            when: matched('quiet_after_reset')
            action: review
        %s
        """.formatted(within, extraRule);
  }

  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  StateStore store = StateStore.inMemory();
  StateLog log = StateLog.inMemory();
  DecisionEngine engine;
  StateTable table;

  DecisionEngine open() {
    table = StateTable.create(store, log, 1000);
    DecisionEngine e = DecisionEngine.builder()
        .clock(Clock.fixed(Instant.parse("2026-01-02T00:00:00Z"), ZoneOffset.UTC))
        .allowedLateness(Duration.ofMinutes(5))
        .state(table)
        .build();
    e.rulesets().publish(List.of(new SourceFile("sequences.yaml", rules("10m", ""))), "test");
    return e;
  }

  @BeforeEach
  void setUp() {
    engine = open();
  }

  static byte[] login(String id, String account, String status, long at) {
    return ("{\"event_type\":\"login\",\"id\":\"" + id + "\",\"account_id\":\"" + account + "\",\"status\":\"" + status
        + "\",\"ts\":" + at + "}").getBytes(UTF_8);
  }

  static byte[] reset(String id, String account, long at) {
    return ("{\"event_type\":\"password_reset\",\"id\":\"" + id + "\",\"account_id\":\"" + account + "\",\"ts\":" + at + "}")
        .getBytes(UTF_8);
  }

  static byte[] withdrawal(String id, String account, double amount, long at) {
    return ("{\"event_type\":\"withdrawal\",\"id\":\"" + id + "\",\"account_id\":\"" + account + "\",\"amount\":" + amount
        + ",\"ts\":" + at + "}").getBytes(UTF_8);
  }

  static long at(int seconds) {
    return T0 + seconds * 1000L;
  }

  @Test
  void shouldFireOnTheLastEventOfTheSequenceOnce() {
    engine.decide(login("l1", "a", "failed", at(0)));
    engine.decide(login("l2", "a", "ok", at(10)));
    engine.decide(login("l3", "a", "failed", at(20)));
    assertThat(engine.decide(withdrawal("w0", "a", 5000, at(25))).action()).isEqualTo(Action.ACCEPT);
    engine.decide(login("l4", "a", "failed", at(30)));
    engine.decide(reset("r1", "a", at(40)));
    Decision payout = engine.decide(withdrawal("w1", "a", 5000, at(50)), true);
    assertThat(payout.action()).isEqualTo(Action.REJECT);
    assertThat(payout.matched().get(0).reason()).isEqualTo("payout of 5000 after a login burst: l1, l3, l4, r1, w1");
    assertThat(payout.features()).containsEntry("burst_then_payout", 1L);
    assertThat(payout.patterns()).containsExactly(java.util.Map.entry("burst_then_payout", List.of("l1", "l3", "l4", "r1", "w1")));
    assertThat(new String(DecisionJson.toJson(payout), UTF_8))
        .contains("\"patterns\":{\"burst_then_payout\":[\"l1\",\"l3\",\"l4\",\"r1\",\"w1\"]}");
    // the same sequence does not fire twice
    assertThat(engine.decide(withdrawal("w2", "a", 5000, at(60))).action()).isEqualTo(Action.ACCEPT);
    // a repeat of the event it fired at is decided as the original was
    Decision again = engine.decide(withdrawal("w1", "a", 5000, at(50)));
    assertThat(again.repeated()).isTrue();
    assertThat(again.action()).isEqualTo(Action.REJECT);
    // which events the original's match took is not kept: the ids are missing
    assertThat(again.matched().get(0).reason()).isEqualTo("payout of 5000 after a login burst: missing");
    assertThat(again.patterns()).isEmpty();
    // another account has its own sequences
    assertThat(engine.decide(withdrawal("w3", "b", 5000, at(61))).action()).isEqualTo(Action.ACCEPT);
  }

  @Test
  void shouldPlaceAnEventThatArrivesOutOfOrder() {
    engine.decide(login("l1", "a", "failed", at(0)));
    engine.decide(login("l2", "a", "failed", at(10)));
    engine.decide(reset("r1", "a", at(40)));
    // the third failed login was sent before the reset, and arrives after it
    engine.decide(login("l3", "a", "failed", at(20)));
    assertThat(engine.decide(withdrawal("w1", "a", 5000, at(50))).action()).isEqualTo(Action.REJECT);
  }

  @Test
  void shouldTellStrictContiguityApart() {
    engine.decide(withdrawal("t1", "a", 1, at(0)));
    engine.decide(withdrawal("t2", "a", 1, at(1)));
    engine.decide(login("x", "a", "ok", at(2)));
    engine.decide(withdrawal("t3", "a", 1, at(3)));
    assertThat(engine.decide(withdrawal("big1", "a", 900, at(4))).action()).isEqualTo(Action.ACCEPT);
    engine.decide(withdrawal("t4", "a", 1, at(5)));
    engine.decide(withdrawal("t5", "a", 1, at(6)));
    engine.decide(withdrawal("t6", "a", 1, at(7)));
    assertThat(engine.decide(withdrawal("big2", "a", 900, at(8))).action()).isEqualTo(Action.REVIEW);
  }

  @Test
  void shouldFireAnAbsenceAtTheFirstEventAfterItsDeadline() {
    engine.decide(reset("r1", "a", at(0)));
    assertThat(engine.decide(withdrawal("w1", "a", 10, at(200))).action()).isEqualTo(Action.ACCEPT);
    // five minutes after the reset without a login: the next event of the account sees it
    Decision quiet = engine.decide(withdrawal("w2", "a", 10, at(301)));
    assertThat(quiet.matched()).extracting(Decision.Match::id).containsExactly("quiet");
    // the match is the reset alone; the event that saw its deadline pass is not part of it
    assertThat(quiet.patterns()).containsExactly(java.util.Map.entry("quiet_after_reset", List.of("r1")));
    assertThat(engine.decide(withdrawal("w3", "a", 10, at(302))).action()).isEqualTo(Action.ACCEPT);
    // a login within the five minutes breaks it
    engine.decide(reset("r2", "b", at(0)));
    engine.decide(login("l1", "b", "ok", at(100)));
    assertThat(engine.decide(withdrawal("w4", "b", 10, at(400))).action()).isEqualTo(Action.ACCEPT);
  }

  @Test
  void shouldKeepPartialMatchesOfUnchangedPatternsWhenAVersionIsPublished() {
    engine.decide(login("l1", "a", "failed", at(0)));
    engine.decide(login("l2", "a", "failed", at(10)));
    engine.decide(login("m1", "m", "failed", at(0)));
    engine.decide(login("m2", "m", "failed", at(10)));
    // a new version with one more rule: the patterns are the same
    engine.rulesets().publish(List.of(new SourceFile("sequences.yaml",
        rules("10m", "  - {id: big, events: [withdrawal], when: amount > 100000, action: review}"))), "test");
    engine.decide(login("l3", "a", "failed", at(20)));
    engine.decide(reset("r1", "a", at(30)));
    assertThat(engine.decide(withdrawal("w1", "a", 5000, at(40))).action()).isEqualTo(Action.REJECT);
    // a version that changes the pattern: what its old version had seen is dropped
    engine.rulesets().publish(List.of(new SourceFile("sequences.yaml", rules("11m", ""))), "test");
    engine.decide(login("m3", "m", "failed", at(20)));
    engine.decide(reset("r2", "m", at(30)));
    assertThat(engine.decide(withdrawal("w2", "m", 5000, at(40))).action()).isEqualTo(Action.ACCEPT);
  }

  @Test
  void shouldKeepPartialMatchesAcrossARestart() {
    engine.decide(login("l1", "a", "failed", at(0)));
    engine.decide(login("l2", "a", "failed", at(10)));
    engine.decide(login("l3", "a", "failed", at(20)));
    // dropped without a checkpoint, as by a crash: the state log has the events
    DecisionEngine restarted = open();
    restarted.decide(reset("r1", "a", at(30)));
    Decision payout = restarted.decide(withdrawal("w1", "a", 5000, at(40)));
    assertThat(payout.action()).isEqualTo(Action.REJECT);
    // the ids of the events before the crash come back from the state log
    assertThat(payout.patterns()).containsEntry("burst_then_payout", List.of("l1", "l2", "l3", "r1", "w1"));
    // and from a checkpoint
    restarted.decide(login("l4", "a", "failed", at(50)));
    restarted.decide(login("l5", "a", "failed", at(60)));
    restarted.decide(login("l6", "a", "failed", at(70)));
    table.checkpoint();
    DecisionEngine again = open();
    again.decide(reset("r2", "a", at(80)));
    assertThat(again.decide(withdrawal("w2", "a", 5000, at(90))).patterns())
        .containsEntry("burst_then_payout", List.of("l4", "l5", "l6", "r2", "w2"));
  }

  @Test
  void shouldNotKnowWhetherALateEventCompletesAMatch() {
    engine.decide(login("l1", "a", "failed", at(0)));
    engine.decide(withdrawal("w0", "a", 10, at(1000)));
    Decision late = engine.decide(login("old", "a", "failed", at(100)), true);
    assertThat(late.degraded()).anyMatch(d -> d.startsWith("late event"));
    assertThat(late.features().get("burst_then_payout")).isNull();
  }

  @Test
  void shouldHandOutTheTimeoutOfAQuietKeyOnceTheStreamPassesItsDeadline() {
    engine.decide(reset("r1", "a", at(0)));
    List<PatternTimeout> out = new java.util.ArrayList<>();
    // other accounts move the stream on; account a stays quiet
    engine.decide(withdrawal("w1", "b", 10, at(200)));
    assertThat(engine.firePatternTimers(out::addAll)).isZero();
    engine.decide(withdrawal("w2", "b", 10, at(300 + 5 * 60)));
    assertThat(engine.firePatternTimers(out::addAll)).isEqualTo(1);
    PatternTimeout t = out.get(0);
    assertThat(t.pattern()).isEqualTo("quiet_after_reset");
    assertThat(t.key()).containsExactly(java.util.Map.entry("account_id", "a"));
    assertThat(t.deadline()).isEqualTo(Instant.ofEpochMilli(at(300)));
    assertThat(t.events()).containsExactly("r1");
    assertThat(t.rulesetVersion()).isEqualTo(1);
    assertThat(new String(DecisionJson.toJson(t), UTF_8)).isEqualTo("{\"event_id\":\"timeout:quiet_after_reset:a:" + at(300)
        + "\",\"event_type\":\"pattern_timeout\",\"pattern\":\"quiet_after_reset\",\"key\":{\"account_id\":\"a\"},"
        + "\"deadline\":\"2026-01-01T00:05:00Z\",\"events\":[\"r1\"],\"ruleset\":\"sequences\",\"ruleset_version\":1}");
    // once: neither the timer again, nor the key's next event
    assertThat(engine.firePatternTimers(out::addAll)).isZero();
    assertThat(engine.decide(withdrawal("w3", "a", 10, at(700))).action()).isEqualTo(Action.ACCEPT);
  }

  @Test
  void shouldFireATimeoutAgainWhenItCouldNotBeHandedOut() {
    engine.decide(reset("r1", "a", at(0)));
    engine.decide(withdrawal("w1", "b", 10, at(1000)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.firePatternTimers(list -> {
      throw new IllegalStateException("no broker");
    })).hasMessageContaining("no broker");
    List<PatternTimeout> out = new java.util.ArrayList<>();
    assertThat(engine.firePatternTimers(out::addAll)).isEqualTo(1);
  }

  @Test
  void shouldGiveTimeoutsOfDifferentKeysDifferentIds() {
    Instant at = Instant.ofEpochMilli(T0);
    PatternTimeout one = new PatternTimeout("p", new java.util.LinkedHashMap<>(java.util.Map.of("a", "x,y")), at, List.of(), "r", 1);
    java.util.LinkedHashMap<String, String> two = new java.util.LinkedHashMap<>();
    two.put("a", "x");
    two.put("b", "y");
    PatternTimeout other = new PatternTimeout("p", two, at, List.of(), "r", 1);
    assertThat(one.id()).isEqualTo("timeout:p:x%2Cy:" + T0).isNotEqualTo(other.id());
    assertThat(other.id()).isEqualTo("timeout:p:x,y:" + T0);
  }
}
