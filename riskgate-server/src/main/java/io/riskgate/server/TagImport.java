package io.riskgate.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.riskgate.lang.Ruleset;
import io.riskgate.tags.Attribute;
import io.riskgate.tags.Change;
import io.riskgate.tags.ListEntry;
import io.riskgate.tags.TagStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Bulk import of tags and list entries, streamed line by line: every valid line is applied, every
 * invalid one is reported with its line number and the field at fault. The import is one batch of
 * changes, synced to disk once.
 *
 * <p>JSON lines: {@code {"entity","key","attributes":{...},"expires_at"?}} for tags, {@code
 * {"list","value","reason"?,"expires_at"?}} for list entries. CSV: a header row, then either
 * {@code entity,key,attribute,value[,expires_at]} (sets as {@code a|b|c}) or {@code
 * list,value[,reason][,expires_at]}.
 */
final class TagImport {
  static final int MAX_REPORTED = 1000;

  record LineError(long line, String path, String message) {}

  record Report(long imported, long failed, List<LineError> errors) {}

  private final TagStore store;
  private final Map<String, Map<String, Ruleset.TagAttribute>> declared;
  private final Instant now;
  private final Change change;
  private long imported;
  private long failed;
  private final List<LineError> errors = new ArrayList<>();

  TagImport(TagStore store, Map<String, Map<String, Ruleset.TagAttribute>> declared, Instant now, Change change) {
    this.store = store;
    this.declared = declared;
    this.now = now;
    this.change = change;
  }

  /** One validated change of the import. */
  private sealed interface Op {
    record Tags(String entity, String key, Map<String, Attribute> attributes) implements Op {}

    record Entry(ListEntry entry) implements Op {}
  }

  private final List<Op> ops = new ArrayList<>();

