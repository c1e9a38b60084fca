package io.riskgate.engine;

import io.riskgate.lang.Action;
import io.riskgate.lang.Diagnostic;
import io.riskgate.lang.Env;
import io.riskgate.lang.Evaluation;
import io.riskgate.lang.EventData;
import io.riskgate.lang.ListDecl;
import io.riskgate.lang.Mode;
import io.riskgate.lang.RuleInfo;
import io.riskgate.lang.Ruleset;
import io.riskgate.lang.RulesetCompiler;
import io.riskgate.lang.RulesetException;
import io.riskgate.lang.SourceFile;
import io.riskgate.lang.TagView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import io.riskgate.state.StateStore;
import io.riskgate.state.StateTable;

/** The engine: one atomically swapped active version, and the stored history. */
final class DefaultDecisionEngine implements DecisionEngine, Rulesets {
  private static final RulesetCompiler COMPILER = RulesetCompiler.create();

  /** Everything a decision needs from one version, swapped as a whole. */
  private record Active(VersionStore.Stored stored, Ruleset ruleset, EventDecoder decoder, Map<String, Set<String>> lists, FeaturePlan features) {}

  private final TagSource tags;
  private final ListSource extraLists;
  private final VersionStore store;
  private final DecisionObserver observer;
  private final java.time.Clock clock;
  private final int maxBatch;
  private final StateTable state;
  private final java.time.Duration lateness;
  private final java.time.Duration countHorizon;
  private final java.time.Duration maxFuture;
  private final AtomicReference<Active> active = new AtomicReference<>();
  private final Object publishLock = new Object();
  private final List<VersionStore.Stored> history = new ArrayList<>();

  DefaultDecisionEngine(DecisionEngine.Builder b) {
    this.tags = b.tags;
    this.extraLists = b.lists;
    this.store = b.store;
    this.observer = b.observer;
    this.clock = b.clock;
    this.maxBatch = b.maxBatch;
    this.state = b.state;
    this.lateness = b.lateness;
    this.countHorizon = b.countHorizon;
    this.maxFuture = b.maxFuture;
    synchronized (publishLock) {
      history.addAll(store.load());
      OptionalInt act = store.active();
      if (act.isPresent()) {
        VersionStore.Stored s = find(act.getAsInt()).orElseThrow(
            () -> new EngineException("the version store names active version " + act.getAsInt() + ", which it does not hold"));
        activate(load(s));
      }
    }
  }

  // ------------------------------------------------------------------ deciding

  @Override
  public Decision decide(byte[] json, boolean explain) {
    Active a = current();
    EventData event;
    try {
      event = a.decoder().decode(json);
    } catch (InvalidEventException e) {
      observer.refused(e);
      throw e;
    }
    return evaluate(a, event, System.nanoTime(), true, explain);
  }

  @Override
  public List<Outcome> decideBatch(byte[] json, boolean explain) {
    Active a = current();
    List<Object> decoded;
    try {
      decoded = a.decoder().decodeBatch(json, maxBatch);
    } catch (InvalidEventException e) {
      observer.refused(e);
      throw e;
    }
    List<Outcome> out = new ArrayList<>(decoded.size());
    for (Object o : decoded) {
      if (o instanceof EventData e) {
        out.add(new Outcome.Decided(evaluate(a, e, System.nanoTime(), true, explain)));
      } else {
        InvalidEventException problem = (InvalidEventException) o;
        observer.refused(problem);
        out.add(new Outcome.Refused(problem));
      }
    }
    return out;
  }

  private Active current() {
    Active a = active.get();
    if (a == null) {
      throw new NoActiveRulesetException();
    }
    return a;
  }

  /** Tags and lists for warming up: synthetic events never reach the real sources or their caches. */
  private static final TagSource NO_TAGS = (entity, key) -> io.riskgate.lang.TagView.empty();

