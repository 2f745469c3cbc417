import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPostgresStore } from '../../adapters/postgres/index.js';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { runJsonWorker } from './workers.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-limits-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Outcome {
  readonly attempts: number;
  readonly booked: number;
  readonly periodLimit: number;
  readonly conflicts: number;
  readonly otherErrors: string[];
}

const run = (args: string[]) => runJsonWorker<Outcome>('limit-booking-worker.mjs', args);

/** The 4 processes' outcomes, summed; every attempt ends booked, at the limit, or in a conflict. */
async function race(
  store: string[],
  provider: string,
  limits: object,
  window: { firstStart: string; days: number; hours: number },
) {
  const outcomes = await Promise.all(
    [0, 1, 2, 3].map((worker) =>
      run([
        ...store,
        String(worker),
        '60',
        provider,
        JSON.stringify(limits),
        window.firstStart,
        String(window.days),
        String(window.hours),
      ]),
    ),
  );
  expect(outcomes.flatMap((outcome) => outcome.otherErrors)).toEqual([]);
  const total = (field: 'attempts' | 'booked' | 'periodLimit' | 'conflicts') =>
    outcomes.reduce((sum, outcome) => sum + outcome[field], 0);
  const totals = {
    attempts: total('attempts'),
    booked: total('booked'),
    periodLimit: total('periodLimit'),
    conflicts: total('conflicts'),
  };
  expect(totals.booked + totals.periodLimit + totals.conflicts).toBe(totals.attempts);
  return totals;
}

/** Active appointment starts read back from the database, in London local ISO week/day terms. */
const localDays = (starts: number[]) =>
  starts.map((start) => DateTime.fromMillis(start, { zone: 'Europe/London' }).toISODate());

// The week of 23 March 2026 in London ends on Sunday 29 March, the day the clocks go forward:
// 08:00–20:00 UTC each day is 08:00–20:00 GMT, then 09:00–21:00 BST on the Sunday.
const DST_WEEK = { firstStart: '2026-03-23T08:00:00Z', days: 7, hours: 12 };
const ONE_DAY = { firstStart: '2026-03-03T08:00:00Z', days: 1, hours: 10 };

describe('period limits under 4 OS processes × 2 lanes, SQLite (one file)', () => {
  async function migratedFile(): Promise<string> {
    const file = join(directory, `limits-${randomUUID()}.db`);
    const store = createSqliteStore({ filename: file });
    await store.migrate();
    await store.close();
    return file;
  }
  const activeStarts = (file: string, provider: string) => {
    const db = new Database(file, { readonly: true });
    const rows = db
      .prepare(`SELECT start FROM appointments WHERE provider_id = ? AND status NOT IN ('cancelled', 'no_show')`)
      .all(provider) as Array<{ start: number }>;
    db.close();
    return rows.map((row) => row.start);
  };

  it('books exactly K on one provider-day with a per-day limit of K', async () => {
    const file = await migratedFile();
    const provider = randomUUID();
    const totals = await race(['sqlite', file], provider, { perDay: 5 }, ONE_DAY);
    console.log('SQLite per-day limit race:', JSON.stringify(totals));
    expect(totals.booked).toBe(5);
    expect(activeStarts(file, provider)).toHaveLength(5);
  }, 120_000);

  it('books exactly K in a week across the spring DST change with a weekly limit of K', async () => {
    const file = await migratedFile();
    const provider = randomUUID();
    const totals = await race(['sqlite', file], provider, { perWeek: 7 }, DST_WEEK);
    console.log('SQLite weekly limit race across DST:', JSON.stringify(totals));
    const days = localDays(activeStarts(file, provider));
    expect(totals.booked).toBe(7);
    expect(days).toHaveLength(7);
    expect(days.every((day) => (day ?? '') >= '2026-03-23' && (day ?? '') <= '2026-03-29')).toBe(true);
  }, 120_000);
});

describe('period limits under 4 OS processes × 2 lanes, PostgreSQL', () => {
  const url = inject('databaseUrl');
  async function migratedSchema(): Promise<string> {
    const schema = `limits_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = createPostgresStore({ connectionString: url, schema });
    await store.migrate();
    await store.close();
    return schema;
  }
  async function activeStarts(schema: string, provider: string): Promise<number[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ start: Date }>(
      `SELECT start FROM "${schema}".appointments WHERE provider_id = $1 AND status NOT IN ('cancelled', 'no_show')`,
      [provider],
    );
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await client.end();
    return rows.map((row) => row.start.getTime());
  }

  it('books exactly K on one provider-day with a per-day limit of K', async () => {
    const schema = await migratedSchema();
    const provider = randomUUID();
    const totals = await race(['postgres', url, schema], provider, { perDay: 5 }, ONE_DAY);
    console.log('PostgreSQL per-day limit race:', JSON.stringify(totals));
    expect(totals.booked).toBe(5);
    expect(await activeStarts(schema, provider)).toHaveLength(5);
  }, 120_000);

  it('books exactly K in a week across the spring DST change with a weekly limit of K', async () => {
    const schema = await migratedSchema();
    const provider = randomUUID();
    const totals = await race(['postgres', url, schema], provider, { perWeek: 7 }, DST_WEEK);
    console.log('PostgreSQL weekly limit race across DST:', JSON.stringify(totals));
    const days = localDays(await activeStarts(schema, provider));
    expect(totals.booked).toBe(7);
    expect(days).toHaveLength(7);
    expect(days.every((day) => (day ?? '') >= '2026-03-23' && (day ?? '') <= '2026-03-29')).toBe(true);
  }, 120_000);
});
