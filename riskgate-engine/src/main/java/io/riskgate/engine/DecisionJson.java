package io.riskgate.engine;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Writes decisions and input problems as JSON, the form the HTTP API and the CLI share. */
public final class DecisionJson {
  private DecisionJson() {}

  public static byte[] toJson(Decision d) {
    return write(g -> write(g, d));
  }

  public static byte[] toJson(InvalidEventException e) {
    return write(g -> write(g, e));
  }

  /**
   * A pattern timeout, as it goes to the decisions stream: {@code event_type} is
   * {@code pattern_timeout}, {@code event_id} its {@link PatternTimeout#id}.
   */
  public static byte[] toJson(PatternTimeout t) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("event_id", t.id());
      g.writeStringField("event_type", "pattern_timeout");
      g.writeStringField("pattern", t.pattern());
      g.writeObjectFieldStart("key");
      for (Map.Entry<String, String> e : t.key().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeStringField("deadline", t.deadline().toString());
      g.writeArrayFieldStart("events");
      for (String id : t.events()) {
        g.writeString(id);
      }
      g.writeEndArray();
      g.writeStringField("ruleset", t.ruleset());
      g.writeNumberField("ruleset_version", t.rulesetVersion());
      g.writeEndObject();
    });
  }

  /** A batch: {@code {"results": [...]}} with a decision or an error per event. */
  public static byte[] toJson(List<DecisionEngine.Outcome> outcomes) {
    return write(g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("results");
      for (DecisionEngine.Outcome o : outcomes) {
        switch (o) {
          case DecisionEngine.Outcome.Decided d -> write(g, d.decision());
          case DecisionEngine.Outcome.Refused r -> write(g, r.problem());
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  static byte[] write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = EventDecoder.JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static void write(JsonGenerator g, Decision d) throws IOException {
    g.writeStartObject();
    g.writeStringField("event_id", d.eventId());
    g.writeStringField("event_type", d.eventType());
    g.writeStringField("decision", d.action().wireName());
    g.writeNumberField("score", d.score());
    writeMatches(g, "matched", d.matched());
    writeMatches(g, "shadow_matched", d.shadowMatched());
    g.writeStringField("ruleset", d.ruleset());
    g.writeNumberField("ruleset_version", d.rulesetVersion());
    g.writeNumberField("evaluation_micros", Math.round(d.evaluationNanos() / 100.0) / 10.0);
    g.writeArrayFieldStart("degraded");
    for (String s : d.degraded()) {
      g.writeString(s);
    }
    g.writeEndArray();
    g.writeBooleanField("repeated", d.repeated());
    if (!d.features().isEmpty()) {
      g.writeObjectFieldStart("features");
      for (Map.Entry<String, Object> e : d.features().entrySet()) {
        g.writeFieldName(e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    }
    if (!d.patterns().isEmpty()) {
      g.writeObjectFieldStart("patterns");
      for (Map.Entry<String, List<String>> e : d.patterns().entrySet()) {
        g.writeArrayFieldStart(e.getKey());
        for (String id : e.getValue()) {
          g.writeString(id);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private static void writeMatches(JsonGenerator g, String name, List<Decision.Match> matches) throws IOException {
    g.writeArrayFieldStart(name);
    for (Decision.Match m : matches) {
      g.writeStartObject();
      g.writeStringField("id", m.id());
      g.writeStringField("name", m.name());
      g.writeStringField("action", m.action().wireName());
      g.writeNumberField("score", m.score());
      g.writeStringField("reason", m.reason());
      g.writeObjectFieldStart("values");
      for (Map.Entry<String, Object> e : m.values().entrySet()) {
        g.writeFieldName(e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  static void writeValue(JsonGenerator g, Object v) throws IOException {
    switch (v) {
      case null -> g.writeNull();
      case Long l -> g.writeNumber(l);
      case Double d -> g.writeNumber(d);
      case Boolean b -> g.writeBoolean(b);
      default -> g.writeString(v.toString());
    }
  }

  static void write(JsonGenerator g, InvalidEventException e) throws IOException {
    g.writeStartObject();
    g.writeObjectFieldStart("error");
    g.writeStringField("code", e.reason());
    g.writeStringField("path", e.path());
    g.writeStringField("message", e.problem());
    g.writeEndObject();
    g.writeEndObject();
  }
}
