import { randomUUID } from 'node:crypto';
import { CompiledQuery, Kysely, type SqliteDatabase, sql, type Transaction } from 'kysely';
import type { Appointment, AuditEntry, ReminderChannel } from '../../src/appointment.js';
import {
  ConflictError,
  InvalidTransitionError,
  NotFoundError,
  SchedulingError,
  StaleVersionError,
} from '../../src/errors.js';
import { occupiedRange } from '../../src/overlap.js';
import { isOccupyingStatus, NON_OCCUPYING_STATUSES, UPCOMING_STATUSES } from '../../src/status.js';
import type {
  AppointmentChange,
  AppointmentFilter,
  AppointmentStore,
  IdempotencyRecord,
  InsertOptions,
  InsertResult,
  NewAppointmentRow,
  NewAuditEntry,
  PageRequest,
  StatisticsFilter,
  StoreStatistics,
  UpcomingWindows,
} from '../../src/store.js';
import { decodeAppointment, decodeAuditEntry, encodeAppointmentFields, REMINDER_COLUMNS } from '../shared/columns.js';
import { foldStatistics } from '../shared/statistics.js';
import { createSqliteMigrator } from './migrations.js';
import { MAX_OCCUPIED_MS, SQLITE_CODEC, type SqliteSchema } from './schema.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';

/** How durable a commit is: `FULL` survives power loss (the default); `NORMAL` may lose the last commits on power loss, never on a crash. */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Options of {@link createSqliteStore}: a database file, or a better-sqlite3 `Database` of the host's. */
export type SqliteStoreOptions = (
  | {
      /** Path of the database file (created if missing); `:memory:` for a private in-memory database. */
      readonly filename: string;
      readonly database?: undefined;
    }
  | {
      /** An open better-sqlite3 database; the store never closes it. */
      readonly database: SqliteDatabase;
      readonly filename?: undefined;
    }
) & {
  /** Default `FULL`. */
  readonly synchronous?: SqliteSynchronous;
  /** How long a writer waits for another process's write lock, in ms; default 5000. */
  readonly busyTimeoutMs?: number;
};

/** The SQLite {@link AppointmentStore}. */
export interface SqliteStore extends AppointmentStore {
  readonly dialect: 'sqlite';
}

type Db = Kysely<SqliteSchema>;
type Trx = Transaction<SqliteSchema>;

const APPOINTMENTS = 'appointments' as const;

