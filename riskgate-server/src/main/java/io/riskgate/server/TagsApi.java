package io.riskgate.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.riskgate.engine.DecisionEngine;
import io.riskgate.lang.Ruleset;
import io.riskgate.tags.Attribute;
import io.riskgate.tags.AuditRecord;
import io.riskgate.tags.Change;
import io.riskgate.tags.ListEntry;
import io.riskgate.tags.TagStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Administration of risk tags and lists: read, set and delete tags, add and remove list entries,
 * read the audit trail. Every change names who ({@code X-Riskgate-Actor} header, default
 * {@code api}) and why (a required reason). Values are checked against the types the active
 * ruleset declares for the attribute.
 */
final class TagsApi implements io.helidon.webserver.http.HttpService {
  static final String ACTOR_HEADER = "X-Riskgate-Actor";
  private static final int MAX_NAME = 256;

  /** Answers a request that failed a check; returns false when the request may go on. */
  interface Guard {
    boolean allowed(ServerRequest req, ServerResponse res);
  }

  private final TagStore store;
  private final DecisionEngine engine;
  private final Metrics metrics;
  private final Clock clock;
  private final Guard guard;

  TagsApi(TagStore store, DecisionEngine engine, Metrics metrics, Clock clock, Guard guard) {
    this.store = store;
    this.engine = engine;
    this.metrics = metrics;
    this.clock = clock;
    this.guard = guard;
  }

  @Override
  public void routing(io.helidon.webserver.http.HttpRules r) {
    r.get("/v1/tags/{entity}/{key}", guarded(this::getTags))
        .put("/v1/tags/{entity}/{key}", guarded(this::putTags))
        .delete("/v1/tags/{entity}/{key}", guarded(this::deleteTags))
        .get("/v1/lists/{list}", guarded(this::getList))
        .put("/v1/lists/{list}/{value}", guarded(this::addToList))
        .delete("/v1/lists/{list}/{value}", guarded(this::removeFromList))
        .get("/v1/audit", guarded(this::audit))
        .post("/v1/tags/import", guarded(this::importTags))
        .get("/v1/tags/export", guarded(this::exportTags));
  }

  private io.helidon.webserver.http.Handler guarded(io.helidon.webserver.http.Handler h) {
    return (req, res) -> {
      if (guard.allowed(req, res)) {
        try {
          h.handle(req, res);
        } catch (BadRequest e) {
          metrics.rejectedInput("invalid_body");
          json(res, Status.BAD_REQUEST_400, Json.error(e.code, e.getMessage(), e.path));
        }
      }
    };
  }

