import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** One statement a migration sent, as the database would have received it. */
export interface RecordedStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** Which SQL dialect the recorded statements are compiled for. */
export type RecordingKind = 'sqlite' | 'postgres';

/**
 * A kysely instance that runs nothing: every query it is given is appended to `statements` and
 * answered with no rows. Running a migration's `up()` against it yields the exact SQL the
 * migration would send, without a second, hand-kept copy of that SQL that could drift.
 *
 * Only migrations that never read a result back can be recorded faithfully; ours are plain
 * sequences of DDL and updates.
 */
export function createRecordingKysely(kind: RecordingKind): {
  readonly db: Kysely<unknown>;
  readonly statements: RecordedStatement[];
} {
  const statements: RecordedStatement[] = [];
  return { db: new Kysely<unknown>({ dialect: new RecordingDialect(kind, statements) }), statements };
}

class RecordingDialect implements Dialect {
  readonly #kind: RecordingKind;
  readonly #statements: RecordedStatement[];

  constructor(kind: RecordingKind, statements: RecordedStatement[]) {
    this.#kind = kind;
    this.#statements = statements;
  }

  createDriver(): Driver {
    return new RecordingDriver(new RecordingConnection(this.#statements));
  }

  createQueryCompiler(): QueryCompiler {
    return this.#kind === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.#kind === 'postgres' ? new PostgresAdapter() : new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return this.#kind === 'postgres' ? new PostgresIntrospector(db) : new SqliteIntrospector(db);
  }
}

class RecordingConnection implements DatabaseConnection {
  readonly #statements: RecordedStatement[];

  constructor(statements: RecordedStatement[]) {
    this.#statements = statements;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.#statements.push({ sql: query.sql, parameters: query.parameters });
    return { rows: [] };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    // A migration that streams rows depends on data; its SQL cannot be known without a database.
    throw new Error('A migration that streams query results cannot be printed');
  }
}

/** Transactions are the caller's business when the SQL is applied; recording needs none. */
class RecordingDriver implements Driver {
  readonly #connection: DatabaseConnection;

  constructor(connection: DatabaseConnection) {
    this.#connection = connection;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }

  async beginTransaction(): Promise<void> {}

  async commitTransaction(): Promise<void> {}

  async rollbackTransaction(): Promise<void> {}

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}