  /**
   * Decides an event; {@code observed} is false for the warm-up, which must leave no trace: no
   * metrics, no tag or list lookups (and so nothing cached or written back).
   */
  private Decision evaluate(Active a, EventData event, long start, boolean observed, boolean explain) {
    return evaluate(a, event, start, observed, explain, state);
  }

  private Decision evaluate(Active a, EventData event, long start, boolean observed, boolean explain, StateTable table) {
    Ruleset rs = a.ruleset();
    DecisionEnv env = observed
        ? new DecisionEnv(tags, a.lists(), extraLists)
        : new DecisionEnv(NO_TAGS, a.lists(), ListSource.none());
    if (observed) {
      prefetch(rs, event);
    }
    FeaturePlan.Result features = null;
    if (!a.features().isEmpty()) {
      features = a.features().compute(event, env, table, clock.millis(), maxFuture.toMillis(), explain);
      env.features = features;
      if (features.future()) {
        env.degrade("future event: event time more than " + maxFuture + " ahead of the clock; features unknown, not counted");
      }
      for (String dim : features.late()) {
        env.degrade("late event: features by " + dim + " unknown");
      }
      if (features.unsaved()) {
        env.degrade(features.failure().map(m -> "features unavailable: " + m).orElse("features unavailable"));
      }
    }
    Evaluation ev = rs.evaluate(event, env);
    List<RuleInfo> rules = rs.rules();
    Action action = Action.ACCEPT;
    long score = 0;
    List<Decision.Match> matched = new ArrayList<>(4);
    List<Decision.Match> shadow = new ArrayList<>(2);
    for (int i = ev.nextMatch(0); i >= 0; i = ev.nextMatch(i + 1)) {
      RuleInfo r = rules.get(i);
      Decision.Match m = new Decision.Match(r.id(), r.name(), r.action(), r.score(), ev.reason(i), ev.values(i));
      if (r.mode() == Mode.ACTIVE) {
        matched.add(m);
        action = action.max(r.action());
        score += r.score();
      } else {
        shadow.add(m);
      }
    }
    String id = event.str(event.type().idField().slot());
    Map<String, Object> explained = Map.of();
    if (explain && features != null) {
      explained = new java.util.LinkedHashMap<>();
      for (io.riskgate.lang.FeatureDecl f : rs.features()) {
        if (features.computed()[f.index()]) {
          double v = features.values()[f.index()];
          boolean integral = f.aggregate() == io.riskgate.lang.FeatureDecl.Aggregate.COUNT
              || f.aggregate() == io.riskgate.lang.FeatureDecl.Aggregate.DISTINCT_COUNT
              || f.aggregate() == io.riskgate.lang.FeatureDecl.Aggregate.PATTERN;
          explained.put(f.name(), Double.isNaN(v) ? null : integral ? (Object) (long) v : (Object) v);
        }
      }
    }
    Map<String, List<String>> fired = Map.of();
    if (features != null && features.matchedEvents().length > 0) {
      fired = new java.util.LinkedHashMap<>();
      for (io.riskgate.lang.PatternDecl p : rs.patterns()) {
        List<String> ids = features.matched(p.featureIndex());
        if (!ids.isEmpty()) {
          fired.put(p.name(), ids);
        }
      }
    }
    Decision d = new Decision(
        id, event.type().name(), action, score, matched, shadow, rs.name(), a.stored().version(),
        System.nanoTime() - start, env.degraded(), features != null && features.repeated(), explained, fired);
    if (observed) {
      observer.decided(d);
    }
    return d;
  }

  /** With two or more tag lookups keyed by the event's fields, fetches them together first. */
  private void prefetch(Ruleset rs, EventData event) {
    List<Ruleset.TagKey> keys = rs.tagKeys(event.type());
    if (keys.size() < 2) {
      return;
    }
    List<Map.Entry<String, String>> wanted = new ArrayList<>(keys.size());
    for (Ruleset.TagKey k : keys) {
      String value = event.str(k.field().slot());
      if (value != null) {
        wanted.add(Map.entry(k.entity(), value));
      }
    }
    if (wanted.size() >= 2) {
      try {
        tags.prefetch(wanted);
      } catch (RuntimeException e) {
        // best effort: the lookups themselves report what they cannot reach
      }
    }
  }

