package io.riskgate.engine;

import io.riskgate.lang.Env;
import io.riskgate.lang.EventData;
import io.riskgate.lang.EventType;
import io.riskgate.lang.FeatureDecl;
import io.riskgate.lang.FieldDef;
import io.riskgate.lang.PatternDecl;
import io.riskgate.lang.Ruleset;
import io.riskgate.state.Aggregate;
import io.riskgate.state.Column;
import io.riskgate.state.DimensionSpec;
import io.riskgate.state.EventInput;
import io.riskgate.state.FeatureSpec;
import io.riskgate.state.Outcome;
import io.riskgate.state.PatternFeature;
import io.riskgate.state.PatternSpec;
import io.riskgate.state.StateException;
import io.riskgate.state.StateTable;
import io.riskgate.state.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * How one ruleset version's features are computed: its features grouped by dimension (the
 * {@code by} fields), each dimension's columns (features that differ only in window or aggregate
 * share one), and identical features computed once. This class is immutable.
 */
final class FeaturePlan {
  /** One dimension: its record layout and which declared features its outputs serve. */
  record Dim(
      long id,
      List<String> by,
      DimensionSpec spec,
      int[] columnSource,
      int[] columnPattern,
      Column.Kind[] columnKinds,
      FeatureDecl.ValueType[] columnTypes,
      int[][] outputs,
      Map<Integer, FieldDef[]> keyFields,
      Map<Integer, Boolean> relevant,
      boolean typedIds) {}

  private final Ruleset rs;
  private final List<Dim> dims;
  private final List<FeatureDecl> decls;
  private final Map<Long, Duration> retention = new HashMap<>();
  private final Map<Long, DimensionSpec> specs = new HashMap<>();

  private FeaturePlan(Ruleset rs, Duration lateness, Duration countHorizon) {
    this.rs = rs;
    this.decls = rs.features();
    // patterns keep records of their own: they see every event of their key, which must not move
    // the newest time, nor the repeats, of the features' records. Where the key's events are all of
    // the one type its features count, the records are the same either way, and are shared.
    Map<List<String>, List<FeatureDecl>> byDim = new LinkedHashMap<>();
    Map<List<String>, List<FeatureDecl>> byPatternDim = new LinkedHashMap<>();
    for (FeatureDecl f : decls) {
      (f.aggregate() == FeatureDecl.Aggregate.PATTERN ? byPatternDim : byDim).computeIfAbsent(f.by(), k -> new ArrayList<>()).add(f);
    }
    for (var it = byPatternDim.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<List<String>, List<FeatureDecl>> e = it.next();
      List<FeatureDecl> features = byDim.get(e.getKey());
      if (features != null && sameSingleType(e.getKey(), features)) {
        features.addAll(e.getValue());
        it.remove();
      }
    }
    List<Dim> out = new ArrayList<>();
    for (Map.Entry<List<String>, List<FeatureDecl>> e : byDim.entrySet()) {
      out.add(dimension(FeatureKeys.dimensionId(e.getKey()), e.getKey(), e.getValue(), lateness, countHorizon, false));
    }
    for (Map.Entry<List<String>, List<FeatureDecl>> e : byPatternDim.entrySet()) {
      out.add(dimension(Hashing.hash64("patterns:" + String.join(",", e.getKey())), e.getKey(), e.getValue(), lateness,
          countHorizon, true));
    }
    this.dims = List.copyOf(out);
    dims.forEach(d -> {
      retention.put(d.id(), d.spec().retention());
      specs.put(d.id(), d.spec());
    });
  }

  /**
   * Whether one event type has every field of {@code by} (so patterns by it see that type alone)
   * and the features by it count that type and no other.
   */
  private boolean sameSingleType(List<String> by, List<FeatureDecl> features) {
    java.util.Set<String> keyed = new java.util.HashSet<>();
    for (EventType t : rs.schema().eventTypes()) {
      if (by.stream().allMatch(f -> t.field(f).isPresent())) {
        keyed.add(t.name());
      }
    }
    java.util.Set<String> counted = new java.util.HashSet<>();
    features.forEach(f -> counted.addAll(f.eventTypes()));
    return keyed.size() == 1 && keyed.equals(counted);
  }

