import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { SetupError } from '../../src/index.js';
import { newRow, rejectionOf } from '../fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-setup-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('SQLite setup errors say what to do, at once', () => {
  it('names a database directory that does not exist, without retrying', async () => {
    const store = createSqliteStore({ filename: join(directory, 'no-such-dir', 'clinic.db') });
    const error = await rejectionOf(store.migrate());
    expect(error).toBeInstanceOf(SetupError);
    expect(error).toMatchObject({ code: 'DATABASE_NOT_FOUND', httpStatus: 500, name: 'SetupError' });
    expect((error as Error).message).toContain('no-such-dir');
    // The setup error itself, not "could not migrate" after ten retries.
    expect((error as SetupError).cause).toBeUndefined();
    await store.close();
  });

  it('says to call migrate() when the schema is not migrated', async () => {
    const store = createSqliteStore({ filename: join(directory, 'fresh.db') });
    for (const attempt of [
      () => store.getAppointment('00000000-0000-4000-8000-000000000000'),
      () => store.insertAppointments([newRow({ start: new Date('2030-03-04T09:00:00Z') })], { onConflict: 'fail' }),
      () => store.listAppointments({}),
    ]) {
      const error = await rejectionOf(attempt());
      expect(error).toBeInstanceOf(SetupError);
      expect(error).toMatchObject({ code: 'NOT_MIGRATED' });
      expect((error as Error).message).toContain('store.migrate()');
    }
    await store.migrate();
    expect(await store.getAppointment('00000000-0000-4000-8000-000000000000')).toBeNull();
    await store.close();
  });
});
