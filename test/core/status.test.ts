import { describe, expect, it } from 'vitest';
import {
  APPOINTMENT_STATUSES,
  type AppointmentStatus,
  assertTransition,
  canTransition,
  InvalidTransitionError,
  isFinalStatus,
  isOccupyingStatus,
  STATUS_TRANSITIONS,
} from '../../src/index.js';

// The workflow written out pair by pair: the reference the table is checked against.
const ALLOWED = new Set([
  'scheduled>confirmed',
  'scheduled>cancelled',
  'scheduled>no_show',
  'confirmed>in_progress',
  'confirmed>cancelled',
  'confirmed>no_show',
  'in_progress>completed',
]);

describe('status workflow', () => {
  it('has exactly the six statuses', () => {
    expect([...APPOINTMENT_STATUSES].sort()).toEqual(
      ['cancelled', 'completed', 'confirmed', 'in_progress', 'no_show', 'scheduled'].sort(),
    );
  });

  describe('the full 6×6 transition matrix', () => {
    for (const from of APPOINTMENT_STATUSES) {
      for (const to of APPOINTMENT_STATUSES) {
        const allowed = ALLOWED.has(`${from}>${to}`);
        it(`${allowed ? 'allows' : 'refuses'} ${from} → ${to}`, () => {
          expect(canTransition(from, to)).toBe(allowed);
          expect(STATUS_TRANSITIONS[from].includes(to)).toBe(allowed);
          if (allowed) {
            expect(() => assertTransition(from, to)).not.toThrow();
          } else {
            const error = catchError(() => assertTransition(from, to));
            expect(error).toBeInstanceOf(InvalidTransitionError);
            expect(error).toMatchObject({ code: 'INVALID_TRANSITION', httpStatus: 409, from, to });
          }
        });
      }
    }
  });

  it('marks completed, cancelled and no_show as final and nothing else', () => {
    const finals = APPOINTMENT_STATUSES.filter(isFinalStatus);
    expect(finals.sort()).toEqual(['cancelled', 'completed', 'no_show']);
  });

  it('treats every status but cancelled and no_show as occupying the provider', () => {
    const occupying = APPOINTMENT_STATUSES.filter(isOccupyingStatus);
    expect(occupying.sort()).toEqual(['completed', 'confirmed', 'in_progress', 'scheduled']);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(STATUS_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(STATUS_TRANSITIONS.scheduled)).toBe(true);
    expect(() => (STATUS_TRANSITIONS.scheduled as AppointmentStatus[]).push('in_progress')).toThrow();
  });
});

function catchError(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
