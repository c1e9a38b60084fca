package io.riskgate.state;

/**
 * The event id hashes a large record holds, for finding repeats without scanning: an
 * open-addressing multiset of longs (two events may share an id hash only by collision).
 */
final class IdSet {
  private static final long EMPTY = 0;
  private static final long REMOVED = 1;
  private long[] slots = new long[64];
  private int used;
  private int live;

  private static long encode(long id) {
    // keep 0 and 1 for the markers
    return id == EMPTY || id == REMOVED ? id + 2 : id;
  }

  private static int spread(long k) {
    long h = k * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  boolean contains(long id) {
    long k = encode(id);
    int mask = slots.length - 1;
    for (int i = spread(k) & mask; ; i = (i + 1) & mask) {
      long s = slots[i];
      if (s == k) {
        return true;
      }
      if (s == EMPTY) {
        return false;
      }
    }
  }

  void add(long id) {
    if ((used + 1) * 4 >= slots.length * 3) {
      rehash(live * 2 >= slots.length / 2 ? slots.length * 2 : slots.length);
    }
    long k = encode(id);
    int mask = slots.length - 1;
    int i = spread(k) & mask;
    while (slots[i] != EMPTY && slots[i] != REMOVED) {
      i = (i + 1) & mask;
    }
    if (slots[i] == EMPTY) {
      used++;
    }
    slots[i] = k;
    live++;
  }

  void remove(long id) {
    long k = encode(id);
    int mask = slots.length - 1;
    for (int i = spread(k) & mask; ; i = (i + 1) & mask) {
      long s = slots[i];
      if (s == k) {
        slots[i] = REMOVED;
        live--;
        return;
      }
      if (s == EMPTY) {
        return;
      }
    }
  }

  private void rehash(int capacity) {
    long[] old = slots;
    slots = new long[capacity];
    used = 0;
    live = 0;
    for (long s : old) {
      if (s != EMPTY && s != REMOVED) {
        int mask = slots.length - 1;
        int i = spread(s) & mask;
        while (slots[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        slots[i] = s;
        used++;
        live++;
      }
    }
  }
}
