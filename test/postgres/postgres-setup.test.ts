import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../adapters/postgres/index.js';
import { SetupError } from '../../src/index.js';
import { rejectionOf } from '../fixtures.js';
import { postgresStores } from './schemas.js';

const stores = postgresStores();

/** The test server's URL with one part changed. */
function withUrl(change: (url: URL) => void): string {
  const url = new URL(stores.url);
  change(url);
  return url.toString();
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
}

describe('PostgreSQL setup errors say what to do, at once', () => {
  it.each([
    ['a wrong password', () => withUrl((url) => (url.password = 'not-the-password')), 'AUTHENTICATION_FAILED'],
    ['an unknown database', () => withUrl((url) => (url.pathname = '/no_such_database')), 'DATABASE_NOT_FOUND'],
  ] as const)('names %s', async (_what, url, code) => {
    const store = createPostgresStore({ connectionString: url(), schema: 'setup_errors' });
    const error = await rejectionOf(store.migrate());
    expect(error).toBeInstanceOf(SetupError);
    expect(error).toMatchObject({ code, httpStatus: 500, name: 'SetupError' });
    await store.close();
  });

  it('names a server that cannot be reached', async () => {
    const port = await closedPort();
    const store = createPostgresStore({
      connectionString: withUrl((url) => (url.port = String(port))),
      schema: 'setup_errors',
    });
    const error = await rejectionOf(store.migrate());
    expect(error).toBeInstanceOf(SetupError);
    expect(error).toMatchObject({ code: 'DATABASE_UNREACHABLE' });
    await store.close();
  });

  it('says to call migrate() when the schema is not migrated', async () => {
    const store = stores.create();
    const error = await rejectionOf(store.getAppointment('00000000-0000-4000-8000-000000000000'));
    expect(error).toBeInstanceOf(SetupError);
    expect(error).toMatchObject({ code: 'NOT_MIGRATED' });
    expect((error as Error).message).toContain('store.migrate()');
    await store.migrate();
    expect(await store.getAppointment('00000000-0000-4000-8000-000000000000')).toBeNull();
    await store.close();
  });
});
