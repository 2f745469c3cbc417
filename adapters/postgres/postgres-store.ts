import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool, type RawBuilder, sql, type Transaction } from 'kysely';
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
  ValidationError,
} from '../../src/errors.js';
import { occupiedRange, rangesOverlap } from '../../src/overlap.js';
import { pickResources, roomFor } from '../../src/resources.js';
import type { CountedBooking, PeriodLimitCheck, UnavailableReason } from '../../src/slots.js';
import { isOccupyingStatus, NON_OCCUPYING_STATUSES, UPCOMING_STATUSES } from '../../src/status.js';
import type * as Contract from '../../src/store.js';
import { decodeAppointment, decodeAuditEntry, encodeAppointmentFields, REMINDER_COLUMNS } from '../common/columns.js';
import { decodeIdempotencyRecord, encodeSkipped } from '../common/idempotency.js';
import { exceededLimit, type LimitCount } from '../common/limits.js';
import { migrateToLatest } from '../common/migrate.js';
import * as sharedQueries from '../common/queries.js';
import { capacityFitsSql, createPostgresMigrator } from './migrations.js';
import { checkSchemaName, POSTGRES_CODEC, type PostgresSchema, SQLSTATE } from './schema.js';

/** Where the store connects: a host's existing `pg.Pool` (never ended by the store), or a URL. */
export type PostgresConnection = { readonly pool: PostgresPool } | { readonly connectionString: string };

/**
 * Options of {@link createPostgresStore}: where it connects (a host's pool, or a URL) and how it
 * behaves, in one object, like `createSqliteStore`'s.
 */
export type PostgresStoreOptions = PostgresConnection & {
  /** Schema holding every table, sequence and function; default `appointment_kit`. */
  readonly schema?: string;
  /** How often a transaction that failed with a serialization failure or deadlock is retried; default 3. */
  readonly maxRetries?: number;
  /** Called before each such retry with the SQLSTATE (`40001` or `40P01`): a hook for metrics. */
  readonly onRetry?: (sqlState: string) => void;
};

/** The PostgreSQL {@link Contract.AppointmentStore}. */
export interface PostgresStore extends Contract.AppointmentStore {
  readonly dialect: 'postgres';
  /** The schema this store uses. */
  readonly schema: string;
}

type Db = Kysely<PostgresSchema>;
type Trx = Transaction<PostgresSchema>;
type Executor = Db | Trx;

/**
 * Creates a PostgreSQL store on node-postgres (an optional peer dependency). The database
 * refuses double bookings itself with a `btree_gist` exclusion constraint over each provider's
 * occupied ranges; a per-provider advisory lock makes contending bookings queue instead of
 * deadlocking inside that check. A single booking is one statement (one round trip).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createPostgresStore } from 'appointment-kit/postgres';
 * const store = createPostgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }), schema: 'scheduling' });
 * await store.migrate();
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const connection: PostgresConnection = options;
  const schema = checkSchemaName(options.schema ?? 'appointment_kit');
  let opened: Promise<PostgresPool> | undefined;
  const pool = (): Promise<PostgresPool> => {
    opened ??=
      'pool' in connection
        ? // The host's pool stays the host's: closing the store must not end it.
          Promise.resolve({ connect: () => connection.pool.connect().then(quietClient), end: async () => undefined })
        : loadPg().then((pg) => {
            const created = new pg.Pool({ connectionString: connection.connectionString });
            // An idle connection dropped by the server must not crash the host process.
            created.on('error', () => undefined);
            // Ended by kysely, if it ever used the pool, and by the store's close: once.
            let ended: Promise<void> | undefined;
            return { connect: () => created.connect().then(quietClient), end: () => (ended ??= created.end()) };
          });
    return opened;
  };
  const endPool = async (): Promise<void> => {
    const opening = opened;
    if (opening === undefined) return;
    const held = await opening.catch(() => undefined);
    await held?.end();
  };
  return new PostgresAppointmentStore(
    new Kysely<PostgresSchema>({ dialect: new PostgresDialect({ pool }) }),
    pool,
    endPool,
    schema,
    options.maxRetries ?? 3,
    options.onRetry ?? (() => undefined),
  );
}

/** A pooled node-postgres client, as far as named (server-side prepared) statements need it. */
interface PreparingClient {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
  release(destroy?: boolean | Error): void;
}

class PostgresAppointmentStore implements PostgresStore {
  readonly dialect = 'postgres' as const;
  readonly schema: string;
  /** Queries on the store's schema. */
  readonly #db: Db;
  /** The connection itself, for raw SQL that names its schema explicitly. */
  readonly #rootDb: Db;
  readonly #pool: () => Promise<PostgresPool>;
  readonly #endPool: () => Promise<void>;
  readonly #maxRetries: number;
  readonly #onRetry: (sqlState: string) => void;
  /** Names of server-side prepared statements, by SQL text. */
  readonly #statementNames = new Map<string, string>();
  /**
   * Set once the server was found to run our statements above READ COMMITTED: limited bookings
   * then go through a transaction that sets the level itself.
   */
  #limitsNeedTransaction = false;

  constructor(
    db: Db,
    pool: () => Promise<PostgresPool>,
    endPool: () => Promise<void>,
    schema: string,
    maxRetries: number,
    onRetry: (sqlState: string) => void,
  ) {
    this.#pool = pool;
    this.#endPool = endPool;
    this.#db = db.withSchema(schema);
    this.#rootDb = db;
    this.schema = schema;
    this.#maxRetries = maxRetries;
    this.#onRetry = onRetry;
  }

