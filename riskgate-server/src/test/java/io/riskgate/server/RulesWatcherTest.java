package io.riskgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.riskgate.engine.DecisionEngine;
import io.riskgate.engine.InMemoryTagSource;
import io.riskgate.engine.RulesetVersion;
import io.riskgate.engine.TagSource;
import io.riskgate.lang.Action;
import io.riskgate.lang.SourceFile;
import io.riskgate.lang.SourceFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher, driven by calling check() directly. */
class RulesWatcherTest {
  @TempDir Path rules;
  private Path yaml;
  private DecisionEngine engine;
  private Metrics metrics;
  private RulesWatcher watcher;

  @BeforeEach
  void setUp() throws IOException {
    TestSupport.copyTree(TestSupport.DEMO, rules);
    yaml = rules.resolve("payment.yaml");
    InMemoryTagSource tags = TagSource.inMemory();
    tags.put("account", "account123", Map.of("risk_level", 2.0));
    metrics = new Metrics();
    engine = DecisionEngine.builder().tags(tags).observer(metrics).build();
    List<SourceFile> initial = SourceFiles.read(rules);
    engine.rulesets().publish(initial, "file:" + rules);
    watcher = new RulesWatcher(rules, engine, metrics, initial);
  }

  @AfterEach
  void tearDown() {
    watcher.close();
  }

  private int activeVersion() {
    return engine.rulesets().active().map(RulesetVersion::version).orElse(0);
  }

  private Action decide(double amount) {
    return engine.decide(TestSupport.event("tx1", "account123", amount).getBytes(StandardCharsets.UTF_8)).action();
  }

  private double publishes(String result) {
    Matcher m = Pattern.compile("riskgate_ruleset_publishes_total\\{result=\"" + result + "\"} (\\S+)").matcher(metrics.scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void publishesChangesKeepsBrokenFilesOutAndDoesNotRetryThem() throws IOException {
    watcher.check();
    assertThat(activeVersion()).as("nothing changed").isEqualTo(1);
    assertThat(decide(8000)).isEqualTo(Action.REJECT);

    String demo = Files.readString(yaml);
    String raised = demo.replace("amount > 5000 and amount <= 10000", "amount > 9000 and amount <= 10000");
    Files.writeString(yaml, raised);
    watcher.check();
    assertThat(activeVersion()).isEqualTo(2);
    assertThat(decide(8000)).isEqualTo(Action.ACCEPT);
    assertThat(engine.rulesets().active().orElseThrow().origin()).isEqualTo("watch:" + rules);
    assertThat(publishes("published")).isEqualTo(1.0);

    // Broken: refused, the active version stays.
    Files.writeString(yaml, raised.replace("when: amount > 9000", "when: amount >> 9000"));
    watcher.check();
    assertThat(activeVersion()).isEqualTo(2);
    assertThat(decide(8000)).isEqualTo(Action.ACCEPT);
    assertThat(publishes("refused")).isEqualTo(1.0);
    // The same broken content is not tried again.
    watcher.check();
    watcher.check();
    assertThat(publishes("refused")).isEqualTo(1.0);
    assertThat(engine.rulesets().versions()).hasSize(2);

    // Another broken edit is tried (and refused) once.
    Files.writeString(yaml, "ruleset: [\n");
    watcher.check();
    watcher.check();
    assertThat(publishes("refused")).isEqualTo(2.0);
    assertThat(activeVersion()).isEqualTo(2);

    // Fixed: a new version.
    Files.writeString(yaml, demo.replace("amount > 5000 and amount <= 10000", "amount > 7500 and amount <= 10000"));
    watcher.check();
    assertThat(activeVersion()).isEqualTo(3);
    assertThat(decide(7000)).isEqualTo(Action.ACCEPT);
    assertThat(decide(8000)).isEqualTo(Action.REJECT);

    // Back to the content of the active version: nothing new.
    watcher.check();
    assertThat(engine.rulesets().versions()).hasSize(3);
  }

  @Test
  void aNewFileInTheFolderIsPublished() throws IOException {
    Files.createDirectories(rules.resolve("more"));
    Files.writeString(rules.resolve("more/notes.yml"), "# nothing but a comment\n");
    watcher.check();
    // Either a new version or refused, but never a crash, and a decision still works.
    assertThat(decide(8000)).isEqualTo(Action.REJECT);
    Files.writeString(rules.resolve("readme.txt"), "not yaml; ignored");
    int before = engine.rulesets().versions().size();
    watcher.check();
    assertThat(engine.rulesets().versions()).hasSize(before);
  }

  @Test
  void anUnreadableFileIsSkipped() throws IOException {
    Files.write(yaml, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'}); // not UTF-8
    watcher.check();
    assertThat(activeVersion()).isEqualTo(1);
    assertThat(decide(8000)).isEqualTo(Action.REJECT);
    Files.delete(yaml);
    watcher.check();
    assertThat(activeVersion()).isEqualTo(1);
  }
}
