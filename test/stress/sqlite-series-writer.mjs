// Creates 100-occurrence series in a loop until it is killed; each series is one transaction.
import { randomUUID } from 'node:crypto';
import { createPermissiveDirectory, createScheduler, ROUND_THE_CLOCK_HOURS } from 'appointment-kit';
import { createSqliteStore } from 'appointment-kit/sqlite';

const [filename] = process.argv.slice(2);
const store = createSqliteStore({ filename });
const scheduler = createScheduler({
  store,
  // Providers who take bookings at any hour: these runs are about concurrency, not hours.
  directory: createPermissiveDirectory({ weeklyHours: ROUND_THE_CLOCK_HOURS }),
  clock: () => new Date('2026-03-01T00:00:00Z'),
});
process.stdout.write('ready\n');
for (;;) {
  await scheduler.book(
    {
      patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d',
      providerId: randomUUID(),
      type: 'follow_up',
      start: '2026-03-02T09:00:00Z',
      recurrence: { frequency: 'daily', maxOccurrences: 100 },
      reason: 'x'.repeat(1500),
    },
    { id: 'crash-writer' },
  );
}