  migrate(): Promise<void> {
    return migrateToLatest(
      createPostgresMigrator(this.#rootDb as Kysely<unknown>, this.schema),
      'PostgreSQL',
      (error) => isTransient(sqlState(error)),
      setupErrorOf,
    );
  }

  async close(): Promise<void> {
    await this.#rootDb.destroy();
    // kysely ends the pool only if it ever used it; the prepared statements borrow it directly,
    // and a process that only booked would otherwise keep its idle connections open.
    await this.#endPool();
  }

  async insertAppointments(
    rows: readonly Contract.NewAppointmentRow[],
    options: Contract.InsertOptions,
  ): Promise<Contract.InsertResult> {
    const [only] = rows;
    if (
      rows.length === 1 &&
      only !== undefined &&
      options.onConflict === 'fail' &&
      options.idempotency === undefined &&
      isOccupyingStatus(only.appointment.status) &&
      (only.resources === undefined || only.resources.length === 0)
    ) {
      if (only.limits === undefined || only.limits.length === 0) return this.#insertOne(only, options);
      if (!this.#limitsNeedTransaction) {
        const result = await this.#insertOneLimited(only, only.limits, options);
        if (result !== null) return result;
      }
    }
    return this.#insertMany(rows, options);
  }

  /**
   * One unkeyed booking in one statement: take the provider's lock, insert the appointment with
   * its confirmation number and its audit row. The exclusion constraint is the check; when it
   * fires, the blocking ids are looked up afterwards.
   */
  async #insertOne(row: Contract.NewAppointmentRow, options: Contract.InsertOptions): Promise<Contract.InsertResult> {
    const stored = { ...row.appointment, ...firstRowExtras(row.appointment, options) };
    const columns = withOccupiedRange(encodeAppointmentFields(stored, POSTGRES_CODEC), stored);
    const names = Object.keys(columns);
    const table = this.#table('appointments');
    const query = sql<{ confirmation_code: string }>`
      WITH locked AS (SELECT pg_advisory_xact_lock(${this.#lockKey(stored.providerId)}) AS held),
      inserted AS (
        INSERT INTO ${table} (${sql.join(names.map((name) => sql.id(name)))}, confirmation_code)
        VALUES (${sql.join(names.map((name) => sql`${columns[name]}`))}, (SELECT ${this.#confirmationCode(stored.createdAt)} FROM locked))
        RETURNING id, confirmation_code
      ),
      audited AS (${this.#auditInsert([row.audit], sql`inserted`)})
      SELECT confirmation_code FROM inserted`;
    try {
      const compiled = query.compile(this.#rootDb);
      const rows = await this.#retrying(() => this.#prepared(compiled.sql, compiled.parameters));
      const confirmationCode = (rows[0] as { confirmation_code: string } | undefined)?.confirmation_code as string;
      return { kind: 'inserted', inserted: [{ ...stored, confirmationCode }], skipped: [] };
    } catch (error) {
      if (sqlState(error) === SQLSTATE.exclusionViolation) {
        const range = occupiedRange(stored);
        throw new ConflictError(await this.#conflictingIds(this.#db, stored.providerId, range.start, range.end), {
          cause: error,
        });
      }
      throw toSchedulingError(error);
    }
  }

