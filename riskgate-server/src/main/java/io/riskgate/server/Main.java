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
    subcommands = {Main.Run.class, Main.Check.class, Main.Decide.class, Main.Kafka.class})
public final class Main implements Runnable {
  /** Exit code for invalid rules or configuration. */
  static final int INVALID = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException || e instanceof UncheckedIOException
          || e instanceof io.riskgate.adapter.kafka.KafkaPipelineException) {
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
      ServerConfig cfg = loadConfig(config);
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

  /** The configuration: the file given, else $RISKGATE_CONFIG, else ./riskgate.yaml if present; then the environment. */
  static ServerConfig loadConfig(Path config) {
    Optional<Path> file = Optional.ofNullable(config)
        .or(() -> Optional.ofNullable(System.getenv("RISKGATE_CONFIG")).map(Path::of))
        .or(() -> Files.exists(Path.of("riskgate.yaml")) ? Optional.of(Path.of("riskgate.yaml")) : Optional.empty());
    return ServerConfig.load(file, System.getenv());
  }

  @Command(name = "kafka", description = "Send events to Kafka and read decisions, with the brokers, topics and security of the configuration.",
      subcommands = {Kafka.Produce.class, Kafka.Consume.class})
  static final class Kafka implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options both commands share. */
    static final class Target {
      @Option(names = "--config", description = "YAML configuration file (as for run)")
      Path config;

      @Option(names = "--bootstrap-servers", description = "brokers (default: kafka.bootstrap-servers)")
      String bootstrap;

      @Option(names = "--topic", description = "topic (default: kafka.input-topic to produce, kafka.decisions-topic to consume)")
      String topic;
    }

    @Command(name = "produce", description = "Send JSON events to the input topic: the arguments, or one per line of standard input.")
    static final class Produce implements Callable<Integer> {
      @CommandLine.Mixin Target target = new Target();

      @Option(names = "--key-field", defaultValue = "transaction_id", description = "top-level field whose text keys each message (default: ${DEFAULT-VALUE})")
      String keyField;

      @Parameters(arity = "0..*", description = "events as JSON objects (none: read standard input)")
      List<String> events = List.of();

      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() throws IOException {
        Logging.configure("warn");
        ServerConfig cfg = loadConfig(target.config);
        List<byte[]> messages = new java.util.ArrayList<>();
        if (events.isEmpty()) {
          BufferedReader in = new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (!line.isBlank()) {
              messages.add(line.getBytes(StandardCharsets.UTF_8));
            }
          }
        } else {
          events.forEach(e -> messages.add(e.getBytes(StandardCharsets.UTF_8)));
        }
        String topic = target.topic != null ? target.topic : cfg.kafkaSetting(ServerConfig.Setting.KAFKA_INPUT_TOPIC);
        int n = io.riskgate.adapter.kafka.KafkaTools.produce(bootstrap(target, cfg), cfg.kafkaClientProperties(), topic, keyField, messages);
        spec.commandLine().getOut().println("sent " + n + " message(s) to " + topic);
        spec.commandLine().getOut().flush();
        return 0;
      }
    }

    @Command(name = "consume", description = "Print the committed records of a topic (decisions by default), one JSON value per line.")
    static final class Consume implements Callable<Integer> {
      @CommandLine.Mixin Target target = new Target();

      @Option(names = "--max", defaultValue = "2147483647", description = "stop after this many records")
      int max;

      @Option(names = "--idle", defaultValue = "10", description = "stop when no record came for this many seconds (default: ${DEFAULT-VALUE})")
      int idleSeconds;

      @Option(names = "--new", description = "only records written from now on (default: from the beginning)")
      boolean onlyNew;

      @Option(names = "--headers", description = "print each record's key and headers before its value")
      boolean headers;

      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        Logging.configure("warn");
        ServerConfig cfg = loadConfig(target.config);
        String topic = target.topic != null ? target.topic : cfg.kafkaSetting(ServerConfig.Setting.KAFKA_DECISIONS_TOPIC);
        PrintWriter out = spec.commandLine().getOut();
        io.riskgate.adapter.kafka.KafkaTools.consume(bootstrap(target, cfg), cfg.kafkaClientProperties(), topic, !onlyNew, max,
            java.time.Duration.ofSeconds(idleSeconds), m -> {
              if (headers) {
                out.println("# " + m.topic() + "/" + m.partition() + "@" + m.offset() + " key=" + m.key().orElse("") + " " + m.headers());
              }
              out.println(m.text());
              out.flush();
            });
        return 0;
      }
    }

    static String bootstrap(Target t, ServerConfig cfg) {
      return t.bootstrap != null ? t.bootstrap : cfg.kafkaSetting(ServerConfig.Setting.KAFKA_BOOTSTRAP_SERVERS);
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
