package io.riskgate.state;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The state records of every key of every dimension, over a {@link StateStore} and a
 * {@link StateLog}: applies each event to its records under the records' locks, appends the event to
 * the log before answering, and keeps records decoded in memory. Changed records reach the store at
 * checkpoints and when they leave the cache; each carries the log sequence number of the last
 * entry it holds, so replaying the log after a crash is exact whatever was written before it.
 *
 * <p>Two lateness rules protect exactness, both documented for users: an event older than its
 * key's newest event by more than the allowed lateness is late for that key ({@link KeyState}); and
 * an event older than the stream time (the newest time of any event some feature counted, a repeat
 * too) by more than its
 * dimension's {@linkplain DimensionSpec#retention() retention} is late everywhere, which is what
 * lets records of idle keys be deleted once the stream time has moved two retentions past them.
 *
 * <p>Implementations are thread-safe.
 */
public interface StateTable extends AutoCloseable {

  /**
   * Applies one event to the records it touches, one request per record, and fills each request's
   * output with the values of its dimension's features. The event is in the log when this returns.
   *
   * @return one outcome per request, in order
   * @throws StateException when the log refuses the event: nothing changed
   * @throws IllegalStateException before {@link #recover} when the log holds entries to replay
   */
  Result apply(List<Request> requests);

  /**
   * Replays the log entries written after the last checkpoint into the records, once, before the
   * first event: entries a record already holds (by its log sequence number) are skipped, and those
   * of dimensions the function does not know are dropped.
   *
   * @param specs the dimension of each live dimension, by the 8-byte key prefix of its records
   * @return how many log entries were replayed
   */
  long recover(Function<Long, Optional<DimensionSpec>> specs);

  /**
   * Writes every record changed since the last checkpoint to the store, then records in the store
   * the log position they cover and forgets the log before it. Runs alongside {@link #apply}.
   *
   * @return how many records were written
   * @throws StateException when the store refuses a write: the log is kept
   */
  default long checkpoint() {
    return checkpoint(java.time.Duration.ZERO);
  }

  /**
   * A checkpoint spread over about {@code spread}: the records are written a part at a time with
   * pauses between, so that a large checkpoint does not take the processor from decisions in one
   * burst.
   */
  long checkpoint(java.time.Duration spread);

  /**
   * This state's secret hash key, two longs: made at random when the store is new and kept in it,
   * for hashing what outsiders choose (event ids, feature values) so that collisions cannot be
   * crafted. The array is shared: do not change it.
   */
  long[] hashKey();

  /** The stream time: the newest time of an event some column counted, {@link Long#MIN_VALUE} before any. */
  long streamTime();

  /**
   * Deletes the records no accepted event can see any more.
   *
   * @param retentionByDimension the retention of each live dimension, by the 8-byte key prefix
   *     of its records; records of other dimensions are kept for {@code orphanRetention}
   * @return how many records were deleted
   */
  long expire(Function<Long, Optional<java.time.Duration>> retentionByDimension, java.time.Duration orphanRetention);

  /**
   * Fires the pattern timers due by {@code upTo}: for each record that a pattern ending with an
   * absence may have to look at again (an event began a match whose deadline is at or before
   * {@code upTo}) and that has had no event since the deadline, the matches that fire at the
   * deadline as an event there would fire them. They are given to {@code emit} first, then
   * recorded in their records (as a {@link PatternFeature#tick}, logged like an event), so that a
   * sequence fires once. If {@code emit} throws, nothing is recorded: the same timeouts fire at the
   * next call. A crash between the two fires them again after the restart.
   *
   * @param upTo the event time the stream has passed for good: its newest time less the lateness
   * @param specs the dimension of each live dimension, by the 8-byte key prefix of its records
   * @return how many matches fired
   */
  long fireTimers(long upTo, Function<Long, Optional<DimensionSpec>> specs, java.util.function.Consumer<List<Timeout>> emit);

  /**
   * A match of a pattern ending with an absence that fired at its timer, the key having gone quiet.
   *
   * @param key the record key
   * @param spec the dimension
   * @param pattern the pattern's index in the dimension
   * @param time the timer's time, at or after the match's deadline
   * @param events the labels of the match's events, in order
   */
  record Timeout(byte[] key, DimensionSpec spec, int pattern, long time, List<String> events) {}

