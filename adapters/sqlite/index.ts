/**
 * `appointment-kit/sqlite`: the embedded SQLite store (better-sqlite3 + kysely).
 *
 * @packageDocumentation
 */
import type { AppointmentStore } from '../../src/store.js';

export { SQLITE_MIGRATIONS } from './migrations.js';
export {
  createSqliteStore,
  type SqliteStore,
  type SqliteStoreOptions,
  type SqliteSynchronous,
} from './sqlite-store.js';

/** Creates or upgrades the store's schema; the same as `store.migrate()`. Idempotent. */
export function migrate(store: AppointmentStore): Promise<void> {
  return store.migrate();
}
