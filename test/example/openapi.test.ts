import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  type AppointmentStore,
  BusyError,
  createScheduler,
  type Scheduler,
  StorageFullError,
  UNAVAILABLE_REASON_CODES,
} from 'appointment-kit';
import { createSqliteStore, type SqliteStore } from 'appointment-kit/sqlite';
import type { OpenAPIV3_1 } from 'openapi-types';
import openapiTS, { astToString } from 'openapi-typescript';
import request from 'supertest';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import {
  authenticateDemoToken,
  DEMO_PATIENTS,
  DEMO_PROVIDERS,
  demoDirectory,
} from '../../examples/express/demo-data.js';
import type { OpenApiDocument } from '../../examples/express/openapi.js';
import { UnavailableReason } from '../../examples/express/response-schemas.js';
import { defineRoutes, type HttpMethod } from '../../examples/express/routes.js';
import { manualClock } from '../fixtures.js';

/**
 * The example's OpenAPI document as a contract: valid OpenAPI 3.1 with every reference resolved,
 * good enough to generate a typed client from, and true: every live response of every route
 * matches the schema the document gives for its status.
 */

const LONDON = DEMO_PROVIDERS[0]?.id as string;
const NEW_YORK = DEMO_PROVIDERS[1]?.id as string;
const ALICE = DEMO_PATIENTS[0]?.id as string;
const BOB = DEMO_PATIENTS[1]?.id as string;
const root = join(import.meta.dirname, '..', '..');

type App = ReturnType<typeof createApp>;

interface Example {
  readonly app: App;
  readonly store: SqliteStore;
  readonly scheduler: Scheduler;
  readonly clock: ReturnType<typeof manualClock>;
}

/** The example app over a fresh in-memory store; `wrap` lets a test put a failing store in between. */
async function startExample(wrap: (store: SqliteStore) => AppointmentStore = (store) => store): Promise<Example> {
  const store = createSqliteStore({ filename: ':memory:' });
  await store.migrate();
  const clock = manualClock('2026-03-01T12:00:00Z');
  const scheduler = createScheduler({ store: wrap(store), directory: demoDirectory, clock: clock.read });
  const app = createApp({
    scheduler,
    authenticate: authenticateDemoToken,
    providers: DEMO_PROVIDERS,
    patients: DEMO_PATIENTS,
    clock: clock.read,
  });
  return { app, store, scheduler, clock };
}

let example: Example;
let document: OpenApiDocument;
beforeAll(async () => {
  example = await startExample();
  const response = await request(example.app).get('/api/v1/openapi.json');
  expect(response.status).toBe(200);
  document = response.body as OpenApiDocument;
});
afterAll(async () => {
  await example.store.close();
});

