package io.riskgate.lang;

import java.util.Locale;

/** What a rule asks for; the decision takes the most severe action among matched active rules. */
public enum Action {
  ACCEPT,
  REVIEW,
  REJECT;

  /** The lowercase name used in rule files and in decisions. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The more severe of two actions. */
  public Action max(Action other) {
    return compareTo(other) >= 0 ? this : other;
  }
}
