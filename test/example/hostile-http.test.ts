import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Actor } from 'appointment-kit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_PATHS } from '../../examples/express/app.js';
import { DEMO_PATIENTS, DEMO_PROVIDERS, DEMO_TOKENS } from '../../examples/express/demo-data.js';
import { type ExampleServer, errorBody, type RawRequest, startExampleServer } from './harness.js';

/**
 * A standing fuzz suite over every route of the example app: hostile methods, paths, queries,
 * headers and bodies must never get a 5xx, every refusal is in the API's error shape, and a
 * refused request writes nothing.
 */

/** One operation of the app, with what its OpenAPI document says it reads. */
interface Route {
  readonly method: string;
  /** OpenAPI template, e.g. `/api/v1/appointments/{id}/cancel`. */
  readonly path: string;
  readonly queryNames: readonly string[];
  readonly bodyFields: readonly string[];
}

interface OpenApiOperation {
  readonly parameters?: ReadonlyArray<{ readonly name: string; readonly in: string }>;
  readonly requestBody?: { readonly content: Record<string, { readonly schema: JsonSchema }> };
}
interface JsonSchema {
  readonly $ref?: string;
  readonly properties?: Record<string, unknown>;
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
}

const LONDON = DEMO_PROVIDERS[0]?.id as string;
const NEW_YORK = DEMO_PROVIDERS[1]?.id as string;
const PATIENT_IDS = DEMO_PATIENTS.map((patient) => patient.id);
const RECEPTIONIST = DEMO_TOKENS.get('demo-receptionist') as Actor;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'] as const;
/**
 * A fixed seed and a moderate run count keep `npm test` reproducible and quick; set
 * HOSTILE_HTTP_SEED and HOSTILE_HTTP_RUNS to explore further.
 */
const SEED = Number(process.env.HOSTILE_HTTP_SEED ?? 20_260_301);
const NUM_RUNS = Number(process.env.HOSTILE_HTTP_RUNS ?? 400);
// Pieces are sized so the request line and headers stay under node's 16 kB limit, past which
// node itself (not the app) answers 431 with no body.

let server: ExampleServer;
let routes: Route[];
let seededIds: string[];
let seriesId: string;

beforeAll(async () => {
  server = await startExampleServer();
  const { appointment } = await server.scheduler.book(
    { patientId: PATIENT_IDS[0], providerId: LONDON, type: 'follow_up', start: '2026-03-02T09:00:00Z' },
    RECEPTIONIST,
  );
  const series = await server.scheduler.book(
    {
      patientId: PATIENT_IDS[1],
      providerId: NEW_YORK,
      type: 'follow_up',
      start: '2026-03-02T15:00:00Z',
      recurrence: { frequency: 'weekly', maxOccurrences: 3 },
    },
    RECEPTIONIST,
  );
  seededIds = [appointment.id, ...(series.series?.created.map((item) => item.id) ?? [])];
  seriesId = series.series?.seriesId ?? '';
  routes = await documentedRoutes();
});
afterAll(async () => {
  await server.close();
});

/** The routes the app publishes in its OpenAPI document, plus the public ones: the document and its docs. */
async function documentedRoutes(): Promise<Route[]> {
  const response = await server.send({ method: 'GET', path: '/api/v1/openapi.json' });
  const { paths, components } = response.json as {
    paths: Record<string, Record<string, OpenApiOperation>>;
    components: { schemas: Record<string, JsonSchema> };
  };
  const bodyFieldsOf = (schema: JsonSchema | undefined): string[] => {
    if (schema === undefined) return [];
    if (schema.$ref !== undefined) return bodyFieldsOf(components.schemas[schema.$ref.split('/').at(-1) ?? '']);
    const own = Object.keys(schema.properties ?? {});
    return [...new Set([...own, ...[...(schema.oneOf ?? []), ...(schema.anyOf ?? [])].flatMap(bodyFieldsOf)])];
  };
  const table = Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      queryNames: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      bodyFields: bodyFieldsOf(operation.requestBody?.content['application/json']?.schema),
    })),
  );
  return [...table, ...PUBLIC_PATHS.map((path) => ({ method: 'GET', path, queryNames: [], bodyFields: [] }))];
}

