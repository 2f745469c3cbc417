import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { LIMITS, MAX_OCCUPIED_MS } from '../../src/limits.js';
import * as lists from '../common/sql-lists.js';
import { CONFIRMATION_COUNTER, TABLES } from './schema.js';

/**
 * The SQLite schema, as versioned migrations. SQL only: the rules here are integrity guards
 * derived from the core's single sources of truth (the transition table, the limits).
 */

const { durationMinutes: duration, bufferMinutes: buffer } = LIMITS;

// An overlapping occupying row of the same provider must start within MAX_OCCUPIED_MS before
// the new range, so the check is a bounded range scan of the partial index below.
const overlapGuard = (excludeSelf: string) => `
  SELECT RAISE(ABORT, 'appointment_overlap')
  WHERE EXISTS (
    SELECT 1 FROM ${TABLES.appointments} AS other
    WHERE other.provider_id = NEW.provider_id
      AND other.status NOT IN (${lists.NOT_OCCUPYING_SQL})
      AND other.occupied_start > NEW.start - NEW.buffer_before_minutes * 60000 - ${MAX_OCCUPIED_MS}
      AND other.occupied_start < NEW."end" + NEW.buffer_after_minutes * 60000
      AND other.occupied_end > NEW.start - NEW.buffer_before_minutes * 60000
      ${excludeSelf}
  );`;

