import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../adapters/postgres/index.js';
import {
  type AppointmentStore,
  ConflictError,
  createPermissiveDirectory,
  createScheduler,
  defineAppointmentTypes,
  type PeriodLimitCheck,
  type PeriodLimits,
  ROUND_THE_CLOCK_HOURS,
  UnavailableError,
} from '../../src/index.js';
import { at, newRow, rejectionOf } from '../fixtures.js';
import { postgresStores } from './schemas.js';

/**
 * A single booking under period limits is one statement that takes the provider's lock and
 * counts after it; these races would overbook if the counts were read on the statement's own,
 * older snapshot.
 */

const stores = postgresStores();
const CLOCK = () => new Date('2026-03-01T00:00:00Z');
const PATIENT = '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d';
const DAY_START = Date.parse('2026-03-03T00:00:00Z');
const HALF_HOUR = 30 * 60_000;

/** The store, with some of its methods replaced; the rest still run on the store itself. */
function withOverrides(store: PostgresStore, overrides: Partial<AppointmentStore>): AppointmentStore {
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof AppointmentStore];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The store as seen by a scheduler whose own pre-check counts nothing: only the store can refuse. */
const blindToCounts = (store: PostgresStore) => withOverrides(store, { findCountedBookings: async () => [] });

const limitedDirectory = (limits: PeriodLimits) =>
  createPermissiveDirectory({ weeklyHours: ROUND_THE_CLOCK_HOURS, limits });

