package io.riskgate.lang;

import java.util.List;

/**
 * A named list declared in a ruleset, with the items it starts with.
 *
 * @param name the list's name, as in {@code ip in list('blocked_ips')}
 * @param items the declared items
 */
public record ListDecl(String name, List<String> items) {
  public ListDecl {
    items = List.copyOf(items);
  }
}
