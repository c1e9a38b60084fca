package io.riskgate.lang;

import java.util.List;

/** A rule after checking: its metadata, typed condition, reason and the values it reports. */
record CheckedRule(RuleInfo info, Typed when, Template reason, List<Leaf> leaves) {
  /** A value a rule's condition reads, with the name it has in the rule. */
  record Leaf(String label, Typed value) {}
}
