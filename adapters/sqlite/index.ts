/**
 * `appointment-kit/sqlite`: the embedded SQLite store (better-sqlite3 + kysely).
 *
 * @packageDocumentation
 */
export { SQLITE_MIGRATIONS } from './migrations.js';
export {
  createSqliteStore,
  type SqliteStore,
  type SqliteStoreOptions,
  type SqliteSynchronous,
} from './sqlite-store.js';
