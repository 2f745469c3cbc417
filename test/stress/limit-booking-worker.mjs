// One of several OS processes booking one provider, whose period limit is the contended
// resource, through the built package. Prints a JSON summary of how every attempt ended.
// Arguments: store (sqlite FILE | postgres URL SCHEMA), worker number, attempts, provider id,
// limits as JSON, first start (ISO), days, hours a day from the first start's time.
import { createScheduler, createStaticDirectory, ROUND_THE_CLOCK_HOURS } from 'appointment-kit';

const [kind, ...rest] = process.argv.slice(2);
const target = kind === 'sqlite' ? rest.splice(0, 1) : rest.splice(0, 2);
const [workerText, attemptsText, providerId, limitsJson, firstStart, daysText, hoursText] = rest;
const worker = Number(workerText);

let seed = 0x51ed270b ^ (worker * 2654435761);
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

const store =
  kind === 'sqlite'
    ? (await import('appointment-kit/sqlite')).createSqliteStore({ filename: target[0] })
    : (await import('appointment-kit/postgres')).createPostgresStore({
        connectionString: target[0],
        schema: target[1],
      });
const patientId = '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d';
const scheduler = createScheduler({
  store,
  directory: createStaticDirectory({
    providers: {
      [providerId]: {
        active: true,
        timeZone: 'Europe/London',
        weeklyHours: ROUND_THE_CLOCK_HOURS,
        limits: JSON.parse(limitsJson),
      },
    },
    patients: { [patientId]: { active: true } },
  }),
  clock: () => new Date('2026-03-01T00:00:00Z'),
});
const outcome = { worker, attempts: 0, booked: 0, periodLimit: 0, conflicts: 0, otherErrors: [] };
const quarters = Number(hoursText) * 4;
// Two lanes per process, so each process also races itself.
await Promise.all(
  [0, 1].map(async () => {
    while (outcome.attempts < Number(attemptsText)) {
      outcome.attempts++;
      const day = Math.floor(random() * Number(daysText));
      const quarter = Math.floor(random() * quarters);
      const start = new Date(Date.parse(firstStart) + day * 86_400_000 + quarter * 15 * 60_000);
      try {
        await scheduler.book({ patientId, providerId, type: 'follow_up', start }, { id: `worker-${worker}` });
        outcome.booked++;
      } catch (error) {
        if (error?.code === 'UNAVAILABLE' && error.reasons?.every((reason) => reason.code === 'PERIOD_LIMIT')) {
          outcome.periodLimit++;
        } else if (error?.code === 'CONFLICT') outcome.conflicts++;
        else outcome.otherErrors.push(`${error?.code ?? ''} ${error?.message ?? error}`);
      }
    }
  }),
);
await store.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
