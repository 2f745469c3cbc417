// One of the processes of the 4-process SQLite benchmark: books `count` appointments for its own
// provider and prints how it went.

import { createSqliteStore } from '../../adapters/sqlite/index.js';
import { createScheduler } from '../../src/index.js';
import { ANY_HOUR_DIRECTORY } from '../fixtures.js';

const [filename, providerId, countText] = process.argv.slice(2) as [string, string, string];
const store = createSqliteStore({ filename });
const scheduler = createScheduler({
  store,
  directory: ANY_HOUR_DIRECTORY,
  clock: () => new Date('2026-03-01T00:00:00Z'),
});
let booked = 0;
const started = Date.now();
let busy = 0;
let other = 0;
for (let i = 0; i < Number(countText); i++) {
  try {
    await scheduler.book(
      {
        patientId: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d',
        providerId,
        type: 'follow_up',
        start: new Date(Date.parse('2026-03-02T00:00:00Z') + i * 30 * 60_000).toISOString(),
      },
      { id: 'bench' },
    );
    booked++;
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code?.startsWith('SQLITE_BUSY')) busy++;
    else other++;
  }
}
const finished = Date.now();
await store.close();
process.stdout.write(`${JSON.stringify({ booked, busy, other, started, finished })}\n`);
