package io.riskgate.lang;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/** A ruleset that passed every check, ready for code generation. */
record CheckedRuleset(
    String name,
    ZoneId zone,
    Schema schema,
    Map<String, Map<String, Scope.TagAttrDecl>> tags,
    Map<String, ListDecl> lists,
    List<FeatureDecl> features,
    List<Typed> featureValues,
    List<Typed> featureFilters,
    List<PatternDecl> patterns,
    List<List<Typed>> patternConditions,
    List<CheckedRule> rules) {}
