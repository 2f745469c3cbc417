import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * kysely's SQLite dialect with two changes this store relies on:
 * - every transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front, so
 *   writers in other processes queue on `busy_timeout` instead of failing with `SQLITE_BUSY`
 *   when a deferred transaction tries to upgrade (plain `BEGIN` under 4 writers gave thousands);
 * - migrations run inside such a transaction (SQLite's DDL is transactional), so a crash or a
 *   second process starting at the same time never sees a half-applied migration.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
