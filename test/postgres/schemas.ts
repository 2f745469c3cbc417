import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../adapters/postgres/index.js';

/**
 * Stores on the test server, each in a schema of its own so suites and files can run in
 * parallel; the schemas are dropped when the file ends.
 */
export function postgresStores() {
  const url = inject('databaseUrl');
  const created: string[] = [];
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const schema of created) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });
  return {
    url,
    create(): PostgresStore {
      const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      created.push(schema);
      return createPostgresStore({ connectionString: url, schema });
    },
  };
}
