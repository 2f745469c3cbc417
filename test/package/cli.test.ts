import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresMigrations } from '../../adapters/postgres/migrations.js';
import { createSqliteMigrator, SQLITE_MIGRATIONS } from '../../adapters/sqlite/migrations.js';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};
const binPath = join(root, manifest.bin['appointment-kit'] ?? 'missing');
const scratch = mkdtempSync(join(tmpdir(), 'appointment-kit-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built command in a separate Node process, as `npx appointment-kit …` would. */
function cli(args: readonly string[], script = binPath): Promise<Run> {
  const { NODE_PATH: _ignored, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: scratch, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const lines = (text: string) => text.trimEnd().split('\n');

const sqliteNames = Object.keys(SQLITE_MIGRATIONS).sort();
const postgresNames = Object.keys(postgresMigrations('appointment_kit')).sort();

// Each test runs its own processes on its own files (or schema): they may run side by side.
describe.concurrent('the appointment-kit command', () => {
  it('is the package’s bin: an executable Node script', () => {
    expect(readFileSync(binPath, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(binPath).mode & 0o111).not.toBe(0);
  });

  it('prints its usage for --help', async () => {
    const run = await cli(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('appointment-kit migrate --sqlite FILE');
    expect(run.stdout).toContain('appointment-kit migrate --postgres URL [--schema NAME]');
    expect((await cli(['migrate', '-h'])).stdout).toBe(run.stdout);
  });

  it.each([
    { args: [], message: 'no command given' },
    { args: ['upgrade', '--sqlite', 'x.db'], message: 'unknown command "upgrade"' },
    { args: ['migrate'], message: 'name exactly one database' },
    { args: ['migrate', '--sqlite', 'x.db', '--postgres', 'postgres://localhost/x'], message: 'exactly one' },
    { args: ['migrate', '--sqlite'], message: "'--sqlite <value>' argument missing" },
    { args: ['migrate', '--sqlite', 'x.db', '--schema', 'app'], message: '--schema applies to --postgres only' },
    { args: ['migrate', '--sqlite', 'x.db', '--force'], message: "Unknown option '--force'" },
    { args: ['migrate', '--postgres', 'localhost:5432'], message: 'a URL starting with postgres://' },
    { args: ['migrate', '--postgres', 'postgres://localhost/x', '--schema', 'Bad-Name'], message: 'schema name' },
  ])('refuses $args with exit status 2 and says why', async ({ args, message }) => {
    const run = await cli(args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('appointment-kit --help');
    expect(existsSync(join(scratch, 'x.db'))).toBe(false);
  });
});

describe.concurrent('appointment-kit migrate --sqlite', () => {
  it('applies every migration with a line per step, then finds the database up to date', async () => {
    const file = join(scratch, 'clinic.db');
    const first = await cli(['migrate', '--sqlite', file]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(lines(first.stdout)).toEqual([
      `SQLite database ${file}: ${sqliteNames.length} pending migrations`,
      ...sqliteNames.map((name) => `applied ${name}`),
    ]);
    const second = await cli(['migrate', '--sqlite', file]);
    expect(second.status).toBe(0);
    expect(lines(second.stdout)).toEqual([`SQLite database ${file}: already up to date`]);

    const database = new Database(file, { readonly: true });
    const tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    // The store's own settings came with it: the command migrated through the store.
    const journal = database.pragma('journal_mode', { simple: true });
    database.close();
    expect(tables).toEqual(expect.arrayContaining(['appointments', 'appointment_audit_log']));
    expect(journal).toBe('wal');
  });

  it('--print-sql shows the SQL of the pending migrations only, and writes nothing', async () => {
    const file = join(scratch, 'half.db');
    const database = new Database(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    const [firstName, ...laterNames] = sqliteNames;
    if (firstName === undefined) throw new Error('no migrations');
    await createSqliteMigrator(db).migrateTo(firstName);
    const snapshot = () => database.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    const before = snapshot();
    const bytes = readFileSync(file);

    const run = await cli(['migrate', '--sqlite', file, '--print-sql']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`-- SQLite database ${file}: ${laterNames.length} pending migration`);
    for (const name of laterNames) expect(run.stdout).toContain(`\n-- ${name}\n`);
    expect(run.stdout).not.toContain(`-- ${firstName}`);
    expect(snapshot()).toEqual(before);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    await db.destroy();
  });

  it('--print-sql on a new file prints runnable CREATE TABLE statements and creates no file', async () => {
    const file = join(scratch, 'not-yet.db');
    const run = await cli(['migrate', '--sqlite', file, '--print-sql']);
    expect(run.status).toBe(0);
    expect(existsSync(file)).toBe(false);
    for (const name of sqliteNames) expect(run.stdout).toContain(`\n-- ${name}\n`);
    expect(run.stdout).toMatch(/^CREATE TABLE appointments \(/m);
    expect(run.stdout).toMatch(/^CREATE TRIGGER appointments_no_overlap_insert/m);
    // The printed script is the schema: applied by hand, it gives the same tables.
    const scratchDb = new Database(':memory:');
    scratchDb.exec(run.stdout);
    const tables = scratchDb.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    scratchDb.close();
    expect(tables).toEqual(expect.arrayContaining(['appointments', 'appointment_audit_log']));
  });

  it('fails with status 1 and applies nothing while another connection holds the write lock', async () => {
    const file = join(scratch, 'locked.db');
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const run = await cli(['migrate', '--sqlite', file]);
      expect(run.status).toBe(1);
      expect(lines(run.stdout)).toEqual([`SQLite database ${file}: ${sqliteNames.length} pending migrations`]);
      expect(lines(run.stderr)).toEqual([
        `appointment-kit: could not migrate SQLite database ${file}; nothing was applied: database is locked`,
      ]);
    } finally {
      holder.exec('ROLLBACK');
    }
    expect(holder.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get()).toBe(0);
    holder.close();
  });

  it('fails with status 1 and one clear line for a file that is not a database', async () => {
    const run = await cli(['migrate', '--sqlite', join(root, 'package.json')]);
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^appointment-kit: cannot read .*: file is not a database$/),
    ]);
  });

  it('fails with status 1 for a directory that does not exist', async () => {
    const run = await cli(['migrate', '--sqlite', join(scratch, 'missing', 'clinic.db')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('directory does not exist');
  });
});

describe.concurrent('appointment-kit migrate without the database driver', () => {
  // The package alone, with its own dependencies but neither optional driver.
  let lonelyBin = '';
  beforeAll(() => {
    const modules = join(scratch, 'lonely', 'node_modules');
    const installed = join(modules, 'appointment-kit');
    mkdirSync(installed, { recursive: true });
    cpSync(join(root, 'dist'), join(installed, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(installed, 'package.json'));
    for (const dependency of Object.keys(manifest.dependencies)) {
      symlinkSync(join(root, 'node_modules', dependency), join(modules, dependency), 'dir');
    }
    lonelyBin = join(installed, manifest.bin['appointment-kit'] ?? 'missing');
  });

  it.each([
    { args: ['--sqlite', 'x.db'], driver: 'better-sqlite3' },
    { args: ['--postgres', 'postgres://localhost/x'], driver: 'pg' },
  ])('names the missing $driver package and exits with status 1', async ({ args, driver }) => {
    const run = await cli(['migrate', ...args], lonelyBin);
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([expect.stringContaining(`needs the ${driver} package`)]);
    expect(run.stderr).toContain(`npm install ${driver}`);
  });
});

describe.concurrent('appointment-kit migrate --postgres', () => {
  const url = inject('databaseUrl');
  const schema = `cli_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: url });
  beforeAll(() => client.connect());
  afterAll(async () => {
    for (const name of [schema, `${schema}_review`, `${schema}_by_hand`]) {
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
    await client.end();
  });

  const schemaExists = async (name: string) =>
    (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;

  it('applies every migration to a fresh schema with a line per step, then finds it up to date', async () => {
    const first = await cli(['migrate', '--postgres', url, '--schema', schema]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const [header, ...steps] = lines(first.stdout);
    expect(header?.startsWith(`PostgreSQL schema "${schema}" at `)).toBe(true);
    expect(header?.endsWith(`: ${postgresNames.length} pending migrations`)).toBe(true);
    // The URL's host and database name the target; its credentials stay out of the output.
    expect(header).toContain(`${new URL(url).host}${new URL(url).pathname}:`);
    expect(first.stdout).not.toContain(`:${new URL(url).password}@`);
    expect(steps).toEqual(postgresNames.map((name) => `applied ${name}`));
    const { rows } = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    expect(rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['appointments', 'appointment_audit_log']),
    );

    const second = await cli(['migrate', '--postgres', url, '--schema', schema]);
    expect(second.status).toBe(0);
    expect(lines(second.stdout)).toEqual([expect.stringMatching(/: already up to date$/)]);
    const review = await cli(['migrate', '--postgres', url, '--schema', schema, '--print-sql']);
    expect(lines(review.stdout)).toEqual([expect.stringMatching(/^-- PostgreSQL schema .*: already up to date$/)]);
  });

  it('--print-sql prints the CREATE statements and leaves the database untouched', async () => {
    const review = `${schema}_review`;
    const run = await cli(['migrate', '--postgres', url, '--schema', review, '--print-sql']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const name of postgresNames) expect(run.stdout).toContain(`\n-- ${name}\n`);
    expect(run.stdout).toContain(`CREATE TABLE "${review}".appointments (`);
    expect(run.stdout).toContain('CREATE EXTENSION IF NOT EXISTS btree_gist;');
    expect(await schemaExists(review)).toBe(false);

    // The printed SQL is what would run: applied by hand to an empty schema, it builds the tables.
    const byHand = `${schema}_by_hand`;
    const forByHand = await cli(['migrate', '--postgres', url, '--schema', byHand, '--print-sql']);
    await client.query(`CREATE SCHEMA "${byHand}"`);
    await client.query(forByHand.stdout);
    const { rowCount } = await client.query(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'appointments'",
      [byHand],
    );
    expect(rowCount).toBe(1);
  });

  it('fails with status 1 and one line when the server cannot be reached', async () => {
    const run = await cli(['migrate', '--postgres', 'postgres://nobody:secret@127.0.0.1:1/clinic']);
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(
        /^appointment-kit: cannot read the migration state of .*127\.0\.0\.1:1\/clinic: .*ECONNREFUSED/,
      ),
    ]);
    expect(run.stderr).not.toContain('secret');
  });
});
