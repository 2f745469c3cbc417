import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_MIGRATIONS } from '../../adapters/sqlite/index.js';
import { runWorker } from './workers.js';

const here = import.meta.dirname;
const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-processes-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const run = runWorker;

/** Overlapping occupying pairs, found by a self-join written here rather than the library's check. */
function overlappingPairs(file: string): number {
  const db = new Database(file, { readonly: true });
  const { pairs } = db
    .prepare(
      `SELECT count(*) AS pairs FROM appointments a JOIN appointments b
         ON a.provider_id = b.provider_id AND a.id < b.id
        WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')
          AND a.start - a.buffer_before_minutes * 60000 < b."end" + b.buffer_after_minutes * 60000
          AND b.start - b.buffer_before_minutes * 60000 < a."end" + a.buffer_after_minutes * 60000`,
    )
    .get() as { pairs: number };
  db.close();
  return pairs;
}

async function migratedFile(name: string): Promise<string> {
  const file = join(directory, name);
  const store = createSqliteStore({ filename: file });
  await store.migrate();
  await store.close();
  return file;
}

describe('SQLite under several OS processes', () => {
  it('never double-books: 4 processes × 300 attempts on overlapping times for 3 providers', async () => {
    const file = await migratedFile('concurrent.db');
    const providers = [randomUUID(), randomUUID(), randomUUID()].join(',');
    const outputs = await Promise.all(
      [0, 1, 2, 3].map((worker) => run('sqlite-booking-worker.mjs', [file, String(worker), '300', providers])),
    );
    const outcomes = outputs.map((output) => JSON.parse(output) as Record<string, number> & { otherErrors: string[] });
    const totals = outcomes.reduce(
      (sum, outcome) => ({
        attempts: sum.attempts + outcome.attempts,
        booked: sum.booked + outcome.booked,
        conflicts: sum.conflicts + outcome.conflicts,
        cancelled: sum.cancelled + outcome.cancelled,
      }),
      { attempts: 0, booked: 0, conflicts: 0, cancelled: 0 },
    );
    console.log('SQLite 4-process run:', JSON.stringify(totals));
    expect(outcomes.flatMap((outcome) => outcome.otherErrors)).toEqual([]);
    expect(totals.attempts).toBe(1200);
    expect(totals.booked + totals.conflicts + totals.cancelled).toBe(1200);
    expect(totals.booked).toBeGreaterThan(50);
    expect(totals.conflicts).toBeGreaterThan(100);
    expect(overlappingPairs(file)).toBe(0);
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT count(*) AS n FROM appointments').get() as { n: number };
    const cancelled = db.prepare(`SELECT count(*) AS n FROM appointments WHERE status = 'cancelled'`).get() as {
      n: number;
    };
    const audits = db.prepare('SELECT count(*) AS n FROM appointment_audit_log').get() as { n: number };
    db.close();
    expect(rows.n).toBe(totals.booked);
    expect(cancelled.n).toBe(totals.cancelled);
    expect(audits.n).toBe(totals.booked + totals.cancelled);
  }, 120_000);
});

describe('SQLite start-up from several processes', () => {
  it('migrates one fresh file from 4 processes at once, once', async () => {
    const file = join(directory, 'migrate-race.db');
    const outputs = await Promise.all([0, 1, 2, 3].map(() => run('sqlite-migrate-worker.mjs', [file])));
    expect(outputs.map((output) => output.trim())).toEqual(['migrated', 'migrated', 'migrated', 'migrated']);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT name FROM appointment_kit_migrations ORDER BY name').all()).toEqual(
      Object.keys(SQLITE_MIGRATIONS).map((name) => ({ name })),
    );
    db.close();
  }, 60_000);
});

describe('SQLite crash safety', () => {
  it('keeps every series all-or-nothing when the writer is killed with SIGKILL at random moments', async () => {
    const file = await migratedFile('crash.db');
    const kills = 8;
    for (let round = 0; round < kills; round++) {
      const child: ChildProcess = spawn(process.execPath, [join(here, 'sqlite-series-writer.mjs'), file], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      const db = new Database(file);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const sizes = db.prepare('SELECT series_id, count(*) AS n FROM appointments GROUP BY series_id').all() as Array<{
        n: number;
      }>;
      for (const { n } of sizes) expect(n).toBe(100);
      const orphans = db
        .prepare(
          `SELECT count(*) AS n FROM appointments a WHERE NOT EXISTS
             (SELECT 1 FROM appointment_audit_log l WHERE l.appointment_id = a.id AND l.action = 'created')`,
        )
        .get() as { n: number };
      expect(orphans.n).toBe(0);
      db.close();
    }
    // The store still works after the crashes.
    const store = createSqliteStore({ filename: file });
    await store.migrate();
    const db = new Database(file, { readonly: true });
    const series = db.prepare('SELECT count(DISTINCT series_id) AS n FROM appointments').get() as { n: number };
    db.close();
    console.log(`SQLite crash run: ${kills} kills, ${series.n} complete series survived`);
    expect((await store.listAppointments({})).total).toBe(series.n * 100);
    await store.close();
  }, 120_000);
});