  static FeaturePlan of(Ruleset rs, Duration lateness, Duration countHorizon) {
    return new FeaturePlan(rs, lateness, countHorizon);
  }

  boolean isEmpty() {
    return dims.isEmpty();
  }

  List<Dim> dims() {
    return dims;
  }

  Optional<Duration> retention(long dimension) {
    return Optional.ofNullable(retention.get(dimension));
  }

  /**
   * The timeouts of a state timer's match: one per pattern name that the pattern's definition
   * serves, with the key's values read back from the record key.
   */
  List<PatternTimeout> timeouts(StateTable.Timeout t, String ruleset, int version) {
    long dim = StateTable.dimensionOf(t.key());
    Dim d = dims.stream().filter(x -> x.id() == dim).findFirst().orElse(null);
    if (d == null) {
      return List.of();
    }
    Map<String, String> key = new LinkedHashMap<>();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(t.key(), 8, t.key().length - 8);
    for (String field : d.by()) {
      int n = 0;
      for (int shift = 0; ; shift += 7) {
        int x = b.get() & 0xFF;
        n |= (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          break;
        }
      }
      byte[] value = new byte[n];
      b.get(value);
      key.put(field, new String(value, java.nio.charset.StandardCharsets.UTF_8));
    }
    List<PatternTimeout> out = new ArrayList<>(1);
    for (int f : d.outputs()[d.spec().features().size() + t.pattern()]) {
      out.add(new PatternTimeout(decls.get(f).name(), key, java.time.Instant.ofEpochMilli(t.time()), t.events(), ruleset, version));
    }
    return out;
  }

  /** The layout of a dimension's records, by its id. */
  Optional<DimensionSpec> spec(long dimension) {
    return Optional.ofNullable(specs.get(dimension));
  }

