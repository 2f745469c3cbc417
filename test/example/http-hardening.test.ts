import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Actor } from 'appointment-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PATIENTS, DEMO_PROVIDERS, DEMO_TOKENS } from '../../examples/express/demo-data.js';
import { asUser, type ExampleServer, errorBody, type RawResponse, startExampleServer } from './harness.js';

const LONDON = DEMO_PROVIDERS[0]?.id as string;
const ALICE = DEMO_PATIENTS[0]?.id as string;
const RECEPTIONIST = DEMO_TOKENS.get('demo-receptionist') as Actor;
const APPOINTMENTS = '/api/v1/appointments';

let server: ExampleServer;
beforeEach(async () => {
  server = await startExampleServer();
});
afterEach(async () => {
  await server.close();
});

const booking = (start = '2026-03-02T10:00:00Z', extra: Record<string, unknown> = {}) => ({
  patientId: ALICE,
  providerId: LONDON,
  type: 'follow_up',
  start,
  ...extra,
});
async function book(start = '2026-03-02T10:00:00Z') {
  const { appointment } = await server.scheduler.book(booking(start), RECEPTIONIST);
  return appointment;
}

/** Asserts a refusal: this status, the API's error shape, and (when given) this code. */
function expectRefused(response: RawResponse, status: number, code?: string) {
  expect({ status: response.status, body: response.text }).toMatchObject({ status });
  const error = errorBody(response);
  expect(error, response.text).toBeDefined();
  if (code !== undefined) expect(error?.code).toBe(code);
  expect(response.text).not.toMatch(/at .*\.[jt]s|SELECT|INSERT|node_modules/);
  return error;
}

/** A JSON text nested `depth` levels deep, built without recursion. */
const nested = (depth: number, open = '{"a":', close = '}') => `${open.repeat(depth)}1${close.repeat(depth)}`;

