import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { type AppointmentStore, createScheduler, type Scheduler, suggestSlots } from 'appointment-kit';
import { createPostgresStore } from 'appointment-kit/postgres';
import { createSqliteStore } from 'appointment-kit/sqlite';
import { createApp } from './app.js';
import { authenticateDemoToken, DEMO_PATIENTS, DEMO_PROVIDERS, DEMO_TOKENS, demoDirectory } from './demo-data.js';

/**
 * The example host: `npm run example`. SQLite in EXAMPLE_DATA_DIR (default ./data) unless
 * DATABASE_URL names a PostgreSQL database; listens on PORT (default 3000).
 */
async function main(): Promise<void> {
  const { store, description } = openStore();
  await store.migrate();
  const scheduler = createScheduler({ store, directory: demoDirectory });
  await seedOnce(store, scheduler);

  const app = createApp({
    scheduler,
    authenticate: authenticateDemoToken,
    providers: DEMO_PROVIDERS,
    patients: DEMO_PATIENTS,
  });
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  await new Promise<void>((ready, fail) => server.once('listening', ready).once('error', fail));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}/api/v1`;
  console.log(`appointment-kit example listening on http://127.0.0.1:${port} (${description})`);
  console.log(`Tokens: ${[...DEMO_TOKENS].map(([token, actor]) => `${token} (${actor.role})`).join(', ')}`);
  console.log(`Try:  curl -H 'Authorization: Bearer demo-receptionist' '${base}/appointments?limit=5'`);
  console.log(`      curl ${base}/openapi.json`);
  console.log(`Docs: ${base}/docs`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then closing the store`);
    // Stop accepting, let in-flight requests finish, drop idle keep-alive connections.
    server.close(async (error) => {
      await store.close();
      process.exit(error ? 1 : 0);
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

function openStore(): { store: AppointmentStore; description: string } {
  const url = process.env.DATABASE_URL;
  if (url) {
    return {
      store: createPostgresStore({ connectionString: url, schema: 'appointment_kit_demo' }),
      description: 'PostgreSQL',
    };
  }
  const directory = resolve(process.env.EXAMPLE_DATA_DIR ?? './data');
  mkdirSync(directory, { recursive: true });
  const filename = join(directory, 'appointments.db');
  return { store: createSqliteStore({ filename }), description: `SQLite ${filename}` };
}

/** On the first start only: a few demo appointments, so lists and schedules show something. */
async function seedOnce(store: AppointmentStore, scheduler: Scheduler): Promise<void> {
  if ((await store.listAppointments({}, { limit: 1, offset: 0, order: 'asc' })).total > 0) return;
  const receptionist = DEMO_TOKENS.get('demo-receptionist') as { id: string };
  const now = new Date();
  for (const [index, provider] of DEMO_PROVIDERS.entries()) {
    const slots = suggestSlots({ ...provider, durationMinutes: 30, now, after: now, limit: 4 });
    for (const [slotIndex, slot] of slots.entries()) {
      if (slotIndex % 2 === 1) continue;
      const patient = DEMO_PATIENTS[(index + slotIndex) % DEMO_PATIENTS.length] as { id: string };
      await scheduler.book(
        {
          patientId: patient.id,
          providerId: provider.id,
          type: 'follow_up',
          start: slot.start,
          reason: 'Demo appointment',
        },
        receptionist,
      );
    }
  }
  console.log('Seeded demo appointments.');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
