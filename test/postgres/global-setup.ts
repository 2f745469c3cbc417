import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** Starts (or finds) the PostgreSQL server for the suites that need one, and stops it after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  console.log(`PostgreSQL tests run against ${server.origin}`);
  project.provide('databaseUrl', server.url);
  return () => server.stop();
}