  /**
   * One unkeyed booking under period limits, in one statement. `appointment_limit_counts` takes
   * the provider's lock and only then counts, each of its queries on a snapshot of its own
   * taken after the lock was granted; the statement's own snapshot is older and must not be
   * what is counted. The row goes in only if every limit has room, so a refusal for a limit
   * wins over an overlap, as in {@link #insertMany}; a refusal brings back the counts that name
   * the limit. Null when the connection runs above READ COMMITTED, where the counts could
   * predate the lock: the caller then books in a transaction of its own.
   */
  async #insertOneLimited(
    row: Contract.NewAppointmentRow,
    limits: readonly PeriodLimitCheck[],
    options: Contract.InsertOptions,
  ): Promise<Contract.InsertResult | null> {
    const stored = { ...row.appointment, ...firstRowExtras(row.appointment, options) };
    const columns = withOccupiedRange(encodeAppointmentFields(stored, POSTGRES_CODEC), stored);
    const names = Object.keys(columns);
    const { argument, windowOf } = limitArgument(limits, stored.durationMinutes);
    // The windows travel as one jsonb parameter: the text, and so the prepared statement, stays
    // the same whatever the limits.
    const query = sql<{ counts: unknown; confirmation_code: string | null }>`
      WITH counted AS MATERIALIZED (
        SELECT ${this.#table('appointment_limit_counts')}(${this.#lockKey(stored.providerId)}, ${stored.providerId}::text, ${JSON.stringify(argument)}::jsonb) AS counts
      ),
      inserted AS (
        INSERT INTO ${this.#table('appointments')} (${sql.join(names.map((name) => sql.id(name)))}, confirmation_code)
        SELECT ${sql.join(names.map((name) => sql`${columns[name]}`))}, ${this.#confirmationCode(stored.createdAt)}
        FROM counted WHERE counted.counts IS NULL
        RETURNING id, confirmation_code
      ),
      audited AS (${this.#auditInsert([row.audit], sql`inserted`)})
      SELECT counted.counts, (SELECT confirmation_code FROM inserted) AS confirmation_code FROM counted`;
    let result: { counts: unknown; confirmation_code: string | null } | undefined;
    try {
      const compiled = query.compile(this.#rootDb);
      const rows = await this.#retrying(() => this.#prepared(compiled.sql, compiled.parameters));
      result = rows[0] as typeof result;
    } catch (error) {
      const state = sqlState(error);
      if (state === SQLSTATE.limitCountsNeedReadCommitted) {
        // The server's or role's default isolation: it holds for every connection of the pool.
        this.#limitsNeedTransaction = true;
        return null;
      }
      if (state === SQLSTATE.exclusionViolation) {
        const range = occupiedRange(stored);
        throw new ConflictError(await this.#conflictingIds(this.#db, stored.providerId, range.start, range.end), {
          cause: error,
        });
      }
      throw toSchedulingError(error);
    }
    if (typeof result?.confirmation_code === 'string') {
      return { kind: 'inserted', inserted: [{ ...stored, confirmationCode: result.confirmation_code }], skipped: [] };
    }
    const counts = decodeLimitCounts(result?.counts, argument.windows.length);
    const reason = exceededLimit(
      stored,
      limits,
      (_check, index) => counts[windowOf[index] as number] as LimitCount,
      [],
    );
    if (reason === null) {
      throw new SchedulingError('The appointment store refused a booking within its limits', 'INTERNAL_ERROR', 500);
    }
    throw new UnavailableError([reason]);
  }

  /**
   * Keyed bookings and series, in one transaction. A keyed request first takes its key's lock
   * and looks the key up, before any provider lock or overlap check: concurrent retries of one
   * request queue on the key, and every one after the first replays its result instead of
   * meeting the first one's appointment as a conflict. Then each provider is locked, every clash
   * found with one query, the rows that go in decided in memory and inserted in bulk.
   */
  async #insertMany(
    rows: readonly Contract.NewAppointmentRow[],
    options: Contract.InsertOptions,
  ): Promise<Contract.InsertResult> {
    try {
      return await this.#transaction(async (trx) => {
        if (options.idempotency !== undefined) {
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`${this.schema}:idempotency`}::text), hashtext(${options.idempotency.key}::text))`.execute(
            trx,
          );
          const existing = await readIdempotencyRecord(trx, options.idempotency.key);
          if (existing !== null) return { kind: 'replay', record: existing };
        }
        return this.#insertRowsIn(trx, rows, options);
      });
    } catch (error) {
      // Only a writer that bypassed the key lock (another library version, hand-written SQL) can
      // get here with the key recorded: the first result still stands.
      if (
        options.idempotency !== undefined &&
        (error instanceof ConflictError || sqlState(error) === SQLSTATE.uniqueViolation)
      ) {
        const record = await this.getIdempotencyRecord(options.idempotency.key);
        if (record !== null) return { kind: 'replay', record };
      }
      throw toSchedulingError(error);
    }
  }

  /**
   * Inserts rows in an open transaction: each provider locked, every clash found with one query,
   * the rows that go in decided in memory and inserted in bulk, the key recorded with them.
   */
  async #insertRowsIn(
    trx: Trx,
    rows: readonly Contract.NewAppointmentRow[],
    options: Contract.InsertOptions,
  ): Promise<Extract<Contract.InsertResult, { kind: 'inserted' }>> {
    await this.#lockProviders(
      trx,
      rows.map((row) => row.appointment.providerId),
    );
    const clashes = await this.#existingClashes(
      trx,
      rows.map((row) => row.appointment),
    );
    // Counted after the provider locks, in a statement of its own: at READ COMMITTED it sees
    // every booking committed before the lock was ours.
    const limitCounts = await this.#limitCounts(trx, rows);
    // Rows that hold resources are written one by one, each picking its resources against what
    // the earlier ones took; the rest in one statement.
    const requests = rows.flatMap((row) => row.resources ?? []);
    if (requests.length > 0) await this.#recordResources(trx, requests);
    const oneByOne = requests.length > 0;
    const accepted: Array<Contract.NewAppointmentRow['appointment']> = [];
    const acceptedAudits: Contract.NewAuditEntry[] = [];
    const inserted: Appointment[] = [];
    const skipped: Array<{
      appointment: Contract.NewAppointmentRow['appointment'];
      conflictingIds: string[];
      reasons?: readonly UnavailableReason[];
    }> = [];
    for (const [index, row] of rows.entries()) {
      const { appointment, audit, limits } = row;
      const range = occupiedRange(appointment);
      const conflictingIds = isOccupyingStatus(appointment.status)
        ? [
            ...(clashes.get(index) ?? []),
            ...accepted
              .filter((other) => other.providerId === appointment.providerId && isOccupyingStatus(other.status))
              .filter((other) => rangesOverlap(range, occupiedRange(other)))
              .map((other) => other.id),
          ]
        : [];
      // Limits first, then overlaps, then resources: the order the SQLite store checks them in.
      const limitReason =
        limits === undefined || limits.length === 0
          ? null
          : exceededLimit(
              appointment,
              limits,
              (_check, checkIndex) => limitCounts.get(`${index}:${checkIndex}`) ?? { count: 0, minutes: 0 },
              accepted,
            );
      if (limitReason !== null) {
        if (options.onConflict === 'fail') throw new UnavailableError([limitReason]);
        skipped.push({ appointment, conflictingIds: [], reasons: [limitReason] });
        continue;
      }
      if (conflictingIds.length > 0) {
        if (options.onConflict === 'fail') throw new ConflictError(conflictingIds);
        skipped.push({ appointment, conflictingIds });
        continue;
      }
      let resources = appointment.resources;
      if (row.resources !== undefined && row.resources.length > 0) {
        const picked = await this.#pickResources(trx, appointment, row.resources);
        if ('reasons' in picked) {
          if (options.onConflict === 'fail') throw new UnavailableError(picked.reasons);
          skipped.push({ appointment, conflictingIds: [], reasons: picked.reasons });
          continue;
        }
        resources = picked.ids;
      }
      const next = {
        ...appointment,
        resources,
        ...(accepted.length === 0 && firstRowExtras(appointment, options)),
      };
      accepted.push(next);
      acceptedAudits.push(audit);
      if (oneByOne) {
        inserted.push(...(await this.#bulkInsert(trx, [next])));
        await sql`${this.#auditInsert([audit])}`.execute(trx);
      }
    }
    if (accepted.length === 0) return { kind: 'inserted', inserted: [], skipped };
    if (!oneByOne) {
      inserted.push(...(await this.#bulkInsert(trx, accepted)));
      await sql`${this.#auditInsert(acceptedAudits)}`.execute(trx);
    }
    const first = inserted[0] as Appointment;
    if (options.idempotency !== undefined) {
      await trx
        .insertInto('appointment_idempotency_keys')
        .values({
          key: options.idempotency.key,
          fingerprint: options.idempotency.fingerprint,
          appointment_id: first.id,
          series_id: first.seriesId,
          skipped: encodeSkipped(options, skipped),
          created_at: options.idempotency.createdAt,
        })
        .execute();
    }
    return { kind: 'inserted', inserted, skipped };
  }

  /**
   * Records the resources' profiles as the directory gave them, after taking their locks in the
   * order of their ids (the order every writer takes them in, so none can deadlock).
   */
  async #recordResources(trx: Trx, requests: readonly Contract.ResourceRequest[]): Promise<void> {
    const specs = new Map(requests.flatMap((request) => request.candidates).map((spec) => [spec.id, spec]));
    await this.#lockResources(trx, [...specs.keys()]);
    const resources = this.#table('appointment_resources');
    for (const spec of specs.values()) {
      // A lower capacity is recorded only once the allocations fit it: until then the database
      // keeps the higher one as its guard (the store's own checks already count with the lower).
      await sql`INSERT INTO ${resources} AS r (id, kind, capacity, buffer_before_minutes, buffer_after_minutes)
        VALUES (${spec.id}, ${spec.kind}, ${spec.capacity}, ${spec.bufferBeforeMinutes}, ${spec.bufferAfterMinutes})
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, buffer_before_minutes = excluded.buffer_before_minutes,
          buffer_after_minutes = excluded.buffer_after_minutes,
          capacity = CASE WHEN excluded.capacity >= r.capacity OR ${sql.raw(capacityFitsSql(`"${this.schema}"`, 'r.id', 'excluded.capacity'))}
            THEN excluded.capacity ELSE r.capacity END
        WHERE (r.kind, r.capacity, r.buffer_before_minutes, r.buffer_after_minutes)
          IS DISTINCT FROM (excluded.kind, excluded.capacity, excluded.buffer_before_minutes, excluded.buffer_after_minutes)`.execute(
        trx,
      );
    }
  }

  async #lockResources(trx: Trx, ids: readonly string[]): Promise<void> {
    for (const id of [...new Set(ids)].sort()) {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${this.schema}:resource:${id}`}::text, 0))`.execute(
        trx,
      );
    }
  }

  /** For each request, a candidate with room at the appointment's time (under the resources' locks), or why none has. */
  async #pickResources(
    trx: Trx,
    appointment: Contract.NewAppointmentRow['appointment'],
    requests: readonly Contract.ResourceRequest[],
  ): Promise<{ readonly ids: string[] } | { readonly reasons: UnavailableReason[] }> {
    const held = await this.#allocationsAround(
      trx,
      appointment,
      requests.flatMap((request) => request.candidates),
    );
    return pickResources(appointment, requests, (spec) =>
      roomFor(spec, held, appointment.start, appointment.durationMinutes),
    );
  }

  /** The active allocations of `specs` around an appointment's time (the widest buffer), but its own. */
  async #allocationsAround(
    trx: Trx,
    appointment: Pick<Appointment, 'id' | 'start' | 'end'>,
    specs: readonly Contract.ResourceSpec[],
  ): Promise<Contract.ResourceAllocation[]> {
    if (specs.length === 0) return [];
    const widest = Math.max(...specs.map((spec) => Math.max(spec.bufferBeforeMinutes, spec.bufferAfterMinutes)));
    const from = new Date(appointment.start.getTime() - widest * 60_000);
    const to = new Date(appointment.end.getTime() + widest * 60_000);
    return this.#readAllocations(trx, [...new Set(specs.map((spec) => spec.id))], from, to, appointment.id);
  }

  /** The active allocations of resources meeting `[from, to)`, but those of `excludeId`. */
  async #readAllocations(
    db: Executor,
    resourceIds: readonly string[],
    from: Date,
    to: Date,
    excludeId: string | null,
  ): Promise<Contract.ResourceAllocation[]> {
    const { rows } = await sql<{
      resource_id: string;
      appointment_id: string;
      occupied_start: Date;
      occupied_end: Date;
    }>`
      SELECT resource_id, appointment_id, occupied_start, occupied_end FROM ${this.#table('appointment_allocations')}
      WHERE active AND appointment_id IS DISTINCT FROM ${excludeId}::text AND resource_id = ANY(${[...resourceIds]}::text[])
        AND tstzrange(occupied_start, occupied_end, '[)') && tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)')
      ORDER BY occupied_start, appointment_id`.execute(db);
    return rows.map((row) => ({
      resourceId: row.resource_id,
      appointmentId: row.appointment_id,
      start: row.occupied_start,
      end: row.occupied_end,
    }));
  }

  /** The resources of appointments as recorded. */
  async #resourceSpecs(trx: Trx, ids: readonly string[]): Promise<Map<string, Contract.ResourceSpec>> {
    if (ids.length === 0) return new Map();
    const rows = await trx
      .selectFrom('appointment_resources')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return new Map(
      rows.map((row) => [
        row.id,
        {
          id: row.id,
          kind: row.kind,
          capacity: row.capacity,
          bufferBeforeMinutes: row.buffer_before_minutes,
          bufferAfterMinutes: row.buffer_after_minutes,
        },
      ]),
    );
  }

  async #bulkInsert(
    trx: Trx,
    appointments: ReadonlyArray<Contract.NewAppointmentRow['appointment']>,
  ): Promise<Appointment[]> {
    const encoded = appointments.map((appointment) =>
      withOccupiedRange(encodeAppointmentFields(appointment, POSTGRES_CODEC), appointment),
    );
    const names = Object.keys(encoded[0] ?? {});
    const result = await sql<{ id: string; confirmation_code: string }>`
      INSERT INTO ${this.#table('appointments')} (${sql.join(names.map((name) => sql.id(name)))}, confirmation_code)
      VALUES ${sql.join(
        encoded.map(
          (columns, index) =>
            sql`(${sql.join(names.map((name) => sql`${columns[name]}`))}, ${this.#confirmationCode((appointments[index] as Appointment).createdAt)})`,
        ),
      )}
      RETURNING id, confirmation_code`.execute(trx);
    const codes = new Map(result.rows.map((row) => [row.id, row.confirmation_code]));
    return appointments.map((appointment) => ({
      ...appointment,
      confirmationCode: codes.get(appointment.id) as string,
    }));
  }

  /**
   * For every row's every limit check (`row:check`), the bookings and minutes the database
   * holds in the check's period: one query for the whole call.
   */
  async #limitCounts(
    trx: Trx,
    rows: readonly Contract.NewAppointmentRow[],
    excludeId?: string,
  ): Promise<Map<string, LimitCount>> {
    const checks = rows.flatMap((row, rowIndex) =>
      (row.limits ?? []).map((check, checkIndex) => ({
        key: `${rowIndex}:${checkIndex}`,
        providerId: row.appointment.providerId,
        check,
      })),
    );
    const counts = new Map<string, LimitCount>();
    if (checks.length === 0) return counts;
    const result = await sql<{ key: string; count: string | number; minutes: string | number }>`
      SELECT wanted.key, count(existing.id) AS count, coalesce(sum(existing.duration_minutes), 0) AS minutes
      FROM unnest(
        ${checks.map((item) => item.key)}::text[],
        ${checks.map((item) => item.providerId)}::text[],
        ${checks.map((item) => item.check.from.toISOString())}::timestamptz[],
        ${checks.map((item) => item.check.to.toISOString())}::timestamptz[],
        ${checks.map((item) => item.check.type)}::text[]
      ) AS wanted(key, provider_id, from_at, to_at, type)
      LEFT JOIN ${this.#table('appointments')} AS existing
        ON existing.provider_id = wanted.provider_id
       AND existing.status NOT IN (${sql.join(NON_OCCUPYING_STATUSES)})
       AND existing.start >= wanted.from_at AND existing.start < wanted.to_at
       AND (wanted.type IS NULL OR existing.type = wanted.type)
       AND existing.id IS DISTINCT FROM ${excludeId ?? null}::text
      GROUP BY wanted.key`.execute(trx);
    for (const row of result.rows) counts.set(row.key, { count: Number(row.count), minutes: Number(row.minutes) });
    return counts;
  }

  /** For each row index, the ids of stored occupying appointments its occupied range meets: one query. */
  async #existingClashes(
    trx: Trx,
    appointments: ReadonlyArray<Contract.NewAppointmentRow['appointment']>,
  ): Promise<Map<number, string[]>> {
    const candidates = appointments
      .map((appointment, index) => ({ appointment, index }))
      .filter(({ appointment }) => isOccupyingStatus(appointment.status));
    const clashes = new Map<number, string[]>();
    if (candidates.length === 0) return clashes;
    const ranges = candidates.map(({ appointment }) => occupiedRange(appointment));
    const result = await sql<{ index: number; id: string }>`
      SELECT wanted.index, existing.id
      FROM unnest(
        ${candidates.map(({ index }) => index)}::int[],
        ${candidates.map(({ appointment }) => appointment.providerId)}::text[],
        ${ranges.map((range) => range.start.toISOString())}::timestamptz[],
        ${ranges.map((range) => range.end.toISOString())}::timestamptz[]
      ) AS wanted(index, provider_id, occupied_start, occupied_end)
      JOIN ${this.#table('appointments')} AS existing
        ON existing.provider_id = wanted.provider_id
       AND existing.status NOT IN (${sql.join(NON_OCCUPYING_STATUSES)})
       AND tstzrange(existing.occupied_start, existing.occupied_end, '[)') && tstzrange(wanted.occupied_start, wanted.occupied_end, '[)')
      ORDER BY wanted.index, existing.start, existing.id`.execute(trx);
    for (const { index, id } of result.rows) clashes.set(index, [...(clashes.get(index) ?? []), id]);
    return clashes;
  }

  async applyChanges(changes: readonly Contract.AppointmentChange[]): Promise<Appointment[]> {
    // The change being written when the database refused, to name the refusal precisely.
    let failing: FailingChange | undefined;
    try {
      return await this.#transaction(async (trx) => {
        failing = undefined;
        return this.#applyChangesIn(trx, changes, (change) => {
          failing = change;
        });
      });
    } catch (error) {
      throw await this.#changeFailure(error, failing);
    }
  }

  async editSeries(edit: Contract.SeriesEdit): Promise<Contract.SeriesEditResult> {
    let failing: FailingChange | undefined;
    try {
      return await this.#transaction(async (trx) => {
        failing = undefined;
        const changed = await this.#applyChangesIn(
          trx,
          edit.changes,
          (change) => {
            failing = change;
          },
          true,
        );
        const { inserted } = await this.#insertRowsIn(trx, edit.rows, { onConflict: 'fail' });
        // Limits are counted on the edit as a whole: each move counted against every other one
        // where it ends, not where it is half-way through the edit.
        for (const [index, change] of edit.changes.entries()) {
          await this.#checkChangeLimits(trx, changed[index] as Appointment, change);
        }
        return { changed, inserted };
      });
    } catch (error) {
      throw await this.#changeFailure(error, failing);
    }
  }

  /**
   * Changes by compare-and-set in an open transaction, with their audit entries. `onWrite` learns
   * which change is being written (undefined once all are), to name a refusal precisely.
   */
  async #applyChangesIn(
    trx: Trx,
    changes: readonly Contract.AppointmentChange[],
    onWrite: (change: FailingChange | undefined) => void,
    deferLimits = false,
  ): Promise<Appointment[]> {
    const ids = changes.map((change) => change.id);
    const rows = await trx.selectFrom('appointments').selectAll().where('id', 'in', ids).forUpdate().execute();
    const current = new Map(rows.map((row) => [row.id, decodeAppointment(row, POSTGRES_CODEC)]));
    // Only a change that claims time takes its provider's lock; cancelling frees time.
    const claimingTime = changes.filter((change) => {
      const before = current.get(change.id);
      return (
        before !== undefined &&
        isOccupyingStatus(change.set.status ?? before.status) &&
        (occupancyTouched(change) || (change.limits?.length ?? 0) > 0)
      );
    });
    await this.#lockProviders(
      trx,
      claimingTime.map((change) => (current.get(change.id) as Appointment).providerId),
    );
    // Their resources move with them: locked in order (the allocation triggers lock them too, in
    // no set order), then each checked for room at the new time before the write.
    const moving = changes.filter((change) => occupancyTouched(change));
    const resourceIds = moving.flatMap((change) => current.get(change.id)?.resources ?? []);
    await this.#lockResources(trx, resourceIds);
    const specs = await this.#resourceSpecs(trx, resourceIds);
    const updated: Appointment[] = [];
    for (const change of changes) {
      const before = current.get(change.id);
      if (before === undefined) throw new NotFoundError('Appointment', change.id);
      if (before.version !== change.expectedVersion)
        throw new StaleVersionError(change.expectedVersion, before.version);
      const stamp = {
        version: before.version + 1,
        updatedAt: change.audit.at,
        updatedBy: change.audit.actorId ?? 'system',
      };
      const next: Appointment = { ...before, ...change.set, ...stamp };
      if (!deferLimits) await this.#checkChangeLimits(trx, next, change);
      if (occupancyTouched(change) && isOccupyingStatus(next.status)) {
        const held = next.resources.flatMap((resourceId) => specs.get(resourceId) ?? []);
        const around = await this.#allocationsAround(trx, next, held);
        const reasons = held.flatMap((spec) => roomFor(spec, around, next.start, next.durationMinutes) ?? []);
        if (reasons.length > 0) throw new UnavailableError(reasons);
      }
      onWrite({ change, before, next });
      await trx
        .updateTable('appointments')
        .set(
          occupancyTouched(change)
            ? withOccupiedRange(encodeAppointmentFields({ ...change.set, ...stamp }, POSTGRES_CODEC), next)
            : encodeAppointmentFields({ ...change.set, ...stamp }, POSTGRES_CODEC),
        )
        .where('id', '=', change.id)
        .where('version', '=', change.expectedVersion)
        .execute();
      current.set(change.id, next);
      updated.push(next);
    }
    onWrite(undefined);
    await sql`${this.#auditInsert(changes.map((change) => change.audit))}`.execute(trx);
    return updated;
  }

  /** Refuses a change whose appointment, as written, would pass one of its period limits. */
  async #checkChangeLimits(trx: Trx, next: Appointment, change: Contract.AppointmentChange): Promise<void> {
    if (change.limits === undefined || change.limits.length === 0 || !isOccupyingStatus(next.status)) return;
    const counts = await this.#limitCounts(
      trx,
      [{ appointment: next, audit: change.audit, limits: change.limits }],
      next.id,
    );
    const reason = exceededLimit(
      next,
      change.limits,
      (_check, index) => counts.get(`0:${index}`) ?? { count: 0, minutes: 0 },
      [],
    );
    if (reason !== null) throw new UnavailableError([reason]);
  }

  /** The typed error for a refused change: its transition or the appointments in its way. */
  async #changeFailure(error: unknown, failing: FailingChange | undefined): Promise<SchedulingError> {
    const state = sqlState(error);
    if (failing !== undefined && state === SQLSTATE.invalidTransition) {
      return new InvalidTransitionError(failing.before.status, failing.next.status, undefined, { cause: error });
    }
    if (failing !== undefined && state === SQLSTATE.exclusionViolation) {
      const range = occupiedRange(failing.next);
      const ids = await this.#conflictingIds(
        this.#db,
        failing.next.providerId,
        range.start,
        range.end,
        failing.next.id,
      );
      return new ConflictError(ids, { cause: error });
    }
    return toSchedulingError(error);
  }

  async claimReminder(id: string, channel: ReminderChannel, claim: Contract.ReminderClaim): Promise<boolean> {
    const column = REMINDER_COLUMNS[channel];
    const { at, actorId, auditId, changes } = claim;
    // One statement: the conditional update takes the row lock, so a racing claimer re-checks
    // the column after the winner commits and updates nothing. `updated_at` never runs
    // backwards, whatever this caller's clock says; the audit entry takes the claimed version.
    const query = sql<{ appointment_id: string }>`
      WITH claimed AS (
        UPDATE ${this.#table('appointments')}
           SET ${sql.id(column)} = ${at}::timestamptz, version = version + 1,
               updated_at = greatest(updated_at, ${at}::timestamptz), updated_by = ${actorId}::text
         WHERE id = ${id}::text AND ${sql.id(column)} IS NULL AND status IN (${sql.join(UPCOMING_STATUSES)})
        RETURNING id, version, updated_at
      )
      INSERT INTO ${this.#table('appointment_audit_log')} (id, appointment_id, action, actor_id, at, version, changes)
      SELECT ${auditId}::text, id, 'reminder_sent', ${actorId}::text, updated_at, version, ${JSON.stringify(changes)}::jsonb
      FROM claimed
      RETURNING appointment_id`;
    try {
      const result = await this.#retrying(() => query.execute(this.#rootDb));
      return result.rows.length === 1;
    } catch (error) {
      throw toSchedulingError(error);
    }
  }

  async appendAudit(entries: readonly Contract.NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#run(() => sql`${this.#auditInsert(entries)}`.execute(this.#rootDb));
  }

  getAppointment(id: string): Promise<Appointment | null> {
    return this.#run(async () => {
      const row = await this.#db.selectFrom('appointments').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : decodeAppointment(row, POSTGRES_CODEC);
    });
  }

  getIdempotencyRecord(key: string): Promise<Contract.IdempotencyRecord | null> {
    return this.#run(() => readIdempotencyRecord(this.#db, key));
  }

  listAppointments(
    filter: Contract.AppointmentFilter,
    page?: Contract.PageRequest,
  ): Promise<{ items: Appointment[]; total: number }> {
    return this.#run(() => sharedQueries.listAppointments(this.#readContext, filter, page));
  }

  findOccupying(providerId: string, from: Date, to: Date): Promise<Appointment[]> {
    return this.#run(async () => {
      const rows = await this.#occupying(this.#db, providerId, from, to).selectAll().execute();
      return rows.map((row) => decodeAppointment(row, POSTGRES_CODEC));
    });
  }

  findCountedBookings(providerId: string, from: Date, to: Date): Promise<CountedBooking[]> {
    return this.#run(async () => {
      const rows = await this.#db
        .selectFrom('appointments')
        .select(['id', 'start', 'type', 'duration_minutes'])
        .where('provider_id', '=', providerId)
        .where('status', 'not in', NON_OCCUPYING_STATUSES)
        .where('start', '>=', from)
        .where('start', '<', to)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        start: POSTGRES_CODEC.decodeInstant(row.start),
        type: row.type,
        durationMinutes: row.duration_minutes,
      }));
    });
  }

  findAllocations(resourceIds: readonly string[], from: Date, to: Date): Promise<Contract.ResourceAllocation[]> {
    if (resourceIds.length === 0) return Promise.resolve([]);
    return this.#run(() => this.#readAllocations(this.#rootDb, resourceIds, from, to, null));
  }

  statistics(filter: Contract.StatisticsFilter, windows: Contract.UpcomingWindows): Promise<Contract.StoreStatistics> {
    return this.#run(() => sharedQueries.statistics(this.#readContext, filter, windows));
  }

  dueReminders(channel: ReminderChannel, from: Date, to: Date, limit: number): Promise<Appointment[]> {
    return this.#run(() => sharedQueries.dueReminders(this.#readContext, channel, from, to, limit));
  }

  auditTrail(appointmentId: string): Promise<AuditEntry[]> {
    return this.#run(async () => {
      const rows = await this.#db
        .selectFrom('appointment_audit_log')
        .selectAll()
        .where('appointment_id', '=', appointmentId)
        .orderBy('version')
        .orderBy(sql`seq`)
        .execute();
      return rows.map((row) => decodeAuditEntry(row, POSTGRES_CODEC));
    });
  }

  /**
   * Runs a statement as a named, server-side prepared statement: the booking statement is the
   * same text every time, so PostgreSQL parses and plans it once per connection.
   */
  async #prepared(text: string, values: readonly unknown[]): Promise<unknown[]> {
    let name = this.#statementNames.get(text);
    if (name === undefined) {
      // Named by a digest of the text itself: one name always means one text, so stores sharing
      // a pool (other schemas, or a store re-created on the host's pool) never collide, and the
      // name fits PostgreSQL's 63 bytes whatever the schema name's length.
      name = `appointment_kit_${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
      this.#statementNames.set(text, name);
    }
    const client = (await (await this.#pool()).connect()) as unknown as PreparingClient;
    let broken = false;
    try {
      return (await client.query({ name, text, values })).rows;
    } catch (error) {
      // A statement error leaves the connection usable; a lost connection must not go back.
      broken = (error as { severity?: string }).severity !== 'ERROR';
      throw error;
    } finally {
      client.release(broken);
    }
  }

  get #readContext(): sharedQueries.ReadContext {
    return { db: this.#rootDb, table: this.#table('appointments'), codec: POSTGRES_CODEC };
  }

  #table(
    name:
      | keyof PostgresSchema
      | 'appointment_confirmation_seq'
      | 'appointment_limit_counts'
      | 'appointment_resources'
      | 'appointment_allocations',
  ): RawBuilder<unknown> {
    return sql.id(this.schema, name);
  }

  /** A per-provider lock key, distinct per schema; collisions only cost a little queueing. */
  #lockKey(providerId: string): RawBuilder<unknown> {
    return sql`hashtextextended(${`${this.schema}:${providerId}`}::text, 0)`;
  }

  async #lockProviders(trx: Trx, providerIds: readonly string[]): Promise<void> {
    // Always in the same order, so two transactions locking several providers cannot deadlock.
    for (const providerId of [...new Set(providerIds)].sort()) {
      await sql`SELECT pg_advisory_xact_lock(${this.#lockKey(providerId)})`.execute(trx);
    }
  }

  #confirmationCode(bookedAt: Date): RawBuilder<unknown> {
    const sequence = `${this.schema}.appointment_confirmation_seq`;
    // At least four digits, never cut: lpad alone would truncate 12345 to 1234.
    return sql`'APT-' || ${String(bookedAt.getUTCFullYear())}::text || '-' ||
      (SELECT lpad(n, greatest(4, length(n)), '0') FROM (SELECT nextval(${sequence}::regclass)::text AS n) AS next_number)`;
  }

  /** `INSERT INTO audit ...` of entries; with `from`, each entry is inserted once per row of that CTE. */
  #auditInsert(entries: readonly Contract.NewAuditEntry[], from?: RawBuilder<unknown>): RawBuilder<unknown> {
    const table = this.#table('appointment_audit_log');
    const values = (entry: Contract.NewAuditEntry) =>
      sql`${entry.id}::text, ${entry.appointmentId}::text, ${entry.action}::text, ${entry.actorId}::text, ${entry.at}::timestamptz, ${entry.version}::integer, ${JSON.stringify(entry.changes)}::jsonb, ${entry.override == null ? null : JSON.stringify(entry.override)}::jsonb`;
    if (from !== undefined) {
      const [entry] = entries as [Contract.NewAuditEntry];
      return sql`INSERT INTO ${table} (id, appointment_id, action, actor_id, at, version, changes, override) SELECT ${values(entry)} FROM ${from}`;
    }
    return sql`INSERT INTO ${table} (id, appointment_id, action, actor_id, at, version, changes, override) VALUES ${sql.join(
      entries.map((entry) => sql`(${values(entry)})`),
    )}`;
  }

  #occupying(db: Executor, providerId: string, from: Date, to: Date, excludeId?: string) {
    let query = db
      .selectFrom('appointments')
      .where('provider_id', '=', providerId)
      .where('status', 'not in', NON_OCCUPYING_STATUSES)
      .where(
        sql<boolean>`tstzrange(occupied_start, occupied_end, '[)') && tstzrange(${from}::timestamptz, ${to}::timestamptz, '[)')`,
      );
    if (excludeId !== undefined) query = query.where('id', '!=', excludeId);
    return query.orderBy('start').orderBy('id');
  }

  async #conflictingIds(db: Executor, providerId: string, from: Date, to: Date, excludeId?: string): Promise<string[]> {
    const rows = await this.#occupying(db, providerId, from, to, excludeId).select('id').execute();
    return rows.map((row) => row.id);
  }

  /**
   * Our transactions run at READ COMMITTED whatever the server's default: every check reads
   * after taking its lock, and under REPEATABLE READ the snapshot would predate the lock.
   */
  async #transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return this.#retrying(() => this.#db.transaction().setIsolationLevel('read committed').execute(work));
  }

  /** Retries a whole statement or transaction after a serialization failure or deadlock, a bounded number of times. */
  async #retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const state = sqlState(error);
        const transient = state === SQLSTATE.serializationFailure || state === SQLSTATE.deadlockDetected;
        if (!transient || attempt >= this.#maxRetries) throw error;
        this.#onRetry(state);
        await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt * (1 + Math.random())));
      }
    }
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toSchedulingError(error);
    }
  }
}

