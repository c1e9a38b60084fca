package io.riskgate.lang;

import io.riskgate.lang.rt.CompiledProgram;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.SimpleCompiler;

/** Checks with {@link RulesetReader}, generates with {@link CodeGen}, compiles with Janino. */
final class JaninoRulesetCompiler implements RulesetCompiler {
  private static final ClassLoader COMPILE_LOADER = JaninoRulesetCompiler.class.getClassLoader();
  private static final ClassLoader RUNTIME_LOADER = new SandboxClassLoader(COMPILE_LOADER);

  private final Options options;

  JaninoRulesetCompiler(Options options) {
    this.options = options;
  }

  @Override
  public List<Diagnostic> check(List<SourceFile> files) {
    return RulesetReader.read(files, options).problems().sorted();
  }

  @Override
  public Result compile(List<SourceFile> files) {
    long start = System.nanoTime();
    RulesetReader.Result read = RulesetReader.read(files, options);
    if (read.ruleset().isEmpty()) {
      return new Result(Optional.empty(), read.problems().sorted(), System.nanoTime() - start);
    }
    CheckedRuleset checked = read.ruleset().get();
    CodeGen.Output out = CodeGen.generate(checked);
    CompiledProgram program = load(out);
    return new Result(
        Optional.of(new CompiledRuleset(checked, program, List.copyOf(files), SourceFiles.hash(files))),
        read.problems().sorted(),
        System.nanoTime() - start);
  }

  static CompiledProgram load(CodeGen.Output out) {
    dump(out);
    try {
      SimpleCompiler compiler = new SimpleCompiler();
      compiler.setParentClassLoader(COMPILE_LOADER);
      compiler.setDebuggingInformation(false, false, false);
      compiler.cook(out.source());
      // Define the classes again in a loader whose only parent is the strict sandbox: a reference
      // to anything outside it fails to link instead of running.
      ClassLoader loader = new SandboxClassLoader.Generated(RUNTIME_LOADER, compiler.getBytecodes());
      Class<?> cls = loader.loadClass(CodeGen.PACKAGE + "." + CodeGen.CLASS);
      return (CompiledProgram) cls.getConstructor(Object[].class).newInstance((Object) out.constants());
    } catch (CompileException | ReflectiveOperationException e) {
      // The generator only emits code from checked trees; failing here is a bug in the generator.
      throw new IllegalStateException("internal error: generated code did not compile: " + e.getMessage(), e);
    }
  }

