import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { LIMITS } from '../../src/limits.js';
import { ALL_STATUSES_SQL, ALLOWED_TRANSITIONS_SQL, NOT_OCCUPYING_SQL } from '../shared/sql-lists.js';
import { MAX_OCCUPIED_MS, TABLES } from './schema.js';

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
      AND other.status NOT IN (${NOT_OCCUPYING_SQL})
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
        status TEXT NOT NULL CHECK (status IN (${ALL_STATUSES_SQL})),
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
        WHERE status NOT IN (${NOT_OCCUPYING_SQL})`,
      `CREATE INDEX appointments_provider_start ON ${TABLES.appointments} (provider_id, start)`,
      `CREATE INDEX appointments_patient_start ON ${TABLES.appointments} (patient_id, start)`,
      `CREATE INDEX appointments_start ON ${TABLES.appointments} (start)`,
      `CREATE INDEX appointments_series ON ${TABLES.appointments} (series_id, occurrence_index) WHERE series_id IS NOT NULL`,
      `CREATE UNIQUE INDEX appointments_idempotency_key ON ${TABLES.appointments} (idempotency_key)
        WHERE idempotency_key IS NOT NULL`,
      `CREATE TRIGGER appointments_no_overlap_insert BEFORE INSERT ON ${TABLES.appointments}
        WHEN NEW.status NOT IN (${NOT_OCCUPYING_SQL})
        BEGIN ${overlapGuard('')} END`,
      `CREATE TRIGGER appointments_no_overlap_update
        BEFORE UPDATE OF provider_id, status, start, "end", buffer_before_minutes, buffer_after_minutes
        ON ${TABLES.appointments}
        WHEN NEW.status NOT IN (${NOT_OCCUPYING_SQL})
        BEGIN ${overlapGuard('AND other.id <> NEW.id')} END`,
      `CREATE TRIGGER appointments_status_transition BEFORE UPDATE OF status ON ${TABLES.appointments}
        WHEN NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN (${ALLOWED_TRANSITIONS_SQL})
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

/** Every migration, by name; names sort in the order they apply. */
export const SQLITE_MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial_schema': initialSchema,
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
