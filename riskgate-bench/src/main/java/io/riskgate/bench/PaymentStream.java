package io.riskgate.bench;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * A synthetic payment stream for load tests, as JSON bodies: accounts, devices, IPs and merchants
 * drawn from Zipf distributions over their key spaces, one merchant taking a fixed share of all
 * payments, a share of events out of order by up to a few minutes, and a share of repeats of
 * recent events. Event time advances at a fixed simulated rate, whatever the speed of the test.
 *
 * <p>Not thread-safe: one stream per generating thread, each with its own seed.
 */
public final class PaymentStream {
  /** The stream's shape. */
  public record Shape(
      int accounts,
      int devices,
      int ips,
      int merchants,
      double zipf,
      double hotMerchantShare,
      double disorderShare,
      long maxDisorderMillis,
      double repeatShare,
      long eventsPerSimulatedSecond) {

    /** The load-test default: 1 million accounts, 20% to one merchant, 10% up to 5 min late, 1% repeats. */
    public static Shape standard(int accounts) {
      return new Shape(accounts, accounts / 2, accounts / 3, Math.max(10, accounts / 20), 0.9, 0.20, 0.10, 300_000, 0.01, 2_000);
    }

    /** How many distinct keys the stream may touch across its five dimensions (pairs counted as accounts). */
    public long keySpace() {
      return 2L * accounts + devices + ips + merchants;
    }
  }

  private static final long START = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final int RECENT = 4096;

  private final Shape shape;
  private final Random rnd;
  private final Zipf accounts;
  private final Zipf devices;
  private final Zipf ips;
  private final Zipf merchants;
  private final String prefix;
  private final byte[][] recent = new byte[RECENT][];
  private long produced;
  private long seq;

  public PaymentStream(Shape shape, long seed, String idPrefix) {
    this.shape = shape;
    this.rnd = new Random(seed);
    this.accounts = Zipf.of(shape.accounts(), shape.zipf());
    this.devices = Zipf.of(shape.devices(), shape.zipf());
    this.ips = Zipf.of(shape.ips(), shape.zipf());
    this.merchants = Zipf.of(shape.merchants(), shape.zipf());
    this.prefix = idPrefix;
  }

  /** The next event's JSON body. */
  public byte[] next() {
    if (produced > RECENT && rnd.nextDouble() < shape.repeatShare()) {
      produced++;
      return recent[rnd.nextInt(RECENT)];
    }
    long now = START + seq * 1000 / shape.eventsPerSimulatedSecond();
    long ts = rnd.nextDouble() < shape.disorderShare() ? now - (long) (rnd.nextDouble() * shape.maxDisorderMillis()) : now;
    int account = accounts.sample(rnd);
    String merchant = rnd.nextDouble() < shape.hotMerchantShare() ? "m-hot" : "m" + merchants.sample(rnd);
    String device = rnd.nextInt(10) == 0 ? null : "dev" + devices.sample(rnd);
    String ip = ip(ips.sample(rnd));
    StringBuilder sb = new StringBuilder(400);
    sb.append("{\"transaction_id\":\"").append(prefix).append(seq++)
        .append("\",\"account_id\":\"acct").append(account)
        .append("\",\"amount\":").append(Math.round(Math.exp(3.5 + 1.3 * rnd.nextGaussian()) * 100) / 100.0)
        .append(",\"timestamp\":").append(ts)
        .append(",\"currency\":\"").append(RuleGenerator.CURRENCIES.get(rnd.nextInt(RuleGenerator.CURRENCIES.size())))
        .append("\",\"country\":\"").append(RuleGenerator.COUNTRIES.get(rnd.nextInt(RuleGenerator.COUNTRIES.size())))
        .append("\",\"channel\":\"").append(RuleGenerator.CHANNELS.get(rnd.nextInt(RuleGenerator.CHANNELS.size())))
        .append("\",\"mcc\":\"").append(RuleGenerator.MCCS.get(rnd.nextInt(RuleGenerator.MCCS.size())))
        .append("\",\"ip\":\"").append(ip)
        .append("\",\"card_bin\":\"").append(RuleGenerator.CARD_BINS.get(account % RuleGenerator.CARD_BINS.size()))
        .append("\",\"merchant_id\":\"").append(merchant).append('"');
    if (device != null) {
      sb.append(",\"device_id\":\"").append(device).append('"');
    }
    sb.append(",\"local_hour\":").append(rnd.nextInt(24))
        .append(",\"is_new_device\":").append(rnd.nextInt(20) == 0)
        .append('}');
    byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
    recent[(int) (produced++ % RECENT)] = body;
    return body;
  }

  /** The IP address of IP key k. */
  static String ip(int k) {
    return "10." + (k >>> 16) + "." + ((k >>> 8) & 0xFF) + "." + (k & 0xFF);
  }

  /** Zipf sampling over 0..n-1 by inverse transform on a precomputed cumulative table. */
  static final class Zipf {
    private static final java.util.Map<String, Zipf> SHARED = new java.util.concurrent.ConcurrentHashMap<>();
    private final float[] cdf;

    private Zipf(int n, double s) {
      cdf = new float[n];
      double sum = 0;
      for (int k = 1; k <= n; k++) {
        sum += 1 / Math.pow(k, s);
      }
      double acc = 0;
      for (int k = 1; k <= n; k++) {
        acc += 1 / Math.pow(k, s) / sum;
        cdf[k - 1] = (float) acc;
      }
      cdf[n - 1] = 1f;
    }

    static Zipf of(int n, double s) {
      return SHARED.computeIfAbsent(n + ":" + s, k -> new Zipf(n, s));
    }

    int sample(Random rnd) {
      float u = rnd.nextFloat();
      int lo = 0;
      int hi = cdf.length - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }
}
