package io.riskgate.tags;

import java.time.Instant;

/**
 * One recorded change.
 *
 * @param seq the change's number, from 1, in order
 * @param at when
 * @param actor who
 * @param action {@code tags_set}, {@code tags_deleted}, {@code list_added} or {@code list_removed}
 * @param target {@code entity:key} or {@code list:value}
 * @param reason why
 */
public record AuditRecord(long seq, Instant at, String actor, String action, String target, String reason) {}
