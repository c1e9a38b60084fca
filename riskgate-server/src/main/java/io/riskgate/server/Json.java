package io.riskgate.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.riskgate.engine.RulesetVersion;
import io.riskgate.lang.Diagnostic;
import io.riskgate.lang.RuleInfo;
import io.riskgate.lang.SourceFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The JSON bodies of the HTTP API, other than decisions. */
final class Json {
  static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
      .build();

  private Json() {}

  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  static byte[] write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] error(String code, String message) {
    return error(code, message, null);
  }

  static byte[] error(String code, String message, String path) {
    return write(g -> {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("code", code);
      if (path != null) {
        g.writeStringField("path", path);
      }
      g.writeStringField("message", message);
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  static void diagnostics(JsonGenerator g, List<Diagnostic> list) throws IOException {
    g.writeArrayFieldStart("diagnostics");
    for (Diagnostic d : list) {
      g.writeStartObject();
      g.writeStringField("severity", d.severity().name().toLowerCase(java.util.Locale.ROOT));
      g.writeStringField("file", d.file());
      g.writeNumberField("line", d.line());
      g.writeNumberField("column", d.column());
      g.writeStringField("message", d.message());
      g.writeStringField("rendered", d.render());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  static void version(JsonGenerator g, RulesetVersion v) throws IOException {
    g.writeStartObject();
    g.writeNumberField("version", v.version());
    g.writeStringField("ruleset", v.ruleset());
    g.writeStringField("hash", v.hash());
    g.writeStringField("published_at", v.publishedAt().toString());
    g.writeStringField("origin", v.origin());
    g.writeNumberField("rules", v.rules());
    g.writeBooleanField("active", v.active());
    g.writeEndObject();
  }

  static void rule(JsonGenerator g, RuleInfo r) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", r.id());
    g.writeStringField("name", r.name());
    g.writeStringField("category", r.category());
    g.writeStringField("action", r.action().wireName());
    g.writeNumberField("score", r.score());
    g.writeStringField("mode", r.mode().name().toLowerCase(java.util.Locale.ROOT));
    g.writeArrayFieldStart("events");
    for (String e : r.eventTypes().stream().sorted().toList()) {
      g.writeString(e);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("channels");
    for (String c : r.channels().stream().sorted().toList()) {
      g.writeString(c);
    }
    g.writeEndArray();
    g.writeStringField("when", r.when());
    g.writeStringField("location", r.location());
    g.writeEndObject();
  }

  /** A problem in a request body, with the JSON path of the faulty value. */
  static final class BodyException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String path;

    BodyException(String path, String message) {
      super(message, null, false, false);
      this.path = path;
    }
  }

  /** Reads {@code {"files": [{"name": "...", "content": "..."}]}}. */
  static List<SourceFile> files(byte[] body) {
    try (JsonParser p = FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BodyException("$", "expected a JSON object {\"files\": [{\"name\": ..., \"content\": ...}]}");
      }
      List<SourceFile> files = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (!name.equals("files")) {
          p.skipChildren();
          continue;
        }
        if (t != JsonToken.START_ARRAY) {
          throw new BodyException("$.files", "expected an array of files");
        }
        files = new ArrayList<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          files.add(file(p, "$.files[" + i + "]"));
          i++;
        }
      }
      if (files == null || files.isEmpty()) {
        throw new BodyException("$.files", "at least one file is required");
      }
      return files;
    } catch (JsonProcessingException e) {
      throw new BodyException("$", "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static SourceFile file(JsonParser p, String path) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new BodyException(path, "expected an object with \"name\" and \"content\"");
    }
    String name = null;
    String content = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "name" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw new BodyException(path + ".name", "expected a string");
          }
          name = p.getText();
        }
        case "content" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw new BodyException(path + ".content", "expected a string");
          }
          content = p.getText();
        }
        default -> p.skipChildren();
      }
    }
    if (name == null || name.isBlank()) {
      throw new BodyException(path + ".name", "required field is missing");
    }
    if (content == null) {
      throw new BodyException(path + ".content", "required field is missing");
    }
    return new SourceFile(name, content);
  }
}
