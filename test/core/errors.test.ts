import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  SchedulingError,
  StaleVersionError,
  ValidationError,
} from '../../src/index.js';

describe('errors', () => {
  it.each([
    [new ValidationError([{ path: 'start', message: 'Required', code: 'invalid_type' }]), 'VALIDATION_ERROR', 400],
    [new NotFoundError('Appointment', 'a1'), 'NOT_FOUND', 404],
    [new ConflictError(['a1', 'a2']), 'CONFLICT', 409],
    [new InvalidTransitionError('completed', 'cancelled'), 'INVALID_TRANSITION', 409],
    [new StaleVersionError(3, 4), 'STALE_VERSION', 409],
    [new ForbiddenError(), 'FORBIDDEN', 403],
    [new SchedulingError('Database unavailable'), 'INTERNAL_ERROR', 500],
  ])('%s has a stable code and HTTP status', (error, code, httpStatus) => {
    expect(error).toBeInstanceOf(SchedulingError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.httpStatus).toBe(httpStatus);
    expect(error.name).toBe(error.constructor.name);
  });

  it('carries data a caller can render field by field', () => {
    expect(new ConflictError(['a1']).details).toEqual({ conflictingIds: ['a1'] });
    expect(new StaleVersionError(3, 4).details).toEqual({ expectedVersion: 3, actualVersion: 4 });
    expect(new InvalidTransitionError('scheduled', 'completed').details).toEqual({
      from: 'scheduled',
      to: 'completed',
    });
    const validation = ValidationError.forField('recurrence.interval', 'Must be at most 52', 'too_big');
    expect(validation.details).toEqual({
      issues: [{ path: 'recurrence.interval', message: 'Must be at most 52', code: 'too_big' }],
    });
    expect(validation.message).toContain('recurrence.interval');
  });

  it('keeps the cause of a wrapped failure', () => {
    const cause = new Error('SQLITE_IOERR');
    expect(new SchedulingError('Could not save', 'INTERNAL_ERROR', 500, { cause }).cause).toBe(cause);
  });
});
