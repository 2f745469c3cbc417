import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createSchemas,
  DEFAULT_APPOINTMENT_TYPES,
  defineAppointmentTypes,
  parseInput,
  schemas,
  ValidationError,
} from '../../src/index.js';

const PATIENT = '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d';
const PROVIDER = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const validBooking = {
  patientId: PATIENT,
  providerId: PROVIDER,
  type: 'follow_up',
  start: '2026-03-02T09:00:00Z',
};

function issues(schema: z.ZodType, input: unknown) {
  try {
    parseInput(schema, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}
const paths = (schema: z.ZodType, input: unknown) => issues(schema, input).map((issue) => issue.path);

describe('schemas.createAppointment', () => {
  it('accepts ISO strings and Dates and produces Dates', () => {
    const fromString = parseInput(schemas.createAppointment, validBooking);
    expect(fromString.start).toEqual(new Date('2026-03-02T09:00:00Z'));
    const withOffset = parseInput(schemas.createAppointment, { ...validBooking, start: '2026-03-02T10:00:00+01:00' });
    expect(withOffset.start).toEqual(new Date('2026-03-02T09:00:00Z'));
    const fromDate = parseInput(schemas.createAppointment, {
      ...validBooking,
      start: new Date('2026-03-02T09:00:00Z'),
    });
    expect(fromDate.start).toEqual(fromString.start);
  });

  it.each(['2026-03-02T09:00:00', '2026-03-02', 'tomorrow', 1_772_442_000_000, new Date('invalid')])(
    'refuses the start %j naming start',
    (start) => {
      expect(paths(schemas.createAppointment, { ...validBooking, start })).toEqual(['start']);
    },
  );

  it.each([
    ['durationMinutes', 15, true],
    ['durationMinutes', 480, true],
    ['durationMinutes', 14, false],
    ['durationMinutes', 481, false],
    ['durationMinutes', 30.5, false],
    ['reason', 'r'.repeat(2000), true],
    ['reason', 'r'.repeat(2001), false],
    ['notes', 'n'.repeat(5000), true],
    ['notes', 'n'.repeat(5001), false],
    ['idempotencyKey', 'k'.repeat(200), true],
    ['idempotencyKey', 'k'.repeat(201), false],
    ['idempotencyKey', '', false],
    ['metadata', { source: 'web', tags: ['a'], nested: { n: 1 } }, true],
    ['metadata', ['not', 'an', 'object'], false],
    ['type', 'acupuncture', true],
    ['type', 'massage', false],
    ['patientId', 'not-a-uuid', false],
    ['providerId', 42, false],
  ])('%s = %j → %s', (field, value, valid) => {
    const input = { ...validBooking, [field]: value };
    if (valid) expect(parseInput(schemas.createAppointment, input)[field as keyof typeof input]).toEqual(value);
    else expect(paths(schemas.createAppointment, input)).toEqual([field]);
  });

  it('lists every failing field at once, unknown fields included', () => {
    const found = issues(schemas.createAppointment, {
      patientId: 'x',
      type: 'massage',
      start: 'later',
      durationMinutes: 1000,
      colour: 'red',
    });
    expect(found.map((issue) => issue.path).sort()).toEqual(
      ['colour', 'durationMinutes', 'patientId', 'providerId', 'start', 'type'].sort(),
    );
    expect(found.find((issue) => issue.path === 'colour')?.code).toBe('unrecognized_keys');
  });

  it('names nested recurrence fields', () => {
    expect(
      paths(schemas.createAppointment, { ...validBooking, recurrence: { frequency: 'weekly', interval: 53 } }),
    ).toEqual(['recurrence.interval']);
  });
});

describe('schemas.recurrence', () => {
  it.each([
    [{ frequency: 'weekly', interval: 1 }, true],
    [{ frequency: 'weekly', interval: 52 }, true],
    [{ frequency: 'weekly', interval: 0 }, false],
    [{ frequency: 'weekly', interval: 53 }, false],
    [{ frequency: 'daily', maxOccurrences: 1 }, true],
    [{ frequency: 'daily', maxOccurrences: 100 }, true],
    [{ frequency: 'daily', maxOccurrences: 0 }, false],
    [{ frequency: 'daily', maxOccurrences: 101 }, false],
    [{ frequency: 'monthly', endDate: '2026-12-31' }, true],
    [{ frequency: 'monthly', endDate: '2026-12-31T23:00:00Z' }, true],
    [{ frequency: 'monthly', endDate: '31/12/2026' }, false],
    [{ rrule: 'FREQ=WEEKLY;BYDAY=MO' }, true],
    [{ rrule: '' }, false],
    [{ rrule: 'FREQ=DAILY', maxOccurrences: 3 }, false],
  ])('%j → %s', (recurrence, valid) => {
    if (valid) expect(() => parseInput(schemas.recurrence, recurrence)).not.toThrow();
    else expect(issues(schemas.recurrence, recurrence)).toHaveLength(1);
  });

  it('defaults the interval to 1 and turns an ISO endDate into a Date', () => {
    expect(parseInput(schemas.recurrence, { frequency: 'weekly', endDate: '2026-12-31T23:00:00Z' })).toEqual({
      frequency: 'weekly',
      interval: 1,
      endDate: new Date('2026-12-31T23:00:00Z'),
    });
  });
});

describe('schemas.updateAppointment and rescheduleAppointment', () => {
  it('needs at least one field and allows clearing with null', () => {
    expect(issues(schemas.updateAppointment, {})).toHaveLength(1);
    expect(parseInput(schemas.updateAppointment, { notes: null })).toEqual({ notes: null });
    expect(paths(schemas.updateAppointment, { start: '2026-03-02T09:00:00Z' })).toContain('start');
  });

  it('reschedules with a start and an optional duration', () => {
    expect(parseInput(schemas.rescheduleAppointment, { start: '2026-03-02T09:00:00Z', durationMinutes: '45' })).toEqual(
      {
        start: new Date('2026-03-02T09:00:00Z'),
        durationMinutes: 45,
      },
    );
    expect(paths(schemas.rescheduleAppointment, { durationMinutes: 30 })).toEqual(['start']);
  });
});

describe('schemas.cancelAppointment', () => {
  it.each([
    ['', false],
    ['   ', false],
    ['x', true],
    ['x'.repeat(2000), true],
    ['x'.repeat(2001), false],
  ])('reason of length %# → %s', (reason, valid) => {
    if (valid) expect(parseInput(schemas.cancelAppointment, { reason }).reason).toBe(reason);
    else expect(paths(schemas.cancelAppointment, { reason })).toEqual(['reason']);
  });

  it('requires the reason', () => {
    expect(paths(schemas.cancelAppointment, {})).toEqual(['reason']);
  });
});

describe('schemas.listAppointmentsQuery', () => {
  it('fills defaults and reads query-string text', () => {
    expect(parseInput(schemas.listAppointmentsQuery, {})).toEqual({ limit: 20, offset: 0, order: 'asc' });
    expect(
      parseInput(schemas.listAppointmentsQuery, {
        limit: '100',
        offset: '0',
        status: 'scheduled,confirmed',
        order: 'desc',
      }),
    ).toEqual({ limit: 100, offset: 0, status: ['scheduled', 'confirmed'], order: 'desc' });
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ offset: -1 }, 'offset'],
    [{ status: 'waiting' }, 'status[0]'],
    [{ order: 'random' }, 'order'],
    [{ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }, 'to'],
  ])('refuses %j naming %s', (query, path) => {
    expect(paths(schemas.listAppointmentsQuery, query)).toEqual([path]);
  });
});

