import type { AppointmentStatus } from '../status.js';

/** The `STATUS` values RFC 5545 allows on a VEVENT. */
export type IcalEventStatus = 'TENTATIVE' | 'CONFIRMED' | 'CANCELLED';

/**
 * The one mapping from an appointment's status to its VEVENT `STATUS`.
 *
 * | Appointment status | VEVENT `STATUS` | Why |
 * |---|---|---|
 * | `scheduled` | `TENTATIVE` | Booked but not yet confirmed by the clinic or patient. |
 * | `confirmed` | `CONFIRMED` | |
 * | `in_progress` | `CONFIRMED` | It is taking place. |
 * | `completed` | `CONFIRMED` | It took place; a calendar keeps past events as they were. |
 * | `no_show` | `CONFIRMED` | The time was held; attendance is not a calendar status. |
 * | `cancelled` | `CANCELLED` | Also sends `METHOD:CANCEL`, or becomes an `EXDATE` in a series. |
 *
 * @example
 * ICAL_STATUS.scheduled; // 'TENTATIVE'
 */
export const ICAL_STATUS: Readonly<Record<AppointmentStatus, IcalEventStatus>> = Object.freeze({
  scheduled: 'TENTATIVE',
  confirmed: 'CONFIRMED',
  in_progress: 'CONFIRMED',
  completed: 'CONFIRMED',
  cancelled: 'CANCELLED',
  no_show: 'CONFIRMED',
});
