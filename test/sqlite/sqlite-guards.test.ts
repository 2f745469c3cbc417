import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../adapters/sqlite/index.js';
import { BusyError, STATUS_TRANSITIONS, StorageFullError } from '../../src/index.js';
import { at, newRow, rejectionOf, WORKFLOW_PATHS } from '../fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-guards-'));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('SQLite connection settings', () => {
  it('uses WAL, synchronous=FULL, foreign keys and a busy timeout by default', async () => {
    const database = new Database(join(directory, 'defaults.db'));
    const store = createSqliteStore({ database });
    await store.migrate();
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.pragma('synchronous', { simple: true })).toBe(2);
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    // SQLite's own blocking wait stays short; the store waits for the write lock asynchronously.
    expect(database.pragma('busy_timeout', { simple: true })).toBe(10);
    await store.close();
    // The host's database stays open: the store never closes what it did not open.
    expect(database.open).toBe(true);
    database.close();
  });

  it('uses synchronous=NORMAL only when asked', async () => {
    const database = new Database(join(directory, 'normal.db'));
    const store = createSqliteStore({ database, synchronous: 'NORMAL', busyTimeoutMs: 5 });
    await store.migrate();
    expect(database.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.pragma('busy_timeout', { simple: true })).toBe(5);
    await store.close();
    database.close();
  });

  it('refuses an unknown synchronous level', () => {
    expect(() => createSqliteStore({ filename: ':memory:', synchronous: 'OFF' as 'FULL' })).toThrow(/synchronous/);
  });
});

