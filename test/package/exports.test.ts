import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

// Runs a snippet in a fresh Node process inside the package, so `appointment-kit` resolves
// through package.json's `exports` to the built files exactly as it will for a user.
function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

const SNIPPET = `
const slots = generateSlots({ timeZone: 'Europe/London', date: '2026-03-30', durationMinutes: 60 });
console.log(JSON.stringify({ count: slots.length, first: slots[0].start.toISOString(), error: new ValidationError([]).code }));
`;

describe('the built package', () => {
  const expected = { count: 19, first: '2026-03-30T07:00:00.000Z', error: 'VALIDATION_ERROR' };

  it('imports from ESM', () => {
    const output = runNode([
      '--input-type=module',
      '-e',
      `import { generateSlots, ValidationError } from 'appointment-kit';${SNIPPET}`,
    ]);
    expect(JSON.parse(output)).toEqual(expected);
  });

  it('requires from CommonJS', () => {
    const output = runNode([
      '--input-type=commonjs',
      '-e',
      `const { generateSlots, ValidationError } = require('appointment-kit');${SNIPPET}`,
    ]);
    expect(JSON.parse(output)).toEqual(expected);
  });

  it('keeps every error class its own name in ESM and CommonJS, whatever the bundler renamed', () => {
    // Each exported class whose name ends in Error, made without arguments it would need.
    const body = `
const names = Object.entries(kit)
  .filter(([name, value]) => typeof value === 'function' && name.endsWith('Error'))
  .map(([name, Class]) => [name, Reflect.construct(Class, name === 'ValidationError' || name === 'ConflictError' || name === 'UnavailableError' ? [[]] : ['a', 'b', 'c', 'd']).name]);
console.log(JSON.stringify(names));`;
    const esm = JSON.parse(runNode(['--input-type=module', '-e', `import * as kit from 'appointment-kit';${body}`]));
    const cjs = JSON.parse(runNode(['--input-type=commonjs', '-e', `const kit = require('appointment-kit');${body}`]));
    for (const names of [esm, cjs] as Array<Array<[string, string]>>) {
      expect(names.length).toBeGreaterThanOrEqual(12);
      for (const [exported, name] of names) expect(name).toBe(exported);
    }
  });

  it('gives ESM and CommonJS users the same public names', () => {
    const esm = runNode([
      '--input-type=module',
      '-e',
      `import * as kit from 'appointment-kit'; console.log(Object.keys(kit).sort().join(','))`,
    ]);
    const cjs = runNode([
      '--input-type=commonjs',
      '-e',
      `console.log(Object.keys(require('appointment-kit')).sort().join(','))`,
    ]);
    expect(esm).toBe(cjs);
    expect(esm.split(',')).toEqual(
      expect.arrayContaining(['generateSlots', 'expandRecurrence', 'findOverlaps', 'schemas']),
    );
  });
});

describe('appointment-kit/sqlite', () => {
  const snippet = (load: string) => `${load}
(async () => {
  const store = createSqliteStore({ filename: ':memory:' });
  await store.migrate();
  const scheduler = createScheduler({ store, directory: createPermissiveDirectory(), clock: () => new Date('2026-03-01T00:00:00Z') });
  const booking = { patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d', providerId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d', type: 'urgent', start: '2026-03-02T09:00:00Z' };
  await scheduler.book(booking, { id: 'u' });
  const error = await scheduler.book(booking, { id: 'u' }).catch((e) => e);
  console.log(JSON.stringify({ sameClass: error instanceof ConflictError, code: error.code }));
  await store.close();
})();`;

  it('works from ESM and CommonJS, sharing the core’s error classes', () => {
    const esm = runNode([
      '--input-type=module',
      '-e',
      snippet(
        `import { createPermissiveDirectory, createScheduler, ConflictError } from 'appointment-kit'; import { createSqliteStore } from 'appointment-kit/sqlite';`,
      ),
    ]);
    const cjs = runNode([
      '--input-type=commonjs',
      '-e',
      snippet(
        `const { createPermissiveDirectory, createScheduler, ConflictError } = require('appointment-kit'); const { createSqliteStore } = require('appointment-kit/sqlite');`,
      ),
    ]);
    expect(JSON.parse(esm)).toEqual({ sameClass: true, code: 'CONFLICT' });
    expect(JSON.parse(cjs)).toEqual({ sameClass: true, code: 'CONFLICT' });
  });
});

