package io.riskgate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.riskgate.engine.Decision;
import io.riskgate.engine.DecisionEngine;
import io.riskgate.engine.InMemoryTagSource;
import io.riskgate.engine.RulesetVersion;
import io.riskgate.engine.Rulesets;
import io.riskgate.engine.TagSource;
import io.riskgate.engine.VersionStore;
import io.riskgate.lang.Action;
import io.riskgate.lang.SourceFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions survive a restart: publish, roll back, then build a new engine over the same folder. */
class FileVersionStoreTest {
  @TempDir Path data;

  private static DecisionEngine engine(Path data) {
    InMemoryTagSource tags = TagSource.inMemory();
    tags.put("account", "account123", Map.of("risk_level", 2.0));
    return DecisionEngine.builder().tags(tags).versionStore(new FileVersionStore(data)).build();
  }

  private static Decision decide(DecisionEngine e, double amount) {
    return e.decide(TestSupport.event("tx1", "account123", amount).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void versionsAndTheActiveOneSurviveARestart() throws IOException {
    String demo = TestSupport.demoText();
    String changed = demo.replace("amount > 5000 and amount <= 10000", "amount > 9000 and amount <= 10000");
    // Names and texts that need care: a folder, non-ASCII, characters special to properties files.
    List<SourceFile> v1 = List.of(new SourceFile("rules/päyment=1:#.yaml", demo));
    List<SourceFile> v2 = List.of(
        new SourceFile("rules/a.yaml", changed),
        new SourceFile("rules/b €.yaml", "# only a comment: ünïcödé ✓\n"));

    DecisionEngine first = engine(data);
    assertThat(first.ready()).isFalse();
    Rulesets.Published p1 = first.rulesets().publish(v1, "api");
    Rulesets.Published p2 = first.rulesets().publish(v2, "file:rules");
    assertThat(p1.version().version()).isEqualTo(1);
    assertThat(p2.version().version()).isEqualTo(2);
    assertThat(decide(first, 8000).action()).isEqualTo(Action.ACCEPT);
    assertThat(first.rulesets().rollback(1).version()).isEqualTo(1);
    assertThat(decide(first, 8000).action()).isEqualTo(Action.REJECT);

    // A new engine on a new store over the same folder.
    DecisionEngine second = engine(data);
    assertThat(second.ready()).isTrue();
    assertThat(second.rulesets().active()).map(RulesetVersion::version).contains(1);
    Decision d = decide(second, 8000);
    assertThat(d.rulesetVersion()).isEqualTo(1);
    assertThat(d.action()).isEqualTo(Action.REJECT);
    List<RulesetVersion> versions = second.rulesets().versions();
    assertThat(versions).extracting(RulesetVersion::version).containsExactly(1, 2);
    assertThat(versions).extracting(RulesetVersion::active).containsExactly(true, false);
    assertThat(versions).extracting(RulesetVersion::origin).containsExactly("api", "file:rules");
    assertThat(versions.get(0).hash()).isEqualTo(p1.version().hash());
    assertThat(versions.get(1).hash()).isEqualTo(p2.version().hash());
    assertThat(versions.get(0).publishedAt()).isEqualTo(p1.version().publishedAt());
    assertThat(versions).extracting(RulesetVersion::ruleset).containsOnly("payment-demo");

    // File names and texts are intact.
    List<VersionStore.Stored> stored = new FileVersionStore(data).load();
    assertThat(stored).hasSize(2);
    assertThat(stored.get(0).files()).containsExactlyElementsOf(v1);
    assertThat(stored.get(1).files()).containsExactlyElementsOf(v2);
    assertThat(new FileVersionStore(data).active()).hasValue(1);

    // Rolling forward and publishing again continue the numbering.
    assertThat(second.rulesets().rollback(2).version()).isEqualTo(2);
    assertThat(decide(second, 8000).action()).isEqualTo(Action.ACCEPT);
    Rulesets.Published p3 = second.rulesets().publish(List.of(new SourceFile("c.yaml", demo)), "api");
    assertThat(p3.version().version()).isEqualTo(3);
    DecisionEngine third = engine(data);
    assertThat(third.rulesets().versions()).extracting(RulesetVersion::version).containsExactly(1, 2, 3);
    assertThat(third.rulesets().active()).map(RulesetVersion::version).contains(3);
    assertThatThrownBy(() -> third.rulesets().rollback(99)).isInstanceOf(Rulesets.UnknownVersionException.class);

    // No temporary leftovers.
    try (Stream<Path> s = Files.list(data.resolve("rulesets"))) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("ACTIVE", "v000001", "v000002", "v000003");
    }
  }

  @Test
  void anEmptyFolderHasNoVersions() {
    FileVersionStore store = new FileVersionStore(data.resolve("fresh"));
    assertThat(store.load()).isEmpty();
    assertThat(store.active()).isEmpty();
    assertThat(engine(data.resolve("fresh")).ready()).isFalse();
  }

  @Test
  void aServerRestartKeepsTheRollback(@TempDir Path serverData) {
    // The rules path (the demo) is version 1; publish 2 over HTTP, roll back to 1... then restart:
    // the stored active version stays, and the unchanged rules path is not published again.
    try (RiskgateServer s = TestSupport.startDemo(serverData)) {
      TestSupport.Api a = new TestSupport.Api(s);
      assertThat(a.publishYaml(TestSupport.demoText().replace("score: 80", "score: 81")).statusCode()).isEqualTo(201);
      assertThat(a.post("/v1/rulesets/2/rollback", "text/plain", "").statusCode()).isEqualTo(200);
      assertThat(a.post("/v1/rulesets/1/rollback", "text/plain", "").statusCode()).isEqualTo(200);
    }
    try (RiskgateServer s = TestSupport.startDemo(serverData)) {
      assertThat(s.engine().rulesets().active()).map(RulesetVersion::version).contains(1);
      assertThat(s.engine().rulesets().versions()).hasSize(2);
    }
    // After a rollback to 2, a restart keeps 2 even though the rules path holds version 1's files.
    try (RiskgateServer s = TestSupport.startDemo(serverData)) {
      s.engine().rulesets().rollback(2);
    }
    try (RiskgateServer s = TestSupport.startDemo(serverData)) {
      assertThat(s.engine().rulesets().active()).map(RulesetVersion::version).contains(2);
      assertThat(s.engine().rulesets().versions()).hasSize(2);
      assertThat(TestSupport.obj(new TestSupport.Api(s).decide(TestSupport.event("t", "account123", 8000)).body())
          .get("score")).isEqualTo(81L);
    }
  }
}
