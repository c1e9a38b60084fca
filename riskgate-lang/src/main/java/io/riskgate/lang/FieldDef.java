package io.riskgate.lang;

import java.util.Optional;

/**
 * A field of an event type.
 *
 * @param name the field's path, with dots for nested objects ({@code device.ip})
 * @param type the declared type
 * @param required whether an event without it is refused
 * @param entity the tag entity type the field identifies (e.g. {@code account}), if any
 * @param slot the field's index in the numeric or string values of an {@link EventData}
 */
public record FieldDef(String name, FieldType type, boolean required, Optional<String> entity, int slot) {}