/**
 * Creates a SQLite store on better-sqlite3 (an optional peer dependency, loaded on first use).
 * The database runs in WAL mode with `synchronous=FULL` unless asked otherwise; every write is
 * one `BEGIN IMMEDIATE` transaction; triggers refuse overlapping occupying appointments and
 * transitions the workflow does not allow, whoever writes. Several processes may share a file.
 *
 * @example
 * ```ts
 * import { createSqliteStore } from 'appointment-kit/sqlite';
 * const store = createSqliteStore({ filename: './clinic.db' });
 * await store.migrate();
 * ```
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const synchronous = options.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new SchedulingError(
      `synchronous must be FULL or NORMAL, not ${String(synchronous)}`,
      'VALIDATION_ERROR',
      400,
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const openDatabase = async (): Promise<SqliteDatabase> => {
    if (options.database !== undefined) {
      const hostDatabase = options.database;
      // The host owns its database: closing the store must not close it.
      return { prepare: (text) => hostDatabase.prepare(text), close: () => undefined };
    }
    const { default: Database } = await import('better-sqlite3');
    return new Database(options.filename);
  };
  const db = new Kysely<SqliteSchema>({
    dialect: new ImmediateSqliteDialect({
      database: openDatabase,
      async onCreateConnection(connection) {
        const pragmas = [
          `PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`,
          'PRAGMA journal_mode = WAL',
          `PRAGMA synchronous = ${synchronous}`,
          'PRAGMA foreign_keys = ON',
        ];
        for (const pragma of pragmas) await connection.executeQuery(CompiledQuery.raw(pragma));
      },
    }),
  });
  return new SqliteAppointmentStore(db);
}

class SqliteAppointmentStore implements SqliteStore {
  readonly dialect = 'sqlite' as const;
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async migrate(): Promise<void> {
    // A second process migrating at the same moment can lose a race on kysely's lock row; the
    // retry then finds the schema complete and does nothing.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const { error } = await createSqliteMigrator(this.#db as Kysely<unknown>).migrateToLatest();
      if (error === undefined) return;
      lastError = error;
    }
    throw new SchedulingError('Could not migrate the SQLite schema', 'INTERNAL_ERROR', 500, { cause: lastError });
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  insertAppointments(rows: readonly NewAppointmentRow[], options: InsertOptions): Promise<InsertResult> {
    return this.#write(async (trx) => {
      if (options.idempotency !== undefined) {
        const existing = await readIdempotencyRecord(trx, options.idempotency.key);
        if (existing !== null) return { kind: 'replay', record: existing };
      }
      const inserted: Appointment[] = [];
      const skipped: Array<{ appointment: NewAppointmentRow['appointment']; conflictingIds: string[] }> = [];
      for (const { appointment, audit } of rows) {
        if (isOccupyingStatus(appointment.status)) {
          const range = occupiedRange(appointment);
          const conflictingIds = (await occupyingRows(trx, appointment.providerId, range.start, range.end)).map(
            (row) => row.id,
          );
          if (conflictingIds.length > 0) {
            if (options.onConflict === 'fail') throw new ConflictError(conflictingIds);
            skipped.push({ appointment, conflictingIds });
            continue;
          }
        }
        const isFirst = inserted.length === 0;
        const stored: Appointment = {
          ...appointment,
          recurrence: (isFirst && options.seriesRecurrence) || appointment.recurrence,
          idempotencyKey: (isFirst && options.idempotency?.key) || appointment.idempotencyKey,
          confirmationCode: await nextConfirmationCode(trx, appointment.createdAt),
        };
        await trx
          .insertInto(APPOINTMENTS)
          .values(encodeAppointmentFields(stored, SQLITE_CODEC) as never)
          .execute();
        await insertAuditEntries(trx, [audit]);
        inserted.push(stored);
      }
      const first = inserted[0];
      if (options.idempotency !== undefined && first !== undefined) {
        await trx
          .insertInto('appointment_idempotency_keys')
          .values({
            key: options.idempotency.key,
            fingerprint: options.idempotency.fingerprint,
            appointment_id: first.id,
            series_id: first.seriesId,
            skipped: JSON.stringify(
              skipped.map((item) => ({ start: item.appointment.start, conflictingIds: item.conflictingIds })),
            ),
            created_at: options.idempotency.createdAt.getTime(),
          })
          .execute();
      }
      return { kind: 'inserted', inserted, skipped };
    });
  }

  applyChanges(changes: readonly AppointmentChange[]): Promise<Appointment[]> {
    return this.#write(async (trx) => {
      const updated: Appointment[] = [];
      for (const change of changes) updated.push(await applyChange(trx, change));
      return updated;
    });
  }

  claimReminder(id: string, channel: ReminderChannel, at: Date, actorId: string | null): Promise<boolean> {
    const column = REMINDER_COLUMNS[channel];
    return this.#write(async (trx) => {
      const result = await trx
        .updateTable(APPOINTMENTS)
        .set({
          [column]: at.getTime(),
          version: sql<number>`version + 1`,
          updated_at: at.getTime(),
          updated_by: actorId ?? 'system',
        })
        .where('id', '=', id)
        .where(column, 'is', null)
        .where('status', 'in', UPCOMING_STATUSES)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await insertAuditEntries(trx, [
        {
          id: randomUUID(),
          appointmentId: id,
          action: 'reminder_sent',
          actorId,
          at,
          changes: { [`reminders.${channel}`]: { before: null, after: at } },
        },
      ]);
      return true;
    });
  }

  appendAudit(entries: readonly NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.#write((trx) => insertAuditEntries(trx, entries));
  }

  getAppointment(id: string): Promise<Appointment | null> {
    return this.#read(async (db) => {
      const row = await db.selectFrom(APPOINTMENTS).selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : decodeAppointment(row, SQLITE_CODEC);
    });
  }

  getIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
    return this.#read((db) => readIdempotencyRecord(db, key));
  }

  listAppointments(filter: AppointmentFilter, page?: PageRequest): Promise<{ items: Appointment[]; total: number }> {
    return this.#read(async (db) => {
      let query = db.selectFrom(APPOINTMENTS);
      if (filter.patientId !== undefined) query = query.where('patient_id', '=', filter.patientId);
      if (filter.providerId !== undefined) query = query.where('provider_id', '=', filter.providerId);
      if (filter.statuses !== undefined) query = query.where('status', 'in', filter.statuses);
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.seriesId !== undefined) query = query.where('series_id', '=', filter.seriesId);
      if (filter.from !== undefined) query = query.where('start', '>=', filter.from.getTime());
      if (filter.to !== undefined) query = query.where('start', '<', filter.to.getTime());
      const order = page?.order ?? 'asc';
      let rows = query.selectAll().orderBy('start', order).orderBy('id', order);
      if (page !== undefined) rows = rows.limit(page.limit).offset(page.offset);
      const items = (await rows.execute()).map((row) => decodeAppointment(row, SQLITE_CODEC));
      const total =
        page === undefined
          ? items.length
          : Number((await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count);
      return { items, total };
    });
  }

  findOccupying(providerId: string, from: Date, to: Date, excludeId?: string): Promise<Appointment[]> {
    return this.#read(async (db) =>
      (await occupyingRows(db, providerId, from, to, excludeId)).map((row) => decodeAppointment(row, SQLITE_CODEC)),
    );
  }

  statistics(filter: StatisticsFilter, windows: UpcomingWindows): Promise<StoreStatistics> {
    return this.#read(async (db) => {
      let scoped = db.selectFrom(APPOINTMENTS);
      if (filter.providerId !== undefined) scoped = scoped.where('provider_id', '=', filter.providerId);
      let inRange = scoped;
      if (filter.from !== undefined) inRange = inRange.where('start', '>=', filter.from.getTime());
      if (filter.to !== undefined) inRange = inRange.where('start', '<', filter.to.getTime());
      const groups = await inRange
        .select(['status', 'type', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy(['status', 'type'])
        .execute();
      const now = windows.now.getTime();
      const upcoming = await scoped
        .where('status', 'in', UPCOMING_STATUSES)
        .where('start', '>=', now)
        .where('start', '<', Math.max(windows.endOfToday.getTime(), windows.endOfWeek.getTime()))
        .select([
          sql<number>`coalesce(sum(start < ${windows.endOfToday.getTime()}), 0)`.as('today'),
          sql<number>`coalesce(sum(start < ${windows.endOfWeek.getTime()}), 0)`.as('week'),
        ])
        .executeTakeFirstOrThrow();
      return foldStatistics(groups, upcoming);
    });
  }

  dueReminders(channel: ReminderChannel, from: Date, to: Date, limit: number): Promise<Appointment[]> {
    return this.#read(async (db) => {
      const rows = await db
        .selectFrom(APPOINTMENTS)
        .selectAll()
        .where('status', 'in', UPCOMING_STATUSES)
        .where('start', '>=', from.getTime())
        .where('start', '<', to.getTime())
        .where(REMINDER_COLUMNS[channel], 'is', null)
        .orderBy('start')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => decodeAppointment(row, SQLITE_CODEC));
    });
  }

  auditTrail(appointmentId: string): Promise<AuditEntry[]> {
    return this.#read(async (db) => {
      const rows = await db
        .selectFrom('appointment_audit_log')
        .selectAll()
        .where('appointment_id', '=', appointmentId)
        .orderBy('at')
        .orderBy(sql`rowid`)
        .execute();
      return rows.map((row) => decodeAuditEntry(row, SQLITE_CODEC));
    });
  }

  async #write<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    try {
      return await this.#db.transaction().execute(work);
    } catch (error) {
      throw toSchedulingError(error);
    }
  }

  async #read<T>(work: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await work(this.#db);
    } catch (error) {
      throw toSchedulingError(error);
    }
  }
}

/** Occupying rows of a provider whose occupied ranges meet `[from, to)`: a bounded index range scan. */
function occupyingRows(db: Db | Trx, providerId: string, from: Date, to: Date, excludeId?: string) {
  let query = db
    .selectFrom(APPOINTMENTS)
    .selectAll()
    .where('provider_id', '=', providerId)
    .where('status', 'not in', NON_OCCUPYING_STATUSES)
    .where('occupied_start', '>', from.getTime() - MAX_OCCUPIED_MS)
    .where('occupied_start', '<', to.getTime())
    .where('occupied_end', '>', from.getTime());
  if (excludeId !== undefined) query = query.where('id', '!=', excludeId);
  return query.orderBy('start').orderBy('id').execute();
}

