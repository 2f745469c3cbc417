import { randomUUID } from 'node:crypto';
import { createScheduler, type Scheduler } from 'appointment-kit';
import { createSqliteStore, type SqliteStore } from 'appointment-kit/sqlite';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import { PERMISSIONS, type Permission } from '../../examples/express/auth.js';
import {
  authenticateDemoToken,
  DEMO_PATIENTS,
  DEMO_PROVIDERS,
  demoDirectory,
} from '../../examples/express/demo-data.js';
import { manualClock } from '../fixtures.js';

const LONDON = DEMO_PROVIDERS[0]?.id as string;
const NEW_YORK = DEMO_PROVIDERS[1]?.id as string;
const ALICE = DEMO_PATIENTS[0]?.id as string;
const BOB = DEMO_PATIENTS[1]?.id as string;
const TOKENS = { admin: 'demo-admin', doctor: 'demo-doctor', receptionist: 'demo-receptionist' } as const;
type Role = keyof typeof TOKENS;

let store: SqliteStore;
let scheduler: Scheduler;
let app: ReturnType<typeof createApp>;
let clock: ReturnType<typeof manualClock>;

beforeEach(async () => {
  store = createSqliteStore({ filename: ':memory:' });
  await store.migrate();
  clock = manualClock('2026-03-01T12:00:00Z');
  scheduler = createScheduler({ store, directory: demoDirectory, clock: clock.read });
  app = createApp({
    scheduler,
    authenticate: authenticateDemoToken,
    providers: DEMO_PROVIDERS,
    patients: DEMO_PATIENTS,
    clock: clock.read,
  });
});
afterEach(async () => {
  await store.close();
});

const as = (role: Role) => ({ Authorization: `Bearer ${TOKENS[role]}` });
const booking = (start: string, extra: Record<string, unknown> = {}) => ({
  patientId: ALICE,
  providerId: LONDON,
  type: 'follow_up',
  start,
  ...extra,
});
async function book(start = '2026-03-02T10:00:00Z', extra: Record<string, unknown> = {}) {
  const response = await request(app).post('/api/v1/appointments').set(as('receptionist')).send(booking(start, extra));
  expect(response.status).toBe(201);
  return response.body.appointment as { id: string; version: number; start: string; seriesId: string | null };
}
const errorOf = (response: request.Response) =>
  response.body.error as { code: string; message: string; details: Record<string, unknown> };

describe('POST /api/v1/appointments', () => {
  it('books: 201 with Location and ETag', async () => {
    const response = await request(app)
      .post('/api/v1/appointments')
      .set(as('doctor'))
      .send(booking('2026-03-02T10:00:00Z'));
    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`/api/v1/appointments/${response.body.appointment.id}`);
    expect(response.headers.etag).toBe('"1"');
    expect(response.body.appointment).toMatchObject({
      status: 'scheduled',
      start: '2026-03-02T10:00:00.000Z',
      timeZone: 'Europe/London',
    });
  });

  it('400 with each failing field', async () => {
    const response = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send({ patientId: 'x', providerId: LONDON, type: 'massage', start: 'soon' });
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('VALIDATION_ERROR');
    const paths = (errorOf(response).details.issues as Array<{ path: string }>).map((issue) => issue.path).sort();
    expect(paths).toEqual(['patientId', 'start', 'type']);
  });

  it('404 for an unknown provider, 409 with conflictingIds for a taken time', async () => {
    const unknown = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send(booking('2026-03-02T10:00:00Z', { providerId: randomUUID() }));
    expect(unknown.status).toBe(404);
    const first = await book();
    const clash = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send(booking('2026-03-02T10:15:00Z', { patientId: BOB }));
    expect(clash.status).toBe(409);
    expect(errorOf(clash)).toMatchObject({ code: 'CONFLICT', details: { conflictingIds: [first.id] } });
  });

  it('replays a retry with the same Idempotency-Key', async () => {
    const send = () =>
      request(app)
        .post('/api/v1/appointments')
        .set(as('receptionist'))
        .set('Idempotency-Key', 'abc-123')
        .send(booking('2026-03-02T10:00:00Z'));
    const [first, second] = [await send(), await send()];
    expect(second.status).toBe(201);
    expect(second.body.appointment.id).toBe(first.body.appointment.id);
    expect((await scheduler.list()).total).toBe(1);
  });

  it('books a series and reports the skipped occurrences', async () => {
    await book('2026-03-09T10:00:00Z', { patientId: BOB });
    const response = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send(booking('2026-03-02T10:00:00Z', { recurrence: { frequency: 'weekly', maxOccurrences: 3 } }));
    expect(response.status).toBe(201);
    expect(response.body.series.created).toHaveLength(2);
    expect(response.body.series.skipped).toHaveLength(1);
  });

  it('400 for malformed JSON, 413 for a body over 100 kB, never a stack trace', async () => {
    const malformed = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .set('Content-Type', 'application/json')
      .send('{"patientId":');
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed).code).toBe('MALFORMED_JSON');
    const huge = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send(booking('2026-03-02T10:00:00Z', { notes: 'x'.repeat(120_000) }));
    expect(huge.status).toBe(413);
    expect(errorOf(huge).code).toBe('PAYLOAD_TOO_LARGE');
    for (const response of [malformed, huge])
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts|SELECT|INSERT/);
  });
});