  /**
   * @param typedIds whether events are told apart by type and id, not id alone (a pattern record
   *     holds events of every type of its key, whose ids may coincide)
   */
  private Dim dimension(long id, List<String> by, List<FeatureDecl> features, Duration lateness, Duration countHorizon,
      boolean typedIds) {
    List<Column> columns = new ArrayList<>();
    List<Integer> sources = new ArrayList<>();
    List<FeatureDecl.ValueType> types = new ArrayList<>();
    Map<Long, Integer> columnIndex = new HashMap<>();
    List<FeatureSpec> specs = new ArrayList<>();
    Map<FeatureSpec, Integer> specIndex = new HashMap<>();
    List<List<Integer>> served = new ArrayList<>();
    List<Integer> patternOf = new ArrayList<>();
    List<PatternFeature> patterns = new ArrayList<>();
    Map<Long, Integer> patternIndex = new HashMap<>();
    List<List<Integer>> patternServed = new ArrayList<>();
    for (FeatureDecl f : features) {
      if (f.aggregate() == FeatureDecl.Aggregate.PATTERN) {
        PatternDecl pd = rs.patterns().stream().filter(x -> x.featureIndex() == f.index()).findFirst().orElseThrow();
        // the columns are named by the pattern's definition: an unchanged pattern keeps its history
        // (and by their kind: the whole-number columns of this version are not the number columns
        // of the versions before it, whose log entries hold doubles)
        long maskId = Hashing.hash64("pattern-mask|" + canonical(pd));
        Integer pi = patternIndex.get(maskId);
        if (pi == null) {
          pi = patterns.size();
          int mask = columns.size();
          columns.add(new Column(maskId, Column.Kind.LONG));
          sources.add(-1);
          patternOf.add(pd.index());
          types.add(FeatureDecl.ValueType.NUMBER);
          int fired = columns.size();
          columns.add(new Column(Hashing.hash64("pattern-end|" + canonical(pd)), Column.Kind.LONG));
          sources.add(-1);
          patternOf.add(FIRED);
          types.add(FeatureDecl.ValueType.NUMBER);
          patterns.add(new PatternFeature(patternSpec(pd), mask, fired));
          patternIndex.put(maskId, pi);
          patternServed.add(new ArrayList<>());
        }
        patternServed.get(pi).add(f.index());
        continue;
      }
      Column.Kind kind = switch (f.aggregate()) {
        case COUNT -> Column.Kind.MEMBER;
        case DISTINCT_COUNT -> Column.Kind.HASH;
        default -> Column.Kind.NUMBER;
      };
      String signature = kind + "|" + f.valueType() + "|" + f.of().orElse("") + "|" + f.where().orElse("") + "|" + new TreeSet<>(f.eventTypes());
      long columnId = Hashing.hash64(signature);
      Integer c = columnIndex.get(columnId);
      if (c == null) {
        c = columns.size();
        columns.add(new Column(columnId, kind));
        sources.add(f.index());
        patternOf.add(NOT_PATTERN);
        types.add(f.valueType());
        columnIndex.put(columnId, c);
      }
      FeatureSpec spec = new FeatureSpec(aggregate(f.aggregate()), window(f.window()), c, f.includeCurrent());
      Integer s = specIndex.get(spec);
      if (s == null) {
        s = specs.size();
        specs.add(spec);
        specIndex.put(spec, s);
        served.add(new ArrayList<>());
      }
      served.get(s).add(f.index());
    }
    if (!patterns.isEmpty()) {
      // every event of the key is in the record (strict contiguity counts the events between), so a
      // step mask of 0 need not be stored: most events take no step
      columns.add(new Column(Hashing.hash64("pattern-events"), Column.Kind.MEMBER));
      sources.add(-1);
      patternOf.add(EVERY_EVENT);
      types.add(FeatureDecl.ValueType.NUMBER);
    }
    Map<Integer, FieldDef[]> keyFields = new HashMap<>();
    Map<Integer, Boolean> relevant = new HashMap<>();
    for (EventType t : rs.schema().eventTypes()) {
      FieldDef[] fields = new FieldDef[by.size()];
      boolean all = true;
      for (int i = 0; i < by.size(); i++) {
        Optional<FieldDef> f = t.field(by.get(i));
        all &= f.isPresent();
        fields[i] = f.orElse(null);
      }
      if (!all) {
        continue;
      }
      keyFields.put(t.index(), fields);
      // a pattern sees every event of its key: strict contiguity counts the events in between
      boolean counts = !patterns.isEmpty() || features.stream().anyMatch(f -> f.eventTypes().contains(t.name()));
      boolean used = features.stream().anyMatch(f -> rs.featuresUsed(t).contains(f.index()));
      relevant.put(t.index(), counts || used);
    }
    // the state gives the features' values, then the patterns' outcomes
    served.addAll(patternServed);
    int[][] outputs = new int[served.size()][];
    for (int i = 0; i < outputs.length; i++) {
      outputs[i] = served.get(i).stream().mapToInt(Integer::intValue).toArray();
    }
    return new Dim(
        id,
        List.copyOf(by),
        new DimensionSpec(columns, specs, patterns, lateness, countHorizon),
        sources.stream().mapToInt(Integer::intValue).toArray(),
        patternOf.stream().mapToInt(Integer::intValue).toArray(),
        columns.stream().map(Column::kind).toArray(Column.Kind[]::new),
        types.toArray(FeatureDecl.ValueType[]::new),
        outputs,
        Map.copyOf(keyFields),
        Map.copyOf(relevant),
        typedIds);
  }

  /**
   * Column marks: a feature's column, a pattern's fired column, the column of every event of a
   * dimension with patterns (else the pattern's index, for its mask).
   */
  private static final int NOT_PATTERN = -1;
  private static final int FIRED = -2;
  private static final int EVERY_EVENT = -3;

  /** A pattern's definition, as the identity of its columns. */
  private static String canonical(PatternDecl p) {
    StringBuilder sb = new StringBuilder().append(p.by()).append('|').append(p.within().toMillis());
    for (PatternDecl.Step s : p.steps()) {
      sb.append('|').append(new TreeSet<>(s.eventTypes())).append(',').append(s.when().orElse("")).append(',')
          .append(s.min()).append(',').append(s.max()).append(',').append(s.strict()).append(',').append(s.absent());
    }
    return sb.toString();
  }

