package io.riskgate.lang;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An event type of a ruleset's schema: its fields and which of them carry the id, time and channel.
 * This class is immutable.
 */
public final class EventType {
  private final String name;
  private final int index;
  private final List<FieldDef> fields;
  private final Map<String, FieldDef> byName;
  private final FieldDef idField;
  private final Optional<FieldDef> timeField;
  private final Optional<FieldDef> channelField;

  EventType(
      String name,
      int index,
      List<FieldDef> fields,
      String idField,
      Optional<String> timeField,
      Optional<String> channelField) {
    this.name = name;
    this.index = index;
    this.fields = List.copyOf(fields);
    this.byName =
        fields.stream().collect(Collectors.toUnmodifiableMap(FieldDef::name, Function.identity()));
    this.idField = byName.get(idField);
    this.timeField = timeField.map(byName::get);
    this.channelField = channelField.map(byName::get);
  }

  public String name() {
    return name;
  }

  /** The type's index in the schema, used by compiled rules. */
  public int index() {
    return index;
  }

  public List<FieldDef> fields() {
    return fields;
  }

  public Optional<FieldDef> field(String path) {
    return Optional.ofNullable(byName.get(path));
  }

  /** The string field holding the event's id. */
  public FieldDef idField() {
    return idField;
  }

  /** The timestamp field holding the event's time, if declared. */
  public Optional<FieldDef> timeField() {
    return timeField;
  }

  /** The string field holding the event's channel, if declared. */
  public Optional<FieldDef> channelField() {
    return channelField;
  }

  @Override
  public String toString() {
    return "EventType[" + name + "]";
  }
}
