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
 * The state records of every key of every dimension, over a {@link StateStore}: applies each event
 * to its records under the records' locks, writes the changed records in one atomic batch before
 * answering, and keeps recently used records decoded in memory.
 *
 * <p>Two lateness rules protect exactness, both documented for users: an event older than its
 * key's newest event by more than the allowed lateness is late for that key ({@link KeyState}); and
 * an event older than the stream time (the newest event time applied anywhere) by more than its
 * dimension's {@linkplain DimensionSpec#retention() retention} is late everywhere, which is what
 * lets records of idle keys be deleted once the stream time has moved two retentions past them.
 *
 * <p>Implementations are thread-safe.
 */
public interface StateTable extends AutoCloseable {

  /**
   * Applies one event to the records it touches, one request per record, and fills each request's
   * output with the values of its dimension's features.
   *
   * @return one outcome per request, in order
   */
  Result apply(List<Request> requests);

  /**
   * This state's secret hash key, two longs: made at random when the store is new and kept in it,
   * for hashing what outsiders choose (event ids, feature values) so that collisions cannot be
   * crafted. The array is shared: do not change it.
   */
  long[] hashKey();

  /** The newest event time applied so far, {@link Long#MIN_VALUE} before any. */
  long streamTime();

  /**
   * Deletes the records no accepted event can see any more.
   *
   * @param retentionByDimension the retention of each live dimension, by the 8-byte key prefix
   *     of its records; records of other dimensions are kept for {@code orphanRetention}
   * @return how many records were deleted
   */
  long expire(Function<Long, Optional<java.time.Duration>> retentionByDimension, java.time.Duration orphanRetention);

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
   * @param out receives the values of the dimension's features, in order
   */
  record Request(DimensionSpec spec, byte[] key, EventInput event, double[] out) {
    public Request {
      Objects.requireNonNull(spec);
      Objects.requireNonNull(key);
      Objects.requireNonNull(event);
      if (key.length < 8 || out.length < spec.features().size()) {
        throw new IllegalArgumentException("a record key starts with 8 bytes of dimension; out holds every feature");
      }
    }
  }

  /**
   * What happened to an event.
   *
   * @param outcomes per request
   * @param saved false when the store refused the batch: the values were computed, but the event
   *     is not part of the state (and a retry would apply it)
   */
  record Result(List<Outcome> outcomes, boolean saved) {}

  /** Running totals for metrics. */
  record Counters(long applied, long duplicates, long late, long notCounted, long saveFailures, long cacheHits, long cacheMisses, long expired) {}

  /** The dimension part of a record key. */
  static long dimensionOf(byte[] key) {
    return ByteBuffer.wrap(key, 0, 8).getLong();
  }

  /** Builds a record key from a dimension id and the key's bytes. */
  static byte[] key(long dimension, byte[] keyBytes) {
    return ByteBuffer.allocate(8 + keyBytes.length).putLong(dimension).put(keyBytes).array();
  }

  /**
   * A table over a store.
   *
   * @param cachedRecords how many decoded records to keep in memory
   */
  static StateTable create(StateStore store, int cachedRecords) {
    return new DefaultStateTable(store, cachedRecords);
  }
}

final class DefaultStateTable implements StateTable {
  /** The key under which the stream time is kept; record keys are 9 bytes or more. */
  static final byte[] STREAM_TIME_KEY = {0, 0, 0, 0, 0, 0, 0, 0};
  /** The key under which the secret hash key is kept. */
  static final byte[] HASH_KEY = {0, 0, 0, 0, 0, 0, 0, 1};
  private static final int STRIPES = 256;

  private final StateStore store;
  private final Stripe[] stripes = new Stripe[STRIPES];
  private final AtomicLong streamTime = new AtomicLong(Long.MIN_VALUE);
  private final long[] hashKey;
  private final LongAdder applied = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder late = new LongAdder();
  private final LongAdder notCounted = new LongAdder();
  private final LongAdder saveFailures = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder expired = new LongAdder();

  DefaultStateTable(StateStore store, int cachedRecords) {
    this.store = store;
    int perStripe = Math.max(1, cachedRecords / STRIPES);
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe(perStripe);
    }
    store.get(STREAM_TIME_KEY).ifPresent(b -> {
      if (b.length == 8) {
        streamTime.set(ByteBuffer.wrap(b).getLong());
      }
    });
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
    final LinkedHashMap<Key, Slot> cache;