  Counters counters();

  StateStore store();

  @Override
  void close();

  /**
   * One record's part of an event.
   *
   * @param spec the dimension's features
   * @param key the record's key: 8 bytes naming the dimension (see {@link #dimensionOf}), then the key
   * @param event the event's time, id and column values
   * @param out receives the values of the dimension's features, in order, then its patterns' outcomes
   * @param matched receives, per pattern of the dimension, the labels of the events of the match
   *     that fired at the event, or an empty array (see {@link KeyState#apply(DimensionSpec, EventInput, double[], String[][])})
   */
  record Request(DimensionSpec spec, byte[] key, EventInput event, double[] out, String[][] matched) {
    public Request {
      Objects.requireNonNull(spec);
      Objects.requireNonNull(key);
      Objects.requireNonNull(event);
      if (key.length < 8 || out.length < spec.outputs() || event.values().length != spec.columns().size()
          || matched.length != spec.patterns().size()) {
        throw new IllegalArgumentException("a record key starts with 8 bytes of dimension; out holds every feature and pattern; "
            + "matched has a slot per pattern; the event has a value per column");
      }
    }

    /** A request with a slot per pattern for the matched events' labels. */
    public Request(DimensionSpec spec, byte[] key, EventInput event, double[] out) {
      this(spec, key, event, out, spec.patterns().isEmpty() ? NO_PATTERNS : new String[spec.patterns().size()][]);
    }

    /** The slots of a dimension without patterns: none, shared. */
    private static final String[][] NO_PATTERNS = new String[0][];
  }

  /**
   * What happened to an event.
   *
   * @param outcomes per request
   */
  record Result(List<Outcome> outcomes) {}

  /**
   * Running totals for metrics.
   *
   * @param saveFailures log appends and store writes that failed
   * @param checkpoints checkpoints completed
   * @param checkpointedRecords records written by checkpoints
   * @param evictedWrites changed records written because they left the cache
   * @param replayed log entries replayed at recovery
   */
  record Counters(
      long applied, long duplicates, long late, long notCounted, long saveFailures, long cacheHits, long cacheMisses, long expired,
      long checkpoints, long checkpointedRecords, long evictedWrites, long replayed) {}

  /** The dimension part of a record key. */
  static long dimensionOf(byte[] key) {
    return ByteBuffer.wrap(key, 0, 8).getLong();
  }

  /** Builds a record key from a dimension id and the key's bytes. */
  static byte[] key(long dimension, byte[] keyBytes) {
    return ByteBuffer.allocate(8 + keyBytes.length).putLong(dimension).put(keyBytes).array();
  }

  /**
   * A table over a store and a log.
   *
   * @param cachedRecords how many decoded records to keep in memory; a changed record that leaves
   *     the cache is written to the store
   */
  static StateTable create(StateStore store, StateLog log, int cachedRecords) {
    return new DefaultStateTable(store, log, cachedRecords);
  }


  /** A table over a store, with a log in the heap: records not yet checkpointed die with the process. */
  static StateTable create(StateStore store, int cachedRecords) {
    return create(store, StateLog.inMemory(), cachedRecords);
  }
}

final class DefaultStateTable implements StateTable {
  /** The key under which the stream time was kept by format-1 stores; record keys are 9 bytes or more. */
  static final byte[] STREAM_TIME_KEY = {0, 0, 0, 0, 0, 0, 0, 0};
  /** The key under which the secret hash key is kept. */
  static final byte[] HASH_KEY = {0, 0, 0, 0, 0, 0, 0, 1};
  /** The key of the checkpoint: the first log sequence number not in the store, and the stream time then. */
  static final byte[] CHECKPOINT_KEY = {0, 0, 0, 0, 0, 0, 0, 2};
  /** The first 8 bytes of the keys of record pages: then the record's key, then the page id. */
  static final byte[] PAGE_PREFIX = {0, 0, 0, 0, 0, 0, 0, 3};
  /**
   * The first 8 bytes of the keys of pattern timers: then the timer's time (8 bytes, sign bit
   * flipped, so that keys sort by time), then the record's key. The key itself is the timer.
   */
  static final byte[] TIMER_PREFIX = {0, 0, 0, 0, 0, 0, 0, 4};
  /** Timers fire at deadlines rounded up to a second by default. */
  static final long TIMER_GRANULARITY = 1000;
  /** Events per page of a big record. */
  static final int PAGE_EVENTS = 4096;
  private static final int STRIPES = 256;
  /** Checkpoints write in batches of about this many bytes. */
  private static final int CHECKPOINT_BATCH_BYTES = 1 << 20;

