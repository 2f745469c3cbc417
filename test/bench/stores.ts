import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStore } from '../../adapters/postgres/index.js';
import { createSqliteStore, type SqliteSynchronous } from '../../adapters/sqlite/index.js';
import {
  type AppointmentStore,
  createPermissiveDirectory,
  createScheduler,
  type NewAppointmentRow,
  type ParticipantDirectory,
  ROUND_THE_CLOCK_HOURS,
} from '../../src/index.js';
import { ANY_HOUR_DIRECTORY, newRow } from '../fixtures.js';
import { startTestPostgres } from '../postgres/server.js';
import {
  figureRow,
  floorRow,
  median,
  medianRate,
  medianTimes,
  perSecond,
  type Result,
  rateRow,
  timeRow,
} from './measure.js';
import { seededRandom } from './workloads.js';

const CLOCK = () => new Date('2026-03-01T00:00:00Z');
const PATIENT = '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d';
const HALF_HOUR = 30 * 60_000;
const FIRST_START = Date.parse('2026-03-02T00:00:00Z');

/**
 * Period limits high enough never to refuse the benchmark's bookings, so that what is measured
 * is their cost: every booking is counted against a day, a week, a month and minutes per day.
 */
const GENEROUS_LIMITS = { perDay: 1000, perWeek: 5000, perMonth: 20_000, minutesPerDay: 100_000 };
const LIMITED_DIRECTORY = createPermissiveDirectory({ weeklyHours: ROUND_THE_CLOCK_HOURS, limits: GENEROUS_LIMITS });

/** Any id is a resource: a room open round the clock (a booking asks for two, by id). */
const RESOURCE_DIRECTORY: ParticipantDirectory = {
  ...ANY_HOUR_DIRECTORY,
  getResource: () => ({ active: true, kind: 'room', timeZone: 'UTC' }),
  listResources: () => [],
};

/**
 * Books `count` back-to-back half hours for one provider, one booking per transaction; with
 * `withResources`, each holds two resources of its run too (a room and a device).
 */
function bookingRun(
  store: AppointmentStore,
  count: number,
  directory: ParticipantDirectory = ANY_HOUR_DIRECTORY,
  withResources = false,
) {
  const scheduler = createScheduler({ store, directory, clock: CLOCK });
  let slot = 0;
  return async () => {
    const providerId = randomUUID();
    const resources = withResources ? [{ id: randomUUID() }, { id: randomUUID() }] : undefined;
    for (let i = 0; i < count; i++) {
      await scheduler.book(
        {
          patientId: PATIENT,
          providerId,
          type: 'follow_up',
          start: new Date(FIRST_START + slot++ * HALF_HOUR).toISOString(),
          ...(resources !== undefined && { resources }),
        },
        { id: 'bench' },
      );
    }
    return count;
  };
}

