package io.riskgate.lang;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects diagnostics while a ruleset is read and checked, capped so a broken file stays readable. */
final class Problems {
  static final int MAX = 100;
  private final List<Diagnostic> list = new ArrayList<>();
  private int dropped;
  private int errors;

  void error(SourceText src, int offset, String message) {
    add(src.diagnostic(Diagnostic.Severity.ERROR, offset, message));
  }

  void warning(SourceText src, int offset, String message) {
    add(src.diagnostic(Diagnostic.Severity.WARNING, offset, message));
  }

  void error(Pos pos, String message) {
    error(pos.src(), pos.offset(), message);
  }

  void add(Diagnostic d) {
    if (d.severity() == Diagnostic.Severity.ERROR) {
      errors++;
    }
    if (list.size() >= MAX) {
      dropped++;
      return;
    }
    list.add(d);
  }

  boolean hasErrors() {
    return errors > 0;
  }

  int errorCount() {
    return errors;
  }

  List<Diagnostic> sorted() {
    List<Diagnostic> out = new ArrayList<>(list);
    out.sort(
        Comparator.comparing(Diagnostic::file)
            .thenComparingInt(Diagnostic::line)
            .thenComparingInt(Diagnostic::column));
    if (dropped > 0) {
      out.add(
          new Diagnostic(
              Diagnostic.Severity.ERROR,
              out.isEmpty() ? "" : out.get(out.size() - 1).file(),
              0,
              0,
              "...and " + dropped + " more problems (truncated)",
              ""));
    }
    return List.copyOf(out);
  }
}
