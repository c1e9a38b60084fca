package io.riskgate.lang;

import io.riskgate.lang.Ast.Op;
import io.riskgate.lang.Lexer.Kind;
import io.riskgate.lang.Lexer.Token;
import java.util.ArrayList;
import java.util.List;

/**
 * A recursive-descent parser for the expression language.
 *
 * <pre>
 * expr    = or
 * or      = and { "or" and }
 * and     = not { "and" not }
 * not     = "not" not | compare
 * compare = sum [ ("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=") sum
 *               | ["not"] "in" sum | ["not"] "between" sum "and" sum ]
 * sum     = product { ("+" | "-") product }
 * product = unary { ("*" | "/" | "%") unary }
 * unary   = "-" unary | postfix
 * postfix = primary { "." ident | "(" args ")" }
 * primary = number | duration | string | "true" | "false" | "[" items "]" | "(" expr ")" | ident
 * </pre>
 */
final class Parser {
  static final int MAX_LENGTH = 10_000;
  static final int MAX_DEPTH = 64;
  /**
   * The most levels of operators in one expression (a chain {@code a + b + c} has one per operator;
   * a chain of 'and' or of 'or' counts once, as it is flattened). Deeper trees overflow the stack of
   * the checker and the code generator.
   */
  static final int MAX_HEIGHT = 128;

  private final List<Token> tokens;
  private int p;
  private int depth;

  private Parser(List<Token> tokens) {
    this.tokens = tokens;
  }

