package io.riskgate.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Robustness of the parser and of the whole compiler on hostile input: random strings, mutated valid
 * expressions and mutated ruleset files must give a {@link ParseError} or diagnostics, never another
 * exception (stack overflow, index out of bounds, number format, null pointer...).
 */
class ParserFuzzProperties {
  static final String PAYMENT = read(Path.of("../examples/payment-demo/payment.yaml"));

  static final List<String> VALID = List.of(
      "amount > 10000 and tag(account_id).risk_level == 3",
      "amount > 5000 and amount <= 10000 and tag(account_id).risk_level >= 2",
      "ip in list('blocked_ips')",
      "country in list('high_risk_countries') and amount >= 1000",
      "amount > 2000 and hour(timestamp) between 1 and 5",
      "not (country in ['FR', 'DE'] or lower(email) == \"a@b.c\")",
      "round(amount * 1.5, 2) != 190.27 or -amount < -1e-7",
      "coalesce(currency, 'EUR') not in ['USD'] and length(email) % 2 == 0",
      "matches(email, '^[a-z]+@example[.]com$') and exists(card_bin)",
      "timestamp - timestamp > 10m and 'labels' not between 'a' and 'z'",
      "min(amount, 1, 2.5) + max(0.1, .2) / 3 - pow(2, 10) >= sqrt(abs(amount))",
      "'x' in tag(account_id).labels and starts_with(ip, '10.') == true");

  static final List<String> VOCABULARY = List.of(
      "and", "or", "not", "in", "between", "true", "false", "(", ")", "[", "]", ",", ".", "+", "-", "*",
      "/", "%", "==", "!=", "<", "<=", ">", ">=", "=", "!", "&&", "||", "&", "|", "<>", "'abc'", "\"x\"",
      "'", "\"", "\\", "'\\n'", "'\\q'", "1", "0", "-0.0", "0.5", ".5", "1.", "1e308", "1e400", "1e-400",
      "1e", "2E+3", "99999999999999999999999", "99999999999999999999h", "9223372036854775807w", "10m",
      "5x", "1.5h", "190.27", "amount", "country", "account_id", "tag", "list", "tag(account_id)",
      "lower(", "round(", "min(", "coalesce(", "exists(", "matches(", "#", "{", "}", "\u00e9", "\u0000",
      "\t", "\n", " ", "\ud83d\ude00", "\ud83d", "_", "a.b.c", "risk_level");

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ parser

