import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CompiledQuery, Kysely, type SqliteDatabase, sql, type Transaction } from 'kysely';
import type { Appointment, AuditEntry, ReminderChannel } from '../../src/appointment.js';
import {
  BusyError,
  ConflictError,
  InvalidTransitionError,
  NotFoundError,
  SchedulingError,
  SetupError,
  StaleVersionError,
  StorageFullError,
  UnavailableError,
} from '../../src/errors.js';
import { MAX_OCCUPIED_MS } from '../../src/limits.js';
import { occupiedRange, rangesOverlap } from '../../src/overlap.js';
import { roomFor } from '../../src/resources.js';
import type { CountedBooking, PeriodLimitCheck, UnavailableReason } from '../../src/slots.js';
import { isOccupyingStatus, UPCOMING_STATUSES } from '../../src/status.js';
import type * as Contract from '../../src/store.js';
import {
  APPOINTMENT_COLUMNS,
  decodeAppointment,
  decodeAuditEntry,
  encodeAppointmentFields,
  REMINDER_COLUMNS,
} from '../common/columns.js';
import { decodeIdempotencyRecord, encodeSkipped } from '../common/idempotency.js';
import { exceededLimit, type LimitCount } from '../common/limits.js';
import { migrateToLatest } from '../common/migrate.js';
import * as sharedQueries from '../common/queries.js';
import { NOT_OCCUPYING_SQL } from '../common/sql-lists.js';
import { createSqliteMigrator, SQLITE_MIGRATIONS } from './migrations.js';
import { allocationsAround, pickFor, readAllocations, recordResources } from './resources.js';
import { CONFIRMATION_COUNTER, SQLITE_CODEC, type SqliteSchema, TABLES } from './schema.js';
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
  /**
   * How long a writer waits for another process's write lock, in ms; default 5000. The wait is
   * asynchronous: the Node event loop keeps serving while this store waits its turn.
   */
  readonly busyTimeoutMs?: number;
};

/** The SQLite {@link Contract.AppointmentStore}. */
export interface SqliteStore extends Contract.AppointmentStore {
  readonly dialect: 'sqlite';
}

type Db = Kysely<SqliteSchema>;
type Trx = Transaction<SqliteSchema>;

const APPOINTMENTS = 'appointments' as const;
/** SQLite's own (blocking) wait for a lock, per statement; longer waits happen asynchronously. */
const STATEMENT_BUSY_TIMEOUT_MS = 10;
const INSERT_APPOINTMENT_SQL = `INSERT INTO ${TABLES.appointments} (${APPOINTMENT_COLUMNS.map((column) => `"${column}"`).join(', ')})
  VALUES (${APPOINTMENT_COLUMNS.map(() => '?').join(', ')})`;
