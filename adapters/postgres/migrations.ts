import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { LIMITS } from '../../src/limits.js';
import { ALL_STATUSES_SQL, ALLOWED_TRANSITIONS_SQL, NOT_OCCUPYING_SQL } from '../shared/sql-lists.js';
import { checkSchemaName, SQLSTATE } from './schema.js';

/**
 * The PostgreSQL schema, as versioned migrations. Every object lives in the configured schema;
 * `btree_gist` is database-wide. SQL only: the guards are derived from the core's tables.
 */

const { durationMinutes: duration, bufferMinutes: buffer } = LIMITS;

function initialSchema(schema: string): Migration {
  const s = `"${schema}"`;
  return {
    async up(db: Kysely<unknown>) {
      const statements = [
        'CREATE EXTENSION IF NOT EXISTS btree_gist',
        `CREATE SEQUENCE ${s}.appointment_confirmation_seq`,
        `CREATE TABLE ${s}.appointments (
          id text PRIMARY KEY,
          patient_id text NOT NULL,
          provider_id text NOT NULL,
          type text NOT NULL,
          status text NOT NULL CHECK (status IN (${ALL_STATUSES_SQL})),
          start timestamptz NOT NULL,
          "end" timestamptz NOT NULL CHECK ("end" > start),
          duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN ${duration.min} AND ${duration.max}),
          buffer_before_minutes integer NOT NULL CHECK (buffer_before_minutes BETWEEN ${buffer.min} AND ${buffer.max}),
          buffer_after_minutes integer NOT NULL CHECK (buffer_after_minutes BETWEEN ${buffer.min} AND ${buffer.max}),
          occupied_start timestamptz NOT NULL,
          occupied_end timestamptz NOT NULL CHECK (occupied_end > occupied_start),
          time_zone text NOT NULL,
          reason text CHECK (length(reason) <= ${LIMITS.reasonLength}),
          notes text CHECK (length(notes) <= ${LIMITS.notesLength}),
          confirmation_code text NOT NULL UNIQUE,
          confirmed_at timestamptz,
          checked_in_at timestamptz,
          checked_out_at timestamptz,
          cancellation_reason text,
          cancelled_at timestamptz,
          cancelled_by text,
          no_show_at timestamptz,
          series_id text,
          occurrence_index integer,
          recurrence jsonb,
          reminder_email_at timestamptz,
          reminder_sms_at timestamptz,
          reminder_whatsapp_at timestamptz,
          idempotency_key text,
          version integer NOT NULL CHECK (version >= 1),
          metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          created_by text NOT NULL,
          updated_by text NOT NULL,
          CHECK ("end" = start + duration_minutes * interval '1 minute'),
          -- The occupied range must be exactly the appointment widened by its buffers (checked,
          -- not computed by a trigger: a row trigger halved the insert rate).
          CHECK (occupied_start = start - buffer_before_minutes * interval '1 minute'),
          CHECK (occupied_end = "end" + buffer_after_minutes * interval '1 minute'),
          CHECK (status <> 'cancelled' OR (cancelled_at IS NOT NULL AND length(cancellation_reason) > 0)),
          CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
            provider_id WITH =,
            tstzrange(occupied_start, occupied_end, '[)') WITH &&
          ) WHERE (status NOT IN (${NOT_OCCUPYING_SQL}))
        )`,
        `CREATE FUNCTION ${s}.appointments_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN (${ALLOWED_TRANSITIONS_SQL}) THEN
            RAISE EXCEPTION 'invalid status transition % -> %', OLD.status, NEW.status
              USING ERRCODE = '${SQLSTATE.invalidTransition}';
          END IF;
          RETURN NEW;
        END $$`,
        `CREATE TRIGGER appointments_status_transition BEFORE UPDATE OF status ON ${s}.appointments
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointments_status_transition()`,
        `CREATE INDEX appointments_provider_start ON ${s}.appointments (provider_id, start)`,
        `CREATE INDEX appointments_patient_start ON ${s}.appointments (patient_id, start)`,
        `CREATE INDEX appointments_start ON ${s}.appointments (start)`,
        `CREATE INDEX appointments_upcoming ON ${s}.appointments (start) WHERE status IN ('scheduled', 'confirmed')`,
        `CREATE INDEX appointments_series ON ${s}.appointments (series_id, occurrence_index) WHERE series_id IS NOT NULL`,
        `CREATE UNIQUE INDEX appointments_idempotency_key ON ${s}.appointments (idempotency_key)
          WHERE idempotency_key IS NOT NULL`,
        `CREATE TABLE ${s}.appointment_audit_log (
          id text PRIMARY KEY,
          appointment_id text NOT NULL REFERENCES ${s}.appointments (id),
          action text NOT NULL,
          actor_id text,
          at timestamptz NOT NULL,
          changes jsonb NOT NULL,
          seq bigserial NOT NULL
        )`,
        `CREATE INDEX appointment_audit_log_appointment ON ${s}.appointment_audit_log (appointment_id, at, seq)`,
        `CREATE FUNCTION ${s}.appointment_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = '${SQLSTATE.appendOnlyAudit}';
        END $$`,
        `CREATE TRIGGER appointment_audit_log_append_only BEFORE UPDATE OR DELETE ON ${s}.appointment_audit_log
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointment_audit_log_append_only()`,
        `CREATE TABLE ${s}.appointment_idempotency_keys (
          key text PRIMARY KEY,
          fingerprint text NOT NULL,
          appointment_id text NOT NULL REFERENCES ${s}.appointments (id),
          series_id text,
          skipped jsonb NOT NULL,
          created_at timestamptz NOT NULL
        )`,
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}

/** Every migration for a schema, by name; names sort in the order they apply. */
export function postgresMigrations(schema: string): Record<string, Migration> {
  return { '0001_initial_schema': initialSchema(checkSchemaName(schema)) };
}

/** A kysely Migrator over {@link postgresMigrations}, its bookkeeping tables in the same schema. */
export function createPostgresMigrator(db: Kysely<unknown>, schema: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => postgresMigrations(schema) },
    migrationTableSchema: schema,
    migrationTableName: 'appointment_kit_migrations',
    migrationLockTableName: 'appointment_kit_migration_lock',
  });
}
