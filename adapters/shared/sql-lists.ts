import { APPOINTMENT_STATUSES, NON_OCCUPYING_STATUSES, STATUS_TRANSITIONS } from '../../src/status.js';

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
