import { defineConfig } from 'vitest/config';

// The core suite runs twice, under two process time zones far apart (one with a 30-minute DST
// shift), to prove results never depend on the machine's zone.
const CORE_TIME_ZONES = ['UTC', 'Australia/Lord_Howe'];

const fromRoot = (path: string) => new URL(path, import.meta.url).pathname;

export default defineConfig({
  // The example imports the package by name, as a host app would; in tests that is the source.
  resolve: {
    alias: [
      { find: /^appointment-kit$/, replacement: fromRoot('./src/index.ts') },
      { find: /^appointment-kit\/sqlite$/, replacement: fromRoot('./adapters/sqlite/index.ts') },
      { find: /^appointment-kit\/postgres$/, replacement: fromRoot('./adapters/postgres/index.ts') },
      { find: /^appointment-kit\/testing$/, replacement: fromRoot('./src/testing/index.ts') },
      { find: /^appointment-kit\/ical$/, replacement: fromRoot('./src/ical/index.ts') },
      { find: /^appointment-kit\/fhir$/, replacement: fromRoot('./src/fhir/index.ts') },
    ],
  },
  test: {
    projects: [
      ...CORE_TIME_ZONES.map((timeZone) => ({
        extends: true as const,
        test: {
          name: `core TZ=${timeZone}`,
          include: ['test/core/**/*.test.ts'],
          env: { TZ: timeZone, EXPECTED_PROCESS_TZ: timeZone },
        },
      })),
      {
        extends: true as const,
        test: {
          name: 'sqlite',
          include: ['test/sqlite/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true as const,
        test: {
          name: 'postgres',
          include: ['test/postgres/**/*.test.ts'],
          globalSetup: ['test/postgres/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true as const,
        test: {
          name: 'example',
          include: ['test/example/**/*.test.ts'],
          exclude: ['test/example/**/*.e2e.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        // Tests that run separate Node processes: the built package (exports, README snippets,
        // multi-process concurrency, crash safety) and the example server end to end. dist/ is
        // built once first, and a PostgreSQL server is at hand.
        extends: true as const,
        test: {
          name: 'processes',
          include: ['test/package/**/*.test.ts', 'test/stress/**/*.test.ts', 'test/example/**/*.e2e.test.ts'],
          globalSetup: ['test/package/build-once.ts', 'test/postgres/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
