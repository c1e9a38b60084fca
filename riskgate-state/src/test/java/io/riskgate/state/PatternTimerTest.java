package io.riskgate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Timers of patterns ending with an absence: a quiet key's match fires once, across failures and restarts. */
class PatternTimerTest {
  static final int RESET = 0;
  static final int LOGIN = 1;
  /** A reset not followed by a login within 10 s. */
  static final PatternSpec PATTERN = new PatternSpec(List.of(PatternSpec.Step.times(RESET, 1, false), PatternSpec.Step.absent(LOGIN)), 10_000);
  static final DimensionSpec SPEC = new DimensionSpec(List.of(PatternStateTest.MASK, PatternStateTest.FIRED), List.of(),
      List.of(new PatternFeature(PATTERN, 0, 1)), Duration.ofSeconds(1), Duration.ofDays(1));

  final StateStore store = StateStore.inMemory();
  final StateLog log = StateLog.inMemory();
  StateTable table = open();

  StateTable open() {
    StateTable t = StateTable.create(store, log, 1000);
    t.recover(d -> d == 42 ? Optional.of(SPEC) : Optional.empty());
    return t;
  }

  double apply(String key, String id, long time, int... bits) {
    long mask = 0;
    for (int b : bits) {
      mask |= 1L << b;
    }
    double[] out = new double[SPEC.outputs()];
    table.apply(List.of(new StateTable.Request(SPEC, key(key), new EventInput(time, id.hashCode(),
        new long[] {PatternFeature.mask(mask), Column.ABSENT}, id), out)));
    return out[0];
  }

  static byte[] key(String k) {
    return StateTable.key(42, k.getBytes(StandardCharsets.UTF_8));
  }

  List<String> fire() {
    List<String> fired = new ArrayList<>();
    table.fireTimers(table.streamTime() - 1000, d -> d == 42 ? Optional.of(SPEC) : Optional.empty(), list -> {
      for (StateTable.Timeout t : list) {
        fired.add(new String(t.key(), 8, t.key().length - 8, StandardCharsets.UTF_8) + "@" + t.time() + " " + t.events());
      }
    });
    return fired;
  }

  @Test
  void shouldFireOnceForAQuietKeyWhenTheStreamHasPassedTheDeadline() {
    apply("a", "r1", 1_000, RESET);
    apply("b", "x1", 10_500);
    assertThat(fire()).as("the stream has not passed the deadline by the lateness").isEmpty();
    apply("b", "x2", 12_000);
    assertThat(fire()).containsExactly("a@11000 [r1]");
    assertThat(fire()).isEmpty();
    // the key's next event does not fire it again
    assertThat(apply("a", "p1", 13_000)).isZero();
  }

  @Test
  void shouldLeaveItToTheKeysOwnEventWhenOneCameAfterTheDeadline() {
    apply("a", "r1", 1_000, RESET);
    assertThat(apply("a", "p1", 11_500)).isEqualTo(1);
    apply("b", "x1", 20_000);
    assertThat(fire()).isEmpty();
  }

  @Test
  void shouldNotFireWhenTheAbsentEventCame() {
    apply("a", "r1", 1_000, RESET);
    apply("a", "l1", 5_000, LOGIN);
    apply("b", "x1", 20_000);
    assertThat(fire()).isEmpty();
  }

  @Test
  void shouldFireAgainWhenTheTimeoutsCouldNotBeEmitted() {
    apply("a", "r1", 1_000, RESET);
    apply("b", "x1", 20_000);
    assertThatThrownBy(() -> table.fireTimers(19_000, d -> Optional.of(SPEC), list -> {
      throw new IllegalStateException("the topic is away");
    })).hasMessageContaining("away");
    assertThat(fire()).containsExactly("a@11000 [r1]");
  }

  @Test
  void shouldKeepTimersAcrossARestart() {
    apply("a", "r1", 1_000, RESET);
    table.checkpoint();
    apply("c", "r2", 2_000, RESET); // in the log only
    table = open(); // dropped as by a crash
    apply("b", "x1", 20_000);
    assertThat(fire()).containsExactly("a@11000 [r1]", "c@12000 [r2]");
    // fired, then a crash before a checkpoint: the log has the ticks, nothing fires twice
    table = open();
    apply("b", "x2", 21_000);
    assertThat(fire()).isEmpty();
  }

  @Test
  void shouldFireTheMatchesOfAKeysTimersInTurn() {
    apply("a", "r1", 1_000, RESET);
    apply("a", "r2", 1_500, RESET);
    apply("a", "r3", 12_000, RESET);
    apply("b", "x1", 40_000);
    // r1's deadline passed at r3 (its event fired it); r3's comes at 22 s
    assertThat(fire()).containsExactly("a@22000 [r3]");
  }

  @Test
  void shouldNotLetTheKeysOwnEventFireWhatATimerIsHandingOut() {
    apply("a", "r1", 1_000, RESET);
    apply("b", "x1", 20_000);
    double[] seen = new double[1];
    List<String> fired = new ArrayList<>();
    table.fireTimers(19_000, d -> Optional.of(SPEC), list -> {
      fired.add(list.get(0).events().toString());
      // while the timeout is on its way out, the key's own event comes
      seen[0] = apply("a", "p1", 11_500);
    });
    assertThat(fired).containsExactly("[r1]");
    assertThat(seen[0]).isZero();
    assertThat(fire()).isEmpty();
    assertThat(apply("a", "p2", 12_000)).isZero();
  }

  @Test
  void shouldHandOutAgainWhatCouldNotBeHandedOutEvenAfterTheKeysOwnEvent() {
    apply("a", "r1", 1_000, RESET);
    apply("b", "x1", 20_000);
    assertThatThrownBy(() -> table.fireTimers(19_000, d -> Optional.of(SPEC), list -> {
      throw new IllegalStateException("the topic is away");
    })).isInstanceOf(IllegalStateException.class);
    // the key's event after the deadline leaves it to the timer, which hands it out next time
    assertThat(apply("a", "p1", 11_500)).isZero();
    assertThat(fire()).containsExactly("a@11000 [r1]");
    assertThat(fire()).isEmpty();
    assertThat(apply("a", "p2", 12_000)).isZero();
  }

  @Test
  void shouldNotMakeTheKeysEventsLateByATick() {
    apply("a", "r1", 1_000, RESET);
    apply("a", "p0", 4_000);
    apply("b", "x1", 20_000);
    assertThat(fire()).containsExactly("a@11000 [r1]");
    // an event of the key within the lateness of its own newest event (4 s) still counts
    double[] out = new double[SPEC.outputs()];
    StateTable.Result r = table.apply(List.of(new StateTable.Request(SPEC, key("a"), new EventInput(3_500, 77,
        new long[] {PatternFeature.mask(0), Column.ABSENT}, "late"), out)));
    assertThat(r.outcomes()).containsExactly(Outcome.APPLIED);
  }
}
