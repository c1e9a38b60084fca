package io.riskgate.lang;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The event types of a ruleset. A field name has one type across all event types, and one slot in
 * {@link EventData}. This class is immutable.
 */
public final class Schema {
  private final List<EventType> types;
  private final Map<String, EventType> byName;
  private final Optional<EventType> defaultType;
  private final int numericSlots;
  private final int stringSlots;

  Schema(List<EventType> types, Optional<String> defaultType, int numericSlots, int stringSlots) {
    this.types = List.copyOf(types);
    this.byName =
        types.stream().collect(Collectors.toUnmodifiableMap(EventType::name, Function.identity()));
    this.defaultType = defaultType.map(byName::get);
    this.numericSlots = numericSlots;
    this.stringSlots = stringSlots;
  }

  public List<EventType> eventTypes() {
    return types;
  }

  public Optional<EventType> eventType(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The type assumed for an event that names none. */
  public Optional<EventType> defaultEventType() {
    return defaultType;
  }

  /** A new, empty event of a type of this schema, to be filled by a decoder. */
  public EventData newEvent(EventType type) {
    if (byName.get(type.name()) != type) {
      throw new IllegalArgumentException("event type " + type.name() + " is not of this schema");
    }
    return new EventData(type, numericSlots, stringSlots);
  }
}