/** A change and the appointment before and after it. */
interface FailingChange {
  readonly change: Contract.AppointmentChange;
  readonly before: Appointment;
  readonly next: Appointment;
}

/**
 * A connection the server drops while we hold it (a restart, `pg_terminate_backend`) makes
 * node-postgres emit `error` on the client besides failing the query; with no listener that
 * would crash the process. The failed query already carries the error to the caller.
 */
function quietClient<T>(client: T): T {
  const events = client as {
    on?: (event: string, listener: () => void) => void;
    listenerCount?: (event: string) => number;
  };
  if (typeof events.on === 'function' && events.listenerCount?.('error') === 0) events.on('error', () => undefined);
  return client;
}

/** The columns plus the occupied range of the appointment they belong to. */
function withOccupiedRange(
  columns: Record<string, unknown>,
  appointment: Contract.NewAppointmentRow['appointment'],
): Record<string, unknown> {
  const range = occupiedRange(appointment);
  return { ...columns, occupied_start: range.start, occupied_end: range.end };
}

/** A period `appointment_limit_counts` counts, with the most it may already hold (null: no limit). */
interface LimitWindow {
  readonly from: string;
  readonly to: string;
  readonly type: string | null;
  bookings: number | null;
  minutes: number | null;
}

/** The argument of `appointment_limit_counts`: the windows, their span and their tightest room. */
interface LimitArgument {
  readonly from: string;
  readonly to: string;
  readonly bookings: number | null;
  readonly minutes: number | null;
  readonly windows: readonly LimitWindow[];
}

