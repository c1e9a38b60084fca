package io.riskgate.lang;

import java.util.Objects;

/**
 * One ruleset file: a name used in diagnostics (usually a path) and its text.
 *
 * @param name the name shown in diagnostics, e.g. {@code rules/payment.yaml}
 * @param text the whole file content
 */
public record SourceFile(String name, String text) {
  public SourceFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(text, "text");
  }
}
