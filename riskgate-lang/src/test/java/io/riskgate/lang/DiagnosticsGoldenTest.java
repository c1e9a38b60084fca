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
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden-file tests of the rendered diagnostics: every {@code golden/<name>.yaml} is checked and its
 * diagnostics, rendered and joined by newlines, must equal {@code golden/<name>.expected}.
 *
 * <p>On a mismatch the actual text is written to {@code target/golden-actual/<name>.actual}. Run with
 * {@code -Dgolden.update=true} to rewrite the expected files from the current output (then review
 * every caret by eye before committing).
 */
class DiagnosticsGoldenTest {
  static final Path DIR = Path.of("src/test/resources/golden");
  static final Path ACTUAL = Path.of("target/golden-actual");
  static final boolean UPDATE = Boolean.getBoolean("golden.update");

  static List<Path> cases() throws IOException {
    try (Stream<Path> s = Files.list(DIR)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
    }
  }

  static String render(Path yaml) throws IOException {
    return renderText("golden/" + yaml.getFileName(), Files.readString(yaml, StandardCharsets.UTF_8));
  }

  static Path expectedOf(Path yaml) {
    String base = yaml.getFileName().toString().replaceFirst("\\.yaml$", "");
    return yaml.resolveSibling(base + ".expected");
  }

  @Test
  void goldenFolderHasEnoughCasesEachWithExpectedOutput() throws IOException {
    List<Path> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(15);
    for (Path c : cases) {
      assertThat(expectedOf(c)).as("expected file of %s", c).exists();
    }
  }

  @TestFactory
  Stream<DynamicTest> diagnosticsMatchGoldenFiles() throws IOException {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> check(c)));
  }

  /** Windows (CRLF) and old Mac (CR) line endings must not move any diagnostic: same lines, columns, carets. */
  @TestFactory
  Stream<DynamicTest> otherLineEndingsGiveTheSameDiagnostics() throws IOException {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> {
      String text = Files.readString(c, StandardCharsets.UTF_8);
      String name = "golden/" + c.getFileName();
      String lf = renderText(name, text);
      assertThat(renderText(name, text.replace("\n", "\r\n"))).as("CRLF").isEqualTo(lf);
      assertThat(renderText(name, text.replace("\n", "\r"))).as("CR").isEqualTo(lf);
    }));
  }

  static String renderText(String name, String text) {
    List<Diagnostic> ds = RulesetCompiler.create().check(List.of(new SourceFile(name, text)));
    return ds.stream().map(Diagnostic::render).collect(Collectors.joining("\n"));
  }

  private static void check(Path yaml) throws IOException {
    String actual = render(yaml);
    Path expectedFile = expectedOf(yaml);
    if (UPDATE) {
      Files.writeString(expectedFile, actual + "\n", StandardCharsets.UTF_8);
      return;
    }
    assertThat(actual).as("a bad ruleset must give at least one diagnostic").isNotEmpty();
    String expected = Files.exists(expectedFile)
        ? stripFinalNewline(Files.readString(expectedFile, StandardCharsets.UTF_8))
        : "<missing " + expectedFile + ">";
    if (!expected.equals(actual)) {
      Files.createDirectories(ACTUAL);
      String base = yaml.getFileName().toString().replaceFirst("\\.yaml$", "");
      Path out = ACTUAL.resolve(base + ".actual");
      Files.writeString(out, actual + "\n", StandardCharsets.UTF_8);
      fail("diagnostics of " + yaml + " differ from " + expectedFile + " (actual written to " + out
          + "; rerun with -Dgolden.update=true to accept)\n" + diff(expected, actual));
    }
  }

  private static String stripFinalNewline(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  /** A line-by-line diff: '-' expected, '+' actual, ' ' equal. */
  static String diff(String expected, String actual) {
    List<String> a = expected.lines().toList();
    List<String> b = actual.lines().toList();
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
        out.add("  " + a.get(i++));
        j++;
      } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.add("- " + a.get(i++));
      } else {
        out.add("+ " + b.get(j++));
      }
    }
    return String.join("\n", out);
  }

  @Test
  void diffShowsChangedLines() {
    assertThat(diff("a\nb\nc", "a\nx\nc")).isEqualTo("  a\n- b\n+ x\n  c");
  }
}
