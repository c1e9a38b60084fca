package io.riskgate.tags;

import java.util.Objects;

/**
 * Who makes a change and why; recorded with the change in the audit trail.
 *
 * @param actor who (a user, a service, an import)
 * @param reason why
 */
public record Change(String actor, String reason) {
  public Change {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(reason, "reason");
  }
}
