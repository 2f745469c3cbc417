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
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          globalSetup: ['test/package/build-once.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
});
