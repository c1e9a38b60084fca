package io.riskgate.lang;

import java.util.Arrays;

/** A source file with its line index, to turn character offsets into lines and columns. */
final class SourceText {
  final String name;
  final String text;
  private final int[] lineStarts;

  SourceText(String name, String text) {
    this.name = name;
    this.text = text;
    int count = 1;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        count++;
      }
    }
    lineStarts = new int[count];
    int line = 1;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        lineStarts[line++] = i + 1;
      }
    }
  }

  /** 1-based line of a character offset. */
  int lineOf(int offset) {
    int idx = Arrays.binarySearch(lineStarts, clamp(offset));
    return idx >= 0 ? idx + 1 : -idx - 1;
  }

  /** 1-based column of a character offset. */
  int columnOf(int offset) {
    int off = clamp(offset);
    return off - lineStarts[lineOf(off) - 1] + 1;
  }

  /** The text of a 1-based line, without its line break. */
  String line(int line) {
    if (line < 1 || line > lineStarts.length) {
      return "";
    }
    int start = lineStarts[line - 1];
    int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
    if (end > start && text.charAt(end - 1) == '\r') {
      end--;
    }
    return text.substring(start, Math.max(start, end));
  }

  /** The character offset of a 0-based line and column, as YAML marks give them. */
  int offsetOf(int line0, int column0) {
    if (line0 >= lineStarts.length) {
      return text.length();
    }
    return clamp(lineStarts[Math.max(line0, 0)] + Math.max(column0, 0));
  }

  private int clamp(int offset) {
    return Math.max(0, Math.min(offset, text.length()));
  }

  Diagnostic diagnostic(Diagnostic.Severity severity, int offset, String message) {
    int line = lineOf(offset);
    return new Diagnostic(severity, name, line, columnOf(offset), message, line(line));
  }
}