/** Every `$ref` in the document, with where it is. */
function references(value: unknown, at = '#'): Array<{ at: string; ref: string }> {
  if (Array.isArray(value)) return value.flatMap((item, index) => references(item, `${at}/${index}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '$ref' && typeof item === 'string' ? [{ at, ref: item }] : references(item, `${at}/${escapePointer(key)}`),
  );
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The value a local reference (`#/a/b`) points to in the document, or undefined. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const segment of ref.slice(2).split('/')) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Every schema object nested in the document, with where it is. */
function schemaObjects(value: unknown, at = '#'): Array<{ at: string; schema: Record<string, unknown> }> {
  if (Array.isArray(value)) return value.flatMap((item, index) => schemaObjects(item, `${at}/${index}`));
  if (typeof value !== 'object' || value === null) return [];
  const own = [{ at, schema: value as Record<string, unknown> }];
  return [
    ...own,
    ...Object.entries(value).flatMap(([key, item]) => schemaObjects(item, `${at}/${escapePointer(key)}`)),
  ];
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 for swagger-parser, and every $ref resolves inside it', async () => {
    // swagger-parser validates against the OpenAPI 3.1 schema and resolves every reference; it
    // throws on the first error, so resolving means zero errors.
    // A copy: swagger-parser dereferences what it validates in place.
    const input = JSON.parse(JSON.stringify(document)) as OpenAPIV3_1.Document;
    const api = await SwaggerParser.validate(input);
    expect(api.info.title).toBe('appointment-kit example API');
    const refs = references(document);
    expect(refs.length).toBeGreaterThan(50);
    const unresolved = refs.filter(({ ref }) => resolve(ref) === undefined);
    expect(unresolved).toEqual([]);
    // Every named schema is used, and none is left under a generator's private name.
    const used = new Set(refs.map(({ ref }) => ref));
    for (const name of Object.keys(document.components.schemas)) {
      expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(used.has(`#/components/schemas/${name}`), name).toBe(true);
    }
  });

  it('documents instants precisely: an ISO date-time string, never "anything"', () => {
    const instant = document.components.schemas.Instant as Record<string, unknown>;
    expect(instant).toMatchObject({ type: 'string', format: 'date-time' });
    const create = document.components.schemas.CreateAppointment as { properties: Record<string, unknown> };
    expect(create.properties.start).toEqual({ $ref: '#/components/schemas/Instant' });
    // An empty schema inside a union or as a property would accept any value at all.
    for (const { at, schema } of schemaObjects(document)) {
      for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const) {
        const arms = schema[keyword];
        if (Array.isArray(arms)) {
          for (const arm of arms) expect(Object.keys(arm as object), `${at}/${keyword}`).not.toHaveLength(0);
        }
      }
    }
  });

  it('lists, per operation, exactly the statuses its route table entry declares', () => {
    const routes = defineRoutes({ scheduler: example.scheduler, providers: DEMO_PROVIDERS, patients: DEMO_PATIENTS });
    const operationIds = routes.map((route) => route.operationId);
    expect(new Set(operationIds).size).toBe(operationIds.length);
    for (const route of routes) {
      const operation = document.paths[`/api/v1${route.path}`]?.[route.method];
      expect(operation?.operationId).toBe(route.operationId);
      const statuses = Object.keys(operation?.responses ?? {}).map(Number);
      expect(statuses.sort()).toEqual([route.success.status, ...new Set(route.errors)].sort());
      // What every route can answer, and what its request parts imply.
      expect(route.errors, route.operationId).toEqual(expect.arrayContaining([401, 403, 500]));
      if (route.request.body !== undefined) {
        expect(route.errors, route.operationId).toEqual(expect.arrayContaining([400, 413, 415]));
      }
      if (route.request.headers?.['If-Match'] !== undefined) {
        expect(route.errors, route.operationId).toEqual(expect.arrayContaining([400, 412]));
      }
      if (route.request.path !== undefined || route.request.query !== undefined) {
        expect(route.errors, route.operationId).toContain(400);
      }
      if (route.method !== 'get') expect(route.errors, route.operationId).toEqual(expect.arrayContaining([503, 507]));
    }
  });

  it('describes every reason code the library can give', () => {
    const described = UnavailableReason.options.map((option) => option.shape.code.value);
    expect([...described].sort()).toEqual([...UNAVAILABLE_REASON_CODES].sort());
  });
});

