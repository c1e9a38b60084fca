package io.riskgate.lang;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast forms of simple conditions give the interpreter's answer, missing values included. */
class FastConditionTest {
  static final List<String> CONDITIONS = List.of(
      "amount > 100", "amount <= 100", "amount == 5", "amount != 5", "amount < 0.5", "amount >= 2",
      "status == 'failed'", "status != 'failed'", "quantity > 2 and status == 'ok'", "amount < 1 or status == 'failed'",
      "quantity == 3 or quantity == 4 or amount > 1000", "new_device", "not (amount > 100)", "amount > quantity");

  @Test
  void shouldAnswerAsTheInterpreter() {
    StringBuilder yaml = new StringBuilder("""
        ruleset: fast
        events:
          payment:
            id: id
            fields:
              id: {type: string, required: true}
              account: string
              amount: double
              quantity: long
              status: string
              new_device: boolean
        features:
        """);
    for (int i = 0; i < CONDITIONS.size(); i++) {
      yaml.append("  f").append(i).append(": {aggregate: count, by: account, window: 1m, where: \"")
          .append(CONDITIONS.get(i).replace("\"", "\\\"")).append("\"}\n");
    }
    RulesetReader.Result read = RulesetReader.read(List.of(new SourceFile("fast.yaml", yaml.toString())));
    assertThat(read.problems().hasErrors()).as(read.problems().toString()).isFalse();
    CheckedRuleset rs = read.ruleset().orElseThrow();
    Renderer interpreter = new Renderer(rs);
    EventType type = rs.schema().eventType("payment").orElseThrow();
    Random r = new Random(3);
    int fast = 0;
    for (int i = 0; i < CONDITIONS.size(); i++) {
      Typed filter = rs.featureFilters().get(i);
      var f = FastCondition.of(filter);
      if (f.isEmpty()) {
        continue;
      }
      fast++;
      for (int n = 0; n < 500; n++) {
        EventData e = rs.schema().newEvent(type);
        for (FieldDef d : type.fields()) {
          if (r.nextInt(4) == 0) {
            continue; // missing
          }
          switch (d.type()) {
            case STRING -> e.setString(d, List.of("failed", "ok", "x", "").get(r.nextInt(4)));
            case DOUBLE -> e.setNumber(d, List.of(0.0, 0.5, 1.0, 2.0, 5.0, 100.0, 100.5, 1500.0, -3.0).get(r.nextInt(9)));
            case LONG -> e.setNumber(d, r.nextInt(6));
            case BOOLEAN -> e.setNumber(d, r.nextBoolean() ? 1.0 : 0.0);
            default -> { }
          }
        }
        boolean want = interpreter.cond(filter, new Evaluation(0, interpreter, e, null) {});
        assertThat(f.get().test(e)).as("%s on event %d", CONDITIONS.get(i), n).isEqualTo(want);
      }
    }
    // fields against literals and and/or of those have fast forms; the rest is interpreted
    assertThat(fast).isGreaterThanOrEqualTo(10).isLessThan(CONDITIONS.size());
  }
}
