package io.riskgate.state;

/** A stored state record that cannot be read: corrupt, truncated, or from an unknown format. */
public final class StateFormatException extends StateException {
  private static final long serialVersionUID = 1L;

  public StateFormatException(String message) {
    super(message);
  }
}
