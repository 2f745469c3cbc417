import type { ColumnCodec } from '../common/columns.js';
import type * as shared from '../common/tables.js';

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
  initialStatus: 'AK003',
  appointmentsNeverDeleted: 'AK004',
  immutableColumn: 'AK005',
  idempotencyKeyRecorded: 'AK006',
  /** `appointment_limit_counts` called above READ COMMITTED, where its counts could predate its lock. */
  limitCountsNeedReadCommitted: 'AK007',
  /** An allocation would put more appointments on a resource at once than its capacity. */
  resourceCapacity: 'AK008',
  /** An appointment's resources are unknown, repeated or changed, or an allocation does not match them. */
  resourceMismatch: 'AK009',
  /** A resource was counted at another level than READ COMMITTED, where the count could predate its lock. */
  resourceCountNeedsReadCommitted: 'AK010',
  diskFull: '53100',
  lockNotAvailable: '55P03',
  characterNotInRepertoire: '22021',
  untranslatableCharacter: '22P05',
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

/** Columns of `appointments` as kysely sees them: `timestamptz` as Date, `jsonb` parsed. */
export type AppointmentsTable = shared.AppointmentsTable<Date, unknown> & {
  occupied_start: Date;
  occupied_end: Date;
};

export type AuditLogTable = shared.AuditLogTable<Date, unknown>;

export type IdempotencyKeysTable = shared.IdempotencyKeysTable<Date, unknown>;

/** The kysely database type of the PostgreSQL store (tables live in the configured schema). */
export interface PostgresSchema {
  appointments: AppointmentsTable;
  appointment_audit_log: AuditLogTable;
  appointment_idempotency_keys: IdempotencyKeysTable;
  appointment_resources: shared.ResourcesTable;
}
