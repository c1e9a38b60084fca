package io.riskgate.bench;

/**
 * The load-test ruleset: the 500 generated rules of the evaluation benchmark (which read six
 * account and device features), plus 24 more features, for 30 features over five dimensions:
 * account, device, IP, merchant, and the (account, merchant) pair.
 */
public final class LoadRuleset {
  private LoadRuleset() {}

  static final String EXTRA_FEATURES = """
        payments_10m: {aggregate: count, by: account_id, window: 10m}
        amount_1h: {aggregate: sum, of: amount, by: account_id, window: 1h}
        avg_last_5: {aggregate: avg, of: amount, by: account_id, window: {last: 5}, include_current: false}
        device_payments_1h: {aggregate: count, by: device_id, window: 1h}
        device_accounts_24h: {aggregate: distinct_count, of: account_id, by: device_id, window: 24h}
        device_ips_1h: {aggregate: distinct_count, of: ip, by: device_id, window: 1h}
        device_amount_10m: {aggregate: sum, of: amount, by: device_id, window: 10m}
        device_payments_today: {aggregate: count, by: device_id, window: {tumbling: day}}
        ip_payments_1m: {aggregate: count, by: ip, window: 1m}
        ip_payments_1h: {aggregate: count, by: ip, window: 1h}
        ip_accounts_10m: {aggregate: distinct_count, of: account_id, by: ip, window: 10m}
        ip_devices_1h: {aggregate: distinct_count, of: device_id, by: ip, window: 1h}
        ip_amount_1h: {aggregate: sum, of: amount, by: ip, window: 1h}
        ip_max_amount_24h: {aggregate: max, of: amount, by: ip, window: 24h}
        merchant_payments_1m: {aggregate: count, by: merchant_id, window: 1m}
        merchant_amount_1h: {aggregate: sum, of: amount, by: merchant_id, window: 1h}
        merchant_avg_10m: {aggregate: avg, of: amount, by: merchant_id, window: 10m}
        merchant_payments_this_hour: {aggregate: count, by: merchant_id, window: {tumbling: hour}}
        merchant_max_10m: {aggregate: max, of: amount, by: merchant_id, window: 10m}
        merchant_last_amount: {aggregate: last, of: amount, by: merchant_id, window: 1h, include_current: false}
        pair_payments_24h: {aggregate: count, by: [account_id, merchant_id], window: 24h}
        pair_amount_24h: {aggregate: sum, of: amount, by: [account_id, merchant_id], window: 24h}
        pair_first_amount_24h: {aggregate: first, of: amount, by: [account_id, merchant_id], window: 24h}
        pair_min_amount_24h: {aggregate: min, of: amount, by: [account_id, merchant_id], window: 24h}
      """;

  /**
   * The YAML of the load-test ruleset. The generated conditions were made for random feature
   * values; over a real stream most of them would hold for most events. Each gets a last
   * conjunct, an amount threshold between 300 and 3000, so that about one decision in twenty
   * matches a rule, as in production; the conditions are still evaluated in full.
   */
  public static String yaml(int rules) {
    java.util.Random rnd = new java.util.Random(7);
    String base = java.util.regex.Pattern.compile("(?m)^(    when: )\"(.*)\"$").matcher(RuleGenerator.generate(rules).yaml())
        .replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
            m.group(1) + "\"(" + m.group(2) + ") and amount > " + (300 + rnd.nextInt(2700)) + "\""));
    int at = base.indexOf("\nfeatures:\n");
    if (at < 0) {
      throw new IllegalStateException("the generated ruleset has no features section");
    }
    at += "\nfeatures:\n".length();
    return base.substring(0, at) + EXTRA_FEATURES + base.substring(at);
  }

  /**
   * The load-test ruleset with {@code patterns} sequence patterns more, each read by a rule of its
   * own. They are keyed by account, device and IP (the hot merchant is no pattern's key), with
   * windows of 1 to 30 minutes, every quantifier, both contiguities and absences before, between
   * and after their steps.
   */
  public static String yaml(int rules, int patterns) {
    String base = yaml(rules);
    if (patterns == 0) {
      return base;
    }
    String[] by = {"account_id", "account_id", "account_id", "device_id", "ip"};
    String[] within = {"1m", "5m", "10m", "30m"};
    String[] times = {"2", "{min: 2}", "{min: 2, max: 4}", "3", "{max: 2}"};
    StringBuilder p = new StringBuilder("patterns:\n");
    StringBuilder r = new StringBuilder();
    for (int i = 0; i < patterns; i++) {
      p.append("  seq_").append(i).append(":\n")
          .append("    by: ").append(by[i % by.length]).append('\n')
          .append("    within: ").append(within[i % within.length]).append('\n')
          .append("    steps:\n");
      if (i % 6 == 5) {
        p.append("      - not: {event: payment, when: \"channel == 'pos'\"}\n");
      }
      p.append("      - event: payment\n")
          .append("        when: amount < ").append(20 + 5 * i).append('\n')
          .append("        times: ").append(times[i % times.length]).append('\n');
      if (i % 3 == 0) {
        p.append("        contiguity: strict\n");
      }
      if (i % 4 == 1) {
        p.append("      - not: {event: payment, when: \"country == 'FR'\"}\n");
      }
      p.append("      - event: payment\n")
          .append("        when: amount > ").append(200 + 50 * i).append('\n');
      if (i % 3 == 2) {
        p.append("        contiguity: strict\n");
      }
      if (i % 7 == 3 && i % 6 != 5) {
        p.append("      - not: {event: payment, when: is_new_device}\n");
      }
      r.append("  - id: sequence-").append(i).append('\n')
          .append("    when: matched('seq_").append(i).append("')\n")
          .append("    action: review\n")
          .append("    score: 10\n");
    }
    int at = base.indexOf("\nrules:\n");
    if (at < 0) {
      throw new IllegalStateException("the generated ruleset has no rules section");
    }
    at += 1;
    int end = at + "rules:\n".length();
    return base.substring(0, at) + p + "\n" + base.substring(at, end) + r + base.substring(end);
  }

  public static void main(String[] args) {
    System.out.print(yaml(args.length > 0 ? Integer.parseInt(args[0]) : 500));
  }
}
