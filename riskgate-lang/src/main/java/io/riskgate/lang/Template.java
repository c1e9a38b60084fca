package io.riskgate.lang;

import java.util.ArrayList;
import java.util.List;

/** A reason message: literal text and {@code {expression}} parts. */
record Template(List<Part> parts) {
  sealed interface Part {}

  record Text(String text) implements Part {}

  record Value(Typed value, String label) implements Part {}

  /** The raw pieces of a template: literal text, and expression texts with their offsets. */
  record Piece(boolean expression, String text, int at) {}

  static List<Piece> split(String s) {
    List<Piece> out = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
        text.append('{');
        i += 2;
      } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
        text.append('}');
        i += 2;
      } else if (c == '}') {
        throw new ParseError(i, "unmatched '}' in the reason; write '}}' for a literal brace");
      } else if (c == '{') {
        int start = i + 1;
        int j = start;
        char quote = 0;
        while (j < s.length()) {
          char d = s.charAt(j);
          if (quote != 0) {
            if (d == '\\') {
              j++;
            } else if (d == quote) {
              quote = 0;
            }
          } else if (d == '\'' || d == '"') {
            quote = d;
          } else if (d == '}') {
            break;
          } else if (d == '{') {
            throw new ParseError(j, "'{' inside a {value} of the reason; write '{{' for a literal brace");
          }
          j++;
        }
        if (j >= s.length()) {
          throw new ParseError(i, "unclosed '{' in the reason: add '}' or write '{{' for a literal brace");
        }
        if (!text.isEmpty()) {
          out.add(new Piece(false, text.toString(), -1));
          text.setLength(0);
        }
        out.add(new Piece(true, s.substring(start, j), start));
        i = j + 1;
      } else {
        text.append(c);
        i++;
      }
    }
    if (!text.isEmpty()) {
      out.add(new Piece(false, text.toString(), -1));
    }
    return out;
  }
}