describe('GET /api/v1/appointments/:id, PUT and workflow actions', () => {
  it('reads with an ETag; 404 for an unknown id', async () => {
    const created = await book();
    const response = await request(app).get(`/api/v1/appointments/${created.id}`).set(as('doctor'));
    expect(response.status).toBe(200);
    expect(response.headers.etag).toBe('"1"');
    expect((await request(app).get(`/api/v1/appointments/${randomUUID()}`).set(as('doctor'))).status).toBe(404);
  });

  it('updates details with If-Match, and answers 412 when the ETag is stale', async () => {
    const created = await book();
    const updated = await request(app)
      .put(`/api/v1/appointments/${created.id}`)
      .set(as('doctor'))
      .set('If-Match', '"1"')
      .send({ notes: 'Bring X-rays' });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    expect(updated.body.notes).toBe('Bring X-rays');
    const stale = await request(app)
      .put(`/api/v1/appointments/${created.id}`)
      .set(as('doctor'))
      .set('If-Match', '"1"')
      .send({ notes: 'lost' });
    expect(stale.status).toBe(412);
    expect(errorOf(stale)).toMatchObject({ code: 'STALE_VERSION', details: { expectedVersion: 1, actualVersion: 2 } });
    const bad = await request(app)
      .put(`/api/v1/appointments/${created.id}`)
      .set(as('doctor'))
      .set('If-Match', 'whatever')
      .send({ notes: 'x' });
    expect(bad.status).toBe(400);
  });

  it('reschedules with start; refuses mixing time and details', async () => {
    const created = await book();
    const moved = await request(app)
      .put(`/api/v1/appointments/${created.id}`)
      .set(as('receptionist'))
      .send({ start: '2026-03-03T14:00:00Z' });
    expect(moved.status).toBe(200);
    expect(moved.body.start).toBe('2026-03-03T14:00:00.000Z');
    const mixed = await request(app)
      .put(`/api/v1/appointments/${created.id}`)
      .set(as('receptionist'))
      .send({ start: '2026-03-04T14:00:00Z', notes: 'x' });
    expect(mixed.status).toBe(400);
    const other = await book('2026-03-02T11:00:00Z', { patientId: BOB });
    const clash = await request(app)
      .put(`/api/v1/appointments/${created.id}`)
      .set(as('receptionist'))
      .send({ start: other.start });
    expect(clash.status).toBe(409);
  });

  it('confirms, checks in, completes; 409 for a transition the workflow refuses', async () => {
    const created = await book();
    const path = (action: string) => `/api/v1/appointments/${created.id}/${action}`;
    expect((await request(app).post(path('check-in')).set(as('receptionist'))).status).toBe(409);
    expect((await request(app).post(path('confirm')).set(as('receptionist'))).body.status).toBe('confirmed');
    clock.set('2026-03-02T09:58:00Z');
    expect((await request(app).post(path('check-in')).set(as('receptionist'))).body.status).toBe('in_progress');
    const done = await request(app).post(path('complete')).set(as('doctor'));
    expect(done.body.status).toBe('completed');
    const refused = await request(app).post(path('cancel')).set(as('receptionist')).send({ reason: 'late' });
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: { from: 'completed', to: 'cancelled' },
    });
  });

  it('marks a no-show after the start', async () => {
    const created = await book();
    expect((await request(app).post(`/api/v1/appointments/${created.id}/no-show`).set(as('doctor'))).status).toBe(409);
    clock.set('2026-03-02T10:20:00Z');
    expect((await request(app).post(`/api/v1/appointments/${created.id}/no-show`).set(as('doctor'))).body.status).toBe(
      'no_show',
    );
  });

  it('cancels with a reason (400 without), then shows the audit trail to admins', async () => {
    const created = await book();
    expect(
      (await request(app).post(`/api/v1/appointments/${created.id}/cancel`).set(as('receptionist')).send({})).status,
    ).toBe(400);
    const cancelled = await request(app)
      .post(`/api/v1/appointments/${created.id}/cancel`)
      .set(as('receptionist'))
      .send({ reason: 'Patient called' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancellationReason: 'Patient called' });
    const audit = await request(app).get(`/api/v1/appointments/${created.id}/audit`).set(as('admin'));
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(['created', 'cancelled']);
  });

  it('cancels a series from an occurrence on', async () => {
    const response = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send(booking('2026-03-02T10:00:00Z', { recurrence: { frequency: 'weekly', maxOccurrences: 4 } }));
    const { seriesId } = response.body.series;
    const cancel = await request(app)
      .post(`/api/v1/appointments/series/${seriesId}/cancel`)
      .set(as('admin'))
      .send({ reason: 'Moved', from: '2026-03-16T00:00:00Z' });
    expect(cancel.status).toBe(200);
    expect(cancel.body.cancelled).toHaveLength(2);
    expect(
      (
        await request(app)
          .post(`/api/v1/appointments/series/${randomUUID()}/cancel`)
          .set(as('admin'))
          .send({ reason: 'x' })
      ).status,
    ).toBe(404);
  });
});

