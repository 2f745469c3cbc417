import { describe, expect, it } from 'vitest';
import { DEFAULT_APPOINTMENT_TYPES, defineAppointmentTypes, ValidationError } from '../../src/index.js';

function issuesOf(action: () => unknown) {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('DEFAULT_APPOINTMENT_TYPES', () => {
  it('is the built-in catalogue with zero buffers', () => {
    expect(Object.fromEntries(DEFAULT_APPOINTMENT_TYPES.map((type) => [type.key, type.durationMinutes]))).toEqual({
      new_patient: 60,
      follow_up: 30,
      urgent: 30,
      consultation: 45,
      routine_checkup: 30,
      acupuncture: 45,
    });
    for (const type of DEFAULT_APPOINTMENT_TYPES) {
      expect(type.bufferBeforeMinutes).toBe(0);
      expect(type.bufferAfterMinutes).toBe(0);
      expect(type.label.length).toBeGreaterThan(0);
    }
  });

  it('passes its own validation', () => {
    expect(defineAppointmentTypes(DEFAULT_APPOINTMENT_TYPES)).toEqual(DEFAULT_APPOINTMENT_TYPES);
  });
});

describe('defineAppointmentTypes', () => {
  it('extends the built-in catalogue and fills defaults', () => {
    const types = defineAppointmentTypes([
      ...DEFAULT_APPOINTMENT_TYPES,
      { key: 'physio', durationMinutes: 50, bufferAfterMinutes: 10 },
    ]);
    expect(types.at(-1)).toEqual({
      key: 'physio',
      label: 'physio',
      durationMinutes: 50,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 10,
    });
    expect(Object.isFrozen(types)).toBe(true);
  });

  it.each([15, 480])('accepts a duration of %i minutes (the edges)', (durationMinutes) => {
    expect(defineAppointmentTypes([{ key: 'edge', durationMinutes }])[0]?.durationMinutes).toBe(durationMinutes);
  });

  it.each([14, 481, 30.5, Number.NaN])('refuses a duration of %s minutes', (durationMinutes) => {
    expect(issuesOf(() => defineAppointmentTypes([{ key: 'edge', durationMinutes }]))).toEqual([
      expect.objectContaining({ path: '[0].durationMinutes' }),
    ]);
  });

  it.each([0, 240])('accepts buffers of %i minutes (the edges)', (minutes) => {
    const [type] = defineAppointmentTypes([
      { key: 'edge', durationMinutes: 30, bufferBeforeMinutes: minutes, bufferAfterMinutes: minutes },
    ]);
    expect(type?.bufferBeforeMinutes).toBe(minutes);
  });

  it.each([-1, 241])('refuses buffers of %i minutes', (minutes) => {
    const issues = issuesOf(() =>
      defineAppointmentTypes([
        { key: 'edge', durationMinutes: 30, bufferBeforeMinutes: minutes, bufferAfterMinutes: minutes },
      ]),
    );
    expect(issues.map((issue) => issue.path)).toEqual(['[0].bufferBeforeMinutes', '[0].bufferAfterMinutes']);
  });

  it('refuses duplicate keys, naming the second entry', () => {
    const issues = issuesOf(() =>
      defineAppointmentTypes([
        { key: 'checkup', durationMinutes: 30 },
        { key: 'checkup', durationMinutes: 45 },
      ]),
    );
    expect(issues).toEqual([expect.objectContaining({ path: '[1].key', code: 'duplicate' })]);
  });

  it.each(['', 'Check Up', '9lives', 'x'.repeat(65)])('refuses the malformed key %j', (key) => {
    expect(issuesOf(() => defineAppointmentTypes([{ key, durationMinutes: 30 }]))[0]?.path).toBe('[0].key');
  });

  it('refuses an empty catalogue', () => {
    expect(issuesOf(() => defineAppointmentTypes([]))).toHaveLength(1);
  });

  it('lists every problem at once', () => {
    const issues = issuesOf(() =>
      defineAppointmentTypes([
        { key: 'ok', durationMinutes: 30 },
        { key: 'Bad', durationMinutes: 5, bufferAfterMinutes: 300 },
      ]),
    );
    expect(issues.map((issue) => issue.path)).toEqual(['[1].key', '[1].durationMinutes', '[1].bufferAfterMinutes']);
  });
});