/**
 * The argument for `checks`: their distinct periods (a day's booking and minute limits share one
 * count), each with the most bookings and minutes it may hold for a booking of
 * `durationMinutes` to fit (`count + adds > limit` refuses exactly where `count > limit - adds`
 * does, as in `exceededLimit`), their span and the tightest of those figures. `windowOf[i]` is
 * check i's window.
 */
function limitArgument(
  checks: readonly PeriodLimitCheck[],
  durationMinutes: number,
): { argument: LimitArgument; windowOf: number[] } {
  const windows: LimitWindow[] = [];
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  const windowOf = checks.map((check) => {
    from = Math.min(from, check.from.getTime());
    to = Math.max(to, check.to.getTime());
    const start = check.from.toISOString();
    const end = check.to.toISOString();
    let index = windows.findIndex((window) => window.from === start && window.to === end && window.type === check.type);
    if (index === -1)
      index = windows.push({ from: start, to: end, type: check.type, bookings: null, minutes: null }) - 1;
    const window = windows[index] as LimitWindow;
    const room = check.limit - (check.measure === 'bookings' ? 1 : durationMinutes);
    window[check.measure] = Math.min(window[check.measure] ?? room, room);
    return index;
  });
  const tightest = (measure: 'bookings' | 'minutes') => {
    const rooms = windows.flatMap((window) => (window[measure] === null ? [] : [window[measure]]));
    return rooms.length === 0 ? null : Math.min(...rooms);
  };
  return {
    argument: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      bookings: tightest('bookings'),
      minutes: tightest('minutes'),
      windows,
    },
    windowOf,
  };
}

