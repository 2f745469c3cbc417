import { existsSync } from 'node:fs';
import { Kysely, type Migration, type MigrationInfo, PostgresDialect, SqliteDialect } from 'kysely';
import { createPostgresMigrator } from '../postgres/migrations.js';
import { createPostgresStore } from '../postgres/postgres-store.js';
import { createSqliteMigrator } from '../sqlite/migrations.js';
import { createSqliteStore } from '../sqlite/sqlite-store.js';
import type { RecordingKind } from './recording-dialect.js';

/** A migration the database has not recorded yet. */
export interface PendingMigration {
  readonly name: string;
  readonly migration: Migration;
}

/** A database the `migrate` command works on. */
export interface MigrationTarget {
  /** How messages name the database; never includes credentials. */
  readonly label: string;
  /** The SQL dialect its migrations are written in. */
  readonly dialect: RecordingKind;
  /** What the migrator prepares before the first migration, in words. */
  readonly bookkeeping: string;
  /** The migrations not applied yet, in the order they apply. Reads only. */
  pending(): Promise<PendingMigration[]>;
  /** Applies every pending migration exactly as the store's own `migrate()` does at start-up. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** A failure the command reports as one line, with the exit status to end with. */
export class CommandError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}

/** Exit statuses: scripts tell a wrong invocation from a database that refused. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Opens a SQLite database file. With `readOnly` nothing is written, not even a new empty file:
 * a missing database simply has every migration pending.
 */
export async function openSqliteTarget(
  filename: string,
  { readOnly }: { readOnly: boolean },
): Promise<MigrationTarget> {
  const { default: Database } = await loadPeer('better-sqlite3', '--sqlite', () => import('better-sqlite3'));
  return {
    label: `SQLite database ${filename}`,
    dialect: 'sqlite',
    bookkeeping: 'the migrator creates its own tables if missing',
    async pending() {
      const database = !readOnly
        ? new Database(filename)
        : existsSync(filename)
          ? new Database(filename, { readonly: true, fileMustExist: true })
          : new Database(':memory:');
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
      try {
        return pendingOf(await createSqliteMigrator(db).getMigrations());
      } finally {
        await db.destroy();
        if (database.open) database.close();
      }
    },
    async migrate() {
      // The store's own path: BEGIN IMMEDIATE and transactional DDL, so an application starting
      // at the same moment waits for this migration instead of seeing half of it.
      const store = createSqliteStore({ filename });
      try {
        await store.migrate();
      } finally {
        await store.close();
      }
    },
    async close() {},
  };
}

/** Connects to a PostgreSQL database; the pool is ended by `close()`. */
export async function openPostgresTarget(url: string, schema: string): Promise<MigrationTarget> {
  const { default: pg } = await loadPeer('pg', '--postgres', () => import('pg'));
  // A server that never answers must not leave a DBA's terminal hanging.
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
  // An idle connection dropped by the server must not crash the command.
  pool.on('error', () => undefined);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return {
    label: `PostgreSQL schema "${schema}" at ${describeUrl(url)}`,
    dialect: 'postgres',
    bookkeeping: `the migrator creates schema "${schema}" and its own tables there if missing`,
    async pending() {
      return pendingOf(await createPostgresMigrator(db, schema).getMigrations());
    },
    async migrate() {
      // A store on our pool: closing it leaves the pool to us.
      const store = createPostgresStore({ pool, schema });
      try {
        await store.migrate();
      } finally {
        await store.close();
      }
    },
    close: () => db.destroy(),
  };
}

function pendingOf(migrations: readonly MigrationInfo[]): PendingMigration[] {
  return migrations
    .filter((info) => info.executedAt === undefined)
    .map((info) => ({ name: info.name, migration: info.migration }));
}

/** Host, port and database of a connection URL: enough to recognise it, with no password. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || 'the default host'}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'the given URL';
  }
}

/** The drivers are optional peers: say which one to install instead of a module-resolution trace. */
async function loadPeer<T>(name: string, option: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(error).includes(name)) {
      throw new CommandError(
        `${option} needs the ${name} package, which is not installed: npm install ${name}`,
        EXIT.failed,
      );
    }
    throw error;
  }
}
