package io.riskgate.lang;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Files whose length lands on the YAML reader's internal buffer size must read like any other. */
class YamlBufferBoundaryTest {
  @Test
  void shouldReadFilesOfEveryLengthAroundTheReaderBuffer() {
    String head = "ruleset: pad\nevents:\n  payment:\n    id: tx\n    fields:\n      tx: string\n      amount: double\n"
        + "rules:\n  - id: r1\n    when: amount > 1\n    action: reject\n";
    for (int total = 990; total <= 1100; total++) {
      for (String tail : List.of("#", "    reason: \"x\"\n#", "  - id: r2\n    when: amount > [")) {
        int pad = total - head.length() - tail.length();
        String text = head + tail + "x".repeat(Math.max(0, pad));
        List<Diagnostic> diags = RulesetCompiler.create().check(List.of(new SourceFile("pad.yaml", text)));
        assertThat(diags).as("length %d", text.length())
            .noneMatch(d -> d.message().contains("cannot read the file"));
      }
    }
  }
}
