import { InvalidTransitionError } from './errors.js';

/** Every status an appointment can have, in workflow order. */
export const APPOINTMENT_STATUSES = [
  'scheduled',
  'confirmed',
  'in_progress',
  'completed',
  'cancelled',
  'no_show',
] as const;

/** An appointment's status. */
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/**
 * The one transition table: the statuses each status may move to. Everything else (the
 * Scheduler's actions, the databases' triggers) is derived from it.
 */
export const STATUS_TRANSITIONS: Readonly<Record<AppointmentStatus, readonly AppointmentStatus[]>> = Object.freeze({
  scheduled: Object.freeze(['confirmed', 'cancelled', 'no_show'] as const),
  confirmed: Object.freeze(['in_progress', 'cancelled', 'no_show'] as const),
  in_progress: Object.freeze(['completed'] as const),
  completed: Object.freeze([] as const),
  cancelled: Object.freeze([] as const),
  no_show: Object.freeze([] as const),
});

/**
 * The statuses an appointment may be created in. Every other status is reached only through the
 * transition table, and both databases refuse a row written straight into one.
 */
export const INITIAL_STATUSES: readonly AppointmentStatus[] = Object.freeze(['scheduled'] as const);

/** Statuses that no longer occupy the provider's time. */
export const NON_OCCUPYING_STATUSES: readonly AppointmentStatus[] = Object.freeze(['cancelled', 'no_show'] as const);

/** Statuses of appointments still to come: reminders go to them and statistics count them as upcoming. */
export const UPCOMING_STATUSES: readonly AppointmentStatus[] = Object.freeze(['scheduled', 'confirmed'] as const);

/** True if `value` is one of {@link APPOINTMENT_STATUSES}. */
export function isAppointmentStatus(value: unknown): value is AppointmentStatus {
  return typeof value === 'string' && (APPOINTMENT_STATUSES as readonly string[]).includes(value);
}

/**
 * True if the workflow allows moving from `from` to `to`.
 *
 * @example
 * canTransition('scheduled', 'confirmed'); // true
 * canTransition('scheduled', 'in_progress'); // false: check in only after confirming
 */
export function canTransition(from: AppointmentStatus, to: AppointmentStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** True for `completed`, `cancelled` and `no_show`: nothing may follow them. */
export function isFinalStatus(status: AppointmentStatus): boolean {
  return STATUS_TRANSITIONS[status].length === 0;
}

/**
 * True if an appointment in this status occupies its provider's time (every status but
 * `cancelled` and `no_show`).
 */
export function isOccupyingStatus(status: AppointmentStatus): boolean {
  return !NON_OCCUPYING_STATUSES.includes(status);
}

/**
 * Throws {@link InvalidTransitionError} unless the workflow allows `from` → `to`.
 *
 * @example
 * assertTransition('confirmed', 'in_progress'); // ok
 * assertTransition('completed', 'cancelled'); // throws InvalidTransitionError
 */
export function assertTransition(from: AppointmentStatus, to: AppointmentStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}
