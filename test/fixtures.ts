import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import {
  type Appointment,
  type AppointmentStatus,
  createPermissiveDirectory,
  type NewAppointmentRow,
  ROUND_THE_CLOCK_HOURS,
  ValidationError,
} from '../src/index.js';

/** A settable clock for tests: `clock.now` is what the Scheduler sees. */
export function manualClock(start: string) {
  let current = new Date(start);
  return {
    read: () => new Date(current),
    set: (iso: string) => {
      current = new Date(iso);
    },
    advance: (minutes: number) => {
      current = new Date(current.getTime() + minutes * 60_000);
    },
  };
}

export const at = (iso: string) => new Date(iso);

/** A complete new appointment row for the store, 30 minutes from `start` unless overridden. */
export function newRow(overrides: Partial<Omit<Appointment, 'confirmationCode'>> & { start: Date }): NewAppointmentRow {
  const durationMinutes = overrides.durationMinutes ?? 30;
  const createdAt = overrides.createdAt ?? new Date('2026-03-01T08:00:00Z');
  const appointment: Omit<Appointment, 'confirmationCode'> = {
    id: randomUUID(),
    patientId: randomUUID(),
    providerId: 'provider-a',
    type: 'follow_up',
    status: 'scheduled' as AppointmentStatus,
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

/** Catches the rejection of a promise (fails if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** The field paths of the ValidationError `action` throws (fails if it throws anything else or nothing). */
export function validationPaths(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((issue) => issue.path);
  }
  throw new Error('expected a ValidationError');
}

/**
 * The status changes that take a new row (created `scheduled`) into each status, for tests that
 * write by hand: the databases refuse a row inserted straight into any other status.
 */
export const WORKFLOW_PATHS: Readonly<Record<AppointmentStatus, readonly AppointmentStatus[]>> = {
  scheduled: [],
  confirmed: ['confirmed'],
  in_progress: ['confirmed', 'in_progress'],
  completed: ['confirmed', 'in_progress', 'completed'],
  cancelled: ['cancelled'],
  no_show: ['no_show'],
};

/** Every id an active provider taking bookings at any hour of any day (UTC): for tests about stores and races, not hours. */
export const ANY_HOUR_DIRECTORY = createPermissiveDirectory({ weeklyHours: ROUND_THE_CLOCK_HOURS });

/**
 * Input the types would refuse, passed on purpose: the library checks every input at run time,
 * and these tests prove it does.
 */
export function untyped<T>(value: unknown): T {
  return value as T;
}
