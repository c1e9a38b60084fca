package io.riskgate.bench;

import io.riskgate.lang.Env;
import java.util.function.BiFunction;
import java.util.function.ToDoubleBiFunction;

/**
 * A payment as a plain Java object: what the hand-written lambda baseline reads. Numbers are always
 * present; strings may be null (missing), as in {@link io.riskgate.lang.EventData}.
 */
public final class PaymentEvent {
  public final String transactionId;
  public final String accountId;
  public final double amount;
  public final long timestamp;
  public final String currency;
  public final String country;
  public final String channel;
  public final String mcc;
  public final String ip;
  public final String cardBin;
  public final String merchantId;
  public final String deviceId;
  public final long localHour;
  public final boolean isNewDevice;

  public PaymentEvent(
      String transactionId,
      String accountId,
      double amount,
      long timestamp,
      String currency,
      String country,
      String channel,
      String mcc,
      String ip,
      String cardBin,
      String merchantId,
      String deviceId,
      long localHour,
      boolean isNewDevice) {
    this.transactionId = transactionId;
    this.accountId = accountId;
    this.amount = amount;
    this.timestamp = timestamp;
    this.currency = currency;
    this.country = country;
    this.channel = channel;
    this.mcc = mcc;
    this.ip = ip;
    this.cardBin = cardBin;
    this.merchantId = merchantId;
    this.deviceId = deviceId;
    this.localHour = localHour;
    this.isNewDevice = isNewDevice;
  }

  /** A numeric field read by name (booleans as 1 or 0), for the lambda baseline. */
  static ToDoubleBiFunction<PaymentEvent, Env> numField(String name) {
    return switch (name) {
      case "amount" -> (e, env) -> e.amount;
      case "timestamp" -> (e, env) -> e.timestamp;
      case "local_hour" -> (e, env) -> e.localHour;
      case "is_new_device" -> (e, env) -> e.isNewDevice ? 1.0 : 0.0;
      default -> throw new IllegalArgumentException("no numeric field " + name);
    };
  }

  /** A string field read by name, for the lambda baseline. */
  static BiFunction<PaymentEvent, Env, String> strField(String name) {
    return switch (name) {
      case "transaction_id" -> (e, env) -> e.transactionId;
      case "account_id" -> (e, env) -> e.accountId;
      case "currency" -> (e, env) -> e.currency;
      case "country" -> (e, env) -> e.country;
      case "channel" -> (e, env) -> e.channel;
      case "mcc" -> (e, env) -> e.mcc;
      case "ip" -> (e, env) -> e.ip;
      case "card_bin" -> (e, env) -> e.cardBin;
      case "merchant_id" -> (e, env) -> e.merchantId;
      case "device_id" -> (e, env) -> e.deviceId;
      default -> throw new IllegalArgumentException("no string field " + name);
    };
  }
}
