package io.riskgate.tags;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A value on a named list, e.g. an IP on {@code blocked_ips}.
 *
 * @param list the list name
 * @param value the value
 * @param expiresAt when the entry stops applying, if ever
 * @param reason why it is on the list
 * @param addedAt when it was added
 */
public record ListEntry(String list, String value, Optional<Instant> expiresAt, String reason, Instant addedAt) {
  public ListEntry {
    Objects.requireNonNull(list, "list");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(addedAt, "addedAt");
  }

  public boolean liveAt(Instant now) {
    return expiresAt.isEmpty() || now.isBefore(expiresAt.get());
  }
}
