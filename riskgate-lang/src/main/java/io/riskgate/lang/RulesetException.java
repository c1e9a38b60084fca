package io.riskgate.lang;

import java.util.List;

/**
 * Thrown when a ruleset cannot be used. It carries every diagnostic found, each with its place.
 */
public class RulesetException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<Diagnostic> diagnostics;

  public RulesetException(List<Diagnostic> diagnostics) {
    super(summary(diagnostics));
    this.diagnostics = List.copyOf(diagnostics);
  }

  /** Every problem found, in file and line order. */
  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }

  private static String summary(List<Diagnostic> diagnostics) {
    if (diagnostics.isEmpty()) {
      return "invalid ruleset";
    }
    Diagnostic first = diagnostics.get(0);
    String more = diagnostics.size() > 1 ? " (and " + (diagnostics.size() - 1) + " more)" : "";
    return first.place() + ": " + first.message() + more;
  }
}
