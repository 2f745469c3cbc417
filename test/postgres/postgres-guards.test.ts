import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAppointmentFields } from '../../adapters/common/columns.js';
import { createPostgresStore, type PostgresStore } from '../../adapters/postgres/index.js';
import { createPostgresMigrator } from '../../adapters/postgres/migrations.js';
import { POSTGRES_CODEC } from '../../adapters/postgres/schema.js';
import {
  ConflictError,
  createPermissiveDirectory,
  createScheduler,
  SchedulingError,
  STATUS_TRANSITIONS,
} from '../../src/index.js';
import { ANY_HOUR_DIRECTORY, at, newRow, rejectionOf, WORKFLOW_PATHS } from '../fixtures.js';
import { expectLegacySeriesUpgraded, type LegacyWriter } from '../series-migration.js';
import { postgresStores } from './schemas.js';

const stores = postgresStores();

describe('PostgreSQL guards hold for writers that bypass the library', () => {
  let store: PostgresStore;
  let client: pg.Client;
  beforeAll(async () => {
    store = stores.create();
    await store.migrate();
    client = new pg.Client({ connectionString: stores.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await store.close();
  });

  const insertRaw = (fields: Record<string, unknown> = {}) => {
    const row: Record<string, unknown> = {
      id: randomUUID(),
      patient_id: 'pat',
      provider_id: 'raw-provider',
      type: 'follow_up',
      status: 'scheduled',
      start: '2026-03-02T09:00:00Z',
      end: '2026-03-02T09:30:00Z',
      duration_minutes: 30,
      buffer_before_minutes: 0,
      buffer_after_minutes: 0,
      time_zone: 'UTC',
      confirmation_code: `RAW-${randomUUID()}`,
      version: 1,
      created_at: '2026-03-01T00:00:00Z',
      updated_at: '2026-03-01T00:00:00Z',
      created_by: 'raw',
      updated_by: 'raw',
      ...fields,
    };
    // A correct writer widens the appointment by its buffers; tests override to be wrong.
    const minutes = (value: unknown) => Number(value) * 60_000;
    row.occupied_start ??= new Date(Date.parse(String(row.start)) - minutes(row.buffer_before_minutes));
    row.occupied_end ??= new Date(Date.parse(String(row.end)) + minutes(row.buffer_after_minutes));
    const columns = Object.keys(row);
    return client.query(
      `INSERT INTO "${store.schema}".appointments (${columns.map((c) => `"${c}"`).join(', ')})
       VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(row),
    );
  };
  const codeOf = async (promise: Promise<unknown>) => ((await rejectionOf(promise)) as { code?: string }).code;
  /** A row inserted as `scheduled`, then moved along the workflow into `status` by plain UPDATEs. */
  const insertRawIn = async (status: keyof typeof STATUS_TRANSITIONS, fields: Record<string, unknown> = {}) => {
    const { rows } = await insertRaw(fields);
    const id = rows[0].id as string;
    for (const step of WORKFLOW_PATHS[status]) {
      await client.query(
        `UPDATE "${store.schema}".appointments SET status = $1, cancelled_at = now(), cancellation_reason = 'x' WHERE id = $2`,
        [step, id],
      );
    }
    return id;
  };

  it('rejects a plain INSERT overlapping an occupying appointment (23P01), buffers included', async () => {
    const provider = randomUUID();
    await insertRaw({ provider_id: provider, buffer_after_minutes: 10 });
    expect(
      await codeOf(insertRaw({ provider_id: provider, start: '2026-03-02T09:35:00Z', end: '2026-03-02T10:05:00Z' })),
    ).toBe('23P01');
    expect(
      (await insertRaw({ provider_id: provider, start: '2026-03-02T09:40:00Z', end: '2026-03-02T10:10:00Z' })).rowCount,
    ).toBe(1);
  });

  it('accepts an INSERT overlapping only a cancelled appointment', async () => {
    const provider = randomUUID();
    await insertRawIn('cancelled', { provider_id: provider });
    expect((await insertRaw({ provider_id: provider })).rowCount).toBe(1);
  });

  it('refuses an empty range, which an exclusion constraint alone would let through', async () => {
    expect(await codeOf(insertRaw({ provider_id: randomUUID(), end: '2026-03-02T09:00:00Z' }))).toBe('23514');
  });

  it('refuses an occupied range that is not the appointment widened by its buffers', async () => {
    const provider = randomUUID();
    expect(
      await codeOf(
        insertRaw({
          provider_id: provider,
          occupied_start: '2000-01-01T00:00:00Z',
          occupied_end: '2000-01-01T00:01:00Z',
        }),
      ),
    ).toBe('23514');
    expect(
      await codeOf(
        insertRaw({ provider_id: provider, buffer_before_minutes: 5, occupied_start: '2026-03-02T09:00:00Z' }),
      ),
    ).toBe('23514');
    expect((await insertRaw({ provider_id: provider, buffer_before_minutes: 5 })).rowCount).toBe(1);
  });

  it('refuses every status change the transition table does not allow (AK001)', async () => {
    for (const from of Object.keys(STATUS_TRANSITIONS) as Array<keyof typeof STATUS_TRANSITIONS>) {
      for (const to of Object.keys(STATUS_TRANSITIONS) as Array<keyof typeof STATUS_TRANSITIONS>) {
        if (from === to) continue;
        const id = await insertRawIn(from, { provider_id: randomUUID() });
        const update = client.query(
          `UPDATE "${store.schema}".appointments SET status = $1, cancelled_at = now(), cancellation_reason = 'x' WHERE id = $2`,
          [to, id],
        );
        if (STATUS_TRANSITIONS[from].includes(to)) expect((await update).rowCount).toBe(1);
        else expect(await codeOf(update)).toBe('AK001');
      }
    }
  });

  it('keeps the audit log append-only (AK002)', async () => {
    const row = newRow({ start: at('2026-03-05T09:00:00Z'), providerId: randomUUID() });
    await store.insertAppointments([row], { onConflict: 'fail' });
    expect(await codeOf(client.query(`UPDATE "${store.schema}".appointment_audit_log SET actor_id = 'x'`))).toBe(
      'AK002',
    );
    expect(await codeOf(client.query(`DELETE FROM "${store.schema}".appointment_audit_log`))).toBe('AK002');
  });

  it('holds every resource guard for SQL written by hand, with its own codes', async () => {
    const room = { id: 'pg-room', kind: 'room', capacity: 1, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 };
    const placesFor2 = { id: 'pg-class', kind: 'class', capacity: 2, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 };
    const booked = newRow({ start: at('2026-04-06T09:00:00Z'), providerId: 'pg-provider-r' });
    await store.insertAppointments([{ ...booked, resources: [{ candidates: [room] }, { candidates: [placesFor2] }] }], {
      onConflict: 'fail',
    });
    const at9 = { start: '2026-04-06T09:00:00Z', end: '2026-04-06T09:30:00Z' };
    const table = (name: string) => `"${store.schema}".${name}`;
    const id = booked.appointment.id;
    // Capacity 1: the exclusion constraint or the counting trigger refuses; capacity 2: one more only.
    expect(['23P01', 'AK008']).toContain(
      await codeOf(insertRaw({ ...at9, provider_id: 'pg-provider-s', resources: JSON.stringify(['pg-room']) })),
    );
    await insertRaw({ ...at9, provider_id: 'pg-provider-s', resources: JSON.stringify(['pg-class']) });
    expect(
      await codeOf(insertRaw({ ...at9, provider_id: 'pg-provider-t', resources: JSON.stringify(['pg-class']) })),
    ).toBe('AK008');
    expect(
      await codeOf(insertRaw({ ...at9, provider_id: 'pg-provider-u', resources: JSON.stringify(['nowhere']) })),
    ).toBe('AK009');
    expect(
      await codeOf(
        insertRaw({ ...at9, provider_id: 'pg-provider-u', resources: JSON.stringify(['pg-class', 'pg-class']) }),
      ),
    ).toBe('AK009');
    expect(await codeOf(client.query(`UPDATE ${table('appointments')} SET resources = '[]' WHERE id = $1`, [id]))).toBe(
      'AK009',
    );
    expect(
      await codeOf(
        client.query(
          `UPDATE ${table('appointment_allocations')} SET occupied_end = occupied_end - interval '1 minute' WHERE appointment_id = $1`,
          [id],
        ),
      ),
    ).toBe('AK009');
    expect(await codeOf(client.query(`DELETE FROM ${table('appointment_allocations')}`))).toBe('AK009');
    expect(await codeOf(client.query(`TRUNCATE ${table('appointment_allocations')}`))).toBe('AK009');
    expect(await codeOf(client.query(`DELETE FROM ${table('appointment_resources')}`))).toBe('AK009');
    expect(
      await codeOf(client.query(`UPDATE ${table('appointment_resources')} SET capacity = 1 WHERE id = 'pg-class'`)),
    ).toBe('AK008');
    // Counting under REPEATABLE READ could miss a booking committed after its snapshot: refused.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const repeatable = await codeOf(
      insertRaw({
        start: '2026-04-07T09:00:00Z',
        end: '2026-04-07T09:30:00Z',
        provider_id: 'pg-provider-x',
        resources: JSON.stringify(['pg-class']),
      }),
    );
    await client.query('ROLLBACK');
    expect(repeatable).toBe('AK010');
    // SERIALIZABLE too: its snapshot would predate the resource's lock as well.
    await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    const serializable = await codeOf(
      insertRaw({
        start: '2026-04-07T09:00:00Z',
        end: '2026-04-07T09:30:00Z',
        provider_id: 'pg-provider-x',
        resources: JSON.stringify(['pg-class']),
      }),
    );
    await client.query('ROLLBACK');
    expect(serializable).toBe('AK010');
    // A capacity lowered while a booking waits for the resource: the booking is counted against it.
    await client.query(`INSERT INTO ${table('appointment_resources')} VALUES ('pg-k2', 'class', 2, 0, 0)`);
    const at8 = { start: '2026-04-08T09:00:00Z', end: '2026-04-08T09:30:00Z' };
    await insertRaw({ ...at8, provider_id: 'pg-provider-y', resources: JSON.stringify(['pg-k2']) });
    const lowering = new pg.Client({ connectionString: stores.url });
    await lowering.connect();
    await lowering.query('BEGIN');
    await lowering.query(`UPDATE ${table('appointment_resources')} SET capacity = 1 WHERE id = 'pg-k2'`);
    const waiting = codeOf(insertRaw({ ...at8, provider_id: 'pg-provider-z', resources: JSON.stringify(['pg-k2']) }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await lowering.query('COMMIT');
    await lowering.end();
    expect(['AK008', '23P01']).toContain(await waiting);
    // Moving the appointment by hand moves its allocations; cancelling frees them.
    await client.query(
      `UPDATE ${table('appointments')} SET start = start + interval '1 hour', "end" = "end" + interval '1 hour',
         occupied_start = occupied_start + interval '1 hour', occupied_end = occupied_end + interval '1 hour' WHERE id = $1`,
      [id],
    );
    await insertRaw({ ...at9, provider_id: 'pg-provider-v', resources: JSON.stringify(['pg-room']) });
    await client.query(
      `UPDATE ${table('appointments')} SET status = 'cancelled', cancelled_at = now(), cancellation_reason = 'x' WHERE id = $1`,
      [id],
    );
    await insertRaw({
      start: '2026-04-06T10:00:00Z',
      end: '2026-04-06T10:30:00Z',
      provider_id: 'pg-provider-w',
      resources: JSON.stringify(['pg-room']),
    });
  });

  it('keeps every object in the configured schema', async () => {
    const { rows } = await client.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [store.schema],
    );
    expect(rows.map((row) => row.table_name)).toEqual([
      'appointment_allocations',
      'appointment_audit_log',
      'appointment_idempotency_keys',
      'appointment_kit_migration_lock',
      'appointment_kit_migrations',
      'appointment_resources',
      'appointments',
    ]);
    const publicTables = await client.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(publicTables.rows[0].n).toBe(0);
  });
});

describe('PostgreSQL guards hold for every write form of hand-written SQL', () => {
  let store: PostgresStore;
  let client: pg.Client;
  beforeAll(async () => {
    store = stores.create();
    await store.migrate();
    client = new pg.Client({ connectionString: stores.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await store.close();
  });
  const table = (name: string) => `"${store.schema}".${name}`;
  const codeOf = async (promise: Promise<unknown>) => ((await rejectionOf(promise)) as { code?: string }).code;

  /** An appointment written by the library, then cancelled by it. */
  async function cancelledAppointment() {
    const row = newRow({ start: at('2026-03-02T09:00:00Z'), providerId: randomUUID() });
    await store.insertAppointments([row], { onConflict: 'fail' });
    await store.applyChanges([
      {
        id: row.appointment.id,
        expectedVersion: 1,
        set: {
          status: 'cancelled',
          cancellationReason: 'ill',
          cancelledAt: at('2026-03-01T09:00:00Z'),
          cancelledBy: 'u',
        },
        audit: {
          id: randomUUID(),
          appointmentId: row.appointment.id,
          action: 'cancelled',
          actorId: 'u',
          at: at('2026-03-01T09:00:00Z'),
          version: 2,
          changes: {},
        },
      },
    ]);
    return row.appointment.id;
  }
  const rowOf = async (id: string) =>
    (await client.query(`SELECT * FROM ${table('appointments')} WHERE id = $1`, [id])).rows[0];
  const auditOf = async (id: string) =>
    (await client.query(`SELECT * FROM ${table('appointment_audit_log')} WHERE appointment_id = $1 ORDER BY seq`, [id]))
      .rows;

  it('refuses an UPSERT that would bring a cancelled appointment back (AK001)', async () => {
    const id = await cancelledAppointment();
    const stored = await rowOf(id);
    // The same row again, as a new booking would write it: scheduled, not cancelled.
    const resurrected = { ...stored, status: 'scheduled', cancelled_at: null, cancellation_reason: null };
    const columns = Object.keys(resurrected);
    const values = columns.map((column) =>
      column === 'metadata' || column === 'recurrence' || column === 'resources'
        ? JSON.stringify(resurrected[column])
        : resurrected[column],
    );
    const insert = (tail: string) =>
      client.query(
        `INSERT INTO ${table('appointments')} (${columns.map((c) => `"${c}"`).join(', ')})
         VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) ${tail}`,
        values,
      );
    expect(
      await codeOf(
        insert(`ON CONFLICT (id) DO UPDATE SET status = 'scheduled', cancelled_at = NULL, cancellation_reason = NULL`),
      ),
    ).toBe('AK001');
    expect(await codeOf(insert(''))).toBe('23505');
    expect(
      await codeOf(client.query(`UPDATE ${table('appointments')} SET status = 'scheduled' WHERE id = $1`, [id])),
    ).toBe('AK001');
    expect(await rowOf(id)).toEqual(stored);
  });

  it('refuses an UPSERT, TRUNCATE or DELETE of the audit log (AK002)', async () => {
    const id = await cancelledAppointment();
    const before = await auditOf(id);
    const upsert = client.query(
      `INSERT INTO ${table('appointment_audit_log')} (id, appointment_id, action, actor_id, at, version, changes)
       VALUES ($1, $2, 'created', 'forger', now(), 1, '{}') ON CONFLICT (id) DO UPDATE SET actor_id = 'forger'`,
      [before[0].id, id],
    );
    expect(await codeOf(upsert)).toBe('AK002');
    expect(await codeOf(client.query(`TRUNCATE ${table('appointment_audit_log')}`))).toBe('AK002');
    expect(await codeOf(client.query(`TRUNCATE ${table('appointment_audit_log')} CASCADE`))).toBe('AK002');
    expect(await auditOf(id)).toEqual(before);
  });

  it('refuses DELETE and TRUNCATE of appointments (AK004)', async () => {
    const id = await cancelledAppointment();
    expect(await codeOf(client.query(`DELETE FROM ${table('appointments')} WHERE id = $1`, [id]))).toBe('AK004');
    expect(await codeOf(client.query(`TRUNCATE ${table('appointments')} CASCADE`))).toBe('AK004');
    expect(await rowOf(id)).toBeDefined();
  });

  it('refuses a row inserted straight into any status but scheduled (AK003)', async () => {
    for (const status of Object.keys(STATUS_TRANSITIONS).filter((status) => status !== 'scheduled')) {
      const provider = randomUUID();
      const insert = client.query(
        `INSERT INTO ${table('appointments')} (id, patient_id, provider_id, type, status, start, "end", duration_minutes,
           buffer_before_minutes, buffer_after_minutes, occupied_start, occupied_end, time_zone, confirmation_code,
           version, created_at, updated_at, created_by, updated_by, cancelled_at, cancellation_reason)
         VALUES ($1, 'pat', $2, 'follow_up', $3, '2026-03-02T09:00Z', '2026-03-02T09:30Z', 30, 0, 0,
           '2026-03-02T09:00Z', '2026-03-02T09:30Z', 'UTC', $4, 1, now(), now(), 'raw', 'raw', now(), 'x')`,
        [randomUUID(), provider, status, `RAW-${randomUUID()}`],
      );
      expect(await codeOf(insert)).toBe('AK003');
    }
  });

  it('refuses changes to the columns fixed at creation (AK005) and a repointed idempotency key (AK006)', async () => {
    const row = newRow({ start: at('2026-03-02T09:00:00Z'), providerId: randomUUID() });
    await store.insertAppointments([row], {
      onConflict: 'fail',
      idempotency: { key: `key-${row.appointment.id}`, fingerprint: 'f', createdAt: at('2026-03-01T08:00:00Z') },
    });
    const id = row.appointment.id;
    for (const [column, value] of [
      ['id', randomUUID()],
      ['patient_id', 'changed'],
      ['provider_id', 'changed'],
      ['confirmation_code', 'RAW-X'],
      ['idempotency_key', 'other'],
      ['series_id', 'changed'],
      ['created_at', '2020-01-01T00:00Z'],
      ['created_by', 'changed'],
    ]) {
      expect(
        await codeOf(client.query(`UPDATE ${table('appointments')} SET "${column}" = $1 WHERE id = $2`, [value, id])),
      ).toBe('AK005');
    }
    const other = await cancelledAppointment();
    const repoint = client.query(
      `INSERT INTO ${table('appointment_idempotency_keys')} (key, fingerprint, appointment_id, skipped, created_at)
       VALUES ($1, 'forged', $2, '[]', now()) ON CONFLICT (key) DO UPDATE SET appointment_id = EXCLUDED.appointment_id`,
      [`key-${id}`, other],
    );
    expect(await codeOf(repoint)).toBe('AK006');
    expect((await store.getIdempotencyRecord(`key-${id}`))?.appointmentId).toBe(id);
  });

  it('refuses a UUID written by hand in upper case (23514), and keeps other ids as given', async () => {
    const uuid = randomUUID();
    const insert = (fields: Record<string, string>) =>
      client.query(
        `INSERT INTO ${table('appointments')} (id, patient_id, provider_id, series_id, type, status, start, "end",
           duration_minutes, buffer_before_minutes, buffer_after_minutes, occupied_start, occupied_end, time_zone,
           confirmation_code, version, created_at, updated_at, created_by, updated_by)
         VALUES ($1, $2, $3, $4, 'follow_up', 'scheduled', $5, $6, 30, 0, 0, $5, $6, 'UTC', $7, 1, now(), now(), 'raw', 'raw')`,
        [
          fields.id ?? randomUUID(),
          fields.patient_id ?? 'pat',
          fields.provider_id ?? `Provider-${randomUUID()}`,
          fields.series_id ?? null,
          '2026-03-02T09:00Z',
          '2026-03-02T09:30Z',
          `RAW-${randomUUID()}`,
        ],
      );
    for (const column of ['id', 'patient_id', 'provider_id', 'series_id']) {
      expect(await codeOf(insert({ [column]: uuid.toUpperCase() }))).toBe('23514');
    }
    expect((await insert({ provider_id: uuid })).rowCount).toBe(1);
    expect((await insert({ provider_id: 'Provider-A', patient_id: 'Patient-B' })).rowCount).toBe(1);
  });
});

describe('PostgreSQL store and the host', () => {
  it('works on the host’s own pool, leaves it open, and changes no global type parser', async () => {
    const parsers = [1184, 114, 3802, 20].map((oid) => pg.types.getTypeParser(oid));
    const pool = new pg.Pool({ connectionString: stores.url, max: 4 });
    const schema = `host_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const store = createPostgresStore({ pool, schema });
    await store.migrate();
    await store.migrate();
    const result = await store.insertAppointments([newRow({ start: at('2026-03-02T09:00:00Z') })], {
      onConflict: 'fail',
    });
    expect(result.kind).toBe('inserted');
    await store.close();
    expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    await pool.end();
    expect([1184, 114, 3802, 20].map((oid) => pg.types.getTypeParser(oid))).toEqual(parsers);
  });

  it('runs several stores on one host pool, long schema names and a re-created store included', async () => {
    const pool = new pg.Pool({ connectionString: stores.url, max: 3 });
    // Two names that agree on their first 60 characters, each at PostgreSQL's 63-byte limit.
    const prefix = `s${randomUUID().replaceAll('-', '')}${'x'.repeat(27)}`;
    const schemas = [`${prefix}_aa`, `${prefix}_bb`, `short_${randomUUID().replaceAll('-', '').slice(0, 8)}`];
    expect(schemas[0]).toHaveLength(63);
    const open = () => schemas.map((schema) => createPostgresStore({ pool, schema }));
    let shared = open();
    for (const store of shared) await store.migrate();
    const bookAll = async (round: number) => {
      const results = await Promise.allSettled(
        Array.from({ length: 80 }, (_, index) => {
          const store = shared[index % shared.length] as PostgresStore;
          const start = new Date(Date.parse('2026-03-02T09:00:00Z') + (round * 80 + index) * 3_600_000);
          return store.insertAppointments([newRow({ start, providerId: randomUUID() })], { onConflict: 'fail' });
        }),
      );
      return results.filter((result) => result.status === 'rejected').map((result) => result.reason);
    };
    expect(await bookAll(0)).toEqual([]);
    // Closing a store leaves the host's pool (and its connections' prepared statements) as they
    // are; stores made again on the same pool keep working.
    for (const store of shared) await store.close();
    shared = open();
    expect(await bookAll(1)).toEqual([]);
    for (const schema of schemas) {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".appointments`);
      expect(rows[0].n).toBeGreaterThan(0);
    }
    for (const schema of schemas) await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    await pool.end();
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => createPostgresStore({ connectionString: stores.url, schema: 'x"; DROP' })).toThrow(TypeError);
  });
});

