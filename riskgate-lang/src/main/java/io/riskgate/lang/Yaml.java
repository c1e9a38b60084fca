package io.riskgate.lang;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A thin, position-keeping view of a YAML document. Values are read as the caller expects them
 * (number, boolean, string), so that a wrong kind of value is reported where it stands.
 */
final class Yaml {
  static final int MAX_FILE_CHARS = 4 * 1024 * 1024;

  private Yaml() {}

  /** Composes a file into a node tree, or reports the YAML error and returns empty. */
  static Optional<Node> compose(SourceText src, Problems problems) {
    if (src.text.length() > MAX_FILE_CHARS) {
      problems.error(src, 0, "file is larger than " + MAX_FILE_CHARS + " characters");
      return Optional.empty();
    }
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(src.name)
            .setAllowDuplicateKeys(false)
            .setMaxAliasesForCollections(0)
            .setAllowRecursiveKeys(false)
            .setCodePointLimit(MAX_FILE_CHARS)
            .build();
    try {
      Optional<Node> root = new Compose(settings).composeString(src.text);
      if (root.isPresent() && !checkNoAliases(root.get(), new IdentityHashMap<>(), src, problems)) {
        return Optional.empty();
      }
      return root;
    } catch (MarkedYamlEngineException e) {
      Mark m = e.getProblemMark().or(e::getContextMark).orElse(null);
      int off = m == null ? 0 : src.offsetOf(m.getLine(), m.getColumn());
      String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
      problems.error(src, off, "YAML: " + problem);
      return Optional.empty();
    } catch (YamlEngineException e) {
      problems.error(src, 0, "YAML: " + firstLine(e.getMessage()));
      return Optional.empty();
    } catch (RuntimeException e) {
      problems.error(src, 0, "YAML: cannot read the file (" + e.getClass().getSimpleName() + ")");
      return Optional.empty();
    }
  }

  private static boolean checkNoAliases(
      Node n, IdentityHashMap<Node, Boolean> seen, SourceText src, Problems problems) {
    if (seen.put(n, Boolean.TRUE) != null || n.getAnchor().isPresent()) {
      problems.error(src, offset(src, n), "YAML anchors and aliases are not supported in rulesets");
      return false;
    }
    if (n instanceof MappingNode m) {
      for (NodeTuple t : m.getValue()) {
        if (!checkNoAliases(t.getKeyNode(), seen, src, problems)
            || !checkNoAliases(t.getValueNode(), seen, src, problems)) {
          return false;
        }
      }
    } else if (n instanceof SequenceNode s) {
      for (Node c : s.getValue()) {
        if (!checkNoAliases(c, seen, src, problems)) {
          return false;
        }
      }
    }
    return true;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid YAML";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  static int offset(SourceText src, Node n) {
    return n.getStartMark().map(m -> src.offsetOf(m.getLine(), m.getColumn())).orElse(0);
  }

  static int endOffset(SourceText src, Node n) {
    return n.getEndMark().map(m -> src.offsetOf(m.getLine(), m.getColumn())).orElse(src.text.length());
  }

  static Pos pos(SourceText src, Node n) {
    return new Pos(src, offset(src, n));
  }

  static String kind(Node n) {
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    return "a scalar";
  }

  /** A mapping's entries by key, each key with its position; duplicate keys are reported. */
  static Map<String, Entry> entries(SourceText src, MappingNode m, Problems problems) {
    Map<String, Entry> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      Node k = t.getKeyNode();
      if (!(k instanceof ScalarNode ks)) {
        problems.error(src, offset(src, k), "a key must be a plain name, not " + kind(k));
        continue;
      }
      String key = ks.getValue();
      Entry e = new Entry(key, pos(src, k), t.getValueNode());
      if (out.containsKey(key)) {
        problems.error(e.keyPos(), "duplicate key '" + key + "'");
        continue;
      }
      out.put(key, e);
    }
    return out;
  }

  record Entry(String key, Pos keyPos, Node value) {}

  static Optional<String> scalar(SourceText src, Node n, String what, Problems problems) {
    if (n instanceof ScalarNode s) {
      return Optional.of(s.getValue());
    }
    problems.error(src, offset(src, n), what + " must be a single value, not " + kind(n));
    return Optional.empty();
  }

  static Optional<String> string(SourceText src, Node n, String what, Problems problems) {
    Optional<String> s = scalar(src, n, what, problems);
    if (s.isPresent() && s.get().isEmpty() && isNull(n)) {
      problems.error(src, offset(src, n), what + " is empty");
      return Optional.empty();
    }
    return s;
  }

  static boolean isNull(Node n) {
    return n instanceof ScalarNode s
        && s.isPlain()
        && (s.getValue().isEmpty() || s.getValue().equals("~") || s.getValue().equals("null"));
  }

  static Optional<Boolean> bool(SourceText src, Node n, String what, Problems problems) {
    return scalar(src, n, what, problems)
        .flatMap(
            v -> {
              switch (v) {
                case "true":
                  return Optional.of(true);
                case "false":
                  return Optional.of(false);
                default:
                  problems.error(
                      src, offset(src, n), what + " must be true or false, not '" + v + "'");
                  return Optional.empty();
              }
            });
  }

  static Optional<Long> integer(SourceText src, Node n, String what, Problems problems) {
    return scalar(src, n, what, problems)
        .flatMap(
            v -> {
              try {
                return Optional.of(Long.parseLong(v.replace("_", "")));
              } catch (NumberFormatException e) {
                problems.error(src, offset(src, n), what + " must be a whole number, not '" + v + "'");
                return Optional.empty();
              }
            });
  }

  /** A list of scalars; a single scalar is taken as a list of one. */
  static List<Located<String>> strings(SourceText src, Node n, String what, Problems problems) {
    List<Located<String>> out = new ArrayList<>();
    if (n instanceof SequenceNode seq) {
      for (Node item : seq.getValue()) {
        scalar(src, item, what + " item", problems)
            .ifPresent(v -> out.add(new Located<>(v, pos(src, item))));
      }
    } else if (n instanceof ScalarNode s && !isNull(n)) {
      out.add(new Located<>(s.getValue(), pos(src, n)));
    } else if (!isNull(n)) {
      problems.error(src, offset(src, n), what + " must be a list of names, not " + kind(n));
    }
    return out;
  }

  /** The text of a scalar holding an expression, mapped to its place in the file. */
  static Optional<ExprText> expression(SourceText src, Node n, String what, Problems problems) {
    if (!(n instanceof ScalarNode s)) {
      problems.error(src, offset(src, n), what + " must be an expression written as text, not " + kind(n));
      return Optional.empty();
    }
    return Optional.of(ExprText.of(s.getValue(), src, offset(src, n), endOffset(src, n)));
  }
}