describe('a typed client generated with openapi-typescript', () => {
  const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-client-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** The diagnostics of compiling `file` (with the generated types beside it) under strict settings. */
  function compile(file: string, source: string): readonly ts.Diagnostic[] {
    const path = join(directory, file);
    writeFileSync(path, source);
    const program = ts.createProgram([path], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      skipLibCheck: true,
    });
    return ts.getPreEmitDiagnostics(program);
  }

  const format = (diagnostics: readonly ts.Diagnostic[]) =>
    diagnostics.map((diagnostic) => {
      const line = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
      return `${line === undefined ? '' : `line ${line + 1}: `}${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });

  const prelude = `import type { operations } from './api.js';
type Booking = operations['bookAppointment']['requestBody']['content']['application/json'];
type Booked = operations['bookAppointment']['responses'][201]['content']['application/json'];
type Failure = operations['bookAppointment']['responses'][409]['content']['application/json'];
type Slots = operations['getAvailability']['responses'][200]['content']['application/json'];
`;

  it('generates types from the document that a correct call type-checks against', async () => {
    const types = astToString(await openapiTS(JSON.stringify(document), { silent: true }));
    writeFileSync(join(directory, 'api.ts'), types);
    expect(types).toContain('bookAppointment');

    const diagnostics = compile(
      'client.ts',
      `${prelude}
/** Books a time and answers with its confirmation code and the start as the server wrote it. */
export async function book(base: string, token: string, booking: Booking): Promise<{ code: string; start: string }> {
  const response = await fetch(\`\${base}/api/v1/appointments\`, {
    method: 'POST',
    headers: { Authorization: \`Bearer \${token}\`, 'Content-Type': 'application/json' },
    body: JSON.stringify(booking),
  });
  if (response.status === 409) {
    const { error } = (await response.json()) as Failure;
    throw new Error(\`\${error.code}: \${error.message} \${error.details.conflictingIds?.join(', ') ?? ''}\`);
  }
  const { appointment, series } = (await response.json()) as Booked;
  const status: 'scheduled' | 'confirmed' | 'in_progress' | 'completed' | 'cancelled' | 'no_show' = appointment.status;
  const skipped: number = series?.skipped.length ?? 0;
  return { code: \`\${appointment.confirmationCode} \${status} \${skipped}\`, start: appointment.start };
}

export const weekly: Booking = {
  patientId: '${ALICE}',
  providerId: '${LONDON}',
  type: 'follow_up',
  start: '2026-03-02T09:00:00Z',
  recurrence: { frequency: 'weekly', maxOccurrences: 4 },
};

export function firstFree(slots: Slots): string | undefined {
  return slots.slots.find((slot) => slot.available)?.start;
}
`,
    );
    expect(format(diagnostics)).toEqual([]);
  });

  it('rejects an incorrect call: an unknown type, a number for an instant, a misspelt field', () => {
    const diagnostics = compile(
      'wrong.ts',
      `${prelude}
export const unknownType: Booking = { patientId: 'p', providerId: 'q', type: 'massage', start: '2026-03-02T09:00:00Z' };
export const numericStart: Booking = { patientId: 'p', providerId: 'q', type: 'urgent', start: 1772442000000 };
export const misspelt = (booked: Booked): string => booked.appointment.startTime;
`,
    );
    const messages = format(diagnostics);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/^line 7: .*"massage"/);
    expect(messages[1]).toMatch(/^line 8: .*'number' is not assignable to type 'string'/);
    expect(messages[2]).toMatch(/^line 9: .*'startTime' does not exist/);
  });
});

