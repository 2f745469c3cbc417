import { newAppointmentRow } from 'appointment-kit/testing';
import { expect } from 'vitest';
import {
  type AppointmentStatus,
  createPermissiveDirectory,
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
export const newRow = newAppointmentRow;

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
