import type { SeriesPattern } from './series.js';
import type { AppointmentStatus } from './status.js';

/** Channels a reminder can be sent on. */
export const REMINDER_CHANNELS = ['email', 'sms', 'whatsapp'] as const;
/** A reminder channel. */
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number];

/** A JSON value, as stored in `metadata`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** How a series repeats: a pattern or an RFC 5545 rule (a segment's `rule`, see {@link SeriesPattern}). */
export type StoredRecurrence =
  | {
      readonly frequency: 'daily' | 'weekly' | 'biweekly' | 'monthly';
      readonly interval: number;
      readonly endDate?: string;
      readonly maxOccurrences?: number;
    }
  | { readonly rrule: string };

/** The acting user of a change: recorded in the audit trail and the `*By` fields. */
export interface Actor {
  readonly id: string;
  readonly role?: string;
}

/**
 * An appointment, the library's one record. Instants are `Date`s; `timeZone` is the
 * provider's IANA zone at booking.
 */
export interface Appointment {
  readonly id: string;
  readonly patientId: string;
  readonly providerId: string;
  /** Appointment type key. */
  readonly type: string;
  readonly status: AppointmentStatus;
  readonly start: Date;
  /** `start + durationMinutes`. */
  readonly end: Date;
  readonly durationMinutes: number;
  /** Snapshot of the type's buffer at booking. */
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
  readonly timeZone: string;
  readonly reason: string | null;
  readonly notes: string | null;
  /** `APT-YYYY-NNNN`, unique. */
  readonly confirmationCode: string;
  readonly confirmedAt: Date | null;
  readonly checkedInAt: Date | null;
  readonly checkedOutAt: Date | null;
  readonly cancellationReason: string | null;
  readonly cancelledAt: Date | null;
  readonly cancelledBy: string | null;
  readonly noShowAt: Date | null;
  readonly seriesId: string | null;
  /** Position in the series' expansion (0 = its first); skipped occurrences leave gaps. */
  readonly occurrenceIndex: number | null;
  /**
   * The series' pattern as it stands now (its segments), on the series' carrier occurrence (the
   * first one created) only; null on every other appointment.
   */
  readonly recurrence: SeriesPattern | null;
  /**
   * The resources it holds besides its provider (rooms, devices, places in a class), by id, in
   * the order asked; fixed at booking.
   */
  readonly resources: readonly string[];
  /** Per channel: when the reminder was claimed as sent, or null. */
  readonly reminders: Readonly<Record<ReminderChannel, Date | null>>;
  readonly idempotencyKey: string | null;
  /** +1 on every change (optimistic concurrency). */
  readonly version: number;
  /** Host-defined JSON, stored and returned untouched. */
  readonly metadata: Readonly<Record<string, JsonValue>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly createdBy: string;
  readonly updatedBy: string;
}

/** What an audit entry records. */
export const AUDIT_ACTIONS = [
  'created',
  'updated',
  'rescheduled',
  'confirmed',
  'checked_in',
  'completed',
  'cancelled',
  'no_show',
  'reminder_sent',
  'viewed',
  'listed',
] as const;
/** The audit actions that record reads, not changes: they leave the version as it was. */
export const READ_AUDIT_ACTIONS = Object.freeze(['viewed', 'listed'] as const);

/** An audit action; `viewed` and `listed` are written only when read auditing is on. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** A staff override of the booking rules, as the audit trail records it. */
export interface AuditOverride {
  /** Why the rules were set aside, as the staff member gave it. */
  readonly reason: string;
  /** The codes of the rules that would have refused (empty if none did). */
  readonly bypassed: readonly string[];
}

/** Before and after of each field a change touched. */
export type FieldChanges = Readonly<Record<string, { readonly before: unknown; readonly after: unknown }>>;

/** One line of the audit trail. */
export interface AuditEntry {
  readonly id: string;
  readonly appointmentId: string;
  readonly action: AuditAction;
  readonly actorId: string | null;
  readonly at: Date;
  /**
   * The appointment version this entry produced (a change) or saw (a read): the trail is ordered
   * by it, so skewed clocks on several app servers cannot reorder it.
   */
  readonly version: number;
  readonly changes: FieldChanges;
  /** Set when a booking or reschedule overrode the provider's rules. */
  readonly override: AuditOverride | null;
}