describe('SQLite integrity guards hold for writers that bypass the library', () => {
  let file: string;
  let store: SqliteStore;
  let raw: Database.Database;

  beforeEach(async () => {
    file = join(directory, `guards-${randomUUID()}.db`);
    store = createSqliteStore({ filename: file });
    await store.migrate();
    raw = new Database(file);
    return async () => {
      raw.close();
      await store.close();
    };
  });

  const insertRaw = (fields: Record<string, unknown>) => {
    const row = {
      id: randomUUID(),
      patient_id: 'pat',
      provider_id: 'provider-a',
      type: 'follow_up',
      status: 'scheduled',
      start: Date.parse('2026-03-02T09:00:00Z'),
      end: Date.parse('2026-03-02T09:30:00Z'),
      duration_minutes: 30,
      buffer_before_minutes: 0,
      buffer_after_minutes: 0,
      time_zone: 'UTC',
      confirmation_code: `RAW-${randomUUID()}`,
      version: 1,
      metadata: '{}',
      created_at: 0,
      updated_at: 0,
      created_by: 'raw',
      updated_by: 'raw',
      ...fields,
    };
    const columns = Object.keys(row);
    raw
      .prepare(
        `INSERT INTO appointments (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
      )
      .run(row);
    return row.id;
  };

  it('aborts a plain INSERT that overlaps an occupying appointment', async () => {
    await store.insertAppointments([newRow({ start: at('2026-03-02T09:00:00Z') })], { onConflict: 'fail' });
    expect(() =>
      insertRaw({ start: Date.parse('2026-03-02T09:29:00Z'), end: Date.parse('2026-03-02T09:59:00Z') }),
    ).toThrow('appointment_overlap');
    expect(
      insertRaw({ start: Date.parse('2026-03-02T09:30:00Z'), end: Date.parse('2026-03-02T10:00:00Z') }),
    ).toBeTypeOf('string');
  });

  /** A row inserted as `scheduled`, then moved along the workflow into `status` by plain UPDATEs. */
  const insertRawIn = (status: keyof typeof STATUS_TRANSITIONS, fields: Record<string, unknown> = {}) => {
    const id = insertRaw(fields);
    for (const step of WORKFLOW_PATHS[status]) {
      raw
        .prepare('UPDATE appointments SET status = ?, cancelled_at = 1, cancellation_reason = ? WHERE id = ?')
        .run(step, 'x', id);
    }
    return id;
  };

  it('accepts an INSERT that overlaps only a cancelled appointment', () => {
    insertRawIn('cancelled');
    expect(insertRaw({})).toBeTypeOf('string');
  });

  it('aborts a plain UPDATE that moves into another appointment or grows its buffer into it', () => {
    insertRaw({});
    const later = insertRaw({ start: Date.parse('2026-03-02T10:00:00Z'), end: Date.parse('2026-03-02T10:30:00Z') });
    expect(() =>
      raw
        .prepare('UPDATE appointments SET start = ?, "end" = ? WHERE id = ?')
        .run(Date.parse('2026-03-02T09:15:00Z'), Date.parse('2026-03-02T09:45:00Z'), later),
    ).toThrow('appointment_overlap');
    expect(() => raw.prepare('UPDATE appointments SET buffer_before_minutes = 31 WHERE id = ?').run(later)).toThrow(
      'appointment_overlap',
    );
  });

  it('aborts every status change the transition table does not allow', () => {
    for (const from of Object.keys(STATUS_TRANSITIONS) as Array<keyof typeof STATUS_TRANSITIONS>) {
      for (const to of Object.keys(STATUS_TRANSITIONS) as Array<keyof typeof STATUS_TRANSITIONS>) {
        if (from === to) continue;
        const id = insertRawIn(from, { provider_id: randomUUID() });
        const update = () =>
          raw
            .prepare('UPDATE appointments SET status = ?, cancelled_at = 1, cancellation_reason = ? WHERE id = ?')
            .run(to, 'x', id);
        if (STATUS_TRANSITIONS[from].includes(to)) expect(update).not.toThrow();
        else expect(update).toThrow('invalid_status_transition');
      }
    }
  });

  it('refuses empty or inconsistent ranges and out-of-range durations', () => {
    expect(() => insertRaw({ end: Date.parse('2026-03-02T09:00:00Z') })).toThrow(/CHECK/);
    expect(() => insertRaw({ duration_minutes: 45 })).toThrow(/CHECK/);
    expect(() => insertRaw({ duration_minutes: 10, end: Date.parse('2026-03-02T09:10:00Z') })).toThrow(/CHECK/);
    expect(() => insertRaw({ buffer_after_minutes: 241 })).toThrow(/CHECK/);
    expect(() => insertRaw({ status: 'waiting' })).toThrow('appointment_initial_status');
    const id = insertRaw({});
    expect(() => raw.prepare(`UPDATE appointments SET status = 'cancelled' WHERE id = ?`).run(id)).toThrow(/CHECK/);
  });

  it('keeps the audit trail append-only', async () => {
    const row = newRow({ start: at('2026-03-02T09:00:00Z') });
    await store.insertAppointments([row], { onConflict: 'fail' });
    expect(() => raw.prepare('UPDATE appointment_audit_log SET actor_id = ?').run('someone')).toThrow(
      'audit_log_is_append_only',
    );
    expect(() => raw.prepare('DELETE FROM appointment_audit_log').run()).toThrow('audit_log_is_append_only');
  });

  it('checks overlap with a bounded range scan of the provider index', () => {
    const plan = raw
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM appointments WHERE provider_id = ? AND status NOT IN ('cancelled', 'no_show')
         AND occupied_start > ? AND occupied_start < ? AND occupied_end > ?`,
      )
      .all('provider-a', 0, 1, 0) as Array<{ detail: string }>;
    expect(plan.map((step) => step.detail).join(' ')).toMatch(
      /SEARCH appointments USING INDEX appointments_provider_occupied \(provider_id=\? AND occupied_start>\? AND occupied_start<\?\)/,
    );
  });

  it('holds every resource guard for SQL written by hand', async () => {
    const room = { id: 'room-1', kind: 'room', capacity: 1, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 };
    const placesFor2 = { id: 'class-1', kind: 'class', capacity: 2, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 };
    const booked = newRow({ start: at('2026-03-02T09:00:00Z'), providerId: 'provider-r' });
    await store.insertAppointments([{ ...booked, resources: [{ candidates: [room] }, { candidates: [placesFor2] }] }], {
      onConflict: 'fail',
    });
    const abort = (action: () => unknown) => {
      try {
        action();
      } catch (error) {
        return (error as Error).message;
      }
      return 'written';
    };
    // Another provider, the same room at an overlapping time: the allocation is refused.
    expect(abort(() => insertRaw({ provider_id: 'provider-s', resources: '["room-1"]' }))).toBe('resource_capacity');
    // A class of two takes one more, not two.
    expect(abort(() => insertRaw({ provider_id: 'provider-s', resources: '["class-1"]' }))).toBe('written');
    expect(abort(() => insertRaw({ provider_id: 'provider-t', resources: '["class-1"]' }))).toBe('resource_capacity');
    expect(abort(() => insertRaw({ provider_id: 'provider-u', resources: '["nowhere"]' }))).toBe('unknown_resource');
    expect(abort(() => insertRaw({ provider_id: 'provider-u', resources: '["class-1","class-1"]' }))).toBe(
      'duplicate_resource',
    );
    const id = booked.appointment.id;
    expect(abort(() => raw.prepare(`UPDATE appointments SET resources = '[]' WHERE id = ?`).run(id))).toBe(
      'resources_are_fixed',
    );
    expect(
      abort(() =>
        raw
          .prepare('UPDATE appointment_allocations SET occupied_end = occupied_end - 60000 WHERE appointment_id = ?')
          .run(id),
      ),
    ).toBe('allocation_mismatch');
    expect(
      abort(() => raw.prepare('UPDATE appointment_allocations SET active = 0 WHERE appointment_id = ?').run(id)),
    ).toBe('allocation_mismatch');
    expect(abort(() => raw.prepare('DELETE FROM appointment_allocations').run())).toBe('allocations_are_never_deleted');
    expect(abort(() => raw.prepare('DELETE FROM appointment_resources').run())).toBe('resources_are_never_deleted');
    expect(
      abort(() =>
        raw
          .prepare('INSERT INTO appointment_allocations VALUES (?, ?, ?, ?, 1)')
          .run(id, 'room-1', Date.parse('2026-03-02T12:00:00Z'), Date.parse('2026-03-02T13:00:00Z')),
      ),
    ).toBe('allocation_mismatch');
    // Two hold the class now: it cannot shrink to one place, by UPDATE or by REPLACE.
    expect(abort(() => raw.prepare(`UPDATE appointment_resources SET capacity = 1 WHERE id = 'class-1'`).run())).toBe(
      'resource_capacity',
    );
    expect(
      abort(() =>
        raw.prepare(`INSERT OR REPLACE INTO appointment_resources VALUES ('class-1', 'class', 1, 0, 0)`).run(),
      ),
    ).toBe('resource_capacity');
    // Moving the appointment by hand moves its allocations; cancelling frees them.
    raw.prepare('UPDATE appointments SET start = start + 3600000, "end" = "end" + 3600000 WHERE id = ?').run(id);
    expect(abort(() => insertRaw({ provider_id: 'provider-v', resources: '["room-1"]' }))).toBe('written');
    raw
      .prepare(`UPDATE appointments SET status = 'cancelled', cancelled_at = 1, cancellation_reason = 'x' WHERE id = ?`)
      .run(id);
    expect(
      abort(() =>
        insertRaw({
          provider_id: 'provider-w',
          start: Date.parse('2026-03-02T10:00:00Z'),
          end: Date.parse('2026-03-02T10:30:00Z'),
          resources: '["room-1"]',
        }),
      ),
    ).toBe('written');
  });

  it('records its migrations and does nothing on a second migrate', async () => {
    const before = raw.prepare('SELECT name FROM appointment_kit_migrations').all();
    await store.migrate();
    expect(raw.prepare('SELECT name FROM appointment_kit_migrations').all()).toEqual(before);
    expect(before).toEqual([
      { name: '0001_initial_schema' },
      { name: '0002_hardening' },
      { name: '0003_series_segments' },
      { name: '0004_resources' },
    ]);
  });
});

