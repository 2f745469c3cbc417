import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type BookingInput,
  BusyError,
  ConfigurationError,
  ConflictError,
  createPermissiveDirectory,
  createScheduler,
  ForbiddenError,
  IdempotencyMismatchError,
  InvalidTransitionError,
  NotFoundError,
  type Scheduler,
  SchedulingError,
  StaleVersionError,
  StorageFullError,
  UnavailableError,
  ValidationError,
  type ValidationIssueCode,
} from '../../src/index.js';

/** Every error class, made with plausible arguments. */
const ERRORS = [
  new SchedulingError('failed'),
  new ValidationError([]),
  new NotFoundError('Appointment', 'x'),
  new ConflictError([]),
  new InvalidTransitionError('completed', 'cancelled'),
  new StaleVersionError(1, 2),
  new ForbiddenError(),
  new UnavailableError([]),
  new ConfigurationError('provider', 'p', 'timeZone', 'unknown zone'),
  new IdempotencyMismatchError('key'),
  new BusyError(),
  new StorageFullError(),
] as const;

describe('the typed surface', () => {
  it('names every error after its class, so logs and JSON say what it is', () => {
    expect(ERRORS.map((error) => error.name)).toEqual(ERRORS.map((error) => error.constructor.name));
    expect(ERRORS.map((error) => error.name)).toContain('ValidationError');
  });

  it('gives each error class its literal code', () => {
    expectTypeOf<ConflictError['code']>().toEqualTypeOf<'CONFLICT'>();
    expectTypeOf<ValidationError['code']>().toEqualTypeOf<'VALIDATION_ERROR'>();
    expectTypeOf<UnavailableError['code']>().toEqualTypeOf<'UNAVAILABLE'>();
    expectTypeOf<ValidationError['issues'][number]['code']>().toEqualTypeOf<ValidationIssueCode>();
    expect(new ConflictError([]).code).toBe('CONFLICT');
  });

  it('types every method from the schemas’ input types: strings or Dates, and nothing else', () => {
    const scheduler: Scheduler = createScheduler({ store: undefined as never, directory: createPermissiveDirectory() });
    const actor = { id: 'reception' };
    // The calls below are only type-checked (by `tsc` in `npm run check`), never run.
    const typeCheckOnly = (run: () => unknown) => expect(typeof run).toBe('function');
    typeCheckOnly(() =>
      scheduler.book({ patientId: 'a', providerId: 'b', type: 'follow_up', start: new Date() }, actor),
    );
    typeCheckOnly(() =>
      scheduler.book(
        { patientId: 'a', providerId: 'b', type: 'follow_up', start: '2030-03-04T09:00:00Z', durationMinutes: 45 },
        actor,
        { override: { reason: 'Saturday clinic' } },
      ),
    );
    // @ts-expect-error: misspelt field, wrong types
    typeCheckOnly(() => scheduler.book({ patientID: 1, start: 42 }, actor));
    // @ts-expect-error: a start must be a Date or an ISO string
    typeCheckOnly(() => scheduler.book({ patientId: 'a', providerId: 'b', type: 'x', start: 42 }, actor));
    // @ts-expect-error: metadata is JSON
    typeCheckOnly(() => scheduler.update('id', { metadata: { when: new Date() } }, actor));
    typeCheckOnly(() => scheduler.availability({ providerId: 'b', date: '2030-03-04', type: 'follow_up' }));
    // @ts-expect-error: availability needs a provider
    typeCheckOnly(() => scheduler.availability({ date: '2030-03-04' }));
    typeCheckOnly(() => scheduler.list({ status: ['scheduled', 'confirmed'], limit: 10 }));
    // @ts-expect-error: not a status
    typeCheckOnly(() => scheduler.list({ status: ['waiting'] }));
    expectTypeOf<BookingInput['start']>().toEqualTypeOf<string | Date>();
    expectTypeOf<Scheduler['book']>().returns.resolves.toHaveProperty('appointment');
  });
});