async function activeCount(pool: pg.Pool, schema: string, providerId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${schema}".appointments
      WHERE provider_id = $1 AND status NOT IN ('cancelled', 'no_show')`,
    [providerId],
  );
  return rows[0]?.n ?? 0;
}

/**
 * `attempts` bookings of distinct half hours of one provider-day, released together, through a
 * scheduler on `store`. Returns how many went in and every refusal.
 */
async function race(store: AppointmentStore, providerId: string, limits: PeriodLimits, attempts: number) {
  const scheduler = createScheduler({ store, directory: limitedDirectory(limits), clock: CLOCK });
  let release: () => void = () => undefined;
  const barrier = new Promise<void>((resolve) => {
    release = resolve;
  });
  const outcomes = Promise.allSettled(
    Array.from({ length: attempts }, async (_, index) => {
      await barrier;
      return scheduler.book(
        {
          patientId: PATIENT,
          providerId,
          type: 'follow_up',
          start: new Date(DAY_START + index * HALF_HOUR).toISOString(),
        },
        { id: 'racer' },
      );
    }),
  );
  release();
  const settled = await outcomes;
  return {
    booked: settled.filter((outcome) => outcome.status === 'fulfilled').length,
    refusals: settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : [])),
  };
}

describe('PostgreSQL: one limited booking in one statement', () => {
  let base: PostgresStore;
  let pool: pg.Pool;
  let store: PostgresStore;
  beforeAll(async () => {
    base = stores.create();
    await base.migrate();
    pool = new pg.Pool({ connectionString: stores.url, max: 20 });
    store = createPostgresStore({ pool, schema: base.schema });
  });
  afterAll(async () => {
    await store.close();
    await base.close();
    await pool.end();
  });

  it('books exactly K of 40 concurrent bookings of one provider-day (perDay K = 3), 10 rounds', async () => {
    const K = 3;
    let refusedByStore = 0;
    const counting = withOverrides(store, {
      insertAppointments: async (rows, options) => {
        try {
          return await store.insertAppointments(rows, options);
        } catch (error) {
          if (error instanceof UnavailableError) refusedByStore++;
          throw error;
        }
      },
    });
    for (let round = 0; round < 10; round++) {
      const providerId = randomUUID();
      const { booked, refusals } = await race(counting, providerId, { perDay: K }, 40);
      expect(booked).toBe(K);
      expect(refusals).toHaveLength(40 - K);
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(UnavailableError);
        expect((refusal as UnavailableError).reasons).toEqual([
          { code: 'PERIOD_LIMIT', period: 'day', measure: 'bookings', limit: K, count: K },
        ]);
      }
      expect(await activeCount(pool, store.schema, providerId)).toBe(K);
    }
    // Most racers pass the scheduler's own count before any booking commits: the store's
    // statement is what held the line.
    expect(refusedByStore).toBeGreaterThan(0);
  });

  it('counts every racer the scheduler did not see, with only the store to refuse', async () => {
    const providerId = randomUUID();
    const { booked, refusals } = await race(blindToCounts(store), providerId, { perDay: 4 }, 40);
    expect(booked).toBe(4);
    expect(refusals).toHaveLength(36);
    expect(refusals.every((refusal) => refusal instanceof UnavailableError)).toBe(true);
    expect(await activeCount(pool, store.schema, providerId)).toBe(4);
  });

  it('enforces minutes per day, counting durations', async () => {
    const providerId = randomUUID();
    const scheduler = createScheduler({
      store: blindToCounts(store),
      directory: limitedDirectory({ minutesPerDay: 90 }),
      clock: CLOCK,
    });
    const book = (hour: number, durationMinutes: number) =>
      scheduler.book(
        {
          patientId: PATIENT,
          providerId,
          type: 'follow_up',
          start: new Date(DAY_START + hour * 2 * HALF_HOUR).toISOString(),
          durationMinutes,
        },
        { id: 'staff' },
      );
    await book(8, 30);
    await book(9, 30);
    // 60 booked: another hour would make 120.
    const refused = await rejectionOf(book(10, 60));
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).reasons).toEqual([
      { code: 'PERIOD_LIMIT', period: 'day', measure: 'minutes', limit: 90, count: 60 },
    ]);
    await book(10, 30);
    const full = await rejectionOf(book(11, 30));
    expect((full as UnavailableError).reasons).toEqual([
      { code: 'PERIOD_LIMIT', period: 'day', measure: 'minutes', limit: 90, count: 90 },
    ]);
    expect(await activeCount(pool, store.schema, providerId)).toBe(3);
  });

  it('counts a quiet day of a busy week exactly, and the week too', async () => {
    const providerId = randomUUID();
    const scheduler = createScheduler({
      store: blindToCounts(store),
      directory: limitedDirectory({ perDay: 2, perWeek: 7 }),
      clock: CLOCK,
    });
    // Monday 2 March 2026 onwards, in UTC: one week.
    const book = (day: number, hour: number) =>
      scheduler.book(
        {
          patientId: PATIENT,
          providerId,
          type: 'follow_up',
          start: new Date(Date.parse('2026-03-02T00:00:00Z') + day * 86_400_000 + hour * 3_600_000).toISOString(),
        },
        { id: 'staff' },
      );
    for (const day of [0, 1, 2]) {
      await book(day, 9);
      await book(day, 10);
    }
    // The week holds more than a day may, but this day holds nothing yet.
    await book(3, 9);
    const week = await rejectionOf(book(3, 10));
    expect((week as UnavailableError).reasons).toEqual([
      { code: 'PERIOD_LIMIT', period: 'week', measure: 'bookings', limit: 7, count: 7 },
    ]);
    const fullDay = await rejectionOf(book(2, 11));
    expect((fullDay as UnavailableError).reasons).toEqual([
      { code: 'PERIOD_LIMIT', period: 'day', measure: 'bookings', limit: 2, count: 2 },
    ]);
    // The next week starts afresh.
    await book(7, 9);
    expect(await activeCount(pool, store.schema, providerId)).toBe(8);
  });

  it("enforces a type's own limit, counting only that type", async () => {
    const providerId = randomUUID();
    const scheduler = createScheduler({
      store: blindToCounts(store),
      directory: limitedDirectory({ perDay: 10 }),
      clock: CLOCK,
      appointmentTypes: defineAppointmentTypes([
        { key: 'follow_up', durationMinutes: 30 },
        { key: 'acupuncture', durationMinutes: 30, limits: { perDay: 2 } },
      ]),
    });
    const book = (slot: number, type: string) =>
      scheduler.book(
        { patientId: PATIENT, providerId, type, start: new Date(DAY_START + slot * HALF_HOUR).toISOString() },
        { id: 'staff' },
      );
    for (const slot of [10, 11, 12]) await book(slot, 'follow_up');
    await book(13, 'acupuncture');
    await book(14, 'acupuncture');
    const refused = await rejectionOf(book(15, 'acupuncture'));
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).reasons).toEqual([
      { code: 'PERIOD_LIMIT', period: 'day', measure: 'bookings', limit: 2, count: 2, type: 'acupuncture' },
    ]);
    // The provider's own limit counts every type: 5 of 10.
    await book(15, 'follow_up');
    expect(await activeCount(pool, store.schema, providerId)).toBe(6);
  });

  it('refuses for a limit before an overlap, and names what an overlap blocks on', async () => {
    const providerId = randomUUID();
    const start = at('2026-03-03T09:00:00Z');
    const check: PeriodLimitCheck = {
      period: 'day',
      measure: 'bookings',
      type: null,
      from: at('2026-03-03T00:00:00Z'),
      to: at('2026-03-04T00:00:00Z'),
      limit: 1,
    };
    const first = newRow({ providerId, start });
    await store.insertAppointments([{ ...first, limits: [check] }], { onConflict: 'fail' });
    const overlapping = newRow({ providerId, start: at('2026-03-03T09:15:00Z') });
    const limited = await rejectionOf(
      store.insertAppointments([{ ...overlapping, limits: [check] }], { onConflict: 'fail' }),
    );
    expect(limited).toBeInstanceOf(UnavailableError);
    expect((limited as UnavailableError).reasons).toEqual([
      { code: 'PERIOD_LIMIT', period: 'day', measure: 'bookings', limit: 1, count: 1 },
    ]);
    const conflict = await rejectionOf(
      store.insertAppointments([{ ...overlapping, limits: [{ ...check, limit: 5 }] }], { onConflict: 'fail' }),
    );
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).conflictingIds).toEqual([first.appointment.id]);
    // Nothing of the refused bookings was kept: no row, no audit entry.
    expect(await activeCount(pool, store.schema, providerId)).toBe(1);
    expect(await store.auditTrail(overlapping.appointment.id)).toEqual([]);
  });

  it('ends its own pool on close when it only ever booked', async () => {
    // Bookings run as prepared statements on connections borrowed straight from the pool.
    const name = `limits_${randomUUID().slice(0, 8)}`;
    const url = new URL(stores.url);
    url.searchParams.set('application_name', name);
    const booking = createPostgresStore({ connectionString: url.toString(), schema: base.schema });
    const providerId = randomUUID();
    const scheduler = createScheduler({ store: booking, directory: limitedDirectory({ perDay: 2 }), clock: CLOCK });
    await scheduler.book(
      { patientId: PATIENT, providerId, type: 'follow_up', start: new Date(DAY_START).toISOString() },
      { id: 'staff' },
    );
    const open = async () =>
      (
        await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
          name,
        ])
      ).rows[0]?.n;
    expect(await open()).toBe(1);
    await booking.close();
    await expect.poll(open, { timeout: 5_000 }).toBe(0);
  });

  it('stays exact on connections that default to REPEATABLE READ', async () => {
    const repeatable = new pg.Pool({
      connectionString: stores.url,
      max: 20,
      options: '-c default_transaction_isolation=repeatable\\ read',
    });
    const onRepeatable = createPostgresStore({ pool: repeatable, schema: base.schema });
    try {
      const { rows } = await repeatable.query<{ level: string }>(
        "SELECT current_setting('transaction_isolation') AS level",
      );
      expect(rows[0]?.level).toBe('repeatable read');
      for (let round = 0; round < 3; round++) {
        const providerId = randomUUID();
        const { booked, refusals } = await race(blindToCounts(onRepeatable), providerId, { perDay: 3 }, 40);
        expect(booked).toBe(3);
        expect(refusals.every((refusal) => refusal instanceof UnavailableError)).toBe(true);
        expect(await activeCount(pool, store.schema, providerId)).toBe(3);
      }
    } finally {
      await onRepeatable.close();
      await repeatable.end();
    }
  });
});
