import { defineConfig } from 'vitest/config';

// The core suite runs twice, under two process time zones far apart (one with a 30-minute DST
// shift), to prove results never depend on the machine's zone.
const CORE_TIME_ZONES = ['UTC', 'Australia/Lord_Howe'];

export default defineConfig({
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
        // Tests that run the built package in separate Node processes (exports, README,
        // multi-process concurrency, crash safety): dist/ is built once first.
        extends: true as const,
        test: {
          name: 'built package',
          include: ['test/package/**/*.test.ts', 'test/stress/**/*.test.ts'],
          globalSetup: ['test/package/build-once.ts', 'test/postgres/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
