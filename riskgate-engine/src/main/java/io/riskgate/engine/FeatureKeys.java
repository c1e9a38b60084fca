package io.riskgate.engine;

import io.riskgate.state.StateTable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * How feature state records are keyed: a dimension id (from the names of its {@code by} fields)
 * followed by the key's values, each length-prefixed. For tools that inspect, load or delete the
 * state of keys; the engine keys its records the same way.
 */
public final class FeatureKeys {
  private FeatureKeys() {}

  /** The id of the dimension of a feature's {@code by} fields, in their declared order. */
  public static long dimensionId(List<String> by) {
    return Hashing.hash64("dimension:" + String.join(",", by));
  }

  /** The record key of one key of a dimension, e.g. {@code recordKey(dimensionId(["account_id"]), ["acct1"])}. */
  public static byte[] recordKey(long dimension, List<String> values) {
    byte[][] parts = new byte[values.size()][];
    int total = 8;
    for (int i = 0; i < parts.length; i++) {
      parts[i] = values.get(i).getBytes(StandardCharsets.UTF_8);
      total += parts[i].length + 5;
    }
    byte[] out = new byte[total];
    int pos = 0;
    for (int shift = 56; shift >= 0; shift -= 8) {
      out[pos++] = (byte) (dimension >>> shift);
    }
    for (byte[] b : parts) {
      int n = b.length;
      while ((n & ~0x7F) != 0) {
        out[pos++] = (byte) ((n & 0x7F) | 0x80);
        n >>>= 7;
      }
      out[pos++] = (byte) n;
      System.arraycopy(b, 0, out, pos, b.length);
      pos += b.length;
    }
    byte[] key = Arrays.copyOf(out, pos);
    assert StateTable.dimensionOf(key) == dimension;
    return key;
  }
}
