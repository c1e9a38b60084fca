package io.riskgate.lang;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Splits an expression into tokens. Problems are reported as {@link ParseError}. */
final class Lexer {
  enum Kind {
    NUMBER,
    DURATION,
    STRING,
    IDENT,
    KEYWORD,
    OP,
    EOF
  }

  record Token(Kind kind, String text, int at, Object value) {
    boolean is(String s) {
      return (kind == Kind.OP || kind == Kind.KEYWORD) && text.equals(s);
    }
  }

  static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "between", "true", "false");

  private final String s;
  private int i;

  private Lexer(String s) {
    this.s = s;
  }

  static List<Token> tokenize(String s) {
    Lexer lx = new Lexer(s);
    List<Token> out = new ArrayList<>();
    Token t;
    do {
      t = lx.next();
      out.add(t);
    } while (t.kind() != Kind.EOF);
    return out;
  }

  private Token next() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    if (i >= s.length()) {
      // The end is placed just after the last token, not after trailing blanks or line breaks, so
      // that "ends too early" points at the line where the expression stops.
      return new Token(Kind.EOF, "", s.stripTrailing().length(), null);
    }
    int start = i;
    char c = s.charAt(i);
    if (c == '#') {
      throw new ParseError(start, "comments are not allowed inside an expression");
    }
    if (isDigit(c) || (c == '.' && i + 1 < s.length() && isDigit(s.charAt(i + 1)))) {
      return number(start);
    }
    if (c == '\'' || c == '"') {
      return string(start, c);
    }
    if (isIdentStart(c)) {
      while (i < s.length() && isIdentPart(s.charAt(i))) {
        i++;
      }
      String word = s.substring(start, i);
      return new Token(KEYWORDS.contains(word) ? Kind.KEYWORD : Kind.IDENT, word, start, null);
    }
    String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
    switch (two) {
      case "==", "!=", "<=", ">=" -> {
        i += 2;
        return new Token(Kind.OP, two, start, null);
      }
      case "&&" -> throw new ParseError(start, "use 'and' instead of '&&'");
      case "||" -> throw new ParseError(start, "use 'or' instead of '||'");
      case "<>" -> throw new ParseError(start, "use '!=' to test for a difference");
      default -> {}
    }
    switch (c) {
      case '+', '-', '*', '/', '%', '<', '>', '(', ')', '[', ']', ',', '.', '{', '}' -> {
        i++;
        return new Token(Kind.OP, String.valueOf(c), start, null);
      }
      case '=' -> throw new ParseError(start, "use '==' to compare values");
      case '!' -> throw new ParseError(start, "use 'not' instead of '!'");
      case '&' -> throw new ParseError(start, "use 'and' instead of '&'");
      case '|' -> throw new ParseError(start, "use 'or' instead of '|'");
      default -> throw new ParseError(start, "unexpected character " + describe(c));
    }
  }

  private Token number(int start) {
    while (i < s.length() && isDigit(s.charAt(i))) {
      i++;
    }
    boolean fraction = false;
    if (i < s.length() && s.charAt(i) == '.' && i + 1 < s.length() && isDigit(s.charAt(i + 1))) {
      fraction = true;
      i++;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
    }
    if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      int save = i;
      i++;
      if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      if (i < s.length() && isDigit(s.charAt(i))) {
        fraction = true;
        while (i < s.length() && isDigit(s.charAt(i))) {
          i++;
        }
      } else {
        i = save;
      }
    }
    int numEnd = i;
    if (i < s.length() && isIdentStart(s.charAt(i))) {
      int unitStart = i;
      while (i < s.length() && isIdentPart(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      long factor =
          switch (unit) {
            case "ms" -> 1L;
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            case "w" -> 604_800_000L;
            default ->
                throw new ParseError(
                    unitStart,
                    "unknown duration unit '" + unit + "' (use ms, s, m, h, d or w, e.g. 10m)");
          };
      if (fraction) {
        throw new ParseError(start, "a duration is a whole number with a unit, e.g. 90s or 10m");
      }
      String digits = s.substring(start, numEnd);
      long n;
      try {
        n = Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw new ParseError(start, "duration '" + s.substring(start, i) + "' is too large");
      }
      if (n > Long.MAX_VALUE / factor) {
        throw new ParseError(start, "duration '" + s.substring(start, i) + "' is too large");
      }
      return new Token(Kind.DURATION, s.substring(start, i), start, n * factor);
    }
    String text = s.substring(start, numEnd);
    double v = Double.parseDouble(text);
    if (Double.isInfinite(v)) {
      throw new ParseError(start, "number '" + text + "' is too large");
    }
    return new Token(Kind.NUMBER, text, start, v);
  }

  private Token string(int start, char quote) {
    StringBuilder sb = new StringBuilder();
    i++;
    while (true) {
      if (i >= s.length()) {
        throw new ParseError(start, "unclosed string: add a closing " + quote);
      }
      char c = s.charAt(i);
      if (c == quote) {
        i++;
        break;
      }
      if (c == '\\') {
        if (i + 1 >= s.length()) {
          throw new ParseError(i, "unclosed string: add a closing " + quote);
        }
        char e = s.charAt(i + 1);
        switch (e) {
          case '\\', '\'', '"' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          default ->
              throw new ParseError(
                  i, "unknown escape '\\" + e + "' (use \\\\, \\', \\\", \\n or \\t)");
        }
        i += 2;
        continue;
      }
      sb.append(c);
      i++;
    }
    return new Token(Kind.STRING, s.substring(start, i), start, sb.toString());
  }

  private static String describe(char c) {
    if (c < 0x20 || c == 0x7f) {
      return String.format("U+%04X", (int) c);
    }
    return "'" + c + "'";
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  static boolean isIdentPart(char c) {
    return isIdentStart(c) || isDigit(c);
  }
}
