package io.riskgate.state;

/** Counts of 64-bit values, with the number of distinct values held: open addressing, backward-shift deletion. */
final class Multiset {
  private long[] keys = new long[16];
  private int[] counts = new int[16];
  private int distinct;

  int distinct() {
    return distinct;
  }

  int count(long v) {
    int mask = keys.length - 1;
    for (int i = spread(v) & mask; counts[i] != 0; i = (i + 1) & mask) {
      if (keys[i] == v) {
        return counts[i];
      }
    }
    return 0;
  }

  void add(long v) {
    if ((distinct + 1) * 2 > keys.length) {
      resize(keys.length * 2);
    }
    int mask = keys.length - 1;
    int i = spread(v) & mask;
    while (counts[i] != 0) {
      if (keys[i] == v) {
        counts[i]++;
        return;
      }
      i = (i + 1) & mask;
    }
    keys[i] = v;
    counts[i] = 1;
    distinct++;
  }

  void remove(long v) {
    int mask = keys.length - 1;
    int i = spread(v) & mask;
    while (counts[i] != 0) {
      if (keys[i] == v) {
        if (--counts[i] == 0) {
          distinct--;
          shiftBack(i);
        }
        return;
      }
      i = (i + 1) & mask;
    }
    throw new IllegalStateException("removing a value the multiset does not hold");
  }

  private void shiftBack(int hole) {
    int mask = keys.length - 1;
    int i = hole;
    while (true) {
      i = (i + 1) & mask;
      if (counts[i] == 0) {
        return;
      }
      int home = spread(keys[i]) & mask;
      // move the entry back if its home is not in (hole, i]
      boolean move = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
      if (move) {
        keys[hole] = keys[i];
        counts[hole] = counts[i];
        counts[i] = 0;
        hole = i;
      }
    }
  }

  private void resize(int capacity) {
    long[] oldKeys = keys;
    int[] oldCounts = counts;
    keys = new long[capacity];
    counts = new int[capacity];
    int mask = capacity - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldCounts[j] != 0) {
        int i = spread(oldKeys[j]) & mask;
        while (counts[i] != 0) {
          i = (i + 1) & mask;
        }
        keys[i] = oldKeys[j];
        counts[i] = oldCounts[j];
      }
    }
  }

  private static int spread(long v) {
    long h = v * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 29));
  }
}
