import type { ColumnCodec } from '../shared/columns.js';

/** Valid schema names: lower-case identifiers, so they never need escaping beyond quotes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name, checked; throws for anything that is not a plain identifier. */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new TypeError(`The schema name must match ${SCHEMA_NAME}, not ${JSON.stringify(schema)}`);
  }
  return schema;
}

/** SQLSTATEs our triggers raise, so errors are classified by code, never by message. */
export const SQLSTATE = {
  invalidTransition: 'AK001',
  appendOnlyAudit: 'AK002',
  exclusionViolation: '23P01',
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

/** PostgreSQL keeps instants as `timestamptz` and JSON as `jsonb`; pg parses both by default. */
export const POSTGRES_CODEC: ColumnCodec = {
  encodeInstant: (date) => date,
  decodeInstant: (value) => (value instanceof Date ? new Date(value.getTime()) : new Date(value as string)),
  encodeJson: (value) => JSON.stringify(value),
  decodeJson: (value) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value),
};

/** Columns of `appointments` as kysely sees them. */
export interface AppointmentsTable {
  id: string;
  patient_id: string;
  provider_id: string;
  type: string;
  status: string;
  start: Date;
  end: Date;
  duration_minutes: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  occupied_start: Date;
  occupied_end: Date;
  time_zone: string;
  reason: string | null;
  notes: string | null;
  confirmation_code: string;
  confirmed_at: Date | null;
  checked_in_at: Date | null;
  checked_out_at: Date | null;
  cancellation_reason: string | null;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  no_show_at: Date | null;
  series_id: string | null;
  occurrence_index: number | null;
  recurrence: unknown;
  reminder_email_at: Date | null;
  reminder_sms_at: Date | null;
  reminder_whatsapp_at: Date | null;
  idempotency_key: string | null;
  version: number;
  metadata: unknown;
  created_at: Date;
  updated_at: Date;
  created_by: string;
  updated_by: string;
}

export interface AuditLogTable {
  id: string;
  appointment_id: string;
  action: string;
  actor_id: string | null;
  at: Date;
  changes: unknown;
}

export interface IdempotencyKeysTable {
  key: string;
  fingerprint: string;
  appointment_id: string;
  series_id: string | null;
  skipped: unknown;
  created_at: Date;
}

/** The kysely database type of the PostgreSQL store (tables live in the configured schema). */
export interface PostgresSchema {
  appointments: AppointmentsTable;
  appointment_audit_log: AuditLogTable;
  appointment_idempotency_keys: IdempotencyKeysTable;
}