  private static PatternSpec patternSpec(PatternDecl p) {
    List<PatternSpec.Step> steps = new ArrayList<>();
    for (int i = 0; i < p.steps().size(); i++) {
      PatternDecl.Step s = p.steps().get(i);
      steps.add(s.absent() ? PatternSpec.Step.absent(i)
          : new PatternSpec.Step(i, s.min(), s.max() == PatternDecl.UNBOUNDED ? PatternSpec.UNBOUNDED : s.max(), s.strict(), false));
    }
    return new PatternSpec(steps, p.within().toMillis());
  }

  private static Aggregate aggregate(FeatureDecl.Aggregate a) {
    return Aggregate.valueOf(a.name());
  }

  private Window window(FeatureDecl.Window w) {
    return switch (w) {
      case FeatureDecl.Window.Sliding s -> new Window.Sliding(s.length().toMillis());
      case FeatureDecl.Window.Tumbling t -> new Window.Tumbling(t.length().toMillis());
      case FeatureDecl.Window.Calendar c -> new Window.Calendar(Window.Unit.valueOf(c.unit().toUpperCase(java.util.Locale.ROOT)), rs.timezone());
      case FeatureDecl.Window.Count c -> new Window.Count(c.events());
    };
  }

  // ------------------------------------------------------------------ computing

  /** No pattern fired: no feature has matched events. */
  private static final String[][] NO_MATCHES = new String[0][];

  /**
   * The features of one event.
   *
   * @param values by feature index, NaN where unknown
   * @param computed which features were computed (for explaining a decision)
   * @param late whether the event was too late for some dimension
   * @param repeated whether some dimension already held the event's id
   * @param unsaved whether the state store refused the update
   * @param matchedEvents by feature index, for a pattern whose match fired at the event, the ids of
   *     the match's events in order; null elsewhere
   */
  record Result(double[] values, boolean[] computed, List<String> late, boolean repeated, boolean unsaved, Optional<String> failure,
      boolean future, String[][] matchedEvents) {

    /** The ids of the events of the match of a pattern (by feature index) that fired at the event; empty when none did. */
    List<String> matched(int feature) {
      return feature < matchedEvents.length && matchedEvents[feature] != null ? List.of(matchedEvents[feature]) : List.of();
    }
  }

