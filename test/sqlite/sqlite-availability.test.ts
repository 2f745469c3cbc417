import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { runAvailabilityEngine } from '../availability-engine.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-availability-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

runAvailabilityEngine('SQLite :memory:', async () => createSqliteStore({ filename: ':memory:' }));
runAvailabilityEngine('SQLite file', async () =>
  createSqliteStore({ filename: join(directory, `availability-${files++}.db`) }),
);
