package io.riskgate.server;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Log message converter that masks card numbers: any run of 13 to 19 digits (optionally split by
 * spaces or dashes) keeps its first six and last four digits only.
 */
public final class PanMaskingConverter extends MessageConverter {
  private static final Pattern PAN = Pattern.compile("(?<!\\d)(\\d[ -]?){12,18}\\d(?!\\d)");

  @Override
  public String convert(ILoggingEvent event) {
    return mask(super.convert(event));
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
      String masked = digits.substring(0, 6) + "*".repeat(digits.length() - 10) + digits.substring(digits.length() - 4);
      m.appendReplacement(sb, masked);
    } while (m.find());
    m.appendTail(sb);
    return sb.toString();
  }
}