  private final StateStore store;
  private final StateLog log;
  private final Stripe[] stripes = new Stripe[STRIPES];
  /** Orders log appends with the stream time: both change together, under this lock. */
  private final ReentrantLock logLock = new ReentrantLock();
  private volatile long streamTime = Long.MIN_VALUE;
  private final long[] hashKey;
  /** The first log sequence number the store does not hold. */
  private long checkpointSeq = 1;
  private volatile boolean recovered;
  private final LongAdder applied = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder late = new LongAdder();
  private final LongAdder notCounted = new LongAdder();
  private final LongAdder saveFailures = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder expired = new LongAdder();
  private final LongAdder checkpoints = new LongAdder();
  private final LongAdder checkpointed = new LongAdder();
  private final LongAdder evictedWrites = new LongAdder();
  private final LongAdder replayed = new LongAdder();

  private final int pageEvents;
  private final long timerGranularity;
  private static final String[] NOTHING = new String[0];

  DefaultStateTable(StateStore store, StateLog log, int cachedRecords) {
    this(store, log, cachedRecords, PAGE_EVENTS);
  }

  /** With pages of another size, for tests. */
  DefaultStateTable(StateStore store, StateLog log, int cachedRecords, int pageEvents) {
    this(store, log, cachedRecords, pageEvents, TIMER_GRANULARITY);
  }

