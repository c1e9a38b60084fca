package io.riskgate.state;

import java.util.Objects;

/**
 * One windowed aggregate over a column of a dimension.
 *
 * @param aggregate what is computed
 * @param window which events of the key it sees
 * @param column the index of its column in the dimension
 * @param includeCurrent whether the event being decided counts in its own value
 */
public record FeatureSpec(Aggregate aggregate, Window window, int column, boolean includeCurrent) {
  public FeatureSpec {
    Objects.requireNonNull(aggregate);
    Objects.requireNonNull(window);
    if (column < 0) {
      throw new IllegalArgumentException("column index must be >= 0");
    }
  }
}
