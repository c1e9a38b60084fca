package io.riskgate.lang;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads ruleset files and checks them: structure, schema, tags, lists, features and rules. Every
 * problem is collected with its place; the result is present only when there is none.
 */
final class RulesetReader {
  static final int MAX_RULES = 20_000;
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
  private static final Pattern SIMPLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,99}");
  private static final Set<String> TOP_KEYS =
      Set.of("ruleset", "description", "timezone", "default_event", "events", "tags", "lists", "features", "patterns", "rules",
          "groups");
  private static final Set<String> EVENT_KEYS = Set.of("id", "time", "channel", "fields", "description");
  private static final Set<String> FIELD_KEYS = Set.of("type", "required", "entity", "description");
  private static final Set<String> RULE_KEYS =
      Set.of("id", "name", "description", "category", "events", "channels", "when", "action", "score", "reason", "mode");
  private static final Set<String> GROUP_KEYS = Set.of("name", "description", "events", "channels", "rules");
  private static final Set<String> FEATURE_KEYS =
      Set.of("aggregate", "of", "by", "where", "events", "window", "include_current", "description");
  private static final Set<String> PATTERN_KEYS = Set.of("by", "within", "steps", "description");
  private static final Set<String> STEP_KEYS = Set.of("event", "when", "times", "optional", "contiguity", "not", "description");
  private static final Set<String> ABSENT_KEYS = Set.of("event", "when");
  /** The most events a match can have: the event decided and the latest 1,000 before it. */
  private static final int MAX_MATCH_EVENTS = 1001;
  /** The most steps a pattern may have (each is a bit of an event's stored mask). */
  private static final int MAX_STEPS = 50;
  private static final Set<String> LIST_KEYS = Set.of("type", "items", "description");
  private static final Set<String> TAG_ATTR_KEYS = Set.of("type", "default", "description");

  private final Problems problems = new Problems();
  private final RulesetCompiler.Options options;

  private RulesetReader(RulesetCompiler.Options options) {
    this.options = options;
  }

  // collected across files
  private Optional<Located<String>> name = Optional.empty();
  private Optional<Located<String>> timezone = Optional.empty();
  private Optional<Located<String>> defaultEvent = Optional.empty();
  private final Map<String, EventRaw> events = new LinkedHashMap<>();
  private final Map<String, Map<String, Scope.TagAttrDecl>> tags = new LinkedHashMap<>();
  private final Map<String, Pos> tagPositions = new LinkedHashMap<>();
  private final Map<String, ListDecl> lists = new LinkedHashMap<>();
  private final Map<String, Pos> listPositions = new LinkedHashMap<>();
  private final Map<String, FeatureRaw> features = new LinkedHashMap<>();
  private final Map<String, PatternRaw> patterns = new LinkedHashMap<>();
  private final List<RuleRaw> rules = new ArrayList<>();

  private record FieldRaw(String name, FieldType type, boolean required, Optional<String> entity, Pos pos) {}

  private record EventRaw(
      String name,
      Pos pos,
      Map<String, FieldRaw> fields,
      Optional<Located<String>> id,
      Optional<Located<String>> time,
      Optional<Located<String>> channel) {}

  private record FeatureRaw(
      String name,
      Pos pos,
      Optional<Located<FeatureDecl.Aggregate>> aggregate,
      Optional<ExprText> of,
      List<Located<String>> by,
      Optional<ExprText> where,
      List<Located<String>> events,
      Optional<FeatureDecl.Window> window,
      boolean includeCurrent) {}

  private record StepRaw(Pos pos, List<Located<String>> events, Optional<ExprText> when, int min, int max, boolean strict,
      boolean absent) {}

  private record PatternRaw(String name, Pos pos, List<Located<String>> by, Optional<java.time.Duration> within, List<StepRaw> steps) {}

  private record RuleRaw(
      Pos pos,
      Located<String> id,
      String name,
      String category,
      List<Located<String>> events,
      List<Located<String>> channels,
      Optional<ExprText> when,
      Optional<Action> action,
      long score,
      Optional<ExprText> reason,
      Mode mode) {}

  private record Selector(String category, List<Located<String>> events, List<Located<String>> channels) {}

  /** Reads and checks the files; diagnostics go to the returned problems. */
  static Result read(List<SourceFile> files) {
    return read(files, RulesetCompiler.Options.defaults());
  }

  static Result read(List<SourceFile> files, RulesetCompiler.Options options) {
    RulesetReader r = new RulesetReader(options);
    Optional<CheckedRuleset> checked = r.run(files);
    return new Result(checked, r.problems);
  }

  record Result(Optional<CheckedRuleset> ruleset, Problems problems) {}

  private Optional<CheckedRuleset> run(List<SourceFile> files) {
    if (files.isEmpty()) {
      problems.add(new Diagnostic(Diagnostic.Severity.ERROR, "<rules>", 0, 0, "no ruleset files given", ""));
      return Optional.empty();
    }
    for (SourceFile f : files) {
      SourceText src = new SourceText(f.name(), f.text());
      Yaml.compose(src, problems).ifPresent(root -> readFile(src, root));
    }
    if (problems.hasErrors()) {
      return Optional.empty();
    }
    SourceText first = new SourceText(files.get(0).name(), files.get(0).text());
    if (name.isEmpty()) {
      problems.error(first, 0, "missing 'ruleset: <name>' at the top of the file");
    }
    if (events.isEmpty()) {
      problems.error(first, 0, "missing 'events:': declare at least one event type and its fields");
      return Optional.empty();
    }
    ZoneId zone = ZoneId.of("UTC");
    if (timezone.isPresent()) {
      try {
        zone = ZoneId.of(timezone.get().value());
      } catch (DateTimeException e) {
        problems.error(timezone.get().pos(), "unknown time zone '" + timezone.get().value() + "' (e.g. UTC, Europe/Paris)");
      }
    }
    Schema schema = buildSchema();
    if (problems.hasErrors()) {
      return Optional.empty();
    }
    Map<String, FieldDef> allFields = new LinkedHashMap<>();
    for (EventType t : schema.eventTypes()) {
      for (FieldDef f : t.fields()) {
        allFields.putIfAbsent(f.name(), f);
      }
    }
    checkEntities(schema);
    List<FeatureDecl> featureDecls = new ArrayList<>();
    List<Typed> featureValues = new ArrayList<>();
    List<Typed> featureFilters = new ArrayList<>();
    Map<String, FeatureDecl> featureByName = new LinkedHashMap<>();
    for (FeatureRaw fr : features.values()) {
      checkFeature(fr, schema, allFields, featureDecls.size()).ifPresent(c -> {
        featureDecls.add(c.decl());
        featureValues.add(c.value());
        featureFilters.add(c.filter());
        featureByName.put(c.decl().name(), c.decl());
      });
    }
    List<PatternDecl> patternDecls = new ArrayList<>();
    List<List<Typed>> patternConditions = new ArrayList<>();
    for (PatternRaw pr : patterns.values()) {
      if (featureByName.containsKey(pr.name())) {
        problems.error(pr.pos(), "'" + pr.name() + "' is already the name of a feature");
        continue;
      }
      checkPattern(pr, schema, allFields, patternDecls.size(), featureDecls.size(), featureByName).ifPresent(c -> {
        patternDecls.add(c.decl());
        patternConditions.add(c.conditions());
        FeatureDecl asFeature = new FeatureDecl(c.decl().featureIndex(), pr.name(), FeatureDecl.Aggregate.PATTERN, Optional.empty(),
            FeatureDecl.ValueType.NUMBER, c.decl().by(), Optional.empty(), c.eventTypes(),
            new FeatureDecl.Window.Sliding(c.decl().within()), true, c.decl().location());
        featureDecls.add(asFeature);
        featureValues.add(new Typed.Const(Type.NUMBER, 1.0));
        featureFilters.add(new Typed.Const(Type.BOOLEAN, true));
        featureByName.put(pr.name(), asFeature);
      });
    }
    List<CheckedRule> checkedRules = new ArrayList<>();
    Map<String, Pos> ids = new LinkedHashMap<>();
    for (RuleRaw rr : rules) {
      Pos prev = ids.putIfAbsent(rr.id().value(), rr.id().pos());
      if (prev != null) {
        problems.error(rr.id().pos(), "duplicate rule id '" + rr.id().value() + "' (first declared at " + prev.describe() + ")");
        continue;
      }
      checkRule(rr, checkedRules.size(), schema, allFields, featureByName).ifPresent(checkedRules::add);
    }
    if (problems.hasErrors()) {
      return Optional.empty();
    }
    return Optional.of(
        new CheckedRuleset(
            name.map(Located::value).orElse("ruleset"),
            zone,
            schema,
            copyTags(),
            Map.copyOf(lists),
            List.copyOf(featureDecls),
            List.copyOf(featureValues),
            List.copyOf(featureFilters),
            List.copyOf(patternDecls),
            List.copyOf(patternConditions),
            List.copyOf(checkedRules)));
  }

  private Map<String, Map<String, Scope.TagAttrDecl>> copyTags() {
    Map<String, Map<String, Scope.TagAttrDecl>> out = new LinkedHashMap<>();
    tags.forEach((k, v) -> out.put(k, Map.copyOf(v)));
    return Map.copyOf(out);
  }

  // ---------------------------------------------------------------- file structure

  private void readFile(SourceText src, Node root) {
    if (!(root instanceof MappingNode top)) {
      problems.error(src, Yaml.offset(src, root), "a ruleset file must be a mapping with 'ruleset:', 'events:' and 'rules:'");
      return;
    }
    Map<String, Yaml.Entry> entries = Yaml.entries(src, top, problems);
    for (Yaml.Entry e : entries.values()) {
      if (!TOP_KEYS.contains(e.key())) {
        unknownKey(e, TOP_KEYS, "at the top of a ruleset");
        continue;
      }
      Node v = e.value();
      switch (e.key()) {
        case "ruleset" -> Yaml.string(src, v, "'ruleset'", problems).ifPresent(s -> {
          Located<String> l = new Located<>(s, Yaml.pos(src, v));
          if (name.isPresent() && !name.get().value().equals(s)) {
            problems.error(l.pos(), "ruleset name '" + s + "' differs from '" + name.get().value()
                + "' declared at " + name.get().pos().describe());
          } else if (!RULE_ID.matcher(s).matches()) {
            problems.error(l.pos(), "a ruleset name uses letters, digits, '_', '-' and '.', up to 100 characters");
          } else {
            name = Optional.of(l);
          }
        });
        case "description" -> Yaml.scalar(src, v, "'description'", problems);
        case "timezone" -> Yaml.string(src, v, "'timezone'", problems).ifPresent(s -> {
          if (timezone.isPresent()) {
            problems.error(Yaml.pos(src, v), "timezone already set at " + timezone.get().pos().describe());
          } else {
            timezone = Optional.of(new Located<>(s, Yaml.pos(src, v)));
          }
        });
        case "default_event" -> Yaml.string(src, v, "'default_event'", problems).ifPresent(s -> {
          if (defaultEvent.isPresent()) {
            problems.error(Yaml.pos(src, v), "default_event already set at " + defaultEvent.get().pos().describe());
          } else {
            defaultEvent = Optional.of(new Located<>(s, Yaml.pos(src, v)));
          }
        });
        case "events" -> mapping(src, v, "'events'").ifPresent(m -> readEvents(src, m));
        case "tags" -> mapping(src, v, "'tags'").ifPresent(m -> readTags(src, m));
        case "lists" -> mapping(src, v, "'lists'").ifPresent(m -> readLists(src, m));
        case "features" -> mapping(src, v, "'features'").ifPresent(m -> readFeatures(src, m));
        case "patterns" -> mapping(src, v, "'patterns'").ifPresent(m -> readPatterns(src, m));
        case "rules" -> readRules(src, v, new Selector("", List.of(), List.of()));
        case "groups" -> readGroups(src, v);
        default -> throw new IllegalStateException(e.key());
      }
    }
  }

  private Optional<MappingNode> mapping(SourceText src, Node n, String what) {
    if (n instanceof MappingNode m) {
      return Optional.of(m);
    }
    if (Yaml.isNull(n)) {
      return Optional.empty();
    }
    problems.error(src, Yaml.offset(src, n), what + " must be a mapping of names, not " + Yaml.kind(n));
    return Optional.empty();
  }

  private void unknownKey(Yaml.Entry e, Set<String> allowed, String where) {
    problems.error(
        e.keyPos(),
        "unknown key '" + e.key() + "' " + where + Suggest.hint(e.key(), allowed)
            + " (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
  }

  private Map<String, Yaml.Entry> entriesOf(SourceText src, MappingNode m, Set<String> allowed, String where) {
    Map<String, Yaml.Entry> entries = Yaml.entries(src, m, problems);
    entries.values().removeIf(e -> {
      if (!allowed.contains(e.key())) {
        unknownKey(e, allowed, where);
        return true;
      }
      return false;
    });
    return entries;
  }

  // ---------------------------------------------------------------- events

  private void readEvents(SourceText src, MappingNode m) {
    for (Yaml.Entry e : Yaml.entries(src, m, problems).values()) {
      String type = e.key();
      if (!SIMPLE_NAME.matcher(type).matches()) {
        problems.error(e.keyPos(), "event type '" + type + "' must be a name of letters, digits and '_'");
        continue;
      }
      if (events.containsKey(type)) {
        problems.error(e.keyPos(), "event type '" + type + "' is already declared at " + events.get(type).pos().describe());
        continue;
      }
      Optional<MappingNode> body = mapping(src, e.value(), "event type '" + type + "'");
      if (body.isEmpty()) {
        problems.error(e.keyPos(), "event type '" + type + "' needs 'fields:'");
        continue;
      }
      Map<String, Yaml.Entry> keys = entriesOf(src, body.get(), EVENT_KEYS, "in event type '" + type + "'");
      Map<String, FieldRaw> fields = new LinkedHashMap<>();
      Yaml.Entry fe = keys.get("fields");
      if (fe == null) {
        problems.error(e.keyPos(), "event type '" + type + "' needs 'fields:'");
      } else {
        mapping(src, fe.value(), "'fields'").ifPresent(fm -> readFields(src, fm, fields));
      }
      events.put(
          type,
          new EventRaw(
              type,
              e.keyPos(),
              fields,
              located(src, keys.get("id"), "'id'"),
              located(src, keys.get("time"), "'time'"),
              located(src, keys.get("channel"), "'channel'")));
    }
  }

  private Optional<Located<String>> located(SourceText src, Yaml.Entry e, String what) {
    if (e == null) {
      return Optional.empty();
    }
    return Yaml.string(src, e.value(), what, problems).map(s -> new Located<>(s, Yaml.pos(src, e.value())));
  }

  private void readFields(SourceText src, MappingNode m, Map<String, FieldRaw> out) {
    for (Yaml.Entry e : Yaml.entries(src, m, problems).values()) {
      String field = e.key();
      if (!NAME.matcher(field).matches() || field.length() > 200) {
        problems.error(e.keyPos(), "field name '" + field + "' must be letters, digits and '_', not starting with a digit, with '.' for nested objects");
        continue;
      }
      for (String part : field.split("\\.")) {
        if (Lexer.KEYWORDS.contains(part) || Fn.byName(part, -1).isPresent() && part.equals("tag")) {
          problems.error(e.keyPos(), "'" + part + "' is a reserved word and cannot name a field");
        }
      }
      Node v = e.value();
      String typeName;
      boolean required = false;
      Optional<String> entity = Optional.empty();
      Pos typePos = Yaml.pos(src, v);
      if (v instanceof ScalarNode s) {
        typeName = s.getValue();
      } else if (v instanceof MappingNode fm) {
        Map<String, Yaml.Entry> keys = entriesOf(src, fm, FIELD_KEYS, "in field '" + field + "'");
        Yaml.Entry t = keys.get("type");
        if (t == null) {
          problems.error(e.keyPos(), "field '" + field + "' needs a 'type'");
          continue;
        }
        typePos = Yaml.pos(src, t.value());
        typeName = Yaml.string(src, t.value(), "'type'", problems).orElse("");
        if (keys.containsKey("required")) {
          required = Yaml.bool(src, keys.get("required").value(), "'required'", problems).orElse(false);
        }
        if (keys.containsKey("entity")) {
          entity = Yaml.string(src, keys.get("entity").value(), "'entity'", problems);
        }
      } else {
        problems.error(src, Yaml.offset(src, v), "field '" + field + "' must give a type, e.g. 'amount: double'");
        continue;
      }
      Optional<FieldType> type = FieldType.parse(typeName);
      if (type.isEmpty()) {
        problems.error(typePos, "unknown field type '" + typeName + "'"
            + Suggest.hint(typeName, List.of("string", "long", "double", "boolean", "timestamp"))
            + " (use string, long, double, boolean or timestamp)");
        continue;
      }
      if (entity.isPresent() && type.get() != FieldType.STRING) {
        problems.error(typePos, "only a string field can identify an entity");
      }
      out.put(field, new FieldRaw(field, type.get(), required, entity, e.keyPos()));
    }
  }

  private Schema buildSchema() {
    Map<String, FieldRaw> firstByName = new LinkedHashMap<>();
    Map<String, Integer> slots = new LinkedHashMap<>();
    int numeric = 0;
    int strings = 0;
    List<EventType> types = new ArrayList<>();
    for (EventRaw ev : events.values()) {
      List<FieldDef> defs = new ArrayList<>();
      for (FieldRaw f : ev.fields().values()) {
        FieldRaw first = firstByName.putIfAbsent(f.name(), f);
        if (first != null && first.type() != f.type()) {
          problems.error(f.pos(), "field '" + f.name() + "' is a " + f.type().yamlName() + " here but a "
              + first.type().yamlName() + " at " + first.pos().describe() + "; a field name has one type in a ruleset");
          continue;
        }
        for (String other : firstByName.keySet()) {
          if (other.startsWith(f.name() + ".") || f.name().startsWith(other + ".")) {
            problems.error(f.pos(), "field '" + f.name() + "' cannot be both a value and an object holding '" + other + "'");
          }
        }
        Integer slot = slots.get(f.name());
        if (slot == null) {
          slot = f.type().numeric() ? numeric++ : strings++;
          slots.put(f.name(), slot);
        }
        defs.add(new FieldDef(f.name(), f.type(), f.required(), f.entity(), slot));
      }
      Map<String, FieldRaw> fields = ev.fields();
      String id = ev.id().map(Located::value).orElseGet(() -> guessId(ev));
      if (id == null) {
        problems.error(ev.pos(), "event type '" + ev.name() + "' needs 'id: <field>' naming its unique id field");
        continue;
      }
      if (!fields.containsKey(id)) {
        problems.error(ev.id().map(Located::pos).orElse(ev.pos()), "id field '" + id + "' is not among the fields of '" + ev.name() + "'");
        continue;
      }
      if (fields.get(id).type() != FieldType.STRING) {
        problems.error(fields.get(id).pos(), "the id field '" + id + "' must be a string");
      }
      Optional<String> time = ev.time().map(Located::value).or(() -> Optional.ofNullable(guessTime(ev)));
      if (time.isPresent()) {
        FieldRaw tf = fields.get(time.get());
        if (tf == null) {
          problems.error(ev.time().map(Located::pos).orElse(ev.pos()), "time field '" + time.get() + "' is not among the fields of '" + ev.name() + "'");
          time = Optional.empty();
        } else if (tf.type() != FieldType.TIMESTAMP) {
          problems.error(tf.pos(), "the time field '" + time.get() + "' must be a timestamp");
        }
      }
      Optional<String> channel = ev.channel().map(Located::value).or(() -> fields.containsKey("channel") ? Optional.of("channel") : Optional.empty());
      if (channel.isPresent()) {
        FieldRaw cf = fields.get(channel.get());
        if (cf == null) {
          problems.error(ev.channel().map(Located::pos).orElse(ev.pos()), "channel field '" + channel.get() + "' is not among the fields of '" + ev.name() + "'");
          channel = Optional.empty();
        } else if (cf.type() != FieldType.STRING) {
          problems.error(cf.pos(), "the channel field '" + channel.get() + "' must be a string");
        }
      }
      types.add(new EventType(ev.name(), types.size(), defs, id, time, channel));
    }
    Optional<String> dflt = defaultEvent.map(Located::value);
    if (dflt.isPresent() && !events.containsKey(dflt.get())) {
      problems.error(defaultEvent.get().pos(), "default_event '" + dflt.get() + "' is not a declared event type"
          + Suggest.hint(dflt.get(), events.keySet()));
    }
    if (dflt.isEmpty() && events.size() == 1) {
      dflt = Optional.of(events.keySet().iterator().next());
    }
    return new Schema(types, dflt.filter(events::containsKey), numeric, strings);
  }

  private static String guessId(EventRaw ev) {
    for (String c : List.of("event_id", ev.name() + "_id", "transaction_id", "id")) {
      if (ev.fields().containsKey(c)) {
        return c;
      }
    }
    return null;
  }

  private static String guessTime(EventRaw ev) {
    for (String c : List.of("timestamp", "event_time", "time")) {
      FieldRaw f = ev.fields().get(c);
      if (f != null && f.type() == FieldType.TIMESTAMP) {
        return c;
      }
    }
    return null;
  }

  private void checkEntities(Schema schema) {
    for (EventRaw ev : events.values()) {
      for (FieldRaw f : ev.fields().values()) {
        if (f.entity().isPresent() && !tags.containsKey(f.entity().get())) {
          problems.error(f.pos(), "field '" + f.name() + "' names entity '" + f.entity().get()
              + "', which is not declared under 'tags:'" + Suggest.hint(f.entity().get(), tags.keySet()));
        }
      }
    }
  }

  // ---------------------------------------------------------------- tags and lists

  private void readTags(SourceText src, MappingNode m) {
    for (Yaml.Entry e : Yaml.entries(src, m, problems).values()) {
      String entity = e.key();
      if (!SIMPLE_NAME.matcher(entity).matches()) {
        problems.error(e.keyPos(), "tag entity '" + entity + "' must be a name of letters, digits and '_'");
        continue;
      }
      if (tags.containsKey(entity)) {
        problems.error(e.keyPos(), "tag entity '" + entity + "' is already declared at " + tagPositions.get(entity).describe());
        continue;
      }
      Map<String, Scope.TagAttrDecl> attrs = new LinkedHashMap<>();
      tags.put(entity, attrs);
      tagPositions.put(entity, e.keyPos());
      Optional<MappingNode> body = mapping(src, e.value(), "tag entity '" + entity + "'");
      if (body.isEmpty()) {
        continue;
      }
      for (Yaml.Entry a : Yaml.entries(src, body.get(), problems).values()) {
        readTagAttribute(src, entity, a).ifPresent(d -> attrs.put(d.name(), d));
      }
    }
  }

  private Optional<Scope.TagAttrDecl> readTagAttribute(SourceText src, String entity, Yaml.Entry a) {
    if (!SIMPLE_NAME.matcher(a.key()).matches()) {
      problems.error(a.keyPos(), "tag attribute '" + a.key() + "' must be a name of letters, digits and '_'");
      return Optional.empty();
    }
    Node v = a.value();
    String typeName;
    Node dflt = null;
    Pos typePos = Yaml.pos(src, v);
    if (v instanceof ScalarNode s) {
      typeName = s.getValue();
    } else if (v instanceof MappingNode am) {
      Map<String, Yaml.Entry> keys = entriesOf(src, am, TAG_ATTR_KEYS, "in tag attribute '" + entity + "." + a.key() + "'");
      Yaml.Entry t = keys.get("type");
      if (t == null) {
        problems.error(a.keyPos(), "tag attribute '" + a.key() + "' needs a 'type'");
        return Optional.empty();
      }
      typePos = Yaml.pos(src, t.value());
      typeName = Yaml.string(src, t.value(), "'type'", problems).orElse("");
      if (keys.containsKey("default")) {
        dflt = keys.get("default").value();
      }
    } else {
      problems.error(typePos, "tag attribute '" + a.key() + "' must give a type, e.g. 'risk_level: long'");
      return Optional.empty();
    }
    Optional<TagAttrType> type = TagAttrType.parse(typeName);
    if (type.isEmpty()) {
      problems.error(typePos, "unknown tag attribute type '" + typeName + "' (use long, double, string, boolean, timestamp or set)");
      return Optional.empty();
    }
    Object fallback = null;
    if (dflt != null) {
      Node dn = dflt;
      String what = "the default of '" + entity + "." + a.key() + "'";
      switch (type.get()) {
        case LONG -> fallback = Yaml.integer(src, dflt, what, problems).map(Long::doubleValue).orElse(null);
        case DOUBLE -> fallback = Yaml.scalar(src, dflt, what, problems).flatMap(s -> parseDouble(s, dn, src, what)).orElse(null);
        case STRING -> fallback = Yaml.scalar(src, dflt, what, problems).orElse(null);
        case BOOLEAN -> fallback = Yaml.bool(src, dflt, what, problems).map(b -> b ? 1.0 : 0.0).orElse(null);
        case TIMESTAMP, SET -> problems.error(src, Yaml.offset(src, dflt), "a " + type.get().name().toLowerCase(java.util.Locale.ROOT) + " tag attribute cannot have a default");
      }
    }
    return Optional.of(new Scope.TagAttrDecl(a.key(), type.get(), fallback));
  }

  private Optional<Double> parseDouble(String s, Node n, SourceText src, String what) {
    try {
      double d = Double.parseDouble(s);
      if (Double.isFinite(d) && !s.endsWith("d") && !s.endsWith("f") && !s.endsWith("D") && !s.endsWith("F")) {
        return Optional.of(d);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.error(src, Yaml.offset(src, n), what + " must be a number, not '" + s + "'");
    return Optional.empty();
  }

  private void readLists(SourceText src, MappingNode m) {
    for (Yaml.Entry e : Yaml.entries(src, m, problems).values()) {
      String list = e.key();
      if (!RULE_ID.matcher(list).matches()) {
        problems.error(e.keyPos(), "list name '" + list + "' must use letters, digits, '_', '-' and '.'");
        continue;
      }
      if (lists.containsKey(list)) {
        problems.error(e.keyPos(), "list '" + list + "' is already declared at " + listPositions.get(list).describe());
        continue;
      }
      List<String> items = new ArrayList<>();
      Node v = e.value();
      if (v instanceof SequenceNode) {
        Yaml.strings(src, v, "list '" + list + "'", problems).forEach(l -> items.add(l.value()));
      } else if (v instanceof MappingNode lm) {
        Map<String, Yaml.Entry> keys = entriesOf(src, lm, LIST_KEYS, "in list '" + list + "'");
        if (keys.containsKey("type")) {
          Yaml.string(src, keys.get("type").value(), "'type'", problems).ifPresent(t -> {
            if (!t.equals("string")) {
              problems.error(Yaml.pos(src, keys.get("type").value()), "named lists hold strings; write numbers as strings");
            }
          });
        }
        if (keys.containsKey("items")) {
          Yaml.strings(src, keys.get("items").value(), "'items'", problems).forEach(l -> items.add(l.value()));
        }
      } else if (!Yaml.isNull(v)) {
        problems.error(src, Yaml.offset(src, v), "list '" + list + "' must be a list of items or a mapping with 'items:'");
        continue;
      }
      lists.put(list, new ListDecl(list, items));
      listPositions.put(list, e.keyPos());
    }
  }

  // ---------------------------------------------------------------- features

  private void readFeatures(SourceText src, MappingNode m) {
    for (Yaml.Entry e : Yaml.entries(src, m, problems).values()) {
      String feature = e.key();
      if (!SIMPLE_NAME.matcher(feature).matches() || !feature.equals(feature.toLowerCase(java.util.Locale.ROOT))) {
        problems.error(e.keyPos(), "feature name '" + feature + "' must be lowercase letters, digits and '_'");
        continue;
      }
      if (features.containsKey(feature)) {
        problems.error(e.keyPos(), "feature '" + feature + "' is already declared at " + features.get(feature).pos().describe());
        continue;
      }
      Optional<MappingNode> body = mapping(src, e.value(), "feature '" + feature + "'");
      if (body.isEmpty()) {
        problems.error(e.keyPos(), "feature '" + feature + "' needs 'aggregate:', 'by:' and 'window:'");
        continue;
      }
      Map<String, Yaml.Entry> keys = entriesOf(src, body.get(), FEATURE_KEYS, "in feature '" + feature + "'");
      Optional<Located<FeatureDecl.Aggregate>> agg = Optional.empty();
      if (keys.containsKey("aggregate")) {
        Node an = keys.get("aggregate").value();
        agg = Yaml.string(src, an, "'aggregate'", problems).flatMap(s -> {
          Optional<FeatureDecl.Aggregate> a = FeatureDecl.Aggregate.parse(s);
          if (a.isEmpty()) {
            problems.error(Yaml.pos(src, an), "unknown aggregate '" + s + "' (use count, sum, avg, min, max, distinct_count, first or last)");
          }
          return a.map(x -> new Located<>(x, Yaml.pos(src, an)));
        });
      } else {
        problems.error(e.keyPos(), "feature '" + feature + "' needs 'aggregate:'");
      }
      Optional<ExprText> of = Optional.ofNullable(keys.get("of")).flatMap(x -> Yaml.expression(src, x.value(), "'of'", problems));
      Optional<ExprText> where = Optional.ofNullable(keys.get("where")).flatMap(x -> Yaml.expression(src, x.value(), "'where'", problems));
      List<Located<String>> by = keys.containsKey("by") ? Yaml.strings(src, keys.get("by").value(), "'by'", problems) : List.of();
      if (by.isEmpty()) {
        problems.error(e.keyPos(), "feature '" + feature + "' needs 'by:' naming one field or a list of fields");
      }
      List<Located<String>> evs = keys.containsKey("events") ? Yaml.strings(src, keys.get("events").value(), "'events'", problems) : List.of();
      Optional<FeatureDecl.Window> window = Optional.empty();
      if (keys.containsKey("window")) {
        window = readWindow(src, keys.get("window").value());
      } else {
        problems.error(e.keyPos(), "feature '" + feature + "' needs 'window:', e.g. 'window: 1h' or 'window: {last: 5}'");
      }
      boolean include = true;
      if (keys.containsKey("include_current")) {
        include = Yaml.bool(src, keys.get("include_current").value(), "'include_current'", problems).orElse(true);
      }
      features.put(feature, new FeatureRaw(feature, e.keyPos(), agg, of, by, where, evs, window, include));
    }
  }

  private Optional<FeatureDecl.Window> readWindow(SourceText src, Node n) {
    if (n instanceof ScalarNode s) {
      return duration(src, n, s.getValue()).map(FeatureDecl.Window.Sliding::new);
    }
    if (!(n instanceof MappingNode m) || m.getValue().size() != 1) {
      problems.error(src, Yaml.offset(src, n), "a window is a duration ('1h') or one of {sliding: 1h}, {tumbling: 1h}, {tumbling: day}, {last: 5}");
      return Optional.empty();
    }
    Yaml.Entry e = Yaml.entries(src, m, problems).values().iterator().next();
    Optional<String> v = Yaml.string(src, e.value(), "the window", problems);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    switch (e.key()) {
      case "sliding":
        return duration(src, e.value(), v.get()).map(FeatureDecl.Window.Sliding::new);
      case "tumbling":
        if (Set.of("hour", "day", "week", "month").contains(v.get())) {
          return Optional.of(new FeatureDecl.Window.Calendar(v.get()));
        }
        return duration(src, e.value(), v.get()).map(FeatureDecl.Window.Tumbling::new);
      case "last":
        return Yaml.integer(src, e.value(), "'last'", problems).flatMap(count -> {
          if (count < 1 || count > 10_000) {
            problems.error(src, Yaml.offset(src, e.value()), "'last' takes 1 to 10000 events");
            return Optional.empty();
          }
          return Optional.of(new FeatureDecl.Window.Count(count.intValue()));
        });
      default:
        problems.error(e.keyPos(), "unknown window kind '" + e.key() + "' (use sliding, tumbling or last)");
        return Optional.empty();
    }
  }

  private Optional<Duration> duration(SourceText src, Node n, String text) {
    try {
      List<Lexer.Token> tokens = Lexer.tokenize(text.trim());
      if (tokens.size() == 2 && tokens.get(0).kind() == Lexer.Kind.DURATION) {
        long ms = (Long) tokens.get(0).value();
        if (ms > 0 && ms <= Duration.ofDays(3660).toMillis()) {
          return Optional.of(Duration.ofMillis(ms));
        }
      }
    } catch (ParseError ignored) {
      // reported below
    }
    problems.error(src, Yaml.offset(src, n), "'" + text + "' is not a window length: use a duration like 30s, 10m, 1h, 7d");
    return Optional.empty();
  }

  private record CheckedFeature(FeatureDecl decl, Typed value, Typed filter) {}

  private Optional<CheckedFeature> checkFeature(FeatureRaw fr, Schema schema, Map<String, FieldDef> allFields, int index) {
    if (fr.aggregate().isEmpty() || fr.window().isEmpty() || fr.by().isEmpty()) {
      return Optional.empty();
    }
    List<EventType> scopeTypes = eventTypes(fr.events(), schema);
    if (scopeTypes.isEmpty()) {
      return Optional.empty();
    }
    Scope scope = new Scope(scopeTypes, "feature", allFields, Map.of(), tags, lists, false, false);
    ExprChecker checker = new ExprChecker(scope);
    boolean ok = true;
    for (Located<String> b : fr.by()) {
      Optional<FieldDef> f = scope.field(b.value());
      if (f.isEmpty()) {
        problems.error(b.pos(), "'by' field '" + b.value() + "' is not declared for every event type of the feature"
            + Suggest.hint(b.value(), allFields.keySet()));
        ok = false;
      }
    }
    FeatureDecl.Aggregate agg = fr.aggregate().get().value();
    Typed value = new Typed.Const(Type.NUMBER, 1.0);
    if (agg == FeatureDecl.Aggregate.COUNT) {
      if (fr.of().isPresent()) {
        problems.error(fr.of().get().pos(0), "'count' takes no 'of:'");
        ok = false;
      }
    } else if (fr.of().isEmpty()) {
      problems.error(fr.aggregate().get().pos(), "'" + agg.yamlName() + "' needs 'of:' naming what to aggregate");
      ok = false;
    } else {
      Optional<Typed> t = expression(fr.of().get(), checker, false);
      if (t.isEmpty()) {
        ok = false;
      } else {
        value = t.get();
        boolean numeric = value.type() == Type.NUMBER;
        if (agg == FeatureDecl.Aggregate.DISTINCT_COUNT) {
          if (!(value.type() == Type.STRING || numeric)) {
            problems.error(fr.of().get().pos(0), "distinct_count takes a string or number, not a " + value.type().label);
            ok = false;
          }
        } else if (agg == FeatureDecl.Aggregate.FIRST || agg == FeatureDecl.Aggregate.LAST) {
          if (!numeric) {
            problems.error(fr.of().get().pos(0), agg.yamlName() + " takes a number");
            ok = false;
          }
        } else if (!numeric) {
          problems.error(fr.of().get().pos(0), agg.yamlName() + " takes a number, not a " + value.type().label);
          ok = false;
        }
      }
    }
    Typed filter = new Typed.Const(Type.BOOLEAN, true);
    if (fr.where().isPresent()) {
      Optional<Typed> t = expression(fr.where().get(), checker, true);
      if (t.isEmpty()) {
        ok = false;
      } else {
        filter = t.get();
      }
    }
    if (!ok) {
      return Optional.empty();
    }
    Set<String> typeNames = new LinkedHashSet<>();
    scopeTypes.forEach(t -> typeNames.add(t.name()));
    FeatureDecl decl = new FeatureDecl(
        index,
        fr.name(),
        agg,
        fr.of().map(x -> x.text),
        agg == FeatureDecl.Aggregate.COUNT ? FeatureDecl.ValueType.NONE
            : value.type() == Type.STRING ? FeatureDecl.ValueType.STRING : FeatureDecl.ValueType.NUMBER,
        fr.by().stream().map(Located::value).toList(),
        fr.where().map(x -> x.text),
        typeNames,
        fr.window().get(),
        fr.includeCurrent(),
        fr.pos().describe());
    return Optional.of(new CheckedFeature(decl, value, filter));
  }

  // ---------------------------------------------------------------- patterns

  private void readPatterns(SourceText src, MappingNode m) {
    for (Yaml.Entry e : Yaml.entries(src, m, problems).values()) {
      String pattern = e.key();
      if (!SIMPLE_NAME.matcher(pattern).matches() || !pattern.equals(pattern.toLowerCase(java.util.Locale.ROOT))) {
        problems.error(e.keyPos(), "pattern name '" + pattern + "' must be lowercase letters, digits and '_'");
        continue;
      }
      if (patterns.containsKey(pattern)) {
        problems.error(e.keyPos(), "pattern '" + pattern + "' is already declared at " + patterns.get(pattern).pos().describe());
        continue;
      }
      if (features.containsKey(pattern)) {
        problems.error(e.keyPos(), "'" + pattern + "' is already declared as a feature at " + features.get(pattern).pos().describe());
        continue;
      }
      Optional<MappingNode> body = mapping(src, e.value(), "pattern '" + pattern + "'");
      if (body.isEmpty()) {
        problems.error(e.keyPos(), "pattern '" + pattern + "' needs 'by:', 'within:' and 'steps:'");
        continue;
      }
      Map<String, Yaml.Entry> keys = entriesOf(src, body.get(), PATTERN_KEYS, "in pattern '" + pattern + "'");
      List<Located<String>> by = keys.containsKey("by") ? Yaml.strings(src, keys.get("by").value(), "'by'", problems) : List.of();
      if (by.isEmpty()) {
        problems.error(e.keyPos(), "pattern '" + pattern + "' needs 'by:' naming one field or a list of fields");
      }
      Optional<java.time.Duration> within = Optional.empty();
      if (keys.containsKey("within")) {
        Node wn = keys.get("within").value();
        within = Yaml.string(src, wn, "'within'", problems).flatMap(w -> duration(src, wn, w));
      } else {
        problems.error(e.keyPos(), "pattern '" + pattern + "' needs 'within:', e.g. 'within: 10m'");
      }
      List<StepRaw> steps = new ArrayList<>();
      if (!keys.containsKey("steps") || !(keys.get("steps").value() instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
        problems.error(keys.containsKey("steps") ? keys.get("steps").keyPos() : e.keyPos(),
            "pattern '" + pattern + "' needs 'steps:', a list of steps such as '- event: login'");
      } else {
        for (Node sn : seq.getValue()) {
          readStep(src, sn, pattern).ifPresent(steps::add);
        }
      }
      patterns.put(pattern, new PatternRaw(pattern, e.keyPos(), by, within, steps));
    }
  }

  private Optional<StepRaw> readStep(SourceText src, Node n, String pattern) {
    Pos pos = Yaml.pos(src, n);
    Optional<MappingNode> sm = mapping(src, n, "a step of pattern '" + pattern + "'");
    if (sm.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Yaml.Entry> keys = entriesOf(src, sm.get(), STEP_KEYS, "in a step of pattern '" + pattern + "'");
    if (keys.containsKey("not")) {
      if (keys.size() > 1) {
        problems.error(pos, "a 'not:' step takes nothing else: write '- not: {event: payout, when: ...}'");
        return Optional.empty();
      }
      Optional<MappingNode> nm = mapping(src, keys.get("not").value(), "'not'");
      if (nm.isEmpty()) {
        return Optional.empty();
      }
      Map<String, Yaml.Entry> nk = entriesOf(src, nm.get(), ABSENT_KEYS, "in a 'not:' step");
      if (!nk.containsKey("event")) {
        problems.error(keys.get("not").keyPos(), "a 'not:' step needs 'event:'");
        return Optional.empty();
      }
      List<Located<String>> evs = Yaml.strings(src, nk.get("event").value(), "'event'", problems);
      Optional<ExprText> when = Optional.ofNullable(nk.get("when")).flatMap(x -> Yaml.expression(src, x.value(), "'when'", problems));
      return Optional.of(new StepRaw(pos, evs, when, 0, 0, false, true));
    }
    if (!keys.containsKey("event")) {
      problems.error(pos, "a step needs 'event:' naming its event type (or a list of them), or 'not:'");
      return Optional.empty();
    }
    List<Located<String>> evs = Yaml.strings(src, keys.get("event").value(), "'event'", problems);
    Optional<ExprText> when = Optional.ofNullable(keys.get("when")).flatMap(x -> Yaml.expression(src, x.value(), "'when'", problems));
    int min = 1;
    int max = 1;
    if (keys.containsKey("times")) {
      Node tn = keys.get("times").value();
      if (tn instanceof ScalarNode) {
        Optional<Long> v = Yaml.integer(src, tn, "'times'", problems);
        if (v.isEmpty() || v.get() < 1 || v.get() > 1000) {
          problems.error(Yaml.pos(src, tn), "'times' takes 1 to 1000 events, or {min: n}, or {min: n, max: m}");
          return Optional.empty();
        }
        min = v.get().intValue();
        max = min;
      } else {
        Optional<MappingNode> tm = mapping(src, tn, "'times'");
        if (tm.isEmpty()) {
          return Optional.empty();
        }
        Map<String, Yaml.Entry> tk = entriesOf(src, tm.get(), Set.of("min", "max"), "in 'times'");
        Optional<Long> lo = Optional.ofNullable(tk.get("min")).flatMap(x -> Yaml.integer(src, x.value(), "'min'", problems));
        Optional<Long> hi = Optional.ofNullable(tk.get("max")).flatMap(x -> Yaml.integer(src, x.value(), "'max'", problems));
        if (lo.isEmpty() && hi.isEmpty()) {
          problems.error(Yaml.pos(src, tn), "'times' as a mapping needs 'min:', 'max:' or both");
          return Optional.empty();
        }
        long l = lo.orElse(1L);
        long h = hi.orElse((long) PatternDecl.UNBOUNDED);
        if (l < 0 || l > 1000 || (hi.isPresent() && (h < Math.max(1, l) || h > 1000))) {
          problems.error(Yaml.pos(src, tn), "'times' takes min from 0 to 1000 and max from max(min, 1) to 1000");
          return Optional.empty();
        }
        min = (int) l;
        max = (int) h;
      }
    }
    if (keys.containsKey("optional") && Yaml.bool(src, keys.get("optional").value(), "'optional'", problems).orElse(false)) {
      min = 0;
    }
    boolean strict = false;
    if (keys.containsKey("contiguity")) {
      Node cn = keys.get("contiguity").value();
      Optional<String> c = Yaml.string(src, cn, "'contiguity'", problems);
      if (c.isPresent() && !c.get().equals("strict") && !c.get().equals("relaxed")) {
        problems.error(Yaml.pos(src, cn), "'contiguity' is strict (nothing else of the key in between) or relaxed (the default)");
        return Optional.empty();
      }
      strict = c.map("strict"::equals).orElse(false);
    }
    return Optional.of(new StepRaw(pos, evs, when, min, max, strict, false));
  }

  private record CheckedPattern(PatternDecl decl, List<Typed> conditions, Set<String> eventTypes) {}

  private Optional<CheckedPattern> checkPattern(PatternRaw pr, Schema schema, Map<String, FieldDef> allFields, int index,
      int featureIndex, Map<String, FeatureDecl> known) {
    if (pr.by().isEmpty() || pr.within().isEmpty() || pr.steps().isEmpty()) {
      return Optional.empty();
    }
    boolean ok = true;
    // the pattern sees every event of its key: those of every type that has the key fields
    Set<String> keyed = new LinkedHashSet<>();
    for (EventType t : schema.eventTypes()) {
      if (pr.by().stream().allMatch(b -> t.field(b.value()).isPresent())) {
        keyed.add(t.name());
      }
    }
    if (pr.steps().size() > MAX_STEPS) {
      problems.error(pr.pos(), "pattern '" + pr.name() + "' has " + pr.steps().size() + " steps; at most " + MAX_STEPS);
      return Optional.empty();
    }
    List<PatternDecl.Step> steps = new ArrayList<>();
    List<Typed> conditions = new ArrayList<>();
    Map<Located<String>, Set<String>> lacking = new LinkedHashMap<>();
    for (StepRaw st : pr.steps()) {
      List<EventType> types = eventTypes(st.events(), schema);
      if (types.isEmpty()) {
        ok = false;
        continue;
      }
      for (EventType t : types) {
        for (Located<String> b : pr.by()) {
          if (t.field(b.value()).isEmpty()) {
            lacking.computeIfAbsent(b, k -> new LinkedHashSet<>()).add(t.name());
          }
        }
      }
      Typed condition = new Typed.Const(Type.BOOLEAN, true);
      if (st.when().isPresent()) {
        Scope scope = new Scope(types, "step", allFields, known, tags, lists, false, false);
        Optional<Typed> t = expression(st.when().get(), new ExprChecker(scope), true);
        if (t.isEmpty()) {
          ok = false;
          continue;
        }
        condition = t.get();
      }
      Set<String> names = new LinkedHashSet<>();
      types.forEach(t -> names.add(t.name()));
      steps.add(new PatternDecl.Step(names, st.when().map(w -> w.text), st.min(), st.max(), st.strict(), st.absent()));
      conditions.add(condition);
    }
    for (Map.Entry<Located<String>, Set<String>> l : lacking.entrySet()) {
      problems.error(l.getKey().pos(), "'by' field '" + l.getKey().value() + "' is not declared for event type"
          + (l.getValue().size() > 1 ? "s " : " ") + String.join(", ", l.getValue()) + ", which steps of pattern '"
          + pr.name() + "' take");
      ok = false;
    }
    if (!ok) {
      return Optional.empty();
    }
    long least = steps.stream().filter(s -> !s.absent()).mapToLong(PatternDecl.Step::min).sum();
    if (least > MAX_MATCH_EVENTS) {
      problems.error(pr.pos(), "pattern '" + pr.name() + "' needs at least " + least + " events, more than the "
          + MAX_MATCH_EVENTS + " a pattern looks at");
      return Optional.empty();
    }
    if (steps.stream().noneMatch(s -> !s.absent() && s.min() >= 1)) {
      problems.error(pr.pos(), "pattern '" + pr.name() + "' needs a step that takes at least one event (not only optional or 'not:' steps)");
      return Optional.empty();
    }
    if (steps.get(0).absent() && steps.get(steps.size() - 1).absent()) {
      problems.error(pr.pos(), "pattern '" + pr.name() + "' cannot both start and end with a 'not:' step");
      return Optional.empty();
    }
    PatternDecl decl = new PatternDecl(index, featureIndex, pr.name(), pr.by().stream().map(Located::value).toList(),
        pr.within().get(), steps, pr.pos().describe());
    return Optional.of(new CheckedPattern(decl, List.copyOf(conditions), keyed));
  }

  // ---------------------------------------------------------------- rules

  private void readGroups(SourceText src, Node n) {
    if (!(n instanceof SequenceNode seq)) {
      if (!Yaml.isNull(n)) {
        problems.error(src, Yaml.offset(src, n), "'groups' must be a list of groups, each with 'name:' and 'rules:'");
      }
      return;
    }
    for (Node g : seq.getValue()) {
      Optional<MappingNode> gm = mapping(src, g, "a group");
      if (gm.isEmpty()) {
        continue;
      }
      Map<String, Yaml.Entry> keys = entriesOf(src, gm.get(), GROUP_KEYS, "in a group");
      String gname = Optional.ofNullable(keys.get("name")).flatMap(e -> Yaml.string(src, e.value(), "'name'", problems)).orElse("");
      if (gname.isEmpty()) {
        problems.error(src, Yaml.offset(src, g), "a group needs a 'name:'");
      }
      List<Located<String>> evs = keys.containsKey("events") ? Yaml.strings(src, keys.get("events").value(), "'events'", problems) : List.of();
      List<Located<String>> chs = keys.containsKey("channels") ? Yaml.strings(src, keys.get("channels").value(), "'channels'", problems) : List.of();
      if (!keys.containsKey("rules")) {
        problems.error(src, Yaml.offset(src, g), "group '" + gname + "' needs 'rules:'");
        continue;
      }
      readRules(src, keys.get("rules").value(), new Selector(gname, evs, chs));
    }
  }

  private void readRules(SourceText src, Node n, Selector selector) {
    if (!(n instanceof SequenceNode seq)) {
      if (!Yaml.isNull(n)) {
        problems.error(src, Yaml.offset(src, n), "'rules' must be a list of rules, each starting with '- id:'");
      }
      return;
    }
    for (Node r : seq.getValue()) {
      if (rules.size() >= MAX_RULES) {
        problems.error(src, Yaml.offset(src, r), "a ruleset holds at most " + MAX_RULES + " rules");
        return;
      }
      Optional<MappingNode> rm = mapping(src, r, "a rule");
      if (rm.isEmpty()) {
        continue;
      }
      readRule(src, rm.get(), selector);
    }
  }

  private void readRule(SourceText src, MappingNode m, Selector selector) {
    Pos pos = Yaml.pos(src, m);
    Map<String, Yaml.Entry> keys = entriesOf(src, m, RULE_KEYS, "in a rule");
    Yaml.Entry idE = keys.get("id");
    if (idE == null) {
      problems.error(pos, "a rule needs an 'id:'");
      return;
    }
    Optional<String> id = Yaml.string(src, idE.value(), "'id'", problems);
    if (id.isEmpty()) {
      return;
    }
    Pos idPos = Yaml.pos(src, idE.value());
    if (!RULE_ID.matcher(id.get()).matches()) {
      problems.error(idPos, "rule id '" + id.get() + "' must use letters, digits, '_', '-' and '.', up to 100 characters");
      return;
    }
    String ruleName = Optional.ofNullable(keys.get("name")).flatMap(e -> Yaml.string(src, e.value(), "'name'", problems)).orElse(id.get());
    String category = Optional.ofNullable(keys.get("category")).flatMap(e -> Yaml.string(src, e.value(), "'category'", problems)).orElse(selector.category());
    List<Located<String>> evs = keys.containsKey("events") ? Yaml.strings(src, keys.get("events").value(), "'events'", problems) : selector.events();
    List<Located<String>> chs = keys.containsKey("channels") ? Yaml.strings(src, keys.get("channels").value(), "'channels'", problems) : selector.channels();
    Optional<ExprText> when = Optional.empty();
    if (keys.containsKey("when")) {
      when = Yaml.expression(src, keys.get("when").value(), "'when'", problems);
    } else {
      problems.error(idPos, "rule '" + id.get() + "' needs a 'when:' condition");
    }
    Optional<Action> action = Optional.empty();
    if (keys.containsKey("action")) {
      Node an = keys.get("action").value();
      action = Yaml.string(src, an, "'action'", problems).flatMap(s -> {
        for (Action a : Action.values()) {
          if (a.wireName().equals(s)) {
            return Optional.of(a);
          }
        }
        problems.error(Yaml.pos(src, an), "unknown action '" + s + "' (use accept, review or reject)");
        return Optional.empty();
      });
    } else {
      problems.error(idPos, "rule '" + id.get() + "' needs an 'action:' (accept, review or reject)");
    }
    long score = 0;
    if (keys.containsKey("score")) {
      Node sn = keys.get("score").value();
      score = Yaml.integer(src, sn, "'score'", problems).orElse(0L);
      if (Math.abs(score) > 1_000_000_000L) {
        problems.error(Yaml.pos(src, sn), "'score' must be between -1000000000 and 1000000000");
      }
    }
    Optional<ExprText> reason = Optional.empty();
    if (keys.containsKey("reason")) {
      reason = Yaml.expression(src, keys.get("reason").value(), "'reason'", problems);
    }
    Mode mode = Mode.ACTIVE;
    if (keys.containsKey("mode")) {
      Node mn = keys.get("mode").value();
      Optional<String> ms = Yaml.string(src, mn, "'mode'", problems);
      if (ms.isPresent()) {
        switch (ms.get()) {
          case "active" -> mode = Mode.ACTIVE;
          case "shadow" -> mode = Mode.SHADOW;
          default -> problems.error(Yaml.pos(src, mn), "unknown mode '" + ms.get() + "' (use active or shadow)");
        }
      }
    }
    rules.add(new RuleRaw(pos, new Located<>(id.get(), idPos), ruleName, category, evs, chs, when, action, score, reason, mode));
  }

  private List<EventType> eventTypes(List<Located<String>> names, Schema schema) {
    if (names.isEmpty() || names.size() == 1 && names.get(0).value().equals("*")) {
      return schema.eventTypes();
    }
    List<EventType> out = new ArrayList<>();
    for (Located<String> n : names) {
      Optional<EventType> t = schema.eventType(n.value());
      if (t.isEmpty()) {
        problems.error(n.pos(), "unknown event type '" + n.value() + "'" + Suggest.hint(n.value(), events.keySet()));
        return List.of();
      }
      if (!out.contains(t.get())) {
        out.add(t.get());
      }
    }
    return out;
  }

  private Optional<CheckedRule> checkRule(
      RuleRaw rr, int index, Schema schema, Map<String, FieldDef> allFields, Map<String, FeatureDecl> featureByName) {
    List<EventType> scopeTypes = eventTypes(rr.events(), schema);
    if (scopeTypes.isEmpty() || rr.when().isEmpty() || rr.action().isEmpty()) {
      return Optional.empty();
    }
    boolean ok = true;
    Set<String> channels = new LinkedHashSet<>();
    for (Located<String> c : rr.channels()) {
      channels.add(c.value());
    }
    if (!channels.isEmpty()) {
      for (EventType t : scopeTypes) {
        if (t.channelField().isEmpty()) {
          problems.error(rr.channels().get(0).pos(), "rule selects channels, but event type '" + t.name()
              + "' has no channel field (declare 'channel: <field>' on the event type)");
          ok = false;
        }
      }
    }
    Scope scope = new Scope(scopeTypes, "rule", allFields, featureByName, tags, lists, true, options.featuresComputed());
    ExprChecker checker = new ExprChecker(scope);
    Optional<Typed> when = expression(rr.when().get(), checker, true);
    Optional<Template> reason = rr.reason().isPresent()
        ? template(rr.reason().get(), checker)
        : Optional.of(new Template(List.of(new Template.Text(rr.name()))));
    if (!ok || when.isEmpty() || reason.isEmpty()) {
      return Optional.empty();
    }
    Set<String> typeNames = new LinkedHashSet<>();
    if (!rr.events().isEmpty() && !(rr.events().size() == 1 && rr.events().get(0).value().equals("*"))) {
      scopeTypes.forEach(t -> typeNames.add(t.name()));
    }
    RuleInfo info = new RuleInfo(
        index,
        rr.id().value(),
        rr.name(),
        rr.category(),
        rr.action().get(),
        rr.score(),
        rr.mode(),
        typeNames,
        channels,
        rr.pos().describe(),
        rr.when().get().text.strip());
    return Optional.of(new CheckedRule(info, when.get(), reason.get(), Leaves.of(when.get())));
  }

  private Optional<Typed> expression(ExprText text, ExprChecker checker, boolean condition) {
    Ast ast;
    try {
      ast = Parser.parse(text.text);
    } catch (ParseError e) {
      problems.error(text.pos(e.at), e.getMessage());
      return Optional.empty();
    }
    try {
      return Optional.of(condition ? checker.condition(ast) : checker.value(ast));
    } catch (CheckError e) {
      problems.error(text.pos(e.at), e.getMessage());
      return Optional.empty();
    }
  }

  private Optional<Template> template(ExprText text, ExprChecker checker) {
    List<Template.Piece> pieces;
    try {
      pieces = Template.split(text.text);
    } catch (ParseError e) {
      problems.error(text.pos(e.at), e.getMessage());
      return Optional.empty();
    }
    List<Template.Part> parts = new ArrayList<>();
    for (Template.Piece p : pieces) {
      if (!p.expression()) {
        parts.add(new Template.Text(p.text()));
        continue;
      }
      ExprText sub = text.slice(p.at(), p.at() + p.text().length());
      Optional<Typed> t = expression(sub, checker, false);
      if (t.isEmpty()) {
        return Optional.empty();
      }
      parts.add(new Template.Value(t.get(), p.text().strip()));
    }
    return Optional.of(new Template(List.copyOf(parts)));
  }
}
