package io.riskgate.lang;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The tag attributes of one entity (e.g. {@code account:account123}), as a tag source returns them.
 * Values are Numbers, Strings, Booleans or sets of Strings. This class is immutable.
 *
 * <p>The {@code ...OrNaN} and {@code ...OrNull} accessors are the compiled rules' fast path; other
 * code should use the {@code Optional} ones.
 */
public final class TagView {
  private static final TagView EMPTY = new TagView(Map.of());
  private final Map<String, Object> values;

  private TagView(Map<String, Object> values) {
    this.values = values;
  }

  /** No attributes: the entity has no tags. */
  public static TagView empty() {
    return EMPTY;
  }

  /** A view of these attributes; values must be Number, String, Boolean or a Set of Strings. */
  public static TagView of(Map<String, ?> attributes) {
    if (attributes.isEmpty()) {
      return EMPTY;
    }
    for (Map.Entry<String, ?> e : attributes.entrySet()) {
      Object v = e.getValue();
      if (!(v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof Set)) {
        throw new IllegalArgumentException("tag attribute " + e.getKey() + " has an unsupported value type");
      }
    }
    return new TagView(Map.copyOf(attributes));
  }

  public Map<String, Object> attributes() {
    return values;
  }

  public boolean has(String attribute) {
    return values.containsKey(attribute);
  }

  public OptionalDouble number(String attribute) {
    double v = numberOrNaN(attribute);
    return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
  }

  /** The attribute as a number, or NaN when absent or not a number. */
  public double numberOrNaN(String attribute) {
    return values.get(attribute) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** The attribute as a boolean held as 1 or 0, or NaN when absent or not a boolean. */
  public double booleanOrNaN(String attribute) {
    Object v = values.get(attribute);
    return v instanceof Boolean b ? (b ? 1.0 : 0.0) : Double.NaN;
  }

  /** Whether the attribute holds a set of strings. */
  public boolean isSet(String attribute) {
    return values.get(attribute) instanceof Set;
  }

  /** The attribute as a string, or null when absent or not a string. */
  public String stringOrNull(String attribute) {
    return values.get(attribute) instanceof String s ? s : null;
  }

  /** Whether a set attribute holds a member (false when absent or not a set). */
  public boolean setContains(String attribute, String member) {
    return member != null && values.get(attribute) instanceof Set<?> set && set.contains(member);
  }

  @Override
  public String toString() {
    return "TagView" + values;
  }
}
