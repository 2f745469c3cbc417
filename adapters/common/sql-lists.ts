import { READ_AUDIT_ACTIONS } from '../../src/appointment.js';
import {
  APPOINTMENT_STATUSES,
  INITIAL_STATUSES,
  NON_OCCUPYING_STATUSES,
  STATUS_TRANSITIONS,
  UPCOMING_STATUSES,
} from '../../src/status.js';

/**
 * SQL literal lists derived from the core's single sources of truth, for the migrations' checks
 * and triggers (and for queries that must name statuses literally to use a partial index).
 */
const quoteList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** `'scheduled', 'confirmed', …`: every status. */
export const ALL_STATUSES_SQL = quoteList(APPOINTMENT_STATUSES);

/** `'cancelled', 'no_show'`: the statuses that free the provider's time. */
export const NOT_OCCUPYING_SQL = quoteList(NON_OCCUPYING_STATUSES);

/** `'scheduled>confirmed', …`: every allowed transition as `from>to`. */
export const ALLOWED_TRANSITIONS_SQL = quoteList(
  Object.entries(STATUS_TRANSITIONS).flatMap(([from, targets]) => targets.map((to) => `${from}>${to}`)),
);

/** `'scheduled', 'confirmed'`: the statuses still to come. */
export const UPCOMING_STATUSES_SQL = quoteList(UPCOMING_STATUSES);

/** `'viewed', 'listed'`: the audit actions that record reads. */
export const READ_AUDIT_ACTIONS_SQL = quoteList(READ_AUDIT_ACTIONS);

/** `'scheduled'`: the statuses a row may be inserted in. */
export const INITIAL_STATUSES_SQL = quoteList(INITIAL_STATUSES);

/**
 * Columns fixed when an appointment is created: no writer may change them (the library never
 * does), so a hand-written `UPDATE OR REPLACE` cannot take another row's unique values or move an
 * appointment to another provider or patient behind the audit trail's back.
 */
export const IMMUTABLE_APPOINTMENT_COLUMNS = Object.freeze([
  'id',
  'patient_id',
  'provider_id',
  'confirmation_code',
  'idempotency_key',
  'series_id',
  'created_at',
  'created_by',
] as const);

/** Columns holding ids that must be written canonically (a UUID only in lower case). */
export const CANONICAL_ID_COLUMNS = Object.freeze(['id', 'patient_id', 'provider_id', 'series_id'] as const);

const UUID_GROUPS = [8, 4, 4, 4, 12];

/** A PostgreSQL regular expression matching a UUID in any letter case. */
export const UUID_REGEX_SQL = `'^${UUID_GROUPS.map((length) => `[0-9a-fA-F]{${length}}`).join('-')}$'`;

/** A SQLite GLOB pattern matching a UUID in any letter case (GLOB is case-sensitive). */
export const UUID_GLOB_SQL = `'${UUID_GROUPS.map((length) => '[0-9a-fA-F]'.repeat(length)).join('-')}'`;
