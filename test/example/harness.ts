import { Agent, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createScheduler, type Scheduler } from 'appointment-kit';
import { createSqliteStore, type SqliteStore } from 'appointment-kit/sqlite';
import { createApp } from '../../examples/express/app.js';
import type { Authenticate } from '../../examples/express/auth.js';
import {
  authenticateDemoToken,
  DEMO_PATIENTS,
  DEMO_PROVIDERS,
  demoDirectory,
} from '../../examples/express/demo-data.js';
import { manualClock } from '../fixtures.js';

/** A request exactly as it goes on the wire: the path is not normalised or re-encoded. */
export interface RawRequest {
  readonly method: string;
  /** Path and query, already percent-encoded (or deliberately not). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** What came back: the status, the headers, and the body as text and (when it parses) as JSON. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
}

/** The example app over a fresh in-memory SQLite store, listening on an ephemeral port. */
export interface ExampleServer {
  readonly store: SqliteStore;
  readonly scheduler: Scheduler;
  readonly clock: ReturnType<typeof manualClock>;
  readonly app: ReturnType<typeof createApp>;
  send(request: RawRequest): Promise<RawResponse>;
  /** Every stored appointment with its version, as text: equal snapshots mean nothing was written. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the example app. Requests go through `node:http` rather than supertest, so hostile
 * paths (`%`, `%E0%A4%A`) and headers reach the server byte for byte.
 */
export async function startExampleServer({
  now = '2026-03-01T12:00:00Z',
  authenticate = authenticateDemoToken,
}: {
  now?: string;
  authenticate?: Authenticate;
} = {}): Promise<ExampleServer> {
  const store = createSqliteStore({ filename: ':memory:' });
  await store.migrate();
  const clock = manualClock(now);
  const scheduler = createScheduler({ store, directory: demoDirectory, clock: clock.read });
  const app = createApp({
    scheduler,
    authenticate,
    providers: DEMO_PROVIDERS,
    patients: DEMO_PATIENTS,
    clock: clock.read,
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((ready, fail) => server.once('listening', ready).once('error', fail));
  const { port } = server.address() as AddressInfo;
  // One connection per request: a refused body must not leave a half-read keep-alive socket behind.
  const agent = new Agent({ keepAlive: false });

  const send = ({ method, path, headers = {}, body }: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const framed = Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name));
      // node:http frames a GET's body with neither header: the server would read it as a second request.
      const allHeaders =
        body === undefined || framed ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
      const options = { host: '127.0.0.1', port, method, path, headers: allHeaders, agent };
      const outgoing = httpRequest(options, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json: parseJson(text) });
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  return {
    store,
    scheduler,
    clock,
    app,
    send,
    snapshot: async () => {
      const { items } = await store.listAppointments({}, { limit: 100_000, offset: 0, order: 'asc' });
      return JSON.stringify(items);
    },
    close: async () => {
      agent.destroy();
      await new Promise<void>((done) => server.close(() => done()));
      await store.close();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API's error body, or undefined when the response is not in that shape. */
export function errorBody(
  response: RawResponse,
): { code: string; message: string; details: Record<string, unknown> } | undefined {
  const error = (response.json as { error?: unknown } | undefined)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
  return { code, message, details: details as Record<string, unknown> };
}

/** Authorization and JSON headers for one of the demo users. */
export const asUser = (
  token: 'demo-admin' | 'demo-doctor' | 'demo-receptionist',
  extra: Record<string, string> = {},
) => ({
  Authorization: `Bearer ${token}`,
  'Content-Type': 'application/json',
  ...extra,
});
