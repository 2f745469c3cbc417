/**
 * UIDs. They must stay the same for the life of an appointment or series, so a reader updates
 * the event it already has (matching UID, higher SEQUENCE) rather than adding another.
 *
 * - A single appointment: its id.
 * - A series segment: the series id for the first segment, `<seriesId>+<fromIndex>` for a
 *   later one (its first occurrence index, which does not change once the segment exists).
 * - With a `domain` option: `@<domain>` appended to each.
 */

/** The UID of an appointment exported on its own. */
export function appointmentUid(id: string, domain: string | null): string {
  return withDomain(id, domain);
}

/** The UID of the series segment that starts at occurrence index `fromIndex`. */
export function segmentUid(seriesId: string, fromIndex: number, domain: string | null): string {
  return withDomain(fromIndex === 0 ? seriesId : `${seriesId}+${fromIndex}`, domain);
}

function withDomain(base: string, domain: string | null): string {
  return domain === null ? base : `${base}@${domain}`;
}
