import { type PeriodLimitCheck, periodLimitReason, type UnavailableReason } from '../../src/slots.js';
import type { NewAppointmentRow } from '../../src/store.js';

/** What a store counted for one limit check: bookings, and their minutes. */
export interface LimitCount {
  readonly count: number;
  readonly minutes: number;
}

type Candidate = NewAppointmentRow['appointment'];

/**
 * The first period limit `candidate` would pass, as a `PERIOD_LIMIT` reason, or null. `stored`
 * gives what the database holds for each check (counted under the lock, in the writing
 * transaction); rows `accepted` earlier in the same call count too.
 */
export function exceededLimit(
  candidate: Candidate,
  checks: readonly PeriodLimitCheck[],
  stored: (check: PeriodLimitCheck, index: number) => LimitCount,
  accepted: readonly Candidate[],
): UnavailableReason | null {
  for (const [index, check] of checks.entries()) {
    const from = check.from.getTime();
    const to = check.to.getTime();
    let { count, minutes } = stored(check, index);
    for (const other of accepted) {
      const start = other.start.getTime();
      if (other.providerId !== candidate.providerId || start < from || start >= to) continue;
      if (check.type !== null && other.type !== check.type) continue;
      count += 1;
      minutes += other.durationMinutes;
    }
    const booked = check.measure === 'bookings' ? count : minutes;
    const adds = check.measure === 'bookings' ? 1 : candidate.durationMinutes;
    if (booked + adds > check.limit) return periodLimitReason(check, booked);
  }
  return null;
}