  /** Parses a whole expression, or throws {@link ParseError} at the first problem. */
  static Ast parse(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new ParseError(0, "expression is longer than " + MAX_LENGTH + " characters");
    }
    if (text.isBlank()) {
      throw new ParseError(0, "expression is empty");
    }
    Parser parser = new Parser(Lexer.tokenize(text));
    Ast e = parser.expr();
    Token t = parser.peek();
    if (t.kind() != Kind.EOF) {
      throw new ParseError(t.at(), "unexpected " + show(t) + " after a complete expression" + hint(t));
    }
    checkHeight(e);
    return e;
  }

  private record Level(Ast node, int level) {}

  /** Refuses a tree taller than {@link #MAX_HEIGHT}, walking it without recursion. */
  private static void checkHeight(Ast root) {
    java.util.ArrayDeque<Level> todo = new java.util.ArrayDeque<>();
    todo.push(new Level(root, 1));
    while (!todo.isEmpty()) {
      Level l = todo.pop();
      if (l.level() > MAX_HEIGHT) {
        throw new ParseError(l.node().at(), "expression nests deeper than " + MAX_HEIGHT
            + " levels of operators; split it into smaller expressions");
      }
      List<Ast> children = switch (l.node()) {
        case Ast.ListLit x -> x.items();
        case Ast.Member x -> List.of(x.target());
        case Ast.Call x -> x.args();
        case Ast.Unary x -> List.of(x.operand());
        case Ast.Binary x -> List.of(x.left(), x.right());
        case Ast.Between x -> List.of(x.value(), x.low(), x.high());
        default -> List.of();
      };
      for (Ast c : children) {
        boolean sameChain = l.node() instanceof Ast.Binary b && (b.op() == Op.AND || b.op() == Op.OR)
            && c instanceof Ast.Binary cb && cb.op() == b.op();
        todo.push(new Level(c, sameChain ? l.level() : l.level() + 1));
      }
    }
  }

  private static String hint(Token t) {
    if (t.kind() == Kind.IDENT || t.kind() == Kind.NUMBER || t.kind() == Kind.STRING) {
      return " (missing 'and', 'or' or an operator?)";
    }
    if (t.is(")")) {
      return " (unbalanced parentheses)";
    }
    return "";
  }

  private Ast expr() {
    if (++depth > MAX_DEPTH) {
      throw new ParseError(peek().at(), "expression nests deeper than " + MAX_DEPTH + " levels");
    }
    try {
      return or();
    } finally {
      depth--;
    }
  }

  private Ast or() {
    Ast left = and();
    while (peek().is("or")) {
      Token op = take();
      left = new Ast.Binary(op.at(), Op.OR, left, and());
    }
    return left;
  }

  private Ast and() {
    Ast left = not();
    while (peek().is("and")) {
      Token op = take();
      left = new Ast.Binary(op.at(), Op.AND, left, not());
    }
    return left;
  }

  private Ast not() {
    if (peek().is("not")) {
      Token op = take();
      if (++depth > MAX_DEPTH) {
        throw new ParseError(op.at(), "expression nests deeper than " + MAX_DEPTH + " levels");
      }
      try {
        return new Ast.Unary(op.at(), Op.NOT, not());
      } finally {
        depth--;
      }
    }
    return compare();
  }

  private Ast compare() {
    Ast left = sum();
    Token t = peek();
    if (t.kind() == Kind.OP) {
      Op op =
          switch (t.text()) {
            case "==" -> Op.EQ;
            case "!=" -> Op.NE;
            case "<" -> Op.LT;
            case "<=" -> Op.LE;
            case ">" -> Op.GT;
            case ">=" -> Op.GE;
            default -> null;
          };
      if (op != null) {
        take();
        Ast right = sum();
        Token after = peek();
        if (after.kind() == Kind.OP && isComparison(after.text())) {
          throw new ParseError(
              after.at(), "comparisons cannot be chained: write 'a < b and b < c' or use 'between'");
        }
        return new Ast.Binary(t.at(), op, left, right);
      }
      return left;
    }
    boolean negated = false;
    if (t.is("not")) {
      Token next = peek(1);
      if (next.is("in") || next.is("between")) {
        take();
        negated = true;
        t = peek();
      } else {
        throw new ParseError(t.at(), "'not' here must be followed by 'in' or 'between'");
      }
    }
    if (t.is("in")) {
      take();
      return new Ast.Binary(t.at(), negated ? Op.NOT_IN : Op.IN, left, sum());
    }
    if (t.is("between")) {
      take();
      Ast low = sum();
      if (!peek().is("and")) {
        throw new ParseError(peek().at(), "expected 'and' in 'between <low> and <high>'");
      }
      take();
      Ast high = sum();
      return new Ast.Between(t.at(), left, low, high, negated);
    }
    return left;
  }

  private static boolean isComparison(String s) {
    return switch (s) {
      case "==", "!=", "<", "<=", ">", ">=" -> true;
      default -> false;
    };
  }

  private Ast sum() {
    Ast left = product();
    while (peek().is("+") || peek().is("-")) {
      Token op = take();
      left = new Ast.Binary(op.at(), op.text().equals("+") ? Op.ADD : Op.SUB, left, product());
    }
    return left;
  }

  private Ast product() {
    Ast left = unary();
    while (peek().is("*") || peek().is("/") || peek().is("%")) {
      Token op = take();
      Op o =
          switch (op.text()) {
            case "*" -> Op.MUL;
            case "/" -> Op.DIV;
            default -> Op.MOD;
          };
      left = new Ast.Binary(op.at(), o, left, unary());
    }
    return left;
  }

  private Ast unary() {
    if (peek().is("-")) {
      Token op = take();
      if (++depth > MAX_DEPTH) {
        throw new ParseError(op.at(), "expression nests deeper than " + MAX_DEPTH + " levels");
      }
      try {
        Ast operand = unary();
        if (operand instanceof Ast.Num n) {
          return new Ast.Num(op.at(), -n.value(), "-" + n.text());
        }
        return new Ast.Unary(op.at(), Op.NEG, operand);
      } finally {
        depth--;
      }
    }
    return postfix();
  }

  private Ast postfix() {
    Ast e = primary();
    while (true) {
      Token t = peek();
      if (t.is(".")) {
        take();
        Token name = take();
        if (name.kind() != Kind.IDENT) {
          throw new ParseError(name.at(), "expected a name after '.', found " + show(name));
        }
        e = new Ast.Member(name.at(), e, name.text());
      } else if (t.is("(")) {
        if (!(e instanceof Ast.Ident id)) {
          throw new ParseError(t.at(), "only a function name can be called");
        }
        take();
        e = new Ast.Call(id.at(), id.name(), args(")"));
      } else {
        return e;
      }
    }
  }

  private List<Ast> args(String close) {
    List<Ast> out = new ArrayList<>();
    if (peek().is(close)) {
      take();
      return out;
    }
    while (true) {
      out.add(expr());
      Token t = take();
      if (t.is(close)) {
        return out;
      }
      if (!t.is(",")) {
        throw new ParseError(t.at(), "expected ',' or '" + close + "', found " + show(t));
      }
      if (out.size() >= 10_000) {
        throw new ParseError(t.at(), "too many items");
      }
    }
  }

  private Ast primary() {
    Token t = take();
    switch (t.kind()) {
      case NUMBER:
        return new Ast.Num(t.at(), (Double) t.value(), t.text());
      case DURATION:
        return new Ast.Dur(t.at(), (Long) t.value(), t.text());
      case STRING:
        return new Ast.Str(t.at(), (String) t.value());
      case IDENT:
        return new Ast.Ident(t.at(), t.text());
      case KEYWORD:
        if (t.text().equals("true") || t.text().equals("false")) {
          return new Ast.Bool(t.at(), t.text().equals("true"));
        }
        throw new ParseError(t.at(), "expected a value, found keyword '" + t.text() + "'");
      case OP:
        if (t.is("(")) {
          Ast inner = expr();
          Token close = take();
          if (!close.is(")")) {
            throw new ParseError(close.at(), "expected ')', found " + show(close));
          }
          return inner;
        }
        if (t.is("[")) {
          return new Ast.ListLit(t.at(), args("]"));
        }
        throw new ParseError(t.at(), "expected a value, found " + show(t));
      case EOF:
      default:
        throw new ParseError(t.at(), "expression ends too early: a value is missing");
    }
  }

  private Token peek() {
    return tokens.get(p);
  }

  private Token peek(int ahead) {
    return tokens.get(Math.min(p + ahead, tokens.size() - 1));
  }

  private Token take() {
    Token t = tokens.get(p);
    if (p < tokens.size() - 1) {
      p++;
    }
    return t;
  }

  static String show(Token t) {
    return switch (t.kind()) {
      case EOF -> "the end of the expression";
      case STRING -> "string " + t.text();
      case NUMBER, DURATION -> "number " + t.text();
      default -> "'" + t.text() + "'";
    };
  }
}
