package io.riskgate.lang.rt;

import io.riskgate.lang.Env;
import io.riskgate.lang.TagView;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The run-time helpers that compiled rules call. Every helper is total: a missing value (NaN or
 * null) or an invalid operation (division by zero, log of a negative number) gives a missing
 * value or {@code false}, never an exception.
 *
 * <p>This class is public only so that generated code can reach it; it is not an API.
 */
public final class Rt {
  private static final long DAY_MS = 86_400_000L;
  /** Timestamps beyond about 300,000 years from 1970 have no hour or day: missing. */
  private static final double MAX_TIME = 1e16;

  private Rt() {}

  // ---------------------------------------------------------------- comparisons

  /** {@code a != b} where either missing gives false. */
  public static boolean ne(double a, double b) {
    return a == a && b == b && a != b;
  }

  public static boolean eq(String a, String b) {
    return a != null && b != null && a.equals(b);
  }

  public static boolean ne(String a, String b) {
    return a != null && b != null && !a.equals(b);
  }

  /** Compares two strings: negative, zero or positive; only called when both are present. */
  public static int cmp(String a, String b) {
    return a.compareTo(b);
  }

  public static boolean lt(String a, String b) {
    return a != null && b != null && a.compareTo(b) < 0;
  }

  public static boolean le(String a, String b) {
    return a != null && b != null && a.compareTo(b) <= 0;
  }

  public static boolean gt(String a, String b) {
    return a != null && b != null && a.compareTo(b) > 0;
  }

  public static boolean ge(String a, String b) {
    return a != null && b != null && a.compareTo(b) >= 0;
  }

  public static boolean between(String v, String lo, String hi) {
    return v != null && lo != null && hi != null && v.compareTo(lo) >= 0 && v.compareTo(hi) <= 0;
  }

  // ---------------------------------------------------------------- arithmetic

  public static double div(double a, double b) {
    return b == 0.0 ? Double.NaN : a / b;
  }

  public static double mod(double a, double b) {
    return b == 0.0 ? Double.NaN : a % b;
  }

  public static String concat(String a, String b) {
    return a == null || b == null ? null : a.concat(b);
  }

  public static double coalesce(double a, double b) {
    return a == a ? a : b;
  }

  public static String coalesce(String a, String b) {
    return a != null ? a : b;
  }

  // ---------------------------------------------------------------- math

  public static double ln(double x) {
    return x > 0 ? Math.log(x) : Double.NaN;
  }

  public static double log10(double x) {
    return x > 0 ? Math.log10(x) : Double.NaN;
  }

  public static double sqrt(double x) {
    return x >= 0 ? Math.sqrt(x) : Double.NaN;
  }

  public static double pow(double a, double b) {
    if (a != a || b != b) {
      return Double.NaN; // Math.pow(NaN, 0) is 1, but a missing operand gives a missing value
    }
    double r = Math.pow(a, b);
    return Double.isInfinite(r) ? Double.NaN : r;
  }

  /** Rounds half away from zero. */
  public static double round(double x) {
    if (x != x || Double.isInfinite(x)) {
      return x;
    }
    double a = Math.abs(x);
    if (a >= 0x1p52) {
      return x; // no fraction; adding 0.5 would round to an even neighbour
    }
    // a - floor(a) is exact, whereas a + 0.5 rounds up 0.49999999999999994 to 1
    double f = Math.floor(a);
    return Math.copySign(a - f >= 0.5 ? f + 1 : f, x);
  }

  /** Rounds to a number of decimal digits, half away from zero, as the decimal value is written. */
  public static double round(double x, int digits) {
    if (x != x || Double.isInfinite(x)) {
      return x;
    }
    return BigDecimal.valueOf(x).setScale(digits, RoundingMode.HALF_UP).doubleValue();
  }

  // ---------------------------------------------------------------- strings

  public static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  public static String upper(String s) {
    return s == null ? null : s.toUpperCase(Locale.ROOT);
  }

  public static double length(String s) {
    return s == null ? Double.NaN : s.codePointCount(0, s.length());
  }

  public static boolean startsWith(String s, String p) {
    return s != null && p != null && s.startsWith(p);
  }

  public static boolean endsWith(String s, String p) {
    return s != null && p != null && s.endsWith(p);
  }

  public static boolean contains(String s, String p) {
    return s != null && p != null && s.contains(p);
  }

  /** Whether the pattern is found in the string (linear time, RE2 semantics). */
  public static boolean find(com.google.re2j.Pattern p, String s) {
    return s != null && p.matcher(s).find();
  }

  // ---------------------------------------------------------------- lists

  public static boolean in(Set<String> set, String s) {
    return s != null && set.contains(s);
  }

  /** The bits of the literal lists a value belongs to, from an index built at compile time. */
  public static long[] memberships(Map<String, long[]> index, String s, long[] none) {
    if (s == null) {
      return none;
    }
    long[] bits = index.get(s);
    return bits == null ? none : bits;
  }

  public static boolean notIn(Set<String> set, String s) {
    return s != null && !set.contains(s);
  }

  public static boolean notIn(double[] sorted, double x) {
    return x == x && !in(sorted, x);
  }

  public static boolean between(double v, double lo, double hi) {
    return v >= lo && v <= hi;
  }

  public static boolean notBetween(double v, double lo, double hi) {
    return v == v && lo == lo && hi == hi && !(v >= lo && v <= hi);
  }

  public static boolean notBetween(String v, String lo, String hi) {
    return v != null && lo != null && hi != null && !between(v, lo, hi);
  }

