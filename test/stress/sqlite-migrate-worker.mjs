// Migrates a fresh database file at the same moment as its siblings.
import { createSqliteStore } from 'appointment-kit/sqlite';

const store = createSqliteStore({ filename: process.argv[2] });
await store.migrate();
await store.close();
process.stdout.write('migrated\n');
