package io.riskgate.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.riskgate.engine.InMemoryTagSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Loads tags from JSON lines: {@code {"entity":"account","key":"account123","attributes":{"risk_level":2}}}.
 * Attribute values are numbers, strings, booleans or arrays of strings (sets).
 */
final class TagSeed {
  private static final JsonFactory JSON = new JsonFactory();

  private TagSeed() {}

  /** Where loaded entities go. */
  interface Sink {
    void put(String entity, String key, Map<String, Object> attributes);
  }

  /** Loads the file into an in-memory source; returns how many entities were loaded. */
  static int load(Path file, InMemoryTagSource into) {
    return load(file, (Sink) into::put);
  }

  /** Loads the file into a sink; returns how many entities were loaded. */
  static int load(Path file, Sink into) {
    int count = 0;
    int lineNo = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isBlank() || line.stripLeading().startsWith("#")) {
          continue;
        }
        try {
          parseLine(line, into);
          count++;
        } catch (JsonProcessingException e) {
          throw new ConfigException(file + ":" + lineNo + ": malformed JSON: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(file + ":" + lineNo + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the tags file (" + e.getMessage() + ")");
    }
    return count;
  }

  private static void parseLine(String line, Sink into) throws IOException {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("each line must be a JSON object");
      }
      String entity = null;
      String key = null;
      Map<String, Object> attrs = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "entity" -> entity = text(p, t, "entity");
          case "key" -> key = text(p, t, "key");
          case "attributes" -> attrs = attributes(p, t);
          default -> p.skipChildren();
        }
      }
      if (entity == null || key == null || attrs == null) {
        throw new IllegalArgumentException("each line needs \"entity\", \"key\" and \"attributes\"");
      }
      into.put(entity, key, attrs);
    }
  }

  private static String text(JsonParser p, JsonToken t, String field) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw new IllegalArgumentException("\"" + field + "\" must be a string");
    }
    return p.getText();
  }

  private static Map<String, Object> attributes(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("\"attributes\" must be an object");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (v) {
        case VALUE_NUMBER_INT -> out.put(name, p.getLongValue());
        case VALUE_NUMBER_FLOAT -> out.put(name, p.getDoubleValue());
        case VALUE_STRING -> out.put(name, p.getText());
        case VALUE_TRUE, VALUE_FALSE -> out.put(name, v == JsonToken.VALUE_TRUE);
        case START_ARRAY -> {
          Set<String> set = new LinkedHashSet<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
              throw new IllegalArgumentException("attribute \"" + name + "\": set members must be strings");
            }
            set.add(p.getText());
          }
          out.put(name, Set.copyOf(set));
        }
        default -> throw new IllegalArgumentException("attribute \"" + name + "\" has an unsupported value");
      }
    }
    return out;
  }
}