/** What `appointment_limit_counts` returned on a refusal: `[{bookings, minutes}]`, one per window. */
function decodeLimitCounts(value: unknown, windows: number): LimitCount[] {
  const entries = Array.isArray(value) ? (value as unknown[]) : [];
  if (entries.length !== windows) {
    throw new SchedulingError('The appointment store returned malformed limit counts', 'INTERNAL_ERROR', 500);
  }
  return entries.map((entry) => {
    const { bookings, minutes } = (entry ?? {}) as { bookings?: unknown; minutes?: unknown };
    return { count: Number(bookings), minutes: Number(minutes) };
  });
}

/** True if a change moves, resizes, re-buffers or re-activates an appointment. */
function occupancyTouched(change: Contract.AppointmentChange): boolean {
  return ['status', 'start', 'end', 'bufferBeforeMinutes', 'bufferAfterMinutes'].some((field) => field in change.set);
}

/** Fields only the first inserted row of a call carries: the series pattern and the idempotency key. */
function firstRowExtras(appointment: Contract.NewAppointmentRow['appointment'], options: Contract.InsertOptions) {
  return {
    recurrence: options.seriesPattern ?? appointment.recurrence,
    idempotencyKey: options.idempotency?.key ?? appointment.idempotencyKey,
  };
}

