import type { Migrator } from 'kysely';
import { SchedulingError } from '../../src/errors.js';

/**
 * Runs every pending migration. A second process migrating the same database at the same moment
 * can lose a race on kysely's bookkeeping rows or wait for the other's lock; a later attempt finds
 * the schema complete and does nothing, so start-up from several processes is safe. Only such a
 * transient failure (`isTransient`, or a lost race on the bookkeeping) is tried again; anything
 * else (a missing driver, a refused connection) fails at once with its own typed error.
 */
export async function migrateToLatest(
  migrator: Migrator,
  database: string,
  isTransient: (error: unknown) => boolean = () => false,
  setupErrorOf: (error: unknown) => SchedulingError | undefined = () => undefined,
  retries = 10,
): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    if (error instanceof SchedulingError) throw error;
    const setup = setupErrorOf(error);
    if (setup !== undefined) throw setup;
    lastError = error;
    // Another process applied the same migration first: its bookkeeping row is in the way.
    const lostRace = results?.some((result) => result.status === 'Error') !== true;
    if (!isTransient(error) && !lostRace) break;
    await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
  }
  throw new SchedulingError(`Could not migrate the ${database} schema`, 'INTERNAL_ERROR', 500, {
    cause: lastError,
  });
}
