/**
 * `appointment-kit/postgres`: the PostgreSQL store (node-postgres + kysely), with the no
 * double-booking guarantee enforced by a `btree_gist` exclusion constraint.
 *
 * @packageDocumentation
 */
import type { AppointmentStore } from '../../src/store.js';

export { postgresMigrations } from './migrations.js';
export {
  createPostgresStore,
  type PostgresConnection,
  type PostgresStore,
  type PostgresStoreOptions,
} from './postgres-store.js';

/** Creates or upgrades the store's schema; the same as `store.migrate()`. Idempotent. */
export function migrate(store: AppointmentStore): Promise<void> {
  return store.migrate();
}
