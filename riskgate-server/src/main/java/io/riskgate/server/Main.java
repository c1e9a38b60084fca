package io.riskgate.server;

import io.riskgate.engine.DecisionEngine;
import io.riskgate.engine.DecisionJson;
import io.riskgate.engine.InMemoryTagSource;
import io.riskgate.engine.InvalidEventException;
import io.riskgate.engine.TagSource;
import io.riskgate.lang.Diagnostic;
import io.riskgate.lang.RulesetException;
import io.riskgate.lang.SourceFile;
import io.riskgate.lang.SourceFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code riskgate} command line. */
@Command(
    name = "riskgate",
    mixinStandardHelpOptions = true,
    version = "riskgate 0.1.0",
    description = "Real-time risk decisions: accept, review or reject each event by your rules.",
    subcommands = {Main.Run.class, Main.Check.class, Main.Decide.class})
public final class Main implements Runnable {
  /** Exit code for invalid rules or configuration. */
  static final int INVALID = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException || e instanceof UncheckedIOException) {
        cmd.getErr().println("riskgate: " + e.getMessage());
        return INVALID;
      }
      throw e;
    });
    return cl;
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "run", description = "Start the decision server (HTTP API, metrics, rules watch).")
  static final class Run implements Callable<Integer> {
    @Option(names = "--config", description = "YAML configuration file (default: $RISKGATE_CONFIG, else ./riskgate.yaml if present)")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
      Optional<Path> file = Optional.ofNullable(config)
          .or(() -> Optional.ofNullable(System.getenv("RISKGATE_CONFIG")).map(Path::of))
          .or(() -> Files.exists(Path.of("riskgate.yaml")) ? Optional.of(Path.of("riskgate.yaml")) : Optional.empty());
      ServerConfig cfg = ServerConfig.load(file, System.getenv());
      Logging.configure(cfg.logLevel());
      RiskgateServer server = RiskgateServer.start(cfg);
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        stop.countDown();
      }, "riskgate-shutdown"));
      stop.await();
      return 0;
    }
  }

  @Command(name = "check", description = "Check a ruleset file or folder; print every problem as file:line:col.")
  static final class Check implements Callable<Integer> {
    @Parameters(index = "0", description = "ruleset file or folder")
    Path rules;

    @Option(names = "--json", description = "print the diagnostics as JSON")
    boolean json;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Logging.configure("warn");
      List<SourceFile> files = SourceFiles.read(rules);
      DecisionEngine engine = DecisionEngine.builder().build();
      List<Diagnostic> diags = engine.rulesets().validate(files);
      boolean ok = diags.stream().noneMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(new String(Json.write(g -> {
          g.writeStartObject();
          g.writeBooleanField("valid", ok);
          Json.diagnostics(g, diags);
          g.writeEndObject();
        }), StandardCharsets.UTF_8));
      } else {
        for (Diagnostic d : diags) {
          out.println(d.render());
        }
        long errors = diags.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).count();
        out.println(ok ? "ok: " + rules + " (" + files.size() + " file(s))" : errors + " error(s) in " + rules);
      }
      out.flush();
      return ok ? 0 : 1;
    }
  }

  @Command(name = "decide", description = "Decide events offline: one JSON event per line in, one JSON decision per line out.")
  static final class Decide implements Callable<Integer> {
    @Parameters(index = "0", description = "ruleset file or folder")
    Path rules;

    @Parameters(index = "1", description = "events, one JSON object per line ('-' for standard input)")
    String events;

    @Option(names = "--tags", description = "tags to load, as JSON lines {\"entity\",\"key\",\"attributes\"}")
    Path tagsFile;

    @Option(names = "--explain", description = "list every feature value computed for each event")
    boolean explain;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Logging.configure("warn");
      InMemoryTagSource tags = TagSource.inMemory();
      if (tagsFile != null) {
        TagSeed.load(tagsFile, tags);
      }
      DecisionEngine engine = DecisionEngine.builder().tags(tags).build();
      PrintWriter out = spec.commandLine().getOut();
      try {
        engine.rulesets().publish(SourceFiles.read(rules), "file:" + rules);
      } catch (RulesetException e) {
        PrintWriter err = spec.commandLine().getErr();
        e.diagnostics().forEach(d -> err.println(d.render()));
        err.flush();
        return INVALID;
      }
      int failures = 0;
      try (BufferedReader in = events.equals("-")
          ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
          : Files.newBufferedReader(Path.of(events), StandardCharsets.UTF_8)) {
        String line;
        int n = 0;
        while ((line = in.readLine()) != null) {
          n++;
          if (line.isBlank()) {
            continue;
          }
          try {
            out.println(new String(DecisionJson.toJson(engine.decide(line.getBytes(StandardCharsets.UTF_8), explain)), StandardCharsets.UTF_8));
          } catch (InvalidEventException e) {
            failures++;
            String body = new String(DecisionJson.toJson(e), StandardCharsets.UTF_8);
            out.println("{\"line\":" + n + "," + body.substring(1));
          }
        }
      }
      out.flush();
      return failures == 0 ? 0 : 1;
    }
  }
}
