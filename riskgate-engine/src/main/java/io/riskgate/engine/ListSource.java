package io.riskgate.engine;

/**
 * Entries of named lists beyond the items a ruleset declares, e.g. blocked IPs managed at run time.
 * Implementations must be thread-safe and must not throw.
 */
public interface ListSource {
  boolean contains(String list, String value);

  /** No entries beyond those the ruleset declares. */
  static ListSource none() {
    return (list, value) -> false;
  }
}
