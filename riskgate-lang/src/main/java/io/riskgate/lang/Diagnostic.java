package io.riskgate.lang;

import java.util.Objects;

/**
 * A problem found in a ruleset, at a place in one of its files.
 *
 * <p>Lines and columns are 1-based. {@link #render()} gives the human form: the place, the message,
 * the source line and a caret under the spot.
 *
 * @param severity how bad it is; only {@link Severity#ERROR} refuses a ruleset
 * @param file the source file name
 * @param line 1-based line, or 0 when the problem concerns the whole file set
 * @param column 1-based column, or 0 when unknown
 * @param message what is wrong, and when possible how to fix it
 * @param sourceLine the text of the line, without its line break (empty when unknown)
 */
public record Diagnostic(
    Severity severity, String file, int line, int column, String message, String sourceLine) {

  /** How serious a diagnostic is. */
  public enum Severity {
    ERROR,
    WARNING;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Diagnostic {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(sourceLine, "sourceLine");
  }

  /** {@code file:line:col}, or just the file name when the line is unknown. */
  public String place() {
    if (line <= 0) {
      return file;
    }
    return file + ":" + line + ":" + Math.max(column, 1);
  }

  /**
   * Renders the diagnostic as {@code file:line:col: error: message}, followed by the source line and
   * a caret under the column.
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append(place()).append(": ").append(severity.label()).append(": ").append(message);
    if (line > 0 && !sourceLine.isEmpty()) {
      String number = Integer.toString(line);
      String gutter = " ".repeat(number.length());
      sb.append('\n').append(' ').append(number).append(" | ").append(sourceLine);
      sb.append('\n').append(' ').append(gutter).append(" | ");
      int col = Math.max(column, 1);
      for (int i = 0; i < col - 1 && i < sourceLine.length(); i++) {
        sb.append(sourceLine.charAt(i) == '\t' ? '\t' : ' ');
      }
      sb.append('^');
    }
    return sb.toString();
  }
}