describe('appointment-kit/postgres', () => {
  it('works from ESM and CommonJS against the test server, sharing the core’s error classes', () => {
    const url = inject('databaseUrl');
    const body = (schema: string) => `
(async () => {
  const store = createPostgresStore({ connectionString: ${JSON.stringify(url)}, schema: '${schema}' });
  await store.migrate();
  const scheduler = createScheduler({ store, directory: createPermissiveDirectory(), clock: () => new Date('2026-03-01T00:00:00Z') });
  const booking = { patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d', providerId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d', type: 'urgent', start: '2026-03-02T09:00:00Z' };
  await scheduler.book(booking, { id: 'u' });
  const error = await scheduler.book(booking, { id: 'u' }).catch((e) => e);
  console.log(JSON.stringify({ sameClass: error instanceof ConflictError, code: error.code }));
  await store.close();
})();`;
    const suffix = Math.random().toString(36).slice(2, 10);
    const esm = runNode([
      '--input-type=module',
      '-e',
      `import { createPermissiveDirectory, createScheduler, ConflictError } from 'appointment-kit'; import { createPostgresStore } from 'appointment-kit/postgres';${body(`esm_${suffix}`)}`,
    ]);
    const cjs = runNode([
      '--input-type=commonjs',
      '-e',
      `const { createPermissiveDirectory, createScheduler, ConflictError } = require('appointment-kit'); const { createPostgresStore } = require('appointment-kit/postgres');${body(`cjs_${suffix}`)}`,
    ]);
    expect(JSON.parse(esm)).toEqual({ sameClass: true, code: 'CONFLICT' });
    expect(JSON.parse(cjs)).toEqual({ sameClass: true, code: 'CONFLICT' });
  });
});

describe('appointment-kit/ical and appointment-kit/fhir', () => {
  // One appointment as both formats, from either module system, through the built files.
  const appointment = `{
    id: '0f8e2c4a-6b1d-4e3f-9a7c-5d2b8e1f4a6c', patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d',
    providerId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d', type: 'follow_up', status: 'confirmed',
    start: new Date('2030-03-04T09:00:00Z'), end: new Date('2030-03-04T09:30:00Z'), durationMinutes: 30,
    bufferBeforeMinutes: 0, bufferAfterMinutes: 0, timeZone: 'Europe/London', reason: null, notes: null,
    confirmationCode: 'APT-2030-0001', confirmedAt: new Date('2030-03-01T09:00:00Z'), checkedInAt: null,
    checkedOutAt: null, cancellationReason: null, cancelledAt: null, cancelledBy: null, noShowAt: null,
    seriesId: null, occurrenceIndex: null, recurrence: null, reminders: { email: null, sms: null, whatsapp: null },
    idempotencyKey: null, version: 2, metadata: {}, createdAt: new Date('2030-03-01T08:00:00Z'),
    updatedAt: new Date('2030-03-01T09:00:00Z'), createdBy: 'u', updatedBy: 'u' }`;
  const body = `
const appointment = ${appointment};
const text = appointmentToIcal(appointment);
const fhir = toFhirAppointment(appointment);
console.log(JSON.stringify({ uid: /UID:(\\S+)/.exec(text)[1], sequence: /SEQUENCE:(\\d+)/.exec(text)[1], status: fhir.status }));`;
  const expected = { uid: '0f8e2c4a-6b1d-4e3f-9a7c-5d2b8e1f4a6c', sequence: '1', status: 'booked' };

  it('import from ESM', () => {
    const output = runNode([
      '--input-type=module',
      '-e',
      `import { appointmentToIcal } from 'appointment-kit/ical'; import { toFhirAppointment } from 'appointment-kit/fhir';${body}`,
    ]);
    expect(JSON.parse(output)).toEqual(expected);
  });

  it('require from CommonJS', () => {
    const output = runNode([
      '--input-type=commonjs',
      '-e',
      `const { appointmentToIcal } = require('appointment-kit/ical'); const { toFhirAppointment } = require('appointment-kit/fhir');${body}`,
    ]);
    expect(JSON.parse(output)).toEqual(expected);
  });
});
