package io.riskgate.lang;

/** A place in a source file: the file and a character offset. */
record Pos(SourceText src, int offset) {
  String describe() {
    return src.name + ":" + src.lineOf(offset) + ":" + src.columnOf(offset);
  }
}