  @Provide
  Arbitrary<String> expressionTexts() {
    Arbitrary<String> chars = Arbitraries.strings()
        .withChars("abcdefgxyz_019.+-*/%<>=!&|()[],'\"\\ \t\n#{}eE")
        .withCharRange('\u0000', '\u00ff')
        .ofMaxLength(60);
    Arbitrary<String> anyUnicode = Arbitraries.strings().all().ofMaxLength(40);
    Arbitrary<String> tokens = Arbitraries.randomValue(ParserFuzzProperties::tokenSoup);
    Arbitrary<String> mutated = Arbitraries.randomValue(r -> mutate(r, VALID.get(r.nextInt(VALID.size())), 1 + r.nextInt(4)));
    Arbitrary<String> deep = Arbitraries.randomValue(ParserFuzzProperties::deep);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, chars),
        net.jqwik.api.Tuple.of(1, anyUnicode),
        net.jqwik.api.Tuple.of(3, tokens),
        net.jqwik.api.Tuple.of(4, mutated),
        net.jqwik.api.Tuple.of(1, deep));
  }

  static String tokenSoup(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + r.nextInt(15);
    for (int i = 0; i < n; i++) {
      sb.append(VOCABULARY.get(r.nextInt(VOCABULARY.size())));
      if (r.nextInt(3) > 0) {
        sb.append(' ');
      }
    }
    return sb.toString();
  }

  /** Edits a text: insert, delete or replace characters, or splice a vocabulary token in. */
  static String mutate(Random r, String s, int edits) {
    StringBuilder sb = new StringBuilder(s);
    for (int e = 0; e < edits; e++) {
      int at = sb.isEmpty() ? 0 : r.nextInt(sb.length() + 1);
      switch (r.nextInt(5)) {
        case 0 -> sb.insert(at, (char) (32 + r.nextInt(95)));
        case 1 -> {
          if (at < sb.length()) {
            sb.deleteCharAt(at);
          }
        }
        case 2 -> {
          if (at < sb.length()) {
            sb.setCharAt(at, "()[]'\"., =<>+-*/%!&|#\\".charAt(r.nextInt(22)));
          }
        }
        case 3 -> sb.insert(at, VOCABULARY.get(r.nextInt(VOCABULARY.size())));
        default -> {
          int to = Math.min(sb.length(), at + r.nextInt(10));
          sb.delete(at, to);
        }
      }
    }
    return sb.toString();
  }

  /** Long chains and deep nestings, up to the parser's length limit. */
  static String deep(Random r) {
    int n = 1 + r.nextInt(4000);
    return switch (r.nextInt(9)) {
      case 0 -> "(".repeat(n) + "1" + ")".repeat(r.nextInt(n + 1));
      case 1 -> "-".repeat(n) + "amount";
      case 2 -> "not ".repeat(Math.min(n, 2400)) + "true";
      case 3 -> "amount" + " + 1".repeat(Math.min(n, 2400)) + " > 0";
      case 4 -> "true" + " and true".repeat(Math.min(n, 1100));
      case 5 -> "amount" + ".a".repeat(n);
      case 6 -> "[".repeat(n) + "1";
      case 7 -> "lower(".repeat(Math.min(n, 1600)) + "country" + ")".repeat(Math.min(n, 1600)) + " == 'x'";
      default -> "amount" + " - -1".repeat(Math.min(n, 1900)) + " > 0";
    };
  }

  @Property(tries = 3000)
  void parserReturnsOrThrowsOnlyParseError(@ForAll("expressionTexts") String text) {
    try {
      Ast ast = Parser.parse(text);
      assertThat(ast).isNotNull();
    } catch (ParseError e) {
      assertThat(e.getMessage()).isNotBlank();
      assertThat(e.at).isBetween(0, text.length());
    } catch (Throwable t) {
      fail("parser threw " + t + " on " + quote(text), t);
    }
  }

  @Example
  void parserRejectsTooDeepNestingWithParseError() {
    for (String s : List.of("(".repeat(5000) + "1" + ")".repeat(5000), "-".repeat(9000) + "1", "not ".repeat(2000) + "true")) {
      assertThat(catchParse(s)).as(s.substring(0, 20)).isInstanceOf(ParseError.class);
    }
  }

  static Throwable catchParse(String s) {
    try {
      Parser.parse(s);
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  // ------------------------------------------------------------------ the whole compiler

  static final String HEAD = """
      ruleset: fuzz
      events:
        payment:
          id: transaction_id
          fields:
            transaction_id: string
            account_id: {type: string, entity: account}
            amount: double
            count: long
            country: string
            email: string
            ip: string
            card_bin: string
            currency: string
            flag: boolean
            timestamp: timestamp
      tags:
        account:
          risk_level: {type: long, default: 1}
          labels: set
      lists:
        blocked_ips: ["1.2.3.4"]
      rules:
      """;

  static final List<String> YAML_BITS = List.of(
      ":", ": ", "- ", "-", "{", "}", "[", "]", "'", "\"", "&a ", "*a", "!!binary ", "!!int ", "%YAML 1.2\n",
      "---\n", "...\n", "\t", "\n", "\r", "\r\n", "  ", "#", "|", ">", "|-", ">+", "?", ",", "~", "null",
      "when: ", "action: reject", "id: x", "rules:", "events:", "fields:", "type: long", "default: 1e400",
      "\ud83d\ude00", "\u00e9", "\ufeff", "\u0085", "\u2028", "<<: ", "amount > 1", "tag(account_id).", "'");

  @Provide
  Arbitrary<String> rulesetTexts() {
    Arbitrary<String> mutatedDemo = Arbitraries.randomValue(r -> mutateYaml(r, PAYMENT, 1 + r.nextInt(4)));
    Arbitrary<String> randomWhen = Arbitraries.randomValue(r -> {
      StringBuilder sb = new StringBuilder(HEAD);
      int n = 1 + r.nextInt(3);
      for (int i = 0; i < n; i++) {
        String expr = r.nextBoolean() ? mutate(r, VALID.get(r.nextInt(VALID.size())), r.nextInt(3)) : tokenSoup(r);
        sb.append("  - id: r").append(i).append('\n');
        switch (r.nextInt(4)) {
          case 0 -> sb.append("    when: ").append(expr.replace('\n', ' ')).append('\n');
          case 1 -> sb.append("    when: \"").append(expr.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append("\"\n");
          case 2 -> sb.append("    when: |\n      ").append(expr.replace("\n", "\n      ")).append('\n');
          default -> sb.append("    when: '").append(expr.replace("'", "''").replace('\n', ' ')).append("'\n");
        }
        sb.append("    action: reject\n");
        if (r.nextInt(3) == 0) {
          sb.append("    reason: \"{").append(VALID.get(r.nextInt(VALID.size())).replace("\"", "'")).append("} {amount}\"\n");
        }
      }
      return r.nextInt(4) == 0 ? mutateYaml(r, sb.toString(), 1) : sb.toString();
    });
    Arbitrary<String> yamlSoup = Arbitraries.randomValue(r -> {
      StringBuilder sb = new StringBuilder();
      int n = r.nextInt(40);
      for (int i = 0; i < n; i++) {
        sb.append(r.nextInt(4) == 0 ? " ".repeat(r.nextInt(6)) : "");
        sb.append(YAML_BITS.get(r.nextInt(YAML_BITS.size())));
      }
      return sb.toString();
    });
    Arbitrary<String> anyText = Arbitraries.strings().all().ofMaxLength(200);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, mutatedDemo),
        net.jqwik.api.Tuple.of(5, randomWhen),
        net.jqwik.api.Tuple.of(2, yamlSoup),
        net.jqwik.api.Tuple.of(1, anyText));
  }

  static String mutateYaml(Random r, String s, int edits) {
    List<String> lines = new ArrayList<>(s.lines().toList());
    for (int e = 0; e < edits && !lines.isEmpty(); e++) {
      int i = r.nextInt(lines.size());
      String line = lines.get(i);
      switch (r.nextInt(7)) {
        case 0 -> lines.remove(i);
        case 1 -> lines.add(i, line);
        case 2 -> lines.set(i, " ".repeat(r.nextInt(5)) + line.strip());
        case 3 -> {
          int at = r.nextInt(line.length() + 1);
          lines.set(i, line.substring(0, at) + YAML_BITS.get(r.nextInt(YAML_BITS.size())) + line.substring(at));
        }
        case 4 -> lines.set(i, mutate(r, line, 1 + r.nextInt(3)));
        case 5 -> {
          int w = line.indexOf("when: ");
          if (w >= 0) {
            lines.set(i, line.substring(0, w + 6) + mutate(r, VALID.get(r.nextInt(VALID.size())), r.nextInt(3)).replace('\n', ' '));
          }
        }
        default -> {
          int j = r.nextInt(lines.size());
          lines.set(i, lines.get(j));
          lines.set(j, line);
        }
      }
    }
    String out = String.join("\n", lines) + "\n";
    return switch (r.nextInt(12)) {
      case 0 -> out.replace("\n", "\r\n");
      case 1 -> out.replace("\n", "\r");
      default -> out;
    };
  }

  @Property(tries = 1500)
  void compilerGivesDiagnosticsNeverExceptions(@ForAll("rulesetTexts") String text) {
    RulesetCompiler.Result result;
    try {
      result = RulesetCompiler.create().compile(List.of(new SourceFile("fuzz.yaml", text)));
    } catch (Throwable t) {
      fail("compile threw " + t + " on:\n" + text, t);
      return;
    }
    checkDiagnostics(result.diagnostics(), text);
    net.jqwik.api.statistics.Statistics.collect(result.ok() ? "compiled" : "refused");
    if (!result.ok()) {
      assertThat(result.diagnostics()).as("a refused ruleset says why")
          .anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }
  }

  static void checkDiagnostics(List<Diagnostic> ds, String text) {
    int lines = text.split("\r\n|\r|\n", -1).length;
    for (Diagnostic d : ds) {
      assertThat(d.message()).as("message of %s", d).isNotBlank();
      assertThat(d.line()).as("line of %s", d).isBetween(0, lines);
      assertThat(d.column()).as("column of %s", d).isGreaterThanOrEqualTo(0);
      if (d.line() > 0) {
        assertThat(d.column()).as("column of %s", d).isBetween(1, d.sourceLine().length() + 1);
      }
      assertThat(d.render()).startsWith(d.place());
    }
  }

  @Example
  void deepExpressionsInRulesetsGiveDiagnosticsOrCompile() {
    for (int kind = 0; kind < 11; kind++) {
      for (int n : new int[] {10, 20, 200, 1000, 2400}) {
        String expr = switch (kind) {
          case 0 -> "(".repeat(n) + "amount > 1" + ")".repeat(n);
          case 1 -> "-".repeat(n) + "amount > 1";
          case 2 -> "not ".repeat(n) + "true";
          case 3 -> "amount" + " + 1".repeat(n) + " > 0";
          case 4 -> "amount > 1" + " and amount > 1".repeat(Math.min(n, 600));
          case 5 -> "amount" + ".a".repeat(n) + " > 1";
          case 6 -> "lower(".repeat(Math.min(n, 1600)) + "country" + ")".repeat(Math.min(n, 1600)) + " == 'x'";
          case 7 -> "amount" + " * 2 - 1".repeat(Math.min(n, 1200)) + " > 0";
          case 8 -> "min(amount" + ", 1".repeat(Math.min(n, 3000)) + ") > 0";
          case 9 -> "amount" + "+1".repeat(n * 2) + ">0";
          default -> "country" + "+'x'".repeat(Math.min(n, 2300)) + " == 'x'";
        };
        String text = HEAD + "  - id: deep\n    when: \"" + expr + "\"\n    action: reject\n"
            + "    reason: \"" + "{amount} and ".repeat(Math.min(n, 1500)) + "\"\n";
        RulesetCompiler.Result result;
        try {
          result = RulesetCompiler.create().compile(List.of(new SourceFile("deep.yaml", text)));
        } catch (Throwable t) {
          fail("compile threw " + t + " on kind " + kind + " n=" + n, t);
          return;
        }
        checkDiagnostics(result.diagnostics(), text);
        if (Boolean.getBoolean("fuzz.verbose")) {
          for (Diagnostic d : result.diagnostics()) {
            System.out.println(kind + "/" + n + " " + d.place() + " " + d.message());
          }
        }
        boolean shouldCompile = kind != 5 && (n <= 20 || kind == 4 || kind == 8);
        assertThat(result.ok()).as("kind %d n=%d: %s", kind, n, result.diagnostics()).isEqualTo(shouldCompile);
        if (!shouldCompile) {
          assertThat(result.diagnostics()).singleElement().satisfies(d -> assertThat(d.line()).as(d.render()).isEqualTo(25));
        }
      }
    }
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c > 0x7e) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
