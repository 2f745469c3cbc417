import type { SqliteDatabase } from 'kysely';
import type { Appointment } from '../../src/appointment.js';
import { MAX_OCCUPIED_MS } from '../../src/limits.js';
import { pickResources, roomFor } from '../../src/resources.js';
import type { UnavailableReason } from '../../src/slots.js';
import type * as Contract from '../../src/store.js';
import { capacityFitsSql } from './migrations.js';
import { TABLES } from './schema.js';

const MINUTE_MS = 60_000;

// Parameters: id, capacity (the capacity the allocations would have to fit).
const FITS_SQL = capacityFitsSql('?', '?');
const EXISTING_RESOURCE_SQL = `SELECT kind, capacity, buffer_before_minutes, buffer_after_minutes FROM ${TABLES.resources} WHERE id = ?`;
const INSERT_RESOURCE_SQL = `INSERT INTO ${TABLES.resources} (id, kind, capacity, buffer_before_minutes, buffer_after_minutes)
  VALUES (?, ?, ?, ?, ?)`;
// A lower capacity is recorded only once the allocations fit it: until then the database keeps
// the higher one as its guard (the store's own checks already count with the lower one).
// Parameters: kind, capacity, then FITS_SQL's id and capacity, capacity, before, after, id.
const UPDATE_RESOURCE_SQL = `UPDATE ${TABLES.resources} SET kind = ?,
    capacity = CASE WHEN ? >= capacity OR ${FITS_SQL} THEN ? ELSE capacity END,
    buffer_before_minutes = ?, buffer_after_minutes = ?
  WHERE id = ?`;

/**
 * Records the resources' profiles as the directory gave them (new allocations follow them),
 * never failing a booking over it: a capacity lower than what is held is recorded once it fits.
 */
export function recordResources(database: SqliteDatabase, requests: readonly Contract.ResourceRequest[]): void {
  for (const spec of requests.flatMap((request) => request.candidates)) {
    const [existing] = database.prepare(EXISTING_RESOURCE_SQL).all([spec.id]) as Array<{
      kind: string;
      capacity: number;
      buffer_before_minutes: number;
      buffer_after_minutes: number;
    }>;
    if (existing === undefined) {
      database
        .prepare(INSERT_RESOURCE_SQL)
        .run([spec.id, spec.kind, spec.capacity, spec.bufferBeforeMinutes, spec.bufferAfterMinutes]);
    } else if (
      existing.kind !== spec.kind ||
      existing.capacity !== spec.capacity ||
      existing.buffer_before_minutes !== spec.bufferBeforeMinutes ||
      existing.buffer_after_minutes !== spec.bufferAfterMinutes
    ) {
      database
        .prepare(UPDATE_RESOURCE_SQL)
        .run([
          spec.kind,
          spec.capacity,
          spec.id,
          spec.capacity,
          spec.capacity,
          spec.bufferBeforeMinutes,
          spec.bufferAfterMinutes,
          spec.id,
        ]);
    }
  }
}

const ALLOCATIONS_SQL = (count: number) => `SELECT resource_id, appointment_id, occupied_start, occupied_end
  FROM ${TABLES.allocations}
  WHERE active = 1 AND appointment_id IS NOT ? AND resource_id IN (${Array.from({ length: count }, () => '?').join(', ')})
    AND occupied_start > ? AND occupied_start < ? AND occupied_end > ?
  ORDER BY occupied_start, appointment_id`;

/** The active allocations of resources meeting `[from, to)`, but those of `excludeId`. */
export function readAllocations(
  database: SqliteDatabase,
  resourceIds: readonly string[],
  from: number,
  to: number,
  excludeId: string | null,
): Contract.ResourceAllocation[] {
  const ids = [...new Set(resourceIds)];
  if (ids.length === 0) return [];
  return (
    database.prepare(ALLOCATIONS_SQL(ids.length)).all([excludeId, ...ids, from - MAX_OCCUPIED_MS, to, from]) as Array<{
      resource_id: string;
      appointment_id: string;
      occupied_start: number;
      occupied_end: number;
    }>
  ).map((row) => ({
    resourceId: row.resource_id,
    appointmentId: row.appointment_id,
    start: new Date(row.occupied_start),
    end: new Date(row.occupied_end),
  }));
}

/**
 * The active allocations of `specs` around an appointment's time (widened by the widest buffer),
 * leaving out the appointment's own: read inside the writing transaction.
 */
export function allocationsAround(
  database: SqliteDatabase,
  appointment: Pick<Appointment, 'id' | 'start' | 'end'>,
  specs: readonly Contract.ResourceSpec[],
): Contract.ResourceAllocation[] {
  if (specs.length === 0) return [];
  const widest = Math.max(...specs.map((spec) => Math.max(spec.bufferBeforeMinutes, spec.bufferAfterMinutes)));
  return readAllocations(
    database,
    specs.map((spec) => spec.id),
    appointment.start.getTime() - widest * MINUTE_MS,
    appointment.end.getTime() + widest * MINUTE_MS,
    appointment.id,
  );
}

/**
 * Picks, for each request, a candidate with room at the appointment's time (inside the writing
 * transaction: no other writer can book in between): the ids to store, or the reasons of the
 * first request none has room for.
 */
export function pickFor(
  database: SqliteDatabase,
  appointment: Contract.NewAppointmentRow['appointment'],
  requests: readonly Contract.ResourceRequest[],
): { readonly ids: string[] } | { readonly reasons: UnavailableReason[] } {
  const held = allocationsAround(
    database,
    appointment,
    requests.flatMap((request) => request.candidates),
  );
  return pickResources(appointment, requests, (spec) =>
    roomFor(spec, held, appointment.start, appointment.durationMinutes),
  );
}
