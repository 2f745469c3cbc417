import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from 'appointment-kit/testing';
import { afterAll } from 'vitest';
import { createSqliteStore } from '../../adapters/sqlite/index.js';

const directory = mkdtempSync(join(tmpdir(), 'appointment-kit-sqlite-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

runStoreConformance('SQLite :memory:', async () => createSqliteStore({ filename: ':memory:' }));
runStoreConformance('SQLite file (WAL, synchronous=FULL)', async () =>
  createSqliteStore({ filename: join(directory, `store-${files++}.db`) }),
);
