package io.riskgate.engine;

import java.time.Instant;

/**
 * A published version of the ruleset.
 *
 * @param version the version number, from 1, in publishing order
 * @param ruleset the ruleset name
 * @param hash SHA-256 of the source files
 * @param publishedAt when it was first published
 * @param origin where it came from: {@code api}, {@code file:<path>}, {@code watch:<path>}
 * @param rules the number of rules
 * @param active whether decisions currently use it
 */
public record RulesetVersion(
    int version, String ruleset, String hash, Instant publishedAt, String origin, int rules, boolean active) {}
