import { runStoreConformance } from 'appointment-kit/testing';
import { runAvailabilityEngine } from '../availability-engine.js';
import { runHostileInput } from '../hostile-input.js';
import { runSchedulerBehaviour } from '../scheduler-behaviour.js';
import { postgresStores } from './schemas.js';

const stores = postgresStores();

runStoreConformance('PostgreSQL', async () => stores.create());
runSchedulerBehaviour('PostgreSQL', async () => stores.create());
runHostileInput('PostgreSQL', async () => stores.create());
runAvailabilityEngine('PostgreSQL', async () => stores.create());
