package io.riskgate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Replaying the state log into another layout, and the rules around recovery. */
class StateLogRecoveryTest {
  static final long DIM = 7;
  static final Column AMOUNT = new Column(101, Column.Kind.NUMBER);
  static final Column COUNTED = new Column(102, Column.Kind.MEMBER);
  static final Duration LATENESS = Duration.ofMinutes(10);
  static final Duration HORIZON = Duration.ofDays(1);
  static final long T0 = 1_767_222_000_000L;

  /** A new store and log per test: tables opened over them one after the other play a restart. */
  final StateStore store = StateStore.inMemory();
  final StateLog log = StateLog.inMemory();

  StateTable open() {
    return StateTable.create(store, log, 1000);
  }

  /** Sum of amounts and count over a sliding hour. */
  static final DimensionSpec V1 = new DimensionSpec(List.of(AMOUNT, COUNTED),
      List.of(new FeatureSpec(Aggregate.SUM, new Window.Sliding(3_600_000), 0, true),
          new FeatureSpec(Aggregate.COUNT, new Window.Sliding(3_600_000), 1, true)),
      LATENESS, HORIZON);

  /** A later version: the count column is gone, a max over the same amount column is new. */
  static final DimensionSpec V2 = new DimensionSpec(List.of(AMOUNT),
      List.of(new FeatureSpec(Aggregate.SUM, new Window.Sliding(3_600_000), 0, true),
          new FeatureSpec(Aggregate.MAX, new Window.Sliding(3_600_000), 0, true)),
      LATENESS, HORIZON);

  static byte[] key(String k) {
    return StateTable.key(DIM, k.getBytes(StandardCharsets.UTF_8));
  }

  static double[] apply(StateTable t, DimensionSpec spec, String k, long time, long id, double amount) {
    double[] out = new double[spec.features().size()];
    long[] values = spec.columns().size() == 2 ? new long[] {Column.number(amount), 0L} : new long[] {Column.number(amount)};
    t.apply(List.of(new StateTable.Request(spec, key(k), new EventInput(time, id, values), out)));
    return out;
  }

  @Test
  void replaysIntoTheColumnsTheNewLayoutKeeps() {
    StateTable before = open();
    apply(before, V1, "a", T0, 1, 10);
    before.checkpoint();
    apply(before, V1, "a", T0 + 1000, 2, 30);
    apply(before, V1, "a", T0 + 2000, 3, 20);
    // dropped without a checkpoint: the last two events are only in the log

    StateTable after = open();
    assertThatThrownBy(() -> apply(after, V2, "a", T0 + 3000, 4, 5)).isInstanceOf(IllegalStateException.class);
    assertThat(after.recover(d -> d == DIM ? Optional.of(V2) : Optional.empty())).isEqualTo(2);
    double[] out = apply(after, V2, "a", T0 + 3000, 4, 5);
    assertThat(out).containsExactly(65.0, 30.0);
    // a second recovery does nothing
    assertThat(after.recover(d -> Optional.of(V2))).isZero();
  }

  @Test
  void dropsTheEntriesOfDimensionsTheRulesetNoLongerHas() {
    StateTable before = open();
    apply(before, V1, "a", T0, 1, 10);

    StateTable after = open();
    assertThat(after.recover(d -> Optional.empty())).isEqualTo(1);
    double[] out = apply(after, V1, "a", T0 + 1000, 2, 5);
    assertThat(out).containsExactly(5.0, 1.0);
  }

  @Test
  void theStreamTimeComesBackWithTheReplay() {
    StateTable before = open();
    apply(before, V1, "a", T0, 1, 10);
    before.checkpoint();
    apply(before, V1, "b", T0 + Duration.ofHours(3).toMillis(), 2, 10);
    assertThat(before.streamTime()).isEqualTo(T0 + Duration.ofHours(3).toMillis());

    StateTable after = open();
    assertThat(after.streamTime()).isEqualTo(T0);
    after.recover(d -> Optional.of(V1));
    assertThat(after.streamTime()).isEqualTo(T0 + Duration.ofHours(3).toMillis());
    // an event older than the stream time by more than the retention (1 h + 10 min) is late everywhere
    double[] out = new double[2];
    StateTable.Result r = after.apply(List.of(new StateTable.Request(V1, key("c"),
        new EventInput(T0 + 1000, 3, new long[] {Column.number(1), 0L}), out)));
    assertThat(r.outcomes()).containsExactly(Outcome.LATE);
  }

