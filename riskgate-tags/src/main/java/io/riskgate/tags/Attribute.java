package io.riskgate.tags;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One tag attribute of an entity, e.g. {@code risk_level = 2} of {@code account:account123}.
 *
 * @param name the attribute name
 * @param value a Long, Double, String, Boolean or Set of Strings
 * @param expiresAt when the value stops applying, if ever
 * @param source who or what set it (an actor, an import, a model)
 * @param updatedAt when it was set
 */
public record Attribute(String name, Object value, Optional<Instant> expiresAt, String source, Instant updatedAt) {
  public Attribute {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(updatedAt, "updatedAt");
    if (!(value instanceof Long || value instanceof Double || value instanceof String || value instanceof Boolean
        || value instanceof Set)) {
      throw new IllegalArgumentException("attribute " + name + ": unsupported value type " + value.getClass().getSimpleName());
    }
    if (value instanceof Set<?> set) {
      for (Object o : set) {
        if (!(o instanceof String)) {
          throw new IllegalArgumentException("attribute " + name + ": set members must be strings");
        }
      }
      value = Set.copyOf(set);
    }
  }

  /** Whether the value still applies at a time. */
  public boolean liveAt(Instant now) {
    return expiresAt.isEmpty() || now.isBefore(expiresAt.get());
  }
}
