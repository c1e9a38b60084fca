package io.riskgate.server;

import static io.riskgate.server.TestSupport.at;
import static io.riskgate.server.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
  @TempDir Path tmp;

  private record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void checkTheDemo() {
    Run r = run("check", TestSupport.DEMO.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("ok").contains("1 file(s)");
  }

  @Test
  void checkTheDemoAsJson() {
    Run r = run("check", "--json", TestSupport.DEMO_YAML.toString());
    assertThat(r.exit()).isZero();
    Map<String, Object> j = obj(r.out().strip());
    assertThat(j.get("valid")).isEqualTo(true);
  }

  @Test
  void checkABrokenCopyShowsFileLineColumnAndCaret() throws IOException {
    TestSupport.copyTree(TestSupport.DEMO, tmp);
    Path yaml = tmp.resolve("payment.yaml");
    String text = Files.readString(yaml);
    String broken = text.replace("    action: reject\n    score: 80", "    actoin: reject\n    score: 80");
    Files.writeString(yaml, broken);
    int line = 0;
    List<String> lines = broken.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("actoin")) {
        line = i + 1;
      }
    }

    Run r = run("check", tmp.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains(yaml + ":" + line + ":5: error:");
    assertThat(r.out()).contains(" | " + lines.get(line - 1));
    assertThat(r.out()).contains(" |     ^");
    assertThat(r.out()).contains("error(s) in " + tmp);

    Run json = run("check", "--json", tmp.toString());
    assertThat(json.exit()).isEqualTo(1);
    Map<String, Object> j = obj(json.out().strip());
    assertThat(j.get("valid")).isEqualTo(false);
    final long expectedLine = line;
    assertThat((List<?>) j.get("diagnostics")).as(json.out())
        .anySatisfy(d -> {
          assertThat(at(d, "line")).isEqualTo(expectedLine);
          assertThat(at(d, "column")).isEqualTo(5L);
          assertThat((String) at(d, "message")).contains("actoin").contains("did you mean 'action'");
        });

    // decide refuses broken rules with the "invalid" exit code.
    Run d = run("decide", tmp.toString(), TestSupport.DEMO_EVENTS.toString());
    assertThat(d.exit()).isEqualTo(Main.INVALID);
    assertThat(d.err()).contains(yaml + ":" + line + ":5");
  }

  @Test
  void checkAMissingPath() {
    Run r = run("check", tmp.resolve("nothing-here").toString());
    assertThat(r.exit()).isEqualTo(Main.INVALID);
    assertThat(r.err()).contains("riskgate:").contains("nothing-here");
  }

  @Test
  void decideTheDemoEvents() {
    Run r = run("decide", TestSupport.DEMO.toString(), TestSupport.DEMO_EVENTS.toString(),
        "--tags", TestSupport.DEMO_TAGS.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    List<String> lines = r.lines();
    assertThat(lines).hasSize(5);
    List<Map<String, Object>> ds = lines.stream().map(TestSupport::obj).toList();
    assertThat(ds).extracting(d -> d.get("event_id")).containsExactly("tx1001", "tx1002", "tx1003", "tx1004", "tx1005");
    assertThat(ds).extracting(d -> d.get("decision")).containsExactly("accept", "reject", "reject", "accept", "reject");
    assertThat(at(ds.get(1), "matched", 0, "id")).isEqualTo("mid-amount-elevated-risk");
    assertThat(at(ds.get(2), "matched", 0, "id")).isEqualTo("high-amount-high-risk");
    assertThat(at(ds.get(4), "matched", 0, "id")).isEqualTo("blocked-ip");
    assertThat(ds).extracting(d -> d.get("ruleset_version")).containsOnly(1L);
  }

  @Test
  void decideExplainsTheFeaturesOfEachEvent(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
    StringBuilder events = new StringBuilder();
    for (int i = 1; i <= 6; i++) {
      events.append("{\"transaction_id\":\"v").append(i).append("\",\"account_id\":\"acc9\",\"amount\":20.0,\"timestamp\":")
          .append(1732200000 + 5 * i).append("}\n");
    }
    java.nio.file.Path file = dir.resolve("events.jsonl");
    java.nio.file.Files.writeString(file, events);
    Run r = run("decide", TestSupport.DEMO.toString(), file.toString(), "--explain");
    assertThat(r.exit()).as(r.err()).isZero();
    List<Map<String, Object>> ds = r.lines().stream().map(TestSupport::obj).toList();
    assertThat(ds).extracting(d -> d.get("decision")).containsExactly("accept", "accept", "accept", "accept", "accept", "review");
    assertThat(at(ds.get(5), "features", "payments_1m")).isEqualTo(6L);
    assertThat(at(ds.get(5), "features", "amount_1h")).isEqualTo(120.0);
    assertThat(at(ds.get(0), "features", "avg_amount_last_5")).isNull();
    // without --explain, no feature values
    Run plain = run("decide", TestSupport.DEMO.toString(), file.toString());
    assertThat(plain.lines()).allSatisfy(l -> assertThat(obj(l)).doesNotContainKey("features"));
  }

  @Test
  void decideWithoutTagsUsesDefaults() {
    Run r = run("decide", TestSupport.DEMO.toString(), TestSupport.DEMO_EVENTS.toString());
    assertThat(r.exit()).isZero();
    // Every account is risk level 1 without tags: only the blocked IP rejects.
    assertThat(r.lines().stream().map(l -> obj(l).get("decision")).toList())
        .containsExactly("accept", "accept", "accept", "accept", "reject");
  }

  @Test
  void aBadEventLineIsReportedWithItsLineNumber() throws IOException {
    Path events = tmp.resolve("events.jsonl");
    List<String> demo = Files.readAllLines(TestSupport.DEMO_EVENTS);
    Files.write(events, List.of(
        demo.get(0),
        "",
        "{\"transaction_id\":\"tx-bad\",\"account_id\":\"account123\",\"amount\":\"much\",\"timestamp\":1732200000}",
        "{not json",
        demo.get(1)));
    Run r = run("decide", TestSupport.DEMO.toString(), events.toString(), "--tags", TestSupport.DEMO_TAGS.toString());
    assertThat(r.exit()).isEqualTo(1);
    List<String> lines = r.lines();
    assertThat(lines).hasSize(4);
    assertThat(obj(lines.get(0)).get("decision")).isEqualTo("accept");
    Map<String, Object> bad = obj(lines.get(1));
    assertThat(bad.get("line")).isEqualTo(3L);
    assertThat(at(bad, "error", "path")).isEqualTo("$.amount");
    assertThat(at(bad, "error", "code")).isEqualTo("wrong_type");
    Map<String, Object> malformed = obj(lines.get(2));
    assertThat(malformed.get("line")).isEqualTo(4L);
    assertThat(at(malformed, "error", "code")).isEqualTo("malformed_json");
    assertThat(obj(lines.get(3)).get("decision")).isEqualTo("reject");
  }

  @Test
  void aBrokenTagsFileIsAConfigurationError() throws IOException {
    Path tags = tmp.resolve("tags.jsonl");
    Files.writeString(tags, "{\"entity\":\"account\",\"key\":\"a\",\"attributes\":{}}\n{oops\n");
    Run r = run("decide", TestSupport.DEMO.toString(), TestSupport.DEMO_EVENTS.toString(), "--tags", tags.toString());
    assertThat(r.exit()).isEqualTo(Main.INVALID);
    assertThat(r.err()).contains(tags + ":2:");
  }

  @Test
  void helpAndVersion() {
    assertThat(run("--version").out()).contains("riskgate");
    Run none = run();
    assertThat(none.exit()).isZero();
    assertThat(none.out()).contains("check").contains("decide").contains("run");
    assertThat(run("check").exit()).isEqualTo(2); // missing parameter: picocli's usage error
  }
}