describe('PostgreSQL under concurrency', () => {
  it('never double-books with 24 concurrent connections on overlapping times, and no deadlock leaks', async () => {
    const pool = new pg.Pool({ connectionString: stores.url, max: 24 });
    const store = createPostgresStore({ pool, schema: `conc_${randomUUID().replaceAll('-', '').slice(0, 12)}` });
    await store.migrate();
    const scheduler = createScheduler({
      store,
      directory: ANY_HOUR_DIRECTORY,
      clock: () => new Date('2026-03-01T00:00:00Z'),
    });
    const providers = [randomUUID(), randomUUID(), randomUUID()];
    let seed = 7;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const attempts = Array.from({ length: 480 }, () => ({
      patientId: randomUUID(),
      providerId: providers[Math.floor(random() * providers.length)],
      type: 'follow_up',
      start: new Date(Date.parse('2026-03-02T09:00:00Z') + Math.floor(random() * 32) * 15 * 60_000).toISOString(),
      durationMinutes: [30, 45, 60][Math.floor(random() * 3)],
    }));
    // 24 workers take attempts from one queue, each on its own connection.
    let next = 0;
    const outcomes = { booked: 0, conflicts: 0, other: [] as string[] };
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        while (next < attempts.length) {
          const attempt = attempts[next++];
          try {
            await scheduler.book(attempt, { id: 'load' });
            outcomes.booked++;
          } catch (error) {
            if (error instanceof ConflictError) outcomes.conflicts++;
            else outcomes.other.push(`${(error as SchedulingError).code} ${String((error as Error).cause ?? error)}`);
          }
        }
      }),
    );
    console.log(
      'PostgreSQL 24-connection run:',
      JSON.stringify({ attempts: attempts.length, ...outcomes, other: outcomes.other.length }),
    );
    expect(outcomes.other).toEqual([]);
    expect(outcomes.booked + outcomes.conflicts).toBe(attempts.length);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS pairs FROM "${store.schema}".appointments a JOIN "${store.schema}".appointments b
         ON a.provider_id = b.provider_id AND a.id < b.id
        WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')
          AND a.start < b."end" AND b.start < a."end"`,
    );
    expect(rows[0].pairs).toBe(0);
    const count = await pool.query(`SELECT count(*)::int AS n FROM "${store.schema}".appointments`);
    expect(count.rows[0].n).toBe(outcomes.booked);
    await pool.query(`DROP SCHEMA "${store.schema}" CASCADE`);
    await store.close();
    await pool.end();
  });
});

describe('PostgreSQL faults', () => {
  it('leaves no partial series when the backend is terminated mid-transaction, and keeps working', async () => {
    const store = stores.create();
    await store.migrate();
    const scheduler = createScheduler({
      store,
      directory: ANY_HOUR_DIRECTORY,
      clock: () => new Date('2026-03-01T00:00:00Z'),
    });
    const blocker = new pg.Client({ connectionString: stores.url });
    await blocker.connect();
    // Hold a lock that lets the series transaction begin, lock its provider and read, but not insert.
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE "${store.schema}".appointments IN EXCLUSIVE MODE`);
    const series = scheduler.book(
      {
        patientId: randomUUID(),
        providerId: randomUUID(),
        type: 'follow_up',
        start: '2026-03-02T09:00:00Z',
        recurrence: { frequency: 'daily', maxOccurrences: 50 },
      },
      { id: 'fault' },
    );
    const outcome = rejectionOf(series);
    let victim: number | undefined;
    for (let tries = 0; victim === undefined && tries < 200; tries++) {
      const { rows } = await blocker.query(
        // The waiting backend is the series transaction, blocked at its insert (its reported query
        // text can lag behind with the extended protocol, so match on the wait itself).
        `SELECT pid FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND wait_event = 'relation' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      victim = rows[0]?.pid;
      if (victim === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(victim).toBeDefined();
    await blocker.query('SELECT pg_terminate_backend($1)', [victim]);
    const error = await outcome;
    expect(error).toBeInstanceOf(SchedulingError);
    expect((error as SchedulingError).code).toBe('INTERNAL_ERROR');
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect((await store.listAppointments({})).total).toBe(0);
    const after = await scheduler.book(
      {
        patientId: randomUUID(),
        providerId: randomUUID(),
        type: 'follow_up',
        start: '2026-03-02T09:00:00Z',
        recurrence: { frequency: 'daily', maxOccurrences: 5 },
      },
      { id: 'fault' },
    );
    expect(after.series?.created).toHaveLength(5);
    await store.close();
  });
});

describe('PostgreSQL migration 0002 on a database written by 0.1', () => {
  it('folds upper-case UUIDs, numbers the existing audit entries by version, and guards from then on', async () => {
    const store = stores.create();
    const old = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: stores.url }) }),
    });
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(store.schema)}`.execute(old);
    const { error } = await createPostgresMigrator(old, store.schema).migrateTo('0001_initial_schema');
    expect(error).toBeUndefined();
    const provider = randomUUID();
    const id = randomUUID();
    const table = (name: string) => sql.table(`${store.schema}.${name}`);
    // What 0.1 let a client write: a provider id in upper case, and audit entries without versions.
    await sql`INSERT INTO ${table('appointments')} (id, patient_id, provider_id, type, status, start, "end",
        duration_minutes, buffer_before_minutes, buffer_after_minutes, occupied_start, occupied_end, time_zone,
        confirmation_code, version, created_at, updated_at, created_by, updated_by)
      VALUES (${id}, ${randomUUID().toUpperCase()}, ${provider.toUpperCase()}, 'follow_up', 'scheduled',
        '2030-03-04T09:00Z', '2030-03-04T09:30Z', 30, 0, 0, '2030-03-04T09:00Z', '2030-03-04T09:30Z', 'UTC',
        'APT-2026-0001', 2, '2026-01-01T00:00Z', '2026-01-01T00:05Z', 'u', 'u')`.execute(old);
    for (const [action, minute] of [
      ['created', '00'],
      ['viewed', '03'],
      ['confirmed', '05'],
    ] as const) {
      await sql`INSERT INTO ${table('appointment_audit_log')} (id, appointment_id, action, actor_id, at, changes)
        VALUES (${randomUUID()}, ${id}, ${action}, 'u', ${`2026-01-01T00:${minute}Z`}::timestamptz, '{}')`.execute(old);
    }
    await old.destroy();

    await store.migrate();
    const scheduler = createScheduler({
      store,
      directory: createPermissiveDirectory(),
      clock: () => new Date('2030-03-01T00:00:00Z'),
    });
    const migrated = await scheduler.get(id);
    expect(migrated.providerId).toBe(provider);
    expect(migrated.patientId).toBe(migrated.patientId.toLowerCase());
    expect((await scheduler.auditTrail(id)).map((entry) => [entry.action, entry.version])).toEqual([
      ['created', 1],
      ['viewed', 1],
      ['confirmed', 2],
    ]);
    const booking = { patientId: randomUUID(), type: 'follow_up', start: '2030-03-04T09:00:00Z' };
    for (const providerId of [provider, provider.toUpperCase()]) {
      await expect(scheduler.book({ ...booking, providerId }, { id: 'u' })).rejects.toMatchObject({ code: 'CONFLICT' });
    }
    await store.close();
  });
});

