import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPostgresStore } from '../../adapters/postgres/index.js';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { runJsonWorker } from './workers.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-resources-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The resources the workers book, with what each holds at most: read back, not from the library. */
const CAPACITY: Record<string, number> = {
  'a0000000-0000-4000-8000-000000000001': 1,
  'a0000000-0000-4000-8000-000000000002': 1,
  'a0000000-0000-4000-8000-000000000003': 1,
  'b0000000-0000-4000-8000-000000000001': 1,
  'b0000000-0000-4000-8000-000000000002': 1,
  'c0000000-0000-4000-8000-000000000001': 4,
};
const BUFFER_AFTER_MS: Record<string, number> = {
  'a0000000-0000-4000-8000-000000000001': 600_000,
  'a0000000-0000-4000-8000-000000000002': 600_000,
  'a0000000-0000-4000-8000-000000000003': 600_000,
};

const run = (args: string[]) => runJsonWorker<Outcome>('resource-booking-worker.mjs', args);

interface Outcome {
  attempts: number;
  booked: number;
  refused: number;
  /** Refusals because the class was full: its capacity was really reached. */
  classFull: number;
  moved: number;
  cancelled: number;
  otherErrors: string[];
}

/**
 * The most appointments holding each resource at one instant, swept from the rows as stored:
 * each occupying appointment holds each of its resources from its start to its end plus the
 * resource's own buffer.
 */
function peaks(rows: ReadonlyArray<{ start: number; end: number; status: string; resources: string[] }>) {
  const events = new Map<string, Array<[number, number]>>();
  for (const row of rows) {
    if (row.status === 'cancelled' || row.status === 'no_show') continue;
    for (const resource of row.resources) {
      const list = events.get(resource) ?? [];
      list.push([row.start, 1], [row.end + (BUFFER_AFTER_MS[resource] ?? 0), -1]);
      events.set(resource, list);
    }
  }
  const result: Record<string, number> = {};
  for (const [resource, list] of events) {
    // Ends before starts at the same instant: touching ranges do not overlap.
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let peak = 0;
    for (const [, change] of list) {
      open += change;
      peak = Math.max(peak, open);
    }
    result[resource] = peak;
  }
  return result;
}

function check(outcomes: Outcome[], held: Record<string, number>, label: string) {
  const totals = {
    attempts: outcomes.reduce((sum, item) => sum + item.attempts, 0),
    booked: outcomes.reduce((sum, item) => sum + item.booked, 0),
    refused: outcomes.reduce((sum, item) => sum + item.refused, 0),
    classFull: outcomes.reduce((sum, item) => sum + item.classFull, 0),
    moved: outcomes.reduce((sum, item) => sum + item.moved, 0),
    cancelled: outcomes.reduce((sum, item) => sum + item.cancelled, 0),
  };
  console.log(`${label}:`, JSON.stringify({ ...totals, peaks: held }));
  expect(outcomes.flatMap((item) => item.otherErrors)).toEqual([]);
  expect(totals.booked).toBeGreaterThan(20);
  expect(totals.refused).toBeGreaterThan(20);
  for (const [resource, peak] of Object.entries(held)) {
    expect(`${resource} ${peak}`).toBe(`${resource} ${Math.min(peak, CAPACITY[resource] as number)}`);
  }
  // The class held several at once, and was full for some: its capacity was really tested.
  expect(held['c0000000-0000-4000-8000-000000000001']).toBeGreaterThanOrEqual(2);
  expect(totals.classFull).toBeGreaterThan(0);
}

describe('resources under several OS processes', () => {
  it('SQLite (one file, 4 processes): no capacity-1 resource overlaps, the class never holds more than 4', async () => {
    const file = join(directory, `resources-${randomUUID()}.db`);
    const store = createSqliteStore({ filename: file });
    await store.migrate();
    await store.close();
    const outcomes = await Promise.all([0, 1, 2, 3].map((worker) => run(['sqlite', file, '', String(worker), '150'])));
    const db = new Database(file, { readonly: true });
    const rows = (
      db.prepare('SELECT start, "end", status, resources FROM appointments').all() as Array<{
        start: number;
        end: number;
        status: string;
        resources: string;
      }>
    ).map((row) => ({ ...row, resources: JSON.parse(row.resources) as string[] }));
    db.close();
    check(outcomes, peaks(rows), 'SQLite resources, 4 processes');
  }, 120_000);

  it('PostgreSQL (4 processes × 4 connections): the same, and no deadlock leaks', async () => {
    const url = inject('databaseUrl');
    const schema = `res_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = createPostgresStore({ connectionString: url, schema });
    await store.migrate();
    await store.close();
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map((worker) => run(['postgres', url, schema, String(worker), '150'])),
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(`SELECT start, "end", status, resources FROM "${schema}".appointments`);
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await client.end();
    check(
      outcomes,
      peaks(
        rows.map((row) => ({
          start: (row.start as Date).getTime(),
          end: (row.end as Date).getTime(),
          status: row.status as string,
          resources: row.resources as string[],
        })),
      ),
      'PostgreSQL resources, 4 processes × 4 connections',
    );
  }, 120_000);
});
