package io.riskgate.lang;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Finds the values an expression reads: fields, features and tag attributes, each once. */
final class Leaves {
  private Leaves() {}

  static List<CheckedRule.Leaf> of(Typed t) {
    Map<String, CheckedRule.Leaf> out = new LinkedHashMap<>();
    walk(t, out);
    return List.copyOf(new ArrayList<>(out.values()));
  }

  private static void walk(Typed t, Map<String, CheckedRule.Leaf> out) {
    switch (t) {
      case Typed.Field f -> out.putIfAbsent(f.field().name(), new CheckedRule.Leaf(f.field().name(), f));
      case Typed.Feature f -> out.putIfAbsent(f.name(), new CheckedRule.Leaf(f.name(), f));
      case Typed.TagAttr a -> {
        walk(a.ref().key(), out);
        if (a.type() != Type.STRING_LIST) {
          out.putIfAbsent(a.label(), new CheckedRule.Leaf(a.label(), a));
        }
      }
      case Typed.TagRef r -> walk(r.key(), out);
      case Typed.Unary u -> walk(u.operand(), out);
      case Typed.Binary b -> {
        walk(b.left(), out);
        walk(b.right(), out);
      }
      case Typed.Logic l -> l.operands().forEach(o -> walk(o, out));
      case Typed.In i -> {
        walk(i.value(), out);
        walk(i.list(), out);
      }
      case Typed.Between b -> {
        walk(b.value(), out);
        walk(b.low(), out);
        walk(b.high(), out);
      }
      case Typed.Call c -> c.args().forEach(a -> walk(a, out));
      case Typed.Exists e -> walk(e.target(), out);
      case Typed.Const c -> {}
      case Typed.StrSet s -> {}
      case Typed.NumSet s -> {}
      case Typed.NamedList n -> {}
    }
  }
}
