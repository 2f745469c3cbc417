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
 * kysely's SQLite dialect with three changes this store relies on:
 * - every transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front, so a
 *   writer that cannot have it is refused at once and retried by the store (asynchronously),
 *   instead of failing with `SQLITE_BUSY` halfway when a deferred transaction tries to upgrade
 *   (plain `BEGIN` under 4 writers gave thousands);
 * - migrations run inside such a transaction (SQLite's DDL is transactional), so a crash or a
 *   second process starting at the same time never sees a half-applied migration;
 * - a transaction SQLite already rolled back itself is not rolled back again.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ImmediateSqliteDialectConfig;

  constructor(config: ImmediateSqliteDialectConfig) {
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

/** kysely's SQLite options, plus how to tell whether the connection is still in a transaction. */
export interface ImmediateSqliteDialectConfig extends SqliteDialectConfig {
  /**
   * SQLite rolls a transaction back by itself on some errors (a full disk); kysely would then
   * send ROLLBACK anyway, fail with "no transaction is active" and hide the real error.
   */
  readonly isInTransaction: () => boolean;
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #isInTransaction: () => boolean;

  constructor(config: ImmediateSqliteDialectConfig) {
    super(config);
    this.#isInTransaction = config.isInTransaction;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#isInTransaction()) await super.rollbackTransaction(connection);
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
