package io.riskgate.state;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Objects;

/**
 * A feature window, in event time, as seen by an event at time {@code t} (epoch milliseconds).
 * Every window ends at {@code t}: an event with a later time never counts, whatever the order of
 * arrival.
 */
public sealed interface Window {

  /** The events in {@code (t - millis, t]}. */
  record Sliding(long millis) implements Window {
    public Sliding {
      if (millis <= 0) {
        throw new IllegalArgumentException("a sliding window needs a positive length");
      }
    }
  }

  /** The events from the start of {@code t}'s bucket of {@code millis}, aligned on the epoch, to {@code t}. */
  record Tumbling(long millis) implements Window {
    public Tumbling {
      if (millis <= 0) {
        throw new IllegalArgumentException("a tumbling window needs a positive length");
      }
    }

    long start(long t) {
      return Math.floorDiv(t, millis) * millis;
    }
  }

  /**
   * The events from the start of {@code t}'s calendar hour, day, week (Monday) or month in a zone,
   * to {@code t}. Instances are immutable in what they mean; each remembers the last two buckets it
   * computed, as an immutable array replaced whole, so that most events, and late ones from the
   * bucket before, skip the calendar arithmetic.
   */
  final class Calendar implements Window {
    private final Unit unit;
    private final ZoneId zone;
    /** Start and end of the newest bucket computed, then of the one before it. */
    private volatile long[] last = {1, 0, 1, 0};

    public Calendar(Unit unit, ZoneId zone) {
      this.unit = Objects.requireNonNull(unit);
      this.zone = Objects.requireNonNull(zone);
    }

    public Unit unit() {
      return unit;
    }

    public ZoneId zone() {
      return zone;
    }

    long start(long t) {
      long[] bucket = last;
      if (bucket[0] <= t && t < bucket[1]) {
        return bucket[0];
      }
      if (bucket[2] <= t && t < bucket[3]) {
        return bucket[2];
      }
      ZonedDateTime z = Instant.ofEpochMilli(t).atZone(zone);
      ZonedDateTime s = switch (unit) {
        case HOUR -> z.truncatedTo(ChronoUnit.HOURS);
        case DAY -> z.truncatedTo(ChronoUnit.DAYS);
        case WEEK -> z.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        case MONTH -> z.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
      };
      ZonedDateTime e = switch (unit) {
        case HOUR -> s.plusHours(1);
        case DAY -> s.plusDays(1);
        case WEEK -> s.plusWeeks(1);
        case MONTH -> s.plusMonths(1);
      };
      long start = s.toInstant().toEpochMilli();
      long end = e.toInstant().toEpochMilli();
      if (start <= t && t < end) {
        last = new long[] {start, end, bucket[0], bucket[1]};
      }
      return start;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Calendar c && c.unit == unit && c.zone.equals(zone);
    }

    @Override
    public int hashCode() {
      return unit.hashCode() * 31 + zone.hashCode();
    }

    @Override
    public String toString() {
      return "Calendar[unit=" + unit + ", zone=" + zone + "]";
    }
  }

  /** The calendar units of {@link Calendar} windows. */
  enum Unit {
    HOUR,
    DAY,
    WEEK,
    MONTH
  }

  /** The last {@code events} events with a time at or before {@code t} (and within the count horizon). */
  record Count(int events) implements Window {
    public Count {
      if (events < 1) {
        throw new IllegalArgumentException("a count window holds at least one event");
      }
    }
  }

  /** Windows bounded by time: the earliest time an event at {@code t} may see, inclusive. */
  static long start(Window w, long t) {
    return switch (w) {
      case Sliding s -> t - s.millis() + 1;
      case Tumbling tu -> tu.start(t);
      case Calendar c -> c.start(t);
      case Count c -> throw new IllegalArgumentException("count windows are not bounded by time");
    };
  }
}