async function applyChange(trx: Trx, change: AppointmentChange): Promise<Appointment> {
  const row = await trx.selectFrom(APPOINTMENTS).selectAll().where('id', '=', change.id).executeTakeFirst();
  if (row === undefined) throw new NotFoundError('Appointment', change.id);
  if (row.version !== change.expectedVersion) throw new StaleVersionError(change.expectedVersion, row.version);
  const current = decodeAppointment(row, SQLITE_CODEC);
  const stamp = {
    version: current.version + 1,
    updatedAt: change.audit.at,
    updatedBy: change.audit.actorId ?? 'system',
  };
  const next: Appointment = { ...current, ...change.set, ...stamp };
  const occupancyChanged = ['status', 'start', 'end', 'bufferBeforeMinutes', 'bufferAfterMinutes'].some(
    (field) => field in change.set,
  );
  if (occupancyChanged && isOccupyingStatus(next.status)) {
    const range = occupiedRange(next);
    const conflicts = await occupyingRows(trx, next.providerId, range.start, range.end, next.id);
    if (conflicts.length > 0) throw new ConflictError(conflicts.map((conflict) => conflict.id));
  }
  try {
    await trx
      .updateTable(APPOINTMENTS)
      .set(encodeAppointmentFields({ ...change.set, ...stamp }, SQLITE_CODEC) as never)
      .where('id', '=', change.id)
      .where('version', '=', change.expectedVersion)
      .execute();
  } catch (error) {
    if (isTriggerAbort(error, 'invalid_status_transition'))
      throw new InvalidTransitionError(current.status, next.status);
    throw error;
  }
  await insertAuditEntries(trx, [change.audit]);
  return next;
}

