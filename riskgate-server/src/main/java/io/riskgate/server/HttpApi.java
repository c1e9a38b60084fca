package io.riskgate.server;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.riskgate.engine.DecisionEngine;
import io.riskgate.engine.DecisionJson;
import io.riskgate.engine.InvalidEventException;
import io.riskgate.engine.RulesetVersion;
import io.riskgate.engine.Rulesets;
import io.riskgate.lang.Diagnostic;
import io.riskgate.lang.RuleInfo;
import io.riskgate.lang.RulesetException;
import io.riskgate.lang.SourceFile;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API. Handlers block (each request runs on its own virtual thread). Every error answer is
 * a JSON object {@code {"error": {"code", "message", "path"?}}}; internal exception messages are
 * logged, never returned.
 */
final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final io.helidon.http.Header JSON = HeaderValues.CONTENT_TYPE_JSON;

  private final DecisionEngine engine;
  private final Metrics metrics;
  private final Optional<String> adminToken;
  private long maxBody;

  private final TagsApi tags;
  private final io.riskgate.tags.TagStore tagStore;

  HttpApi(DecisionEngine engine, Metrics metrics, Optional<String> adminToken, io.riskgate.tags.TagStore tagStore,
      java.time.Clock clock) {
    this.engine = engine;
    this.metrics = metrics;
    this.adminToken = adminToken;
    this.tags = new TagsApi(tagStore, engine, metrics, clock, this::authorized);
    this.tagStore = tagStore;
  }

  WebServer start(String host, int port, long maxBody) {
    this.maxBody = maxBody;
    DirectHandler direct = (req, type, status, headers, message) -> {
      metrics.rejectedInput(status.code() == 413 ? "too_large" : "bad_request");
      return DirectHandler.TransportResponse.builder()
          .status(status)
          .headers(headers)
          .header(JSON)
          .entity(status.code() == 413
              ? Json.error("too_large", "the request body is larger than " + maxBody + " bytes")
              : Json.error("bad_request", "the request could not be read as HTTP"))
          .build();
    };
    return WebServer.builder()
        .host(host)
        .port(port)
        .maxPayloadSize(maxBody)
        .directHandlers(d -> {
          for (DirectHandler.EventType t : DirectHandler.EventType.values()) {
            d.addHandler(t, direct);
          }
        })
        .routing(this::routing)
        .build()
        .start();
  }

  void routing(HttpRouting.Builder r) {
    r.post("/v1/decisions", timed("decide", this::decide))
        .post("/v1/decisions/batch", timed("decide_batch", this::decideBatch))
        .post("/v1/rulesets/validate", timed("ruleset_validate", this::validate))
        .post("/v1/rulesets", timed("ruleset_publish", this::publish))
        .get("/v1/rulesets", timed("ruleset_list", this::list))
        .get("/v1/rulesets/active", timed("ruleset_active", this::activeRuleset))
        .post("/v1/rulesets/{version}/rollback", timed("ruleset_rollback", this::rollback))
        .register(tags)
        .get("/health", (req, res) -> json(res, Status.OK_200, Json.write(g -> {
          g.writeStartObject();
          g.writeStringField("status", "up");
          g.writeEndObject();
        })))
        .get("/ready", this::ready)
        .get("/metrics", (req, res) -> res.status(Status.OK_200)
            .header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
            .send(metrics.scrape().getBytes(StandardCharsets.UTF_8)))
        .any((req, res) -> json(res, Status.NOT_FOUND_404,
            Json.error("not_found", "no such endpoint: " + req.prologue().method().text() + " " + safePath(req))))
        .error(Throwable.class, (req, res, e) -> {
          LOG.error("event=unhandled_error route={} error={}", safePath(req), e.toString(), e);
          if (!res.isSent()) {
            json(res, Status.INTERNAL_SERVER_ERROR_500, Json.error("internal", "internal error; see the server log"));
          }
        });
  }

  private static String safePath(ServerRequest req) {
    String p = req.path().path();
    return p.length() > 100 ? p.substring(0, 100) + "..." : p;
  }

  private Handler timed(String route, Handler h) {
    return (req, res) -> {
      long start = System.nanoTime();
      int status = 500;
      try {
        h.handle(req, res);
        status = res.status().code();
      } finally {
        // a handler that throws is answered 500 by the error handler
        metrics.http(route, status, System.nanoTime() - start);
      }
    };
  }

  private static void json(ServerResponse res, Status status, byte[] body) {
    res.status(status).header(JSON).send(body);
  }

  /**
   * The request body; empty when there is none (Helidon refuses to read an absent entity). When the
   * body cannot be read (over the size limit while streaming, or broken chunked framing), answers 413
   * or 400 here and closes the connection, whose remaining bytes cannot be trusted as a next request.
   */
  private byte[] body(ServerRequest req, ServerResponse res) {
    if (!req.content().hasEntity()) {
      return new byte[0];
    }
    try {
      java.util.OptionalLong length = req.headers().contentLength();
      if (length.isPresent() && length.getAsLong() <= maxBody) {
        // the declared length, read into an array of that size: no growing buffers per request
        byte[] bytes = new byte[(int) length.getAsLong()];
        int n = req.content().inputStream().readNBytes(bytes, 0, bytes.length);
        if (n < bytes.length) {
          throw new UncheckedIOException(new java.io.EOFException("the body ended after " + n + " of " + bytes.length + " bytes"));
        }
        return bytes;
      }
      return req.content().as(byte[].class);
    } catch (java.io.IOException e) {
      throw refuseBody(res, new UncheckedIOException(e));
    } catch (RequestException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      throw refuseBody(res, e);
    }
  }

  /** Answers a request whose body could not be read; the exception returned closes the connection. */
  private CloseConnectionException refuseBody(ServerResponse res, RuntimeException e) {
    boolean tooLarge = e instanceof RequestException r && r.status().code() == 413;
    metrics.rejectedInput(tooLarge ? "too_large" : "bad_request");
    if (!res.isSent()) {
      try {
        res.header(HeaderValues.CONNECTION_CLOSE);
        json(res, tooLarge ? Status.REQUEST_ENTITY_TOO_LARGE_413 : Status.BAD_REQUEST_400, tooLarge
            ? Json.error("too_large", "the request body is larger than " + maxBody + " bytes")
            : Json.error("bad_request", "the request body could not be read as HTTP"));
      } catch (RuntimeException ignored) {
        // the client is gone
      }
    }
    return new CloseConnectionException("the request body could not be read", e);
  }

  // ------------------------------------------------------------------ decisions

  private void decide(ServerRequest req, ServerResponse res) {
    byte[] body = body(req, res);
    Optional<Boolean> explain = explain(req, res);
    if (explain.isPresent()) {
      answerDecision(res, () -> DecisionJson.toJson(engine.decide(body, explain.get())));
    }
  }

  /** The {@code explain} query flag (true, false or absent); empty after answering 400 for another value. */
  private static Optional<Boolean> explain(ServerRequest req, ServerResponse res) {
    String v = req.query().first("explain").orElse("false");
    return switch (v) {
      case "true", "1", "" -> Optional.of(true);
      case "false", "0" -> Optional.of(false);
      default -> {
        json(res, Status.BAD_REQUEST_400, Json.error("invalid_query", "explain is true or false"));
        yield Optional.empty();
      }
    };
  }

  private void decideBatch(ServerRequest req, ServerResponse res) {
    byte[] body = body(req, res);
    Optional<Boolean> explain = explain(req, res);
    if (explain.isPresent()) {
      answerDecision(res, () -> DecisionJson.toJson(engine.decideBatch(body, explain.get())));
    }
  }

  /** Answers with a decision (or a batch of them), or with the input problem. */
  private static void answerDecision(ServerResponse res, java.util.function.Supplier<byte[]> decide) {
    try {
      json(res, Status.OK_200, decide.get());
    } catch (InvalidEventException e) {
      json(res, statusOf(e), DecisionJson.toJson(e));
    } catch (DecisionEngine.NoActiveRulesetException e) {
      json(res, Status.SERVICE_UNAVAILABLE_503, Json.error("not_ready", "no ruleset is active yet; publish one"));
    }
  }

  private static Status statusOf(InvalidEventException e) {
    return e.reason().equals("too_large") ? Status.REQUEST_ENTITY_TOO_LARGE_413 : Status.BAD_REQUEST_400;
  }

  // ------------------------------------------------------------------ rulesets

  private Optional<List<SourceFile>> rulesetBody(ServerRequest req, ServerResponse res) {
    byte[] body = body(req, res);
    String type = req.headers().contentType().map(t -> t.mediaType().text()).orElse("");
    try {
      if (type.equals("application/json")) {
        return Optional.of(Json.files(body));
      }
      if (type.isEmpty() || type.contains("yaml") || type.equals("text/plain")) {
        String name = req.query().first("name").orElse("request.yaml");
        if (name.length() > 200 || name.isBlank()) {
          throw new Json.BodyException("name", "the name parameter must be 1 to 200 characters");
        }
        String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body)).toString();
        return Optional.of(List.of(new SourceFile(name, text)));
      }
      metrics.rejectedInput("unsupported_media_type");
      json(res, Status.UNSUPPORTED_MEDIA_TYPE_415,
          Json.error("unsupported_media_type", "send the ruleset as application/yaml, or as application/json {\"files\": [...]}"));
      return Optional.empty();
    } catch (Json.BodyException e) {
      metrics.rejectedInput("invalid_body");
      json(res, Status.BAD_REQUEST_400, Json.error("invalid_body", e.getMessage(), e.path));
      return Optional.empty();
    } catch (CharacterCodingException e) {
      metrics.rejectedInput("invalid_body");
      json(res, Status.BAD_REQUEST_400, Json.error("invalid_body", "the ruleset is not valid UTF-8"));
      return Optional.empty();
    }
  }

  private void validate(ServerRequest req, ServerResponse res) {
    Optional<List<SourceFile>> files = rulesetBody(req, res);
    if (files.isEmpty()) {
      return;
    }
    List<Diagnostic> diags = engine.rulesets().validate(files.get());
    boolean valid = diags.stream().noneMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      g.writeBooleanField("valid", valid);
      Json.diagnostics(g, diags);
      g.writeEndObject();
    }));
  }

  private boolean authorized(ServerRequest req, ServerResponse res) {
    if (adminToken.isEmpty()) {
      return true;
    }
    String given = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
    byte[] expected = ("Bearer " + adminToken.get()).getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    metrics.rejectedInput("unauthorized");
    res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
    json(res, Status.UNAUTHORIZED_401, Json.error("unauthorized", "this endpoint needs the admin bearer token"));
    return false;
  }

  private void publish(ServerRequest req, ServerResponse res) {
    if (!authorized(req, res)) {
      return;
    }
    Optional<List<SourceFile>> files = rulesetBody(req, res);
    if (files.isEmpty()) {
      return;
    }
    try {
      Rulesets.Published p = engine.rulesets().publish(files.get(), "api");
      metrics.published(p.changed() ? "published" : "unchanged");
      LOG.info("event=ruleset_published origin=api version={} changed={}", p.version().version(), p.changed());
      json(res, p.changed() ? Status.CREATED_201 : Status.OK_200, Json.write(g -> {
        g.writeStartObject();
        g.writeFieldName("version");
        Json.version(g, p.version());
        g.writeBooleanField("changed", p.changed());
        Json.diagnostics(g, p.warnings());
        g.writeEndObject();
      }));
    } catch (RulesetException e) {
      metrics.published("refused");
      LOG.warn("event=ruleset_refused origin=api errors={}", e.diagnostics().size());
      json(res, Status.create(422, "Unprocessable Content"), Json.write(g -> {
        g.writeStartObject();
        g.writeObjectFieldStart("error");
        g.writeStringField("code", "invalid_ruleset");
        g.writeStringField("message", "the ruleset has errors; the active version is unchanged");
        g.writeEndObject();
        Json.diagnostics(g, e.diagnostics());
        g.writeEndObject();
      }));
    }
  }

  private void list(ServerRequest req, ServerResponse res) {
    List<RulesetVersion> versions = engine.rulesets().versions();
    Optional<RulesetVersion> active = versions.stream().filter(RulesetVersion::active).findFirst();
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      if (active.isPresent()) {
        g.writeNumberField("active", active.get().version());
      } else {
        g.writeNullField("active");
      }
      g.writeArrayFieldStart("versions");
      for (RulesetVersion v : versions) {
        Json.version(g, v);
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private void activeRuleset(ServerRequest req, ServerResponse res) {
    Optional<Rulesets.Snapshot> snapshot = engine.rulesets().snapshot();
    if (snapshot.isEmpty()) {
      json(res, Status.NOT_FOUND_404, Json.error("not_found", "no ruleset is active"));
      return;
    }
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      g.writeFieldName("version");
      Json.version(g, snapshot.get().version());
      g.writeArrayFieldStart("rules");
      for (RuleInfo r : snapshot.get().ruleset().rules()) {
        Json.rule(g, r);
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private void rollback(ServerRequest req, ServerResponse res) {
    if (!authorized(req, res)) {
      return;
    }
    String raw = req.path().pathParameters().get("version");
    int version;
    try {
      version = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      metrics.rejectedInput("invalid_path");
      json(res, Status.BAD_REQUEST_400, Json.error("invalid_path", "the version must be a whole number", "version"));
      return;
    }
    try {
      RulesetVersion v = engine.rulesets().rollback(version);
      LOG.info("event=ruleset_rolled_back version={}", v.version());
      json(res, Status.OK_200, Json.write(g -> {
        g.writeStartObject();
        g.writeFieldName("version");
        Json.version(g, v);
        g.writeEndObject();
      }));
    } catch (Rulesets.UnknownVersionException e) {
      json(res, Status.NOT_FOUND_404, Json.error("not_found", "no ruleset version " + version, "version"));
    } catch (RulesetException e) {
      json(res, Status.create(422, "Unprocessable Content"), Json.write(g -> {
        g.writeStartObject();
        g.writeObjectFieldStart("error");
        g.writeStringField("code", "invalid_ruleset");
        g.writeStringField("message", "stored version " + version + " no longer compiles; the active version is unchanged");
        g.writeEndObject();
        Json.diagnostics(g, e.diagnostics());
        g.writeEndObject();
      }));
    }
  }

  /** The Kafka consumers' health, when they run: a stopped consumer makes the engine not ready. */
  private volatile java.util.function.BooleanSupplier streaming;

  void streaming(java.util.function.BooleanSupplier healthy) {
    this.streaming = healthy;
  }

  private void ready(ServerRequest req, ServerResponse res) {
    Optional<RulesetVersion> active = engine.rulesets().active();
    java.util.function.BooleanSupplier kafka = streaming;
    if (kafka != null && !kafka.getAsBoolean()) {
      json(res, Status.SERVICE_UNAVAILABLE_503, Json.write(g -> {
        g.writeStartObject();
        g.writeStringField("status", "not_ready");
        g.writeStringField("reason", "a Kafka consumer has stopped; see the log");
        g.writeEndObject();
      }));
      return;
    }
    if (active.isPresent()) {
      // decisions go on while a tag source is down (degraded): ready, with the state shown
      java.util.Map<String, String> health = tagStore.health();
      json(res, Status.OK_200, Json.write(g -> {
        g.writeStartObject();
        g.writeStringField("status", "ready");
        g.writeNumberField("ruleset_version", active.get().version());
        if (kafka != null) {
          g.writeStringField("kafka", "running");
        }
        if (!health.isEmpty()) {
          g.writeBooleanField("degraded", health.containsValue("down"));
          g.writeObjectFieldStart("tags");
          for (java.util.Map.Entry<String, String> e : health.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
          }
          g.writeEndObject();
        }
        g.writeEndObject();
      }));
    } else {
      json(res, Status.SERVICE_UNAVAILABLE_503, Json.write(g -> {
        g.writeStartObject();
        g.writeStringField("status", "not_ready");
        g.writeStringField("reason", "no ruleset is active");
        g.writeEndObject();
      }));
    }
  }
}
