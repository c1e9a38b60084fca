package io.riskgate.lang;

import java.util.Arrays;

/** A source file with its line index, to turn character offsets into lines and columns. */
final class SourceText {
  final String name;
  final String text;
  private final int[] lineStarts;
  private final boolean supplementary;

  SourceText(String name, String text) {
    this.name = name;
    this.text = text;
    int count = 1;
    for (int i = 0; i < text.length(); i++) {
      if (isBreak(text, i)) {
        count++;
      }
    }
    supplementary = text.codePoints().anyMatch(Character::isSupplementaryCodePoint);
    lineStarts = new int[count];
    int line = 1;
    for (int i = 0; i < text.length(); i++) {
      if (isBreak(text, i)) {
        lineStarts[line++] = i + 1;
      }
    }
  }

  /** Whether a line ends at i: '\n', or a '\r' not followed by '\n' (YAML counts both as breaks). */
  private static boolean isBreak(String text, int i) {
    char c = text.charAt(i);
    return c == '\n' || c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n');
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

  /**
   * The character offset of a 0-based line and column, as YAML marks give them. YAML columns count
   * code points, so a character outside the BMP (two chars) before the column counts once.
   */
  int offsetOf(int line0, int column0) {
    if (line0 >= lineStarts.length) {
      return text.length();
    }
    int start = lineStarts[Math.max(line0, 0)];
    int columns = Math.max(column0, 0);
    if (!supplementary) {
      return clamp(start + columns);
    }
    int off = start;
    for (int n = 0; n < columns && off < text.length(); n++) {
      off += Character.charCount(text.codePointAt(off));
    }
    return clamp(off);
  }

  private int clamp(int offset) {
    return Math.max(0, Math.min(offset, text.length()));
  }

  Diagnostic diagnostic(Diagnostic.Severity severity, int offset, String message) {
    int line = lineOf(offset);
    String text = line(line);
    // at most just past the end of the line: an offset on a stripped '\r' stays on the line
    return new Diagnostic(severity, name, line, Math.min(columnOf(offset), text.length() + 1), message, text);
  }
}
