import type { GeneratedAlways } from 'kysely';
import type { AppointmentStatus } from '../../src/status.js';

/** Table names, defined once. */
export const TABLES = {
  appointments: 'appointments',
  auditLog: 'appointment_audit_log',
  idempotencyKeys: 'appointment_idempotency_keys',
  counters: 'appointment_counters',
  migrations: 'appointment_kit_migrations',
  migrationLock: 'appointment_kit_migration_lock',
} as const;

/** The longest occupied range: 480 minutes plus two 240-minute buffers, in ms. */
export const MAX_OCCUPIED_MS = (480 + 240 + 240) * 60_000;

/** `appointments` as SQLite stores it: instants as integer epoch milliseconds, JSON as text. */
export interface AppointmentsTable {
  id: string;
  patient_id: string;
  provider_id: string;
  type: string;
  status: AppointmentStatus;
  start: number;
  end: number;
  duration_minutes: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  time_zone: string;
  reason: string | null;
  notes: string | null;
  confirmation_code: string;
  confirmed_at: number | null;
  checked_in_at: number | null;
  checked_out_at: number | null;
  cancellation_reason: string | null;
  cancelled_at: number | null;
  cancelled_by: string | null;
  no_show_at: number | null;
  series_id: string | null;
  occurrence_index: number | null;
  recurrence: string | null;
  reminder_email_at: number | null;
  reminder_sms_at: number | null;
  reminder_whatsapp_at: number | null;
  idempotency_key: string | null;
  version: number;
  metadata: string;
  created_at: number;
  updated_at: number;
  created_by: string;
  updated_by: string;
}

/** Columns SQLite computes itself (generated), readable but never written. */
export interface OccupiedColumns {
  occupied_start: GeneratedAlways<number>;
  occupied_end: GeneratedAlways<number>;
}

export interface AuditLogTable {
  id: string;
  appointment_id: string;
  action: string;
  actor_id: string | null;
  at: number;
  changes: string;
}

export interface IdempotencyKeysTable {
  key: string;
  fingerprint: string;
  appointment_id: string;
  series_id: string | null;
  skipped: string;
  created_at: number;
}

export interface CountersTable {
  name: string;
  value: number;
}

/** The kysely database type of the SQLite store. */
export interface SqliteSchema {
  appointments: AppointmentsTable & OccupiedColumns;
  appointment_audit_log: AuditLogTable;
  appointment_idempotency_keys: IdempotencyKeysTable;
  appointment_counters: CountersTable;
}

/** SQLite keeps instants as integer epoch milliseconds and JSON as text. */
export const SQLITE_CODEC = {
  encodeInstant: (date: Date) => date.getTime(),
  decodeInstant: (value: unknown) => new Date(value as number),
  encodeJson: (value: unknown) => JSON.stringify(value),
  decodeJson: (value: unknown) => JSON.parse(value as string) as unknown,
};
