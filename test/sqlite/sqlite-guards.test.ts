import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../adapters/sqlite/index.js';
import { BusyError, STATUS_TRANSITIONS } from '../../src/index.js';
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

  it('records its migrations and does nothing on a second migrate', async () => {
    const before = raw.prepare('SELECT name FROM appointment_kit_migrations').all();
    await store.migrate();
    expect(raw.prepare('SELECT name FROM appointment_kit_migrations').all()).toEqual(before);
    expect(before).toEqual([{ name: '0001_initial_schema' }, { name: '0002_hardening' }]);
  });
});

describe('SQLite confirmation numbers', () => {
  it('grow past four digits without being cut', async () => {
    const file = join(directory, `codes-${randomUUID()}.db`);
    const store = createSqliteStore({ filename: file });
    await store.migrate();
    const raw = new Database(file);
    raw.prepare(`INSERT INTO appointment_counters (name, value) VALUES ('confirmation-2026', 9998)`).run();
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
