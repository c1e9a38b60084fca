package io.riskgate.lang;

import io.riskgate.lang.Ast.Op;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Generates the Java source of a checked ruleset: one program class holding the constants, and one
 * frame class per event type that evaluates that type's rules for one event.
 *
 * <p>The source is built only from the typed tree. Every user-supplied text (strings, names, regular
 * expressions, list items) becomes an entry of a constant table handed to the program's
 * constructor, and every number literal becomes the exact bits of its double, so no text from a
 * ruleset ever appears in the generated source.
 */
final class CodeGen {
  static final String PACKAGE = "io.riskgate.generated";
  static final String CLASS = "Program";
  /**
   * Shared subexpressions up to this estimated cost are computed once per event before the rules
   * run (a comparison of fields and literals costs a few units); costlier ones are computed on first
   * use. Computing cheap ones up front makes each use a field read instead of a check and a branch.
   */
  private static final int EAGER_COST = 12;
  /** Source characters of rule conditions per generated run method. */
  private static final int CHUNK_CHARS = 3000;
  /** The most expression levels generated in one method before a level is moved to its own. */
  private static final int SPLIT = 16;

  private final CheckedRuleset rs;
  private final List<Object> constants = new ArrayList<>();
  private final List<String> constantTypes = new ArrayList<>();
  private final Map<Object, Integer> constantIndex = new HashMap<>();
  private final Map<Long, Integer> doubleIndex = new LinkedHashMap<>();

  private CodeGen(CheckedRuleset rs) {
    this.rs = rs;
    constants.add(new Renderer(rs));
    constantTypes.add("Object");
  }

  record Output(String source, Object[] constants) {}

  static Output generate(CheckedRuleset rs) {
    CodeGen g = new CodeGen(rs);
    return g.run();
  }

  private Output run() {
    List<String> frames = new ArrayList<>();
    for (EventType t : rs.schema().eventTypes()) {
      frames.add(new Frame(t).generate());
    }
    StringBuilder sb = new StringBuilder(64 * 1024);
    sb.append("package ").append(PACKAGE).append(";\n\n");
    sb.append("import io.riskgate.lang.*;\nimport io.riskgate.lang.rt.*;\n\n");
    sb.append("public final class ").append(CLASS).append(" extends CompiledProgram {\n");
    for (Map.Entry<Long, Integer> d : doubleIndex.entrySet()) {
      sb.append("  static final double d").append(d.getValue())
          .append(" = Double.longBitsToDouble(0x").append(Long.toHexString(d.getKey())).append("L);\n");
    }
    for (int i = 0; i < constants.size(); i++) {
      sb.append("  final ").append(constantTypes.get(i)).append(" c").append(i).append(";\n");
    }
    sb.append("\n  public ").append(CLASS).append("(Object[] k) {\n");
    for (int i = 0; i < constants.size(); i++) {
      sb.append("    c").append(i).append(" = (").append(constantTypes.get(i)).append(") k[").append(i).append("];\n");
    }
    sb.append("  }\n\n");
    sb.append("  public Evaluation evaluate(EventData e, Env env) {\n    switch (e.type().index()) {\n");
    for (EventType t : rs.schema().eventTypes()) {
      sb.append("      case ").append(t.index()).append(": return new F").append(t.index()).append("(this, e, env).run();\n");
    }
    sb.append("      default: throw new IllegalArgumentException(\"event type of another schema\");\n    }\n  }\n\n");
    for (String f : frames) {
      sb.append(f);
    }
    sb.append("}\n");
    return new Output(sb.toString(), constants.toArray());
  }

  private String constant(String javaType, Object value) {
    Object key = List.of(javaType, value instanceof double[] d ? java.util.Arrays.toString(d) : value);
    Integer idx = constantIndex.get(key);
    if (idx == null) {
      idx = constants.size();
      constants.add(value);
      constantTypes.add(javaType);
      constantIndex.put(key, idx);
    }
    return "p.c" + idx;
  }

  private String str(String s) {
    return constant("String", s);
  }

  private String dlit(double v) {
    long bits = Double.doubleToRawLongBits(v);
    Integer idx = doubleIndex.computeIfAbsent(bits, b -> doubleIndex.size());
    return CLASS + ".d" + idx;
  }

