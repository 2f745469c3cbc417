import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPostgresStore } from '../../adapters/postgres/index.js';
import { createPostgresMigrator } from '../../adapters/postgres/migrations.js';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { createSqliteMigrator } from '../../adapters/sqlite/migrations.js';
import { runJsonWorker } from './workers.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-upgrade-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** How many appointments the database holds before the upgrade. */
const EXISTING = 10_000;
const HOUR_MS = 3_600_000;

const race = (args: string[]) =>
  runJsonWorker<{ booked: number; refused: number; otherErrors: string[] }>('resource-booking-worker.mjs', args);

/** Pairs of occupying appointments of one provider whose times overlap, counted from the rows. */
function providerOverlaps(rows: ReadonlyArray<{ provider_id: string; start: number; end: number; status: string }>) {
  const byProvider = new Map<string, Array<[number, number]>>();
  for (const row of rows) {
    if (row.status === 'cancelled' || row.status === 'no_show') continue;
    byProvider.set(row.provider_id, [...(byProvider.get(row.provider_id) ?? []), [row.start, row.end]]);
  }
  let pairs = 0;
  for (const ranges of byProvider.values()) {
    ranges.sort((a, b) => a[0] - b[0]);
    for (let index = 1; index < ranges.length; index++) {
      if ((ranges[index] as [number, number])[0] < (ranges[index - 1] as [number, number])[1]) pairs++;
    }
  }
  return pairs;
}

describe('upgrading a populated database to resources, then racing on it', () => {
  it(`SQLite: ${EXISTING} appointments from migration 0003 upgrade in place; 4 processes then book rooms without overlap`, async () => {
    const file = join(directory, `upgrade-${randomUUID()}.db`);
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    expect((await createSqliteMigrator(old).migrateTo('0003_series_segments')).error).toBeUndefined();
    // Ten thousand hour-long appointments of 50 providers, one after another from 2026-03-02.
    await sql
      .raw(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${EXISTING})
         INSERT INTO appointments (id, patient_id, provider_id, type, status, start, "end", duration_minutes,
           buffer_before_minutes, buffer_after_minutes, time_zone, confirmation_code, version, metadata,
           created_at, updated_at, created_by, updated_by)
         SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'old-patient', 'old-provider-' || (i % 50), 'follow_up', 'scheduled',
           ${Date.parse('2026-03-02T00:00:00Z')} + (i / 50) * ${HOUR_MS}, ${Date.parse('2026-03-02T00:00:00Z')} + (i / 50) * ${HOUR_MS} + 1800000,
           30, 0, 0, 'UTC', 'OLD-' || i, 1, '{}', 0, 0, 'old', 'old'
         FROM n`,
      )
      .execute(old);
    await old.destroy();
    const store = createSqliteStore({ filename: file });
    await store.migrate();
    await store.close();
    const outcomes = await Promise.all([0, 1, 2, 3].map((worker) => race(['sqlite', file, '', String(worker), '60'])));
    expect(outcomes.flatMap((outcome) => outcome.otherErrors)).toEqual([]);
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT provider_id, start, "end", status, resources FROM appointments').all() as Array<{
      provider_id: string;
      start: number;
      end: number;
      status: string;
      resources: string;
    }>;
    const withResources = rows.filter((row) => row.resources !== '[]').length;
    db.close();
    expect(rows.length).toBeGreaterThan(EXISTING);
    expect(rows.filter((row) => row.resources === '[]').length).toBeGreaterThanOrEqual(EXISTING);
    expect(withResources).toBeGreaterThan(0);
    expect(providerOverlaps(rows)).toBe(0);
  }, 120_000);

  it(`PostgreSQL: ${EXISTING} appointments from migration 0003 upgrade in place; 4 processes then book rooms without overlap`, async () => {
    const url = inject('databaseUrl');
    const schema = `upg_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) });
    await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(old);
    expect((await createPostgresMigrator(old, schema).migrateTo('0003_series_segments')).error).toBeUndefined();
    await sql
      .raw(
        `INSERT INTO "${schema}".appointments (id, patient_id, provider_id, type, status, start, "end", duration_minutes,
           buffer_before_minutes, buffer_after_minutes, occupied_start, occupied_end, time_zone, confirmation_code, version,
           created_at, updated_at, created_by, updated_by)
         SELECT lpad(to_hex(i), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'old-patient', 'old-provider-' || (i % 50),
           'follow_up', 'scheduled', t, t + interval '30 minutes', 30, 0, 0, t, t + interval '30 minutes', 'UTC', 'OLD-' || i, 1,
           now(), now(), 'old', 'old'
         FROM generate_series(0, ${EXISTING - 1}) AS i, LATERAL (SELECT timestamptz '2026-03-02T00:00:00Z' + (i / 50) * interval '1 hour' AS t) AS s`,
      )
      .execute(old);
    await old.destroy();
    const store = createPostgresStore({ connectionString: url, schema });
    await store.migrate();
    await store.close();
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map((worker) => race(['postgres', url, schema, String(worker), '60'])),
    );
    expect(outcomes.flatMap((outcome) => outcome.otherErrors)).toEqual([]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(
      `SELECT provider_id, start, "end", status, resources FROM "${schema}".appointments`,
    );
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await client.end();
    const decoded = rows.map((row) => ({
      provider_id: row.provider_id as string,
      start: (row.start as Date).getTime(),
      end: (row.end as Date).getTime(),
      status: row.status as string,
      resources: row.resources as string[],
    }));
    expect(decoded.length).toBeGreaterThan(EXISTING);
    expect(decoded.filter((row) => row.resources.length > 0).length).toBeGreaterThan(0);
    expect(providerOverlaps(decoded)).toBe(0);
  }, 120_000);
});