describe('queries', () => {
  it('lists with filters and paging', async () => {
    await book('2026-03-02T10:00:00Z');
    await book('2026-03-03T10:00:00Z', { patientId: BOB });
    const response = await request(app)
      .get('/api/v1/appointments')
      .query({ patientId: BOB, limit: '10' })
      .set(as('doctor'));
    expect(response.body).toMatchObject({ total: 1, limit: 10, offset: 0 });
    expect((await request(app).get('/api/v1/appointments').query({ limit: '500' }).set(as('doctor'))).status).toBe(400);
    expect((await request(app).get('/api/v1/appointments').query({ colour: 'red' }).set(as('doctor'))).status).toBe(
      400,
    );
  });

  it('gives availability and suggestions in the provider’s zone', async () => {
    await book('2026-03-02T10:00:00Z');
    const availability = await request(app)
      .get('/api/v1/appointments/availability')
      .query({ providerId: LONDON, date: '2026-03-02', type: 'follow_up' })
      .set(as('receptionist'));
    expect(availability.status).toBe(200);
    expect(availability.body.timeZone).toBe('Europe/London');
    expect(availability.body.slots.map((slot: { start: string }) => slot.start)).not.toContain(
      '2026-03-02T10:00:00.000Z',
    );
    const suggestions = await request(app)
      .get('/api/v1/appointments/suggestions')
      .query({ providerId: NEW_YORK, durationMinutes: '60', limit: '3' })
      .set(as('receptionist'));
    expect(suggestions.body.items).toHaveLength(3);
    expect(
      (
        await request(app)
          .get('/api/v1/appointments/availability')
          .query({ providerId: LONDON })
          .set(as('receptionist'))
      ).status,
    ).toBe(400);
  });

  it('gives daily, weekly and monthly schedules', async () => {
    await book('2026-03-02T10:00:00Z');
    await book('2026-03-10T10:00:00Z');
    for (const [view, count] of [
      ['daily', 1],
      ['weekly', 1],
      ['monthly', 2],
    ] as const) {
      const response = await request(app)
        .get(`/api/v1/appointments/schedule/${view}`)
        .query({ providerId: LONDON, date: '2026-03-02' })
        .set(as('doctor'));
      expect(response.status).toBe(200);
      expect(response.body.appointments).toHaveLength(count);
    }
  });

  it('gives statistics to admins', async () => {
    await book();
    const response = await request(app).get('/api/v1/appointments/statistics').set(as('admin'));
    expect(response.body).toMatchObject({ total: 1, byStatus: { scheduled: 1 } });
  });

  it('lists the demo providers and patients', async () => {
    const providers = await request(app).get('/api/v1/providers').set(as('receptionist'));
    expect(providers.body.items.map((provider: { timeZone: string }) => provider.timeZone)).toEqual([
      'Europe/London',
      'America/New_York',
    ]);
    expect(providers.body.items[0].weeklyHours.monday).toHaveLength(2);
    const patients = await request(app).get('/api/v1/patients').set(as('receptionist'));
    expect(patients.body.items).toHaveLength(3);
  });
});

