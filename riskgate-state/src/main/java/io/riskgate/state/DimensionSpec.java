package io.riskgate.state;

import java.time.Duration;
import java.util.List;

/**
 * The features of one dimension (e.g. per account): the columns its records hold, the features
 * computed over them, and how long events are kept. This class is immutable; the durations every
 * event needs are computed once, here.
 */
public final class DimensionSpec {
  private final List<Column> columns;
  private final List<FeatureSpec> features;
  private final Duration allowedLateness;
  private final Duration countHorizon;
  private final long latenessMillis;
  private final long countHorizonMillis;
  private final long retentionMillis;
  private final long[] columnIds;

  /**
   * @param columns the columns, by index
   * @param features the features, by index; their values come out in this order
   * @param allowedLateness how far behind its key's newest event an event may be and still be
   *     placed exactly; later events are refused as late
   * @param countHorizon how far back in time count windows ("the last N events") look
   */
  public DimensionSpec(List<Column> columns, List<FeatureSpec> features, Duration allowedLateness, Duration countHorizon) {
    columns = List.copyOf(columns);
    features = List.copyOf(features);
    if (allowedLateness.isNegative() || countHorizon.isNegative() || countHorizon.isZero()) {
      throw new IllegalArgumentException("allowed lateness must be >= 0 and the count horizon > 0");
    }
    for (FeatureSpec f : features) {
      if (f.column() >= columns.size()) {
        throw new IllegalArgumentException("feature column " + f.column() + " out of range");
      }
      if (f.aggregate() != Aggregate.COUNT && columns.get(f.column()).kind() == Column.Kind.MEMBER) {
        throw new IllegalArgumentException(f.aggregate() + " needs a column with values");
      }
      if (f.aggregate() == Aggregate.DISTINCT_COUNT && columns.get(f.column()).kind() != Column.Kind.HASH) {
        throw new IllegalArgumentException("distinct counts need a hash column");
      }
      if (f.aggregate() != Aggregate.DISTINCT_COUNT && f.aggregate() != Aggregate.COUNT
          && columns.get(f.column()).kind() != Column.Kind.NUMBER) {
        throw new IllegalArgumentException(f.aggregate() + " needs a number column");
      }
    }
    this.columns = columns;
    this.features = features;
    this.allowedLateness = allowedLateness;
    this.countHorizon = countHorizon;
    this.latenessMillis = allowedLateness.toMillis();
    this.countHorizonMillis = countHorizon.toMillis();
    this.retentionMillis = retention(features, countHorizonMillis) + latenessMillis;
    this.columnIds = columns.stream().mapToLong(Column::id).toArray();
  }

  /** The columns' ids, by index (shared: do not change). */
  long[] columnIds() {
    return columnIds;
  }

  public List<Column> columns() {
    return columns;
  }

  public List<FeatureSpec> features() {
    return features;
  }

  public Duration allowedLateness() {
    return allowedLateness;
  }

  public Duration countHorizon() {
    return countHorizon;
  }

  long latenessMillis() {
    return latenessMillis;
  }

  long countHorizonMillis() {
    return countHorizonMillis;
  }

  long retentionMillis() {
    return retentionMillis;
  }

  /**
   * How long after its time an event may still be seen by a later event: the longest window plus
   * the allowed lateness. An event older than this behind its engine's stream time cannot be placed
   * exactly in every key and is refused as late.
   */
  public Duration retention() {
    return Duration.ofMillis(retentionMillis);
  }

  private static long retention(List<FeatureSpec> features, long countHorizonMillis) {
    long longest = 0;
    for (FeatureSpec f : features) {
      longest = Math.max(longest, switch (f.window()) {
        case Window.Sliding s -> s.millis();
        case Window.Tumbling t -> t.millis();
        case Window.Calendar c -> switch (c.unit()) {
          case HOUR -> Duration.ofHours(2).toMillis();
          case DAY -> Duration.ofDays(2).toMillis();
          case WEEK -> Duration.ofDays(8).toMillis();
          case MONTH -> Duration.ofDays(32).toMillis();
        };
        case Window.Count c -> countHorizonMillis;
      });
    }
    return longest;
  }

  @Override
  public String toString() {
    return "DimensionSpec[columns=" + columns + ", features=" + features + ", allowedLateness=" + allowedLateness
        + ", countHorizon=" + countHorizon + "]";
  }
}
