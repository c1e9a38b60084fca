package io.riskgate.state;

/** What a feature computes over the events of its window. */
public enum Aggregate {
  /** The number of events the feature counts. */
  COUNT,
  /** The sum of the values; 0 for an empty window. */
  SUM,
  /** The mean of the values; missing for an empty window. */
  AVG,
  MIN,
  MAX,
  /** The number of distinct values (compared by 64-bit hash). */
  DISTINCT_COUNT,
  /** The value of the earliest event of the window, by time, then arrival. */
  FIRST,
  /** The value of the latest event of the window, by time, then arrival. */
  LAST
}