export async function sqliteBenchmarks(): Promise<Result[]> {
  const results: Result[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-bench-'));
  try {
    for (const synchronous of ['FULL', 'NORMAL'] as SqliteSynchronous[]) {
      const file = join(directory, `booking-${synchronous}.db`);
      const store = createSqliteStore({ filename: file, synchronous });
      await store.migrate();
      // With and without period limits, interleaved so that neither gets the warmer database.
      const plain = bookingRun(store, 400);
      const limited = bookingRun(store, 400, LIMITED_DIRECTORY);
      const resourced = bookingRun(store, 400, RESOURCE_DIRECTORY, true);
      const rates = { plain: [] as number[], limited: [] as number[], resourced: [] as number[] };
      for (let round = 0; round < 3; round++) {
        rates.plain.push(await medianRate(1, plain));
        rates.limited.push(await medianRate(1, limited));
        rates.resourced.push(await medianRate(1, resourced));
      }
      const ours = median(rates.plain);
      results.push(
        rateRow(
          `SQLite book() with provider + 2 resources, synchronous=${synchronous}`,
          median(rates.resourced),
          `provider only ${perSecond(ours)}`,
          ours,
          0.7,
        ),
      );
      await store.close();
      results.push(
        rateRow(
          `SQLite book() with day/week/month/minute limits, synchronous=${synchronous}`,
          median(rates.limited),
          `without limits ${perSecond(ours)}`,
          ours,
          0.87,
        ),
      );

      const raw = new Database(file);
      raw.pragma('journal_mode = WAL');
      raw.pragma(`synchronous = ${synchronous}`);
      const columns = (
        raw.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0').all('appointments') as Array<{
          name: string;
        }>
      ).map((column) => column.name);
      const sample = raw.prepare('SELECT * FROM appointments LIMIT 1').get() as Record<string, unknown>;
      raw.exec(
        `CREATE TABLE raw_appointments (${columns.map((column) => `"${column}"`).join(', ')}, PRIMARY KEY (id))`,
      );
      const begin = raw.prepare('BEGIN IMMEDIATE');
      const commit = raw.prepare('COMMIT');
      const insertRaw = raw.prepare(
        `INSERT INTO raw_appointments (${columns.map((column) => `"${column}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      const rawRate = await medianRate(3, async () => {
        for (let i = 0; i < 400; i++) {
          begin.run();
          insertRaw.run(columns.map((column) => (column === 'id' ? randomUUID() : sample[column])));
          commit.run();
        }
        return 400;
      });
      // The same database work written by hand: the guarded insert, its number and audit row.
      const insertFull = raw.prepare(
        `INSERT INTO appointments (${columns.map((column) => `"${column}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      const counter = raw.prepare(
        `INSERT INTO appointment_counters (name, value) VALUES ('bench', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`,
      );
      const audit = raw.prepare(
        'INSERT INTO appointment_audit_log (id, appointment_id, action, actor_id, at, version, changes) VALUES (?, ?, ?, ?, ?, 1, ?)',
      );
      let handSlot = 0;
      const handRate = await medianRate(3, async () => {
        const provider = randomUUID();
        for (let i = 0; i < 400; i++) {
          const id = randomUUID();
          const start = FIRST_START + handSlot++ * HALF_HOUR;
          begin.run();
          const { value } = counter.get() as { value: number };
          insertFull.run(
            columns.map((column) =>
              column === 'id'
                ? id
                : column === 'provider_id'
                  ? provider
                  : column === 'start'
                    ? start
                    : column === 'end'
                      ? start + HALF_HOUR
                      : column === 'confirmation_code'
                        ? `HAND-${value}`
                        : sample[column],
            ),
          );
          audit.run(randomUUID(), id, 'created', 'bench', Date.now(), '{}');
          commit.run();
        }
        return 400;
      });
      raw.close();
      results.push(
        rateRow(
          `SQLite book(), WAL synchronous=${synchronous}`,
          ours,
          `raw INSERT ${perSecond(rawRate)}`,
          rawRate,
          synchronous === 'FULL' ? 0.85 : 0.6,
        ),
      );
      results.push(
        rateRow(
          `SQLite book(), WAL synchronous=${synchronous}`,
          ours,
          `same SQL by hand ${perSecond(handRate)}`,
          handRate,
          null,
        ),
      );
    }

    // Four processes booking at once on one file.
    const shared = join(directory, 'processes.db');
    const setup = createSqliteStore({ filename: shared });
    await setup.migrate();
    await setup.close();
    const outputs = await Promise.all(
      [0, 1, 2, 3].map(
        (worker) =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', join(import.meta.dirname, 'sqlite-bench-worker.ts'), shared, randomUUID(), '400'],
              {
                stdio: ['ignore', 'pipe', 'inherit'],
              },
            );
            let output = '';
            child.stdout.on('data', (chunk) => (output += chunk));
            child.on('exit', (code) =>
              code === 0 ? resolve(output) : reject(new Error(`worker ${worker} exited ${code}`)),
            );
          }),
      ),
    );
    // Measured from the first booking to the last (process start-up and compilation excluded).
    const reports = outputs.map(
      (output) =>
        JSON.parse(output) as { booked: number; busy: number; other: number; started: number; finished: number },
    );
    const seconds =
      (Math.max(...reports.map((report) => report.finished)) - Math.min(...reports.map((report) => report.started))) /
      1000;
    const totals = { booked: 0, busy: 0, other: 0 };
    for (const report of reports) {
      totals.booked += report.booked;
      totals.busy += report.busy;
      totals.other += report.other;
    }
    results.push(
      figureRow(
        'SQLite book(), 4 processes on one file (FULL)',
        perSecond(totals.booked / seconds),
        `${totals.booked} committed`,
        null,
      ),
    );
    results.push(
      figureRow(
        'SQLite book(), 4 processes: SQLITE_BUSY errors',
        String(totals.busy),
        `target 0 (other errors: ${totals.other})`,
        totals.busy === 0 && totals.other === 0,
      ),
    );

    results.push(
      ...(await availabilityBenchmark(
        'SQLite',
        createSqliteStore({ filename: join(directory, 'availability.db') }),
        async (providerId, from, to) => {
          const database = new Database(join(directory, 'availability.db'), { readonly: true });
          const query = database.prepare(
            `SELECT * FROM appointments WHERE provider_id = ? AND status NOT IN ('cancelled', 'no_show')
           AND occupied_start > ? AND occupied_start < ? AND occupied_end > ? ORDER BY start`,
          );
          return {
            run: () => query.all(providerId, from - (480 + 240 + 240) * 60_000, to, from),
            close: () => database.close(),
          };
        },
      )),
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return results;
}