  // ------------------------------------------------------------------ per event type

  private enum Rep {
    D("double"),
    S("String"),
    Z("boolean"),
    T("TagView");

    final String java;

    Rep(String java) {
      this.java = java;
    }
  }

  private static Rep rep(Typed t) {
    return switch (t.type()) {
      case NUMBER, TIMESTAMP, DURATION -> Rep.D;
      case STRING -> Rep.S;
      case BOOLEAN -> Typed.total(t) ? Rep.Z : Rep.D;
      case TAG -> Rep.T;
      default -> throw new IllegalStateException("no value representation for " + t.type());
    };
  }

  private final class Frame {
    private final EventType type;
    private final String name;
    private final List<CheckedRule> rules = new ArrayList<>();
    private final Map<Typed, Integer> memo = new LinkedHashMap<>();
    private final Map<Integer, String> memoCode = new LinkedHashMap<>();
    /** Shared subexpressions cheap enough to compute up front, before any rule, by index. */
    private final Map<Typed, Integer> eager = new LinkedHashMap<>();
    private final List<String> eagerInit = new ArrayList<>();
    private final List<String> eagerFields = new ArrayList<>();
    private final Map<String, FieldDef> fields = new LinkedHashMap<>();
    /**
     * For string fields tested against several literal lists: the lists, by field slot. One hash
     * lookup per event finds every list the field's value belongs to, as bits.
     */
    private final Map<Integer, List<Set<String>>> setIndex = new LinkedHashMap<>();

    Frame(EventType type) {
      this.type = type;
      this.name = "F" + type.index();
      for (CheckedRule r : rs.rules()) {
        if (r.info().eventTypes().isEmpty() || r.info().eventTypes().contains(type.name())) {
          rules.add(r);
        }
      }
    }

    String generate() {
      findShared();
      indexSets();
      // Rule conditions are generated inline in run methods, cut into chunks small enough for
      // the JIT to compile (methods over 8000 bytes of bytecode are never compiled).
      List<StringBuilder> chunks = new ArrayList<>();
      StringBuilder chunk = null;
      int word = 0;
      for (CheckedRule r : rules) {
        StringBuilder line = new StringBuilder();
        int i = r.info().index();
        Optional<String> channel = Optional.empty();
        if (!r.info().channels().isEmpty()) {
          FieldDef ch = type.channelField().orElseThrow();
          fields.putIfAbsent("s" + ch.slot(), ch);
          channel = Optional.of("Rt.in(" + constant("java.util.Set", Set.copyOf(r.info().channels())) + ", s" + ch.slot() + ")");
        }
        line.append(ruleLine(r.when(), channel, i));
        if (chunk == null || chunk.length() + line.length() > CHUNK_CHARS) {
          if (chunk != null) {
            chunk.append("      orHits(").append(word).append(", w);\n");
          }
          chunk = new StringBuilder("      long w = 0L;\n");
          chunks.add(chunk);
          word = i >>> 6;
        } else if (i >>> 6 != word) {
          chunk.append("      orHits(").append(word).append(", w);\n      w = 0L;\n");
          word = i >>> 6;
        }
        chunk.append(line);
      }
      if (chunk != null) {
        chunk.append("      orHits(").append(word).append(", w);\n");
      }
      List<StringBuilder> initChunks = new ArrayList<>();
      StringBuilder initChunk = null;
      for (String line : eagerInit) {
        if (initChunk == null || initChunk.length() + line.length() > CHUNK_CHARS) {
          initChunk = new StringBuilder();
          initChunks.add(initChunk);
        }
        initChunk.append(line);
      }
      StringBuilder run = new StringBuilder();
      run.append("    ").append(name).append(" run() {\n");
      for (int c = 0; c < initChunks.size(); c++) {
        run.append("      init").append(c).append("();\n");
      }
      for (int c = 0; c < initChunks.size(); c++) {
        run.insert(0, "    private void init" + c + "() {\n" + initChunks.get(c) + "    }\n");
      }
      for (int c = 0; c < chunks.size(); c++) {
        run.append("      run").append(c).append("();\n");
      }
      run.append("      return this;\n    }\n");
      for (int c = 0; c < chunks.size(); c++) {
        run.append("    private void run").append(c).append("() {\n").append(chunks.get(c)).append("    }\n");
      }

      StringBuilder sb = new StringBuilder();
      sb.append("  static final class ").append(name).append(" extends Evaluation {\n");
      sb.append("    final Program p;\n    final EventData e;\n    final Env env;\n");
      for (FieldDef f : fields.values()) {
        sb.append("    final ").append(f.type().numeric() ? "double n" : "String s").append(f.slot()).append(";\n");
      }
      sb.append("    ").append(name).append("(Program p, EventData e, Env env) {\n");
      sb.append("      super(").append(rs.rules().size()).append(", p.c0, e, env);\n");
      sb.append("      this.p = p;\n      this.e = e;\n      this.env = env;\n");
      for (FieldDef f : fields.values()) {
        if (f.type().numeric()) {
          sb.append("      n").append(f.slot()).append(" = e.num(").append(f.slot()).append(");\n");
        } else {
          sb.append("      s").append(f.slot()).append(" = e.str(").append(f.slot()).append(");\n");
        }
      }
      sb.append("    }\n");
      for (String f : eagerFields) {
        sb.append(f);
      }
      for (String m : memoCode.values()) {
        sb.append(m);
      }
      sb.append(run);
      sb.append("  }\n\n");
      return sb.toString();
    }

