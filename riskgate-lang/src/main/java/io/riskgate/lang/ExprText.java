package io.riskgate.lang;

/**
 * The text of an expression taken from a YAML scalar, with the file offset of each of its characters,
 * so that errors inside the expression point at the right line and column of the file.
 */
final class ExprText {
  final String text;
  final SourceText src;
  private final int[] fileOffsets;

  private ExprText(String text, SourceText src, int[] fileOffsets) {
    this.text = text;
    this.src = src;
    this.fileOffsets = fileOffsets;
  }

  /**
   * Aligns the scalar's value with its raw text in the file, from {@code start} to {@code end}: each
   * character of the value is matched with the next equal character of the raw text. Quotes, escapes,
   * folded line breaks and block indentation are skipped this way; where the alignment fails, the
   * character is placed at the last matched spot.
   */
  static ExprText of(String value, SourceText src, int start, int end) {
    int[] offsets = new int[value.length() + 1];
    String raw = src.text;
    int limit = Math.min(end, raw.length());
    int p = Math.min(start, limit);
    int last = p;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      int found = -1;
      for (int j = p; j < limit && j < p + 64; j++) {
        char d = raw.charAt(j);
        // a line break of the value (or a space folded from one) may be "\r\n" or "\r" in the file
        if (d == c || ((c == ' ' || c == '\n') && (d == '\n' || d == '\r'))) {
          found = j;
          break;
        }
      }
      if (found >= 0) {
        offsets[i] = found;
        last = found;
        p = found + 1;
      } else {
        offsets[i] = last;
      }
    }
    offsets[value.length()] = value.isEmpty() ? last : Math.min(last + 1, Math.max(limit, last));
    return new ExprText(value, src, offsets);
  }

  /** For a text that is not in any file, e.g. an expression given on its own. */
  static ExprText standalone(String name, String text) {
    SourceText src = new SourceText(name, text);
    int[] offsets = new int[text.length() + 1];
    for (int i = 0; i < offsets.length; i++) {
      offsets[i] = i;
    }
    return new ExprText(text, src, offsets);
  }

  /** The part of this text from {@code start} to {@code end}, keeping file positions. */
  ExprText slice(int start, int end) {
    int[] offsets = new int[end - start + 1];
    System.arraycopy(fileOffsets, start, offsets, 0, end - start + 1);
    return new ExprText(text.substring(start, end), src, offsets);
  }

  Pos pos(int exprOffset) {
    int i = Math.max(0, Math.min(exprOffset, fileOffsets.length - 1));
    return new Pos(src, fileOffsets[i]);
  }
}