  DefaultStateTable(StateStore store, StateLog log, int cachedRecords, int pageEvents, long timerGranularity) {
    if (timerGranularity < 1) {
      throw new IllegalArgumentException("timer granularity must be at least 1 ms");
    }
    this.store = store;
    this.log = log;
    this.pageEvents = pageEvents;
    this.timerGranularity = timerGranularity;
    int perStripe = Math.max(1, cachedRecords / STRIPES);
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe(perStripe);
    }
    Optional<byte[]> cp = store.get(CHECKPOINT_KEY);
    if (cp.isPresent() && cp.get().length == 16) {
      ByteBuffer b = ByteBuffer.wrap(cp.get());
      checkpointSeq = b.getLong();
      streamTime = b.getLong();
    } else {
      store.get(STREAM_TIME_KEY).ifPresent(b -> {
        if (b.length == 8) {
          streamTime = ByteBuffer.wrap(b).getLong();
        }
      });
    }
    if (log.next() < checkpointSeq) {
      log.advanceTo(checkpointSeq);
    }
    recovered = log.next() <= checkpointSeq;
    Optional<byte[]> secret = store.get(HASH_KEY);
    if (secret.isPresent() && secret.get().length == 16) {
      ByteBuffer b = ByteBuffer.wrap(secret.get());
      hashKey = new long[] {b.getLong(), b.getLong()};
    } else {
      java.security.SecureRandom random = new java.security.SecureRandom();
      hashKey = new long[] {random.nextLong(), random.nextLong()};
      store.write(List.of(StateStore.Write.put(HASH_KEY, ByteBuffer.allocate(16).putLong(hashKey[0]).putLong(hashKey[1]).array())));
    }
  }

  @Override
  public long[] hashKey() {
    return hashKey;
  }

  /** A lock and the decoded records of the keys that hash to it. */
  private static final class Stripe {
    final ReentrantLock lock = new ReentrantLock();
    final LinkedHashMap<Key, Slot> cache = new LinkedHashMap<>(16, 0.75f, true);
    final int capacity;

    Stripe(int capacity) {
      this.capacity = capacity;
    }
  }

  /** A decoded record, and whether it changed since the store last got it. */
  private static final class Slot {
    final KeyState state;
    boolean dirty;
    /**
     * Whether a checkpoint copied it and has not written the copy yet: it may not leave the cache
     * or be expired meanwhile, or the checkpoint's older copy would land after a newer write.
     */
    boolean inFlight;
    /** Whether an event being applied read it: it stays in the cache until the event is applied. */
    boolean pinned;

    Slot(KeyState state) {
      this.state = state;
    }
  }

  /** A record key with value equality. */
  private static final class Key {
    final byte[] bytes;
    /** A 64-bit hash of the bytes: the low half for hash maps, the high half for the stripe. */
    final long hash;

    Key(byte[] bytes) {
      this.bytes = bytes;
      long h = 0xcbf29ce484222325L;
      for (byte b : bytes) {
        h = (h ^ (b & 0xFF)) * 0x100000001b3L;
      }
      h ^= h >>> 33;
      h *= 0xff51afd7ed558ccdL;
      h ^= h >>> 33;
      h *= 0xc4ceb9fe1a85ec53L;
      h ^= h >>> 33;
      this.hash = h;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return (int) hash;
    }
  }

  /** The stripe of a key, from the high bits of its hash (the stripe's own map uses the low bits). */
  private static int stripeOf(Key k) {
    return (int) (k.hash >>> 56);
  }

  @Override
  public Result apply(List<Request> requests) {
    if (!recovered) {
      throw new IllegalStateException("the state log holds entries to replay: recover first");
    }
    int n = requests.size();
    Key[] keys = new Key[n];
    int[] order = new int[n];
    long counted = Long.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      Request r = requests.get(i);
      keys[i] = new Key(r.key());
      order[i] = stripeOf(keys[i]);
      if (r.event().counted()) {
        counted = Math.max(counted, r.event().time());
      }
    }
    byte[] entry = LogEntries.encode(requests);
    int[] locks = distinctSorted(order);
    Outcome[] outcomes = new Outcome[n];
    for (int s : locks) {
      stripes[s].lock.lock();
    }
    Slot[] slots = new Slot[n];
    try {
      // every record is read before the event is logged: one that cannot be read fails the event
      // with nothing logged or changed
      for (int i = 0; i < n; i++) {
        slots[i] = load(stripes[order[i]], keys[i]);
        slots[i].pinned = true;
      }
      long now;
      long seq;
      logLock.lock();
      try {
        now = streamTime;
        seq = log.append(entry, entry.length);
        if (counted > now) {
          streamTime = counted;
        }
      } catch (StateException e) {
        saveFailures.increment();
        throw e;
      } finally {
        logLock.unlock();
      }
      for (int i = 0; i < n; i++) {
        Request r = requests.get(i);
        outcomes[i] = applyTo(r.key(), slots[i], r.spec(), r.event(), r.out(), r.matched(), now, seq, false);
      }
    } finally {
      for (Slot slot : slots) {
        if (slot != null) {
          slot.pinned = false;
        }
      }
      for (int s : locks) {
        stripes[s].lock.unlock();
      }
    }
    for (Outcome o : outcomes) {
      (switch (o) {
        case APPLIED -> applied;
        case DUPLICATE -> duplicates;
        case LATE -> late;
        case NOT_COUNTED -> notCounted;
      }).increment();
    }
    return new Result(List.of(outcomes));
  }

  /** One record's part of an event, under the record's lock; {@code now} is the stream time before the event. */
  private Outcome applyTo(byte[] key, Slot slot, DimensionSpec spec, EventInput event, double[] out, String[][] matched, long now,
      long seq, boolean replaying) {
    Arrays.fill(matched, NOTHING);
    // a timer's tick may come after the stream has moved past the record's retention: it records a
    // match the record's own events made
    if (now != Long.MIN_VALUE && event.time() < now - spec.retentionMillis() && !PatternFeature.isTick(spec, event)) {
      Arrays.fill(out, 0, spec.outputs(), Double.NaN);
      return Outcome.LATE;
    }
    if (replaying && slot.state.logSeq >= seq) {
      // replaying an entry the stored record already holds
      Arrays.fill(out, 0, spec.outputs(), Double.NaN);
      return Outcome.DUPLICATE;
    }
    Outcome o = slot.state.apply(spec, event, out, matched);
    if (o == Outcome.APPLIED) {
      slot.state.logSeq = seq;
      slot.dirty = true;
      if (slot.state.deadlineCount > 0) {
        schedule(key, slot.state);
      }
    }
    return o;
  }

  /**
   * Stores the timers of a record's deadlines, without the store's log: a timer lost in a crash
   * is set again when the state log replays the event that set it (the record, written no more
   * durably, replays it too).
   */
  private void schedule(byte[] key, KeyState state) {
    List<StateStore.Write> puts = new ArrayList<>(state.deadlineCount);
    for (int i = 0; i < state.deadlineCount; i++) {
      long at = Math.floorDiv(state.deadlines[i] + timerGranularity - 1, timerGranularity) * timerGranularity;
      // the events of a busy key mostly set the timer its previous event set
      if (at != state.lastTimer) {
        puts.add(StateStore.Write.put(timerKey(at, key), EMPTY));
        state.lastTimer = at;
      }
    }
    if (puts.isEmpty()) {
      return;
    }
    try {
      store.writeUnlogged(puts);
    } catch (RuntimeException e) {
      state.lastTimer = Long.MIN_VALUE; // not written: the next event writes it
      // the event stays applied; its match can still fire at the key's next event
      saveFailures.increment();
    }
  }

  private static final byte[] EMPTY = new byte[0];

  static byte[] timerKey(long time, byte[] recordKey) {
    return ByteBuffer.allocate(16 + recordKey.length).put(TIMER_PREFIX).putLong(time ^ Long.MIN_VALUE).put(recordKey).array();
  }

  @Override
  public long fireTimers(long upTo, Function<Long, Optional<DimensionSpec>> specs,
      java.util.function.Consumer<List<Timeout>> emit) {
    if (!recovered || upTo == Long.MIN_VALUE) {
      return 0;
    }
    // a lock of their own: a hand-out waiting on a broker must not hold back checkpoints
    timerLock.lock();
    try {
      return fireDue(upTo, specs, emit);
    } finally {
      timerLock.unlock();
    }
  }

  private final ReentrantLock timerLock = new ReentrantLock();

  private long fireDue(long upTo, Function<Long, Optional<DimensionSpec>> specs, java.util.function.Consumer<List<Timeout>> emit) {
    byte[] from = ByteBuffer.allocate(16).put(TIMER_PREFIX).putLong(Long.MIN_VALUE ^ Long.MIN_VALUE).array();
    byte[] to = upTo == Long.MAX_VALUE ? ByteBuffer.allocate(8).put(TIMER_PREFIX, 0, 7).put((byte) 5).array()
        : ByteBuffer.allocate(16).put(TIMER_PREFIX).putLong((upTo ^ Long.MIN_VALUE) + 1).array();
    // one pass over the due timers, in time order, grouped by key (at most TIMER_SCAN a call: the
    // rest are due at the next)
    java.util.LinkedHashMap<ByteBuffer, java.util.ArrayDeque<byte[]>> byKey = new java.util.LinkedHashMap<>();
    int[] scanned = {0};
    store.scan(from, to, (k, v) -> {
      if (scanned[0]++ < TIMER_SCAN) {
        byKey.computeIfAbsent(ByteBuffer.wrap(k, 16, k.length - 16), x -> new java.util.ArrayDeque<>()).add(k);
      }
    });
    long fired = 0;
    while (!byKey.isEmpty()) {
      // in rounds of the earliest timer of each key: a key's later timer must see what its earlier one fired
      List<byte[]> round = new ArrayList<>();
      var it = byKey.values().iterator();
      while (it.hasNext() && round.size() < TIMER_BATCH) {
        java.util.ArrayDeque<byte[]> timers = it.next();
        round.add(timers.poll());
        if (timers.isEmpty()) {
          it.remove();
        }
      }
      fired += fireBatch(round, specs, emit);
    }
    return fired;
  }

  private static final int TIMER_BATCH = 1000;
  private static final int TIMER_SCAN = 100_000;

  /**
   * Looks at each timer's record (which then keeps what it found from its own events until a tick
   * records it, and stays in memory), emits what fires, then records it and deletes the timers; if
   * anything fails, the timers stay and hand out what their records keep at the next call.
   */
  private long fireBatch(List<byte[]> timers, Function<Long, Optional<DimensionSpec>> specs,
      java.util.function.Consumer<List<Timeout>> emit) {
    List<Timeout> out = new ArrayList<>();
    List<Request> ticks = new ArrayList<>();
    for (byte[] timer : timers) {
      long time = ByteBuffer.wrap(timer, 8, 8).getLong() ^ Long.MIN_VALUE;
      byte[] key = Arrays.copyOfRange(timer, 16, timer.length);
      if (key.length < 9) {
        continue;
      }
      Optional<DimensionSpec> spec = specs.apply(StateTable.dimensionOf(key));
      Key k = new Key(key);
      Stripe stripe = stripes[stripeOf(k)];
      if (spec.isEmpty() || spec.get().patterns().isEmpty()) {
        // its patterns are gone: so is what a record kept for them
        stripe.lock.lock();
        try {
          Slot slot = stripe.cache.get(k);
          if (slot != null) {
            slot.state.release();
          }
        } finally {
          stripe.lock.unlock();
        }
        continue;
      }
      DimensionSpec d = spec.get();
      double[] values = new double[d.patterns().size()];
      String[][] matched = new String[d.patterns().size()][];
      stripe.lock.lock();
      try {
        Slot slot = load(stripe, k);
        slot.state.lastTimer = Long.MIN_VALUE; // the timer goes: an event setting it again must write it
        if (slot.state.timeouts(d, time, values, matched)) {
          for (int p = 0; p < values.length; p++) {
            if (values[p] == 1) {
              out.add(new Timeout(key, d, p, time, List.of(matched[p])));
            }
          }
          ticks.add(new Request(d, key, PatternFeature.tick(d, time), new double[d.outputs()]));
        }
      } catch (StateFormatException e) {
        saveFailures.increment();
      } finally {
        stripe.lock.unlock();
      }
    }
    if (!out.isEmpty()) {
      emit.accept(out);
    }
    for (Request tick : ticks) {
      apply(List.of(tick));
    }
    List<StateStore.Write> deletes = new ArrayList<>(timers.size());
    for (byte[] timer : timers) {
      deletes.add(StateStore.Write.delete(timer));
    }
    store.writeUnlogged(deletes);
    return out.size();
  }

  private Slot load(Stripe stripe, Key key) {
    Slot slot = stripe.cache.get(key);
    if (slot != null) {
      hits.increment();
      return slot;
    }
    misses.increment();
    Optional<byte[]> stored = store.get(key.bytes);
    slot = new Slot(stored.isEmpty() ? KeyState.empty()
        : KeyStateCodec.decode(stored.get(), id -> store.get(pageKey(key.bytes, id)).orElse(null)));
    stripe.cache.put(key, slot);
    if (stripe.cache.size() > stripe.capacity) {
      evict(stripe, key);
    }
    return slot;
  }

  /** Drops the least recently used record of a full stripe, but {@code keep}; a changed one is written first. */
  private void evict(Stripe stripe, Key keep) {
    var it = stripe.cache.entrySet().iterator();
    while (it.hasNext() && stripe.cache.size() > stripe.capacity) {
      Map.Entry<Key, Slot> e = it.next();
      if (e.getKey() == keep || e.getValue().inFlight || e.getValue().pinned || e.getValue().state.reserved()) {
        continue;
      }
      Slot slot = e.getValue();
      if (slot.dirty) {
        try {
          // no write-ahead log needed: the state log keeps the record's events until a checkpoint persists the store
          store.writeUnlogged(writes(e.getKey().bytes, KeyStateCodec.snapshot(slot.state)));
          evictedWrites.increment();
        } catch (RuntimeException failure) {
          // the store is failing: keep the record in memory, the log still holds its events
          saveFailures.increment();
          return;
        }
      }
      it.remove();
    }
  }

  @Override
  public long recover(Function<Long, Optional<DimensionSpec>> specs) {
    if (recovered) {
      return 0; // without waiting for a checkpoint under way
    }
    synchronized (this) {
      return replay(specs);
    }
  }

  private long replay(Function<Long, Optional<DimensionSpec>> specs) {
    if (recovered) {
      return 0;
    }
    long[] entries = {0};
    log.replay(checkpointSeq, (seq, bytes, offset, length) -> {
      LogEntries.Entry entry = LogEntries.decode(bytes, offset, length);
      long now = streamTime;
      long counted = entry.countedTime();
      if (counted > now) {
        streamTime = counted;
      }
      for (int i = 0; i < entry.size(); i++) {
        byte[] key = entry.key(i);
        Optional<DimensionSpec> spec = specs.apply(StateTable.dimensionOf(key));
        if (spec.isEmpty()) {
          continue;
        }
        Key k = new Key(key);
        Stripe stripe = stripes[stripeOf(k)];
        stripe.lock.lock();
        try {
          double[] scratch = new double[spec.get().outputs()];
          applyTo(key, load(stripe, k), spec.get(), entry.event(i, spec.get().columnIds()), scratch,
              new String[spec.get().patterns().size()][], now, seq, true);
        } catch (StateFormatException e) {
          saveFailures.increment();
        } finally {
          stripe.lock.unlock();
        }
      }
      entries[0]++;
    });
    recovered = true;
    replayed.add(entries[0]);
    return entries[0];
  }

  @Override
  public synchronized long checkpoint(java.time.Duration spread) {
    if (!recovered) {
      return 0;
    }
    long pauseNanos = spread.toNanos() / STRIPES;
    long seq;
    long time;
    logLock.lock();
    try {
      seq = log.next();
      time = streamTime;
    } finally {
      logLock.unlock();
    }
    long written = 0;
    for (Stripe stripe : stripes) {
      List<Key> keys = new ArrayList<>();
      List<KeyStateCodec.Snapshot> copies = new ArrayList<>();
      List<Slot> slots = new ArrayList<>();
      List<Long> versions = new ArrayList<>();
      stripe.lock.lock();
      try {
        // copied under the lock, encoded after it; a big record's oldest events go to pages written
        // once, so its copy holds only what changed
        for (Map.Entry<Key, Slot> e : stripe.cache.entrySet()) {
          Slot slot = e.getValue();
          if (slot.dirty) {
            if (slot.state.appliedLateness >= 0) {
              slot.state.seal(slot.state.appliedLateness, pageEvents);
            }
            keys.add(e.getKey());
            copies.add(KeyStateCodec.snapshot(slot.state));
            slots.add(slot);
            versions.add(slot.state.logSeq);
            slot.inFlight = true;
          }
        }
      } finally {
        stripe.lock.unlock();
      }
      if (keys.isEmpty()) {
        continue;
      }
      // one record's writes stay in one batch; batches of about CHECKPOINT_BATCH_BYTES
      boolean done = false;
      try {
        List<StateStore.Write> batch = new ArrayList<>();
        long size = 0;
        for (int i = 0; i < keys.size(); i++) {
          List<StateStore.Write> w = writes(keys.get(i).bytes, copies.get(i));
          batch.addAll(w);
          for (StateStore.Write x : w) {
            size += x.key().length + x.value().map(v -> v.length).orElse(0);
          }
          if (size >= CHECKPOINT_BATCH_BYTES || i == keys.size() - 1) {
            try {
              store.writeUnlogged(batch);
            } catch (RuntimeException e) {
              saveFailures.increment();
              throw e instanceof StateException se ? se : new StateException("checkpoint failed: " + e.getMessage(), e);
            }
            batch = new ArrayList<>();
            size = 0;
          }
        }
        done = true;
      } finally {
        stripe.lock.lock();
        try {
          for (int i = 0; i < slots.size(); i++) {
            Slot slot = slots.get(i);
            slot.inFlight = false;
            if (!done) {
              continue;
            }
            KeyState st = slot.state;
            KeyStateCodec.Snapshot copy = copies.get(i);
            for (KeyStateCodec.PageCopy p : copy.newPages()) {
              boolean held = false;
              for (KeyState.Page page : st.pages) {
                if (page.id == p.id()) {
                  page.stored = true;
                  held = true;
                }
              }
              if (!held) {
                // written, but the record stopped listing it meanwhile: delete it with the record's next write
                st.deadPages.add(p.id());
                slot.dirty = true;
              }
            }
            st.deadPages.removeAll(copy.deadPages);
            if (st.logSeq == versions.get(i) && st.deadPages.isEmpty()) {
              slot.dirty = false;
            }
          }
        } finally {
          stripe.lock.unlock();
        }
      }
      written += keys.size();
      if (pauseNanos > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
      }
    }
    try {
      // the records written (and those evicted) went without the store's own log: make them durable first
      store.persist();
      store.write(List.of(StateStore.Write.put(CHECKPOINT_KEY, ByteBuffer.allocate(16).putLong(seq).putLong(time).array())));
    } catch (RuntimeException e) {
      saveFailures.increment();
      throw e instanceof StateException se ? se : new StateException("checkpoint failed: " + e.getMessage(), e);
    }
    checkpointSeq = seq;
    log.truncate(seq);
    checkpoints.increment();
    checkpointed.add(written);
    return written;
  }

  /** The key of a page of a record. */
  static byte[] pageKey(byte[] recordKey, long id) {
    return ByteBuffer.allocate(8 + recordKey.length + 8).put(PAGE_PREFIX).put(recordKey).putLong(id).array();
  }

  /** The writes that store a record from its copy, in one batch: its new pages, itself, and its dropped pages. */
  private static List<StateStore.Write> writes(byte[] key, KeyStateCodec.Snapshot copy) {
    List<KeyStateCodec.PageCopy> fresh = copy.newPages();
    List<StateStore.Write> out = new ArrayList<>(1 + fresh.size() + copy.deadPages.size());
    for (KeyStateCodec.PageCopy p : fresh) {
      out.add(StateStore.Write.put(pageKey(key, p.id()), KeyStateCodec.encodePage(copy, p)));
    }
    out.add(StateStore.Write.put(key, KeyStateCodec.encode(copy)));
    for (long dead : copy.deadPages) {
      out.add(StateStore.Write.delete(pageKey(key, dead)));
    }
    return out;
  }

  /** The distinct stripes, ascending: locks are always taken in this order. */
  private static int[] distinctSorted(int[] stripes) {
    int[] out = stripes.clone();
    Arrays.sort(out);
    int n = 0;
    for (int i = 0; i < out.length; i++) {
      if (i == 0 || out[i] != out[i - 1]) {
        out[n++] = out[i];
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  @Override
  public long streamTime() {
    return streamTime;
  }

  @Override
  public long expire(Function<Long, Optional<java.time.Duration>> retentionByDimension, java.time.Duration orphanRetention) {
    long now = streamTime;
    if (now == Long.MIN_VALUE) {
      return 0;
    }
    long[] deleted = {0};
    store.scan((key, value) -> {
      if (key.length < 9 || StateTable.dimensionOf(key) == StateTable.dimensionOf(PAGE_PREFIX)
          || StateTable.dimensionOf(key) == StateTable.dimensionOf(TIMER_PREFIX)) {
        return; // the table's own keys, pages, which go with their records, and timers, deleted as they fire
      }
      long retention = retentionByDimension.apply(StateTable.dimensionOf(key)).orElse(orphanRetention).toMillis();
      if (!idle(value, now, retention)) {
        return;
      }
      // check again under the record's lock, against the copy in memory if any, so an event applied meanwhile wins
      Key k = new Key(key);
      Stripe s = stripes[stripeOf(k)];
      s.lock.lock();
      try {
        Slot slot = s.cache.get(k);
        if (slot != null && (slot.inFlight || slot.state.reserved())) {
          return; // a checkpoint is writing it, or a timer handing out a match: the next expiry sees it
        }
        boolean idle = slot != null
            ? slot.state.newestTime() < now - 2 * retention
            : store.get(key).map(v -> idle(v, now, retention)).orElse(false);
        if (idle) {
          byte[] pages = pageKey(key, 0);
          byte[] pagesEnd = ByteBuffer.allocate(pages.length).put(pages, 0, pages.length - 8).putLong(-1L).array();
          store.write(List.of(StateStore.Write.delete(key), StateStore.Write.deleteRange(pages, pagesEnd),
              StateStore.Write.delete(pagesEnd)));
          s.cache.remove(k);
          deleted[0]++;
        }
      } finally {
        s.lock.unlock();
      }
    });
    expired.add(deleted[0]);
    return deleted[0];
  }

  private static boolean idle(byte[] value, long now, long retention) {
    try {
      return KeyStateCodec.newestTime(value) < now - 2 * retention;
    } catch (StateFormatException e) {
      return false;
    }
  }

  @Override
  public Counters counters() {
    return new Counters(
        applied.sum(), duplicates.sum(), late.sum(), notCounted.sum(), saveFailures.sum(), hits.sum(), misses.sum(), expired.sum(),
        checkpoints.sum(), checkpointed.sum(), evictedWrites.sum(), replayed.sum());
  }

  @Override
  public StateStore store() {
    return store;
  }

  @Override
  public void close() {
    try {
      checkpoint();
    } catch (RuntimeException e) {
      // the log keeps what the store did not get
    }
    log.close();
    store.close();
  }
}
