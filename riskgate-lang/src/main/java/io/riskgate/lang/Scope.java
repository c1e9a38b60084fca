package io.riskgate.lang;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What names an expression may use: the fields of the event types it runs for, the features, the
 * tag entities and the named lists of the ruleset.
 */
record Scope(
    List<EventType> eventTypes,
    String scopeLabel,
    Map<String, FieldDef> allFields,
    Map<String, FeatureDecl> features,
    Map<String, Map<String, TagAttrDecl>> tags,
    Map<String, ListDecl> lists,
    boolean allowFeatures,
    boolean featuresComputed) {

  /** A declared tag attribute. */
  record TagAttrDecl(String name, TagAttrType type, Object fallback) {}

  Optional<FieldDef> field(String name) {
    FieldDef found = null;
    for (EventType t : eventTypes) {
      Optional<FieldDef> f = t.field(name);
      if (f.isEmpty()) {
        return Optional.empty();
      }
      found = f.get();
    }
    return Optional.ofNullable(found);
  }

  /** The event types of the scope that lack a field declared elsewhere in the schema. */
  List<String> typesMissing(String name) {
    return eventTypes.stream().filter(t -> t.field(name).isEmpty()).map(EventType::name).toList();
  }
}