const INSERT_AUDIT_SQL = `INSERT INTO ${TABLES.auditLog} (id, appointment_id, action, actor_id, at, version, changes, override) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
/**
 * Bookings and booked minutes of a provider in each of `checks` periods, in one pass over the
 * widest of them (the periods nest: a day in its week in its month): params per check twice
 * from, to, type, type; then provider, widest from, widest to, excluded id (null for none).
 */
function limitCountSql(checks: number): string {
  const inPeriod = 'start >= ? AND start < ? AND (? IS NULL OR type = ?)';
  const sums = Array.from(
    { length: checks },
    (_, index) =>
      `coalesce(sum(CASE WHEN ${inPeriod} THEN 1 END), 0) AS count_${index},
       coalesce(sum(CASE WHEN ${inPeriod} THEN duration_minutes END), 0) AS minutes_${index}`,
  );
  return `SELECT ${sums.join(', ')} FROM ${TABLES.appointments}
    WHERE provider_id = ? AND status NOT IN (${NOT_OCCUPYING_SQL}) AND start >= ? AND start < ? AND id IS NOT ?`;
}
const NEXT_CONFIRMATION_SQL = `INSERT INTO ${TABLES.counters} (name, value) VALUES (?, 1)
  ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`;
/** A provider's occupying appointments meeting a range: params provider, lower bound, end, start, excluded id. */
const OCCUPYING_ROWS_SQL = `SELECT * FROM ${TABLES.appointments}
  WHERE provider_id = ? AND status NOT IN (${NOT_OCCUPYING_SQL})
    AND occupied_start > ? AND occupied_start < ? AND occupied_end > ? AND id IS NOT ?
  ORDER BY start, id`;
/** A provider's occupying appointments starting in a range, as limits count them: params provider, from, to. */
const COUNTED_ROWS_SQL = `SELECT id, start, type, duration_minutes FROM ${TABLES.appointments}
  WHERE provider_id = ? AND status NOT IN (${NOT_OCCUPYING_SQL}) AND start >= ? AND start < ?`;
/** The parameters of {@link OCCUPYING_ROWS_SQL}. */
function occupyingParameters(providerId: string, from: Date, to: Date, excludeId?: string): unknown[] {
  return [providerId, from.getTime() - MAX_OCCUPIED_MS, to.getTime(), from.getTime(), excludeId ?? null];
}
/** Ids of a provider's occupying appointments meeting a range: params provider, lower bound, end, start. */
const OCCUPYING_IDS_SQL = `SELECT id FROM ${TABLES.appointments}
  WHERE provider_id = ? AND status NOT IN (${NOT_OCCUPYING_SQL})
    AND occupied_start > ? AND occupied_start < ? AND occupied_end > ?
  ORDER BY start, id`;

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
  const handle: DatabaseHandle = {};
  const openDatabase = async (): Promise<CachedDatabase> => {
    if (options.database !== undefined) {
      // The host owns its database: closing the store must not close it.
      handle.database = withStatementCache(options.database, () => undefined);
    } else {
      const Database = await loadBetterSqlite3();
      const directory = dirname(resolve(options.filename));
      if (!isInMemory(options.filename) && !existsSync(directory)) {
        throw new SetupError(
          'DATABASE_NOT_FOUND',
          `The directory ${directory} of the SQLite database does not exist: create it, or give another filename`,
        );
      }
      let database: InstanceType<typeof Database>;
      try {
        database = new Database(options.filename);
      } catch (error) {
        throw sqliteCode(error) === 'SQLITE_CANTOPEN'
          ? new SetupError('DATABASE_NOT_FOUND', `The SQLite database ${options.filename} cannot be opened`, {
              cause: error,
            })
          : error;
      }
      handle.database = withStatementCache(database, () => database.close());
    }
    return handle.database;
  };
  const db = new Kysely<SqliteSchema>({
    dialect: new ImmediateSqliteDialect({
      database: openDatabase,
      isInTransaction: () => handle.database?.inTransaction ?? false,
      async onCreateConnection(connection) {
        const pragmas = [
          // SQLite's own busy handler sleeps inside the (synchronous) driver, blocking the event
          // loop: keep it to a few milliseconds and wait for the write lock asynchronously instead.
          `PRAGMA busy_timeout = ${Math.min(STATEMENT_BUSY_TIMEOUT_MS, Math.max(0, Math.floor(busyTimeoutMs)))}`,
          'PRAGMA journal_mode = WAL',
          `PRAGMA synchronous = ${synchronous}`,
          'PRAGMA foreign_keys = ON',
        ];
        for (const pragma of pragmas) await connection.executeQuery(CompiledQuery.raw(pragma));
      },
    }),
  });
  return new SqliteAppointmentStore(db, handle, Math.max(0, busyTimeoutMs));
}

/** better-sqlite3, an optional peer dependency: a clear error when it is not installed. */
async function loadBetterSqlite3() {
  try {
    return (await import('better-sqlite3')).default;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new SetupError(
        'DRIVER_MISSING',
        'The SQLite store needs the better-sqlite3 package: npm install better-sqlite3',
        { cause: error },
      );
    }
    throw error;
  }
}

/** `:memory:`, an empty name (a temporary database) or a URI: no directory to look for. */
function isInMemory(filename: string): boolean {
  return filename === ':memory:' || filename === '' || filename.startsWith('file:');
}

/** The open database, once kysely has opened it (on its first connection). */
interface DatabaseHandle {
  database?: CachedDatabase;
}

/** A better-sqlite3 database as the store uses it: kysely's view plus whether a transaction is open. */
interface CachedDatabase extends SqliteDatabase {
  /**
   * False after SQLite rolled a transaction back by itself (it does on SQLITE_FULL and some I/O
   * errors): a ROLLBACK then would fail and hide the real error.
   */
  readonly inTransaction: boolean;
}

class SqliteAppointmentStore implements SqliteStore {
  readonly dialect = 'sqlite' as const;
  readonly #db: Db;
  readonly #handle: DatabaseHandle;
  readonly #busyTimeoutMs: number;

  constructor(db: Db, handle: DatabaseHandle, busyTimeoutMs: number) {
    this.#db = db;
    this.#handle = handle;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  migrate(): Promise<void> {
    // Only a lock held by another process is worth waiting for; anything else fails at once.
    return migrateToLatest(createSqliteMigrator(this.#db as Kysely<unknown>), 'SQLite', isBusy);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  async insertAppointments(
    rows: readonly Contract.NewAppointmentRow[],
    options: Contract.InsertOptions,
  ): Promise<Contract.InsertResult> {
    try {
      return await this.#insert(rows, options);
    } catch (error) {
      throw await this.#namedConflict(error, rows);
    }
  }

  /**
   * A trigger's refusal of an insert names no appointment: name what is in the way (read after
   * the rollback), stored appointments or an earlier row of the same call. Other errors as they are.
   */
  async #namedConflict(error: unknown, rows: readonly Contract.NewAppointmentRow[]): Promise<unknown> {
    if (!(error instanceof ConflictError) || error.conflictingIds.length > 0) return error;
    for (const [index, { appointment }] of rows.entries()) {
      const range = occupiedRange(appointment);
      const stored = await this.findOccupying(appointment.providerId, range.start, range.end);
      const earlier = rows
        .slice(0, index)
        .map((row) => row.appointment)
        .filter((other) => other.providerId === appointment.providerId && rangesOverlap(range, occupiedRange(other)));
      const ids = [...stored, ...earlier].map((item) => item.id);
      if (ids.length > 0) return new ConflictError(ids, { cause: error.cause });
    }
    return error;
  }

  /**
   * The booking hot path runs synchronously on better-sqlite3 with cached prepared statements
   * (no await between statements), holding kysely's connection so nothing interleaves.
   */
  #insert(
    rows: readonly Contract.NewAppointmentRow[],
    options: Contract.InsertOptions,
  ): Promise<Contract.InsertResult> {
    return this.#writeSync((database) => insertRowsSync(database, rows, options));
  }

  applyChanges(changes: readonly Contract.AppointmentChange[]): Promise<Appointment[]> {
    return this.#write(async (trx) => {
      const updated: Appointment[] = [];
      const database = this.#handle.database as CachedDatabase;
      for (const change of changes) updated.push(await applyChange(trx, database, change));
      return updated;
    });
  }

  async editSeries(edit: Contract.SeriesEdit): Promise<Contract.SeriesEditResult> {
    try {
      return await this.#write(async (trx) => {
        // The same connection, inside the same transaction: the booking path's statements.
        const database = this.#handle.database as CachedDatabase;
        const changed: Appointment[] = [];
        for (const change of edit.changes) changed.push(await applyChange(trx, database, change, true));
        const result = insertRowsSync(database, edit.rows, { onConflict: 'fail' });
        // Limits are counted on the edit as a whole: each move counted against every other one
        // where it ends, not where it is half-way through the edit.
        for (const [index, change] of edit.changes.entries()) {
          await checkChangeLimits(trx, changed[index] as Appointment, change);
        }
        return { changed, inserted: result.kind === 'inserted' ? result.inserted : [] };
      });
    } catch (error) {
      throw await this.#namedConflict(error, edit.rows);
    }
  }

  claimReminder(id: string, channel: ReminderChannel, claim: Contract.ReminderClaim): Promise<boolean> {
    const column = REMINDER_COLUMNS[channel];
    return this.#write(async (trx) => {
      // `updated_at` never runs backwards, whatever this caller's clock says.
      const claimed = await trx
        .updateTable(APPOINTMENTS)
        .set({
          [column]: claim.at.getTime(),
          version: sql<number>`version + 1`,
          updated_at: sql<number>`max(updated_at, ${claim.at.getTime()})`,
          updated_by: claim.actorId,
        })
        .where('id', '=', id)
        .where(column, 'is', null)
        .where('status', 'in', UPCOMING_STATUSES)
        .returning(['version', 'updated_at'])
        .executeTakeFirst();
      if (claimed === undefined) return false;
      await insertAuditEntries(trx, [
        {
          id: claim.auditId,
          appointmentId: id,
          action: 'reminder_sent',
          actorId: claim.actorId,
          at: new Date(claimed.updated_at),
          version: claimed.version,
          changes: claim.changes,
        },
      ]);
      return true;
    });
  }

  appendAudit(entries: readonly Contract.NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.#write((trx) => insertAuditEntries(trx, entries));
  }

  getAppointment(id: string): Promise<Appointment | null> {
    return this.#read(async (db) => {
      const row = await db.selectFrom(APPOINTMENTS).selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : decodeAppointment(row, SQLITE_CODEC);
    });
  }

  getIdempotencyRecord(key: string): Promise<Contract.IdempotencyRecord | null> {
    return this.#read((db) => readIdempotencyRecord(db, key));
  }

  listAppointments(
    filter: Contract.AppointmentFilter,
    page?: Contract.PageRequest,
  ): Promise<{ items: Appointment[]; total: number }> {
    return this.#read((db) => sharedQueries.listAppointments(this.#readContext(db), filter, page));
  }

  /** On the availability hot path: one cached prepared statement, run synchronously. */
  findOccupying(providerId: string, from: Date, to: Date): Promise<Appointment[]> {
    return this.#readSync((database) =>
      database
        .prepare(OCCUPYING_ROWS_SQL)
        .all(occupyingParameters(providerId, from, to))
        .map((row) => decodeAppointment(row as Record<string, unknown>, SQLITE_CODEC)),
    );
  }

  findCountedBookings(providerId: string, from: Date, to: Date): Promise<CountedBooking[]> {
    return this.#readSync((database) =>
      (
        database.prepare(COUNTED_ROWS_SQL).all([providerId, from.getTime(), to.getTime()]) as Array<{
          id: string;
          start: number;
          type: string;
          duration_minutes: number;
        }>
      ).map((row) => ({
        id: row.id,
        start: new Date(row.start),
        type: row.type,
        durationMinutes: row.duration_minutes,
      })),
    );
  }

  findAllocations(resourceIds: readonly string[], from: Date, to: Date): Promise<Contract.ResourceAllocation[]> {
    return this.#readSync((database) => readAllocations(database, resourceIds, from.getTime(), to.getTime(), null));
  }

  statistics(filter: Contract.StatisticsFilter, windows: Contract.UpcomingWindows): Promise<Contract.StoreStatistics> {
    return this.#read((db) => sharedQueries.statistics(this.#readContext(db), filter, windows));
  }

  dueReminders(channel: ReminderChannel, from: Date, to: Date, limit: number): Promise<Appointment[]> {
    return this.#read((db) => sharedQueries.dueReminders(this.#readContext(db), channel, from, to, limit));
  }

  auditTrail(appointmentId: string): Promise<AuditEntry[]> {
    return this.#read(async (db) => {
      const rows = await db
        .selectFrom('appointment_audit_log')
        .selectAll()
        .where('appointment_id', '=', appointmentId)
        .orderBy('version')
        .orderBy(sql`rowid`)
        .execute();
      return rows.map((row) => decodeAuditEntry(row, SQLITE_CODEC));
    });
  }

  #readContext(db: Db): sharedQueries.ReadContext {
    return { db, table: sql.table(TABLES.appointments), codec: SQLITE_CODEC };
  }

  /** Synchronous reads on kysely's (locked) connection. */
  async #readSync<T>(work: (database: SqliteDatabase) => T): Promise<T> {
    try {
      return await this.#db.connection().execute(async () => work(this.#handle.database as CachedDatabase));
    } catch (error) {
      throw await this.#explainFailure(error);
    }
  }

  /** One `BEGIN IMMEDIATE` transaction of synchronous statements, on kysely's (locked) connection. */
  async #writeSync<T>(work: (database: SqliteDatabase) => T): Promise<T> {
    try {
      return await this.#whenUnlocked(() =>
        this.#db.connection().execute(async () => {
          const database = this.#handle.database as CachedDatabase;
          database.prepare('BEGIN IMMEDIATE').run([]);
          try {
            const result = work(database);
            database.prepare('COMMIT').run([]);
            return result;
          } catch (error) {
            // SQLite may have rolled back already (a full disk does): keep the real error.
            if (database.inTransaction) database.prepare('ROLLBACK').run([]);
            throw error;
          }
        }),
      );
    } catch (error) {
      throw await this.#explainFailure(error);
    }
  }

  async #write<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    try {
      return await this.#whenUnlocked(() => this.#db.transaction().execute(work));
    } catch (error) {
      throw await this.#explainFailure(error);
    }
  }

  /**
   * Runs a write transaction, and again after a short asynchronous pause while another process
   * holds the write lock (`BEGIN IMMEDIATE` answered SQLITE_BUSY, so nothing was done), until
   * `busyTimeoutMs` has passed.
   */
  async #whenUnlocked<T>(write: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      try {
        return await write();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
      }
    }
  }

  /**
   * The typed error for a failure: our own errors as they are; a generic SQLite error from a
   * database whose schema is not (fully) migrated becomes `SetupError('NOT_MIGRATED')`, found by
   * asking the database, not by reading the message.
   */
  async #explainFailure(error: unknown): Promise<SchedulingError> {
    if (error instanceof SchedulingError || sqliteCode(error) !== 'SQLITE_ERROR') return toSchedulingError(error);
    const database = this.#handle.database;
    if (database === undefined) return toSchedulingError(error);
    let applied: string[] = [];
    try {
      applied = await this.#db.connection().execute(async () => {
        const [table] = database
          .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`)
          .all([TABLES.migrations]);
        if (table === undefined) return [];
        return (database.prepare(`SELECT name FROM ${TABLES.migrations}`).all([]) as Array<{ name: string }>).map(
          (row) => row.name,
        );
      });
    } catch {
      return toSchedulingError(error);
    }
    const pending = Object.keys(SQLITE_MIGRATIONS).filter((name) => !applied.includes(name));
    if (pending.length === 0) return toSchedulingError(error);
    return new SetupError(
      'NOT_MIGRATED',
      `The SQLite schema is not migrated (${pending.join(', ')} pending): call store.migrate(), or run npx appointment-kit migrate --sqlite FILE`,
      { cause: error },
    );
  }

  async #read<T>(work: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await work(this.#db);
    } catch (error) {
      throw await this.#explainFailure(error);
    }
  }
}

