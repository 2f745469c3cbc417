import type { Migrator } from 'kysely';
import { SchedulingError } from '../../src/errors.js';

/**
 * Runs every pending migration. A second process migrating the same database at the same moment
 * can lose a race on kysely's bookkeeping rows or wait for the other's lock; a later attempt finds
 * the schema complete and does nothing, so start-up from several processes is safe.
 */
export async function migrateToLatest(migrator: Migrator, database: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (error === undefined) return;
    lastError = error;
    // Another process is migrating (or holds the write lock): give it time to finish.
    await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
  }
  throw new SchedulingError(`Could not migrate the ${database} schema`, 'INTERNAL_ERROR', 500, { cause: lastError });
}
