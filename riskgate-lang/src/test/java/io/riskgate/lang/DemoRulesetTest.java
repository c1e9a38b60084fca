package io.riskgate.lang;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoRulesetTest {
  static final Path DEMO = Path.of("../examples/payment-demo");

  static Ruleset demo() {
    RulesetCompiler.Result r = RulesetCompiler.create().compile(SourceFiles.read(DEMO));
    r.diagnostics().forEach(d -> System.out.println(d.render()));
    return r.orThrow();
  }

  static Env env(Map<String, TagView> tags) {
    return new Env() {
      @Override
      public TagView tag(String entity, String key) {
        return tags.getOrDefault(entity + ":" + key, TagView.empty());
      }

      @Override
      public boolean listContains(String list, String value) {
        return list.equals("blocked_ips") && value.equals("203.0.113.66")
            || list.equals("high_risk_countries") && value.equals("KP");
      }

      @Override
      public double feature(int featureIndex) {
        return Double.NaN;
      }
    };
  }

  static EventData payment(Ruleset rs, String account, double amount) {
    EventType t = rs.schema().eventType("payment").orElseThrow();
    EventData e = rs.schema().newEvent(t);
    e.setString(t.field("transaction_id").orElseThrow(), "tx1001");
    e.setString(t.field("account_id").orElseThrow(), account);
    e.setNumber(t.field("amount").orElseThrow(), amount);
    e.setNumber(t.field("timestamp").orElseThrow(), 1_732_200_000_000.0);
    return e;
  }

  @Test
  void shouldAcceptLevelTwoAccountOverTenThousand() {
    Ruleset rs = demo();
    Env env = env(Map.of("account:account123", TagView.of(Map.of("risk_level", 2L))));
    Evaluation ev = rs.evaluate(payment(rs, "account123", 12000.0), env);
    assertThat(ev.nextMatch(0)).isEqualTo(-1);
  }

  @Test
  void shouldRejectLevelTwoAccountAtEightThousand() {
    Ruleset rs = demo();
    Env env = env(Map.of("account:account123", TagView.of(Map.of("risk_level", 2L))));
    Evaluation ev = rs.evaluate(payment(rs, "account123", 8000.0), env);
    int i = ev.nextMatch(0);
    assertThat(rs.rules().get(i).id()).isEqualTo("mid-amount-elevated-risk");
    assertThat(ev.reason(i)).isEqualTo("amount 8000 is between 5000 and 10000 and the account's risk level is 2");
    assertThat(ev.values(i)).containsEntry("amount", 8000.0).containsEntry("tag(account_id).risk_level", 2L);
    assertThat(ev.nextMatch(i + 1)).isEqualTo(-1);
  }

  @Test
  void shouldUseDefaultRiskLevelForUnknownAccount() {
    Ruleset rs = demo();
    Evaluation ev = rs.evaluate(payment(rs, "nobody", 8000.0), env(Map.of()));
    assertThat(ev.nextMatch(0)).isEqualTo(-1);
  }
}
