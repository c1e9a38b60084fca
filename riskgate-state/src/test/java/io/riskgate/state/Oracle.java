package io.riskgate.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The brute-force reading of the feature semantics: every event ever applied is kept, and every
 * value is computed from scratch by filtering and sorting them all. Nothing is evicted, nothing is
 * incremental: it is slow and obviously right, and the engine must equal it on every event.
 */
final class Oracle {
  private record Applied(long time, long arrival, long id, long[] values) {}

  private final DimensionSpec spec;
  private final boolean streamTimeRule;
  private final Map<String, List<Applied>> history = new HashMap<>();
  private final Map<String, Long> newest = new HashMap<>();
  private long streamTime = Long.MIN_VALUE;
  private long arrivals;

  Oracle(DimensionSpec spec, boolean streamTimeRule) {
    this.spec = spec;
    this.streamTimeRule = streamTimeRule;
  }

  Outcome apply(String key, long time, long id, long[] values, double[] out) {
    List<Applied> events = history.computeIfAbsent(key, k -> new ArrayList<>());
    Long w = newest.get(key);
    boolean late = (w != null && time < w - spec.allowedLateness().toMillis())
        || (streamTimeRule && streamTime != Long.MIN_VALUE && time < streamTime - spec.retention().toMillis());
    if (late) {
      Arrays.fill(out, Double.NaN);
      return Outcome.LATE;
    }
    Applied self = null;
    Outcome outcome;
    for (Applied a : events) {
      if (a.id() == id) {
        self = a;
      }
    }
    boolean counted = Arrays.stream(values).anyMatch(v -> v != Column.ABSENT);
    if (counted) {
      // the stream time follows every event some column counts, a repeat too
      streamTime = Math.max(streamTime, time);
    }
    if (self != null) {
      outcome = Outcome.DUPLICATE;
    } else if (counted) {
      self = new Applied(time, arrivals++, id, values.clone());
      events.add(self);
      newest.merge(key, time, Math::max);
      outcome = Outcome.APPLIED;
    } else {
      outcome = Outcome.NOT_COUNTED;
    }
    for (int i = 0; i < spec.features().size(); i++) {
      FeatureSpec f = spec.features().get(i);
      Applied excluded = f.includeCurrent() ? null : self;
      out[i] = value(f, events, time, excluded);
    }
    return outcome;
  }

  private double value(FeatureSpec f, List<Applied> events, long t, Applied excluded) {
    int c = f.column();
    List<Applied> members = new ArrayList<>();
    for (Applied a : events) {
      if (a != excluded && a.values()[c] != Column.ABSENT && a.time() <= t) {
        members.add(a);
      }
    }
    members.sort(Comparator.comparingLong(Applied::time).thenComparingLong(Applied::arrival));
    List<Applied> window = new ArrayList<>();
    switch (f.window()) {
      case Window.Sliding s -> members.stream().filter(a -> a.time() > t - s.millis()).forEach(window::add);
      case Window.Tumbling tu -> members.stream().filter(a -> Math.floorDiv(a.time(), tu.millis()) == Math.floorDiv(t, tu.millis())).forEach(window::add);
      case Window.Calendar cal -> {
        java.time.ZonedDateTime z = java.time.Instant.ofEpochMilli(t).atZone(cal.zone());
        for (Applied a : members) {
          java.time.ZonedDateTime za = java.time.Instant.ofEpochMilli(a.time()).atZone(cal.zone());
          boolean same = switch (cal.unit()) {
            case HOUR -> za.toLocalDate().equals(z.toLocalDate()) && za.getHour() == z.getHour() && za.getOffset().equals(z.getOffset());
            case DAY -> za.toLocalDate().equals(z.toLocalDate());
            case WEEK -> za.toLocalDate().with(java.time.DayOfWeek.MONDAY).equals(z.toLocalDate().with(java.time.DayOfWeek.MONDAY));
            case MONTH -> za.getYear() == z.getYear() && za.getMonth() == z.getMonth();
          };
          if (same) {
            window.add(a);
          }
        }
      }
      case Window.Count cw -> {
        List<Applied> recent = members.stream().filter(a -> a.time() > t - spec.countHorizon().toMillis()).toList();
        window.addAll(recent.subList(Math.max(0, recent.size() - cw.events()), recent.size()));
      }
    }
    List<Double> numbers = new ArrayList<>();
    Set<Long> hashes = new HashSet<>();
    for (Applied a : window) {
      long v = a.values()[c];
      if (v != Column.MISSING) {
        numbers.add(Double.longBitsToDouble(v));
        hashes.add(v);
      }
    }
    return switch (f.aggregate()) {
      case COUNT -> window.size();
      case SUM -> numbers.stream().reduce(0.0, Double::sum);
      case AVG -> numbers.isEmpty() ? Double.NaN : numbers.stream().reduce(0.0, Double::sum) / numbers.size();
      case MIN -> numbers.stream().reduce(Math::min).orElse(Double.NaN);
      case MAX -> numbers.stream().reduce(Math::max).orElse(Double.NaN);
      case FIRST -> numbers.isEmpty() ? Double.NaN : numbers.get(0);
      case LAST -> numbers.isEmpty() ? Double.NaN : numbers.get(numbers.size() - 1);
      case DISTINCT_COUNT -> hashes.size();
    };
  }
}