  /** A request problem with the place it concerns. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String code;
    final String path;

    BadRequest(String code, String path, String message) {
      super(message, null, false, false);
      this.code = code;
      this.path = path;
    }
  }

  private static void json(ServerResponse res, Status status, byte[] body) {
    res.status(status).header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON).send(body);
  }

  private static String segment(ServerRequest req, String name) {
    return checkName(req.path().pathParameters().get(name), name);
  }

  /** A name (entity, key, attribute, list, value): 1 to 256 characters, no control characters. */
  static String checkName(String v, String path) {
    if (v == null || v.isEmpty() || v.length() > MAX_NAME) {
      throw new BadRequest(v == null ? "missing_field" : "invalid_value", path, "required, 1 to " + MAX_NAME + " characters");
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new BadRequest("invalid_value", path, "control characters are not allowed");
      }
    }
    return v;
  }

  private static String actor(ServerRequest req) {
    String a = req.headers().first(HeaderNames.create(ACTOR_HEADER)).orElse("api").strip();
    if (a.isEmpty() || a.length() > MAX_NAME) {
      throw new BadRequest("invalid_header", ACTOR_HEADER, "the actor must be 1 to " + MAX_NAME + " characters");
    }
    return a;
  }

  private static String reasonParam(ServerRequest req) {
    String r = req.query().first("reason").orElse("").strip();
    if (r.isEmpty()) {
      throw new BadRequest("missing_field", "reason", "say why: add ?reason=... to the request");
    }
    return r;
  }

  // ------------------------------------------------------------------ tags

  private void getTags(ServerRequest req, ServerResponse res) {
    String entity = segment(req, "entity");
    String key = segment(req, "key");
    Map<String, Attribute> tags = store.tags(entity, key);
    if (tags.isEmpty()) {
      json(res, Status.NOT_FOUND_404, Json.error("not_found", "no tags for " + entity + ":" + key));
      return;
    }
    json(res, Status.OK_200, Json.write(g -> writeTags(g, entity, key, tags)));
  }

  private static void writeTags(JsonGenerator g, String entity, String key, Map<String, Attribute> tags) throws IOException {
    g.writeStartObject();
    g.writeStringField("entity", entity);
    g.writeStringField("key", key);
    g.writeObjectFieldStart("attributes");
    for (Attribute a : tags.values()) {
      g.writeObjectFieldStart(a.name());
      g.writeFieldName("value");
      TagImport.writeValue(g, a.value());
      if (a.expiresAt().isPresent()) {
        g.writeStringField("expires_at", a.expiresAt().get().toString());
      }
      g.writeStringField("source", a.source());
      g.writeStringField("updated_at", a.updatedAt().toString());
      g.writeEndObject();
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  private void putTags(ServerRequest req, ServerResponse res) {
    String entity = segment(req, "entity");
    String key = segment(req, "key");
    String actor = actor(req);
    Body body = readBody(req.content().as(byte[].class), entity);
    Instant now = clock.instant();
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    body.values.forEach((name, value) -> attrs.put(name, new Attribute(name, value, body.expiresAt, actor, now)));
    store.putTags(entity, key, attrs, new Change(actor, body.reason));
    json(res, Status.OK_200, Json.write(g -> writeTags(g, entity, key, store.tags(entity, key))));
  }

  private void deleteTags(ServerRequest req, ServerResponse res) {
    String entity = segment(req, "entity");
    String key = segment(req, "key");
    Optional<String> attribute = req.query().first("attribute").asOptional();
    Change change = new Change(actor(req), reasonParam(req));
    if (!store.deleteTags(entity, key, attribute, change)) {
      json(res, Status.NOT_FOUND_404, Json.error("not_found", "no such tags for " + entity + ":" + key));
      return;
    }
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      g.writeBooleanField("deleted", true);
      g.writeEndObject();
    }));
  }

  /** A tags or list body: values, an optional expiry and the required reason. */
  private record Body(Map<String, Object> values, Optional<Instant> expiresAt, String reason) {}

  private Body readBody(byte[] bytes, String entity) {
    Map<String, Ruleset.TagAttribute> declared = entity == null ? Map.of()
        : engine.rulesets().activeRuleset().map(rs -> rs.tags().getOrDefault(entity, Map.of())).orElse(Map.of());
    Map<String, Object> values = new LinkedHashMap<>();
    Optional<Instant> expires = Optional.empty();
    String reason = null;
    try (JsonParser p = Json.FACTORY.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRequest("malformed_json", "$", "the body must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "reason" -> {
            if (t != JsonToken.VALUE_STRING || p.getText().isBlank()) {
              throw new BadRequest("wrong_type", "$.reason", "expected a non-empty string");
            }
            reason = p.getText().strip();
          }
          case "expires_at" -> {
            if (t != JsonToken.VALUE_NULL) {
              expires = Optional.of(instant(p, t, "$.expires_at"));
            }
          }
          case "attributes" -> {
            if (entity == null) {
              p.skipChildren();
              break;
            }
            if (t != JsonToken.START_OBJECT) {
              throw new BadRequest("wrong_type", "$.attributes", "expected an object of attribute values");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String name = p.currentName();
              JsonToken vt = p.nextToken();
              String path = "$.attributes." + name;
              checkName(name, path);
              values.put(name, value(p, vt, path, Optional.ofNullable(declared.get(name)).map(Ruleset.TagAttribute::type)));
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      throw new BadRequest("malformed_json", "$", "malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (reason == null) {
      throw new BadRequest("missing_field", "$.reason", "say why: a reason is required for every change");
    }
    if (entity != null && values.isEmpty()) {
      throw new BadRequest("missing_field", "$.attributes", "at least one attribute is required");
    }
    return new Body(values, expires, reason);
  }

  static Instant instant(JsonParser p, JsonToken t, String path) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      try {
        return Instant.parse(p.getText());
      } catch (java.time.DateTimeException e) {
        throw new BadRequest("invalid_value", path, "expected an ISO-8601 time like 2026-12-31T00:00:00Z");
      }
    }
    if (t == JsonToken.VALUE_NUMBER_INT) {
      long ms = p.getLongValue();
      if (Math.abs(ms) > 10_000_000_000_000_000L) {
        throw new BadRequest("invalid_value", path, "timestamp is out of range");
      }
      return Instant.ofEpochMilli(Math.abs(ms) < 100_000_000_000L ? ms * 1000 : ms);
    }
    throw new BadRequest("wrong_type", path, "expected an ISO-8601 time or epoch seconds or milliseconds");
  }

  /** A value, checked against the declared type when there is one, else taken as it comes. */
  static Object value(JsonParser p, JsonToken t, String path, Optional<String> declared) throws IOException {
    String type = declared.orElseGet(() -> switch (t) {
      case VALUE_NUMBER_INT -> "long";
      case VALUE_NUMBER_FLOAT -> "double";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case START_ARRAY -> "set";
      default -> "string";
    });
    switch (type) {
      case "long" -> {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
          return p.getLongValue();
        }
        throw new BadRequest("wrong_type", path, "expected a whole number");
      }
      case "double" -> {
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          double d = p.getDoubleValue();
          if (Double.isFinite(d)) {
            return d;
          }
        }
        throw new BadRequest("wrong_type", path, "expected a number");
      }
      case "boolean" -> {
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
          return t == JsonToken.VALUE_TRUE;
        }
        throw new BadRequest("wrong_type", path, "expected true or false");
      }
      case "timestamp" -> {
        return instant(p, t, path).toEpochMilli();
      }
      case "set" -> {
        if (t != JsonToken.START_ARRAY) {
          throw new BadRequest("wrong_type", path, "expected an array of strings");
        }
        Set<String> set = new LinkedHashSet<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new BadRequest("wrong_type", path + "[" + i + "]", "expected a string");
          }
          set.add(p.getText());
          i++;
        }
        return set;
      }
      default -> {
        if (t == JsonToken.VALUE_STRING) {
          return p.getText();
        }
        throw new BadRequest("wrong_type", path, "expected a string");
      }
    }
  }

  // ------------------------------------------------------------------ lists

  private void getList(ServerRequest req, ServerResponse res) {
    String list = segment(req, "list");
    int limit = limit(req);
    List<ListEntry> entries = store.listEntries(list, limit);
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("list", list);
      g.writeArrayFieldStart("entries");
      for (ListEntry e : entries) {
        g.writeStartObject();
        g.writeStringField("value", e.value());
        g.writeStringField("reason", e.reason());
        g.writeStringField("added_at", e.addedAt().toString());
        if (e.expiresAt().isPresent()) {
          g.writeStringField("expires_at", e.expiresAt().get().toString());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private void addToList(ServerRequest req, ServerResponse res) {
    String list = segment(req, "list");
    String value = segment(req, "value");
    String actor = actor(req);
    Body body = readBody(req.content().as(byte[].class), null);
    store.addListEntry(new ListEntry(list, value, body.expiresAt, body.reason, clock.instant()), new Change(actor, body.reason));
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("list", list);
      g.writeStringField("value", value);
      g.writeBooleanField("added", true);
      g.writeEndObject();
    }));
  }

  private void removeFromList(ServerRequest req, ServerResponse res) {
    String list = segment(req, "list");
    String value = segment(req, "value");
    if (!store.removeListEntry(list, value, new Change(actor(req), reasonParam(req)))) {
      json(res, Status.NOT_FOUND_404, Json.error("not_found", value + " is not on list " + list));
      return;
    }
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      g.writeBooleanField("removed", true);
      g.writeEndObject();
    }));
  }

  private void importTags(ServerRequest req, ServerResponse res) {
    Change change = new Change(actor(req), reasonParam(req));
    String type = req.headers().contentType().map(t -> t.mediaType().text()).orElse("application/x-ndjson");
    boolean csv = type.equals("text/csv");
    if (!csv && !type.equals("application/x-ndjson") && !type.equals("application/jsonl") && !type.equals("application/json")) {
      throw new BadRequest("unsupported_media_type", "Content-Type", "send JSON lines (application/x-ndjson) or CSV (text/csv)");
    }
    Map<String, Map<String, Ruleset.TagAttribute>> declared =
        engine.rulesets().activeRuleset().map(Ruleset::tags).orElse(Map.of());
    TagImport.Report report;
    try (java.io.InputStream in = req.content().inputStream()) {
      report = new TagImport(store, declared, clock.instant(), change).run(in, csv);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    json(res, report.failed() == 0 ? Status.OK_200 : Status.create(207, "Multi-Status"), Json.write(g -> {
      g.writeStartObject();
      g.writeNumberField("imported", report.imported());
      g.writeNumberField("failed", report.failed());
      g.writeArrayFieldStart("errors");
      for (TagImport.LineError e : report.errors()) {
        g.writeStartObject();
        g.writeNumberField("line", e.line());
        g.writeStringField("path", e.path());
        g.writeStringField("message", e.message());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private void exportTags(ServerRequest req, ServerResponse res) {
    res.status(Status.OK_200).header(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/x-ndjson");
    try (java.io.OutputStream out = res.outputStream()) {
      TagImport.export(store, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int limit(ServerRequest req) {
    String raw = req.query().first("limit").orElse("100");
    try {
      int n = Integer.parseInt(raw);
      if (n >= 1 && n <= 10_000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequest("invalid_value", "limit", "limit must be a whole number from 1 to 10000");
  }

  private void audit(ServerRequest req, ServerResponse res) {
    List<AuditRecord> records = store.audit(limit(req));
    json(res, Status.OK_200, Json.write(g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("changes");
      for (AuditRecord r : records) {
        g.writeStartObject();
        g.writeNumberField("seq", r.seq());
        g.writeStringField("at", r.at().toString());
        g.writeStringField("actor", r.actor());
        g.writeStringField("action", r.action());
        g.writeStringField("target", r.target());
        g.writeStringField("reason", r.reason());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }
}
