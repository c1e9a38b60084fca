package io.riskgate.engine;

import io.riskgate.lang.EventType;
import io.riskgate.lang.FieldDef;
import io.riskgate.lang.Ruleset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic events for warming a new ruleset version up before it takes traffic: the whole
 * decision path (JSON decoding, the generated rules, reasons, JSON encoding) then runs compiled by
 * the JIT rather than interpreted when the first real events arrive.
 */
final class Warmup {
  /** At most this many synthetic events, and this much time, warm a version up. */
  static final int EVENTS = 2000;
  static final long NANOS = 250_000_000L;

  private static final String[] NUMBERS = {"0", "1", "2", "3", "7", "10", "50", "100", "500", "999.99", "1000", "5000",
      "8000", "10000", "12000", "1000000"};
  private static final String[] STRINGS = {"", "a", "x", "FR", "US", "DE", "web", "app", "EUR", "USD", "acct-1", "10.0.0.1"};

  private Warmup() {}

  /** JSON events of every event type, with random values of the declared types. */
  static List<byte[]> events(Ruleset ruleset, int count) {
    Random random = new Random(42);
    List<byte[]> out = new ArrayList<>(count);
    List<EventType> types = ruleset.schema().eventTypes();
    for (int i = 0; i < count; i++) {
      EventType type = types.get(i % types.size());
      StringBuilder sb = new StringBuilder("{\"").append(EventDecoder.TYPE_PROPERTY).append("\":\"").append(type.name()).append('"');
      for (FieldDef f : type.fields()) {
        if (!f.required() && f != type.idField() && random.nextInt(5) == 0) {
          continue;
        }
        sb.append(",\"").append(f.name()).append("\":");
        switch (f.type()) {
          case STRING -> sb.append('"').append(f == type.idField() ? "warmup-" + i : STRINGS[random.nextInt(STRINGS.length)]).append('"');
          case BOOLEAN -> sb.append(random.nextBoolean());
          case TIMESTAMP -> sb.append(1_700_000_000_000L + random.nextInt(1_000_000_000));
          case LONG -> sb.append(NUMBERS[random.nextInt(NUMBERS.length)].replace(".99", ""));
          case DOUBLE -> sb.append(NUMBERS[random.nextInt(NUMBERS.length)]);
        }
      }
      out.add(sb.append('}').toString().getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }
}