describe('bodies: a client mistake is a 4xx in the error shape', () => {
  it('415 for a Content-Encoding the server cannot decode', async () => {
    for (const encoding of ['x-foo', 'compress', 'gzip, x-foo']) {
      const response = await server.send({
        method: 'POST',
        path: APPOINTMENTS,
        headers: asUser('demo-receptionist', { 'Content-Encoding': encoding }),
        body: JSON.stringify(booking()),
      });
      expectRefused(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await server.snapshot()).toBe('[]');
  });

  it('400 for a body that does not decode under its Content-Encoding; a real brotli or gzip body books', async () => {
    for (const encoding of ['br', 'gzip', 'deflate']) {
      const response = await server.send({
        method: 'POST',
        path: APPOINTMENTS,
        headers: asUser('demo-receptionist', { 'Content-Encoding': encoding }),
        body: JSON.stringify(booking()),
      });
      expectRefused(response, 400, 'BAD_REQUEST');
    }
    const brotli = await server.send({
      method: 'POST',
      path: APPOINTMENTS,
      headers: asUser('demo-receptionist', { 'Content-Encoding': 'br' }),
      body: brotliCompressSync(JSON.stringify(booking('2026-03-02T10:00:00Z'))),
    });
    expect(brotli.status).toBe(201);
    const gzip = await server.send({
      method: 'POST',
      path: APPOINTMENTS,
      headers: asUser('demo-receptionist', { 'Content-Encoding': 'gzip' }),
      body: gzipSync(JSON.stringify(booking('2026-03-02T11:00:00Z'))),
    });
    expect(gzip.status).toBe(201);
  });

  it('415 for an unsupported or unreadable charset and for bodies that are not JSON', async () => {
    const created = await book();
    const before = await server.snapshot();
    for (const contentType of [
      'application/json; charset=latin9',
      'application/json; charset=iso-8859-1',
      'application/json; charset=utf-4711',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'json',
      '*/*',
    ]) {
      for (const [method, path, body] of [
        ['POST', APPOINTMENTS, booking('2026-03-03T10:00:00Z')],
        ['PUT', `${APPOINTMENTS}/${created.id}`, { notes: 'x' }],
        ['POST', `${APPOINTMENTS}/${created.id}/cancel`, { reason: 'x' }],
      ] as const) {
        const response = await server.send({
          method,
          path,
          headers: asUser('demo-admin', { 'Content-Type': contentType }),
          body: JSON.stringify(body),
        });
        expect(`${contentType} → ${response.status}`).toBe(`${contentType} → 415`);
        expectRefused(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
    }
    const untyped = await server.send({
      method: 'POST',
      path: APPOINTMENTS,
      headers: { Authorization: 'Bearer demo-admin' },
      body: JSON.stringify(booking('2026-03-03T10:00:00Z')),
    });
    expectRefused(untyped, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await server.snapshot()).toBe(before);
  });

  it('ignores the Content-Type of an empty body: no body is the Scheduler’s to judge', async () => {
    const created = await book();
    const emptyBooking = await server.send({
      method: 'POST',
      path: APPOINTMENTS,
      headers: asUser('demo-receptionist', { 'Content-Type': 'text/plain', 'Content-Length': '0' }),
    });
    expectRefused(emptyBooking, 400, 'VALIDATION_ERROR');
    const confirm = await server.send({
      method: 'POST',
      path: `${APPOINTMENTS}/${created.id}/confirm`,
      headers: asUser('demo-receptionist', { 'Content-Type': 'text/plain', 'Content-Length': '0' }),
    });
    expect(confirm.status).toBe(200);
  });

  it('400 for JSON that is not an object: an array, a string, null, a number', async () => {
    const created = await book();
    const before = await server.snapshot();
    for (const text of ['[]', `[${JSON.stringify(booking())}]`, '"booking"', 'null', '42', 'true']) {
      for (const [method, path, headers] of [
        ['POST', APPOINTMENTS, {}],
        ['POST', APPOINTMENTS, { 'Idempotency-Key': 'k-1' }],
        ['PUT', `${APPOINTMENTS}/${created.id}`, {}],
        ['POST', `${APPOINTMENTS}/${created.id}/cancel`, {}],
        ['POST', `${APPOINTMENTS}/series/${created.id}/cancel`, {}],
      ] as const) {
        const response = await server.send({ method, path, headers: asUser('demo-admin', headers), body: text });
        expect(response.status, `${method} ${path} ${text}`).toBe(400);
        expectRefused(response, 400);
      }
    }
    expect(await server.snapshot()).toBe(before);
  });

  it('400 for JSON nested 5,000 deep, as a whole body or inside metadata', async () => {
    const created = await book();
    const before = await server.snapshot();
    const bodies = [
      nested(5000),
      nested(5000, '[', ']'),
      JSON.stringify(booking()).replace(/}$/, `,"metadata":${nested(5000)}}`),
    ];
    for (const body of bodies) {
      for (const [method, path] of [
        ['POST', APPOINTMENTS],
        ['PUT', `${APPOINTMENTS}/${created.id}`],
        ['POST', `${APPOINTMENTS}/${created.id}/cancel`],
      ] as const) {
        const response = await server.send({ method, path, headers: asUser('demo-admin'), body });
        expect(response.status, `${method} ${path}`).toBe(400);
        expectRefused(response, 400);
      }
    }
    const metadataUpdate = await server.send({
      method: 'PUT',
      path: `${APPOINTMENTS}/${created.id}`,
      headers: asUser('demo-admin'),
      body: `{"metadata":${nested(5000)}}`,
    });
    expectRefused(metadataUpdate, 400, 'VALIDATION_ERROR');
    expect(await server.snapshot()).toBe(before);
  });
});

describe('paths: malformed percent-encoding is a 400', () => {
  it('400 BAD_REQUEST for every route with an id, without echoing the raw path', async () => {
    await book();
    const before = await server.snapshot();
    for (const id of ['%E0%A4%A', '%', '%zz', '%%', 'a%2', '%ED%A0%80', '%C0%AF', '%FF']) {
      for (const [method, path] of [
        ['GET', `${APPOINTMENTS}/${id}`],
        ['PUT', `${APPOINTMENTS}/${id}`],
        ['POST', `${APPOINTMENTS}/${id}/cancel`],
        ['POST', `${APPOINTMENTS}/${id}/confirm`],
        ['POST', `${APPOINTMENTS}/${id}/check-in`],
        ['POST', `${APPOINTMENTS}/${id}/complete`],
        ['POST', `${APPOINTMENTS}/${id}/no-show`],
        ['GET', `${APPOINTMENTS}/${id}/audit`],
        ['POST', `${APPOINTMENTS}/series/${id}/cancel`],
      ] as const) {
        const response = await server.send({
          method,
          path,
          headers: asUser('demo-admin'),
          body: JSON.stringify({ reason: 'x', notes: 'y' }),
        });
        expect(`${method} ${path} → ${response.status}`).toBe(`${method} ${path} → 400`);
        const error = expectRefused(response, 400, 'BAD_REQUEST');
        expect(error?.message).not.toContain(id);
      }
    }
    expect(await server.snapshot()).toBe(before);
  });

  it('an id with NUL or an upper-case UUID is never a 5xx', async () => {
    const created = await book();
    for (const id of [
      '%00',
      `${created.id}%00`,
      created.id.toUpperCase(),
      encodeURIComponent('\uFFFF'),
      'x'.repeat(4000),
    ]) {
      const response = await server.send({
        method: 'GET',
        path: `${APPOINTMENTS}/${id}`,
        headers: asUser('demo-admin'),
      });
      expect(response.status, id).toBeLessThan(500);
      if (response.status >= 300) expectRefused(response, response.status);
    }
  });
});

describe('authentication: only an own, well-formed token authenticates', () => {
  it('401 for tokens named like Object.prototype members', async () => {
    for (const token of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const response = await server.send({
        method: 'GET',
        path: APPOINTMENTS,
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(`${token} → ${response.status}`).toBe(`${token} → 401`);
      expectRefused(response, 401, 'UNAUTHENTICATED');
      // A token was given and refused: RFC 6750 §3.1 says so in the challenge.
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
  });

  it('401 when the host’s verifier returns something without a string id', async () => {
    await server.close();
    // The classic mistake: a plain object as the token table, so `__proto__` finds Object.prototype.
    const table: Record<string, Actor> = { good: { id: 'u-1', role: 'admin' } };
    const odd: Record<string, unknown> = { numeric: { id: 7, role: 'admin' }, empty: { id: '', role: 'admin' } };
    server = await startExampleServer({
      authenticate: (token) => (odd[token] as Actor | undefined) ?? table[token] ?? null,
    });
    for (const token of ['__proto__', 'constructor', 'toString', 'numeric', 'empty']) {
      const response = await server.send({
        method: 'GET',
        path: APPOINTMENTS,
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(`${token} → ${response.status}`).toBe(`${token} → 401`);
      expectRefused(response, 401, 'UNAUTHENTICATED');
    }
    const good = await server.send({ method: 'GET', path: APPOINTMENTS, headers: { Authorization: 'Bearer good' } });
    expect(good.status).toBe(200);
  });

  it('401, never 500, for malformed credentials', async () => {
    for (const authorization of [
      'Bearer demo-admin demo-doctor',
      'Bearer demo-admin, Bearer demo-doctor',
      'Bearer demo-admin,demo-doctor',
      'Bearer\tdemo-admin',
      'bearer nope',
      'BEARER',
      'Bearer',
      'Bearer "demo-admin"',
      'Basic ZGVtby1hZG1pbjo=',
      'demo-admin',
      `Bearer ${'a'.repeat(10_000)}`,
      `Bearer demo-admin${'='.repeat(3)}x`,
      'Bearer dëmo-admin',
    ]) {
      const response = await server.send({
        method: 'GET',
        path: APPOINTMENTS,
        headers: { Authorization: authorization },
      });
      expect(`${authorization.slice(0, 60)} → ${response.status}`).toBe(`${authorization.slice(0, 60)} → 401`);
      expectRefused(response, 401, 'UNAUTHENTICATED');
    }
  });

  it('reads the scheme case-insensitively and allows several spaces before the token (RFC 9110 §11.1, RFC 6750 §2.1)', async () => {
    for (const authorization of ['bearer demo-admin', 'BEARER demo-admin', 'Bearer    demo-admin']) {
      const response = await server.send({
        method: 'GET',
        path: APPOINTMENTS,
        headers: { Authorization: authorization },
      });
      expect(response.status, authorization).toBe(200);
    }
  });
});

describe('If-Match per RFC 9110 §13.1.1', () => {
  let edits = 0;
  // Each PUT writes new notes: an unchanged value would leave the version where it is.
  async function put(id: string, ifMatch: string, notes = `edit ${++edits}`) {
    return server.send({
      method: 'PUT',
      path: `${APPOINTMENTS}/${id}`,
      headers: asUser('demo-doctor', { 'If-Match': ifMatch }),
      body: JSON.stringify({ notes }),
    });
  }
  async function atVersion(version: number) {
    const created = await book();
    for (let current = 1; current < version; current++) {
      await server.scheduler.update(created.id, { notes: `v${current + 1}` }, RECEPTIONIST);
    }
    return created.id;
  }

  it('"*" matches any current version', async () => {
    const id = await atVersion(3);
    const response = await put(id, '*');
    expect(response.status).toBe(200);
    expect(response.headers.etag).toBe('"4"');
  });

  it('a list matches when any of its tags is the current ETag', async () => {
    const id = await atVersion(3);
    for (const [header, etag] of [
      ['"1", "3"', '"4"'],
      ['"9","4" ,"2"', '"5"'],
      [' , "x", W/"4", "5",', '"6"'],
    ] as const) {
      const response = await put(id, header);
      expect(response.status, header).toBe(200);
      expect(response.headers.etag).toBe(etag);
    }
  });

  it('412 STALE_VERSION when no tag of the list is current, and nothing changes', async () => {
    const id = await atVersion(3);
    const before = await server.snapshot();
    for (const header of ['"1", "2"', '"4"', '"a"', '"03"', '""', '"3x"', '"9007199254740993"']) {
      const response = await put(id, header);
      expect(`${header} → ${response.status}`).toBe(`${header} → 412`);
      expectRefused(response, 412, 'STALE_VERSION');
    }
    expect(await server.snapshot()).toBe(before);
  });

  it('a weak tag never matches: If-Match uses the strong comparison', async () => {
    const id = await atVersion(3);
    for (const header of ['W/"3"', 'W/"3", W/"2"']) {
      const response = await put(id, header);
      expect(response.status, header).toBe(412);
      expectRefused(response, 412, 'STALE_VERSION');
    }
  });

  it('keeps the single-tag behaviour: "3" proceeds, a stale "3" is 412 with both versions', async () => {
    const id = await atVersion(3);
    expect((await put(id, '"3"')).status).toBe(200);
    const stale = await put(id, '"3"');
    expect(errorBody(stale)).toMatchObject({
      code: 'STALE_VERSION',
      details: { expectedVersion: 3, actualVersion: 4 },
    });
    expect(stale.status).toBe(412);
  });

  it('400 VALIDATION_ERROR naming If-Match for a header that is not an entity-tag list', async () => {
    const id = await atVersion(2);
    const before = await server.snapshot();
    for (const header of [
      '"1',
      '1"',
      '1',
      'whatever',
      'W/1',
      'w/"2"',
      '*, "2"',
      '"2" "2"',
      '"2"x',
      '**',
      '"a"b"',
      'W/ "2"',
      '"2 "',
    ]) {
      const response = await put(id, header);
      expect(`${header} → ${response.status}`).toBe(`${header} → 400`);
      const error = expectRefused(response, 400, 'VALIDATION_ERROR');
      expect(error?.details.issues).toEqual([expect.objectContaining({ path: 'If-Match' })]);
    }
    expect(await server.snapshot()).toBe(before);
  });

  it('applies to cancel and the workflow actions too; an unknown id is 404 whatever If-Match says', async () => {
    const id = await atVersion(2);
    const confirm = await server.send({
      method: 'POST',
      path: `${APPOINTMENTS}/${id}/confirm`,
      headers: asUser('demo-admin', { 'If-Match': '"1", "2"' }),
    });
    expect(confirm.status).toBe(200);
    const stale = await server.send({
      method: 'POST',
      path: `${APPOINTMENTS}/${id}/cancel`,
      headers: asUser('demo-admin', { 'If-Match': 'W/"3", "2"' }),
      body: JSON.stringify({ reason: 'x' }),
    });
    expectRefused(stale, 412, 'STALE_VERSION');
    const cancel = await server.send({
      method: 'POST',
      path: `${APPOINTMENTS}/${id}/cancel`,
      headers: asUser('demo-admin', { 'If-Match': '*' }),
      body: JSON.stringify({ reason: 'x' }),
    });
    expect(cancel.status).toBe(200);
    for (const header of ['*', '"1", "2"', 'W/"1"']) {
      const missing = await put('00000000-0000-4000-8000-000000000000', header);
      expectRefused(missing, 404, 'NOT_FOUND');
    }
  });
});

describe('queries: whatever the query, a 4xx in the error shape', () => {
  const queryRoutes = [
    APPOINTMENTS,
    `${APPOINTMENTS}/availability`,
    `${APPOINTMENTS}/suggestions`,
    `${APPOINTMENTS}/schedule/daily`,
    `${APPOINTMENTS}/schedule/weekly`,
    `${APPOINTMENTS}/schedule/monthly`,
    `${APPOINTMENTS}/statistics`,
  ];
  const valid = `providerId=${LONDON}&date=2026-03-02`;

  it('400 for unknown, repeated and bracketed parameters', async () => {
    for (const path of queryRoutes) {
      for (const query of [
        'colour=red',
        '__proto__=x',
        'constructor=x',
        'toString=1',
        'limit[]=1',
        'limit[a]=1',
        'limit=1&limit=2',
        `providerId=${LONDON}&providerId=${LONDON}&date=2026-03-02`,
        `${valid}&date=2026-03-03`,
        `${valid}&from=1&from=2`,
      ]) {
        const response = await server.send({ method: 'GET', path: `${path}?${query}`, headers: asUser('demo-admin') });
        expect(`${path}?${query} → ${response.status}`).toBe(`${path}?${query} → 400`);
        expectRefused(response, 400, 'VALIDATION_ERROR');
      }
    }
  });

  it('400 for NUL in a value; never 5xx for lone-surrogate bytes, huge values or thousands of keys', async () => {
    await book();
    for (const path of queryRoutes) {
      const nul = await server.send({
        method: 'GET',
        path: `${path}?providerId=${LONDON}%00&date=2026-03-02`,
        headers: asUser('demo-admin'),
      });
      expect(`${path} NUL → ${nul.status}`).toBe(`${path} NUL → 400`);
      expectRefused(nul, 400, 'VALIDATION_ERROR');
      for (const query of [
        'providerId=%ED%A0%80&date=2026-03-02',
        'patientId=%ED%A0%80',
        'patientId=%00',
        '%00=1',
        '%ED%A0%80=1',
        `providerId=${'a'.repeat(12_000)}&date=2026-03-02`,
        Array.from({ length: 1200 }, (_, i) => `k${i}=${i}`).join('&'),
        `${'&'.repeat(5000)}providerId=${LONDON}`,
        '%=%&%%=%zz',
      ]) {
        const response = await server.send({ method: 'GET', path: `${path}?${query}`, headers: asUser('demo-admin') });
        expect(response.status, `${path}?${query.slice(0, 80)}`).toBeLessThan(500);
        if (response.status >= 300) expectRefused(response, response.status);
      }
    }
  });
});