const initialSchema: Migration = {
  async up(db: Kysely<unknown>) {
    const statements = [
      `CREATE TABLE ${TABLES.appointments} (
        id TEXT PRIMARY KEY NOT NULL,
        patient_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN (${lists.ALL_STATUSES_SQL})),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL CHECK ("end" > start),
        duration_minutes INTEGER NOT NULL
          CHECK (duration_minutes BETWEEN ${duration.min} AND ${duration.max} AND "end" = start + duration_minutes * 60000),
        buffer_before_minutes INTEGER NOT NULL CHECK (buffer_before_minutes BETWEEN ${buffer.min} AND ${buffer.max}),
        buffer_after_minutes INTEGER NOT NULL CHECK (buffer_after_minutes BETWEEN ${buffer.min} AND ${buffer.max}),
        occupied_start INTEGER GENERATED ALWAYS AS (start - buffer_before_minutes * 60000) STORED,
        occupied_end INTEGER GENERATED ALWAYS AS ("end" + buffer_after_minutes * 60000) STORED,
        time_zone TEXT NOT NULL,
        reason TEXT CHECK (length(reason) <= ${LIMITS.reasonLength}),
        notes TEXT CHECK (length(notes) <= ${LIMITS.notesLength}),
        confirmation_code TEXT NOT NULL UNIQUE,
        confirmed_at INTEGER,
        checked_in_at INTEGER,
        checked_out_at INTEGER,
        cancellation_reason TEXT,
        cancelled_at INTEGER,
        cancelled_by TEXT,
        no_show_at INTEGER,
        series_id TEXT,
        occurrence_index INTEGER,
        recurrence TEXT,
        reminder_email_at INTEGER,
        reminder_sms_at INTEGER,
        reminder_whatsapp_at INTEGER,
        idempotency_key TEXT,
        version INTEGER NOT NULL CHECK (version >= 1),
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        CHECK (status <> 'cancelled' OR (cancelled_at IS NOT NULL AND length(cancellation_reason) > 0))
      ) STRICT`,
      `CREATE INDEX appointments_provider_occupied ON ${TABLES.appointments} (provider_id, occupied_start)
        WHERE status NOT IN (${lists.NOT_OCCUPYING_SQL})`,
      `CREATE INDEX appointments_provider_start ON ${TABLES.appointments} (provider_id, start)`,
      `CREATE INDEX appointments_patient_start ON ${TABLES.appointments} (patient_id, start)`,
      `CREATE INDEX appointments_start ON ${TABLES.appointments} (start)`,
      `CREATE INDEX appointments_series ON ${TABLES.appointments} (series_id, occurrence_index) WHERE series_id IS NOT NULL`,
      `CREATE UNIQUE INDEX appointments_idempotency_key ON ${TABLES.appointments} (idempotency_key)
        WHERE idempotency_key IS NOT NULL`,
      `CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON ${TABLES.appointments}
        WHEN NEW.status NOT IN (${lists.NOT_OCCUPYING_SQL})
        BEGIN ${overlapGuard('')} END`,
      `CREATE TRIGGER appointments_no_overlap_update
        BEFORE UPDATE OF provider_id, status, start, "end", buffer_before_minutes, buffer_after_minutes
        ON ${TABLES.appointments}
        WHEN NEW.status NOT IN (${lists.NOT_OCCUPYING_SQL})
        BEGIN ${overlapGuard('AND other.id <> NEW.id')} END`,
      `CREATE TRIGGER appointments_status_transition BEFORE UPDATE OF status ON ${TABLES.appointments}
        WHEN NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN (${lists.ALLOWED_TRANSITIONS_SQL})
        BEGIN SELECT RAISE(ABORT, 'invalid_status_transition'); END`,
      `CREATE TABLE ${TABLES.auditLog} (
        id TEXT PRIMARY KEY NOT NULL,
        appointment_id TEXT NOT NULL REFERENCES ${TABLES.appointments} (id),
        action TEXT NOT NULL,
        actor_id TEXT,
        at INTEGER NOT NULL,
        changes TEXT NOT NULL
      ) STRICT`,
      `CREATE INDEX appointment_audit_log_appointment ON ${TABLES.auditLog} (appointment_id, at)`,
      // The audit trail is append-only.
      `CREATE TRIGGER appointment_audit_log_no_update BEFORE UPDATE ON ${TABLES.auditLog}
        BEGIN SELECT RAISE(ABORT, 'audit_log_is_append_only'); END`,
      `CREATE TRIGGER appointment_audit_log_no_delete BEFORE DELETE ON ${TABLES.auditLog}
        BEGIN SELECT RAISE(ABORT, 'audit_log_is_append_only'); END`,
      `CREATE TABLE ${TABLES.idempotencyKeys} (
        key TEXT PRIMARY KEY NOT NULL,
        fingerprint TEXT NOT NULL,
        appointment_id TEXT NOT NULL REFERENCES ${TABLES.appointments} (id),
        series_id TEXT,
        skipped TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT`,
      `CREATE TABLE ${TABLES.counters} (
        name TEXT PRIMARY KEY NOT NULL,
        value INTEGER NOT NULL
      ) STRICT`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

/** True (in SQL) when `column` of the NEW row holds a UUID that is not written in lower case. */
const nonCanonicalId = (column: string) =>
  `(NEW.${column} GLOB ${lists.UUID_GLOB_SQL} AND NEW.${column} <> lower(NEW.${column}))`;

/**
 * Guards against every form of hand-written SQL. SQLite's `INSERT OR REPLACE` (and `REPLACE`,
 * `UPDATE OR REPLACE`) deletes the conflicting row without firing delete triggers, and
 * `foreign_keys` is off in the sqlite3 shell: so the guards below check existence and references
 * themselves instead of relying on constraints that a statement's conflict clause overrides.
 */
const hardening: Migration = {
  async up(db: Kysely<unknown>) {
    const appointments = TABLES.appointments;
    const audit = TABLES.auditLog;
    const statements = [
      // One identity per id: fold UUIDs written before ids were canonicalised. (If two letter
      // cases of one provider's id double-booked, the overlap trigger stops the migration here.)
      ...['patient_id', 'provider_id'].map(
        (column) =>
          `UPDATE ${appointments} SET ${column} = lower(${column})
            WHERE ${column} GLOB ${lists.UUID_GLOB_SQL} AND ${column} <> lower(${column})`,
      ),
      `CREATE TRIGGER appointments_insert_guard BEFORE INSERT ON ${appointments}
        BEGIN
          SELECT RAISE(ABORT, 'appointment_initial_status') WHERE NEW.status NOT IN (${lists.INITIAL_STATUSES_SQL});
          SELECT RAISE(ABORT, 'appointment_exists')
            WHERE EXISTS (SELECT 1 FROM ${appointments} WHERE id = NEW.id)
               OR EXISTS (SELECT 1 FROM ${appointments} WHERE confirmation_code = NEW.confirmation_code)
               OR EXISTS (SELECT 1 FROM ${appointments} WHERE idempotency_key = NEW.idempotency_key);
          SELECT RAISE(ABORT, 'non_canonical_id')
            WHERE ${lists.CANONICAL_ID_COLUMNS.map(nonCanonicalId).join(' OR ')};
        END`,
      `CREATE TRIGGER appointments_immutable_columns
        BEFORE UPDATE OF ${lists.IMMUTABLE_APPOINTMENT_COLUMNS.map((column) => `"${column}"`).join(', ')} ON ${appointments}
        WHEN ${lists.IMMUTABLE_APPOINTMENT_COLUMNS.map((column) => `NEW."${column}" IS NOT OLD."${column}"`).join(' OR ')}
        BEGIN SELECT RAISE(ABORT, 'immutable_column'); END`,
      // Period limits count a provider's occupying appointments by start, inside the writing
      // transaction: from this index alone, without visiting the table.
      `CREATE INDEX appointments_provider_counted ON ${appointments} (provider_id, start, type, duration_minutes, id)
        WHERE status NOT IN (${lists.NOT_OCCUPYING_SQL})`,
      `CREATE TRIGGER appointments_no_delete BEFORE DELETE ON ${appointments}
        BEGIN SELECT RAISE(ABORT, 'appointments_are_never_deleted'); END`,
      // Audit entries carry the version they produced or saw; the trail is ordered by it.
      `ALTER TABLE ${audit} ADD COLUMN version INTEGER`,
      `DROP TRIGGER appointment_audit_log_no_update`,
      `UPDATE ${audit} SET version = max(1, (
        SELECT count(*) FROM ${audit} AS earlier
        WHERE earlier.appointment_id = ${audit}.appointment_id
          AND earlier.action NOT IN (${lists.READ_AUDIT_ACTIONS_SQL})
          AND (earlier.at < ${audit}.at OR (earlier.at = ${audit}.at AND earlier.rowid <= ${audit}.rowid))
      ))`,
      `CREATE TRIGGER appointment_audit_log_no_update BEFORE UPDATE ON ${audit}
        BEGIN SELECT RAISE(ABORT, 'audit_log_is_append_only'); END`,
      `CREATE TRIGGER appointment_audit_log_insert_guard BEFORE INSERT ON ${audit}
        BEGIN
          SELECT RAISE(ABORT, 'audit_log_is_append_only') WHERE EXISTS (SELECT 1 FROM ${audit} WHERE id = NEW.id);
          SELECT RAISE(ABORT, 'audit_entry_without_appointment')
            WHERE NOT EXISTS (SELECT 1 FROM ${appointments} WHERE id = NEW.appointment_id);
          SELECT RAISE(ABORT, 'audit_entry_version') WHERE NEW.version IS NULL OR NEW.version < 1;
        END`,
      `CREATE INDEX appointment_audit_log_version ON ${audit} (appointment_id, version)`,
      // Confirmation numbers: one counter for all years (0.1 kept one per year), continuing from
      // the highest number issued so codes stay unique.
      `INSERT INTO ${TABLES.counters} (name, value)
        SELECT '${CONFIRMATION_COUNTER}', coalesce(max(value), 0) FROM ${TABLES.counters} WHERE name LIKE 'confirmation-%'`,
      // A staff override of the booking rules: its reason and the rules it set aside, as JSON.
      `ALTER TABLE ${audit} ADD COLUMN override TEXT`,
      // A recorded key keeps pointing at the request that first used it.
      `CREATE TRIGGER appointment_idempotency_keys_insert_guard BEFORE INSERT ON ${TABLES.idempotencyKeys}
        BEGIN
          SELECT RAISE(ABORT, 'idempotency_key_exists')
            WHERE EXISTS (SELECT 1 FROM ${TABLES.idempotencyKeys} WHERE key = NEW.key);
          SELECT RAISE(ABORT, 'idempotency_key_without_appointment')
            WHERE NOT EXISTS (SELECT 1 FROM ${appointments} WHERE id = NEW.appointment_id);
        END`,
      `CREATE TRIGGER appointment_idempotency_keys_no_update BEFORE UPDATE ON ${TABLES.idempotencyKeys}
        BEGIN SELECT RAISE(ABORT, 'idempotency_key_exists'); END`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

/**
 * A series' pattern becomes a list of segments (series can be moved from an occurrence on). A
 * pattern stored before is its series' one segment: from its carrier's index, anchored at the
 * carrier's start as booked (its `created` audit entry; it may have been rescheduled since), and
 * bounded to the occurrences the series holds (`COUNT` or `maxOccurrences`; a rule ending at an
 * `UNTIL` keeps it), so that it describes what was booked, no more.
 */
const seriesSegments: Migration = {
  async up(db: Kysely<unknown>) {
    const a = TABLES.appointments;
    const count = `((SELECT max(s.occurrence_index) FROM ${a} AS s WHERE s.series_id = ${a}.series_id) - coalesce(${a}.occurrence_index, 0) + 1)`;
    const rule = `json_extract(${a}.recurrence, '$.rrule')`;
    const countAt = `instr(${rule}, ';COUNT=')`;
    const afterCount = `substr(${rule}, ${countAt} + 7)`;
    const firstSemicolon = `instr(${rule}, ';')`;
    const boundedRule = `CASE
        WHEN instr(${rule}, ';UNTIL=') > 0 THEN ${rule}
        WHEN ${countAt} > 0 THEN substr(${rule}, 1, ${countAt} + 6) || ${count}
          || CASE WHEN instr(${afterCount}, ';') > 0 THEN substr(${afterCount}, instr(${afterCount}, ';')) ELSE '' END
        WHEN ${firstSemicolon} > 0 THEN substr(${rule}, 1, ${firstSemicolon} - 1) || ';COUNT=' || ${count} || substr(${rule}, ${firstSemicolon})
        ELSE ${rule} || ';COUNT=' || ${count}
      END`;
    const bookedStart = `coalesce(
        (SELECT json_extract(l.changes, '$.start.after') FROM ${TABLES.auditLog} AS l
          WHERE l.appointment_id = ${a}.id AND l.action = 'created' AND json_type(l.changes, '$.start.after') = 'text'
          ORDER BY l.at LIMIT 1),
        strftime('%Y-%m-%dT%H:%M:%fZ', ${a}.start / 1000.0, 'unixepoch'))`;
    await sql
      .raw(
        `UPDATE ${a}
          SET recurrence = json_object('segments', json_array(json_object(
            'fromIndex', coalesce(occurrence_index, 0),
            'start', ${bookedStart},
            'rule', CASE
              WHEN ${rule} IS NULL THEN json_set(json_remove(recurrence, '$.endDate'), '$.maxOccurrences', ${count})
              ELSE json_object('rrule', ${boundedRule})
            END,
            'durationMinutes', duration_minutes,
            'type', type)))
          WHERE recurrence IS NOT NULL AND json_type(recurrence, '$.segments') IS NULL`,
      )
      .execute(db);
  },
};

/**
 * True (in SQL) when `capacity` holds every active allocation of `resource`: nowhere do more of
 * them overlap (counted at each allocation's start, where overlaps grow). The migration refuses a
 * lower capacity with it, and the store records one only when it holds.
 */
export const capacityFitsSql = (resource: string, capacity: string) => `NOT EXISTS (
    SELECT 1 FROM ${TABLES.allocations} AS x
    WHERE x.resource_id = ${resource} AND x.active = 1 AND ${capacity} < (
      SELECT count(*) FROM ${TABLES.allocations} AS b
      WHERE b.resource_id = x.resource_id AND b.active = 1
        AND b.occupied_start <= x.occupied_start AND b.occupied_end > x.occupied_start))`;

/**
 * The peak number of active allocations of `resource` overlapping `[start, end)` at any instant,
 * leaving out `appointment`'s own: the count at the range's start and at each other allocation's
 * start inside it (overlaps only grow at starts). Allocations are at most MAX_OCCUPIED_MS long,
 * so each count is a bounded range scan of the resource's index.
 */
const peakAllocationsSql = (resource: string, start: string, end: string, appointment: string) => `
  SELECT coalesce(max((
    SELECT count(*) FROM ${TABLES.allocations} AS b
    WHERE b.resource_id = ${resource} AND b.active = 1 AND b.appointment_id <> ${appointment}
      AND b.occupied_start > p.at - ${MAX_OCCUPIED_MS} AND b.occupied_start <= p.at AND b.occupied_end > p.at
  )), 0)
  FROM (
    SELECT ${start} AS at
    UNION
    SELECT c.occupied_start FROM ${TABLES.allocations} AS c
    WHERE c.resource_id = ${resource} AND c.active = 1 AND c.appointment_id <> ${appointment}
      AND c.occupied_start > ${start} AND c.occupied_start < ${end}
  ) AS p`;

/**
 * Resources (rooms, devices, classes) and their allocations. An appointment's `resources` (a
 * JSON array of ids, fixed at booking) is the source: triggers derive its allocations, with the
 * resource's buffers, and keep them in step with its time and status; an allocation that does
 * not say what its appointment says is refused, and so is one that would put more appointments
 * on a resource at any instant than its capacity.
 */
const resources: Migration = {
  async up(db: Kysely<unknown>) {
    const a = TABLES.appointments;
    const r = TABLES.resources;
    const allocations = TABLES.allocations;
    const occupying = (row: string) => `(${row}.status NOT IN (${lists.NOT_OCCUPYING_SQL}))`;
    // What an allocation of the appointment `row` on resource `res` must say.
    const derived = (row: string, res: string) => ({
      start: `${row}.start - ${res}.buffer_before_minutes * 60000`,
      end: `${row}."end" + ${res}.buffer_after_minutes * 60000`,
      active: occupying(row),
    });
    const matchesAppointment = `EXISTS (
        SELECT 1 FROM ${a} AS owner JOIN ${r} AS res ON res.id = NEW.resource_id
        WHERE owner.id = NEW.appointment_id
          AND EXISTS (SELECT 1 FROM json_each(owner.resources) AS j WHERE j.value = NEW.resource_id)
          AND NEW.occupied_start = ${derived('owner', 'res').start}
          AND NEW.occupied_end = ${derived('owner', 'res').end}
          AND NEW.active = ${derived('owner', 'res').active})`;
    // Refuses a capacity the resource's current allocations do not fit.
    const overfilledBy = (capacity: string) =>
      `SELECT RAISE(ABORT, 'resource_capacity') WHERE NOT ${capacityFitsSql('NEW.id', capacity)};`;
    const capacityGuard = `
      SELECT RAISE(ABORT, 'resource_capacity')
      WHERE NEW.active = 1 AND (SELECT capacity FROM ${r} WHERE id = NEW.resource_id) <= (${peakAllocationsSql(
        'NEW.resource_id',
        'NEW.occupied_start',
        'NEW.occupied_end',
        'NEW.appointment_id',
      )});`;
    const statements = [
      `CREATE TABLE ${r} (
        id TEXT PRIMARY KEY NOT NULL,
        kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND ${LIMITS.resourceKindLength}),
        capacity INTEGER NOT NULL CHECK (capacity BETWEEN ${LIMITS.resourceCapacity.min} AND ${LIMITS.resourceCapacity.max}),
        buffer_before_minutes INTEGER NOT NULL CHECK (buffer_before_minutes BETWEEN ${buffer.min} AND ${buffer.max}),
        buffer_after_minutes INTEGER NOT NULL CHECK (buffer_after_minutes BETWEEN ${buffer.min} AND ${buffer.max})
      ) STRICT`,
      `CREATE TABLE ${allocations} (
        appointment_id TEXT NOT NULL REFERENCES ${a} (id),
        resource_id TEXT NOT NULL REFERENCES ${r} (id),
        occupied_start INTEGER NOT NULL,
        occupied_end INTEGER NOT NULL,
        active INTEGER NOT NULL CHECK (active IN (0, 1)),
        PRIMARY KEY (appointment_id, resource_id),
        CHECK (occupied_end > occupied_start)
      ) STRICT`,
      `CREATE INDEX appointment_allocations_resource ON ${allocations} (resource_id, occupied_start) WHERE active = 1`,
      `ALTER TABLE ${a} ADD COLUMN resources TEXT NOT NULL DEFAULT '[]'
        CHECK (json_valid(resources) AND json_type(resources) = 'array' AND json_array_length(resources) <= ${LIMITS.resourcesPerBooking})`,
      // An appointment names known resources, each once, as text; and keeps them.
      `CREATE TRIGGER appointments_resources_known BEFORE INSERT ON ${a}
        WHEN NEW.resources <> '[]'
        BEGIN
          SELECT RAISE(ABORT, 'unknown_resource') WHERE EXISTS (
            SELECT 1 FROM json_each(NEW.resources) AS j
            WHERE j.type <> 'text' OR NOT EXISTS (SELECT 1 FROM ${r} WHERE id = j.value));
          SELECT RAISE(ABORT, 'duplicate_resource')
            WHERE (SELECT count(*) FROM json_each(NEW.resources)) <> (SELECT count(DISTINCT value) FROM json_each(NEW.resources));
          SELECT RAISE(ABORT, 'resources_are_fixed')
            WHERE EXISTS (SELECT 1 FROM ${a} WHERE id = NEW.id AND resources <> NEW.resources);
        END`,
      `CREATE TRIGGER appointments_resources_fixed BEFORE UPDATE OF resources ON ${a}
        WHEN NEW.resources <> OLD.resources
        BEGIN SELECT RAISE(ABORT, 'resources_are_fixed'); END`,
      // Its allocations follow from it: written (again, for a REPLACE) after the insert …
      `CREATE TRIGGER appointments_allocate AFTER INSERT ON ${a}
        WHEN NEW.resources <> '[]'
        BEGIN
          INSERT OR REPLACE INTO ${allocations} (appointment_id, resource_id, occupied_start, occupied_end, active)
            SELECT NEW.id, res.id, ${derived('NEW', 'res').start}, ${derived('NEW', 'res').end}, ${derived('NEW', 'res').active}
            FROM json_each(NEW.resources) AS j JOIN ${r} AS res ON res.id = j.value
            ORDER BY res.id;
        END`,
      // … and moved or freed with its time and status.
      `CREATE TRIGGER appointments_reallocate AFTER UPDATE OF start, "end", status ON ${a}
        WHEN NEW.resources <> '[]'
        BEGIN
          UPDATE ${allocations} SET
            occupied_start = NEW.start - (SELECT buffer_before_minutes FROM ${r} WHERE id = resource_id) * 60000,
            occupied_end = NEW."end" + (SELECT buffer_after_minutes FROM ${r} WHERE id = resource_id) * 60000,
            active = ${occupying('NEW')}
          WHERE appointment_id = NEW.id;
        END`,
      // An allocation says what its appointment says, and never overfills its resource.
      `CREATE TRIGGER appointment_allocations_insert_guard BEFORE INSERT ON ${allocations}
        BEGIN
          SELECT RAISE(ABORT, 'allocation_mismatch') WHERE NOT ${matchesAppointment};
          ${capacityGuard}
        END`,
      `CREATE TRIGGER appointment_allocations_update_guard BEFORE UPDATE ON ${allocations}
        BEGIN
          SELECT RAISE(ABORT, 'allocation_mismatch')
            WHERE NEW.appointment_id <> OLD.appointment_id OR NEW.resource_id <> OLD.resource_id OR NOT ${matchesAppointment};
          ${capacityGuard}
        END`,
      `CREATE TRIGGER appointment_allocations_no_delete BEFORE DELETE ON ${allocations}
        BEGIN SELECT RAISE(ABORT, 'allocations_are_never_deleted'); END`,
      // A resource's kind and buffers may change (new allocations use them); a capacity may change
      // only to one its current allocations fit.
      `CREATE TRIGGER appointment_resources_capacity BEFORE UPDATE OF capacity ON ${r}
        WHEN NEW.capacity < OLD.capacity
        BEGIN ${overfilledBy('NEW.capacity')} END`,
      // A REPLACE (which deletes without firing delete triggers) may not lower it either.
      `CREATE TRIGGER appointment_resources_replace BEFORE INSERT ON ${r}
        WHEN EXISTS (SELECT 1 FROM ${r} WHERE id = NEW.id AND capacity > NEW.capacity)
        BEGIN ${overfilledBy('NEW.capacity')} END`,
      `CREATE TRIGGER appointment_resources_no_delete BEFORE DELETE ON ${r}
        BEGIN SELECT RAISE(ABORT, 'resources_are_never_deleted'); END`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

/** Every migration, by name; names sort in the order they apply. */
export const SQLITE_MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial_schema': initialSchema,
  '0002_hardening': hardening,
  '0003_series_segments': seriesSegments,
  '0004_resources': resources,
});

/** A kysely Migrator over {@link SQLITE_MIGRATIONS}, with table names of our own. */
export function createSqliteMigrator(db: Kysely<unknown>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => SQLITE_MIGRATIONS },
    migrationTableName: TABLES.migrations,
    migrationLockTableName: TABLES.migrationLock,
  });
}
