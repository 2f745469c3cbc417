/**
 * `appointment-kit/testing`: the store conformance suite, for anyone writing an
 * `AppointmentStore`. The SQLite and PostgreSQL stores are certified by this same suite,
 * through this entry point.
 *
 * Needs Vitest 3 or later (an optional peer dependency); the main entry point never loads it.
 *
 * @packageDocumentation
 */

export { type NewAppointmentRowOverrides, newAppointmentRow } from './rows.js';
export { runStoreConformance } from './store-conformance.js';
