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
  private final List<PatternFeature> patterns;
  private final List<PatternMatcher> matchers;
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
    this(columns, features, List.of(), allowedLateness, countHorizon);
  }

  /**
   * @param patterns the patterns, by index; their outcomes come out after the features' values
   */
  public DimensionSpec(List<Column> columns, List<FeatureSpec> features, List<PatternFeature> patterns, Duration allowedLateness,
      Duration countHorizon) {
    columns = List.copyOf(columns);
    features = List.copyOf(features);
    patterns = List.copyOf(patterns);
    for (PatternFeature p : patterns) {
      if (p.maskColumn() >= columns.size() || p.firedColumn() >= columns.size() || p.maskColumn() == p.firedColumn()
          || columns.get(p.maskColumn()).kind() != Column.Kind.LONG || columns.get(p.firedColumn()).kind() != Column.Kind.LONG) {
        throw new IllegalArgumentException("a pattern needs two distinct whole-number columns of the dimension");
      }
    }
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
    this.patterns = patterns;
    this.matchers = patterns.stream().map(p -> PatternMatcher.of(p.spec())).toList();
    this.allowedLateness = allowedLateness;
    this.countHorizon = countHorizon;
    this.latenessMillis = allowedLateness.toMillis();
    this.countHorizonMillis = countHorizon.toMillis();
    this.retentionMillis = Math.max(retention(features, countHorizonMillis), patternSpan(patterns)) + latenessMillis;
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

  public List<PatternFeature> patterns() {
    return patterns;
  }

  PatternMatcher matcher(int pattern) {
    return matchers.get(pattern);
  }

  /** How many values apply() gives: one per feature, then one per pattern. */
  public int outputs() {
    return features.size() + patterns.size();
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

  /**
   * How far back a pattern looks from an event: its window, and as much again for a match ending
   * with an absence, whose deadline may have passed since the key's previous event.
   */
  static long patternSpan(List<PatternFeature> patterns) {
    long longest = 0;
    for (PatternFeature p : patterns) {
      // a match ending with an absence may begin a window before the event before its deadline
      longest = Math.max(longest, (p.spec().endsWithAbsence() ? 2 : 1) * p.spec().withinMillis());
    }
    return longest;
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
    return "DimensionSpec[columns=" + columns + ", features=" + features + ", patterns=" + patterns + ", allowedLateness=" + allowedLateness
        + ", countHorizon=" + countHorizon + "]";
  }
}