async function readIdempotencyRecord(db: Executor, key: string): Promise<Contract.IdempotencyRecord | null> {
  const row = await db.selectFrom('appointment_idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
  return row === undefined ? null : decodeIdempotencyRecord(row, POSTGRES_CODEC);
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** node-postgres, an optional peer dependency: a clear error when it is not installed. */
async function loadPg() {
  try {
    return (await import('pg')).default;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new SetupError('DRIVER_MISSING', 'The PostgreSQL store needs the pg package: npm install pg', {
        cause: error,
      });
    }
    throw error;
  }
}

/** A lost race worth trying again: a serialization failure, a deadlock, a lock not granted, a duplicate bookkeeping row. */
function isTransient(state: string | undefined): boolean {
  return (
    state === SQLSTATE.serializationFailure ||
    state === SQLSTATE.deadlockDetected ||
    state === SQLSTATE.lockNotAvailable ||
    state === SQLSTATE.uniqueViolation
  );
}

/** Network errors of a connection that never opened, by their Node error codes. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/**
 * The setup problem behind a failure, if it is one (classified by SQLSTATE or Node error code,
 * never by message): wrong credentials, an unknown database, an unreachable server, a schema
 * not migrated. Each says what to do; none is retried.
 */
function setupErrorOf(error: unknown): SetupError | undefined {
  const state = sqlState(error);
  const options = { cause: error };
  if (state === '28P01' || state === '28000') {
    return new SetupError(
      'AUTHENTICATION_FAILED',
      'PostgreSQL refused the credentials: check the user and password',
      options,
    );
  }
  if (state === '3D000') {
    return new SetupError(
      'DATABASE_NOT_FOUND',
      'The PostgreSQL database does not exist: create it, or check the URL',
      options,
    );
  }
  if (state !== undefined && UNREACHABLE.has(state)) {
    return new SetupError(
      'DATABASE_UNREACHABLE',
      'PostgreSQL cannot be reached: check the host and port, and that the server is running',
      options,
    );
  }
  // An undefined table or schema: the store's schema is not (fully) migrated.
  if (state === '42P01' || state === '3F000') {
    return new SetupError(
      'NOT_MIGRATED',
      'The PostgreSQL schema is not migrated: call store.migrate(), or run npx appointment-kit migrate --postgres URL',
      options,
    );
  }
  return undefined;
}

function toSchedulingError(error: unknown): SchedulingError {
  if (error instanceof SchedulingError) return error;
  const setup = setupErrorOf(error);
  if (setup !== undefined) return setup;
  switch (sqlState(error)) {
    // A writer outside the library raced us past our checks; the constraint still refused it.
    case SQLSTATE.exclusionViolation:
    case SQLSTATE.resourceCapacity:
      return new ConflictError([], { cause: error });
    case SQLSTATE.diskFull:
      return new StorageFullError({ cause: error });
    case SQLSTATE.lockNotAvailable:
      return new BusyError(undefined, { cause: error });
    // Text PostgreSQL cannot hold (NUL, an unpaired surrogate): the schemas refuse it first, so
    // only a caller of the store itself gets here.
    case SQLSTATE.characterNotInRepertoire:
    case SQLSTATE.untranslatableCharacter:
      return new ValidationError(
        [
          {
            path: '',
            message: 'Contains text PostgreSQL cannot store (NUL or an unpaired surrogate)',
            code: 'invalid_text',
          },
        ],
        { cause: error },
      );
    default:
      return new SchedulingError('The appointment store failed', 'INTERNAL_ERROR', 500, { cause: error });
  }
}
