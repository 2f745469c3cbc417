import type {
  Appointment,
  AuditAction,
  AuditEntry,
  AuditOverride,
  FieldChanges,
  ReminderChannel,
} from './appointment.js';
import type { SeriesPattern } from './series.js';
import type { CountedBooking, PeriodLimitCheck, UnavailableReason } from './slots.js';
import type { AppointmentStatus } from './status.js';

/**
 * The storage seam. The Scheduler decides every business rule and never writes SQL; a store
 * persists records and enforces the integrity guards below in the database itself, so they hold
 * for every writer, across processes and servers. A store is "done" when it passes the shared
 * conformance suite (`runStoreConformance` from `appointment-kit/testing`) unchanged.
 *
 * Contract, for every implementation:
 * - Each method that writes MUST write all of its rows, audit entries included, in one
 *   transaction, or nothing.
 * - Two occupying appointments (status not `cancelled` / `no_show`) of one provider MUST never
 *   have intersecting occupied ranges `[occupiedStart, occupiedEnd)`; touching ranges are free.
 *   A write that would break this fails with `ConflictError` naming the blocking ids, however
 *   many writers race.
 * - A status change MUST follow `STATUS_TRANSITIONS`; otherwise `InvalidTransitionError`.
 * - A change carries the version it expects; the store MUST apply it only if the stored version
 *   still matches (compare-and-set), then set version + 1; otherwise `StaleVersionError`
 *   (`NotFoundError` if the appointment does not exist).
 * - `claimReminder` MUST return true to exactly one caller per appointment and channel.
 * - Driver errors MUST NOT escape raw: they become `SchedulingError`s carrying the cause.
 *
 * @example
 * ```ts
 * import { createSqliteStore } from 'appointment-kit/sqlite';
 * const store = createSqliteStore({ filename: 'clinic.db' });
 * await store.migrate();
 * ```
 */
export interface AppointmentStore {
  /** Short name of the back end, e.g. `sqlite`. */
  readonly dialect: string;

  /** Creates or upgrades the schema; idempotent (a second call changes nothing). */
  migrate(): Promise<void>;

  /** Releases the store's connections. */
  close(): Promise<void>;

  /**
   * Inserts new appointments in one transaction, in order, each with its `created` audit entry
   * and a fresh confirmation code. Each row is checked against the provider's occupying
   * appointments, those inserted earlier in the same call included. With `onConflict: 'fail'`
   * a conflicting row fails the whole call with `ConflictError`; with `'skip'` it is left out
   * and reported, and the rest are written.
   *
   * The first row actually inserted carries `seriesPattern` (it becomes the series' carrier) and
   * the idempotency key.
   *
   * With `idempotency`, the key is recorded in the same transaction. If the key is already
   * recorded, nothing is inserted and the existing record comes back as `replay`, even when two
   * callers race with the same key.
   */
  insertAppointments(rows: readonly NewAppointmentRow[], options: InsertOptions): Promise<InsertResult>;

  /**
   * Applies changes to existing appointments in one transaction: each by compare-and-set on its
   * `expectedVersion`, with its audit entry; the occupied-range guard is re-checked whenever
   * times, buffers or status change. Returns the updated appointments in the given order.
   */
  applyChanges(changes: readonly AppointmentChange[]): Promise<Appointment[]>;

  /**
   * Marks the reminder of `channel` as sent at `at` if it is unclaimed and the appointment is
   * scheduled or confirmed, with a `reminder_sent` audit entry. True for exactly one caller.
   */
  claimReminder(id: string, channel: ReminderChannel, claim: ReminderClaim): Promise<boolean>;

  /** Appends audit entries that record reads (`viewed`, `listed`). */
  appendAudit(entries: readonly NewAuditEntry[]): Promise<void>;

  /** One appointment, or null. */
  getAppointment(id: string): Promise<Appointment | null>;

  /**
   * Edits a series in one transaction: `changes` applied in the given order as
   * {@link applyChanges} applies them (compare-and-set, audit entry, occupied-range guard at each
   * one), then `rows` inserted as {@link insertAppointments} inserts them with `onConflict:
   * 'fail'`; then each change's period limits are counted on the result (a move counted against
   * the others where they end, not half-way through). Any refusal rolls the whole edit back.
   */
  editSeries(edit: SeriesEdit): Promise<SeriesEditResult>;

  /** The record of an idempotency key, or null. */
  getIdempotencyRecord(key: string): Promise<IdempotencyRecord | null>;

