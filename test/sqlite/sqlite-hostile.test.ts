import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { runHostileInput } from '../hostile-input.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-hostile-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

runHostileInput('SQLite :memory:', async () => createSqliteStore({ filename: ':memory:' }));
runHostileInput('SQLite file', async () => createSqliteStore({ filename: join(directory, `hostile-${files++}.db`) }));