describe('PostgreSQL migration 0003 on a series stored before segments', () => {
  it("turns the stored pattern into the series' one segment, which reads and edits then follow", async () => {
    const store = stores.create();
    const old = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: stores.url }) }),
    });
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(store.schema)}`.execute(old);
    const { error } = await createPostgresMigrator(old, store.schema).migrateTo('0002_hardening');
    expect(error).toBeUndefined();
    const table = (name: string) => sql.table(`${store.schema}.${name}`);
    const writer: LegacyWriter = {
      async insert(appointment, audit) {
        const { resources: _resources, ...columns } = encodeAppointmentFields(appointment, POSTGRES_CODEC);
        const row: Record<string, unknown> = {
          ...columns,
          occupied_start: new Date(appointment.start.getTime() - appointment.bufferBeforeMinutes * 60_000),
          occupied_end: new Date(appointment.end.getTime() + appointment.bufferAfterMinutes * 60_000),
        };
        await sql`INSERT INTO ${table('appointments')} (${sql.join(Object.keys(row).map((name) => sql.id(name)))})
          VALUES (${sql.join(Object.values(row).map((value) => (value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value)))})`.execute(
          old,
        );
        await sql`INSERT INTO ${table('appointment_audit_log')} (id, appointment_id, action, actor_id, at, version, changes)
          VALUES (${audit.id}, ${audit.appointmentId}, ${audit.action}, ${audit.actorId}, ${audit.at}, 1, ${JSON.stringify(audit.changes)})`.execute(
          old,
        );
      },
      async move(id, start, end) {
        await sql`UPDATE ${table('appointments')} SET start = ${start}, "end" = ${end}, occupied_start = ${start},
          occupied_end = ${end}, version = version + 1 WHERE id = ${id}`.execute(old);
      },
    };
    await expectLegacySeriesUpgraded(store, writer);
    await old.destroy();
  });
});

describe('PostgreSQL confirmation numbers', () => {
  it('grow past four digits without being cut', async () => {
    const store = stores.create();
    await store.migrate();
    const client = new pg.Client({ connectionString: stores.url });
    await client.connect();
    await client.query(`SELECT setval('"${store.schema}".appointment_confirmation_seq', 9998)`);
    await client.end();
    const single = await store.insertAppointments(
      [newRow({ start: at('2026-03-02T09:00:00Z'), providerId: randomUUID() })],
      { onConflict: 'fail' },
    );
    const batch = await store.insertAppointments(
      [
        newRow({ start: at('2026-03-03T09:00:00Z'), providerId: randomUUID() }),
        newRow({ start: at('2026-03-04T09:00:00Z'), providerId: randomUUID() }),
      ],
      { onConflict: 'skip' },
    );
    const codes = [single, batch].flatMap((result) =>
      result.kind === 'inserted' ? result.inserted.map((item) => item.confirmationCode) : [],
    );
    expect(codes).toEqual(['APT-2026-9999', 'APT-2026-10000', 'APT-2026-10001']);
    await store.close();
  });
});