  /** Appointments matching `filter`, sorted by start (then id), with the total before paging. */
  listAppointments(filter: AppointmentFilter, page?: PageRequest): Promise<{ items: Appointment[]; total: number }>;

  /** The provider's occupying appointments whose occupied ranges meet `[from, to)`, by start. */
  findOccupying(providerId: string, from: Date, to: Date): Promise<Appointment[]>;

  /**
   * What period limits count: the provider's occupying appointments starting in `[from, to)`,
   * as id, start, type and duration only (a month of them is read often, and cheaply).
   */
  findCountedBookings(providerId: string, from: Date, to: Date): Promise<CountedBooking[]>;

  /** The active allocations of these resources whose ranges meet `[from, to)`, by start. */
  findAllocations(resourceIds: readonly string[], from: Date, to: Date): Promise<ResourceAllocation[]>;

  /** Counts computed by the database (aggregates, not loaded rows). */
  statistics(filter: StatisticsFilter, windows: UpcomingWindows): Promise<StoreStatistics>;

  /** Scheduled or confirmed appointments starting in `[from, to)` whose `channel` reminder is unclaimed, by start. */
  dueReminders(channel: ReminderChannel, from: Date, to: Date, limit: number): Promise<Appointment[]>;

  /** The audit trail of one appointment, by version (then by write order). */
  auditTrail(appointmentId: string): Promise<AuditEntry[]>;
}

/**
 * A reminder claim as the Scheduler decides it: the instant, the acting user (the Scheduler's
 * `system` when no one acts), and its audit entry's id and changes. The store writes them as
 * given, adding only what the database decides: the version the claim produced, and an
 * `updatedAt` that never runs backwards.
 */
export interface ReminderClaim {
  readonly at: Date;
  readonly actorId: string;
  readonly auditId: string;
  readonly changes: FieldChanges;
}

/** A new appointment for {@link AppointmentStore.insertAppointments}; the store assigns the confirmation code. */
export interface NewAppointmentRow {
  readonly appointment: Omit<Appointment, 'confirmationCode'>;
  readonly audit: NewAuditEntry;
  /**
   * Period limits to enforce atomically with the insert: the store counts the provider's
   * occupying appointments (of `type`, when set) starting in `[from, to)`, with rows inserted
   * earlier in the same call, under the same lock or transaction as the write. A row that would
   * pass a limit is refused (`'fail'`: `UnavailableError` with a `PERIOD_LIMIT` reason) or left
   * out and reported (`'skip'`).
   */
  readonly limits?: readonly PeriodLimitCheck[];
  /**
   * Resources the appointment holds besides its provider, one request each: a single candidate
   * (a resource asked for by id) or several (any of a kind), tried in the order given. The store
   * writes the profiles to `appointment_resources`, picks for each request the first candidate
   * with room at the appointment's time, inside the writing transaction, and stores the ids
   * picked as the appointment's `resources`. A request no candidate has room for refuses the row
   * (`'fail'`: `UnavailableError` with `RESOURCE_BUSY` / `CAPACITY_FULL` reasons, or skips it).
   */
  readonly resources?: readonly ResourceRequest[];
}

/** An appointment's hold on a resource: its range (the appointment's time widened by the resource's buffers). */
export interface ResourceAllocation {
  readonly resourceId: string;
  readonly appointmentId: string;
  readonly start: Date;
  readonly end: Date;
}

/** One resource a booking needs: the candidates, in the order to try them. */
export interface ResourceRequest {
  readonly candidates: readonly ResourceSpec[];
}

/** A resource as the store records it, from the directory's profile. */
export interface ResourceSpec {
  readonly id: string;
  readonly kind: string;
  readonly capacity: number;
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
}

/** An audit entry to write; the appointment id is given, the entry id is made by the caller. */
export interface NewAuditEntry {
  readonly id: string;
  readonly appointmentId: string;
  readonly action: AuditAction;
  readonly actorId: string | null;
  readonly at: Date;
  /** The appointment version the entry produced (a change, `created` is 1) or saw (a read). */
  readonly version: number;
  readonly changes: FieldChanges;
  /** Set when the change overrode the provider's booking rules. */
  readonly override?: AuditOverride | null;
}

