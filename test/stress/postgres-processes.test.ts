import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createPostgresStore } from '../../adapters/postgres/index.js';
import { runWorker } from './workers.js';

const run = runWorker;

describe('PostgreSQL under several OS processes', () => {
  it('never double-books: 4 processes × 6 connections × 150 attempts on overlapping times for 3 providers', async () => {
    const url = inject('databaseUrl');
    const schema = `procs_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = createPostgresStore({ connectionString: url, schema });
    await store.migrate();
    await store.close();
    const providers = [randomUUID(), randomUUID(), randomUUID()].join(',');
    const outputs = await Promise.all(
      [0, 1, 2, 3].map((worker) => run('postgres-booking-worker.mjs', [url, schema, String(worker), '150', providers])),
    );
    const outcomes = outputs.map(
      (output) => JSON.parse(output) as { attempts: number; booked: number; conflicts: number; otherErrors: string[] },
    );
    const totals = {
      attempts: outcomes.reduce((sum, outcome) => sum + outcome.attempts, 0),
      booked: outcomes.reduce((sum, outcome) => sum + outcome.booked, 0),
      conflicts: outcomes.reduce((sum, outcome) => sum + outcome.conflicts, 0),
    };
    console.log('PostgreSQL 4-process run:', JSON.stringify(totals));
    expect(outcomes.flatMap((outcome) => outcome.otherErrors)).toEqual([]);
    expect(totals.attempts).toBe(600);
    expect(totals.booked + totals.conflicts).toBe(600);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const overlaps = await client.query(
      `SELECT count(*)::int AS pairs FROM "${schema}".appointments a JOIN "${schema}".appointments b
         ON a.provider_id = b.provider_id AND a.id < b.id
        WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')
          AND tstzrange(a.start, a."end") && tstzrange(b.start, b."end")`,
    );
    const rows = await client.query(`SELECT count(*)::int AS n FROM "${schema}".appointments`);
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await client.end();
    expect(overlaps.rows[0].pairs).toBe(0);
    expect(rows.rows[0].n).toBe(totals.booked);
  }, 120_000);
});