describe('booking rules over HTTP', () => {
  it('answers 409 UNAVAILABLE with the reasons for a time outside the rules, and explains it', async () => {
    const refused = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send(booking('2026-03-07T10:00:00Z'));
    expect(refused.status).toBe(409);
    expect(errorOf(refused)).toMatchObject({ code: 'UNAVAILABLE', details: { reasons: [{ code: 'OUTSIDE_HOURS' }] } });
    const explained = await request(app)
      .get('/api/v1/appointments/explain')
      .query({ providerId: LONDON, start: '2026-03-07T10:00:00Z', type: 'follow_up' })
      .set(as('doctor'));
    expect(explained.status).toBe(200);
    expect(explained.body).toEqual({ bookable: false, reasons: [{ code: 'OUTSIDE_HOURS' }] });
  });

  it('books past the rules with an override and its reason, audited, and reschedules likewise', async () => {
    const created = await request(app)
      .post('/api/v1/appointments')
      .set(as('receptionist'))
      .send(booking('2026-03-07T10:00:00Z', { override: { reason: 'Saturday clinic' } }));
    expect(created.status).toBe(201);
    const id = created.body.appointment.id as string;
    const moved = await request(app)
      .put(`/api/v1/appointments/${id}`)
      .set(as('admin'))
      .send({ start: '2026-03-08T10:00:00Z', override: { reason: 'Sunday instead' } });
    expect(moved.status).toBe(200);
    const audit = await request(app).get(`/api/v1/appointments/${id}/audit`).set(as('admin'));
    expect(audit.body.items.map((entry: { override: unknown }) => entry.override)).toEqual([
      { reason: 'Saturday clinic', bypassed: ['OUTSIDE_HOURS'] },
      { reason: 'Sunday instead', bypassed: ['OUTSIDE_HOURS'] },
    ]);
    const noReason = await request(app)
      .post('/api/v1/appointments')
      .set(as('admin'))
      .send(booking('2026-03-07T11:00:00Z', { override: {} }));
    expect(noReason.status).toBe(400);
    const doctor = await request(app)
      .put(`/api/v1/appointments/${id}`)
      .set(as('doctor'))
      .send({ start: '2026-03-08T11:00:00Z', override: { reason: 'mine' } });
    expect(doctor.status).toBe(403);
  });
});