/** Options of {@link AppointmentStore.insertAppointments}. */
export interface InsertOptions {
  readonly onConflict: 'fail' | 'skip';
  /** A series' pattern: stored on the first row actually inserted, whichever rows are skipped. */
  readonly seriesPattern?: SeriesPattern;
  readonly idempotency?: {
    readonly key: string;
    /** A digest of the request, to tell a retry from a different request reusing the key. */
    readonly fingerprint: string;
    readonly createdAt: Date;
    /**
     * Occurrences the Scheduler left out before the store saw them (refused by a booking rule):
     * recorded with the key, before the store's own skipped rows, so a replay reports them too.
     */
    readonly skipped?: IdempotencyRecord['skipped'];
  };
}

/** What {@link AppointmentStore.insertAppointments} did. */
export type InsertResult =
  | {
      readonly kind: 'inserted';
      readonly inserted: Appointment[];
      /** Rows left out with `onConflict: 'skip'`, with the ids they met. */
      readonly skipped: Array<{
        readonly appointment: NewAppointmentRow['appointment'];
        /** The appointments in the way; empty when a period limit refused the row. */
        readonly conflictingIds: string[];
        /** Set when a period limit refused the row: the `PERIOD_LIMIT` reason. */
        readonly reasons?: readonly UnavailableReason[];
      }>;
    }
  | { readonly kind: 'replay'; readonly record: IdempotencyRecord };

/** A recorded idempotency key and what its first request produced. */
export interface IdempotencyRecord {
  readonly key: string;
  readonly fingerprint: string;
  /** The appointment the first request returned. */
  readonly appointmentId: string;
  readonly seriesId: string | null;
  /** Series occurrences the first request skipped. */
  readonly skipped: Array<{
    readonly start: Date;
    readonly conflictingIds: string[];
    readonly reasons?: readonly UnavailableReason[];
  }>;
}

/** The fields a change may set. */
export type AppointmentPatch = Partial<
  Pick<
    Appointment,
    | 'type'
    | 'status'
    | 'start'
    | 'end'
    | 'durationMinutes'
    | 'bufferBeforeMinutes'
    | 'bufferAfterMinutes'
    | 'reason'
    | 'notes'
    | 'metadata'
    | 'confirmedAt'
    | 'checkedInAt'
    | 'checkedOutAt'
    | 'cancellationReason'
    | 'cancelledAt'
    | 'cancelledBy'
    | 'noShowAt'
    | 'recurrence'
  >
>;

/** One compare-and-set change for {@link AppointmentStore.applyChanges}. */
export interface AppointmentChange {
  readonly id: string;
  readonly expectedVersion: number;
  readonly set: AppointmentPatch;
  /** Written in the same transaction; its `at` and `actorId` become `updatedAt` / `updatedBy`. */
  readonly audit: NewAuditEntry;
  /**
   * Period limits to enforce atomically with the change, counting without this appointment
   * (see {@link NewAppointmentRow.limits}); a change that would pass one fails with
   * `UnavailableError`.
   */
  readonly limits?: readonly PeriodLimitCheck[];
}

/** What {@link AppointmentStore.editSeries} writes: changes to occurrences (and the carrier's pattern), then new ones. */
export interface SeriesEdit {
  readonly changes: readonly AppointmentChange[];
  readonly rows: readonly NewAppointmentRow[];
}

/** What {@link AppointmentStore.editSeries} wrote. */
export interface SeriesEditResult {
  /** The changed appointments, in the order of the changes. */
  readonly changed: Appointment[];
  /** The inserted appointments, with their confirmation codes, in the order of the rows. */
  readonly inserted: Appointment[];
}

/** Filters of {@link AppointmentStore.listAppointments}; `from`/`to` bound the start, half-open. */
export interface AppointmentFilter {
  readonly patientId?: string;
  readonly providerId?: string;
  readonly statuses?: readonly AppointmentStatus[];
  readonly type?: string;
  readonly seriesId?: string;
  readonly from?: Date;
  readonly to?: Date;
}

/** Paging of {@link AppointmentStore.listAppointments}. */
export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
  readonly order: 'asc' | 'desc';
}

/** Filters of {@link AppointmentStore.statistics}; `from`/`to` bound the start, half-open. */
export interface StatisticsFilter {
  readonly providerId?: string;
  readonly from?: Date;
  readonly to?: Date;
}

/** The windows "upcoming today" and "upcoming this week" are counted in. */
export interface UpcomingWindows {
  readonly now: Date;
  readonly endOfToday: Date;
  readonly endOfWeek: Date;
}

/** Raw counts from the store. */
export interface StoreStatistics {
  readonly total: number;
  readonly byStatus: Partial<Record<AppointmentStatus, number>>;
  readonly byType: Record<string, number>;
  readonly upcomingToday: number;
  readonly upcomingWeek: number;
}
