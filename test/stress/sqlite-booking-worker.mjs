// One of several OS processes booking overlapping times on one SQLite file through the built
// package. Prints a JSON summary of how every attempt ended.
import { createPermissiveDirectory, createScheduler, ROUND_THE_CLOCK_HOURS } from 'appointment-kit';
import { createSqliteStore } from 'appointment-kit/sqlite';

const [filename, workerText, attemptsText, providersText] = process.argv.slice(2);
const worker = Number(workerText);
const attempts = Number(attemptsText);
const providers = providersText.split(',');

// A small deterministic generator per worker, so a failing run can be replayed.
let seed = 0x9e3779b9 ^ (worker * 7919);
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

const store = createSqliteStore({ filename });
const scheduler = createScheduler({
  store,
  // Providers who take bookings at any hour: these runs are about concurrency, not hours.
  directory: createPermissiveDirectory({ weeklyHours: ROUND_THE_CLOCK_HOURS }),
  clock: () => new Date('2026-03-01T00:00:00Z'),
});
const actor = { id: `worker-${worker}` };
const outcome = { worker, attempts: 0, booked: 0, conflicts: 0, cancelled: 0, otherErrors: [] };
const mine = [];

for (let i = 0; i < attempts; i++) {
  outcome.attempts++;
  try {
    if (mine.length > 0 && random() < 0.1) {
      const [id] = mine.splice(Math.floor(random() * mine.length), 1);
      await scheduler.cancel(id, { reason: 'changed plans' }, actor);
      outcome.cancelled++;
      continue;
    }
    // 3 providers × 32 quarter-hour starts × 30–60 minute bookings: most attempts collide.
    const start = new Date(Date.parse('2026-03-02T09:00:00Z') + Math.floor(random() * 32) * 15 * 60_000);
    const { appointment } = await scheduler.book(
      {
        patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d',
        providerId: providers[Math.floor(random() * providers.length)],
        type: 'follow_up',
        start: start.toISOString(),
        durationMinutes: [30, 45, 60][Math.floor(random() * 3)],
      },
      actor,
    );
    mine.push(appointment.id);
    outcome.booked++;
  } catch (error) {
    if (error?.code === 'CONFLICT') outcome.conflicts++;
    else outcome.otherErrors.push(`${error?.code ?? ''} ${error?.message ?? error} ${error?.cause?.code ?? ''}`);
  }
}
await store.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