describe('live responses match the document', () => {
  // Strict, so a keyword ajv does not know fails rather than being ignored; `type: [..., 'null']`
  // is how zod writes a nullable scalar.
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  // The document's own keywords, so strict mode accepts it as the root that references resolve in.
  ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components']);
  const DOCUMENT_ID = 'urn:appointment-kit:openapi';
  let loaded = false;
  /** The validator of a component schema, compiled in the document so its references resolve. */
  const validatorOf = (ref: string) => {
    if (!loaded) ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    loaded = true;
    const validate = ajv.getSchema(`${DOCUMENT_ID}${ref}`);
    if (validate === undefined) throw new Error(`ajv cannot compile ${ref}`);
    return validate;
  };

  /** Checked exchanges, to prove every operation and every error status was covered. */
  const checked: Array<{ operationId: string; status: number }> = [];

  /**
   * Asserts the response is documented for the operation (`method` and path template) and that
   * its body matches the documented schema for its status; a mismatch fails the test.
   */
  function expectDocumented(method: HttpMethod, template: string, response: request.Response): void {
    const operation = document.paths[`/api/v1${template}`]?.[method];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    if (operation === undefined) return;
    const label = `${operation.operationId} → ${response.status}`;
    let documented: unknown = operation.responses[String(response.status)];
    expect(documented, `${label} is documented`).toBeDefined();
    if (typeof documented === 'object' && documented !== null && '$ref' in documented) {
      documented = resolve(String(documented.$ref));
    }
    const { content, headers } = documented as {
      content: Record<string, { schema: { $ref?: string } }>;
      headers?: Record<string, { schema: { pattern?: string } }>;
    };
    // One media type per response: JSON, FHIR JSON, or an iCalendar document.
    const [mediaType, ...others] = Object.keys(content);
    expect(others, label).toEqual([]);
    const { $ref } = content[mediaType as string]?.schema ?? {};
    // Response bodies are always named components: a typed client gets a name for each.
    expect($ref, label).toMatch(/^#\/components\/schemas\/[A-Z]/);
    const body = mediaType === 'text/calendar' ? response.text : response.body;
    const validate = validatorOf(String($ref));
    const valid = validate(body);
    expect(valid ? [] : validate.errors, `${label}: ${JSON.stringify(body).slice(0, 400)}`).toEqual([]);
    expect(response.headers['content-type']?.split(';')[0]).toBe(mediaType);
    for (const [name, header] of Object.entries(headers ?? {})) {
      const value = response.headers[name.toLowerCase()];
      expect(value, `${label} sends ${name}`).toBeTypeOf('string');
      if (header.schema.pattern !== undefined) expect(value).toMatch(new RegExp(header.schema.pattern));
    }
    checked.push({ operationId: operation.operationId, status: response.status });
  }

  const as = (role: 'admin' | 'doctor' | 'receptionist') => ({ Authorization: `Bearer demo-${role}` });
  const booking = (start: string, extra: Record<string, unknown> = {}) => ({
    patientId: ALICE,
    providerId: LONDON,
    type: 'follow_up',
    start,
    ...extra,
  });

  it('for every route, driven once with a valid request', async () => {
    const { app, clock } = example;
    const get = (path: string, role: 'admin' | 'doctor' | 'receptionist' = 'receptionist') =>
      request(app).get(`/api/v1${path}`).set(as(role));
    const post = (path: string, body?: object, headers: Record<string, string> = {}) =>
      request(app)
        .post(`/api/v1${path}`)
        .set({ ...as('admin'), ...headers })
        .send(body);

    expectDocumented('get', '/providers', await get('/providers'));
    expectDocumented('get', '/patients', await get('/patients'));

    const single = await post('/appointments', booking('2026-03-02T10:00:00Z', { reason: 'Check-up' }), {
      'Idempotency-Key': 'contract-1',
    });
    expect(single.status).toBe(201);
    expectDocumented('post', '/appointments', single);
    // A weekly series with its second week taken: created and skipped occurrences both appear.
    expect((await post('/appointments', booking('2026-03-09T11:00:00Z', { patientId: BOB }))).status).toBe(201);
    const series = await post(
      '/appointments',
      booking('2026-03-02T11:00:00Z', { recurrence: { frequency: 'weekly', maxOccurrences: 3 }, metadata: { a: [1] } }),
    );
    expect(series.body.series.skipped).toHaveLength(1);
    expectDocumented('post', '/appointments', series);

    const availability = await get(
      `/appointments/availability?providerId=${LONDON}&date=2026-03-02&type=follow_up&includeUnavailable=true`,
    );
    expect(availability.body.slots.some((slot: { available: boolean }) => !slot.available)).toBe(true);
    expectDocumented('get', '/appointments/availability', availability);
    const explained = await get(`/appointments/explain?providerId=${LONDON}&start=2026-03-07T10:00:00Z&type=follow_up`);
    expect(explained.body.reasons).toEqual([{ code: 'OUTSIDE_HOURS' }]);
    expectDocumented('get', '/appointments/explain', explained);
    expectDocumented(
      'get',
      '/appointments/suggestions',
      await get(`/appointments/suggestions?providerId=${NEW_YORK}&durationMinutes=60&limit=3`),
    );
    for (const view of ['daily', 'weekly', 'monthly']) {
      expectDocumented(
        'get',
        `/appointments/schedule/${view}`,
        await get(`/appointments/schedule/${view}?providerId=${LONDON}&date=2026-03-02&includeCancelled=true`),
      );
    }
    expectDocumented('get', '/appointments', await get('/appointments?status=scheduled,confirmed&limit=5'));

    const id = single.body.appointment.id as string;
    expectDocumented('get', '/appointments/{id}', await get(`/appointments/${id}`));
    const details = await request(app)
      .put(`/api/v1/appointments/${id}`)
      .set({ ...as('doctor'), 'If-Match': '"1"' })
      .send({ notes: 'Bring X-rays', metadata: { room: 4 } });
    expectDocumented('put', '/appointments/{id}', details);
    const moved = await request(app)
      .put(`/api/v1/appointments/${id}`)
      .set(as('doctor'))
      .send({ start: '2026-03-02T14:00:00Z', durationMinutes: 45 });
    expectDocumented('put', '/appointments/{id}', moved);
    expectDocumented('post', '/appointments/{id}/confirm', await post(`/appointments/${id}/confirm`));
    clock.set('2026-03-02T13:55:00Z');
    expectDocumented('post', '/appointments/{id}/check-in', await post(`/appointments/${id}/check-in`));
    expectDocumented('post', '/appointments/{id}/complete', await post(`/appointments/${id}/complete`));
    expectDocumented('get', '/appointments/{id}/audit', await get(`/appointments/${id}/audit`, 'admin'));
    const ics = await get(`/appointments/${id}.ics`);
    expect(ics.text).toContain(`UID:${id}`);
    expectDocumented('get', '/appointments/{id}.ics', ics);
    const fhirAppointment = await get(`/fhir/Appointment/${id}`);
    expect(fhirAppointment.body).toMatchObject({ resourceType: 'Appointment', id, status: 'fulfilled' });
    expectDocumented('get', '/fhir/Appointment/{id}', fhirAppointment);
    const fhirSlots = await get(
      `/fhir/Slot?schedule=Practitioner/${LONDON}&start=2026-03-03&end=2026-03-03&service-type=follow_up`,
    );
    expect(fhirSlots.body.entry.length).toBeGreaterThan(0);
    expectDocumented('get', '/fhir/Slot', fhirSlots);

    const seriesPath = `/appointments/series/${series.body.series.seriesId}`;
    const seriesMoved = await post(`${seriesPath}/move`, { time: '12:00' });
    expect(seriesMoved.body.moved).toHaveLength(1);
    expectDocumented('post', '/appointments/series/{seriesId}/move', seriesMoved);
    const extended = await post(`${seriesPath}/extend`, { count: 1 });
    expect(extended.body.created).toHaveLength(1);
    expectDocumented('post', '/appointments/series/{seriesId}/extend', extended);
    expectDocumented('get', '/appointments/series/{seriesId}', await get(seriesPath));
    const seriesIcs = await get(`${seriesPath}.ics`);
    expect(seriesIcs.text).toContain('RRULE:');
    expectDocumented('get', '/appointments/series/{seriesId}.ics', seriesIcs);
    // A calendar app subscribes by URL: the token may come as access_token, on the feed only.
    const feed = await request(app).get(`/api/v1/providers/${LONDON}/calendar.ics?access_token=demo-doctor`);
    expect(feed.status).toBe(200);
    expect(feed.text).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(feed.text).toContain(`UID:${series.body.series.seriesId}`);
    expectDocumented('get', '/providers/{providerId}/calendar.ics', feed);
    // A token in the URL: kept out of shared caches, and a refused one says why (RFC 6750).
    expect(feed.headers['cache-control']).toBe('private');
    const refused = await request(app).get(`/api/v1/providers/${LONDON}/calendar.ics?access_token=nope`);
    expect([refused.status, refused.headers['www-authenticate']]).toEqual([401, 'Bearer error="invalid_token"']);
    const twice = await request(app)
      .get(`/api/v1/providers/${LONDON}/calendar.ics?access_token=demo-doctor`)
      .set(as('doctor'));
    expect([twice.status, twice.headers['www-authenticate']]).toEqual([401, 'Bearer error="invalid_request"']);
    expect(
      (await request(app).get(`/api/v1/appointments/${series.body.appointment.id}?access_token=demo-doctor`)).status,
    ).toBe(401);

    const [first, second] = series.body.series.created as Array<{ id: string }>;
    expectDocumented('post', '/appointments/{id}/no-show', await post(`/appointments/${first?.id}/no-show`));
    expectDocumented(
      'post',
      '/appointments/{id}/cancel',
      await post(`/appointments/${second?.id}/cancel`, { reason: 'Patient called' }),
    );
    expectDocumented(
      'post',
      '/appointments/series/{seriesId}/cancel',
      await post(`/appointments/series/${series.body.series.seriesId}/cancel`, { reason: 'Moved away' }),
    );
    expectDocumented('get', '/appointments/statistics', await get('/appointments/statistics', 'admin'));

    const routes = defineRoutes({ scheduler: example.scheduler, providers: DEMO_PROVIDERS, patients: DEMO_PATIENTS });
    const succeeded = new Set(checked.filter(({ status }) => status < 300).map(({ operationId }) => operationId));
    expect([...succeeded].sort()).toEqual(routes.map((route) => route.operationId).sort());
  });

  it('for the errors a client meets: 400, 401, 403, 404, 409, 412, 413, 415 and 422', async () => {
    const { app } = example;
    const post = (body: object | string, headers: Record<string, string> = {}) =>
      request(app)
        .post('/api/v1/appointments')
        .set({ ...as('receptionist'), ...headers })
        .send(body);
    expectDocumented(
      'post',
      '/appointments',
      await post({ patientId: 'x', providerId: LONDON, type: 'massage', start: 'soon' }),
    );
    expectDocumented('post', '/appointments', await post('{"patientId":', { 'Content-Type': 'application/json' }));
    expectDocumented('get', '/appointments', await request(app).get('/api/v1/appointments'));
    expectDocumented(
      'get',
      '/appointments/statistics',
      await request(app).get('/api/v1/appointments/statistics').set(as('doctor')),
    );
    expectDocumented(
      'get',
      '/appointments/{id}',
      await request(app).get('/api/v1/appointments/5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a').set(as('doctor')),
    );

    const taken = await post(booking('2026-03-03T10:00:00Z'));
    expect(taken.status).toBe(201);
    const conflict = await post(booking('2026-03-03T10:15:00Z', { patientId: BOB }));
    expect(conflict.status).toBe(409);
    expectDocumented('post', '/appointments', conflict);
    const outsideHours = await post(booking('2026-03-03T20:00:00Z'));
    expect(outsideHours.status).toBe(409);
    expectDocumented('post', '/appointments', outsideHours);

    const id = taken.body.appointment.id as string;
    const refused = await request(app).post(`/api/v1/appointments/${id}/check-in`).set(as('doctor'));
    expect(refused.body.error.code).toBe('INVALID_TRANSITION');
    expectDocumented('post', '/appointments/{id}/check-in', refused);
    const stale = await request(app)
      .put(`/api/v1/appointments/${id}`)
      .set({ ...as('doctor'), 'If-Match': '"7"' })
      .send({ notes: 'x' });
    expect(stale.status).toBe(412);
    expectDocumented('put', '/appointments/{id}', stale);
    const badIfMatch = await request(app)
      .post(`/api/v1/appointments/${id}/confirm`)
      .set({ ...as('doctor'), 'If-Match': 'three' });
    expectDocumented('post', '/appointments/{id}/confirm', badIfMatch);

    expectDocumented(
      'post',
      '/appointments',
      await post(booking('2026-03-04T10:00:00Z', { notes: 'x'.repeat(120_000) })),
    );
    expectDocumented('post', '/appointments', await post('patientId=1', { 'Content-Type': 'text/plain' }));
    await post(booking('2026-03-04T10:00:00Z'), { 'Idempotency-Key': 'contract-2' });
    const mismatch = await post(booking('2026-03-04T11:00:00Z'), { 'Idempotency-Key': 'contract-2' });
    expect(mismatch.status).toBe(422);
    expectDocumented('post', '/appointments', mismatch);

    const seen = checked.map(({ status }) => status);
    for (const status of [400, 401, 403, 404, 409, 412, 413, 415, 422]) expect(seen, String(status)).toContain(status);
  });

  it('for the server-side failures: 503 BUSY, 507 STORAGE_FULL and 500', async () => {
    let failure: Error = new BusyError();
    // The store answers every call with the chosen failure, as a locked or full database would.
    const failing = await startExample(
      (store) =>
        new Proxy(store, {
          get: (target, property, receiver) => {
            const value: unknown = Reflect.get(target, property, receiver);
            return typeof value === 'function' ? () => Promise.reject(failure) : value;
          },
        }),
    );
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const list = await request(failing.app).get('/api/v1/appointments').set(as('doctor'));
      expect(list.body.error.code).toBe('BUSY');
      expectDocumented('get', '/appointments', list);
      failure = new StorageFullError();
      const full = await request(failing.app)
        .post('/api/v1/appointments')
        .set(as('receptionist'))
        .send(booking('2026-03-05T10:00:00Z'));
      expect(full.body.error.code).toBe('STORAGE_FULL');
      expectDocumented('post', '/appointments', full);
      failure = new Error('connection reset');
      const broken = await request(failing.app).get('/api/v1/appointments/statistics').set(as('admin'));
      expect(broken.status).toBe(500);
      expectDocumented('get', '/appointments/statistics', broken);
    } finally {
      quiet.mockRestore();
      await failing.store.close();
    }
  });

  it('for the examples the docs show and put in a first try', () => {
    /** The validator of the schema at a JSON pointer in the document. */
    const validatorAt = (at: string) =>
      validatorOf(
        at
          .split('/')
          .map((part, index) => (index === 0 ? part : encodeURIComponent(part)))
          .join('/'),
      );
    const objects = schemaObjects(document);
    // Schema examples (JSON Schema `examples`) and parameter examples (OpenAPI `example`).
    const schemaExamples = objects.filter(
      ({ at, schema }) => Array.isArray(schema.examples) && /\/components\/schemas\/|\/schema(\/|$)/.test(at),
    );
    const parameterExamples = objects.filter(({ schema }) => 'example' in schema && typeof schema.schema === 'object');
    expect(schemaExamples.length).toBeGreaterThan(10);
    expect(parameterExamples.map(({ schema }) => schema.name)).toEqual(
      expect.arrayContaining(['providerId', 'patientId']),
    );
    const cases = [
      ...schemaExamples.flatMap(({ at, schema }) => (schema.examples as unknown[]).map((value) => ({ at, value }))),
      ...parameterExamples.map(({ at, schema }) => ({ at: `${at}/schema`, value: schema.example })),
    ];
    for (const { at, value } of cases) {
      const validate = validatorAt(at);
      expect(validate(value) ? [] : validate.errors, `${at}: ${JSON.stringify(value)}`).toEqual([]);
    }
  });

  it('and the check is not vacuous: a body unlike its schema fails it', () => {
    expect(validatorOf('#/components/schemas/Appointment')({ id: 'x' })).toBe(false);
    const errors = validatorOf('#/components/schemas/ErrorResponse');
    expect(errors({ error: { code: 'X', message: 'm', details: {} } })).toBe(true);
    expect(errors({ error: { code: 'X', message: 'm' } })).toBe(false);
    expect(errors({ error: { code: 'X', message: 'm', details: {} }, stack: 'at …' })).toBe(false);
    const slots = validatorOf('#/components/schemas/Availability');
    const slot = { start: '2026-03-02T09:00:00.000Z', end: '2026-03-02T09:30:00.000Z', available: true, reasons: [] };
    const availability = { providerId: LONDON, timeZone: 'Europe/London', durationMinutes: 30, slots: [slot] };
    expect(slots(availability)).toBe(true);
    expect(slots({ ...availability, slots: [{ ...slot, start: '2026-03-02 09:00' }] })).toBe(false);
  });
});
