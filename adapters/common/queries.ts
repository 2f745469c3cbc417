import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import type { Appointment, ReminderChannel } from '../../src/appointment.js';
import { UPCOMING_STATUSES } from '../../src/status.js';
import type {
  AppointmentFilter,
  PageRequest,
  StatisticsFilter,
  StoreStatistics,
  UpcomingWindows,
} from '../../src/store.js';
import { type ColumnCodec, decodeAppointment, REMINDER_COLUMNS } from './columns.js';
import { foldStatistics, type StatusTypeCount } from './statistics.js';

/**
 * The read queries every SQL store shares, in SQL both SQLite and PostgreSQL speak. Each store
 * passes its executor, its `appointments` table and how it encodes instants.
 */
export interface ReadContext {
  readonly db: QueryExecutorProvider;
  readonly table: RawBuilder<unknown>;
  readonly codec: ColumnCodec;
}

const where = (conditions: RawBuilder<unknown>[]) =>
  conditions.length === 0 ? sql`` : sql`WHERE ${sql.join(conditions, sql` AND `)}`;

function filterConditions({ codec }: ReadContext, filter: AppointmentFilter): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  if (filter.patientId !== undefined) conditions.push(sql`patient_id = ${filter.patientId}`);
  if (filter.providerId !== undefined) conditions.push(sql`provider_id = ${filter.providerId}`);
  if (filter.statuses !== undefined) {
    conditions.push(filter.statuses.length === 0 ? sql`1 = 0` : sql`status IN (${sql.join(filter.statuses)})`);
  }
  if (filter.type !== undefined) conditions.push(sql`type = ${filter.type}`);
  if (filter.seriesId !== undefined) conditions.push(sql`series_id = ${filter.seriesId}`);
  if (filter.from !== undefined) conditions.push(sql`start >= ${codec.encodeInstant(filter.from)}`);
  if (filter.to !== undefined) conditions.push(sql`start < ${codec.encodeInstant(filter.to)}`);
  return conditions;
}

/** Appointments by filters, sorted by start then id, with the total before paging. */
export async function listAppointments(
  context: ReadContext,
  filter: AppointmentFilter,
  page?: PageRequest,
): Promise<{ items: Appointment[]; total: number }> {
  const conditions = where(filterConditions(context, filter));
  const order = page?.order === 'desc' ? sql`DESC` : sql`ASC`;
  const paging = page === undefined ? sql`` : sql`LIMIT ${page.limit} OFFSET ${page.offset}`;
  const { rows } = await sql<Record<string, unknown>>`
    SELECT * FROM ${context.table} ${conditions} ORDER BY start ${order}, id ${order} ${paging}`.execute(context.db);
  const items = rows.map((row) => decodeAppointment(row, context.codec));
  if (page === undefined) return { items, total: items.length };
  const counted = await sql<{
    total: number | string;
  }>`SELECT count(*) AS total FROM ${context.table} ${conditions}`.execute(context.db);
  return { items, total: Number(counted.rows[0]?.total ?? 0) };
}

/** Counts by status and type in the range, and the upcoming counts, as two aggregate queries. */
export async function statistics(
  context: ReadContext,
  filter: StatisticsFilter,
  windows: UpcomingWindows,
): Promise<StoreStatistics> {
  const { codec } = context;
  const provider = filter.providerId === undefined ? [] : [sql`provider_id = ${filter.providerId}`];
  const range = filterConditions(context, {
    ...(filter.from && { from: filter.from }),
    ...(filter.to && { to: filter.to }),
  });
  const groups = await sql<StatusTypeCount>`
    SELECT status, type, count(*) AS count FROM ${context.table} ${where([...provider, ...range])}
    GROUP BY status, type`.execute(context.db);
  const upcoming = await sql<{ today: number | string | null; week: number | string | null }>`
    SELECT sum(CASE WHEN start < ${codec.encodeInstant(windows.endOfToday)} THEN 1 ELSE 0 END) AS today,
           sum(CASE WHEN start < ${codec.encodeInstant(windows.endOfWeek)} THEN 1 ELSE 0 END) AS week
    FROM ${context.table}
    ${where([...provider, sql`status IN (${sql.join(UPCOMING_STATUSES)})`, sql`start >= ${codec.encodeInstant(windows.now)}`])}`.execute(
    context.db,
  );
  return foldStatistics(groups.rows, upcoming.rows[0] ?? { today: 0, week: 0 });
}

/** Scheduled or confirmed appointments starting in `[from, to)` whose `channel` reminder is unclaimed. */
export async function dueReminders(
  context: ReadContext,
  channel: ReminderChannel,
  from: Date,
  to: Date,
  limit: number,
): Promise<Appointment[]> {
  const { codec } = context;
  const { rows } = await sql<Record<string, unknown>>`
    SELECT * FROM ${context.table}
    WHERE status IN (${sql.join(UPCOMING_STATUSES)})
      AND start >= ${codec.encodeInstant(from)} AND start < ${codec.encodeInstant(to)}
      AND ${sql.id(REMINDER_COLUMNS[channel])} IS NULL
    ORDER BY start, id LIMIT ${limit}`.execute(context.db);
  return rows.map((row) => decodeAppointment(row, codec));
}