    // -------------------------------------------------------------- shared subexpressions

    private void findShared() {
      Map<Typed, Integer> counts = new HashMap<>();
      for (CheckedRule r : rules) {
        count(r.when(), counts);
      }
      for (Map.Entry<Typed, Integer> e : counts.entrySet()) {
        Typed t = e.getKey();
        boolean shared = e.getValue() >= 2 && !trivial(t);
        if (shared || t instanceof Typed.TagRef) {
          memo.putIfAbsent(t, memo.size());
        }
      }
      for (CheckedRule r : rules) {
        splitDeep(r.when());
      }
      for (Typed t : memo.keySet()) {
        if (rep(t) != Rep.T && cost(t) <= EAGER_COST && !lazyOnly(t)) {
          eager.put(t, memo.get(t));
        }
      }
    }

    /**
     * Moves every {@link #SPLIT}-th level of a deep expression into its own (memoized) method, so that
     * no generated method nests expressions deeply: Janino's recursive compiler fails on a few hundred
     * nested parentheses, e.g. a long chain like {@code a + 1 + 1 + ...}. Returns the height of the
     * node as generated in place (1 for a node that became a method call).
     */
    private int splitDeep(Typed t) {
      int h = 0;
      for (Typed c : children(t)) {
        h = Math.max(h, splitDeep(c));
      }
      h++;
      if (h >= SPLIT && !trivial(t)) {
        memo.putIfAbsent(t, memo.size());
        return 1;
      }
      return memo.containsKey(t) && !trivial(t) ? 1 : h;
    }

    private List<Typed> children(Typed t) {
      return switch (t) {
        case Typed.TagAttr a -> List.of(a.ref());
        case Typed.TagRef r -> List.of(r.key());
        case Typed.Unary u -> List.of(u.operand());
        case Typed.Binary b -> List.of(b.left(), b.right());
        case Typed.Logic l -> l.operands();
        case Typed.In i -> i.list() instanceof Typed.TagAttr a ? List.of(i.value(), a.ref()) : List.of(i.value());
        case Typed.Between b -> List.of(b.value(), b.low(), b.high());
        case Typed.Call c -> c.args();
        case Typed.Exists e -> e.target() instanceof Typed.TagAttr a ? List.of(a.ref()) : List.of();
        default -> List.of();
      };
    }

