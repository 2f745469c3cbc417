import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { runSchedulerBehaviour } from '../scheduler-behaviour.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-scheduler-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

runSchedulerBehaviour('SQLite :memory:', async () => createSqliteStore({ filename: ':memory:' }));
runSchedulerBehaviour('SQLite file', async () =>
  createSqliteStore({ filename: join(directory, `scheduler-${files++}.db`) }),
);