  /** The view of tags and lists one decision has. */
  private static final class DecisionEnv implements Env {
    private final TagSource tags;
    private final Map<String, Set<String>> declared;
    private final ListSource extra;
    private List<String> degraded = List.of();
    private FeaturePlan.Result features;

    DecisionEnv(TagSource tags, Map<String, Set<String>> declared, ListSource extra) {
      this.tags = tags;
      this.declared = declared;
      this.extra = extra;
    }

    @Override
    public TagView tag(String entity, String key) {
      try {
        TagSource.Lookup found = tags.lookupChecked(entity, key);
        found.degraded().ifPresent(this::degrade);
        return found.view();
      } catch (RuntimeException e) {
        degrade("tags unavailable for " + entity);
        return TagView.empty();
      }
    }

    @Override
    public boolean listContains(String list, String value) {
      Set<String> items = declared.get(list);
      if (items != null && items.contains(value)) {
        return true;
      }
      try {
        return extra.contains(list, value);
      } catch (RuntimeException e) {
        degrade("list " + list + " unavailable");
        return false;
      }
    }

    @Override
    public double feature(int featureIndex) {
      return features == null ? Double.NaN : features.values()[featureIndex];
    }

    @Override
    public List<String> matchedEvents(int featureIndex) {
      return features == null ? List.of() : features.matched(featureIndex);
    }

    private void degrade(String reason) {
      if (degraded.isEmpty()) {
        degraded = new ArrayList<>(2);
      }
      if (!degraded.contains(reason)) {
        degraded.add(reason);
      }
    }

    List<String> degraded() {
      return degraded;
    }
  }

  // ------------------------------------------------------------------ versions

  @Override
  public Rulesets rulesets() {
    return this;
  }

  @Override
  public boolean ready() {
    return active.get() != null;
  }

  @Override
  public List<Diagnostic> validate(List<SourceFile> files) {
    return COMPILER.check(files);
  }

  @Override
  public Published publish(List<SourceFile> files, String origin) {
    RulesetCompiler.Result result = COMPILER.compile(files);
    Ruleset rs = result.orThrow();
    List<Diagnostic> warnings = result.diagnostics();
    synchronized (publishLock) {
      Active a = active.get();
      if (a != null && a.stored().hash().equals(rs.contentHash())) {
        return new Published(info(a.stored(), rs), false, warnings);
      }
      int next = history.isEmpty() ? 1 : history.get(history.size() - 1).version() + 1;
      VersionStore.Stored stored = new VersionStore.Stored(next, rs.name(), rs.rules().size(), rs.contentHash(), clock.instant(), origin, files);
      // build (and warm) the version before anything is stored, so a failure changes nothing
      Active now = active(stored, rs);
      store.save(stored);
      history.add(stored);
      store.setActive(next);
      activate(now);
      return new Published(info(stored, rs), true, warnings);
    }
  }

  @Override
  public List<RulesetVersion> versions() {
    synchronized (publishLock) {
      Active a = active.get();
      List<RulesetVersion> out = new ArrayList<>();
      for (VersionStore.Stored s : history) {
        boolean isActive = a != null && a.stored().version() == s.version();
        out.add(new RulesetVersion(s.version(), s.ruleset(), s.hash(), s.publishedAt(), s.origin(), s.rules(), isActive));
      }
      return out;
    }
  }

  @Override
  public Optional<RulesetVersion> active() {
    Active a = active.get();
    return a == null ? Optional.empty() : Optional.of(info(a.stored(), a.ruleset()));
  }

  @Override
  public Optional<Snapshot> snapshot() {
    Active a = active.get();
    return a == null ? Optional.empty() : Optional.of(new Snapshot(info(a.stored(), a.ruleset()), a.ruleset()));
  }

