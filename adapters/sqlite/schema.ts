import type { GeneratedAlways } from 'kysely';
import type * as shared from '../common/tables.js';

/** The counter confirmation numbers are taken from. */
export const CONFIRMATION_COUNTER = 'confirmation';

/** Table names, defined once. */
export const TABLES = {
  appointments: 'appointments',
  auditLog: 'appointment_audit_log',
  idempotencyKeys: 'appointment_idempotency_keys',
  counters: 'appointment_counters',
  resources: 'appointment_resources',
  allocations: 'appointment_allocations',
  migrations: 'appointment_kit_migrations',
  migrationLock: 'appointment_kit_migration_lock',
} as const;

/** `appointments` as SQLite stores it: instants as integer epoch milliseconds, JSON as text. */
export type AppointmentsTable = shared.AppointmentsTable<number, string>;

/** Columns SQLite computes itself (generated), readable but never written. */
export interface OccupiedColumns {
  occupied_start: GeneratedAlways<number>;
  occupied_end: GeneratedAlways<number>;
}

export type AuditLogTable = shared.AuditLogTable<number, string>;

export type IdempotencyKeysTable = shared.IdempotencyKeysTable<number, string>;

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