  /**
   * Reads and checks the whole body first, then applies the valid lines in one batch, so that the
   * store is held only while the changes are written, never while a client uploads.
   */
  Report run(InputStream in, boolean csv) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    if (csv) {
      csv(reader);
    } else {
      jsonLines(reader);
    }
    store.batch(() -> {
      for (Op op : ops) {
        switch (op) {
          case Op.Tags t -> store.putTags(t.entity(), t.key(), t.attributes(), change);
          case Op.Entry e -> store.addListEntry(e.entry(), change);
        }
      }
    });
    return new Report(imported, failed, List.copyOf(errors));
  }

  private void fail(long line, String path, String message) {
    failed++;
    if (errors.size() < MAX_REPORTED) {
      errors.add(new LineError(line, path, message));
    }
  }

  // ------------------------------------------------------------------ JSON lines

  private void jsonLines(BufferedReader reader) throws IOException {
    String text;
    long line = 0;
    while ((text = reader.readLine()) != null) {
      line++;
      if (text.isBlank()) {
        continue;
      }
      try {
        jsonLine(text);
        imported++;
      } catch (TagsApi.BadRequest e) {
        fail(line, e.path, e.getMessage());
      } catch (JsonProcessingException e) {
        fail(line, "$", "malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
      }
    }
  }

  /** The line's "entity", read first, so that attribute types are known wherever it stands. */
  private static String entityOf(String text) throws IOException {
    try (JsonParser p = Json.FACTORY.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("entity") && t == JsonToken.VALUE_STRING) {
          return p.getText();
        }
        p.skipChildren();
      }
      return null;
    }
  }

  private void jsonLine(String text) throws IOException {
    String declaredEntity = entityOf(text);
    try (JsonParser p = Json.FACTORY.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new TagsApi.BadRequest("malformed_json", "$", "each line must be a JSON object");
      }
      String entity = null;
      String key = null;
      String list = null;
      String value = null;
      String reason = "";
      Optional<Instant> expires = Optional.empty();
      List<String> names = new ArrayList<>();
      List<Object> values = new ArrayList<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "entity" -> entity = text(p, t, "$.entity");
          case "key" -> key = text(p, t, "$.key");
          case "list" -> list = text(p, t, "$.list");
          case "value" -> value = text(p, t, "$.value");
          case "reason" -> reason = text(p, t, "$.reason");
          case "expires_at" -> expires = t == JsonToken.VALUE_NULL ? Optional.empty()
              : Optional.of(TagsApi.instant(p, t, "$.expires_at"));
          case "attributes" -> {
            if (t != JsonToken.START_OBJECT) {
              throw new TagsApi.BadRequest("wrong_type", "$.attributes", "expected an object of attribute values");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String name = p.currentName();
              JsonToken vt = p.nextToken();
              names.add(name);
              TagsApi.checkName(name, "$.attributes." + name);
              values.add(TagsApi.value(p, vt, "$.attributes." + name, declaredType(declaredEntity, name)));
            }
          }
          default -> p.skipChildren();
        }
      }
      if (list != null) {
        TagsApi.checkName(list, "$.list");
        TagsApi.checkName(value, "$.value");
        ops.add(new Op.Entry(new ListEntry(list, value, expires, reason.isEmpty() ? change.reason() : reason, now)));
        return;
      }
      TagsApi.checkName(entity, "$.entity");
      TagsApi.checkName(key, "$.key");
      if (names.isEmpty()) {
        throw new TagsApi.BadRequest("missing_field", "$.attributes", "at least one attribute is required");
      }
      Map<String, Attribute> attrs = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        attrs.put(names.get(i), new Attribute(names.get(i), values.get(i), expires, change.actor(), now));
      }
      ops.add(new Op.Tags(entity, key, attrs));
    }
  }

  private Optional<String> declaredType(String entity, String attribute) {
    if (entity == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(declared.getOrDefault(entity, Map.of()).get(attribute)).map(Ruleset.TagAttribute::type);
  }

  private static String text(JsonParser p, JsonToken t, String path) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw new TagsApi.BadRequest("wrong_type", path, "expected a string");
    }
    return p.getText();
  }

  // ------------------------------------------------------------------ CSV

  private void csv(BufferedReader reader) throws IOException {
    CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setTrim(true)
        .setIgnoreEmptyLines(true).get();
    try (CSVParser parser = CSVParser.parse(reader, format)) {
      List<String> header = parser.getHeaderNames();
      boolean tags = header.containsAll(List.of("entity", "key", "attribute", "value"));
      boolean lists = header.containsAll(List.of("list", "value"));
      if (!tags && !lists) {
        fail(1, "header", "the header must name entity,key,attribute,value[,expires_at] or list,value[,reason][,expires_at]");
        return;
      }
      for (CSVRecord r : parser) {
        long line = parser.getCurrentLineNumber();
        try {
          Optional<Instant> expires = column(r, "expires_at").filter(s -> !s.isEmpty()).map(s -> instant(s, "expires_at"));
          if (tags) {
            String entity = required(r, "entity");
            String key = required(r, "key");
            String attribute = required(r, "attribute");
            Object value = csvValue(r.get("value"), declaredType(entity, attribute));
            ops.add(new Op.Tags(entity, key, Map.of(attribute, new Attribute(attribute, value, expires, change.actor(), now))));
          } else {
            String reason = column(r, "reason").filter(s -> !s.isEmpty()).orElse(change.reason());
            ops.add(new Op.Entry(new ListEntry(required(r, "list"), required(r, "value"), expires, reason, now)));
          }
          imported++;
        } catch (TagsApi.BadRequest e) {
          fail(line, e.path, e.getMessage());
        } catch (IllegalArgumentException e) {
          fail(line, "value", "the row does not match the header");
        }
      }
    } catch (java.io.UncheckedIOException | IllegalStateException e) {
      fail(0, "csv", "malformed CSV: " + e.getMessage());
    }
  }

  private static Optional<String> column(CSVRecord r, String name) {
    return r.isMapped(name) && r.isSet(name) ? Optional.of(r.get(name)) : Optional.empty();
  }

  private static String required(CSVRecord r, String name) {
    return TagsApi.checkName(column(r, name).orElse(null), name);
  }

  private static Instant instant(String s, String path) {
    try {
      return Instant.parse(s);
    } catch (java.time.DateTimeException e) {
      try {
        long n = Long.parseLong(s);
        return Instant.ofEpochMilli(Math.abs(n) < 100_000_000_000L ? n * 1000 : n);
      } catch (NumberFormatException | java.time.DateTimeException e2) {
        throw new TagsApi.BadRequest("invalid_value", path, "expected an ISO-8601 time or epoch seconds or milliseconds");
      }
    }
  }

  /** A CSV cell as the declared type, or as it reads: a whole number, a number, true/false, a set, text. */
  private static Object csvValue(String s, Optional<String> declared) {
    String type = declared.orElseGet(() -> {
      if (s.matches("-?\\d{1,18}")) {
        return "long";
      }
      if (s.matches("-?\\d+\\.\\d+([eE][-+]?\\d+)?")) {
        return "double";
      }
      if (s.equals("true") || s.equals("false")) {
        return "boolean";
      }
      return s.contains("|") ? "set" : "string";
    });
    try {
      return switch (type) {
        case "long" -> Long.parseLong(s);
        case "double" -> {
          double d = Double.parseDouble(s);
          if (!Double.isFinite(d)) {
            throw new NumberFormatException();
          }
          yield d;
        }
        case "boolean" -> switch (s) {
          case "true" -> true;
          case "false" -> false;
          default -> throw new TagsApi.BadRequest("wrong_type", "value", "expected true or false");
        };
        case "timestamp" -> instant(s, "value").toEpochMilli();
        case "set" -> {
          Set<String> set = new LinkedHashSet<>(Arrays.asList(s.split("\\|", -1)));
          set.remove("");
          yield set;
        }
        default -> s;
      };
    } catch (NumberFormatException e) {
      throw new TagsApi.BadRequest("wrong_type", "value", "expected a " + (type.equals("long") ? "whole number" : "number"));
    }
  }

  // ------------------------------------------------------------------ export

  /** A tag value as JSON: a number, a boolean, an array of strings (sorted) or a string. */
  static void writeValue(JsonGenerator g, Object value) throws IOException {
    switch (value) {
      case Long l -> g.writeNumber(l);
      case Double d -> g.writeNumber(d);
      case Boolean b -> g.writeBoolean(b);
      case Set<?> set -> {
        g.writeStartArray();
        for (String s : set.stream().map(String::valueOf).sorted().toList()) {
          g.writeString(s);
        }
        g.writeEndArray();
      }
      default -> g.writeString(value.toString());
    }
  }

  /** Writes every live tag and list entry as JSON lines, in the import format. */
  static void export(TagStore store, OutputStream out) throws IOException {
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
      for (TagStore.EntityTags t : (Iterable<TagStore.EntityTags>) store.entities()::iterator) {
        // one line per expiry, so that every attribute keeps its own
        Map<Optional<Instant>, List<Attribute>> byExpiry = new java.util.TreeMap<>(
            java.util.Comparator.comparing((Optional<Instant> o) -> o.orElse(Instant.MAX)));
        for (Attribute a : t.attributes().values()) {
          byExpiry.computeIfAbsent(a.expiresAt(), x -> new ArrayList<>()).add(a);
        }
        for (Map.Entry<Optional<Instant>, List<Attribute>> group : byExpiry.entrySet()) {
          g.writeStartObject();
          g.writeStringField("entity", t.entity());
          g.writeStringField("key", t.key());
          g.writeObjectFieldStart("attributes");
          for (Attribute a : group.getValue()) {
            g.writeFieldName(a.name());
            writeValue(g, a.value());
          }
          g.writeEndObject();
          if (group.getKey().isPresent()) {
            g.writeStringField("expires_at", group.getKey().get().toString());
          }
          g.writeEndObject();
        }
      }
      for (ListEntry e : (Iterable<ListEntry>) store.allListEntries()::iterator) {
        g.writeStartObject();
        g.writeStringField("list", e.list());
        g.writeStringField("value", e.value());
        g.writeStringField("reason", e.reason());
        if (e.expiresAt().isPresent()) {
          g.writeStringField("expires_at", e.expiresAt().get().toString());
        }
        g.writeEndObject();
      }
      g.writeRaw('\n');
    }
  }
}