  /** Membership in a sorted array of distinct numbers. */
  public static boolean in(double[] sorted, double x) {
    if (x != x) {
      return false;
    }
    if (sorted.length <= 8) {
      for (double d : sorted) {
        if (d == x) {
          return true;
        }
      }
      return false;
    }
    return Arrays.binarySearch(sorted, x == 0.0 ? 0.0 : x) >= 0;
  }

  // ---------------------------------------------------------------- time

  /** The hour of day (0-23) of an epoch-millisecond timestamp in a zone. */
  public static double hour(double ts, ZoneId zone) {
    if (ts != ts || Math.abs(ts) > MAX_TIME) {
      return Double.NaN;
    }
    long local = localMillis((long) Math.floor(ts), zone);
    return Math.floorDiv(Math.floorMod(local, DAY_MS), 3_600_000L);
  }

  /** The ISO day of week (1 = Monday ... 7 = Sunday) of a timestamp in a zone. */
  public static double dayOfWeek(double ts, ZoneId zone) {
    if (ts != ts || Math.abs(ts) > MAX_TIME) {
      return Double.NaN;
    }
    long days = Math.floorDiv(localMillis((long) Math.floor(ts), zone), DAY_MS);
    // 1970-01-01 was a Thursday (4)
    return Math.floorMod(days + 3, 7) + 1;
  }

  private static long localMillis(long epochMillis, ZoneId zone) {
    ZoneRules rules = zone.getRules();
    ZoneOffset off = rules.isFixedOffset()
        ? rules.getOffset(Instant.EPOCH)
        : rules.getOffset(Instant.ofEpochMilli(epochMillis));
    return epochMillis + off.getTotalSeconds() * 1000L;
  }

  // ---------------------------------------------------------------- tags and features

  /** Looks up tags; a missing key or a failing source gives an empty view. */
  public static TagView tag(Env env, String entity, String key) {
    if (key == null) {
      return TagView.empty();
    }
    try {
      TagView v = env.tag(entity, key);
      return v == null ? TagView.empty() : v;
    } catch (RuntimeException e) {
      return TagView.empty();
    }
  }

  public static boolean inList(Env env, String list, String value) {
    if (value == null) {
      return false;
    }
    try {
      return env.listContains(list, value);
    } catch (RuntimeException e) {
      return false;
    }
  }

  public static boolean notInList(Env env, String list, String value) {
    if (value == null) {
      return false;
    }
    try {
      return !env.listContains(list, value);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The ids of the events of a pattern's match that fired, joined with ", "; null (missing) when none fired. */
  public static String matchedEvents(Env env, int index) {
    try {
      java.util.List<String> ids = env.matchedEvents(index);
      return ids.isEmpty() ? null : String.join(", ", ids);
    } catch (RuntimeException e) {
      return null;
    }
  }

  public static double feature(Env env, int index) {
    try {
      return env.feature(index);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  public static boolean tagHas(TagView view, String attr) {
    return view.has(attr);
  }

  public static boolean tagSetContains(TagView view, String attr, String member) {
    return view.setContains(attr, member);
  }

  public static boolean tagSetNotContains(TagView view, String attr, String member) {
    return member != null && view.isSet(attr) && !view.setContains(attr, member);
  }

  /** A boolean attribute as 1 or 0, the fallback when absent or of another kind. */
  public static double tagBool(TagView view, String attr, double fallback) {
    double v = view.booleanOrNaN(attr);
    return v == v ? v : fallback;
  }

  public static double tagNum(TagView view, String attr, double fallback) {
    double v = view.numberOrNaN(attr);
    return v == v ? v : fallback;
  }

  public static String tagStr(TagView view, String attr, String fallback) {
    String v = view.stringOrNull(attr);
    return v != null ? v : fallback;
  }

  // ---------------------------------------------------------------- rendering

  /** A number as a reason shows it: integers without a fraction, others in shortest form. */
  public static String fmt(double v) {
    if (v != v) {
      return "missing";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "infinity" : "-infinity";
    }
    // the shortest decimal that reads back as the same double, without an exponent
    return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

  public static String fmt(String s) {
    return s == null ? "missing" : s;
  }

  public static String fmtBool(double v) {
    return v != v ? "missing" : v != 0 ? "true" : "false";
  }

  public static String fmtBool(boolean v) {
    return v ? "true" : "false";
  }

  public static String fmtTs(double v) {
    return v != v ? "missing" : Instant.ofEpochMilli((long) v).toString();
  }

  public static String fmtDur(double v) {
    if (v != v) {
      return "missing";
    }
    long ms = (long) v;
    if (ms % 3_600_000L == 0 && ms != 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms % 60_000L == 0 && ms != 0) {
      return ms / 60_000L + "m";
    }
    if (ms % 1000L == 0) {
      return ms / 1000L + "s";
    }
    return ms + "ms";
  }

  // ---------------------------------------------------------------- explanations

  /** The value of a number for an explanation: a Long when integral, else a Double; null if missing. */
  public static Object box(double v, boolean integral) {
    if (v != v) {
      return null;
    }
    if (integral && v == Math.rint(v) && Math.abs(v) < 9.007199254740992E15) {
      return (long) v;
    }
    return v;
  }

  public static Object boxBool(double v) {
    return v != v ? null : Boolean.valueOf(v != 0);
  }

  public static Object boxTs(double v) {
    return v != v ? null : Instant.ofEpochMilli((long) v).toString();
  }

  /** Builds an explanation map; missing values appear as null. */
  public static Map<String, Object> map(String[] names, Object[] values) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], values[i]);
    }
    return m;
  }
}