async function insertAuditEntries(trx: Trx, entries: readonly NewAuditEntry[]): Promise<void> {
  await trx
    .insertInto('appointment_audit_log')
    .values(
      entries.map((entry) => ({
        id: entry.id,
        appointment_id: entry.appointmentId,
        action: entry.action,
        actor_id: entry.actorId,
        at: entry.at.getTime(),
        changes: JSON.stringify(entry.changes),
      })),
    )
    .execute();
}

/** The next `APT-YYYY-NNNN` for the booking year; the counter row is safe because writes are serialised. */
async function nextConfirmationCode(trx: Trx, bookedAt: Date): Promise<string> {
  const year = bookedAt.getUTCFullYear();
  const { value } = await trx
    .insertInto('appointment_counters')
    .values({ name: `confirmation-${year}`, value: 1 })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ value: sql<number>`value + 1` }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return `APT-${year}-${String(value).padStart(4, '0')}`;
}

async function readIdempotencyRecord(db: Db | Trx, key: string): Promise<IdempotencyRecord | null> {
  const row = await db.selectFrom('appointment_idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
  if (row === undefined) return null;
  const skipped = JSON.parse(row.skipped) as Array<{ start: string; conflictingIds: string[] }>;
  return {
    key: row.key,
    fingerprint: row.fingerprint,
    appointmentId: row.appointment_id,
    seriesId: row.series_id,
    skipped: skipped.map((item) => ({ start: new Date(item.start), conflictingIds: item.conflictingIds })),
  };
}

function isTriggerAbort(error: unknown, message: string): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_TRIGGER' &&
    error.message === message
  );
}

/** Our own errors pass through; a trigger's refusal becomes its typed error; anything else is wrapped with its cause. */
function toSchedulingError(error: unknown): SchedulingError {
  if (error instanceof SchedulingError) return error;
  if (isTriggerAbort(error, 'appointment_overlap')) return new ConflictError([], { cause: error });
  const code = (error as { code?: unknown })?.code;
  const message = code === 'SQLITE_BUSY' ? 'The database is busy; try again' : 'The appointment store failed';
  return new SchedulingError(message, 'INTERNAL_ERROR', code === 'SQLITE_BUSY' ? 503 : 500, { cause: error });
}
