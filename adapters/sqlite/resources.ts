import type { SqliteDatabase } from 'kysely';
import type { Appointment } from '../../src/appointment.js';
import { MAX_OCCUPIED_MS } from '../../src/limits.js';
import type { UnavailableReason } from '../../src/slots.js';
import { isOccupyingStatus } from '../../src/status.js';
import type * as Contract from '../../src/store.js';
import { peakAllocationsSql } from './migrations.js';
import { TABLES } from './schema.js';

const MINUTE_MS = 60_000;

/** The peak allocation count: parameters resource, appointment, start, resource, appointment, start, end. */
const PEAK_SQL = `SELECT (${peakAllocationsSql('?', '?', '?', '?')}) AS peak`;
const peakParameters = (resource: string, appointment: string, start: number, end: number) => [
  resource,
  appointment,
  start,
  resource,
  appointment,
  start,
  end,
];

/** The appointments holding a resource over a range (for `RESOURCE_BUSY`). */
const HOLDERS_SQL = `SELECT appointment_id AS id FROM ${TABLES.allocations}
  WHERE resource_id = ? AND active = 1 AND appointment_id <> ?
    AND occupied_start > ? AND occupied_start < ? AND occupied_end > ?
  ORDER BY occupied_start, appointment_id`;

const UPSERT_RESOURCE_SQL = `INSERT INTO ${TABLES.resources} (id, kind, capacity, buffer_before_minutes, buffer_after_minutes)
  VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, capacity = excluded.capacity,
    buffer_before_minutes = excluded.buffer_before_minutes, buffer_after_minutes = excluded.buffer_after_minutes
  WHERE kind <> excluded.kind OR capacity <> excluded.capacity
    OR buffer_before_minutes <> excluded.buffer_before_minutes OR buffer_after_minutes <> excluded.buffer_after_minutes`;

/** Records the resources' profiles as the directory gave them (new allocations follow them). */
export function recordResources(database: SqliteDatabase, requests: readonly Contract.ResourceRequest[]): void {
  for (const spec of requests.flatMap((request) => request.candidates)) {
    database
      .prepare(UPSERT_RESOURCE_SQL)
      .run([spec.id, spec.kind, spec.capacity, spec.bufferBeforeMinutes, spec.bufferAfterMinutes]);
  }
}

/** The range an appointment holds a resource for: its time widened by the resource's buffers. */
function heldRange(appointment: Pick<Appointment, 'start' | 'end'>, spec: Contract.ResourceSpec) {
  return {
    start: appointment.start.getTime() - spec.bufferBeforeMinutes * MINUTE_MS,
    end: appointment.end.getTime() + spec.bufferAfterMinutes * MINUTE_MS,
  };
}

/** Why `spec` has no room for the appointment, or null if it has. */
export function resourceRefusal(
  database: SqliteDatabase,
  appointment: Pick<Appointment, 'id' | 'start' | 'end'>,
  spec: Contract.ResourceSpec,
): UnavailableReason | null {
  const { start, end } = heldRange(appointment, spec);
  const [row] = database.prepare(PEAK_SQL).all(peakParameters(spec.id, appointment.id, start, end)) as Array<{
    peak: number;
  }>;
  if ((row?.peak ?? 0) < spec.capacity) return null;
  if (spec.capacity > 1) return { code: 'CAPACITY_FULL', resourceId: spec.id, capacity: spec.capacity };
  const holders = database
    .prepare(HOLDERS_SQL)
    .all([spec.id, appointment.id, start - MAX_OCCUPIED_MS, end, start])
    .map((found) => (found as { id: string }).id);
  return { code: 'RESOURCE_BUSY', resourceId: spec.id, appointmentIds: holders };
}

/**
 * Picks, for each request, the first candidate with room at the appointment's time (inside the
 * writing transaction: no other writer can book in between): the ids to store, or the reasons
 * of the first request none has room for.
 */
export function pickResources(
  database: SqliteDatabase,
  appointment: Contract.NewAppointmentRow['appointment'],
  requests: readonly Contract.ResourceRequest[],
): { readonly ids: string[] } | { readonly reasons: UnavailableReason[] } {
  const ids: string[] = [];
  for (const request of requests) {
    const reasons: UnavailableReason[] = [];
    const picked = request.candidates.find((spec) => {
      if (ids.includes(spec.id)) return false;
      if (!isOccupyingStatus(appointment.status)) return true;
      const refusal = resourceRefusal(database, appointment, spec);
      if (refusal !== null) reasons.push(refusal);
      return refusal === null;
    });
    if (picked === undefined) return { reasons };
    ids.push(picked.id);
  }
  return { ids };
}
