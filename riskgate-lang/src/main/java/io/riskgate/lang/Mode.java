package io.riskgate.lang;

/** Whether a rule changes decisions ({@code ACTIVE}) or is only evaluated and reported ({@code SHADOW}). */
public enum Mode {
  ACTIVE,
  SHADOW
}
