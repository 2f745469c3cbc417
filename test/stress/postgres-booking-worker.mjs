// One of several OS processes booking overlapping times on one PostgreSQL schema through the
// built package, 6 bookings in flight at once. Prints a JSON summary of how every attempt ended.
import { createPermissiveDirectory, createScheduler, ROUND_THE_CLOCK_HOURS } from 'appointment-kit';
import { createPostgresStore } from 'appointment-kit/postgres';

const [url, schema, workerText, attemptsText, providersText] = process.argv.slice(2);
const worker = Number(workerText);
const providers = providersText.split(',');
let seed = 0x2545f491 ^ (worker * 104729);
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

const store = createPostgresStore({ connectionString: url, schema });
const scheduler = createScheduler({
  store,
  // Providers who take bookings at any hour: these runs are about concurrency, not hours.
  directory: createPermissiveDirectory({ weeklyHours: ROUND_THE_CLOCK_HOURS }),
  clock: () => new Date('2026-03-01T00:00:00Z'),
});
const outcome = { worker, attempts: 0, booked: 0, conflicts: 0, otherErrors: [] };
let remaining = Number(attemptsText);

async function lane() {
  while (remaining > 0) {
    remaining--;
    outcome.attempts++;
    const start = new Date(Date.parse('2026-03-02T09:00:00Z') + Math.floor(random() * 32) * 15 * 60_000);
    try {
      await scheduler.book(
        {
          patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d',
          providerId: providers[Math.floor(random() * providers.length)],
          type: 'follow_up',
          start: start.toISOString(),
          durationMinutes: [30, 45, 60][Math.floor(random() * 3)],
        },
        { id: `worker-${worker}` },
      );
      outcome.booked++;
    } catch (error) {
      if (error?.code === 'CONFLICT') outcome.conflicts++;
      else outcome.otherErrors.push(`${error?.code} ${error?.message} ${error?.cause?.code ?? ''}`);
    }
  }
}
await Promise.all(Array.from({ length: 6 }, lane));
await store.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