/** Route layers of an Express app and its mounted routers, as `METHOD leaf-path`. */
function servedRoutes(app: ExampleServer['app']): string[] {
  interface Layer {
    readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
    readonly handle?: { readonly stack?: readonly Layer[] };
  }
  const walk = (stack: readonly Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route?.path}`)
        : walk(layer.handle?.stack ?? []),
    );
  return walk((app as unknown as { router: { stack: readonly Layer[] } }).router.stack);
}

// --- Hostile pieces -------------------------------------------------------------------------------

/**
 * The benign choice five times in six, so a request usually carries one or two hostile parts:
 * with every part hostile at once, the first check to run would refuse nearly everything.
 */
const mostly = <T>(benign: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: benign }, { weight: 1, arbitrary: hostile });

/** Absent five times in six; otherwise hostile. */
const sometimes = <T>(hostile: fc.Arbitrary<T>) => mostly(fc.constant(undefined), hostile);

/** Characters node:http lets a client put in a header value. */
const headerText = (maxLength = 40) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((code) => code !== 0x7f)
      .map((code) => String.fromCharCode(code)),
    maxLength,
  });

/** Percent-encodes every UTF-8 byte but unreserved ASCII, so any string fits in a path or query. */
const percentEncode = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/**
 * Raw, possibly broken percent-encodings: truncated sequences, NUL, the UTF-8-style bytes of lone
 * surrogates (which no encoder produces), an overlong slash, an encoded slash and dot segments.
 */
const RAW_GARBAGE = [
  '%',
  '%E0%A4%A',
  '%zz',
  '%%',
  '%00',
  '%ED%A0%80',
  '%ED%B0%80',
  '%C0%AF',
  '%FF',
  '%2F',
  '..',
  '%2e%2e',
];

const pathId = () =>
  mostly(
    fc.constantFrom(...seededIds, seriesId),
    fc.oneof(
      fc.constantFrom(...seededIds, seriesId).map((id) => id.toUpperCase()),
      fc.uuid(),
      fc.string({ unit: 'binary', maxLength: 30 }).map(percentEncode),
      fc.constantFrom(...RAW_GARBAGE),
      fc.tuple(fc.constantFrom(...seededIds), fc.constantFrom(...RAW_GARBAGE)).map(([id, garbage]) => id + garbage),
      fc.integer({ min: 201, max: 2000 }).map((length) => 'a'.repeat(length)),
    ),
  );

/** What each query parameter plausibly holds, as sent on the wire (a Map: names may be `__proto__`). */
const PLAUSIBLE_QUERY: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries({
    providerId: [LONDON, NEW_YORK],
    patientId: PATIENT_IDS,
    date: ['2026-03-02', '2026-03-09'],
    from: ['2026-03-01T00:00:00Z', '2026-03-02'],
    to: ['2026-03-31T00:00:00Z', '2026-03-06'],
    after: ['2026-03-02T08:00:00Z'],
    type: ['follow_up'],
    durationMinutes: ['30'],
    status: ['scheduled', 'scheduled,confirmed'],
    limit: ['5'],
    offset: ['0'],
    order: ['desc'],
    stepMinutes: ['15'],
    includeUnavailable: ['true'],
    includeCancelled: ['false'],
  }),
);

const hostileQueryValue = fc.oneof(
  fc.constantFrom(LONDON.toUpperCase(), '2026-02-30', '0', '-1', '1e309', 'NaN', '', 'true,false', ...RAW_GARBAGE),
  fc.string({ unit: 'binary', maxLength: 20 }).map(percentEncode),
  fc.integer({ min: 100, max: 800 }).map((length) => 'x'.repeat(length)),
);

const query = (route: Route) => {
  const names = route.queryNames.length > 0 ? route.queryNames : ['limit'];
  const name = mostly(
    fc.constantFrom(...names),
    fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'toString', 'colour', 'limit[]', 'limit[a]', '%00', '%ED%A0%80', '%'),
      fc.string({ unit: 'binary', maxLength: 10 }).map(percentEncode),
    ),
  );
  const pair = name.chain((key) =>
    mostly(fc.constantFrom(...(PLAUSIBLE_QUERY.get(key) ?? ['1'])), hostileQueryValue).map(
      (value) => `${key}=${value}`,
    ),
  );
  // Repeated names come naturally: the pairs are drawn independently.
  return fc.uniqueArray(pair, { maxLength: 5 }).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
};

/** JSON text nested `depth` levels deep, as objects or arrays, built without recursion. */
const deepJson = fc
  .tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean())
  .map(([depth, asArray]) =>
    asArray ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** A JSON value of any shape, as text, so deep nesting need not be built as an object first. */
const hostileJsonValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => JSON.stringify(text)),
  fc.constantFrom(
    'null',
    'true',
    '0',
    '-0',
    '1e308',
    '""',
    '"\\u0000"',
    '"\\ud800"',
    '[]',
    '{}',
    '{"__proto__":{"x":1}}',
  ),
  fc.integer({ min: 1000, max: 150_000 }).map((length) => JSON.stringify('x'.repeat(length))),
  deepJson,
);

/** What each body field plausibly holds, so some requests get past validation and deeper. */
const PLAUSIBLE_BODY: ReadonlyMap<string, readonly unknown[]> = new Map(
  Object.entries({
    patientId: PATIENT_IDS,
    providerId: [LONDON, NEW_YORK],
    type: ['follow_up', 'consultation', 'urgent'],
    // Within both providers' hours: London's afternoon and New York's day overlap in UTC.
    start: ['2026-03-02T14:00:00Z', '2026-03-03T14:30:00Z', '2026-03-05T15:00:00Z', '2026-03-09T16:00:00Z'],
    durationMinutes: [30, 45, 60],
    reason: ['Check-up'],
    notes: ['Bring X-rays'],
    metadata: [{ source: 'fuzz' }],
    recurrence: [{ frequency: 'weekly', maxOccurrences: 2 }],
    from: ['2026-03-16T00:00:00Z'],
    idempotencyKey: ['fuzz-1', 'fuzz-2'],
  }),
);

/** An object body for the route: each documented field absent or present, mostly plausible. */
const fieldsBody = (route: Route) => {
  const fieldNames = route.bodyFields.length > 0 ? route.bodyFields : ['reason'];
  const plausible = (name: string) =>
    fc.constantFrom(...(PLAUSIBLE_BODY.get(name) ?? ['x'])).map((value) => JSON.stringify(value));
  const field = (name: string) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: plausible(name) },
      hostileJsonValue,
    );
  const extra = fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    fc.tuple(fc.string({ maxLength: 10 }), hostileJsonValue),
  );
  return fc.tuple(fc.tuple(...fieldNames.map(field)), extra).map(([values, unknown]) => {
    const members = fieldNames.flatMap((name, index) => {
      const value = values[index];
      return value === undefined ? [] : [`${JSON.stringify(name)}:${value}`];
    });
    if (unknown !== undefined) members.push(`${JSON.stringify(unknown[0])}:${unknown[1]}`);
    return `{${members.join(',')}}`;
  });
};

/** Every documented field plausible but, now and then, one: such a body gets deep into the Scheduler. */
const completeBody = (route: Route) => {
  const fieldNames = route.bodyFields.length > 0 ? route.bodyFields : ['reason'];
  const values = fieldNames.map((name) => fc.constantFrom(...(PLAUSIBLE_BODY.get(name) ?? ['x'])));
  const spoiled = sometimes(fc.tuple(fc.nat(fieldNames.length - 1), hostileJsonValue));
  return fc.tuple(fc.tuple(...values), spoiled).map(([chosen, spoil]) => {
    const members = fieldNames.map((name, index) => {
      const value = spoil?.[0] === index ? spoil[1] : JSON.stringify(chosen[index]);
      return `${JSON.stringify(name)}:${value}`;
    });
    return `{${members.join(',')}}`;
  });
};

const body = (route: Route) =>
  fc.oneof(
    { weight: route.method === 'GET' ? 20 : 2, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fieldsBody(route) },
    { weight: 4, arbitrary: completeBody(route) },
    hostileJsonValue,
    fc.string({ maxLength: 60 }),
  );

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset=latin9',
  'application/json; charset=utf-16le',
  'application/json; charset=utf-4711',
  'application/json; charset',
  'application/json;;=;',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
];

const headers = fc.record({
  authorization: mostly(
    fc.constantFrom('Bearer demo-admin', 'Bearer demo-admin', 'Bearer demo-receptionist', 'Bearer demo-doctor'),
    fc.oneof(
      fc.constantFrom(
        'bearer  demo-admin',
        'Bearer __proto__',
        'Bearer constructor',
        'Bearer toString',
        'Bearer hasOwnProperty',
        'Bearer demo-admin demo-doctor',
        'Bearer demo-admin, Bearer demo-doctor',
        'Bearer\tdemo-admin',
        `Bearer ${'a'.repeat(4000)}`,
        'Basic ZGVtbzo=',
      ),
      headerText().map((text) => `Bearer ${text}`),
      headerText(),
    ),
  ),
  contentType: mostly(fc.constant('application/json'), fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText())),
  contentEncoding: sometimes(
    fc.oneof(fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'x-foo', 'gzip, br', 'GZIP', ''), headerText(12)),
  ),
  compress: fc.boolean(),
  ifMatch: sometimes(
    fc.oneof(
      fc.constantFrom('*', '"1"', '"2"', '"1", "2", "3"', 'W/"1"', '"a"', '""', '"1', '1"', '1', '*, "1"', ' , ,'),
      headerText(),
    ),
  ),
  idempotencyKey: sometimes(fc.oneof(fc.constantFrom('key-1', ''), headerText(), fc.constant('k'.repeat(2000)))),
});

/** Encodes the body as its Content-Encoding says when asked to; otherwise sends it as is. */
function encodeBody(text: string, encoding: string | undefined, compress: boolean): string | Buffer {
  if (!compress) return text;
  switch (encoding) {
    case 'gzip':
      return gzipSync(text);
    case 'deflate':
      return deflateSync(text);
    case 'br':
      return brotliCompressSync(text);
    default:
      return text;
  }
}

/** A whole hostile request for one route (or, now and then, for a path no route serves). */
const hostileRequest = () =>
  fc
    // Routes that read a body have more to get wrong.
    .oneof(...routes.map((route) => ({ weight: route.bodyFields.length > 0 ? 3 : 1, arbitrary: fc.constant(route) })))
    .chain((route) =>
      fc.record({
        route: fc.constant(route),
        method: mostly(fc.constant(route.method), fc.constantFrom(...METHODS)),
        id: pathId(),
        query: query(route),
        unknownPath: sometimes(fc.string({ unit: 'binary', maxLength: 20 }).map(percentEncode)),
        body: body(route),
        headers,
      }),
    )
    .map(({ route, method, id, query: search, unknownPath, body: text, headers: given }): RawRequest => {
      const path = unknownPath === undefined ? route.path.replace(/\{[^}]+\}/g, id) : `/api/v1/${unknownPath}/${id}`;
      const sent: Record<string, string> = { Authorization: given.authorization };
      if (given.contentType !== '') sent['Content-Type'] = given.contentType;
      if (given.contentEncoding !== undefined) sent['Content-Encoding'] = given.contentEncoding;
      if (given.ifMatch !== undefined) sent['If-Match'] = given.ifMatch;
      if (given.idempotencyKey !== undefined) sent['Idempotency-Key'] = given.idempotencyKey;
      return {
        method,
        path: path + search,
        headers: sent,
        ...(text !== undefined && { body: encodeBody(text, given.contentEncoding, given.compress) }),
      };
    });

describe('hostile HTTP', () => {
  it('fuzzes every route the app serves', async () => {
    const served = servedRoutes(server.app);
    expect(served).toHaveLength(routes.length);
    for (const route of routes) {
      // Authentication sits on each route and unknown paths are 404 for everyone, so a 401
      // proves the route exists; the openapi document and its docs alone are public.
      const response = await server.send({
        method: route.method,
        path: route.path.replace(/\{[^}]+\}/g, seededIds[0] ?? ''),
      });
      expect(`${route.method} ${route.path} → ${response.status}`).toBe(
        `${route.method} ${route.path} → ${PUBLIC_PATHS.includes(route.path) ? 200 : 401}`,
      );
    }
  });

  it('never answers 5xx, always refuses in the error shape, and a refusal writes nothing', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileRequest(), async (request) => {
        const before = await server.snapshot();
        const response = await server.send(request);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, response.text.slice(0, 500)).toBeLessThan(500);
        if (response.status >= 300 && request.method !== 'HEAD') {
          expect(errorBody(response), `${response.status} ${response.text.slice(0, 500)}`).toBeDefined();
        }
        if (response.status >= 400) expect(await server.snapshot()).toBe(before);
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    // The inputs must reach past the front door: some succeed, and most are not stopped by auth.
    const count = (predicate: (status: number) => boolean) =>
      [...statuses].filter(([status]) => predicate(status)).reduce((sum, [, n]) => sum + n, 0);
    expect(count((status) => status < 300)).toBeGreaterThan(NUM_RUNS / 20);
    expect(count((status) => status === 401 || status === 403)).toBeLessThan(NUM_RUNS / 2);
  });
});
