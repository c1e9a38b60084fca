package io.riskgate.lang;

import java.util.List;

/** The untyped syntax tree of an expression, as the parser gives it. Offsets are into the expression. */
sealed interface Ast {
  int at();

  record Num(int at, double value, String text) implements Ast {}

  record Str(int at, String value) implements Ast {}

  record Bool(int at, boolean value) implements Ast {}

  record Dur(int at, long millis, String text) implements Ast {}

  record ListLit(int at, List<Ast> items) implements Ast {}

  record Ident(int at, String name) implements Ast {}

  record Member(int at, Ast target, String name) implements Ast {}

  record Call(int at, String name, List<Ast> args) implements Ast {}

  record Unary(int at, Op op, Ast operand) implements Ast {}

  record Binary(int at, Op op, Ast left, Ast right) implements Ast {}

  record Between(int at, Ast value, Ast low, Ast high, boolean negated) implements Ast {}

  enum Op {
    OR("or"),
    AND("and"),
    NOT("not"),
    EQ("=="),
    NE("!="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">="),
    IN("in"),
    NOT_IN("not in"),
    ADD("+"),
    SUB("-"),
    MUL("*"),
    DIV("/"),
    MOD("%"),
    NEG("-");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    boolean isComparison() {
      return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE;
    }

    boolean isArithmetic() {
      return this == ADD || this == SUB || this == MUL || this == DIV || this == MOD;
    }
  }
}
