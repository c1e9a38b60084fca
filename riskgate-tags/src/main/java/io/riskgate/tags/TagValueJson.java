package io.riskgate.tags;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Tag values in JSON with their type, as stores and caches keep them: the fields {@code "t"} (long,
 * double, string, boolean or set) and {@code "v"}, inside an object the caller opens and closes.
 */
public final class TagValueJson {
  private TagValueJson() {}

  /** Writes the {@code "t"} and {@code "v"} fields of a Long, Double, String, Boolean or Set of Strings. */
  public static void writeFields(JsonGenerator g, Object value) throws IOException {
    switch (value) {
      case Long l -> {
        g.writeStringField("t", "long");
        g.writeNumberField("v", l);
      }
      case Double d -> {
        g.writeStringField("t", "double");
        g.writeNumberField("v", d);
      }
      case String s -> {
        g.writeStringField("t", "string");
        g.writeStringField("v", s);
      }
      case Boolean b -> {
        g.writeStringField("t", "boolean");
        g.writeBooleanField("v", b);
      }
      case Set<?> set -> {
        g.writeStringField("t", "set");
        g.writeArrayFieldStart("v");
        for (String s : set.stream().map(String::valueOf).sorted().toList()) {
          g.writeString(s);
        }
        g.writeEndArray();
      }
      default -> throw new IllegalArgumentException("unsupported tag value " + value.getClass().getSimpleName());
    }
  }

  /** Reads the value of {@code "v"}; the parser is on its value token. */
  public static Object readValue(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.START_ARRAY) {
      Set<String> set = new LinkedHashSet<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        set.add(p.getText());
      }
      return Set.copyOf(set);
    }
    return switch (t) {
      case VALUE_NUMBER_INT -> p.getLongValue();
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      default -> p.getText();
    };
  }

  /** A value read before its type: a double written as a whole number comes back as a Double. */
  public static Object typed(String type, Object value) {
    return "double".equals(type) && value instanceof Long l ? (Object) l.doubleValue() : value;
  }
}