  /**
   * Writes the generated source to the folder named by the system property
   * {@code riskgate.lang.dump-dir}, when set: a tool to read what the compiler generates.
   */
  private static void dump(CodeGen.Output out) {
    String dir = System.getProperty("riskgate.lang.dump-dir");
    if (dir == null || dir.isBlank()) {
      return;
    }
    try {
      java.nio.file.Path d = java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir));
      java.nio.file.Files.writeString(d.resolve("Program-" + System.nanoTime() + ".java"), out.source());
    } catch (java.io.IOException e) {
      // a debugging aid only: never fail a compilation for it
    }
  }

  /** The context of evaluating a feature's filter and value on one event: no rules. */
  private static final class Inputs extends Evaluation {
    Inputs(EventData event, Env env) {
      super(0, null, event, env);
    }
  }

  /** The compiled form. */
  static final class CompiledRuleset implements Ruleset {
    private final CheckedRuleset checked;
    private final CompiledProgram program;
    private final List<SourceFile> sources;
    private final String hash;
    private final List<RuleInfo> rules;
    private final Map<String, RuleInfo> byId;
    private final Map<String, Map<String, TagAttribute>> tags;

    private final Map<String, List<TagKey>> tagKeys;
    private final Map<String, List<Integer>> featuresUsed;
    private final Renderer inputs;
    /** Feature filters and pattern step conditions evaluated without the interpreter, where they can be (else null). */
    private final FastCondition[] fastFilters;
    private final FastCondition[][] fastSteps;
    /** Whether feature f counts events of type t: {@code counts[f][t.index()]}. */
    private final boolean[][] counts;

    CompiledRuleset(CheckedRuleset checked, CompiledProgram program, List<SourceFile> sources, String hash) {
      Map<String, List<TagKey>> keys = new LinkedHashMap<>();
      for (EventType t : checked.schema().eventTypes()) {
        java.util.Set<TagKey> found = new java.util.LinkedHashSet<>();
        for (CheckedRule r : checked.rules()) {
          if (r.info().eventTypes().isEmpty() || r.info().eventTypes().contains(t.name())) {
            collectTagKeys(r.when(), t, found);
          }
        }
        keys.put(t.name(), List.copyOf(found));
      }
      this.tagKeys = Map.copyOf(keys);
      Map<String, List<Integer>> used = new LinkedHashMap<>();
      for (EventType t : checked.schema().eventTypes()) {
        java.util.SortedSet<Integer> found = new java.util.TreeSet<>();
        for (CheckedRule r : checked.rules()) {
          if (r.info().eventTypes().isEmpty() || r.info().eventTypes().contains(t.name())) {
            collectFeatures(r.when(), found);
            for (Template.Part p : r.reason().parts()) {
              if (p instanceof Template.Value v) {
                collectFeatures(v.value(), found);
              }
            }
          }
        }
        used.put(t.name(), List.copyOf(found));
      }
      this.featuresUsed = Map.copyOf(used);
      List<EventType> types = checked.schema().eventTypes();
      int maxType = types.stream().mapToInt(EventType::index).max().orElse(-1);
      this.counts = new boolean[checked.features().size()][maxType + 1];
      for (int f = 0; f < counts.length; f++) {
        for (EventType t : types) {
          counts[f][t.index()] = checked.features().get(f).eventTypes().contains(t.name());
        }
      }
      this.inputs = new Renderer(checked);
      this.fastFilters = checked.featureFilters().stream().map(f -> FastCondition.of(f).orElse(null)).toArray(FastCondition[]::new);
      this.fastSteps = checked.patternConditions().stream()
          .map(cs -> cs.stream().map(c -> FastCondition.of(c).orElse(null)).toArray(FastCondition[]::new))
          .toArray(FastCondition[][]::new);
      this.checked = checked;
      this.program = program;
      this.sources = sources;
      this.hash = hash;
      this.rules = checked.rules().stream().map(CheckedRule::info).toList();
      Map<String, RuleInfo> ids = new LinkedHashMap<>();
      rules.forEach(r -> ids.put(r.id(), r));
      this.byId = Map.copyOf(ids);
      Map<String, Map<String, TagAttribute>> t = new LinkedHashMap<>();
      checked.tags().forEach((entity, attrs) -> {
        Map<String, TagAttribute> m = new LinkedHashMap<>();
        attrs.forEach((n, a) -> m.put(n, new TagAttribute(n, a.type().name().toLowerCase(java.util.Locale.ROOT),
            Optional.ofNullable(a.fallback()).map(v -> a.type() == TagAttrType.BOOLEAN ? (Object) ((Double) v != 0) : v))));
        t.put(entity, Map.copyOf(m));
      });
      this.tags = Map.copyOf(t);
    }

    CheckedRuleset checked() {
      return checked;
    }

    private static void collectTagKeys(Typed t, EventType type, java.util.Set<TagKey> out) {
      if (t instanceof Typed.TagRef ref && ref.key() instanceof Typed.Field f) {
        type.field(f.field().name()).ifPresent(def -> out.add(new TagKey(ref.entity(), def)));
      }
      Typed.children(t).forEach(c -> collectTagKeys(c, type, out));
    }

    private static void collectFeatures(Typed t, java.util.Set<Integer> out) {
      if (t instanceof Typed.Feature f) {
        out.add(f.index());
      }
      Typed.children(t).forEach(c -> collectFeatures(c, out));
    }

    @Override
    public List<Integer> featuresUsed(EventType type) {
      return featuresUsed.getOrDefault(type.name(), List.of());
    }

    @Override
    public boolean featureCounts(int feature, EventData event, Env env) {
      int type = event.type().index();
      if (type >= counts[feature].length || !counts[feature][type]) {
        return false;
      }
      FastCondition fast = fastFilters[feature];
      if (fast != null) {
        return fast.test(event);
      }
      return inputs.cond(checked.featureFilters().get(feature), new Inputs(event, env));
    }

    @Override
    public List<PatternDecl> patterns() {
      return checked.patterns();
    }

    @Override
    public long patternMask(int pattern, EventData event, Env env) {
      PatternDecl p = checked.patterns().get(pattern);
      List<Typed> conditions = checked.patternConditions().get(pattern);
      FastCondition[] fast = fastSteps[pattern];
      String type = event.type().name();
      long mask = 0;
      Inputs in = null;
      for (int s = 0; s < conditions.size(); s++) {
        if (!p.steps().get(s).eventTypes().contains(type)) {
          continue;
        }
        boolean holds;
        if (fast[s] != null) {
          holds = fast[s].test(event);
        } else {
          if (in == null) {
            in = new Inputs(event, env);
          }
          holds = inputs.cond(conditions.get(s), in);
        }
        if (holds) {
          mask |= 1L << s;
        }
      }
      return mask;
    }

    @Override
    public double featureNumber(int feature, EventData event, Env env) {
      Typed of = checked.featureValues().get(feature);
      // a plain field, the common case, is read as the interpreter would, without its frame
      return of instanceof Typed.Field f && f.type() != Type.BOOLEAN ? event.num(f.field().slot()) : inputs.num(of, new Inputs(event, env));
    }

    @Override
    public Optional<String> featureString(int feature, EventData event, Env env) {
      Typed of = checked.featureValues().get(feature);
      return Optional.ofNullable(of instanceof Typed.Field f ? event.str(f.field().slot()) : inputs.str(of, new Inputs(event, env)));
    }

    @Override
    public List<TagKey> tagKeys(EventType type) {
      return tagKeys.getOrDefault(type.name(), List.of());
    }

    @Override
    public String name() {
      return checked.name();
    }

    @Override
    public String contentHash() {
      return hash;
    }

    @Override
    public Schema schema() {
      return checked.schema();
    }

    @Override
    public List<RuleInfo> rules() {
      return rules;
    }

    @Override
    public Optional<RuleInfo> rule(String id) {
      return Optional.ofNullable(byId.get(id));
    }

    @Override
    public java.time.ZoneId timezone() {
      return checked.zone();
    }

    @Override
    public Map<String, ListDecl> lists() {
      return checked.lists();
    }

    @Override
    public Map<String, Map<String, TagAttribute>> tags() {
      return tags;
    }

    @Override
    public List<FeatureDecl> features() {
      return checked.features();
    }

    @Override
    public List<SourceFile> sources() {
      return sources;
    }

    @Override
    public Evaluation evaluate(EventData event, Env env) {
      List<EventType> types = checked.schema().eventTypes();
      int idx = event.type().index();
      if (idx >= types.size() || types.get(idx) != event.type()) {
        throw new IllegalArgumentException("the event was not built with this ruleset's schema");
      }
      return program.evaluate(event, env);
    }
  }
}