export async function postgresBenchmarks(): Promise<Result[]> {
  const results: Result[] = [];
  const server = await startTestPostgres({ durable: true });
  try {
    const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const pool = new pg.Pool({ connectionString: server.url, max: 40 });
    pool.on('error', () => undefined);
    let retries = 0;
    const store = createPostgresStore({ pool, schema, onRetry: () => retries++ });
    await store.migrate();

    // 8 clients, each on its own provider.
    const lanes = (count: number, work: (lane: number) => Promise<number>) =>
      Promise.all(Array.from({ length: count }, (_, lane) => work(lane))).then((done) =>
        done.reduce((a, b) => a + b, 0),
      );
    const runs = Array.from({ length: 8 }, () => bookingRun(store, 150));
    const limitedRuns = Array.from({ length: 8 }, () => bookingRun(store, 150, LIMITED_DIRECTORY));
    const resourcedRuns = Array.from({ length: 8 }, () => bookingRun(store, 150, RESOURCE_DIRECTORY, true));
    const rates = { plain: [] as number[], limited: [] as number[], resourced: [] as number[] };
    for (let round = 0; round < 3; round++) {
      rates.plain.push(await medianRate(1, () => lanes(8, (lane) => (runs[lane] as () => Promise<number>)())));
      rates.limited.push(await medianRate(1, () => lanes(8, (lane) => (limitedRuns[lane] as () => Promise<number>)())));
      rates.resourced.push(
        await medianRate(1, () => lanes(8, (lane) => (resourcedRuns[lane] as () => Promise<number>)())),
      );
    }
    const ours = median(rates.plain);
    results.push(
      rateRow(
        'PostgreSQL book() with provider + 2 resources, 8 clients',
        median(rates.resourced),
        `provider only ${perSecond(ours)}`,
        ours,
        0.7,
      ),
    );
    results.push(
      rateRow(
        'PostgreSQL book() with day/week/month/minute limits, 8 clients',
        median(rates.limited),
        `without limits ${perSecond(ours)}`,
        ours,
        0.87,
      ),
    );
    await pool.query(`CREATE TABLE "${schema}".raw_appointments (LIKE "${schema}".appointments)`);
    const sample = (await pool.query(`SELECT * FROM "${schema}".appointments LIMIT 1`)).rows[0] as Record<
      string,
      unknown
    >;
    const columns = Object.keys(sample);
    const insertRaw = `INSERT INTO "${schema}".raw_appointments (${columns.map((column) => `"${column}"`).join(', ')})
      VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
    const rawRate = await medianRate(3, () =>
      lanes(8, async () => {
        for (let i = 0; i < 150; i++) {
          await pool.query(
            insertRaw,
            columns.map((column) => (column === 'id' ? randomUUID() : sample[column])),
          );
        }
        return 150;
      }),
    );
    results.push(
      rateRow(
        'PostgreSQL book(), 8 clients, distinct providers',
        ours,
        `raw INSERT, no constraint ${perSecond(rawRate)}`,
        rawRate,
        0.8,
      ),
    );

    // 32 clients on 5 providers, all wanting the same few hours.
    const scheduler = createScheduler({ store, directory: ANY_HOUR_DIRECTORY, clock: CLOCK });
    const providers = Array.from({ length: 5 }, () => randomUUID());
    const random = seededRandom(11);
    const outcome = { booked: 0, conflicts: 0, other: 0 };
    retries = 0;
    const started = performance.now();
    await lanes(32, async () => {
      for (let i = 0; i < 50; i++) {
        try {
          await scheduler.book(
            {
              patientId: PATIENT,
              providerId: providers[Math.floor(random() * providers.length)] as string,
              type: 'follow_up',
              start: new Date(
                Date.parse('2026-06-01T09:00:00Z') + Math.floor(random() * 32) * 15 * 60_000,
              ).toISOString(),
              durationMinutes: [30, 45, 60][Math.floor(random() * 3)] as number,
            },
            { id: 'bench' },
          );
          outcome.booked++;
        } catch (error) {
          if ((error as { code?: string }).code === 'CONFLICT') outcome.conflicts++;
          else outcome.other++;
        }
      }
      return 50;
    });
    const seconds = (performance.now() - started) / 1000;
    results.push(
      figureRow(
        'PostgreSQL book(), 32 clients, 5 providers, contended',
        `${perSecond((outcome.booked + outcome.conflicts) / seconds)} decided`,
        `${outcome.booked} booked, ${outcome.conflicts} conflicts (${perSecond(outcome.conflicts / seconds)})`,
        null,
      ),
    );
    results.push(
      figureRow(
        'PostgreSQL contended: deadlock/serialization retries',
        String(retries),
        `target 0 (errors other than conflicts: ${outcome.other})`,
        retries === 0 && outcome.other === 0,
      ),
    );
    await store.close();

    const availabilityPool = new pg.Pool({ connectionString: server.url, max: 4 });
    availabilityPool.on('error', () => undefined);
    const availabilitySchema = `bench_av_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    results.push(
      ...(await availabilityBenchmark(
        'PostgreSQL',
        createPostgresStore({ pool: availabilityPool, schema: availabilitySchema }),
        async (providerId, from, to) => ({
          run: () =>
            availabilityPool.query(
              `SELECT * FROM "${availabilitySchema}".appointments WHERE provider_id = $1 AND status NOT IN ('cancelled', 'no_show')
               AND tstzrange(occupied_start, occupied_end, '[)') && tstzrange($2, $3, '[)') ORDER BY start`,
              [providerId, new Date(from), new Date(to)],
            ),
          close: async () => undefined,
        }),
      )),
    );
    await availabilityPool.end();
    await pool.end();
  } finally {
    await server.stop();
  }
  return results;
}

