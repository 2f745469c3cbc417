// One of several OS processes booking random sets of resources (rooms by kind, devices by id, a
// place in a class of 4) with random providers and times, on one SQLite file or one PostgreSQL
// schema, through the built package, with bookings, reschedules and cancellations in flight at
// once. Prints a JSON summary of how every attempt ended.
import { createScheduler, ROUND_THE_CLOCK_HOURS } from 'appointment-kit';
import { createPostgresStore } from 'appointment-kit/postgres';
import { createSqliteStore } from 'appointment-kit/sqlite';

const [kind, target, schema, workerText, attemptsText] = process.argv.slice(2);
const worker = Number(workerText);
let remaining = Number(attemptsText);

// A small deterministic generator per worker, so a failing run can be replayed.
let seed = 0x51ed270b ^ (worker * 92821);
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = (list) => list[Math.floor(random() * list.length)];

export const RESOURCES = {
  'a0000000-0000-4000-8000-000000000001': { kind: 'room', capacity: 1, bufferAfterMinutes: 10 },
  'a0000000-0000-4000-8000-000000000002': { kind: 'room', capacity: 1, bufferAfterMinutes: 10 },
  'a0000000-0000-4000-8000-000000000003': { kind: 'room', capacity: 1, bufferAfterMinutes: 10 },
  'b0000000-0000-4000-8000-000000000001': { kind: 'device', capacity: 1 },
  'b0000000-0000-4000-8000-000000000002': { kind: 'device', capacity: 1 },
  'c0000000-0000-4000-8000-000000000001': { kind: 'class', capacity: 4 },
};
const providers = Array.from({ length: 8 }, (_, index) => `d0000000-0000-4000-8000-00000000000${index}`);
// The class's own pool of providers (one each per place), so that its places, not providers, run out.
const instructors = Array.from(
  { length: 16 },
  (_, index) => `e0000000-0000-4000-8000-0000000000${String(index).padStart(2, '0')}`,
);
const directory = {
  getProvider: () => ({ active: true, timeZone: 'UTC', weeklyHours: ROUND_THE_CLOCK_HOURS }),
  getPatient: () => ({ active: true }),
  getResource: (id) => (id in RESOURCES ? { active: true, timeZone: 'UTC', ...RESOURCES[id] } : null),
  listResources: (wanted) => Object.keys(RESOURCES).filter((id) => RESOURCES[id].kind === wanted),
};
const store =
  kind === 'sqlite'
    ? createSqliteStore({ filename: target })
    : createPostgresStore({ connectionString: target, schema, maxRetries: 20 });
const scheduler = createScheduler({ store, directory, clock: () => new Date('2026-03-01T00:00:00Z') });
const actor = { id: `worker-${worker}` };
const outcome = { worker, attempts: 0, booked: 0, refused: 0, classFull: 0, moved: 0, cancelled: 0, otherErrors: [] };
const mine = [];

/**
 * A random set of resources, in random order: a room of any kind, a device by id, the class.
 * Every third one is the class alone, in its morning hour, so that its four places fill up.
 */
function resourceSet() {
  if (random() < 1 / 3) return [{ id: 'c0000000-0000-4000-8000-000000000001' }];
  const options = [
    { kind: 'room' },
    { id: pick(['b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002']) },
    { id: 'c0000000-0000-4000-8000-000000000001' },
  ];
  const chosen = options.filter(() => random() < 0.6);
  if (chosen.length === 0) chosen.push(pick(options));
  return chosen.sort(() => random() - 0.5);
}

const startAt = () => new Date(Date.parse('2026-03-02T09:00:00Z') + Math.floor(random() * 24) * 15 * 60_000);
// The typed answers a race may give: taken, refused, or (lanes of one worker racing each other)
// an appointment another lane cancelled in between.
const expected = (error) => ['CONFLICT', 'UNAVAILABLE', 'NOT_CHANGEABLE'].includes(error?.code);

async function lane() {
  while (remaining > 0) {
    remaining--;
    outcome.attempts++;
    const roll = random();
    try {
      if (roll < 0.15 && mine.length > 0) {
        const id = mine.splice(Math.floor(random() * mine.length), 1)[0];
        await scheduler.cancel(id, { reason: 'race' }, actor);
        outcome.cancelled++;
      } else if (roll < 0.3 && mine.length > 0) {
        await scheduler.reschedule(pick(mine), { start: startAt().toISOString() }, actor);
        outcome.moved++;
      } else {
        const resources = resourceSet();
        const classOnly = resources.length === 1 && resources[0].id?.startsWith('c') === true;
        const start = classOnly
          ? new Date(Date.parse('2026-03-02T09:00:00Z') + Math.floor(random() * 4) * 15 * 60_000)
          : startAt();
        const { appointment } = await scheduler.book(
          {
            patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d',
            providerId: pick(classOnly ? instructors : providers),
            type: 'follow_up',
            start: start.toISOString(),
            durationMinutes: pick([30, 45, 60]),
            resources,
          },
          actor,
        );
        mine.push(appointment.id);
        outcome.booked++;
      }
    } catch (error) {
      if (expected(error)) {
        outcome.refused++;
        if (error.reasons?.some((reason) => reason.code === 'CAPACITY_FULL')) outcome.classFull++;
      } else outcome.otherErrors.push(`${error?.code} ${error?.message} ${error?.cause?.code ?? ''}`);
    }
  }
}
await Promise.all(Array.from({ length: kind === 'sqlite' ? 1 : 4 }, lane));
await store.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
