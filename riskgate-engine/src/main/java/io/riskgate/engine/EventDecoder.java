package io.riskgate.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.riskgate.lang.EventData;
import io.riskgate.lang.EventType;
import io.riskgate.lang.FieldDef;
import io.riskgate.lang.FieldType;
import io.riskgate.lang.Schema;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes JSON events into the typed form of one ruleset's schema, checking every value against
 * the declared types. Unknown properties are ignored; wrong types, missing required fields and
 * unknown event types are refused with the JSON path of the problem.
 *
 * <p>Timestamps may be ISO-8601 strings, or numbers of epoch seconds or milliseconds: a number
 * whose absolute value is below 100,000,000,000 is read as seconds (that is before the year 5138),
 * any other as milliseconds.
 */
final class EventDecoder {
  static final String TYPE_PROPERTY = "event_type";
  static final double SECONDS_LIMIT = 1e11;
  /** Timestamps are accepted within this many milliseconds of the epoch (about 300,000 years). */
  static final double MAX_TIME_MS = 1e16;
  private static final double MAX_EXACT_LONG = 9_007_199_254_740_992.0;

  static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(32)
                  .maxNumberLength(64)
                  .maxStringLength(1 << 20)
                  .maxNameLength(256)
                  .build())
          .build();

  private final Schema schema;
  private final Map<String, FieldDef> fields = new HashMap<>();
  private final Set<String> objectPrefixes = new HashSet<>();
  private final int numericSlots;
  private final int stringSlots;

  EventDecoder(Schema schema) {
    this.schema = schema;
    int n = 0;
    int s = 0;
    for (EventType t : schema.eventTypes()) {
      for (FieldDef f : t.fields()) {
        fields.putIfAbsent(f.name(), f);
        String name = f.name();
        int dot = name.indexOf('.');
        while (dot >= 0) {
          objectPrefixes.add(name.substring(0, dot));
          dot = name.indexOf('.', dot + 1);
        }
        if (f.type().numeric()) {
          n = Math.max(n, f.slot() + 1);
        } else {
          s = Math.max(s, f.slot() + 1);
        }
      }
    }
    this.numericSlots = n;
    this.stringSlots = s;
  }

  /** Decodes a body holding one event object. */
  EventData decode(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw new InvalidEventException("$", "malformed_json", t == null ? "the body is empty" : "an event must be a JSON object");
      }
      EventData e = decodeObject(p, "$");
      if (p.nextToken() != null) {
        throw new InvalidEventException("$", "malformed_json", "unexpected content after the event object");
      }
      return e;
    } catch (JsonProcessingException ex) {
      throw malformed("$", ex);
    } catch (IOException ex) {
      throw new InvalidEventException("$", "malformed_json", "cannot read the body");
    }
  }

  static InvalidEventException malformed(String path, JsonProcessingException ex) {
    if (ex instanceof StreamConstraintsException) {
      return new InvalidEventException(path, "limit_exceeded", limitMessage(ex.getOriginalMessage()));
    }
    JsonLocation loc = ex.getLocation();
    String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    String msg = ex.getOriginalMessage();
    int nl = msg.indexOf('\n');
    if (nl > 0) {
      msg = msg.substring(0, nl);
    }
    return new InvalidEventException(path, "malformed_json", "malformed JSON" + where + ": " + msg);
  }

  /**
   * Decodes one object; the parser is on its START_OBJECT and is left on its END_OBJECT. The whole
   * object is read even after a problem, so that a batch can go on with the next event.
   */
  EventData decodeObject(JsonParser p, String base) throws IOException {
    Values v = new Values(numericSlots, stringSlots);
    readObject(p, base, "", v);
    if (v.typeError != null) {
      throw v.typeError;
    }
    EventType type;
    if (v.typeName != null) {
      type = schema.eventType(v.typeName).orElseThrow(() -> new InvalidEventException(
          base + "." + TYPE_PROPERTY, "unknown_event_type", "unknown event type '" + clip(v.typeName) + "' (known: "
              + String.join(", ", schema.eventTypes().stream().map(EventType::name).toList()) + ")"));
    } else {
      type = schema.defaultEventType().orElseThrow(() -> new InvalidEventException(
          base + "." + TYPE_PROPERTY, "missing_field", "the event type is missing, and the ruleset has no default_event"));
    }
    // a value of the wrong type counts only when its field belongs to the event's own type
    for (Map.Entry<String, InvalidEventException> problem : v.errors.entrySet()) {
      if (type.field(problem.getKey()).isPresent()) {
        throw problem.getValue();
      }
    }
    EventData e = schema.newEvent(type);
    for (FieldDef f : type.fields()) {
      if (f.type().numeric()) {
        double d = v.num[f.slot()];
        if (d == d) {
          e.setNumber(f, d);
        } else if (f.required()) {
          throw new InvalidEventException(base + "." + f.name(), "missing_field", "required field is missing");
        }
      } else {
        String s = v.str[f.slot()];
        if (s != null) {
          e.setString(f, s);
        } else if (f.required() || f == type.idField()) {
          throw new InvalidEventException(base + "." + f.name(), "missing_field",
              f == type.idField() ? "the event id is missing" : "required field is missing");
        }
      }
    }
    return e;
  }

  private static final class Values {
    final double[] num;
    final String[] str;
    String typeName;
    InvalidEventException typeError;
    /** Problems by field, in document order; which count depends on the event's type. */
    final Map<String, InvalidEventException> errors = new java.util.LinkedHashMap<>();

    Values(int n, int s) {
      num = new double[n];
      str = new String[s];
      java.util.Arrays.fill(num, Double.NaN);
    }

    void fail(String field, InvalidEventException e) {
      errors.putIfAbsent(field, e);
    }
  }

  private void readObject(JsonParser p, String base, String prefix, Values v) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
      if (t != JsonToken.FIELD_NAME) {
        throw new InvalidEventException(base, "malformed_json", "malformed JSON object");
      }
      String name = p.currentName();
      String path = prefix.isEmpty() ? name : prefix + "." + name;
      JsonToken value = p.nextToken();
      if (prefix.isEmpty() && name.equals(TYPE_PROPERTY)) {
        if (value == JsonToken.VALUE_STRING) {
          v.typeName = p.getText();
        } else if (value != JsonToken.VALUE_NULL) {
          if (v.typeError == null) {
            v.typeError = wrongType(base, path, "a string", value);
          }
          p.skipChildren();
        }
        continue;
      }
      FieldDef f = fields.get(path);
      if (f != null) {
        readValue(p, base, path, f, value, v);
      } else if (value == JsonToken.START_OBJECT && objectPrefixes.contains(path)) {
        readObject(p, base, path, v);
      } else {
        p.skipChildren();
      }
    }
  }

  private void readValue(JsonParser p, String base, String path, FieldDef f, JsonToken t, Values v) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    String at = base + "." + path;
    switch (f.type()) {
      case STRING -> {
        if (t == JsonToken.VALUE_STRING) {
          v.str[f.slot()] = p.getText();
        } else {
          v.fail(path, wrongType(base, path, "a string", t));
        }
      }
      case BOOLEAN -> {
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
          v.num[f.slot()] = t == JsonToken.VALUE_TRUE ? 1.0 : 0.0;
        } else {
          v.fail(path, wrongType(base, path, "true or false", t));
        }
      }
      case DOUBLE -> {
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          double d = p.getDoubleValue();
          if (Double.isFinite(d)) {
            v.num[f.slot()] = d;
          } else {
            v.fail(path, new InvalidEventException(at, "invalid_value", "number is out of range"));
          }
        } else {
          v.fail(path, wrongType(base, path, "a number", t));
        }
      }
      case LONG -> {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.INT
            && (p.getNumberType() != JsonParser.NumberType.LONG || Math.abs(p.getLongValue()) > (1L << 53))) {
          v.fail(path, new InvalidEventException(at, "invalid_value", "whole number is beyond ±2^53"));
        } else if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          double d = p.getDoubleValue();
          if (d != Math.rint(d)) {
            v.fail(path, new InvalidEventException(at, "wrong_type", "expected a whole number, got " + clip(p.getText())));
          } else if (Math.abs(d) > MAX_EXACT_LONG) {
            v.fail(path, new InvalidEventException(at, "invalid_value", "whole number is beyond ±2^53"));
          } else {
            v.num[f.slot()] = d;
          }
        } else {
          v.fail(path, wrongType(base, path, "a whole number", t));
        }
      }
      case TIMESTAMP -> {
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          double d = p.getDoubleValue();
          if (!Double.isFinite(d) || Math.abs(d) > MAX_TIME_MS) {
            v.fail(path, new InvalidEventException(at, "invalid_value", "timestamp is out of range"));
          } else {
            v.num[f.slot()] = Math.floor(Math.abs(d) < SECONDS_LIMIT ? d * 1000.0 : d);
          }
        } else if (t == JsonToken.VALUE_STRING) {
          parseInstant(p.getText()).ifPresentOrElse(
              ms -> v.num[f.slot()] = ms,
              () -> v.fail(path, new InvalidEventException(at, "invalid_value",
                  "expected an ISO-8601 time like 2024-11-21T14:40:00Z within 300,000 years of 1970, got '" + clip(safeText(p)) + "'")));
        } else {
          v.fail(path, wrongType(base, path, "a timestamp (epoch seconds, epoch milliseconds or ISO-8601 text)", t));
        }
      }
    }
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      p.skipChildren();
    }
  }

  private static String safeText(JsonParser p) {
    try {
      return p.getText();
    } catch (IOException e) {
      return "?";
    }
  }

  /** An ISO-8601 instant or offset date-time, within ±10^16 ms of the epoch like numeric timestamps. */
  static java.util.Optional<Double> parseInstant(String s) {
    Instant instant;
    try {
      instant = Instant.parse(s);
    } catch (java.time.DateTimeException e) {
      try {
        instant = OffsetDateTime.parse(s).toInstant();
      } catch (java.time.DateTimeException e2) {
        return java.util.Optional.empty();
      }
    }
    if (Math.abs(instant.getEpochSecond()) > MAX_TIME_MS / 1000) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of((double) instant.toEpochMilli());
  }

  private static InvalidEventException wrongType(String base, String path, String expected, JsonToken t) {
    return new InvalidEventException(base + "." + path, "wrong_type", "expected " + expected + ", got " + describe(t));
  }

  static String describe(JsonToken t) {
    return switch (t) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_NULL -> "null";
      default -> "an unexpected token";
    };
  }

  private static String limitMessage(String original) {
    String m = original == null ? "" : original;
    if (m.contains("nesting depth")) {
      return "the JSON nests deeper than 32 levels";
    }
    if (m.contains("Number value length")) {
      return "a number in the JSON is longer than 64 characters";
    }
    if (m.contains("String value length")) {
      return "a string in the JSON is longer than 1 MiB";
    }
    if (m.contains("Name length")) {
      return "a property name in the JSON is longer than 256 characters";
    }
    return "the JSON exceeds a size limit";
  }

  static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  /** Reads a batch body {@code {"events": [...]}}: one outcome per event, in order. */
  List<Object> decodeBatch(byte[] body, int maxEvents) {
    List<Object> out = new ArrayList<>();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidEventException("$", "malformed_json", "a batch must be a JSON object {\"events\": [...]}");
      }
      boolean seen = false;
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!"events".equals(name)) {
          p.skipChildren();
          continue;
        }
        seen = true;
        if (value != JsonToken.START_ARRAY) {
          throw new InvalidEventException("$.events", "wrong_type", "expected an array of events, got " + describe(value));
        }
        int i = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          String base = "$.events[" + i + "]";
          if (i >= maxEvents) {
            throw new InvalidEventException("$.events", "too_large", "a batch holds at most " + maxEvents + " events");
          }
          if (t != JsonToken.START_OBJECT) {
            out.add(new InvalidEventException(base, "wrong_type", "an event must be a JSON object, got " + describe(t)));
            p.skipChildren();
          } else {
            try {
              out.add(decodeObject(p, base));
            } catch (InvalidEventException e) {
              skipToEndOfObject(p, e);
              out.add(e);
            }
          }
          i++;
        }
      }
      if (!seen) {
        throw new InvalidEventException("$.events", "missing_field", "a batch needs an \"events\" array");
      }
      if (p.nextToken() != null) {
        throw new InvalidEventException("$", "malformed_json", "unexpected content after the batch object");
      }
      return out;
    } catch (JsonProcessingException ex) {
      throw malformed("$", ex);
    } catch (IOException ex) {
      throw new InvalidEventException("$", "malformed_json", "cannot read the body");
    }
  }

  private static void skipToEndOfObject(JsonParser p, InvalidEventException e) throws IOException {
    // decodeObject reads whole objects before failing, except on malformed objects; then the parser
    // state is unusable and the batch fails as a whole.
    if (p.currentToken() != JsonToken.END_OBJECT) {
      throw e;
    }
  }
}
