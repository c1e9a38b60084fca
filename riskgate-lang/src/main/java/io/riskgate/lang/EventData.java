package io.riskgate.lang;

import java.util.Arrays;

/**
 * The typed values of one event, as compiled rules read them. Numbers, booleans (1 or 0) and
 * timestamps (epoch milliseconds) are held as doubles, with NaN for a missing value; strings are
 * held as strings, with null for a missing value.
 *
 * <p>Instances are filled by one thread and then only read.
 */
public final class EventData {
  private final EventType type;
  private final double[] num;
  private final String[] str;

  EventData(EventType type, int numericSlots, int stringSlots) {
    this.type = type;
    this.num = new double[numericSlots];
    this.str = new String[stringSlots];
    Arrays.fill(num, Double.NaN);
  }

  public EventType type() {
    return type;
  }

  /** The numeric value in a slot, NaN when missing. */
  public double num(int slot) {
    return num[slot];
  }

  /** The string value in a slot, null when missing. */
  public String str(int slot) {
    return str[slot];
  }

  public void setNumber(FieldDef field, double value) {
    if (!field.type().numeric()) {
      throw new IllegalArgumentException(field.name() + " is not numeric");
    }
    num[field.slot()] = value;
  }

  public void setString(FieldDef field, String value) {
    if (field.type() != FieldType.STRING) {
      throw new IllegalArgumentException(field.name() + " is not a string");
    }
    str[field.slot()] = value;
  }

  /** Whether the field has a value. */
  public boolean has(FieldDef field) {
    return field.type() == FieldType.STRING
        ? str[field.slot()] != null
        : !Double.isNaN(num[field.slot()]);
  }

  /** The value of a field as a Java object (String, Long, Double or Boolean), empty when missing. */
  public java.util.Optional<Object> value(FieldDef field) {
    if (!has(field)) {
      return java.util.Optional.empty();
    }
    double v = num(field.slot());
    return java.util.Optional.of(
        switch (field.type()) {
          case STRING -> str[field.slot()];
          case LONG, TIMESTAMP -> (long) v;
          case DOUBLE -> v;
          case BOOLEAN -> v != 0;
        });
  }
}