/**
 * kysely prepares every query anew; preparing costs more than running our small statements, so
 * prepared statements are kept by SQL text (a bounded cache: the store issues a few dozen shapes).
 */
function withStatementCache(database: SqliteDatabase, close: () => void): CachedDatabase {
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  return {
    get inTransaction() {
      // better-sqlite3 reports it; a database object that does not is assumed to be in one.
      const reported = (database as { inTransaction?: unknown }).inTransaction;
      return typeof reported === 'boolean' ? reported : true;
    },
    prepare(text) {
      let statement = statements.get(text);
      if (statement === undefined) {
        if (statements.size >= 500) statements.clear();
        statement = database.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      close();
    },
  };
}

/**
 * Inserts rows inside an open `BEGIN IMMEDIATE` transaction, synchronously: limits counted and
 * overlaps checked against everything committed and everything this call wrote before.
 */
function insertRowsSync(
  database: SqliteDatabase,
  rows: readonly Contract.NewAppointmentRow[],
  options: Contract.InsertOptions,
): Contract.InsertResult {
  if (options.idempotency !== undefined) {
    const existing = readIdempotencyRecordSync(database, options.idempotency.key);
    if (existing !== null) return { kind: 'replay', record: existing };
  }
  const inserted: Appointment[] = [];
  const skipped: Array<{
    appointment: Contract.NewAppointmentRow['appointment'];
    conflictingIds: string[];
    reasons?: readonly UnavailableReason[];
  }> = [];
  for (const row of rows) {
    const { appointment, audit } = row;
    // Limits first, then overlaps (the trigger checks those at the insert). Counted inside this
    // BEGIN IMMEDIATE transaction: no other writer can book in between, and the rows this call
    // inserted already are in the count (so none is added again).
    const checks = row.limits ?? [];
    const counts = checks.length === 0 ? [] : countForLimits(database, appointment.providerId, checks, null);
    const limitReason =
      checks.length === 0
        ? null
        : exceededLimit(appointment, checks, (_check, index) => counts[index] as LimitCount, []);
    if (limitReason !== null) {
      if (options.onConflict === 'fail') throw new UnavailableError([limitReason]);
      skipped.push({ appointment, conflictingIds: [], reasons: [limitReason] });
      continue;
    }
    // With onConflict 'fail' the trigger is the check (one statement fewer); only 'skip'
    // needs to know in advance, to leave the row out and go on.
    if (options.onConflict === 'skip' && isOccupyingStatus(appointment.status)) {
      const range = occupiedRange(appointment);
      const conflictingIds = database
        .prepare(OCCUPYING_IDS_SQL)
        .all([
          appointment.providerId,
          range.start.getTime() - MAX_OCCUPIED_MS,
          range.end.getTime(),
          range.start.getTime(),
        ])
        .map((found) => (found as { id: string }).id);
      if (conflictingIds.length > 0) {
        skipped.push({ appointment, conflictingIds });
        continue;
      }
    }
    // Resources last: a room is only worth a look once the provider has the time.
    let resources = appointment.resources;
    if (row.resources !== undefined && row.resources.length > 0) {
      recordResources(database, row.resources);
      const picked = pickFor(database, appointment, row.resources);
      if ('reasons' in picked) {
        if (options.onConflict === 'fail') throw new UnavailableError(picked.reasons);
        skipped.push({ appointment, conflictingIds: [], reasons: picked.reasons });
        continue;
      }
      resources = picked.ids;
    }
    const isFirst = inserted.length === 0;
    const stored: Appointment = {
      ...appointment,
      resources,
      recurrence: (isFirst && options.seriesPattern) || appointment.recurrence,
      idempotencyKey: (isFirst && options.idempotency?.key) || appointment.idempotencyKey,
      confirmationCode: nextConfirmationCode(database, appointment.createdAt),
    };
    const columns = encodeAppointmentFields(stored, SQLITE_CODEC);
    database.prepare(INSERT_APPOINTMENT_SQL).run(APPOINTMENT_COLUMNS.map((column) => columns[column] ?? null));
    insertAuditEntrySync(database, audit);
    inserted.push(stored);
  }
  const first = inserted[0];
  if (options.idempotency !== undefined && first !== undefined) {
    database
      .prepare(
        `INSERT INTO ${TABLES.idempotencyKeys} (key, fingerprint, appointment_id, series_id, skipped, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run([
        options.idempotency.key,
        options.idempotency.fingerprint,
        first.id,
        first.seriesId,
        encodeSkipped(options, skipped),
        options.idempotency.createdAt.getTime(),
      ]);
  }
  return { kind: 'inserted', inserted, skipped };
}

/**
 * One change by compare-and-set, with its audit entry. Its period limits are counted here unless
 * `deferLimits` (a series edit counts them once every change of the edit is written).
 */
async function applyChange(
  trx: Trx,
  database: SqliteDatabase,
  change: Contract.AppointmentChange,
  deferLimits = false,
): Promise<Appointment> {
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
  // Limits first, then overlaps, as on the insert path.
  if (!deferLimits) await checkChangeLimits(trx, next, change);
  if (occupancyChanged && isOccupyingStatus(next.status)) {
    const range = occupiedRange(next);
    // The same statement findOccupying runs: one text for the hot query, however it is reached.
    const { rows: conflicts } = await trx.executeQuery<{ id: string }>(
      CompiledQuery.raw(OCCUPYING_ROWS_SQL, occupyingParameters(next.providerId, range.start, range.end, next.id)),
    );
    if (conflicts.length > 0) throw new ConflictError(conflicts.map((conflict) => conflict.id));
    // Its resources move with it: each must have room at the new time (the trigger checks too).
    const specs = next.resources.flatMap((resourceId) => readResourceSpec(database, resourceId) ?? []);
    const held = allocationsAround(database, next, specs);
    const reasons = specs.flatMap((spec) => roomFor(spec, held, next.start, next.durationMinutes) ?? []);
    if (reasons.length > 0) throw new UnavailableError(reasons);
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

/** A resource as recorded, or null. */
function readResourceSpec(database: SqliteDatabase, id: string): Contract.ResourceSpec | null {
  const [row] = database
    .prepare(
      `SELECT id, kind, capacity, buffer_before_minutes, buffer_after_minutes FROM ${TABLES.resources} WHERE id = ?`,
    )
    .all([id]) as Array<{
    id: string;
    kind: string;
    capacity: number;
    buffer_before_minutes: number;
    buffer_after_minutes: number;
  }>;
  return row === undefined
    ? null
    : {
        id: row.id,
        kind: row.kind,
        capacity: row.capacity,
        bufferBeforeMinutes: row.buffer_before_minutes,
        bufferAfterMinutes: row.buffer_after_minutes,
      };
}

/** Refuses a change whose appointment, as written, would pass one of its period limits. */
async function checkChangeLimits(trx: Trx, next: Appointment, change: Contract.AppointmentChange): Promise<void> {
  if (change.limits === undefined || change.limits.length === 0 || !isOccupyingStatus(next.status)) return;
  // Inside the BEGIN IMMEDIATE transaction, like the write; the appointment does not count itself.
  const counts = await countForLimitsAsync(trx, next.providerId, change.limits, next.id);
  const reason = exceededLimit(next, change.limits, (_check, index) => counts[index] as LimitCount, []);
  if (reason !== null) throw new UnavailableError([reason]);
}

/** The statement and parameters that count every check of one booking in one pass. */
function limitCountQuery(providerId: string, checks: readonly PeriodLimitCheck[], excludeId: string | null) {
  return {
    sql: limitCountSql(checks.length),
    parameters: [
      ...checks.flatMap((check) => {
        const period = [check.from.getTime(), check.to.getTime(), check.type, check.type];
        return [...period, ...period];
      }),
      providerId,
      Math.min(...checks.map((check) => check.from.getTime())),
      Math.max(...checks.map((check) => check.to.getTime())),
      excludeId,
    ],
  };
}

/** The counts of `limitCountSql`'s row, per check. */
function limitCountsOf(row: Record<string, unknown> | undefined, checks: number): LimitCount[] {
  return Array.from({ length: checks }, (_, index) => ({
    count: Number(row?.[`count_${index}`] ?? 0),
    minutes: Number(row?.[`minutes_${index}`] ?? 0),
  }));
}

/** Bookings and minutes counted for each period limit, on the synchronous booking path. */
function countForLimits(
  database: SqliteDatabase,
  providerId: string,
  checks: readonly PeriodLimitCheck[],
  excludeId: string | null,
): LimitCount[] {
  const query = limitCountQuery(providerId, checks, excludeId);
  const [row] = database.prepare(query.sql).all(query.parameters) as Array<Record<string, unknown>>;
  return limitCountsOf(row, checks.length);
}

/** The same counts in a kysely transaction. */
async function countForLimitsAsync(
  trx: Trx,
  providerId: string,
  checks: readonly PeriodLimitCheck[],
  excludeId: string,
): Promise<LimitCount[]> {
  const query = limitCountQuery(providerId, checks, excludeId);
  const { rows } = await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(query.sql, query.parameters));
  return limitCountsOf(rows[0], checks.length);
}

async function insertAuditEntries(trx: Trx, entries: readonly Contract.NewAuditEntry[]): Promise<void> {
  await trx
    .insertInto('appointment_audit_log')
    .values(
      entries.map((entry) => ({
        id: entry.id,
        appointment_id: entry.appointmentId,
        action: entry.action,
        actor_id: entry.actorId,
        at: entry.at.getTime(),
        version: entry.version,
        changes: JSON.stringify(entry.changes),
        override: entry.override == null ? null : JSON.stringify(entry.override),
      })),
    )
    .execute();
}

/** The next `APT-YYYY-NNNN` for the booking year; the counter row is safe because writes are serialised. */
function nextConfirmationCode(database: SqliteDatabase, bookedAt: Date): string {
  const year = bookedAt.getUTCFullYear();
  // One number for all years, never restarting: the same rule as the PostgreSQL sequence.
  const [row] = database.prepare(NEXT_CONFIRMATION_SQL).all([CONFIRMATION_COUNTER]) as Array<{ value: number }>;
  return `APT-${year}-${String(row?.value).padStart(4, '0')}`;
}

function insertAuditEntrySync(database: SqliteDatabase, entry: Contract.NewAuditEntry): void {
  database
    .prepare(INSERT_AUDIT_SQL)
    .run([
      entry.id,
      entry.appointmentId,
      entry.action,
      entry.actorId,
      entry.at.getTime(),
      entry.version,
      JSON.stringify(entry.changes),
      entry.override == null ? null : JSON.stringify(entry.override),
    ]);
}

function readIdempotencyRecordSync(database: SqliteDatabase, key: string): Contract.IdempotencyRecord | null {
  const [row] = database.prepare(`SELECT * FROM ${TABLES.idempotencyKeys} WHERE key = ?`).all([key]) as Array<
    SqliteSchema['appointment_idempotency_keys']
  >;
  return row === undefined ? null : decodeIdempotencyRecord(row, SQLITE_CODEC);
}

async function readIdempotencyRecord(db: Db | Trx, key: string): Promise<Contract.IdempotencyRecord | null> {
  const row = await db.selectFrom('appointment_idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
  return row === undefined ? null : decodeIdempotencyRecord(row, SQLITE_CODEC);
}

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isBusy(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_BUSY') ?? false;
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
  if (isTriggerAbort(error, 'appointment_overlap') || isTriggerAbort(error, 'resource_capacity')) {
    return new ConflictError([], { cause: error });
  }
  if (isBusy(error)) return new BusyError(undefined, { cause: error });
  if (sqliteCode(error) === 'SQLITE_FULL') return new StorageFullError({ cause: error });
  return new SchedulingError('The appointment store failed', 'INTERNAL_ERROR', 500, { cause: error });
}