describe('authentication, roles and errors', () => {
  it('401 without a valid token, in the error shape', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: 'Basic abc' }]) {
      const response = await request(app).get('/api/v1/appointments').set(headers);
      expect(response.status).toBe(401);
      expect(errorOf(response).code).toBe('UNAUTHENTICATED');
    }
  });

  // Each permission and the route that needs it: every role is tried on each.
  const probes: Record<Permission, (id: string) => request.Test> = {
    read: () => request(app).get('/api/v1/appointments'),
    create: () => request(app).post('/api/v1/appointments').send(booking('2026-03-05T10:00:00Z')),
    update: (id) => request(app).put(`/api/v1/appointments/${id}`).send({ notes: 'n' }),
    cancel: (id) => request(app).post(`/api/v1/appointments/${id}/cancel`).send({ reason: 'r' }),
    statistics: () => request(app).get('/api/v1/appointments/statistics'),
    audit: (id) => request(app).get(`/api/v1/appointments/${id}/audit`),
    // A Saturday, outside Dr Lee's hours: only an override books it.
    override: () =>
      request(app)
        .post('/api/v1/appointments')
        .send(booking('2026-03-07T10:00:00Z', { override: { reason: 'Saturday clinic' } })),
  };
  for (const [permission, probe] of Object.entries(probes) as Array<[Permission, (id: string) => request.Test]>) {
    for (const role of Object.keys(TOKENS) as Role[]) {
      const allowed = (PERMISSIONS[permission] as readonly string[]).includes(role);
      it(`${allowed ? 'lets' : 'forbids (403)'} ${role} ${permission}`, async () => {
        const created = await book();
        const response = await probe(created.id).set(as(role));
        if (allowed) expect(response.status).toBeLessThan(300);
        else {
          expect(response.status).toBe(403);
          expect(errorOf(response).code).toBe('FORBIDDEN');
        }
      });
    }
  }

  it('answers unknown routes with 404 in the same shape', async () => {
    for (const response of [
      await request(app).get('/api/v1/nothing'),
      await request(app).delete('/api/v1/appointments/x').set(as('admin')),
    ]) {
      expect(response.status).toBe(404);
      expect(errorOf(response).code).toBe('NOT_FOUND');
    }
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const response = await request(app).get('/api/v1/openapi.json');
    expect(response.body.openapi).toBe('3.1.0');
    const { $ref } = response.body.paths['/api/v1/appointments'].post.requestBody.content['application/json'].schema;
    expect($ref).toBe('#/components/schemas/CreateAppointment');
    const create = response.body.components.schemas.CreateAppointment;
    expect(create.required.sort()).toEqual(['patientId', 'providerId', 'start', 'type']);
    expect(create.properties.durationMinutes).toMatchObject({ minimum: 15, maximum: 480 });
    expect(create.properties.type.enum).toContain('acupuncture');
    expect(Object.keys(response.body.paths)).toHaveLength(26);
  });
});

describe('concurrency over HTTP', () => {
  it('gives exactly one 201 per free slot among 50 parallel overlapping requests, the rest 409, never 500', async () => {
    // 10 disjoint half-hour slots inside Dr Lee's Monday hours (09:00–12:30, 13:30–17:00 London,
    // which is UTC in March), each requested 5 times at once.
    const starts = [
      ...Array.from({ length: 3 }, (_, i) => Date.parse('2026-03-02T09:00:00Z') + i * 30 * 60_000),
      ...Array.from({ length: 7 }, (_, i) => Date.parse('2026-03-02T13:30:00Z') + i * 30 * 60_000),
    ].map((start) => new Date(start).toISOString());
    const requests = starts.flatMap((start) => Array.from({ length: 5 }, () => booking(start)));
    const responses = await Promise.all(
      requests.map((body) => request(app).post('/api/v1/appointments').set(as('receptionist')).send(body)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(40);
    const booked = responses
      .filter((response) => response.status === 201)
      .map((response) => response.body.appointment.start);
    expect(new Set(booked)).toEqual(new Set(starts));
  });
});