  /**
   * Applies the event to the records of its dimensions and computes the features.
   *
   * @param all whether to compute every feature the event has a key for, not only those its rules read
   */
  Result compute(EventData event, Env env, StateTable table, long now, long maxFutureMillis, boolean all) {
    double[] values = new double[decls.size()];
    Arrays.fill(values, Double.NaN);
    boolean[] computed = new boolean[decls.size()];
    EventType type = event.type();
    long time = now;
    if (type.timeField().isPresent()) {
      double t = event.num(type.timeField().get().slot());
      if (!Double.isNaN(t)) {
        time = (long) t;
      }
    }
    if (time > now + maxFutureMillis) {
      // a clock far ahead would make every later event of its keys late: such an event is not counted
      return new Result(values, computed, List.of(), false, false, Optional.empty(), true, NO_MATCHES);
    }
    long[] secret = table.hashKey();
    String id = event.str(type.idField().slot());
    long idHash = Hashing.sip(secret[0], secret[1], id);
    // pattern records tell events apart by type and id; hashed only when one is touched
    long typedIdHash = 0;
    boolean typedHashed = false;
    List<StateTable.Request> requests = new ArrayList<>(dims.size());
    List<Dim> requested = new ArrayList<>(dims.size());
    for (Dim d : dims) {
      FieldDef[] fields = d.keyFields().get(type.index());
      if (fields == null || !(all || d.relevant().get(type.index()))) {
        continue;
      }
      byte[] key = key(d.id(), fields, event);
      if (key == null) {
        continue;
      }
      long[] cols = new long[d.columnSource().length];
      for (int c = 0; c < cols.length; c++) {
        cols[c] = columnValue(d, c, event, env, secret);
      }
      if (d.typedIds() && !typedHashed) {
        typedIdHash = Hashing.sip(secret[0], secret[1], type.name() + '\u0000' + id);
        typedHashed = true;
      }
      // records with patterns keep the ids, for the matches to quote
      long hash = d.typedIds() ? typedIdHash : idHash;
      requests.add(new StateTable.Request(d.spec(), key,
          d.spec().patterns().isEmpty() ? new EventInput(time, hash, cols) : new EventInput(time, hash, cols, id),
          new double[d.spec().outputs()]));
      requested.add(d);
    }
    if (requests.isEmpty()) {
      return new Result(values, computed, List.of(), false, false, Optional.empty(), false, NO_MATCHES);
    }
    StateTable.Result res;
    try {
      res = table.apply(requests);
    } catch (StateException | IllegalArgumentException e) {
      return new Result(values, computed, List.of(), false, true, Optional.of(e.getMessage()), false, NO_MATCHES);
    }
    List<String> late = List.of();
    boolean repeated = false;
    String[][] matchedEvents = NO_MATCHES;
    for (int i = 0; i < requests.size(); i++) {
      Dim d = requested.get(i);
      Outcome o = res.outcomes().get(i);
      if (o == Outcome.LATE) {
        if (late.isEmpty()) {
          late = new ArrayList<>(2);
        }
        String by = String.join(",", d.by());
        if (!late.contains(by)) {
          late.add(by);
        }
        continue;
      }
      repeated |= o == Outcome.DUPLICATE;
      double[] out = requests.get(i).out();
      for (int s = 0; s < d.outputs().length; s++) {
        for (int f : d.outputs()[s]) {
          values[f] = out[s];
          computed[f] = true;
        }
      }
      String[][] matched = requests.get(i).matched();
      int nf = d.spec().features().size();
      for (int p = 0; p < matched.length; p++) {
        if (matched[p].length > 0) {
          if (matchedEvents == NO_MATCHES) {
            matchedEvents = new String[decls.size()][];
          }
          for (int f : d.outputs()[nf + p]) {
            matchedEvents[f] = matched[p];
          }
        }
      }
    }
    return new Result(values, computed, late, repeated, false, Optional.empty(), false, matchedEvents);
  }

  private long columnValue(Dim d, int c, EventData event, Env env, long[] secret) {
    int pattern = d.columnPattern()[c];
    if (pattern == FIRED) {
      return Column.ABSENT;
    }
    if (pattern == EVERY_EVENT) {
      return 0L;
    }
    if (pattern >= 0) {
      long mask = rs.patternMask(pattern, event, env);
      return mask == 0 ? Column.ABSENT : PatternFeature.mask(mask);
    }
    int source = d.columnSource()[c];
    if (!rs.featureCounts(source, event, env)) {
      return Column.ABSENT;
    }
    return switch (d.columnKinds()[c]) {
      case MEMBER -> 0L;
      case NUMBER -> Column.number(rs.featureNumber(source, event, env));
      case HASH -> {
        if (d.columnTypes()[c] == FeatureDecl.ValueType.STRING) {
          Optional<String> s = rs.featureString(source, event, env);
          yield s.isEmpty() ? Column.MISSING : Column.hash(Hashing.sip(secret[0], secret[1], s.get()));
        }
        double v = rs.featureNumber(source, event, env);
        yield Double.isNaN(v) ? Column.MISSING
            : Column.hash(Hashing.mix(Double.doubleToLongBits(v == 0.0 ? 0.0 : v) ^ secret[0]) ^ secret[1]);
      }
      case LONG -> throw new IllegalStateException("whole-number columns are a pattern's, handled above");
    };
  }

  /** The record key: the dimension, then each key field's value, length-prefixed; null when one is missing. */
  private static byte[] key(long dimension, FieldDef[] fields, EventData event) {
    String[] values = new String[fields.length];
    for (int i = 0; i < fields.length; i++) {
      FieldDef f = fields[i];
      if (f.type() == io.riskgate.lang.FieldType.STRING) {
        values[i] = event.str(f.slot());
      } else {
        double v = event.num(f.slot());
        values[i] = Double.isNaN(v) ? null : v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
      }
      if (values[i] == null) {
        return null;
      }
    }
    return FeatureKeys.recordKey(dimension, Arrays.asList(values));
  }
}