    private void count(Typed t, Map<Typed, Integer> counts) {
      counts.merge(t, 1, Integer::sum);
      switch (t) {
        case Typed.TagAttr a -> count(a.ref(), counts);
        case Typed.TagRef r -> count(r.key(), counts);
        case Typed.Unary u -> count(u.operand(), counts);
        case Typed.Binary b -> {
          count(b.left(), counts);
          count(b.right(), counts);
        }
        case Typed.Logic l -> l.operands().forEach(o -> count(o, counts));
        case Typed.In i -> {
          count(i.value(), counts);
          if (i.list() instanceof Typed.TagAttr a) {
            count(a.ref(), counts);
          }
        }
        case Typed.Between b -> {
          count(b.value(), counts);
          count(b.low(), counts);
          count(b.high(), counts);
        }
        case Typed.Call c -> c.args().forEach(a -> count(a, counts));
        case Typed.Exists e -> {
          if (e.target() instanceof Typed.TagAttr a) {
            count(a.ref(), counts);
          }
        }
        default -> {}
      }
    }

    /** Whether a node reaches outside the event (tags, named lists): those stay lazy. */
    private boolean lazyOnly(Typed t) {
      return switch (t) {
        case Typed.TagRef r -> true;
        case Typed.TagAttr a -> true;
        case Typed.NamedList n -> true;
        case Typed.Call c when c.fn() == Fn.MATCHES -> true;
        default -> children(t).stream().anyMatch(this::lazyOnly);
      };
    }

    private static boolean trivial(Typed t) {
      return t instanceof Typed.Const
          || t instanceof Typed.Field
          || t instanceof Typed.StrSet
          || t instanceof Typed.NumSet
          || t instanceof Typed.NamedList
          || t.type() == Type.STRING_LIST;
    }

    // -------------------------------------------------------------- expressions

    String cond(Typed t) {
      return rep(t) == Rep.Z ? gen(t) : "(" + gen(t) + " == 1.0)";
    }

    String num(Typed t) {
      return rep(t) == Rep.Z ? "(" + gen(t) + " ? 1.0 : 0.0)" : gen(t);
    }

    String gen(Typed t) {
      Integer m = memo.get(t);
      if (m == null) {
        return raw(t);
      }
      if (eager.containsKey(t)) {
        return eagerRef(t, m);
      }
      if (!memoCode.containsKey(m)) {
        memoCode.put(m, "");
        memoCode.put(m, memoMethod(m, t));
      }
      // The fast path (already computed) is inline; only the first use calls the method.
      return rep(t) == Rep.Z
          ? "(k" + m + "s != 0 ? k" + m + "s == 1 : k" + m + "())"
          : "(k" + m + "d ? k" + m + "v : k" + m + "())";
    }

    private void indexSets() {
      Map<Integer, List<Set<String>>> found = new LinkedHashMap<>();
      Map<Integer, FieldDef> defs = new LinkedHashMap<>();
      for (CheckedRule r : rules) {
        collectSets(r.when(), found, defs);
      }
      found.forEach((slot, sets) -> {
        if (sets.size() < 2) {
          return;
        }
        int words = (sets.size() + 63) >>> 6;
        Map<String, long[]> index = new java.util.HashMap<>();
        for (int k = 0; k < sets.size(); k++) {
          for (String v : sets.get(k)) {
            index.computeIfAbsent(v, x -> new long[words])[k >>> 6] |= 1L << k;
          }
        }
        setIndex.put(slot, sets);
        fields.putIfAbsent("s" + slot, defs.get(slot));
        eagerFields.add("    private long[] x" + slot + ";\n");
        eagerInit.add("      x" + slot + " = Rt.memberships(" + constant("java.util.Map", index) + ", s" + slot + ", "
            + constant("long[]", new long[words]) + ");\n");
      });
    }

    private void collectSets(Typed t, Map<Integer, List<Set<String>>> found, Map<Integer, FieldDef> defs) {
      if (t instanceof Typed.In in && in.value() instanceof Typed.Field f && in.list() instanceof Typed.StrSet set) {
        List<Set<String>> sets = found.computeIfAbsent(f.field().slot(), x -> new ArrayList<>());
        defs.putIfAbsent(f.field().slot(), f.field());
        if (!sets.contains(set.values())) {
          sets.add(set.values());
        }
      }
      for (Typed c : children(t)) {
        collectSets(c, found, defs);
      }
    }