describe('schemas.availabilityQuery', () => {
  it('takes a date or a range, and a type or a duration', () => {
    expect(
      parseInput(schemas.availabilityQuery, {
        providerId: PROVIDER,
        date: '2026-03-02',
        type: 'urgent',
        includeUnavailable: 'true',
      }),
    ).toEqual({ providerId: PROVIDER, date: '2026-03-02', type: 'urgent', includeUnavailable: true });
    expect(paths(schemas.availabilityQuery, { providerId: PROVIDER, type: 'urgent' })).toEqual(['date']);
    expect(paths(schemas.availabilityQuery, { providerId: PROVIDER, from: '2026-03-02', type: 'urgent' })).toEqual([
      'to',
    ]);
    expect(paths(schemas.availabilityQuery, { providerId: PROVIDER, date: '2026-03-02' })).toEqual(['type']);
    expect(
      paths(schemas.availabilityQuery, {
        providerId: PROVIDER,
        from: '2026-03-05',
        to: '2026-03-02',
        durationMinutes: 30,
      }),
    ).toEqual(['to']);
  });
});

describe('createSchemas', () => {
  it('validates ids with the host’s own schema and types from the host’s catalogue', () => {
    const custom = createSchemas({
      idSchema: z.string().regex(/^pat_|^doc_/, 'Must be a pat_ or doc_ id'),
      appointmentTypes: defineAppointmentTypes([...DEFAULT_APPOINTMENT_TYPES, { key: 'physio', durationMinutes: 50 }]),
    });
    const parsed = parseInput(custom.createAppointment, {
      ...validBooking,
      patientId: 'pat_1',
      providerId: 'doc_9',
      type: 'physio',
    });
    expect(parsed.type).toBe('physio');
    expect(paths(custom.createAppointment, { ...validBooking, patientId: 'p1', providerId: 'doc_9' })).toEqual([
      'patientId',
    ]);
  });
});

describe('parseInput', () => {
  it('puts the prefix before each path', () => {
    expect(paths(schemas.recurrence, { frequency: 'weekly', interval: 0 })).toEqual(['interval']);
    expect(() => parseInput(schemas.recurrence, { frequency: 'weekly', interval: 0 }, 'recurrence')).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'recurrence.interval' })] }),
    );
  });
});
