import { randomUUID } from 'node:crypto';
import type { Appointment } from '../appointment.js';
import type { NewAppointmentRow } from '../store.js';

/** What {@link newAppointmentRow} takes: any appointment field, and the start it needs. */
export type NewAppointmentRowOverrides = Partial<Omit<Appointment, 'confirmationCode'>> & { readonly start: Date };

/**
 * A complete, valid row for `AppointmentStore.insertAppointments`: a `scheduled`, 30-minute
 * `follow_up` with provider `provider-a`, fresh random ids, no buffers, created by `user-1` at
 * 2026-03-01T08:00Z, with its `created` audit entry (version 1). `end` follows from `start` and
 * `durationMinutes` unless given; every other field can be overridden.
 *
 * It is what the conformance suite inserts, exported so a store's own tests can write rows the
 * same way. It bypasses the Scheduler's rules (working hours, notice, limits): it is for testing
 * a store, not for booking.
 *
 * @example
 * ```ts
 * import { newAppointmentRow } from 'appointment-kit/testing';
 *
 * const row = newAppointmentRow({ start: new Date('2026-03-02T09:00:00Z'), providerId: 'dr-lee' });
 * await store.insertAppointments([row], { onConflict: 'fail' });
 * ```
 */
export function newAppointmentRow(overrides: NewAppointmentRowOverrides): NewAppointmentRow {
  const durationMinutes = overrides.durationMinutes ?? 30;
  const createdAt = overrides.createdAt ?? new Date('2026-03-01T08:00:00Z');
  const appointment: Omit<Appointment, 'confirmationCode'> = {
    id: randomUUID(),
    patientId: randomUUID(),
    providerId: 'provider-a',
    type: 'follow_up',
    status: 'scheduled',
    end: new Date(overrides.start.getTime() + durationMinutes * 60_000),
    durationMinutes,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    timeZone: 'Europe/London',
    reason: null,
    notes: null,
    confirmedAt: null,
    checkedInAt: null,
    checkedOutAt: null,
    cancellationReason: null,
    cancelledAt: null,
    cancelledBy: null,
    noShowAt: null,
    seriesId: null,
    occurrenceIndex: null,
    recurrence: null,
    resources: [],
    reminders: { email: null, sms: null, whatsapp: null },
    idempotencyKey: null,
    version: 1,
    metadata: {},
    createdAt,
    updatedAt: createdAt,
    createdBy: 'user-1',
    updatedBy: 'user-1',
    ...overrides,
  };
  return {
    appointment,
    audit: {
      id: randomUUID(),
      appointmentId: appointment.id,
      action: 'created',
      actorId: 'user-1',
      at: createdAt,
      version: 1,
      changes: {},
    },
  };
}
