package io.riskgate.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every complete ruleset shown in the rule-language reference ({@code docs/rules.md}) must pass the
 * checker: each fenced {@code ```yaml} block whose text starts with {@code ruleset:} is checked on its
 * own and must give no error.
 */
class RulesDocExamplesTest {
  static final Path DOC = Path.of("../docs/rules.md");
  static final int MIN_EXAMPLES = 5;

  /** A complete ruleset found in the document, with the line its text starts on. */
  record Example(int number, int line, String text) {
    String name() {
      return "docs/rules.md#example-" + number + "(line " + line + ")";
    }
  }

  /** The ```yaml blocks of a Markdown text whose content starts with 'ruleset:'. */
  static List<Example> examples(String markdown) {
    List<Example> out = new ArrayList<>();
    List<String> lines = markdown.lines().toList();
    int i = 0;
    while (i < lines.size()) {
      String fence = lines.get(i).strip();
      if (!fence.equals("```yaml")) {
        i++;
        continue;
      }
      int start = i + 1;
      int end = start;
      while (end < lines.size() && !lines.get(end).strip().equals("```")) {
        end++;
      }
      if (end >= lines.size()) {
        throw new AssertionError("unclosed ```yaml block at line " + (i + 1) + " of " + DOC);
      }
      String text = String.join("\n", lines.subList(start, end)) + "\n";
      if (text.startsWith("ruleset:")) {
        out.add(new Example(out.size() + 1, start + 1, text));
      }
      i = end + 1;
    }
    return out;
  }

  static List<Example> docExamples() throws IOException {
    return examples(Files.readString(DOC, StandardCharsets.UTF_8));
  }

  private static void assertNoErrors(RulesetCompiler compiler, String what) throws IOException {
    List<String> failures = new ArrayList<>();
    for (Example e : docExamples()) {
      List<Diagnostic> errors = compiler.check(List.of(new SourceFile(e.name(), e.text()))).stream()
          .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
          .toList();
      if (!errors.isEmpty()) {
        failures.add("example " + e.number() + " (starting at line " + e.line() + " of docs/rules.md):\n"
            + errors.stream().map(Diagnostic::render).collect(Collectors.joining("\n")));
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " example(s) of docs/rules.md fail " + what + ":\n\n" + String.join("\n\n", failures));
    }
  }

  @Test
  void documentHasEnoughCompleteExamples() throws IOException {
    assertThat(docExamples()).hasSizeGreaterThanOrEqualTo(MIN_EXAMPLES);
  }

  @Test
  void everyCompleteExamplePassesTheChecker() throws IOException {
    assertNoErrors(RulesetCompiler.create(), "the checker");
  }

  @Test
  void extractsOnlyYamlBlocksStartingWithRuleset() {
    String md = String.join("\n",
        "text",
        "```yaml",
        "ruleset: a",
        "events: {}",
        "```",
        "```yaml",
        "rules: []",
        "```",
        "```text",
        "ruleset: not-yaml",
        "```",
        "```yaml",
        "ruleset: b",
        "```");
    List<Example> found = examples(md);
    assertThat(found).extracting(Example::text).containsExactly("ruleset: a\nevents: {}\n", "ruleset: b\n");
    assertThat(found).extracting(Example::line).containsExactly(3, 13);
  }
}
