/**
 * `appointment-kit/postgres`: the PostgreSQL store (node-postgres + kysely), with the no
 * double-booking guarantee enforced by a `btree_gist` exclusion constraint.
 *
 * @packageDocumentation
 */
export { postgresMigrations } from './migrations.js';
export {
  createPostgresStore,
  type PostgresConnection,
  type PostgresStore,
  type PostgresStoreOptions,
} from './postgres-store.js';
