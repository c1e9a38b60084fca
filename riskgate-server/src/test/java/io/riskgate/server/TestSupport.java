package io.riskgate.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Shared helpers for the server tests: start a server on an ephemeral port, call it, read JSON. */
final class TestSupport {
  static final Path DEMO = Path.of("../examples/payment-demo");
  static final Path DEMO_YAML = DEMO.resolve("payment.yaml");
  static final Path DEMO_TAGS = DEMO.resolve("tags.jsonl");
  static final Path DEMO_EVENTS = DEMO.resolve("events.jsonl");
  private static final JsonFactory JSON = new JsonFactory();

  private TestSupport() {}

  /** The demo's environment, with extra variables (name, value, name, value...); a null value removes one. */
  static Map<String, String> demoEnv(Path dataDir, String... extra) {
    Map<String, String> env = new HashMap<>();
    env.put("RISKGATE_SERVER_HOST", "127.0.0.1");
    env.put("RISKGATE_SERVER_PORT", "0");
    env.put("RISKGATE_DATA_DIR", dataDir.toString());
    env.put("RISKGATE_RULES_PATH", DEMO.toString());
    env.put("RISKGATE_TAGS_SEED_FILE", DEMO_TAGS.toString());
    env.put("RISKGATE_RULES_WATCH", "false");
    for (int i = 0; i < extra.length; i += 2) {
      if (extra[i + 1] == null) {
        env.remove(extra[i]);
      } else {
        env.put(extra[i], extra[i + 1]);
      }
    }
    return env;
  }

  static RiskgateServer startDemo(Path dataDir, String... extra) {
    return RiskgateServer.start(ServerConfig.load(Optional.empty(), demoEnv(dataDir, extra)));
  }

  static HttpClient client() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  static String demoText() {
    try {
      return Files.readString(DEMO_YAML);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final java.util.concurrent.atomic.AtomicLong NEXT_TIME = new java.util.concurrent.atomic.AtomicLong(1732200000L);

  /**
   * A payment two minutes after the previous one built here, so that tests about amounts and tags
   * never add up to the demo's velocity rule (six payments of an account within a minute).
   */
  static String event(String tx, String account, double amount) {
    return "{\"transaction_id\":\"" + tx + "\",\"account_id\":\"" + account + "\",\"amount\":" + amount
        + ",\"timestamp\":" + NEXT_TIME.addAndGet(120) + ".0}";
  }

  /** Copies a folder tree. */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  /** A small HTTP helper bound to one server. */
  static final class Api {
    final HttpClient http;
    final String base;

    Api(RiskgateServer server) {
      this(client(), server.port());
    }

    Api(HttpClient http, int port) {
      this.http = http;
      this.base = "http://127.0.0.1:" + port;
    }

    HttpRequest.Builder request(String path) {
      return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    }

    HttpResponse<String> send(HttpRequest request) {
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    HttpResponse<String> get(String path) {
      return send(request(path).GET().build());
    }

    HttpResponse<String> post(String path, String contentType, String body) {
      return send(request(path).header("Content-Type", contentType)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> postBytes(String path, String contentType, byte[] body) {
      return send(request(path).header("Content-Type", contentType)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    HttpResponse<String> decide(String json) {
      return post("/v1/decisions", "application/json", json);
    }

    HttpResponse<String> publishYaml(String yaml, String... headers) {
      HttpRequest.Builder b = request("/v1/rulesets").header("Content-Type", "application/yaml");
      if (headers.length > 0) {
        b.headers(headers);
      }
      return send(b.POST(HttpRequest.BodyPublishers.ofString(yaml)).build());
    }
  }

  // ------------------------------------------------------------------ JSON

  /** Parses JSON into maps, lists, strings, numbers (Long or Double), booleans and nulls. */
  static Object parse(String json) {
    try (JsonParser p = JSON.createParser(json)) {
      JsonToken t = p.nextToken();
      Object v = value(p, t);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("trailing content in " + json);
      }
      return v;
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> obj(String json) {
    Object v = parse(json);
    if (!(v instanceof Map)) {
      throw new IllegalArgumentException("not a JSON object: " + json);
    }
    return (Map<String, Object>) v;
  }

  /** Walks a parsed value: keys for objects, integers for arrays. */
  @SuppressWarnings("unchecked")
  static Object at(Object root, Object... path) {
    Object cur = root;
    for (Object k : path) {
      if (k instanceof Integer i) {
        cur = ((List<Object>) cur).get(i);
      } else {
        cur = ((Map<String, Object>) cur).get((String) k);
      }
    }
    return cur;
  }

  private static Object value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          m.put(name, value(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        JsonToken x;
        while ((x = p.nextToken()) != JsonToken.END_ARRAY) {
          l.add(value(p, x));
        }
        return l;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        return p.getLongValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new IllegalArgumentException("unexpected token " + t);
    }
  }

  /**
   * Starts the server in its own process on the test's class path, with its data in {@code dir}, an
   * in-memory tag store, no rules watch, and the given variables; returns once it is ready.
   */
  static Process startServer(java.nio.file.Path dir, int port, Map<String, String> vars) throws java.io.IOException {
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("server-" + System.nanoTime() + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("RISKGATE_"));
    env.put("RISKGATE_SERVER_PORT", Integer.toString(port));
    env.put("RISKGATE_DATA_DIR", dir.resolve("data").toString());
    env.put("RISKGATE_RULES_WATCH", "false");
    env.put("RISKGATE_TAGS_STORE", "memory");
    env.putAll(vars);
    Process p = pb.start();
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("server process exited; see its log in " + dir);
      }
      try {
        java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + port + "/ready")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return p;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.IOException(e);
      }
      FeatureCrashTest.sleep(100);
    }
    p.destroyForcibly();
    throw new AssertionError("server did not become ready");
  }
}
