package io.riskgate.engine;

/**
 * 64-bit hashes as stored in feature state; they must never change between versions, or stored
 * state would stop matching. Names (dimensions, columns) use a fixed MurmurHash3-style mix; event
 * ids and feature values, which outsiders choose, use SipHash-2-4 under the state's own secret key,
 * so that nobody can craft two ids or two device names that collide.
 */
final class Hashing {
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;

  private Hashing() {}

  static long hash64(String s) {
    long h = 0x9368e53c2f6af274L ^ s.length();
    int i = 0;
    int n = s.length();
    for (; i + 4 <= n; i += 4) {
      long k = s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32 | (long) s.charAt(i + 3) << 48;
      h ^= mixK(k);
      h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
    }
    long k = 0;
    for (int shift = 0; i < n; i++, shift += 16) {
      k |= (long) s.charAt(i) << shift;
    }
    h ^= mixK(k);
    return mix(h ^ n);
  }

  private static long mixK(long k) {
    k *= C1;
    k = Long.rotateLeft(k, 31);
    return k * C2;
  }

  /** SipHash-2-4 of the string's UTF-16 code units (little-endian), under the key (k0, k1). */
  static long sip(long k0, long k1, String s) {
    long v0 = 0x736f6d6570736575L ^ k0;
    long v1 = 0x646f72616e646f6dL ^ k1;
    long v2 = 0x6c7967656e657261L ^ k0;
    long v3 = 0x7465646279746573L ^ k1;
    int n = s.length();
    int blocks = n / 4;
    // one step per 8-byte block, one for the last (padded, with the length), one to finalise
    for (int step = 0; step <= blocks + 1; step++) {
      long m = 0;
      int rounds = 2;
      if (step < blocks) {
        int i = step * 4;
        m = s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32 | (long) s.charAt(i + 3) << 48;
      } else if (step == blocks) {
        m = ((long) (n * 2) & 0xFF) << 56;
        for (int i = blocks * 4, shift = 0; i < n; i++, shift += 16) {
          m |= (long) s.charAt(i) << shift;
        }
      } else {
        v2 ^= 0xff;
        rounds = 4;
      }
      v3 ^= m;
      for (int r = 0; r < rounds; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

  /** The MurmurHash3 finaliser: every input bit affects every output bit. */
  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
