package io.riskgate.lang;

/** A syntax error at an offset of an expression; turned into a diagnostic by the reader. */
final class ParseError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int at;

  ParseError(int at, String message) {
    super(message, null, false, false);
    this.at = at;
  }
}
