package io.riskgate.server;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Log message converter that masks card numbers: a run of 13 to 19 digits (optionally split by
 * spaces or dashes) that passes the Luhn check keeps its first six and last four digits only.
 */
public final class PanMaskingConverter extends MessageConverter {
  private static final Pattern PAN = Pattern.compile("(?<!\\d)(\\d[ -]?){12,18}\\d(?!\\d)");

  @Override
  public String convert(ILoggingEvent event) {
    return mask(super.convert(event));
  }

  /** The Luhn check that every card number passes; ids and timestamps mostly do not. */
  static boolean luhn(String digits) {
    int sum = 0;
    boolean twice = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (twice) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      twice = !twice;
    }
    return sum % 10 == 0;
  }

  static String mask(String message) {
    if (message == null) {
      return null;
    }
    Matcher m = PAN.matcher(message);
    if (!m.find()) {
      return message;
    }
    StringBuilder sb = new StringBuilder();
    do {
      String digits = m.group().replaceAll("[ -]", "");
      String masked = luhn(digits)
          ? digits.substring(0, 6) + "*".repeat(digits.length() - 10) + digits.substring(digits.length() - 4)
          : m.group();
      m.appendReplacement(sb, Matcher.quoteReplacement(masked));
    } while (m.find());
    m.appendTail(sb);
    return sb.toString();
  }
}