describe('SQLite guards hold for every write form of hand-written SQL', () => {
  let file: string;
  let store: SqliteStore;
  let raw: Database.Database;

  beforeEach(async () => {
    file = join(directory, `forms-${randomUUID()}.db`);
    store = createSqliteStore({ filename: file });
    await store.migrate();
    // The sqlite3 shell's defaults: foreign keys off, no recursive triggers.
    raw = new Database(file);
    raw.pragma('foreign_keys = OFF');
    return async () => {
      raw.close();
      await store.close();
    };
  });

  /** An appointment written by the library, then cancelled by it. */
  async function cancelledAppointment() {
    const row = newRow({ start: at('2026-03-02T09:00:00Z') });
    await store.insertAppointments([row], { onConflict: 'fail' });
    const [cancelled] = await store.applyChanges([
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
    return cancelled as NonNullable<typeof cancelled>;
  }
  const rowOf = (id: string) =>
    raw.prepare('SELECT * FROM appointments WHERE id = ?').get(id) as Record<string, unknown>;
  const auditOf = (id: string) =>
    raw.prepare('SELECT * FROM appointment_audit_log WHERE appointment_id = ? ORDER BY rowid').all(id);
  /** Every column of a stored row, as an INSERT of the same row would give them. */
  const replaceStatement = (verb: string, row: Record<string, unknown>, tail = '') => {
    const columns = Object.keys(row).filter((column) => column !== 'occupied_start' && column !== 'occupied_end');
    return raw.prepare(
      `${verb} INTO appointments (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) ${tail}`,
    );
  };
  const without = (row: Record<string, unknown>) => {
    const { occupied_start: _start, occupied_end: _end, ...rest } = row;
    return rest;
  };

  it('refuses INSERT OR REPLACE, REPLACE and UPSERT that would rewrite an audit entry', async () => {
    const appointment = await cancelledAppointment();
    const before = auditOf(appointment.id);
    const [first] = before as Array<{ id: string }>;
    const forged = { id: first?.id, appointment_id: appointment.id, at: 0 };
    for (const verb of ['INSERT OR REPLACE', 'REPLACE', 'INSERT OR IGNORE']) {
      const statement = raw.prepare(
        `${verb} INTO appointment_audit_log (id, appointment_id, action, actor_id, at, version, changes)
         VALUES (@id, @appointment_id, 'created', 'forger', @at, 1, '{}')`,
      );
      expect(() => statement.run(forged)).toThrow('audit_log_is_append_only');
    }
    expect(() =>
      raw
        .prepare(
          `INSERT INTO appointment_audit_log (id, appointment_id, action, actor_id, at, version, changes)
           VALUES (@id, @appointment_id, 'created', 'forger', @at, 1, '{}')
           ON CONFLICT (id) DO UPDATE SET actor_id = 'forger'`,
        )
        .run(forged),
    ).toThrow('audit_log_is_append_only');
    expect(auditOf(appointment.id)).toEqual(before);
  });

  it('refuses INSERT OR REPLACE, REPLACE and UPSERT that would bring a cancelled appointment back', async () => {
    const appointment = await cancelledAppointment();
    const stored = rowOf(appointment.id);
    const resurrected = { ...without(stored), status: 'scheduled', cancelled_at: null, cancellation_reason: null };
    for (const verb of ['INSERT OR REPLACE', 'REPLACE']) {
      expect(() => replaceStatement(verb, resurrected).run(resurrected)).toThrow('appointment_exists');
    }
    expect(() =>
      replaceStatement('INSERT', resurrected, `ON CONFLICT (id) DO UPDATE SET status = 'scheduled'`).run(resurrected),
    ).toThrow('appointment_exists');
    expect(() =>
      raw.prepare(`UPDATE OR REPLACE appointments SET status = 'scheduled' WHERE id = ?`).run(appointment.id),
    ).toThrow('invalid_status_transition');
    expect(rowOf(appointment.id)).toEqual(stored);
    expect(auditOf(appointment.id)).toHaveLength(2);
  });

  it('refuses a replace that would take another appointment’s id, confirmation code or idempotency key', async () => {
    const first = newRow({ start: at('2026-03-02T09:00:00Z') });
    await store.insertAppointments([first], {
      onConflict: 'fail',
      idempotency: { key: 'key-1', fingerprint: 'f', createdAt: at('2026-03-01T08:00:00Z') },
    });
    const stored = rowOf(first.appointment.id);
    const other = {
      ...without(stored),
      id: randomUUID(),
      start: Date.parse('2026-03-09T09:00:00Z'),
      end: Date.parse('2026-03-09T09:30:00Z'),
      idempotency_key: null,
    };
    expect(() => replaceStatement('INSERT OR REPLACE', other).run(other)).toThrow('appointment_exists');
    const keyed = { ...other, confirmation_code: 'RAW-1', idempotency_key: 'key-1' };
    expect(() => replaceStatement('REPLACE', keyed).run(keyed)).toThrow('appointment_exists');
    const second = newRow({ start: at('2026-03-03T09:00:00Z') });
    await store.insertAppointments([second], { onConflict: 'fail' });
    expect(() =>
      raw
        .prepare('UPDATE OR REPLACE appointments SET confirmation_code = ? WHERE id = ?')
        .run(stored.confirmation_code, second.appointment.id),
    ).toThrow('immutable_column');
    for (const [column, value] of [
      ['id', 'changed'],
      ['patient_id', 'changed'],
      ['provider_id', 'changed'],
      ['created_at', 1],
      ['created_by', 'changed'],
      ['series_id', 'changed'],
    ] as const) {
      expect(() =>
        raw.prepare(`UPDATE appointments SET "${column}" = ? WHERE id = ?`).run(value, second.appointment.id),
      ).toThrow('immutable_column');
    }
    expect(rowOf(first.appointment.id)).toEqual(stored);
    expect((raw.prepare('SELECT count(*) AS n FROM appointments').get() as { n: number }).n).toBe(2);
  });

  it('refuses DELETE of an appointment with foreign keys off, and an audit entry for no appointment', async () => {
    const appointment = await cancelledAppointment();
    expect(raw.pragma('foreign_keys', { simple: true })).toBe(0);
    expect(() => raw.prepare('DELETE FROM appointments WHERE id = ?').run(appointment.id)).toThrow(
      'appointments_are_never_deleted',
    );
    expect(() => raw.prepare('DELETE FROM appointments').run()).toThrow('appointments_are_never_deleted');
    expect(() =>
      raw
        .prepare(
          `INSERT INTO appointment_audit_log (id, appointment_id, action, actor_id, at, version, changes)
           VALUES (?, ?, 'created', 'forger', 0, 1, '{}')`,
        )
        .run(randomUUID(), randomUUID()),
    ).toThrow('audit_entry_without_appointment');
    expect(rowOf(appointment.id)).toBeDefined();
    expect(auditOf(appointment.id)).toHaveLength(2);
  });

  it('refuses a row inserted straight into any status but scheduled', () => {
    const statuses = Object.keys(STATUS_TRANSITIONS).filter((status) => status !== 'scheduled');
    for (const status of statuses) {
      const row = {
        id: randomUUID(),
        patient_id: 'pat',
        provider_id: `p-${status}`,
        type: 'follow_up',
        status,
        start: 0,
        end: 1_800_000,
        duration_minutes: 30,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        time_zone: 'UTC',
        confirmation_code: `RAW-${status}`,
        version: 1,
        metadata: '{}',
        created_at: 0,
        updated_at: 0,
        created_by: 'raw',
        updated_by: 'raw',
        cancelled_at: 1,
        cancellation_reason: 'x',
      };
      for (const verb of ['INSERT', 'INSERT OR REPLACE', 'INSERT OR IGNORE']) {
        expect(() => replaceStatement(verb, row).run(row)).toThrow('appointment_initial_status');
      }
    }
    expect((raw.prepare('SELECT count(*) AS n FROM appointments').get() as { n: number }).n).toBe(0);
  });

  it('refuses a UUID written by hand in upper case, and keeps other ids as given', () => {
    const uuid = randomUUID();
    const row = (fields: Record<string, unknown>) => ({
      id: randomUUID(),
      patient_id: 'pat',
      provider_id: 'Provider-A',
      type: 'follow_up',
      status: 'scheduled',
      start: Date.parse('2026-03-02T09:00:00Z'),
      end: Date.parse('2026-03-02T09:30:00Z'),
      duration_minutes: 30,
      buffer_before_minutes: 0,
      buffer_after_minutes: 0,
      time_zone: 'UTC',
      confirmation_code: `RAW-${randomUUID()}`,
      version: 1,
      metadata: '{}',
      created_at: 0,
      updated_at: 0,
      created_by: 'raw',
      updated_by: 'raw',
      ...fields,
    });
    for (const fields of [
      { provider_id: uuid.toUpperCase() },
      { patient_id: uuid.toUpperCase() },
      { id: uuid.toUpperCase() },
      { series_id: uuid.toUpperCase() },
    ]) {
      const values = row(fields);
      expect(() => replaceStatement('INSERT', values).run(values)).toThrow('non_canonical_id');
    }
    const lower = row({ provider_id: uuid });
    replaceStatement('INSERT', lower).run(lower);
    const custom = row({ start: Date.parse('2026-03-03T09:00:00Z'), end: Date.parse('2026-03-03T09:30:00Z') });
    replaceStatement('INSERT', custom).run(custom);
    expect(rowOf(custom.id).provider_id).toBe('Provider-A');
  });

  it('refuses to replace or repoint a recorded idempotency key', async () => {
    const row = newRow({ start: at('2026-03-02T09:00:00Z') });
    await store.insertAppointments([row], {
      onConflict: 'fail',
      idempotency: { key: 'key-1', fingerprint: 'f', createdAt: at('2026-03-01T08:00:00Z') },
    });
    const other = newRow({ start: at('2026-03-03T09:00:00Z') });
    await store.insertAppointments([other], { onConflict: 'fail' });
    const before = raw.prepare('SELECT * FROM appointment_idempotency_keys').all();
    for (const verb of ['INSERT OR REPLACE', 'REPLACE']) {
      expect(() =>
        raw
          .prepare(
            `${verb} INTO appointment_idempotency_keys (key, fingerprint, appointment_id, skipped, created_at)
             VALUES ('key-1', 'forged', ?, '[]', 0)`,
          )
          .run(other.appointment.id),
      ).toThrow('idempotency_key_exists');
    }
    expect(() =>
      raw.prepare('UPDATE appointment_idempotency_keys SET appointment_id = ?').run(other.appointment.id),
    ).toThrow('idempotency_key_exists');
    expect(raw.prepare('SELECT * FROM appointment_idempotency_keys').all()).toEqual(before);
  });
});

describe('SQLite on a full disk', () => {
  it('answers StorageFullError with the real cause, writes nothing, and works again once there is room', async () => {
    const database = new Database(join(directory, `full-${randomUUID()}.db`));
    const store = createSqliteStore({ database });
    await store.migrate();
    const pages = database.pragma('page_count', { simple: true }) as number;
    // A database that may not grow: as good as a full disk, and the same SQLITE_FULL.
    database.pragma(`max_page_count = ${pages}`);
    const rows = Array.from({ length: 100 }, (_, index) =>
      newRow({ start: new Date(Date.parse('2026-03-02T09:00:00Z') + index * 86_400_000), notes: 'n'.repeat(4000) }),
    );
    const series = await rejectionOf(store.insertAppointments(rows, { onConflict: 'skip' }));
    expect(series).toBeInstanceOf(StorageFullError);
    expect(series).toMatchObject({ code: 'STORAGE_FULL', httpStatus: 507, cause: { code: 'SQLITE_FULL' } });
    expect((await store.listAppointments({})).total).toBe(0);

    database.pragma(`max_page_count = ${pages + 200}`);
    const [first] = rows;
    await store.insertAppointments([first as (typeof rows)[number]], { onConflict: 'fail' });
    database.pragma(`max_page_count = ${database.pragma('page_count', { simple: true }) as number}`);
    const change = await rejectionOf(
      store.applyChanges([
        {
          id: first?.appointment.id ?? '',
          expectedVersion: 1,
          set: { notes: 'm'.repeat(4000), metadata: { big: 'x'.repeat(16_000) } },
          audit: {
            id: randomUUID(),
            appointmentId: first?.appointment.id ?? '',
            action: 'updated',
            actorId: 'u',
            at: at('2026-03-01T09:00:00Z'),
            version: 2,
            changes: { big: { before: null, after: 'y'.repeat(50_000) } },
          },
        },
      ]),
    );
    expect(change).toBeInstanceOf(StorageFullError);
    expect(change).toMatchObject({ cause: { code: 'SQLITE_FULL' } });
    expect((await store.getAppointment(first?.appointment.id ?? ''))?.version).toBe(1);

    database.pragma('max_page_count = 1073741823');
    expect((await store.insertAppointments(rows.slice(1, 3), { onConflict: 'skip' })).kind).toBe('inserted');
    expect((await store.listAppointments({})).total).toBe(3);
    await store.close();
    database.close();
  });
});

describe('SQLite confirmation numbers', () => {
  it('grow past four digits without being cut', async () => {
    const file = join(directory, `codes-${randomUUID()}.db`);
    const store = createSqliteStore({ filename: file });
    await store.migrate();
    const raw = new Database(file);
    raw.prepare(`UPDATE appointment_counters SET value = 9998 WHERE name = 'confirmation'`).run();
    raw.close();
    const result = await store.insertAppointments(
      [
        newRow({ start: at('2026-03-02T09:00:00Z') }),
        newRow({ start: at('2026-03-03T09:00:00Z') }),
        newRow({ start: at('2026-03-04T09:00:00Z') }),
      ],
      { onConflict: 'skip' },
    );
    expect(result.kind === 'inserted' && result.inserted.map((item) => item.confirmationCode)).toEqual([
      'APT-2026-9999',
      'APT-2026-10000',
      'APT-2026-10001',
    ]);
    await store.close();
  });
});

describe('SQLite waiting for another process’s write lock', () => {
  it('waits without blocking the event loop, then writes', async () => {
    const file = join(directory, `lock-${randomUUID()}.db`);
    const store = createSqliteStore({ filename: file });
    await store.migrate();
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    const write = store.insertAppointments([newRow({ start: at('2026-03-02T09:00:00Z') })], { onConflict: 'fail' });
    // While the store waits for the lock, timers still fire: the event loop is free.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(10);
    other.prepare('COMMIT').run();
    other.close();
    const result = await write;
    expect(result.kind === 'inserted' && result.inserted).toHaveLength(1);
    await store.close();
  });

  it('gives up after busyTimeoutMs with a 503 BusyError, having written nothing', async () => {
    const file = join(directory, `lock-${randomUUID()}.db`);
    const store = createSqliteStore({ filename: file, busyTimeoutMs: 100 });
    await store.migrate();
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    const row = newRow({ start: at('2026-03-02T09:00:00Z') });
    const error = await rejectionOf(store.insertAppointments([row], { onConflict: 'fail' }));
    expect(error).toBeInstanceOf(BusyError);
    expect(error).toMatchObject({ code: 'BUSY', httpStatus: 503 });
    other.prepare('ROLLBACK').run();
    other.close();
    expect(await store.getAppointment(row.appointment.id)).toBeNull();
    await store.close();
  });
});