    Stripe(int capacity) {
      this.cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Slot> eldest) {
          return size() > capacity;
        }
      };
    }
  }

  /** A decoded record, and how many events were appended to its stored copy since it was written whole. */
  private static final class Slot {
    final KeyState state;
    int appended;

    Slot(KeyState state, int appended) {
      this.state = state;
      this.appended = appended;
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

    byte[] bytes() {
      return bytes;
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
    int n = requests.size();
    Key[] keys = new Key[n];
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      keys[i] = new Key(requests.get(i).key());
      order[i] = stripeOf(keys[i]);
    }
    int[] locks = distinctSorted(order);
    Outcome[] outcomes = new Outcome[n];
    boolean saved = true;
    for (int s : locks) {
      stripes[s].lock.lock();
    }
    try {
      long now = streamTime.get();
      List<StateStore.Write> batch = new ArrayList<>(n + 1);
      long newest = Long.MIN_VALUE;
      for (int i = 0; i < n; i++) {
        Request r = requests.get(i);
        long retention = r.spec().retentionMillis();
        if (now != Long.MIN_VALUE && r.event().time() < now - retention) {
          Arrays.fill(r.out(), 0, r.spec().features().size(), Double.NaN);
          outcomes[i] = Outcome.LATE;
          continue;
        }
        Slot slot = load(stripes[order[i]], keys[i], r.spec());
        KeyState st = slot.state;
        outcomes[i] = st.apply(r.spec(), r.event(), r.out());
        if (outcomes[i] == Outcome.APPLIED) {
          save(r.key(), slot, r.event(), batch);
          newest = Math.max(newest, r.event().time());
        }
      }
      if (!batch.isEmpty()) {
        long advanced = streamTime.accumulateAndGet(newest, Math::max);
        batch.add(StateStore.Write.put(STREAM_TIME_KEY, ByteBuffer.allocate(8).putLong(advanced).array()));
        try {
          store.write(batch);
        } catch (RuntimeException e) {
          saved = false;
          saveFailures.increment();
          // the records in memory are ahead of the store: forget them, the store is the truth
          for (int i = 0; i < n; i++) {
            if (outcomes[i] == Outcome.APPLIED) {
              stripes[order[i]].cache.remove(keys[i]);
            }
          }
        }
      }
    } finally {
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
    return new Result(List.of(outcomes), saved);
  }

  /**
   * Records of up to this many events are written whole after each event. Larger ones get the
   * event appended to their stored value instead (a few dozen bytes), and are written whole again
   * once a quarter of the record has been appended, so that writing costs a constant per event
   * whatever the key's traffic; reading one replays its appended events with the same update.
   */
  static final int WRITE_WHOLE_UP_TO = 8;

  private static void save(byte[] key, Slot slot, EventInput event, List<StateStore.Write> batch) {
    KeyState st = slot.state;
    if (st.size() > WRITE_WHOLE_UP_TO && slot.appended < Math.max(WRITE_WHOLE_UP_TO, st.size() / 4)) {
      batch.add(StateStore.Write.append(key, EventLog.encode(event, st.columnIds)));
      slot.appended++;
      return;
    }
    batch.add(StateStore.Write.put(key, KeyStateCodec.encode(st)));
    slot.appended = 0;
  }

  private Slot load(Stripe stripe, Key key, DimensionSpec spec) {
    Slot slot = stripe.cache.get(key);
    if (slot != null) {
      hits.increment();
      return slot;
    }
    misses.increment();
    Optional<byte[]> stored = store.get(key.bytes());
    KeyState st;
    int appended = 0;
    if (stored.isEmpty()) {
      st = KeyState.empty();
    } else {
      byte[] bytes = stored.get();
      int[] end = new int[1];
      st = KeyStateCodec.decodePrefix(bytes, end);
      if (end[0] < bytes.length) {
        double[] scratch = new double[spec.features().size()];
        st.conform(spec);
        int[] next = new int[1];
        for (int at = end[0]; at < bytes.length; at = next[0]) {
          st.apply(spec, EventLog.decodeAt(bytes, at, st.columnIds, next), scratch);
          appended++;
        }
      }
    }
    slot = new Slot(st, appended);
    stripe.cache.put(key, slot);
    return slot;
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
    return streamTime.get();
  }

  @Override
  public long expire(Function<Long, Optional<java.time.Duration>> retentionByDimension, java.time.Duration orphanRetention) {
    long now = streamTime.get();
    if (now == Long.MIN_VALUE) {
      return 0;
    }
    long[] deleted = {0};
    store.scan((key, value) -> {
      if (key.length < 9) {
        return;
      }
      long retention = retentionByDimension.apply(StateTable.dimensionOf(key)).orElse(orphanRetention).toMillis();
      if (!idle(value, now, retention)) {
        return;
      }
      // check again under the record's lock, against the store, so an event applied meanwhile wins
      Key k = new Key(key);
      Stripe s = stripes[stripeOf(k)];
      s.lock.lock();
      try {
        Optional<byte[]> current = store.get(key);
        if (current.isPresent() && idle(current.get(), now, retention)) {
          store.write(List.of(StateStore.Write.delete(key)));
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
    return new Counters(applied.sum(), duplicates.sum(), late.sum(), notCounted.sum(), saveFailures.sum(), hits.sum(), misses.sum(), expired.sum());
  }

  @Override
  public StateStore store() {
    return store;
  }

  @Override
  public void close() {
    store.close();
  }
}