    /** The field holding an up-front value, emitting its computation on first use. */
    private String eagerRef(Typed t, int m) {
      if (!memoCode.containsKey(m)) {
        memoCode.put(m, "");
        // the children are generated first, so their lines come before this one
        String value = raw(t);
        eagerFields.add("    private " + rep(t).java + " e" + m + ";\n");
        eagerInit.add("      e" + m + " = " + value + ";\n");
      }
      return "e" + m;
    }

    /** The statement that records a rule's match in the word of hits being built. */
    private String ruleLine(Typed when, Optional<String> channel, int i) {
      String test = cond(when);
      if (channel.isPresent()) {
        test = channel.get() + " && " + test;
      }
      return "      if (" + test + ") w |= 1L << " + (i & 63) + ";\n";
    }

    private String memoMethod(int i, Typed t) {
      Rep r = rep(t);
      String raw = raw(t);
      if (r == Rep.Z) {
        return "    private byte k" + i + "s;\n    private boolean k" + i + "() {\n      boolean v = " + raw
            + ";\n      k" + i + "s = (byte) (v ? 1 : 2);\n      return v;\n    }\n";
      }
      return "    private boolean k" + i + "d;\n    private " + r.java + " k" + i + "v;\n    private " + r.java + " k" + i
          + "() {\n      k" + i + "v = " + raw + ";\n      k" + i + "d = true;\n      return k" + i + "v;\n    }\n";
    }

    private String raw(Typed t) {
      return switch (t) {
        case Typed.Const c -> switch (c.type()) {
          case STRING -> str((String) c.value());
          case BOOLEAN -> ((Boolean) c.value()) ? "true" : "false";
          default -> dlit((Double) c.value());
        };
        case Typed.Field f -> {
          fields.putIfAbsent((f.field().type().numeric() ? "n" : "s") + f.field().slot(), f.field());
          yield (f.field().type().numeric() ? "n" : "s") + f.field().slot();
        }
        case Typed.Feature f -> "Rt.feature(env, " + f.index() + ")";
        case Typed.TagRef r -> "tag(" + str(r.entity()) + ", " + gen(r.key()) + ")";
        case Typed.TagAttr a -> tagAttr(a);
        case Typed.Unary u -> u.op() == Op.NOT ? "(!" + cond(u.operand()) + ")" : "(-" + num(u.operand()) + ")";
        case Typed.Binary b -> binary(b);
        case Typed.Logic l -> logic(l);
        case Typed.In i -> in(i);
        case Typed.Between b -> between(b);
        case Typed.Call c -> call(c);
        case Typed.Exists e -> exists(e);
        case Typed.StrSet s -> throw new IllegalStateException("list outside 'in'");
        case Typed.NumSet s -> throw new IllegalStateException("list outside 'in'");
        case Typed.NamedList n -> throw new IllegalStateException("list outside 'in'");
      };
    }

    private String tagAttr(Typed.TagAttr a) {
      String view = gen(a.ref());
      String attr = str(a.attribute());
      return switch (a.type()) {
        case STRING -> "Rt.tagStr(" + view + ", " + attr + ", " + (a.fallback() == null ? "null" : str((String) a.fallback())) + ")";
        case NUMBER, TIMESTAMP ->
            "Rt.tagNum(" + view + ", " + attr + ", " + (a.fallback() == null ? "Double.NaN" : dlit((Double) a.fallback())) + ")";
        case BOOLEAN ->
            "Rt.tagBool(" + view + ", " + attr + ", " + (a.fallback() == null ? "Double.NaN" : dlit((Double) a.fallback())) + ")";
        default -> throw new IllegalStateException("set attribute outside 'in'");
      };
    }

    private String binary(Typed.Binary b) {
      Op op = b.op();
      Type lt = b.left().type();
      if (op.isComparison()) {
        if (lt == Type.STRING) {
          String fn = switch (op) {
            case EQ -> "eq";
            case NE -> "ne";
            case LT -> "lt";
            case LE -> "le";
            case GT -> "gt";
            default -> "ge";
          };
          return "Rt." + fn + "(" + gen(b.left()) + ", " + gen(b.right()) + ")";
        }
        String l = num(b.left());
        String r = num(b.right());
        if (op == Op.NE) {
          return "Rt.ne(" + l + ", " + r + ")";
        }
        return "(" + l + " " + op.symbol + " " + r + ")";
      }
      if (op == Op.ADD && lt == Type.STRING) {
        return "Rt.concat(" + gen(b.left()) + ", " + gen(b.right()) + ")";
      }
      String l = num(b.left());
      String r = num(b.right());
      return switch (op) {
        case DIV -> "Rt.div(" + l + ", " + r + ")";
        case MOD -> "Rt.mod(" + l + ", " + r + ")";
        default -> "(" + l + " " + op.symbol + " " + r + ")";
      };
    }

