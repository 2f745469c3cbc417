import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeAppointmentFields } from '../../adapters/common/columns.js';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { createSqliteMigrator } from '../../adapters/sqlite/migrations.js';
import { SQLITE_CODEC } from '../../adapters/sqlite/schema.js';
import { createPermissiveDirectory, createScheduler } from '../../src/index.js';
import { expectLegacySeriesUpgraded, type LegacyWriter } from '../series-migration.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-migrations-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('SQLite migration 0002 on a database written by 0.1', () => {
  it('folds upper-case UUIDs, numbers the existing audit entries by version, and guards from then on', async () => {
    const file = join(directory, `old-${randomUUID()}.db`);
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const { error } = await createSqliteMigrator(old).migrateTo('0001_initial_schema');
    expect(error).toBeUndefined();
    await old.destroy();

    // What 0.1 let a client write: a provider id in upper case, and audit entries without versions.
    const provider = randomUUID();
    const raw = new Database(file);
    const id = randomUUID();
    raw
      .prepare(
        `INSERT INTO appointments (id, patient_id, provider_id, type, status, start, "end", duration_minutes,
           buffer_before_minutes, buffer_after_minutes, time_zone, confirmation_code, version, metadata,
           created_at, updated_at, created_by, updated_by)
         VALUES (?, ?, ?, 'follow_up', 'scheduled', ?, ?, 30, 0, 0, 'UTC', 'APT-2026-0001', 2, '{}', 0, 5, 'u', 'u')`,
      )
      .run(
        id,
        randomUUID().toUpperCase(),
        provider.toUpperCase(),
        Date.parse('2030-03-04T09:00:00Z'),
        Date.parse('2030-03-04T09:30:00Z'),
      );
    const audit = raw.prepare(
      `INSERT INTO appointment_audit_log (id, appointment_id, action, actor_id, at, changes) VALUES (?, ?, ?, 'u', ?, '{}')`,
    );
    audit.run(randomUUID(), id, 'created', 0);
    audit.run(randomUUID(), id, 'viewed', 3);
    audit.run(randomUUID(), id, 'confirmed', 5);
    raw.close();

    const store = createSqliteStore({ filename: file });
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
    // The provider is one identity now: the same time in either letter case is taken.
    const booking = { patientId: randomUUID(), type: 'follow_up', start: '2030-03-04T09:00:00Z' };
    for (const providerId of [provider, provider.toUpperCase()]) {
      await expect(scheduler.book({ ...booking, providerId }, { id: 'u' })).rejects.toMatchObject({ code: 'CONFLICT' });
    }
    const check = new Database(file);
    expect(() => check.prepare('DELETE FROM appointments').run()).toThrow('appointments_are_never_deleted');
    check.close();
    await store.close();
  });
});

describe('SQLite migration 0003 on a series stored before segments', () => {
  it("turns the stored pattern into the series' one segment, which reads and edits then follow", async () => {
    const file = join(directory, `series-${randomUUID()}.db`);
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const { error } = await createSqliteMigrator(old).migrateTo('0002_hardening');
    expect(error).toBeUndefined();
    await old.destroy();
    const writer: LegacyWriter = {
      async insert(appointment, audit) {
        const raw = new Database(file);
        const { resources: _resources, ...columns } = encodeAppointmentFields(appointment, SQLITE_CODEC);
        raw
          .prepare(`INSERT INTO appointments (${Object.keys(columns)
            .map((column) => `"${column}"`)
            .join(', ')})
            VALUES (${Object.keys(columns)
              .map(() => '?')
              .join(', ')})`)
          .run(...Object.values(columns));
        raw
          .prepare(`INSERT INTO appointment_audit_log (id, appointment_id, action, actor_id, at, version, changes)
            VALUES (?, ?, ?, ?, ?, ?, ?)`)
          .run(
            audit.id,
            audit.appointmentId,
            audit.action,
            audit.actorId,
            audit.at.getTime(),
            1,
            JSON.stringify(audit.changes),
          );
        raw.close();
      },
      async move(id, start, end) {
        const raw = new Database(file);
        raw
          .prepare('UPDATE appointments SET start = ?, "end" = ?, version = version + 1 WHERE id = ?')
          .run(start.getTime(), end.getTime(), id);
        raw.close();
      },
    };
    await expectLegacySeriesUpgraded(createSqliteStore({ filename: file }), writer);
  });
});