/** 1 000 providers × 100 days, one appointment a day each: availability of one provider-day. */
async function availabilityBenchmark(
  name: string,
  store: AppointmentStore,
  floorQuery: (providerId: string, from: number, to: number) => Promise<{ run: () => unknown; close: () => unknown }>,
): Promise<Result[]> {
  await store.migrate();
  const providers = Array.from(
    { length: 1000 },
    (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  );
  const day = 86_400_000;
  for (let batch = 0; batch < 100; batch++) {
    const rows: NewAppointmentRow[] = [];
    for (const providerId of providers.slice(batch * 10, batch * 10 + 10)) {
      for (let d = 0; d < 100; d++) {
        rows.push(
          newRow({ providerId, start: new Date(Date.parse('2026-03-02T10:00:00Z') + d * day), timeZone: 'UTC' }),
        );
      }
    }
    await store.insertAppointments(rows, { onConflict: 'fail' });
  }
  // Monday to Friday, 08:00–18:00 UTC: 20 half hours a day, one taken.
  const scheduler = createScheduler({ store, directory: createPermissiveDirectory(), clock: CLOCK });
  const providerId = providers[500] as string;
  const from = Date.parse('2026-04-21T00:00:00Z');
  const floor = await floorQuery(providerId, from, from + day);
  const ours = () => scheduler.availability({ providerId, date: '2026-04-21', durationMinutes: 30 });
  if ((await ours()).slots.length !== 19) throw new Error('availability benchmark: unexpected slots');
  // Limits make availability count each slot's day, week and month: a month of bookings is read.
  const limitedScheduler = createScheduler({
    store,
    directory: createPermissiveDirectory({ limits: GENEROUS_LIMITS }),
    clock: CLOCK,
  });
  const limited = () => limitedScheduler.availability({ providerId, date: '2026-04-21', durationMinutes: 30 });
  if ((await limited()).slots.length !== 19) throw new Error('availability benchmark: unexpected limited slots');
  const times = await medianTimes({ ours, limited, floor: floor.run });
  await floor.close();
  await store.close();
  return [
    timeRow(
      `${name} availability() with day/week/month limits, 1 provider-day`,
      times.limited as number,
      `without limits ${(times.ours as number).toFixed(3)} ms`,
      times.ours as number,
      '≥ 0.87× (≤ 15% more)',
      0.87,
    ),
    floorRow(
      `${name} availability(), 1 provider-day of 100 000 stored`,
      times.ours as number,
      `the indexed query alone ${(times.floor as number).toFixed(3)} ms`,
      times.floor as number,
      2,
    ),
  ];
}