    private String logic(Typed.Logic l) {
      List<Typed> ordered = new ArrayList<>(l.operands());
      ordered.sort(Comparator.comparingInt(this::cost));
      return logic(l.op() == Op.AND ? " && " : " || ", ordered, 0, ordered.size());
    }

    /**
     * Operands [from, to) joined as a balanced tree, in order: Janino compiles a long flat chain of
     * {@code &&} recursively and fails on a few hundred operands.
     */
    private String logic(String joiner, List<Typed> ordered, int from, int to) {
      if (to - from == 1) {
        return "(" + cond(ordered.get(from)) + ")";
      }
      if (to - from <= 8) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = from; i < to; i++) {
          if (i > from) {
            sb.append(joiner);
          }
          sb.append(cond(ordered.get(i)));
        }
        return sb.append(')').toString();
      }
      int mid = (from + to) >>> 1;
      return "(" + logic(joiner, ordered, from, mid) + joiner + logic(joiner, ordered, mid, to) + ")";
    }

    private String in(Typed.In i) {
      String neg = i.negated() ? "notIn" : "in";
      if (i.value() instanceof Typed.Field f && i.list() instanceof Typed.StrSet set && setIndex.containsKey(f.field().slot())) {
        int slot = f.field().slot();
        int k = setIndex.get(slot).indexOf(set.values());
        String bits = "(x" + slot + "[" + (k >>> 6) + "] & " + (1L << k) + "L)";
        return i.negated() ? "(s" + slot + " != null && " + bits + " == 0L)" : "(" + bits + " != 0L)";
      }
      return switch (i.list()) {
        case Typed.StrSet s -> "Rt." + neg + "(" + constant("java.util.Set", s.values()) + ", " + gen(i.value()) + ")";
        case Typed.NumSet s -> {
          double[] arr = s.values().stream().mapToDouble(Double::doubleValue).toArray();
          yield "Rt." + neg + "(" + constant("double[]", arr) + ", " + num(i.value()) + ")";
        }
        case Typed.NamedList n -> "Rt." + neg + "List(env, " + str(n.name()) + ", " + gen(i.value()) + ")";
        case Typed.TagAttr a -> "Rt.tagSet" + (i.negated() ? "NotContains" : "Contains") + "(" + gen(a.ref()) + ", "
            + str(a.attribute()) + ", " + gen(i.value()) + ")";
        default -> throw new IllegalStateException("bad list " + i.list());
      };
    }

    private String between(Typed.Between b) {
      String fn = b.negated() ? "Rt.notBetween(" : "Rt.between(";
      if (b.value().type() == Type.STRING) {
        return fn + gen(b.value()) + ", " + gen(b.low()) + ", " + gen(b.high()) + ")";
      }
      return fn + num(b.value()) + ", " + num(b.low()) + ", " + num(b.high()) + ")";
    }

    private String exists(Typed.Exists e) {
      return switch (e.target()) {
        case Typed.TagAttr a -> "Rt.tagHas(" + gen(a.ref()) + ", " + str(a.attribute()) + ")";
        case Typed.Field f when f.type() == Type.STRING -> "(" + gen(f) + " != null)";
        default -> {
          String v = num(e.target());
          yield "(" + v + " == " + v + ")";
        }
      };
    }

    private String call(Typed.Call c) {
      List<Typed> a = c.args();
      return switch (c.fn()) {
        case LOWER -> "Rt.lower(" + gen(a.get(0)) + ")";
        case UPPER -> "Rt.upper(" + gen(a.get(0)) + ")";
        case LENGTH -> "Rt.length(" + gen(a.get(0)) + ")";
        case STARTS_WITH -> "Rt.startsWith(" + gen(a.get(0)) + ", " + gen(a.get(1)) + ")";
        case ENDS_WITH -> "Rt.endsWith(" + gen(a.get(0)) + ", " + gen(a.get(1)) + ")";
        case CONTAINS -> "Rt.contains(" + gen(a.get(0)) + ", " + gen(a.get(1)) + ")";
        case MATCHES -> "Rt.find(" + constant("com.google.re2j.Pattern", com.google.re2j.Pattern.compile(c.regex()))
            + ", " + gen(a.get(0)) + ")";
        case LOG, LN -> "Rt.ln(" + num(a.get(0)) + ")";
        case LOG10 -> "Rt.log10(" + num(a.get(0)) + ")";
        case ABS -> "Math.abs(" + num(a.get(0)) + ")";
        case ROUND -> "Rt.round(" + num(a.get(0)) + ")";
        case ROUND_TO -> "Rt.round(" + num(a.get(0)) + ", " + (int) (double) (Double) ((Typed.Const) a.get(1)).value() + ")";
        case FLOOR -> "Math.floor(" + num(a.get(0)) + ")";
        case CEIL -> "Math.ceil(" + num(a.get(0)) + ")";
        case SQRT -> "Rt.sqrt(" + num(a.get(0)) + ")";
        case POW -> "Rt.pow(" + num(a.get(0)) + ", " + num(a.get(1)) + ")";
        case MIN, MAX -> minMax(c.fn() == Fn.MIN ? "Math.min(" : "Math.max(", a, 0, a.size());
        case HOUR -> "Rt.hour(" + num(a.get(0)) + ", " + constant("java.time.ZoneId", rs.zone()) + ")";
        case DAY_OF_WEEK -> "Rt.dayOfWeek(" + num(a.get(0)) + ", " + constant("java.time.ZoneId", rs.zone()) + ")";
        case COALESCE -> rep(c) == Rep.S
            ? "Rt.coalesce(" + gen(a.get(0)) + ", " + gen(a.get(1)) + ")"
            : "Rt.coalesce(" + num(a.get(0)) + ", " + num(a.get(1)) + ")";
        case MATCHED_EVENTS -> "Rt.matchedEvents(env, " + ((Typed.Feature) a.get(0)).index() + ")";
        case EXISTS, MATCHED, TAG, LIST -> throw new IllegalStateException(c.fn() + " is not a plain call");
      };
    }

    /** min/max of args[from, to) as a balanced tree of calls, so that many arguments do not nest deeply. */
    private String minMax(String fn, List<Typed> a, int from, int to) {
      if (to - from == 1) {
        return num(a.get(from));
      }
      int mid = (from + to) >>> 1;
      return fn + minMax(fn, a, from, mid) + ", " + minMax(fn, a, mid, to) + ")";
    }

    /** A rough cost of evaluating a node, used to test cheap conditions first. */
    int cost(Typed t) {
      return switch (t) {
        case Typed.Const c -> 0;
        case Typed.Field f -> 1;
        case Typed.Feature f -> 3;
        case Typed.TagRef r -> Fn.TAG.cost + cost(r.key());
        case Typed.TagAttr a -> 2 + cost(a.ref());
        case Typed.Unary u -> 1 + cost(u.operand());
        case Typed.Binary b -> (b.op() == Op.DIV || b.op() == Op.MOD ? 3 : 1) + cost(b.left()) + cost(b.right());
        case Typed.Logic l -> l.operands().stream().mapToInt(this::cost).sum();
        case Typed.In i -> cost(i.value()) + switch (i.list()) {
          case Typed.NamedList n -> Fn.LIST.cost;
          case Typed.TagAttr a -> 2 + cost(a.ref());
          default -> 3;
        };
        case Typed.Between b -> 1 + cost(b.value()) + cost(b.low()) + cost(b.high());
        case Typed.Call c -> c.fn().cost + c.args().stream().mapToInt(this::cost).sum();
        case Typed.Exists e -> 1 + (e.target() instanceof Typed.TagAttr a ? cost(a.ref()) : 0);
        default -> 1;
      };
    }
  }
}