  @Test
  void aStoreWithACheckpointAheadOfAnEmptyLogNeverReusesSequenceNumbers() {
    StateTable first = StateTable.create(store, StateLog.inMemory(), 1000);
    for (int i = 0; i < 5; i++) {
      apply(first, V1, "a", T0 + i, i, 1);
    }
    first.checkpoint();
    StateLog fresh = StateLog.inMemory();
    StateTable second = StateTable.create(store, fresh, 1000);
    assertThat(fresh.next()).isEqualTo(6);
    assertThat(apply(second, V1, "a", T0 + 10, 10, 1)).containsExactly(6.0, 6.0);
  }

  @Test
  void aBigRecordKeepsItsOldestEventsInPagesAndComesBackWhole() {
    StateTable live = new DefaultStateTable(store, log, 1000, 512);
    int n = 0;
    for (; n < 10_000; n++) {
      apply(live, V1, "hot", T0 + n * 100L, n + 1, n % 97);
    }
    live.checkpoint();
    long[] pages = {0};
    long[] headBytes = {0};
    store.scan((k, v) -> {
      if (StateTable.dimensionOf(k) == StateTable.dimensionOf(DefaultStateTable.PAGE_PREFIX)) {
        pages[0]++;
      } else if (java.util.Arrays.equals(k, key("hot"))) {
        headBytes[0] = v.length;
      }
    });
    // events older than the newest by more than the lateness (10 min of 1000 s) are paged
    assertThat(pages[0]).isGreaterThanOrEqualTo(7);
    // the record itself holds the other events only: about 6,400 of 10,000 at 20 bytes each
    assertThat(headBytes[0]).isBetween(1L, 140_000L);
    // more events, a checkpoint that writes only what changed, more events, then a crash
    for (; n < 12_000; n++) {
      apply(live, V1, "hot", T0 + n * 100L, n + 1, n % 97);
    }
    live.checkpoint();
    for (; n < 12_500; n++) {
      apply(live, V1, "hot", T0 + n * 100L, n + 1, n % 97);
    }
    StateTable reopened = new DefaultStateTable(store, log, 1000, 512);
    reopened.recover(d -> Optional.of(V1));
    double[] fromLive = apply(live, V1, "hot", T0 + n * 100L, n + 1, 5);
    double[] fromReopened = apply(reopened, V1, "hot", T0 + n * 100L, n + 1, 5);
    assertThat(fromReopened).containsExactly(fromLive);
    assertThat(fromLive[1]).isEqualTo(12_501.0);
  }

  @Test
  void expiryDeletesARecordWithItsPages() {
    StateTable table = new DefaultStateTable(store, StateLog.inMemory(), 1000, 512);
    for (int n = 0; n < 10_000; n++) {
      apply(table, V1, "hot", T0 + n * 100L, n + 1, 1);
    }
    table.checkpoint();
    assertThat(pageKeys(store)).isPositive();
    // another key moves the stream time three days on: the hot key is idle for more than two retentions
    apply(table, V1, "other", T0 + Duration.ofDays(3).toMillis(), 99_999, 1);
    table.checkpoint();
    assertThat(table.expire(d -> Optional.of(V1.retention()), Duration.ofDays(1))).isEqualTo(1);
    assertThat(pageKeys(store)).isZero();
    assertThat(store.get(key("hot"))).isEmpty();
  }

  private static long pageKeys(StateStore store) {
    long[] n = {0};
    store.scan((k, v) -> {
      if (StateTable.dimensionOf(k) == StateTable.dimensionOf(DefaultStateTable.PAGE_PREFIX)) {
        n[0]++;
      }
    });
    return n[0];
  }

  @Test
  void aRecordThatCannotBeReadFailsTheEventWithNothingLogged() {
    StateTable table = open();
    apply(table, V1, "good", T0, 1, 1);
    store.write(List.of(StateStore.Write.put(key("bad"), new byte[] {9, 9, 9})));
    long next = log.next();
    double[] out = new double[2];
    double[] other = new double[2];
    assertThatThrownBy(() -> table.apply(List.of(
        new StateTable.Request(V1, key("good"), new EventInput(T0 + 1, 2, new long[] {Column.number(1), 0L}), other),
        new StateTable.Request(V1, key("bad"), new EventInput(T0 + 1, 2, new long[] {Column.number(1), 0L}), out))))
        .isInstanceOf(StateFormatException.class);
    assertThat(log.next()).isEqualTo(next);
    // the good record did not count the failed event
    assertThat(apply(table, V1, "good", T0 + 2, 3, 1)).containsExactly(2.0, 2.0);
  }
}
