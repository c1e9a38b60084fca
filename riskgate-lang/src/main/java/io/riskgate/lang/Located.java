package io.riskgate.lang;

/** A value read from a file, with its place. */
record Located<T>(T value, Pos pos) {}
