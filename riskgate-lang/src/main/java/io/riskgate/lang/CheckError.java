package io.riskgate.lang;

/** A type error at an offset of an expression; turned into a diagnostic by the checker. */
final class CheckError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int at;

  CheckError(int at, String message) {
    super(message, null, false, false);
    this.at = at;
  }
}