  @Override
  public Optional<Ruleset> activeRuleset() {
    Active a = active.get();
    return a == null ? Optional.empty() : Optional.of(a.ruleset());
  }

  @Override
  public RulesetVersion rollback(int version) {
    synchronized (publishLock) {
      VersionStore.Stored s = find(version).orElseThrow(() -> new UnknownVersionException(version));
      Active a = active.get();
      if (a != null && a.stored().version() == version) {
        return info(s, a.ruleset());
      }
      Active target = load(s);
      store.setActive(version);
      activate(target);
      return info(s, target.ruleset());
    }
  }

  private Optional<VersionStore.Stored> find(int version) {
    return history.stream().filter(s -> s.version() == version).findFirst();
  }

  private Active load(VersionStore.Stored s) {
    RulesetCompiler.Result r = COMPILER.compile(s.files());
    if (!r.ok()) {
      throw new RulesetException(r.diagnostics());
    }
    return active(s, r.ruleset().get());
  }

  private Active active(VersionStore.Stored s, Ruleset rs) {
    Map<String, Set<String>> lists = new HashMap<>();
    for (ListDecl l : rs.lists().values()) {
      lists.put(l.name(), Set.copyOf(new HashSet<>(l.items())));
    }
    Active a = new Active(s, rs, new EventDecoder(rs.schema()), Map.copyOf(lists), FeaturePlan.of(rs, lateness, countHorizon));
    warmUp(a);
    return a;
  }

  /**
   * Decides synthetic events on a version before it is active, within a time budget, so that its
   * first real events do not run interpreted. Nothing is observed or counted.
   */
  private void warmUp(Active a) {
    long deadline = System.nanoTime() + Warmup.NANOS;
    // synthetic events go to a state of their own, never to the real one
    try (StateTable scratch = StateTable.create(StateStore.inMemory(), 1024)) {
      for (byte[] json : Warmup.events(a.ruleset(), Warmup.EVENTS)) {
        if (System.nanoTime() > deadline) {
          return;
        }
        try {
          DecisionJson.toJson(evaluate(a, a.decoder().decode(json), System.nanoTime(), false, true, scratch));
        } catch (InvalidEventException e) {
          // a synthetic event that the schema refuses (e.g. a nested field): skip it
        }
      }
    }
  }

  @Override
  public long expireIdleFeatures() {
    Active a = active.get();
    FeaturePlan plan = a == null ? null : a.features();
    return state.expire(
        dim -> plan == null ? Optional.empty() : plan.retention(dim),
        countHorizon.plus(lateness).plus(java.time.Duration.ofDays(1)));
  }

  @Override
  public long firePatternTimers(java.util.function.Consumer<List<PatternTimeout>> emit) {
    Active a = active.get();
    if (a == null) {
      return 0;
    }
    // without patterns, the timers left by an earlier version are deleted as they come due
    long stream = state.streamTime();
    if (stream == Long.MIN_VALUE) {
      return 0;
    }
    long[] count = {0};
    state.fireTimers(stream - lateness.toMillis(), a.features()::spec, fired -> {
      List<PatternTimeout> out = new ArrayList<>(fired.size());
      for (io.riskgate.state.StateTable.Timeout t : fired) {
        out.addAll(a.features().timeouts(t, a.ruleset().name(), a.stored().version()));
      }
      if (!out.isEmpty()) {
        emit.accept(out);
        count[0] += out.size();
        out.forEach(observer::timedOut);
      }
    });
    return count[0];
  }

  @Override
  public long checkpointFeatures(java.time.Duration spread) {
    return state.checkpoint(spread);
  }

  private void activate(Active a) {
    // the first version to go live replays the state log written since the last checkpoint
    state.recover(a.features()::spec);
    active.set(a);
    observer.activated(info(a.stored(), a.ruleset()));
  }

  private static RulesetVersion info(VersionStore.Stored s, Ruleset rs) {
    return new RulesetVersion(s.version(), rs.name(), s.hash(), s.publishedAt(), s.origin(), rs.rules().size(), true);
  }
}
