import { parseArgs } from 'node:util';
import { checkSchemaName } from '../postgres/schema.js';
import { createRecordingKysely } from './recording-dialect.js';
import {
  CommandError,
  EXIT,
  type MigrationTarget,
  openPostgresTarget,
  openSqliteTarget,
  type PendingMigration,
} from './targets.js';

/** Where the command writes: one call per line, without the newline. */
export interface CommandOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** The help text, printed by `--help` and after a usage error. */
export const USAGE = `Usage:
  appointment-kit migrate --sqlite FILE [--print-sql]
  appointment-kit migrate --postgres URL [--schema NAME] [--print-sql]

Applies the pending appointment-kit migrations to a database, exactly as the store's
migrate() does at start-up: every pending migration in one transaction, recorded in the
database, so running it again (or starting the application) does nothing more.

Options:
  --sqlite FILE     a SQLite database file, created if missing (needs better-sqlite3)
  --postgres URL    a PostgreSQL URL, postgres://USER@HOST:PORT/DATABASE (needs pg); the
                    password may come from PGPASSWORD or ~/.pgpass instead of the URL
  --schema NAME     the store's PostgreSQL schema (default appointment_kit)
  --print-sql       print the SQL the pending migrations would run, run nothing
  -h, --help        show this help

Exit status: 0 done, 1 failed (database unreachable, migration refused, driver missing),
2 wrong usage.`;

const DEFAULT_SCHEMA = 'appointment_kit';

/**
 * Runs the `appointment-kit` command with its arguments (without `node` and the script) and
 * returns the exit status. Never throws: every failure becomes a message on `err`.
 */
export async function runCli(args: readonly string[], output: CommandOutput): Promise<number> {
  try {
    const request = parseRequest(args);
    if (request === 'help') {
      output.out(USAGE);
      return EXIT.ok;
    }
    await migrate(request, output);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommandError) {
      output.err(`appointment-kit: ${error.message}`);
      if (error.exitCode === EXIT.usage) output.err('Run `appointment-kit --help` for usage.');
      return error.exitCode;
    }
    output.err(`appointment-kit: ${describeError(error)}`);
    return EXIT.failed;
  }
}

interface MigrateRequest {
  readonly database: { readonly sqlite: string } | { readonly postgres: string; readonly schema: string };
  readonly printSql: boolean;
}

function usageError(message: string): CommandError {
  return new CommandError(message, EXIT.usage);
}

function parseRequest(args: readonly string[]): MigrateRequest | 'help' {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    // parseArgs explains unknown options and missing values well; only the prefix is ours.
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, ...extra] = positionals;
  if (command === undefined) throw usageError('no command given (the one command is `migrate`)');
  if (command !== 'migrate')
    throw usageError(`unknown command ${JSON.stringify(command)} (the one command is \`migrate\`)`);
  if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const { sqlite, postgres, schema } = values;
  if ((sqlite === undefined) === (postgres === undefined)) {
    throw usageError('name exactly one database: --sqlite FILE or --postgres URL');
  }
  const printSql = values['print-sql'] ?? false;
  if (sqlite !== undefined) {
    if (schema !== undefined) throw usageError('--schema applies to --postgres only');
    if (sqlite === '') throw usageError('--sqlite needs a file name');
    return { database: { sqlite }, printSql };
  }
  if (postgres === undefined || !/^postgres(ql)?:\/\//.test(postgres)) {
    throw usageError('--postgres needs a URL starting with postgres:// or postgresql://');
  }
  try {
    return { database: { postgres, schema: checkSchemaName(schema ?? DEFAULT_SCHEMA) }, printSql };
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

function parseOptions(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      sqlite: { type: 'string' },
      postgres: { type: 'string' },
      schema: { type: 'string' },
      'print-sql': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function migrate(request: MigrateRequest, output: CommandOutput): Promise<void> {
  const { database, printSql } = request;
  const target =
    'sqlite' in database
      ? await openSqliteTarget(database.sqlite, { readOnly: printSql })
      : await openPostgresTarget(database.postgres, database.schema);
  try {
    const pending = await readPending(target);
    if (printSql) {
      await printPendingSql(target, pending, output);
      return;
    }
    if (pending.length === 0) {
      output.out(`${target.label}: already up to date`);
      return;
    }
    output.out(`${target.label}: ${count(pending.length, 'pending migration')}`);
    try {
      await target.migrate();
    } catch (error) {
      // The store wraps the database's refusal in a generic error: the refusal is the news.
      const reason = error instanceof Error && error.cause !== undefined ? error.cause : error;
      throw new CommandError(
        `could not migrate ${target.label}; nothing was applied: ${describeError(reason)}`,
        EXIT.failed,
      );
    }
    // The migrations commit together, so each is reported once the database has recorded it.
    const stillPending = new Set((await readPending(target)).map((migration) => migration.name));
    for (const { name } of pending) {
      if (stillPending.has(name)) throw new CommandError(`${name} was not applied`, EXIT.failed);
      output.out(`applied ${name}`);
    }
  } finally {
    await target.close();
  }
}

async function readPending(target: MigrationTarget): Promise<PendingMigration[]> {
  try {
    return await target.pending();
  } catch (error) {
    throw new CommandError(`cannot read the migration state of ${target.label}: ${describeError(error)}`, EXIT.failed);
  }
}

/**
 * Prints each pending migration's statements, captured by running it against a kysely instance
 * that records queries instead of sending them: the SQL shown is the SQL that would run.
 */
async function printPendingSql(
  target: MigrationTarget,
  pending: readonly PendingMigration[],
  output: CommandOutput,
): Promise<void> {
  if (pending.length === 0) {
    output.out(`-- ${target.label}: already up to date`);
    return;
  }
  output.out(`-- ${target.label}: ${count(pending.length, 'pending migration')}`);
  output.out('-- For review. `appointment-kit migrate` runs these in one transaction and records each one;');
  output.out(`-- before them, ${target.bookkeeping}.`);
  for (const { name, migration } of pending) {
    const { db, statements } = createRecordingKysely(target.dialect);
    await migration.up(db);
    output.out('');
    output.out(`-- ${name}`);
    for (const statement of statements) {
      if (statement.parameters.length > 0) output.out(`-- parameters: ${JSON.stringify(statement.parameters)}`);
      output.out(`${statement.sql.trim()};`);
    }
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** One line for an error and its causes; Node's connection errors often carry no message of their own. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && parts.length < 5) {
    if (!(current instanceof Error)) {
      parts.push(String(current));
      break;
    }
    const inner = current instanceof AggregateError ? (current.errors as unknown[]) : [];
    const own =
      current.message ||
      inner.map((item) => (item instanceof Error ? item.message : String(item))).join('; ') ||
      ('code' in current && typeof current.code === 'string' ? current.code : current.name);
    if (!parts.includes(own)) parts.push(own);
    current = current.cause;
  }
  return parts.join(': ');
}
