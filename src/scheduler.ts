import { createHash, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { z } from 'zod';
import type {
  Actor,
  Appointment,
  AuditAction,
  AuditEntry,
  AuditOverride,
  FieldChanges,
  ReminderChannel,
  StoredRecurrence,
} from './appointment.js';
import { REMINDER_CHANNELS } from './appointment.js';
import { type AppointmentType, DEFAULT_APPOINTMENT_TYPES, defineAppointmentTypes } from './appointment-types.js';
import {
  checkProviderProfile,
  checkResourceProfile,
  type ParticipantDirectory,
  type ProviderProfile,
  type ResourceProfile,
  ROUND_THE_CLOCK_HOURS,
} from './directory.js';
import {
  ConfigurationError,
  ConflictError,
  IdempotencyMismatchError,
  InvalidTransitionError,
  NotChangeableError,
  NotFoundError,
  SchedulingError,
  StaleVersionError,
  UnavailableError,
  ValidationError,
} from './errors.js';
import { LIMITS } from './limits.js';
import {
  dayNumberToLocalDate,
  formatLocalDate,
  ianaZone,
  instantToDayNumber,
  localDateToDayNumber,
  localToInstant,
  parseLocalDate,
  parseLocalTime,
  periodDays,
} from './local-time.js';
import { occupiedRange, rangesOverlap } from './overlap.js';
import { expandRecurrence } from './recurrence.js';
import { roomFor } from './resources.js';
import { normalizeRecurrenceRule } from './rrule-grammar.js';
import {
  createSchemas,
  isStorableText,
  parseInput,
  type Recurrence,
  type SchemaOptions,
  type Schemas,
} from './schemas.js';
import { type Series, type SeriesInstance, type SeriesPattern, type SeriesSegment, seriesInstances } from './series.js';
import { boundRule, extendedRule, movedAnchor, movedRule, orderMoves, ruleSetsTime } from './series-edit.js';
import {
  type BookingDecision,
  type CountedBooking,
  type ExistingBooking,
  explainBooking,
  generateSlots,
  type LimitPeriod,
  type PeriodLimitCheck,
  type TimeSlot,
  type UnavailableReason,
  type WorkingTimeOptions,
} from './slots.js';
import {
  APPOINTMENT_STATUSES,
  type AppointmentStatus,
  assertTransition,
  isOccupyingStatus,
  STATUS_TRANSITIONS,
  UPCOMING_STATUSES,
} from './status.js';
import type {
  AppointmentChange,
  AppointmentPatch,
  AppointmentStore,
  NewAuditEntry,
  ResourceAllocation,
  ResourceRequest,
  ResourceSpec,
} from './store.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The actor of what the library does on nobody's behalf (a reminder claimed by a worker with no user). */
const SYSTEM_ACTOR_ID = 'system';
/** The fields of an appointment no step of the workflow has set yet: what every new one starts with. */
const UNTOUCHED = Object.freeze({
  confirmedAt: null,
  checkedInAt: null,
  checkedOutAt: null,
  cancellationReason: null,
  cancelledAt: null,
  cancelledBy: null,
  noShowAt: null,
  recurrence: null,
  reminders: Object.freeze({ email: null, sms: null, whatsapp: null }),
  idempotencyKey: null,
} as const);
/** How often an operation that read its own version retries after losing a race. */
const RACE_RETRIES = 5;

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  /** Where appointments live, e.g. `createSqliteStore(...)`. */
  readonly store: AppointmentStore;
  /**
   * The host's providers and patients. Required: a mistyped provider id must not book
   * silently. For quick starts, choose `createPermissiveDirectory()` explicitly.
   */
  readonly directory: ParticipantDirectory;
  /** The appointment-type catalogue; default {@link DEFAULT_APPOINTMENT_TYPES}. Validated here. */
  readonly appointmentTypes?: readonly AppointmentType[];
  /** The current instant; inject one in tests. Default `() => new Date()`. */
  readonly clock?: () => Date;
  /** Also log reads (`get`, `list`, `schedule`) in the audit trail. Default false. */
  readonly auditReads?: boolean;
  /** How patient and provider ids are validated; default UUID strings. */
  readonly idSchema?: SchemaOptions['idSchema'];
}

/** Options of the changing methods. */
export interface ChangeOptions {
  /** Refuse the change with `StaleVersionError` unless the appointment is at this version. */
  readonly expectedVersion?: number;
}

/**
 * A staff decision to book outside the provider's rules (working hours, days off, minimum
 * notice, horizon, period limits). The reason is required and written in the audit entry.
 * Nothing overrides the no-double-booking guarantee.
 */
export interface BookingOverride {
  readonly reason: string;
}

/** Options of {@link Scheduler.book}. */
export interface BookOptions {
  /** Book even where the provider's rules would refuse; see {@link BookingOverride}. */
  readonly override?: BookingOverride;
}

/** Options of {@link Scheduler.reschedule}. */
export interface RescheduleOptions extends ChangeOptions, BookOptions {}

/** What {@link Scheduler.explain} says of a time. */
export interface Explanation {
  readonly bookable: boolean;
  /** Every reason it is not; empty when it is. */
  readonly reasons: readonly UnavailableReason[];
}

/** What `book` returns; `series` for recurring input. */
export interface BookingResult {
  readonly appointment: Appointment;
  readonly series?: SeriesResult;
}

/** The outcome of creating a series. */
export interface SeriesResult {
  readonly seriesId: string;
  readonly created: Appointment[];
  /**
   * Occurrences left out: `conflictingIds` names the appointments in the way (empty when a rule
   * refused it), and `reasons` says why in the form `explain` uses.
   */
  readonly skipped: Array<{
    readonly start: Date;
    readonly conflictingIds: string[];
    readonly reasons: readonly UnavailableReason[];
  }>;
}

/** An occurrence a series edit left where it was, or did not create. */
export interface SeriesEditSkip {
  /** The occurrence left where it was; null for one an extension did not create. */
  readonly appointmentId: string | null;
  /** Where the edit would have put it. */
  readonly start: Date;
  /** The appointments in the way (empty when a rule refused it). */
  readonly conflictingIds: string[];
  readonly reasons: readonly UnavailableReason[];
}

/** What {@link Scheduler.moveSeries} did. */
export interface SeriesMoveResult {
  /** The series after the move. */
  readonly series: Series;
  /** The occurrences moved, by occurrence index. */
  readonly moved: Appointment[];
  /** With `onConflict: 'skip'`: the occurrences left where they were. */
  readonly skipped: SeriesEditSkip[];
}

/** What {@link Scheduler.extendSeries} did. */
export interface SeriesExtensionResult {
  /** The series after the extension. */
  readonly series: Series;
  /** The new occurrences, by occurrence index. */
  readonly created: Appointment[];
  /** With `onConflict: 'skip'`: the new occurrences refused or taken. */
  readonly skipped: SeriesEditSkip[];
}

/** A page of `list`. */
export interface AppointmentPage {
  readonly items: Appointment[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/** A provider's day, week or month. */
export interface Schedule {
  readonly providerId: string;
  readonly view: 'day' | 'week' | 'month';
  readonly timeZone: string;
  /** Local start of the period, inclusive. */
  readonly from: Date;
  /** Local end of the period, exclusive. */
  readonly to: Date;
  readonly appointments: Appointment[];
}

/** Figures of `statistics`. */
export interface AppointmentStatistics {
  readonly total: number;
  readonly byStatus: Record<AppointmentStatus, number>;
  readonly byType: Record<string, number>;
  /** Scheduled or confirmed, starting between now and the end of today (provider's zone, else UTC). */
  readonly upcomingToday: number;
  /** Scheduled or confirmed, starting in the next 7 days. */
  readonly upcomingWeek: number;
  /** No-shows as a percentage of the total (0 when there are none), two decimals. */
  readonly noShowRate: number;
  /** Cancellations as a percentage of the total, two decimals. */
  readonly cancellationRate: number;
}

/** The slots of `availability`. */
export interface Availability {
  readonly providerId: string;
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly slots: TimeSlot[];
}

/** What {@link Scheduler.book} takes: instants as `Date`s or ISO-8601 strings, ids in any letter case. */
export type BookingInput = z.input<Schemas['createAppointment']>;
/** What {@link Scheduler.update} takes: any of `reason`, `notes`, `metadata` (null clears), `type`. */
export type AppointmentUpdate = z.input<Schemas['updateAppointment']>;
/** What {@link Scheduler.reschedule} takes: a new `start` and optionally a new duration. */
export type RescheduleInput = z.input<Schemas['rescheduleAppointment']>;
/** What {@link Scheduler.cancel} takes: the reason, required. */
export type CancellationInput = z.input<Schemas['cancelAppointment']>;
/** What {@link Scheduler.cancelSeries} takes: the reason, and `from` for this-and-following. */
export type SeriesCancellationInput = z.input<Schemas['cancelSeries']>;
/**
 * What {@link Scheduler.moveSeries} takes: `from` (an instant; omitted: every occurrence still
 * to come), and at least one of `time` (`HH:mm`), `weekdays`, `durationMinutes`, `type`;
 * `onConflict` is `fail` (the default: nothing moves) or `skip`.
 */
export type SeriesMoveInput = z.input<Schemas['moveSeries']>;
/** What {@link Scheduler.extendSeries} takes: `count` more occurrences or a later `until`; `onConflict` (default `skip`). */
export type SeriesExtensionInput = z.input<Schemas['extendSeries']>;
/** What {@link Scheduler.availability} takes. */
export type AvailabilityRequest = z.input<Schemas['availabilityQuery']>;
/** What {@link Scheduler.explain} takes. */
export type ExplainRequest = z.input<Schemas['explainQuery']>;
/** What {@link Scheduler.suggest} takes. */
export type SuggestRequest = z.input<Schemas['suggestQuery']>;
/** What {@link Scheduler.list} takes. */
export type ListRequest = z.input<Schemas['listAppointmentsQuery']>;
/** What {@link Scheduler.schedule} takes. */
export type ScheduleRequest = z.input<Schemas['scheduleQuery']>;
/** What {@link Scheduler.statistics} takes. */
export type StatisticsRequest = z.input<Schemas['statisticsQuery']>;

/** What {@link Scheduler.dueReminders} takes. */
export interface DueRemindersRequest {
  readonly channel: ReminderChannel;
  /** How far ahead, 1 to 44,640 minutes (31 days). */
  readonly withinMinutes: number;
  /** At most this many, 1 to 1000; default 100. */
  readonly limit?: number;
}

/**
 * The scheduling service: every rule of the workflow, over an {@link AppointmentStore}. Inputs
 * are checked at run time too (a JavaScript caller or a JSON body gets a `ValidationError`
 * naming each field); ids come back canonical (UUIDs in lower case).
 */
export interface Scheduler {
  /** The schemas this scheduler validates with (its id format and type catalogue), e.g. for OpenAPI. */
  readonly schemas: Schemas;
  /** The validated appointment-type catalogue. */
  readonly appointmentTypes: readonly AppointmentType[];

  /**
   * Books an appointment, or a series when `recurrence` is given. The provider's rules apply
   * (hours, days off, minimum notice, horizon, period limits) unless `options.override` gives a
   * reason; a series skips the occurrences that are refused or taken and lists them. With
   * `idempotencyKey`, a retry returns the first result.
   *
   * @throws {ValidationError} bad input, or a start not in the future.
   * @throws {NotFoundError} an unknown provider or patient.
   * @throws {UnavailableError} a booking rule refuses the time (`reasons`).
   * @throws {ConflictError} another appointment holds the time (`conflictingIds`).
   * @throws {IdempotencyMismatchError} the key was used for a different request.
   * @example
   * ```ts
   * const { appointment } = await scheduler.book(
   *   { patientId, providerId, type: 'follow_up', start: '2030-03-04T09:00:00Z', reason: 'Knee pain' },
   *   { id: receptionistId },
   * );
   * ```
   */
  book(input: BookingInput, actor: Actor, options?: BookOptions): Promise<BookingResult>;

  /**
   * Whether the provider could be booked at `start` for a type or duration, and every reason not:
   * the one decision `book`, `reschedule` and `availability` share.
   *
   * @example
   * ```ts
   * const { bookable, reasons } = await scheduler.explain({ providerId, start, type: 'follow_up' });
   * ```
   */
  explain(query: ExplainRequest): Promise<Explanation>;

  /**
   * One appointment by id (any letter case). @throws {NotFoundError} there is none.
   * @throws {ValidationError} the id is not a UUID.
   */
  get(id: string, actor?: Actor): Promise<Appointment>;

  /**
   * Changes reason, notes, metadata or type (the type's buffers come with it), by
   * compare-and-set on the version. @throws {StaleVersionError} `expectedVersion` is not the
   * stored one. @throws {InvalidTransitionError} the type of a finished appointment.
   */
  update(id: string, patch: AppointmentUpdate, actor: Actor, options?: ChangeOptions): Promise<Appointment>;

  /**
   * Moves a scheduled or confirmed appointment to a new future start (and duration); keeps its
   * status. The booking rules apply as for `book`. @throws {UnavailableError}
   * @throws {ConflictError} @throws {InvalidTransitionError} @throws {StaleVersionError}
   */
  reschedule(id: string, input: RescheduleInput, actor: Actor, options?: RescheduleOptions): Promise<Appointment>;

  /** scheduled → confirmed. @throws {InvalidTransitionError} @throws {StaleVersionError} */
  confirm(id: string, actor: Actor, options?: ChangeOptions): Promise<Appointment>;

  /** confirmed → in_progress (the patient has arrived). @throws {InvalidTransitionError} */
  checkIn(id: string, actor: Actor, options?: ChangeOptions): Promise<Appointment>;

  /** in_progress → completed. @throws {InvalidTransitionError} */
  complete(id: string, actor: Actor, options?: ChangeOptions): Promise<Appointment>;

  /** scheduled or confirmed → no_show, once the start has passed. @throws {InvalidTransitionError} */
  markNoShow(id: string, actor: Actor, options?: ChangeOptions): Promise<Appointment>;

  /**
   * scheduled or confirmed → cancelled, with a reason; the time becomes free.
   *
   * @example
   * ```ts
   * await scheduler.cancel(appointment.id, { reason: 'Patient called' }, { id: receptionistId });
   * ```
   */
  cancel(id: string, input: CancellationInput, actor: Actor, options?: ChangeOptions): Promise<Appointment>;

  /**
   * Cancels a whole series, or with `from` this occurrence and the following ones, in one
   * transaction; finished occurrences are left as they are. @throws {NotFoundError}
   */
  cancelSeries(seriesId: string, input: SeriesCancellationInput, actor: Actor): Promise<{ cancelled: Appointment[] }>;

  /**
   * A series: its pattern as it stands now (segments) and every stored occurrence, by index.
   * @throws {NotFoundError} there is no such series.
   */
  getSeries(seriesId: string): Promise<Series>;

  /**
   * Moves the occurrences still to come (or those from `from` on) to a new local time, new
   * weekdays (a weekly series), a new duration or a new type, in one transaction. The k-th
   * occurrence moved goes to the k-th instance of the new pattern, which starts in the week (or
   * on the day) of the first one moved. Each is checked like a new booking (hours, notice,
   * horizon, period limits, other appointments); with `onConflict: 'fail'` one refusal moves
   * nothing, with `'skip'` the refused ones stay where they were and are listed. The stored
   * pattern gains a segment from the first occurrence moved; ids, confirmation codes and audit
   * trails are kept, and each moved occurrence gets a `rescheduled` audit entry.
   *
   * @example
   * ```ts
   * // From 9 March on, Thursdays at 10:00 instead of Tuesdays at 09:00
   * await scheduler.moveSeries(seriesId, { from: '2026-03-09T00:00:00Z', weekdays: ['thursday'], time: '10:00' }, actor);
   * ```
   * @throws {NotFoundError} @throws {ValidationError} nothing left to move, or a pattern that cannot take the change.
   * @throws {ConflictError} @throws {UnavailableError} with `'fail'`.
   */
  moveSeries(seriesId: string, input: SeriesMoveInput, actor: Actor): Promise<SeriesMoveResult>;

  /**
   * Extends a series by `count` occurrences or to a later `until`, following its last segment's
   * pattern, in one transaction; each new occurrence is checked like a new booking (`'skip'`, the
   * default, leaves out and lists the refused ones; `'fail'` creates none if one is refused).
   *
   * @throws {NotFoundError} @throws {ValidationError} an end that adds nothing, or more than a series may hold.
   */
  extendSeries(seriesId: string, input: SeriesExtensionInput, actor: Actor): Promise<SeriesExtensionResult>;

  /** Appointments by filters, sorted by start, paged: `{ items, total, limit, offset }`. */
  list(query?: ListRequest, actor?: Actor): Promise<AppointmentPage>;

  /** A provider's day, week (Monday first) or month in the provider's zone, by start. */
  schedule(query: ScheduleRequest, actor?: Actor): Promise<Schedule>;

  /** Counts by status and type, upcoming counts and rates, computed by the store's aggregates. */
  statistics(query?: StatisticsRequest): Promise<AppointmentStatistics>;

  /**
   * Slots of a provider for a date or range, decided by the booking rules; with
   * `includeUnavailable`, the others too, each with its reasons.
   *
   * @example
   * ```ts
   * const { slots } = await scheduler.availability({ providerId, date: '2030-03-04', type: 'follow_up' });
   * ```
   */
  availability(query: AvailabilityRequest): Promise<Availability>;

  /** The next `limit` available slots from `after` (default now), across days, up to the horizon. */
  suggest(query: SuggestRequest): Promise<TimeSlot[]>;

  /** Every recorded change (and, with `auditReads`, read) of an appointment, by version. */
  auditTrail(id: string): Promise<AuditEntry[]>;

  /**
   * Scheduled or confirmed appointments starting within `withinMinutes` whose reminder on
   * `channel` is unclaimed. Claim each with {@link Scheduler.claimReminder} before sending.
   */
  dueReminders(query: DueRemindersRequest): Promise<Appointment[]>;

  /** Claims a reminder for sending: true for exactly one caller, however many workers race. */
  claimReminder(id: string, channel: ReminderChannel, actor?: Actor): Promise<boolean>;
}

/**
 * Creates the scheduling service.
 *
 * @example
 * ```ts
 * import { createScheduler } from 'appointment-kit';
 * import { createSqliteStore } from 'appointment-kit/sqlite';
 *
 * const store = createSqliteStore({ filename: './clinic.db' });
 * await store.migrate();
 * const scheduler = createScheduler({ store, directory: createStaticDirectory({ providers, patients }) });
 * const { appointment } = await scheduler.book(
 *   { patientId, providerId, type: 'follow_up', start: '2030-03-04T09:00:00Z' },
 *   { id: receptionistId },
 * );
 * ```
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, directory } = options;
  if (typeof directory?.getProvider !== 'function' || typeof directory?.getPatient !== 'function') {
    throw new ConfigurationError(
      'scheduler',
      null,
      'directory',
      'Give the directory of providers and patients: createStaticDirectory({ providers, patients }), your own, or for a quick start createPermissiveDirectory()',
    );
  }
  const clock = options.clock ?? (() => new Date());
  const auditReads = options.auditReads ?? false;
  const types = defineAppointmentTypes(options.appointmentTypes ?? DEFAULT_APPOINTMENT_TYPES);
  const typesByKey = new Map(types.map((type) => [type.key, type]));
  const schemas: Schemas = createSchemas({
    appointmentTypes: types,
    ...(options.idSchema && { idSchema: options.idSchema }),
  });

  const now = (): Date => {
    const instant = clock();
    if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
      throw new ValidationError([
        { path: 'clock', message: 'The clock must return a valid Date', code: 'invalid_type' },
      ]);
    }
    return instant;
  };

  const typeOf = (key: string): AppointmentType => {
    const type = typesByKey.get(key);
    if (type === undefined) throw ValidationError.forField('type', `Unknown appointment type "${key}"`);
    return type;
  };

  /**
   * The type an existing appointment is held to, with its own buffers (a snapshot taken at
   * booking); a type since removed from the catalogue keeps its appointments movable.
   */
  const typeOfAppointment = (appointment: Appointment): AppointmentType => ({
    ...(typesByKey.get(appointment.type) ?? {
      key: appointment.type,
      label: appointment.type,
      durationMinutes: appointment.durationMinutes,
    }),
    bufferBeforeMinutes: appointment.bufferBeforeMinutes,
    bufferAfterMinutes: appointment.bufferAfterMinutes,
  });

  /** For an occurrence a store skipped: `BOOKED` or `BUFFER`, naming the appointments in the way. */
  async function conflictReasons(
    candidate: Omit<Appointment, 'confirmationCode'>,
    conflictingIds: readonly string[],
  ): Promise<UnavailableReason[]> {
    const blockers = (await Promise.all(conflictingIds.map((id) => store.getAppointment(id)))).filter(
      (item): item is Appointment => item !== null,
    );
    const booked = blockers.filter((item) => rangesOverlap(item, candidate)).map((item) => item.id);
    const buffered = conflictingIds.filter((id) => !booked.includes(id));
    return [
      ...(booked.length > 0 ? [{ code: 'BOOKED' as const, appointmentIds: booked }] : []),
      ...(buffered.length > 0 ? [{ code: 'BUFFER' as const, appointmentIds: buffered }] : []),
    ];
  }

  // A profile object is checked once: directories usually return the same object every time.
  const checkedProfiles = new WeakMap<ProviderProfile, ProviderProfile>();

  async function provider(id: string, field = 'providerId'): Promise<ProviderProfile> {
    const profile = await directory.getProvider(id);
    if (profile === null || profile === undefined) throw new NotFoundError('Provider', id);
    let checked = typeof profile === 'object' ? checkedProfiles.get(profile) : undefined;
    if (checked === undefined) {
      checked = checkProviderProfile(id, profile);
      checkedProfiles.set(profile, checked);
    }
    if (!checked.active) throw ValidationError.forField(field, 'The provider is not active');
    return checked;
  }

  /** The provider's rules, with the type's limits, as the rule engine reads them. */
  function rulesOf(profile: ProviderProfile, type?: AppointmentType): Omit<WorkingTimeOptions, 'durationMinutes'> {
    return {
      ...slotRules(profile),
      ...(profile.limits !== undefined && { limits: profile.limits }),
      ...(type?.limits !== undefined && { typeLimits: { type: type.key, limits: type.limits } }),
    };
  }

  /**
   * The rules a booking must meet before any store sees it: hours, days off, notice and horizon
   * (`reasons`), and the period limits with their bounds (`limitChecks`), which the store counts
   * atomically with the write: only it knows the true count, so no limit is decided here.
   * With `bookings`, the full decision against them instead (what an override sets aside).
   */
  function decide(
    profile: ProviderProfile,
    type: AppointmentType,
    start: Date,
    durationMinutes: number,
    at: Date,
    around?: { bookings: readonly ExistingBooking[]; countedBookings?: readonly CountedBooking[] },
    excludeId?: string,
  ): BookingDecision {
    const decision = explainBooking({
      ...rulesOf(profile, type),
      durationMinutes,
      bufferBeforeMinutes: type.bufferBeforeMinutes,
      bufferAfterMinutes: type.bufferAfterMinutes,
      now: at,
      start,
      ...around,
      ...(excludeId !== undefined && { excludeId }),
    });
    if (around !== undefined) return decision;
    const reasons = decision.reasons.filter((reason) => reason.code !== 'PERIOD_LIMIT');
    return { ...decision, bookable: reasons.length === 0, reasons };
  }

  /**
   * What an override sets aside at each start: every rule that refuses it, period limits
   * counted against the bookings now stored (one read for all of them). Overlaps are not among
   * them: no override passes those.
   */
  async function bypassedRules(
    profile: ProviderProfile,
    type: AppointmentType,
    providerId: string,
    starts: readonly Date[],
    durationMinutes: number,
    at: Date,
    excludeId?: string,
  ): Promise<string[][]> {
    const first = starts[0]?.getTime() ?? at.getTime();
    const last = starts[starts.length - 1]?.getTime() ?? first;
    const around = await bookingsAround(
      providerId,
      profile,
      type,
      first - type.bufferBeforeMinutes * MINUTE_MS,
      last + (durationMinutes + type.bufferAfterMinutes) * MINUTE_MS,
    );
    return starts.map((start) =>
      decide(profile, type, start, durationMinutes, at, around, excludeId)
        .reasons.filter((reason) => reason.code !== 'BOOKED' && reason.code !== 'BUFFER')
        .map((reason) => reason.code),
    );
  }

  /**
   * Occupying appointments of a provider that matter for slots between two instants: those
   * whose time meets the range (`bookings`), and, when the profile or type has period limits,
   * every one starting in the periods the range touches (`countedBookings`, read lightly: a
   * month of them is only counted).
   */
  async function bookingsAround(
    providerId: string,
    profile: ProviderProfile,
    type: AppointmentType | readonly AppointmentType[] | undefined,
    fromMs: number,
    toMs: number,
  ): Promise<{ bookings: Appointment[]; countedBookings?: CountedBooking[] }> {
    const zone = ianaZone(profile.timeZone);
    const types = type === undefined ? [] : Array.isArray(type) ? type : [type as AppointmentType];
    const periods = new Set<LimitPeriod>(
      [profile.limits, ...types.map((item) => item.limits)].flatMap((limits) =>
        limits === undefined
          ? []
          : [
              ...(limits.perDay !== undefined || limits.minutesPerDay !== undefined ? (['day'] as const) : []),
              ...(limits.perWeek !== undefined ? (['week'] as const) : []),
              ...(limits.perMonth !== undefined ? (['month'] as const) : []),
            ],
      ),
    );
    const bookings = store.findOccupying(providerId, new Date(fromMs), new Date(toMs));
    if (periods.size === 0) return { bookings: await bookings };
    let from = fromMs;
    let to = toMs;
    for (const period of periods) {
      from = Math.min(from, periodStart(zone, period, instantToDayNumber(zone, fromMs)));
      to = Math.max(to, periodEnd(zone, period, instantToDayNumber(zone, toMs)));
    }
    const [found, countedBookings] = await Promise.all([
      bookings,
      store.findCountedBookings(providerId, new Date(from), new Date(to)),
    ]);
    return { bookings: found, countedBookings };
  }

  /** A series as stored: its occurrences by index, and the carrier holding its pattern. */
  async function loadSeries(seriesId: string): Promise<{ series: Series; carrier: Appointment }> {
    const { items } = await store.listAppointments({ seriesId });
    const occurrences = [...items].sort(
      (a, b) => (a.occurrenceIndex ?? 0) - (b.occurrenceIndex ?? 0) || a.start.getTime() - b.start.getTime(),
    );
    const [first] = occurrences;
    if (first === undefined) throw new NotFoundError('Series', seriesId);
    const carrier = occurrences.find((item) => item.recurrence !== null);
    if (carrier?.recurrence == null) {
      throw new SchedulingError(`Series ${seriesId} has no stored pattern`, 'INTERNAL_ERROR', 500);
    }
    return {
      series: {
        seriesId,
        patientId: first.patientId,
        providerId: first.providerId,
        timeZone: carrier.timeZone,
        segments: carrier.recurrence.segments,
        occurrences,
      },
      carrier,
    };
  }

  /**
   * Which of a series edit's placements can go in, each checked like a new booking against the
   * provider's bookings as they would be after the edit: other appointments stay, moving ones
   * leave their current time, accepted ones take their new one, refused ones stay where they are.
   * Refusals are found in index order until the set is consistent (a refused move keeps its old
   * time, which may refuse another in turn); then each refused one whose new time turned out to be
   * free after all is taken back, until none is. `forced` ones are refused whatever (a ring of
   * occurrences trading places). With `'fail'`, the first refusal throws.
   */
  async function place(
    profile: ProviderProfile,
    placements: readonly Placement[],
    at: Date,
    onConflict: 'fail' | 'skip',
    forced: ReadonlyMap<string, SeriesEditSkip> = new Map(),
  ): Promise<{ accepted: Placement[]; skipped: SeriesEditSkip[] }> {
    const [first] = placements;
    if (first === undefined) return { accepted: [], skipped: [] };
    const ranges = placements.flatMap((item) => [
      occupiedRange(item.candidate),
      ...(item.current === undefined ? [] : [occupiedRange(item.current)]),
    ]);
    const around = await bookingsAround(
      first.candidate.providerId,
      profile,
      [...new Set(placements.map((item) => item.type))],
      Math.min(...ranges.map((range) => range.start.getTime())),
      Math.max(...ranges.map((range) => range.end.getTime())),
    );
    const moving = new Set(placements.flatMap((item) => (item.current === undefined ? [] : [item.current.id])));
    const others = around.bookings.filter((booking) => !moving.has(booking.id));
    // The resources each placement holds (a series shares them): open then, and with room, leaving
    // out the moving occurrences' own holds.
    const resourceIds = [...new Set(placements.flatMap((item) => item.candidate.resources))];
    const held = await heldResources(resourceIds);
    const resourceReasons = await resourceCheck(
      held.wanted,
      Math.min(...ranges.map((range) => range.start.getTime())),
      Math.max(...ranges.map((range) => range.end.getTime())),
      moving,
    );
    const resourceRefusals = (candidate: Placement['candidate']): UnavailableReason[] =>
      candidate.resources.length === 0
        ? []
        : [...held.closed, ...resourceReasons(candidate.start, candidate.durationMinutes)].filter(
            (reason) => 'resourceId' in reason && candidate.resources.includes(reason.resourceId),
          );
    const otherCounted = around.countedBookings?.filter((booking) => !moving.has(booking.id));
    const refused = new Map<string, SeriesEditSkip>(forced);

    /** Why a placement cannot go in, next to the others, the refused ones' old times and `taken`. */
    const refusalOf = (placement: Placement, taken: readonly Placement[]): SeriesEditSkip | null => {
      const { candidate } = placement;
      const staying = placements.flatMap((item) =>
        item !== placement &&
        item.current !== undefined &&
        refused.has(item.candidate.id) &&
        isOccupyingStatus(item.current.status)
          ? [item.current]
          : [],
      );
      const bookings = [...staying, ...taken.filter((item) => item !== placement).map((item) => item.candidate)];
      const decision = decide(
        profile,
        placement.type,
        candidate.start,
        candidate.durationMinutes,
        at,
        {
          bookings: [...others, ...bookings],
          ...(otherCounted !== undefined && { countedBookings: [...otherCounted, ...bookings] }),
        },
        candidate.id,
      );
      const reasons: UnavailableReason[] = [
        ...(candidate.start.getTime() > at.getTime() || decision.reasons.some((reason) => reason.code === 'MIN_NOTICE')
          ? decision.reasons
          : [{ code: 'MIN_NOTICE' as const, earliestStart: at }, ...decision.reasons]),
        ...resourceRefusals(candidate),
      ];
      if (reasons.length === 0) return null;
      const conflictingIds = reasons.flatMap((reason) =>
        reason.code === 'BOOKED' || reason.code === 'BUFFER' ? [...reason.appointmentIds] : [],
      );
      return { appointmentId: placement.current?.id ?? null, start: candidate.start, conflictingIds, reasons };
    };

    // Refuse, in index order, until what is accepted and what stays is consistent.
    let accepted: Placement[] = [];
    for (let consistent = false; !consistent; ) {
      consistent = true;
      accepted = [];
      for (const placement of placements) {
        if (refused.has(placement.candidate.id)) continue;
        const refusal = refusalOf(placement, accepted);
        if (refusal === null) {
          accepted.push(placement);
          continue;
        }
        if (onConflict === 'fail') throw refusalError([refusal]);
        refused.set(placement.candidate.id, refusal);
        consistent = false;
        break;
      }
    }
    // Take back a refused one whose new time is free after all: it frees its old time and takes
    // a free one, so what is accepted stays consistent.
    for (let changed = true; changed; ) {
      changed = false;
      for (const placement of placements) {
        const id = placement.candidate.id;
        if (!refused.has(id) || forced.has(id) || refusalOf(placement, accepted) !== null) continue;
        refused.delete(id);
        accepted = placements.filter((item) => item === placement || accepted.includes(item));
        changed = true;
      }
    }
    const skipped = [...refused.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
    return { accepted, skipped };
  }

  /** The change that stores a series' new pattern on its carrier, when the carrier does not move. */
  function patternChange(carrier: Appointment, pattern: SeriesPattern, actor: Actor, at: Date): AppointmentChange {
    const set: AppointmentPatch = { recurrence: pattern };
    return {
      id: carrier.id,
      expectedVersion: carrier.version,
      set,
      audit: auditEntry(carrier.id, 'updated', actor, stampAfter(carrier, at), carrier.version + 1, diff(carrier, set)),
    };
  }

  /**
   * What a move of a series plans: the new pattern and where each occurrence still to come goes.
   * The move starts at the first instance of the pattern at or after `from` (and after now): the
   * segment in force there is cut, and every segment from there on keeps its own rule and days,
   * with the change applied to it (a new time or weekdays re-anchor it; a new duration or type
   * alone leaves its instances where they are).
   */
  function planMove(
    series: Series,
    request: z.output<Schemas['moveSeries']>,
    at: Date,
  ): { pattern: SeriesPattern; placements: Placement[] } {
    const newType = request.type === undefined ? undefined : typeOf(request.type);
    const retimed = request.time !== undefined || request.weekdays !== undefined;
    const instances = seriesInstances(series);
    const split = instances.find(
      (instance) =>
        instance.start.getTime() > at.getTime() &&
        (request.from === undefined || instance.start.getTime() >= request.from.getTime()),
    )?.index;
    const movable =
      split === undefined
        ? []
        : series.occurrences.filter(
            (item) =>
              (item.occurrenceIndex ?? -1) >= split && isChangeable(item.status) && item.start.getTime() > at.getTime(),
          );
    if (split === undefined || movable.length === 0) {
      throw ValidationError.forField(
        request.from === undefined ? 'seriesId' : 'from',
        'No occurrence of the series is left to move',
        'nothing_to_move',
      );
    }
    const segments: SeriesSegment[] = [];
    const targets = new Map<number, Date>();
    series.segments.forEach((segment, position) => {
      const covered = instances.filter((instance) => instance.segment === position);
      const last = covered[covered.length - 1];
      if (last === undefined || last.index < split) {
        segments.push(segment);
        return;
      }
      const from = Math.max(segment.fromIndex, split);
      const count = last.index - from + 1;
      const replaced = (covered.find((instance) => instance.index === from) as SeriesInstance).start;
      const changed = {
        durationMinutes: request.durationMinutes ?? newType?.durationMinutes ?? segment.durationMinutes,
        type: newType?.key ?? segment.type,
      };
      if (segment.fromIndex < split)
        segments.push({ ...segment, rule: boundRule(segment.rule, split - segment.fromIndex) });
      if (!retimed && segment.fromIndex >= split) {
        // Only duration or type: the segment's instances stay where they are.
        segments.push({ ...segment, ...changed });
        for (const instance of covered) targets.set(instance.index, instance.start);
        return;
      }
      const rule = retimed
        ? movedRule(
            segment.rule,
            {
              ...(request.weekdays !== undefined && { weekdays: request.weekdays }),
              retimed: request.time !== undefined,
            },
            count,
          )
        : boundRule(segment.rule, count);
      // A rule that sets its own times keeps the instance it is cut at as its first, as it is.
      const anchor =
        !retimed && ruleSetsTime(segment.rule)
          ? { start: replaced }
          : movedAnchor(series.timeZone, replaced, segment, {
              ...(request.time !== undefined && { minuteOfDay: parseLocalTime(request.time, 'time') }),
              ...(request.weekdays !== undefined && { weekdays: request.weekdays }),
            });
      const starts = expandRecurrence({
        start: anchor.start,
        timeZone: series.timeZone,
        recurrence: rule,
        ...(anchor.wallStart !== undefined && { wallStart: anchor.wallStart }),
      });
      if (starts.length < count) {
        throw ValidationError.forField(
          request.weekdays === undefined ? 'time' : 'weekdays',
          `The ${count} occurrences to move do not fit in ${LIMITS.maxSeriesYears} years of the new pattern`,
          'too_big',
        );
      }
      segments.push({
        fromIndex: from,
        start: anchor.start.toISOString(),
        ...(anchor.wallStart !== undefined && { wallStart: anchor.wallStart }),
        rule,
        ...changed,
      });
      for (const [offset, start] of starts.slice(0, count).entries()) targets.set(from + offset, start);
    });
    const placements = movable.flatMap((current): Placement[] => {
      // A new duration or type alone moves nothing: each keeps its start, moved on its own or not.
      const start = retimed ? targets.get(current.occurrenceIndex as number) : current.start;
      if (start === undefined) return [];
      const type = newType ?? typeOfAppointment(current);
      const durationMinutes =
        request.durationMinutes ?? (newType === undefined ? current.durationMinutes : newType.durationMinutes);
      return [
        {
          current,
          type,
          candidate: {
            ...current,
            start,
            end: new Date(start.getTime() + durationMinutes * MINUTE_MS),
            durationMinutes,
            type: type.key,
            bufferBeforeMinutes: type.bufferBeforeMinutes,
            bufferAfterMinutes: type.bufferAfterMinutes,
          },
        },
      ];
    });
    return { pattern: { segments }, placements };
  }

  /** A resource asked for, resolved: its profile(s) from the directory, checked. */
  interface WantedResource {
    readonly specs: ResourceSpec[];
    readonly profiles: ResourceProfile[];
  }

  /**
   * The resources a booking asks for, from the directory: `{ id }` one, `{ kind }` every active
   * one of the kind (in the order of their ids, at most `LIMITS.kindCandidates`).
   * @throws {NotFoundError} an unknown resource. @throws {ValidationError} an inactive one, or a kind with none.
   */
  async function resolveResources(requests: readonly ({ id: string } | { kind: string })[]): Promise<WantedResource[]> {
    if (requests.length === 0) return [];
    const { getResource, listResources } = directory;
    if (typeof getResource !== 'function') {
      throw new ConfigurationError('directory', null, 'getResource', 'Give getResource to book resources');
    }
    const lookUp = async (id: string, field: string) => {
      const profile = await getResource.call(directory, id);
      if (profile === null || profile === undefined) throw new NotFoundError('Resource', id);
      const checked = checkResourceProfile(id, profile);
      if (!checked.active) throw ValidationError.forField(field, 'The resource is not active');
      return checked;
    };
    return Promise.all(
      requests.map(async (request, index): Promise<WantedResource> => {
        if ('id' in request) {
          const profile = await lookUp(request.id, `resources[${index}].id`);
          return { specs: [specOf(request.id, profile)], profiles: [profile] };
        }
        if (typeof listResources !== 'function') {
          throw new ConfigurationError(
            'directory',
            null,
            'listResources',
            'Give listResources to book a resource by kind',
          );
        }
        const ids = [...(await listResources.call(directory, request.kind))].sort().slice(0, LIMITS.kindCandidates);
        const found: Array<[string, ResourceProfile]> = [];
        for (const id of ids) {
          const profile = checkResourceProfile(id, (await getResource.call(directory, id)) as ResourceProfile);
          if (profile.active && profile.kind === request.kind) found.push([id, profile]);
        }
        if (found.length === 0) {
          throw ValidationError.forField(`resources[${index}].kind`, `No active resource of kind ${request.kind}`);
        }
        return {
          specs: found.map(([id, profile]) => specOf(id, profile)),
          profiles: found.map(([, profile]) => profile),
        };
      }),
    );
  }

  /**
   * What a set of wanted resources says about candidate times: for one start and duration, the
   * reasons no resource of some request can be held (closed then, busy, or full), or none. It
   * decides as the store does when it books: each request takes the first candidate open and with
   * room, a candidate only once; room is counted by the peak overlap of the resource's active
   * allocations, read once for `[fromMs, toMs)`.
   */
  async function resourceCheck(
    wanted: readonly WantedResource[],
    fromMs: number,
    toMs: number,
    excludeIds: ReadonlySet<string> = new Set(),
  ): Promise<(start: Date, durationMinutes: number) => UnavailableReason[]> {
    if (wanted.length === 0) return () => [];
    const specs = wanted.flatMap((item) => item.specs);
    const widest = Math.max(...specs.map((spec) => Math.max(spec.bufferBeforeMinutes, spec.bufferAfterMinutes)));
    const allocations = await store.findAllocations(
      [...new Set(specs.map((spec) => spec.id))],
      new Date(fromMs - widest * MINUTE_MS),
      new Date(toMs + widest * MINUTE_MS),
    );
    const byResource = new Map<string, ResourceAllocation[]>();
    for (const allocation of allocations) {
      if (excludeIds.has(allocation.appointmentId)) continue;
      byResource.set(allocation.resourceId, [...(byResource.get(allocation.resourceId) ?? []), allocation]);
    }
    return (start, durationMinutes) => {
      const picked = new Set<string>();
      const reasons: UnavailableReason[] = [];
      for (const item of wanted) {
        const refusals: UnavailableReason[] = [];
        const found = item.specs.findIndex((spec, position) => {
          if (picked.has(spec.id)) return false;
          if (!isResourceOpen(item.profiles[position] as ResourceProfile, start, durationMinutes)) {
            refusals.push({ code: 'RESOURCE_CLOSED', resourceId: spec.id });
            return false;
          }
          const refusal = roomFor(spec, byResource.get(spec.id) ?? [], start, durationMinutes);
          if (refusal !== null) refusals.push(refusal);
          return refusal === null;
        });
        if (found < 0) reasons.push(...refusals);
        else picked.add((item.specs[found] as ResourceSpec).id);
      }
      return reasons;
    };
  }

  /**
   * Provider slots with what the wanted resources say added (a slot a resource refuses is not
   * available), the allocations read once for `[from, to)`; the unavailable ones kept only if asked.
   */
  async function withResources(
    slots: TimeSlot[],
    wanted: readonly WantedResource[],
    [from, to]: readonly [number, number],
    durationMinutes: number,
    keepUnavailable: boolean,
  ): Promise<TimeSlot[]> {
    if (wanted.length === 0) return slots;
    const check = await resourceCheck(wanted, from, to + durationMinutes * MINUTE_MS);
    return slots
      .map((slot) => {
        const reasons = [...slot.reasons, ...check(slot.start, durationMinutes)];
        return { ...slot, available: reasons.length === 0, reasons };
      })
      .filter((slot) => slot.available || keepUnavailable);
  }

  /**
   * The resources an appointment already holds, from the directory; one it no longer knows, or
   * that is inactive now, is closed (`RESOURCE_CLOSED`) rather than an input error.
   */
  async function heldResources(
    ids: readonly string[],
  ): Promise<{ wanted: WantedResource[]; closed: UnavailableReason[] }> {
    const wanted: WantedResource[] = [];
    const closed: UnavailableReason[] = [];
    for (const id of ids) {
      try {
        wanted.push(...(await resolveResources([{ id }])));
      } catch (error) {
        if (!(error instanceof NotFoundError) && !(error instanceof ValidationError)) throw error;
        closed.push({ code: 'RESOURCE_CLOSED', resourceId: id });
      }
    }
    return { wanted, closed };
  }

  /** Why each resource is closed for `[start, start + duration)`: outside its hours or a day it is closed. */
  function closedResources(
    wanted: readonly WantedResource[],
    start: Date,
    durationMinutes: number,
  ): UnavailableReason[] {
    return wanted.flatMap((item) =>
      item.specs.flatMap((spec, position) =>
        isResourceOpen(item.profiles[position] as ResourceProfile, start, durationMinutes)
          ? []
          : [{ code: 'RESOURCE_CLOSED' as const, resourceId: spec.id }],
      ),
    );
  }

  /** The requests for the store at one start: each with the candidates open then, or why none is. */
  function openResources(
    wanted: readonly WantedResource[],
    start: Date,
    durationMinutes: number,
  ): { readonly requests: ResourceRequest[] } | { readonly reasons: UnavailableReason[] } {
    const requests: ResourceRequest[] = [];
    const reasons: UnavailableReason[] = [];
    for (const item of wanted) {
      const candidates = item.specs.filter((_spec, position) =>
        isResourceOpen(item.profiles[position] as ResourceProfile, start, durationMinutes),
      );
      if (candidates.length === 0) reasons.push(...closedResources([item], start, durationMinutes));
      requests.push({ candidates });
    }
    return reasons.length > 0 ? { reasons } : { requests };
  }

  async function requireActivePatient(id: string): Promise<void> {
    const profile = await directory.getPatient(id);
    if (profile === null || profile === undefined) throw new NotFoundError('Patient', id);
    if (!profile.active) throw ValidationError.forField('patientId', 'The patient is not active');
  }

  /** An appointment by its id in any letter case; `NotFoundError` if there is none. */
  async function load(id: unknown): Promise<Appointment> {
    const canonical = parseInput(schemas.appointmentId, id, 'id');
    const appointment = await store.getAppointment(canonical);
    if (appointment === null) throw new NotFoundError('Appointment', canonical);
    return appointment;
  }

  /**
   * An audit entry; `version` is the appointment version the entry produced (a change) or saw
   * (a read), which is what orders the trail, whatever the writers' clocks say.
   */
  const auditEntry = (
    appointmentId: string,
    action: AuditAction,
    actor: Actor | null,
    at: Date,
    version: number,
    changes: FieldChanges,
    override: AuditOverride | null = null,
  ): NewAuditEntry => ({
    id: randomUUID(),
    appointmentId,
    action,
    actorId: actor?.id ?? null,
    at,
    version,
    changes,
    override,
  });

  async function logReads(appointments: readonly Appointment[], action: 'viewed' | 'listed', actor?: Actor) {
    if (!auditReads || appointments.length === 0) return;
    const at = now();
    await store.appendAudit(
      appointments.map((item) => auditEntry(item.id, action, actor ?? null, at, item.version, {})),
    );
  }

  /**
   * Reads the appointment, lets `plan` decide the change, and applies it by compare-and-set.
   * When the caller gave no expected version and another writer got in between, the whole
   * read-decide-write runs again on fresh data (bounded), so no change is ever lost.
   */
  async function change(
    id: string,
    actor: Actor,
    changeOptions: ChangeOptions | undefined,
    plan: (current: Appointment, at: Date) => Promise<PlannedChange | null> | PlannedChange | null,
  ): Promise<Appointment> {
    assertActor(actor);
    const expectedVersion = parseExpectedVersion(changeOptions);
    for (let attempt = 0; ; attempt++) {
      const current = await load(id);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new StaleVersionError(expectedVersion, current.version);
      }
      const at = now();
      const planned = await plan(current, at);
      if (planned === null) return current;
      try {
        const [updated] = await store.applyChanges([
          {
            id: current.id,
            expectedVersion: current.version,
            set: planned.set,
            ...(planned.limits !== undefined && planned.limits.length > 0 && { limits: planned.limits }),
            audit: auditEntry(
              current.id,
              planned.action,
              actor,
              stampAfter(current, at),
              current.version + 1,
              diff(current, planned.set),
              planned.override ?? null,
            ),
          },
        ]);
        return updated as Appointment;
      } catch (error) {
        if (!(error instanceof StaleVersionError) || expectedVersion !== undefined || attempt >= RACE_RETRIES)
          throw error;
      }
    }
  }

  const transition =
    (to: AppointmentStatus, stamp: (at: Date) => AppointmentPatch, action: AuditAction) =>
    (current: Appointment, at: Date) => {
      assertTransition(current.status, to);
      return { set: { status: to, ...stamp(at) }, action };
    };

  function durationChoice(query: { type?: string | undefined; durationMinutes?: number | undefined }) {
    const type = query.type === undefined ? undefined : typeOf(query.type);
    return {
      durationMinutes: query.durationMinutes ?? (type as AppointmentType).durationMinutes,
      bufferBeforeMinutes: type?.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: type?.bufferAfterMinutes ?? 0,
    };
  }

  return {
    /** The schemas this scheduler validates with (its id format and type catalogue). */
    schemas,

    /** The validated appointment-type catalogue. */
    appointmentTypes: types,

    /**
     * Books an appointment, or a series when `recurrence` is given. The start must lie in the
     * future; a conflicting single booking fails with `ConflictError`; in a series, conflicting
     * occurrences are skipped and listed. With `idempotencyKey`, a retry returns the first
     * result and books nothing new; the same key with a different request is an `IdempotencyMismatchError`.
     */
    async book(input: unknown, actor: Actor, bookOptions?: BookOptions): Promise<BookingResult> {
      assertActor(actor);
      const request = parseInput(schemas.createAppointment, input);
      const override = parseOverride(bookOptions);
      const at = now();
      // Only a keyed request needs its digest (hashing is wasted work on every other booking).
      // A retry replays the first result even once its start has passed.
      const fingerprint = request.idempotencyKey === undefined ? '' : fingerprintOf(request, override);
      if (request.idempotencyKey !== undefined) {
        const record = await store.getIdempotencyRecord(request.idempotencyKey);
        if (record !== null) return replay(record, fingerprint);
      }
      if (request.start.getTime() <= at.getTime()) throw ValidationError.forField('start', 'Must be in the future');
      const profile = await provider(request.providerId);
      await requireActivePatient(request.patientId);
      const type = typeOf(request.type);
      const durationMinutes = request.durationMinutes ?? type.durationMinutes;
      const rule = request.recurrence === undefined ? null : storedRecurrence(request.recurrence);
      const starts = request.recurrence
        ? expandRecurrence({ start: request.start, timeZone: profile.timeZone, recurrence: request.recurrence })
        : [request.start];
      const seriesId = rule === null ? null : randomUUID();
      const pattern: SeriesPattern | null =
        rule === null
          ? null
          : {
              segments: [
                {
                  fromIndex: 0,
                  start: request.start.toISOString(),
                  rule,
                  durationMinutes,
                  type: type.key,
                },
              ],
            };
      const bypassed =
        override === undefined
          ? undefined
          : await bypassedRules(profile, type, request.providerId, starts, durationMinutes, at);
      // Every occurrence is decided by the same rules availability offers by.
      const refused: SeriesResult['skipped'][number][] = [];
      const wanted = await resolveResources(request.resources ?? []);
      const rows = starts.flatMap((start, index) => {
        const decision = decide(profile, type, start, durationMinutes, at);
        // Only resources open then are candidates; one asked for that none can give refuses the time.
        const held = openResources(wanted, start, durationMinutes);
        const reasons = [...decision.reasons, ...('reasons' in held ? held.reasons : [])];
        if (reasons.length > 0 && override === undefined) {
          refused.push({ start, conflictingIds: [], reasons });
          return [];
        }
        const appointment: Omit<Appointment, 'confirmationCode'> = {
          id: randomUUID(),
          patientId: request.patientId,
          providerId: request.providerId,
          type: type.key,
          status: 'scheduled',
          start,
          end: new Date(start.getTime() + durationMinutes * MINUTE_MS),
          durationMinutes,
          bufferBeforeMinutes: type.bufferBeforeMinutes,
          bufferAfterMinutes: type.bufferAfterMinutes,
          timeZone: profile.timeZone,
          reason: request.reason ?? null,
          notes: request.notes ?? null,
          ...UNTOUCHED,
          resources: [],
          seriesId,
          occurrenceIndex: seriesId === null ? null : index,
          version: 1,
          metadata: (request.metadata ?? {}) as Appointment['metadata'],
          createdAt: at,
          updatedAt: at,
          createdBy: actor.id,
          updatedBy: actor.id,
        };
        const audit = auditEntry(
          appointment.id,
          'created',
          actor,
          at,
          1,
          snapshot(appointment),
          override === undefined ? null : { reason: override.reason, bypassed: bypassed?.[index] ?? [] },
        );
        // An override books past the limits too: the store is given none to count. It never
        // books past a resource's capacity: the store checks that whatever.
        const requests = 'requests' in held ? held.requests : wanted.map((item) => ({ candidates: item.specs }));
        return [
          {
            appointment,
            audit,
            ...(override === undefined && { limits: decision.limitChecks }),
            ...(requests.length > 0 && { resources: requests }),
          },
        ];
      });
      if (seriesId === null && refused[0] !== undefined) throw new UnavailableError(refused[0].reasons);
      const keyed = request.idempotencyKey;
      const result =
        rows.length === 0
          ? { kind: 'inserted' as const, inserted: [], skipped: [] }
          : await store.insertAppointments(rows, {
              onConflict: seriesId === null ? 'fail' : 'skip',
              ...(pattern !== null && { seriesPattern: pattern }),
              ...(keyed !== undefined && {
                idempotency: {
                  key: keyed,
                  fingerprint,
                  createdAt: at,
                  ...(refused.length > 0 && { skipped: refused }),
                },
              }),
            });
      if (result.kind === 'replay') return replay(result.record, fingerprint);
      const skipped = [
        ...refused,
        ...(await Promise.all(
          result.skipped.map(async (item) => ({
            start: item.appointment.start,
            conflictingIds: item.conflictingIds,
            reasons: item.reasons ?? (await conflictReasons(item.appointment, item.conflictingIds)),
          })),
        )),
      ].sort((a, b) => a.start.getTime() - b.start.getTime());
      const [first] = result.inserted;
      if (first === undefined) {
        const conflictingIds = [...new Set(skipped.flatMap((item) => item.conflictingIds))];
        if (conflictingIds.length > 0) throw new ConflictError(conflictingIds);
        throw new UnavailableError(skipped.flatMap((item) => item.reasons));
      }
      if (seriesId === null) return { appointment: first };
      return { appointment: first, series: { seriesId, created: result.inserted, skipped } };
    },

    /**
     * Whether a provider could be booked at `start` for a type or duration, and every reason it
     * could not: the one decision `book`, `reschedule` and `availability` share, read against
     * the current bookings and limits.
     */
    async explain(query: unknown): Promise<Explanation> {
      const request = parseInput(schemas.explainQuery, query);
      const profile = await provider(request.providerId);
      const type = request.type === undefined ? undefined : typeOf(request.type);
      const booking = durationChoice(request);
      const startMs = request.start.getTime();
      const around = await bookingsAround(
        request.providerId,
        profile,
        type,
        startMs - booking.bufferBeforeMinutes * MINUTE_MS,
        startMs + (booking.durationMinutes + booking.bufferAfterMinutes) * MINUTE_MS,
      );
      const decision = explainBooking({
        ...rulesOf(profile, type),
        ...booking,
        ...around,
        now: now(),
        start: request.start,
      });
      const held = await resourceCheck(
        await resolveResources(request.resources ?? []),
        startMs,
        startMs + booking.durationMinutes * MINUTE_MS,
      );
      const reasons = [...decision.reasons, ...held(request.start, booking.durationMinutes)];
      return { bookable: reasons.length === 0, reasons };
    },

    /** One appointment; `NotFoundError` if there is none. */
    async get(id: string, actor?: Actor): Promise<Appointment> {
      if (actor !== undefined) assertActor(actor);
      const appointment = await load(id);
      await logReads([appointment], 'viewed', actor);
      return appointment;
    },

    /** Changes reason, notes, metadata or type (the type's buffers come with it). */
    async update(id: string, patch: unknown, actor: Actor, changeOptions?: ChangeOptions): Promise<Appointment> {
      const request = parseInput(schemas.updateAppointment, patch);
      return change(id, actor, changeOptions, async (current, at) => {
        const set: { -readonly [K in keyof AppointmentPatch]: AppointmentPatch[K] } = {};
        let limits: readonly PeriodLimitCheck[] = [];
        if (request.reason !== undefined) set.reason = request.reason;
        if (request.notes !== undefined) set.notes = request.notes;
        if (request.metadata !== undefined) set.metadata = (request.metadata ?? {}) as Appointment['metadata'];
        if (request.type !== undefined && request.type !== current.type) {
          if (!isChangeable(current.status)) {
            throw new NotChangeableError(current.status, `The type of a ${current.status} appointment cannot change`);
          }
          const type = typeOf(request.type);
          set.type = type.key;
          set.bufferBeforeMinutes = type.bufferBeforeMinutes;
          set.bufferAfterMinutes = type.bufferAfterMinutes;
          // The time stays; the new type's own limits are counted by the store with the change.
          if (type.limits !== undefined) {
            const profile = await provider(current.providerId);
            limits = decide(profile, type, current.start, current.durationMinutes, at).limitChecks.filter(
              (check) => check.type !== null,
            );
          }
        }
        const changed = Object.keys(diff(current, set)).length > 0;
        return changed ? { set, action: 'updated', limits } : null;
      });
    },

    /** Moves a scheduled or confirmed appointment to a new future start (and duration); keeps its status. */
    async reschedule(
      id: string,
      input: unknown,
      actor: Actor,
      rescheduleOptions?: RescheduleOptions,
    ): Promise<Appointment> {
      const request = parseInput(schemas.rescheduleAppointment, input);
      const override = parseOverride(rescheduleOptions);
      return change(id, actor, rescheduleOptions, async (current, at) => {
        if (!isChangeable(current.status)) {
          throw new NotChangeableError(
            current.status,
            `A ${current.status} appointment cannot be rescheduled; only scheduled or confirmed ones can`,
          );
        }
        if (request.start.getTime() <= at.getTime()) throw ValidationError.forField('start', 'Must be in the future');
        const durationMinutes = request.durationMinutes ?? current.durationMinutes;
        const profile = await provider(current.providerId);
        const type = typeOfAppointment(current);
        const decision = decide(profile, type, request.start, durationMinutes, at);
        const held = await heldResources(current.resources);
        const closed = [...held.closed, ...closedResources(held.wanted, request.start, durationMinutes)];
        if ((!decision.bookable || closed.length > 0) && override === undefined) {
          throw new UnavailableError([...decision.reasons, ...closed]);
        }
        const bypassed =
          override === undefined
            ? []
            : ((
                await bypassedRules(profile, type, current.providerId, [request.start], durationMinutes, at, current.id)
              )[0] ?? []);
        return {
          set: {
            start: request.start,
            end: new Date(request.start.getTime() + durationMinutes * MINUTE_MS),
            durationMinutes,
          },
          action: 'rescheduled',
          ...(override === undefined
            ? { limits: decision.limitChecks }
            : { override: { reason: override.reason, bypassed } }),
        };
      });
    },

    /** scheduled → confirmed. */
    async confirm(id: string, actor: Actor, changeOptions?: ChangeOptions): Promise<Appointment> {
      return change(
        id,
        actor,
        changeOptions,
        transition('confirmed', (at) => ({ confirmedAt: at }), 'confirmed'),
      );
    },

    /** confirmed → in_progress (the patient has arrived). */
    async checkIn(id: string, actor: Actor, changeOptions?: ChangeOptions): Promise<Appointment> {
      return change(
        id,
        actor,
        changeOptions,
        transition('in_progress', (at) => ({ checkedInAt: at }), 'checked_in'),
      );
    },

    /** in_progress → completed. */
    async complete(id: string, actor: Actor, changeOptions?: ChangeOptions): Promise<Appointment> {
      return change(
        id,
        actor,
        changeOptions,
        transition('completed', (at) => ({ checkedOutAt: at }), 'completed'),
      );
    },

    /** scheduled or confirmed → no_show, once the start has passed. */
    async markNoShow(id: string, actor: Actor, changeOptions?: ChangeOptions): Promise<Appointment> {
      return change(id, actor, changeOptions, (current, at) => {
        assertTransition(current.status, 'no_show');
        if (at.getTime() < current.start.getTime()) {
          throw new InvalidTransitionError(
            current.status,
            'no_show',
            'An appointment cannot be a no-show before its start',
          );
        }
        return { set: { status: 'no_show', noShowAt: at }, action: 'no_show' };
      });
    },

    /** scheduled or confirmed → cancelled, with a reason; the time becomes free. */
    async cancel(id: string, input: unknown, actor: Actor, changeOptions?: ChangeOptions): Promise<Appointment> {
      const request = parseInput(schemas.cancelAppointment, input);
      return change(id, actor, changeOptions, (current, at) => {
        assertTransition(current.status, 'cancelled');
        return {
          set: { status: 'cancelled', cancellationReason: request.reason, cancelledAt: at, cancelledBy: actor.id },
          action: 'cancelled',
        };
      });
    },

    /**
     * Cancels a whole series, or with `from` this occurrence and the following ones, in one
     * transaction. Occurrences that can no longer be cancelled (completed, no-show, already
     * cancelled) are left as they are.
     */
    async cancelSeries(seriesId: string, input: unknown, actor: Actor): Promise<{ cancelled: Appointment[] }> {
      assertActor(actor);
      const series = parseInput(schemas.appointmentId, seriesId, 'seriesId');
      const request = parseInput(schemas.cancelSeries, input);
      for (let attempt = 0; ; attempt++) {
        const { items } = await store.listAppointments({ seriesId: series });
        if (items.length === 0) throw new NotFoundError('Series', series);
        const at = now();
        const changes: AppointmentChange[] = items
          .filter((item) => STATUS_TRANSITIONS[item.status].includes('cancelled'))
          .filter((item) => request.from === undefined || item.start.getTime() >= request.from.getTime())
          .map((item) => {
            const set: AppointmentPatch = {
              status: 'cancelled',
              cancellationReason: request.reason,
              cancelledAt: at,
              cancelledBy: actor.id,
            };
            return {
              id: item.id,
              expectedVersion: item.version,
              set,
              audit: auditEntry(item.id, 'cancelled', actor, stampAfter(item, at), item.version + 1, diff(item, set)),
            };
          });
        try {
          return { cancelled: changes.length === 0 ? [] : await store.applyChanges(changes) };
        } catch (error) {
          if (!(error instanceof StaleVersionError) || attempt >= RACE_RETRIES) throw error;
        }
      }
    },

    /** A series: its pattern as it stands now and every stored occurrence, by index. */
    async getSeries(seriesId: string): Promise<Series> {
      const id = parseInput(schemas.appointmentId, seriesId, 'seriesId');
      return (await loadSeries(id)).series;
    },

    /** Moves the occurrences still to come (or from `from` on) to a new time, weekdays, duration or type. */
    async moveSeries(seriesId: string, input: unknown, actor: Actor): Promise<SeriesMoveResult> {
      assertActor(actor);
      const id = parseInput(schemas.appointmentId, seriesId, 'seriesId');
      const request = parseInput(schemas.moveSeries, input);
      for (let attempt = 0; ; attempt++) {
        const { series, carrier } = await loadSeries(id);
        const at = now();
        const profile = await provider(series.providerId);
        const { pattern, placements } = planMove(series, request, at);
        // Occurrences that would trade places cannot be written one at a time: with 'skip' they
        // stay where they are (and the rest is placed again), with 'fail' nothing moves.
        const trading = new Map<string, SeriesEditSkip>();
        let planned: { accepted: Placement[]; skipped: SeriesEditSkip[]; order: string[] } | undefined;
        while (planned === undefined) {
          const { accepted, skipped } = await place(profile, placements, at, request.onConflict, trading);
          if (accepted.length === 0) throw refusalError(skipped);
          const written = orderMoves(
            accepted.map((item) => ({
              id: item.candidate.id,
              from: occupiedRange(item.current as Appointment),
              to: occupiedRange(item.candidate),
            })),
          );
          if ('order' in written) {
            planned = { accepted, skipped, order: written.order };
            continue;
          }
          if (request.onConflict === 'fail') throw new ConflictError(written.ring);
          for (const id of written.ring) {
            const placement = accepted.find((item) => item.candidate.id === id) as Placement;
            const reasons = [{ code: 'BOOKED' as const, appointmentIds: written.ring.filter((other) => other !== id) }];
            trading.set(id, {
              appointmentId: id,
              start: placement.candidate.start,
              conflictingIds: reasons[0].appointmentIds,
              reasons,
            });
          }
        }
        const { accepted, skipped, order } = planned;
        const byId = new Map(accepted.map((item) => [item.candidate.id, item]));
        const changes: AppointmentChange[] = order.map((appointmentId) => {
          const { current, candidate, type } = byId.get(appointmentId) as Placement;
          const before = current as Appointment;
          const set: AppointmentPatch = {
            start: candidate.start,
            end: candidate.end,
            durationMinutes: candidate.durationMinutes,
            type: candidate.type,
            bufferBeforeMinutes: candidate.bufferBeforeMinutes,
            bufferAfterMinutes: candidate.bufferAfterMinutes,
            ...(before.id === carrier.id && { recurrence: pattern }),
          };
          const limits = decide(profile, type, candidate.start, candidate.durationMinutes, at).limitChecks;
          return {
            id: before.id,
            expectedVersion: before.version,
            set,
            ...(limits.length > 0 && { limits }),
            audit: auditEntry(
              before.id,
              'rescheduled',
              actor,
              stampAfter(before, at),
              before.version + 1,
              diff(before, set),
            ),
          };
        });
        if (!byId.has(carrier.id)) changes.push(patternChange(carrier, pattern, actor, at));
        try {
          await store.editSeries({ changes, rows: [] });
        } catch (error) {
          if (isLostRace(error) && attempt < RACE_RETRIES) continue;
          throw error;
        }
        const after = (await loadSeries(id)).series;
        const moved = after.occurrences.filter((item) => byId.has(item.id));
        return { series: after, moved, skipped };
      }
    },

    /** Extends a series by `count` occurrences or to a later `until`, following its last segment. */
    async extendSeries(seriesId: string, input: unknown, actor: Actor): Promise<SeriesExtensionResult> {
      assertActor(actor);
      const id = parseInput(schemas.appointmentId, seriesId, 'seriesId');
      const request = parseInput(schemas.extendSeries, input);
      const field = request.count === undefined ? 'until' : 'count';
      for (let attempt = 0; ; attempt++) {
        const { series, carrier } = await loadSeries(id);
        const at = now();
        const profile = await provider(series.providerId);
        await requireActivePatient(series.patientId);
        const segment = series.segments[series.segments.length - 1] as SeriesSegment;
        const instances = seriesInstances(series);
        const lastIndex = Math.max(
          instances[instances.length - 1]?.index ?? 0,
          ...series.occurrences.map((item) => item.occurrenceIndex ?? 0),
        );
        const covered = lastIndex - segment.fromIndex + 1;
        if (request.count !== undefined && covered + request.count > LIMITS.maxOccurrences) {
          throw ValidationError.forField(
            'count',
            `A segment of a series holds at most ${LIMITS.maxOccurrences} occurrences; this one has ${covered}`,
            'too_big',
          );
        }
        // A local date ends with that day in the series' zone: an RRULE states it as a UTC
        // date-time (RFC 5545 wants UNTIL of DTSTART's kind), a pattern keeps the date.
        const untilInstant =
          request.until === undefined
            ? undefined
            : request.until instanceof Date
              ? request.until
              : new Date(
                  localToInstant(
                    ianaZone(series.timeZone),
                    localDateToDayNumber(parseLocalDate(request.until, 'until')) + 1,
                    0,
                  ) - 1000,
                );
        const rule = extendedRule(
          segment.rule,
          untilInstant === undefined
            ? { totalCount: covered + (request.count as number) }
            : { until: 'rrule' in segment.rule ? untilInstant : (request.until as Date | string) },
        );
        let starts: Date[];
        try {
          starts = expandRecurrence({
            start: new Date(segment.start),
            timeZone: series.timeZone,
            recurrence: rule,
            ...(segment.wallStart !== undefined && { wallStart: segment.wallStart }),
          });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: field })));
        }
        if (untilInstant !== undefined) {
          // The stored end must be the real one: refuse one the series' bounds would cut short.
          const windowEnd = DateTime.fromMillis(Date.parse(segment.start), { zone: series.timeZone })
            .plus({ years: LIMITS.maxSeriesYears })
            .toMillis();
          if (untilInstant.getTime() > windowEnd || starts.length >= LIMITS.maxOccurrences) {
            throw ValidationError.forField(
              'until',
              `A segment of a series ends within ${LIMITS.maxSeriesYears} years of its start and holds at most ${LIMITS.maxOccurrences} occurrences`,
              'too_big',
            );
          }
        }
        const added = starts.slice(covered);
        if (added.length === 0)
          throw ValidationError.forField(field, 'The series already reaches that far', 'nothing_to_add');
        if (request.count !== undefined && added.length < request.count) {
          throw ValidationError.forField(
            'count',
            `Only ${added.length} more occurrences fit in ${LIMITS.maxSeriesYears} years of the segment's start`,
            'too_big',
          );
        }
        const template = series.occurrences[series.occurrences.length - 1] as Appointment;
        const type = typesByKey.get(segment.type) ?? typeOfAppointment(template);
        const placements = added.map(
          (start, offset): Placement => ({
            type,
            candidate: {
              ...template,
              id: randomUUID(),
              type: type.key,
              status: 'scheduled',
              start,
              end: new Date(start.getTime() + segment.durationMinutes * MINUTE_MS),
              durationMinutes: segment.durationMinutes,
              bufferBeforeMinutes: type.bufferBeforeMinutes,
              bufferAfterMinutes: type.bufferAfterMinutes,
              timeZone: series.timeZone,
              ...UNTOUCHED,
              occurrenceIndex: lastIndex + 1 + offset,
              version: 1,
              createdAt: at,
              updatedAt: at,
              createdBy: actor.id,
              updatedBy: actor.id,
            },
          }),
        );
        const { accepted, skipped } = await place(profile, placements, at, request.onConflict);
        if (accepted.length === 0) throw refusalError(skipped);
        const pattern: SeriesPattern = {
          segments: [...series.segments.slice(0, -1), { ...segment, rule }],
        };
        // The new occurrences hold the series' resources: the store picks them (and refuses with
        // their reasons) as for any booking.
        const { wanted } = await heldResources(template.resources);
        const requests = wanted.map((item) => ({ candidates: item.specs }));
        const rows = accepted.map(({ candidate }) => {
          const { confirmationCode: _code, ...appointment } = { ...(candidate as Appointment), resources: [] };
          const limits = decide(profile, type, candidate.start, candidate.durationMinutes, at).limitChecks;
          return {
            appointment,
            audit: auditEntry(candidate.id, 'created', actor, at, 1, snapshot(appointment)),
            ...(limits.length > 0 && { limits }),
            ...(requests.length > 0 && { resources: requests }),
          };
        });
        try {
          const result = await store.editSeries({ changes: [patternChange(carrier, pattern, actor, at)], rows });
          const after = (await loadSeries(id)).series;
          const created = new Set(result.inserted.map((item) => item.id));
          return { series: after, created: after.occurrences.filter((item) => created.has(item.id)), skipped };
        } catch (error) {
          if (isLostRace(error) && attempt < RACE_RETRIES) continue;
          throw error;
        }
      }
    },

    /** Appointments by filters, sorted by start, paged. */
    async list(query: unknown = {}, actor?: Actor): Promise<AppointmentPage> {
      const request = parseInput(schemas.listAppointmentsQuery, query);
      const { items, total } = await store.listAppointments(
        {
          ...(request.patientId !== undefined && { patientId: request.patientId }),
          ...(request.providerId !== undefined && { providerId: request.providerId }),
          ...(request.status !== undefined && { statuses: request.status }),
          ...(request.type !== undefined && { type: request.type }),
          ...(request.from !== undefined && { from: request.from }),
          ...(request.to !== undefined && { to: request.to }),
        },
        { limit: request.limit, offset: request.offset, order: request.order },
      );
      await logReads(items, 'listed', actor);
      return { items, total, limit: request.limit, offset: request.offset };
    },

    /** A provider's day, week (Monday first) or month in the provider's zone, by start. */
    async schedule(query: unknown, actor?: Actor): Promise<Schedule> {
      const request = parseInput(schemas.scheduleQuery, query);
      const profile = await provider(request.providerId);
      const zone = ianaZone(profile.timeZone);
      const day = localDateToDayNumber(parseLocalDate(request.date));
      const [firstDay, endDay] = periodDays(request.view, day);
      const from = new Date(localToInstant(zone, firstDay, 0));
      const to = new Date(localToInstant(zone, endDay, 0));
      const { items } = await store.listAppointments({
        providerId: request.providerId,
        from,
        to,
        ...(!request.includeCancelled && { statuses: APPOINTMENT_STATUSES.filter((status) => status !== 'cancelled') }),
      });
      await logReads(items, 'listed', actor);
      return {
        providerId: request.providerId,
        view: request.view,
        timeZone: profile.timeZone,
        from,
        to,
        appointments: items,
      };
    },

    /** Counts by status and type, upcoming counts and rates, computed by the store's aggregates. */
    async statistics(query: unknown = {}): Promise<AppointmentStatistics> {
      const request = parseInput(schemas.statisticsQuery, query);
      const timeZone = request.providerId === undefined ? 'UTC' : (await provider(request.providerId)).timeZone;
      const zone = ianaZone(timeZone);
      const at = now();
      const today = instantToDayNumber(zone, at.getTime());
      const counts = await store.statistics(
        {
          ...(request.providerId !== undefined && { providerId: request.providerId }),
          ...(request.from !== undefined && { from: request.from }),
          ...(request.to !== undefined && { to: request.to }),
        },
        {
          now: at,
          endOfToday: new Date(localToInstant(zone, today + 1, 0)),
          endOfWeek: new Date(at.getTime() + 7 * DAY_MS),
        },
      );
      const byStatus = Object.fromEntries(
        APPOINTMENT_STATUSES.map((status) => [status, counts.byStatus[status] ?? 0]),
      ) as Record<AppointmentStatus, number>;
      const rate = (count: number) => (counts.total === 0 ? 0 : Math.round((count / counts.total) * 10_000) / 100);
      return {
        total: counts.total,
        byStatus,
        byType: counts.byType,
        upcomingToday: counts.upcomingToday,
        upcomingWeek: counts.upcomingWeek,
        noShowRate: rate(byStatus.no_show),
        cancellationRate: rate(byStatus.cancelled),
      };
    },

    /** Slots of a provider for a date or range, around existing bookings (buffers included). */
    async availability(query: unknown): Promise<Availability> {
      const request = parseInput(schemas.availabilityQuery, query);
      const profile = await provider(request.providerId);
      const zone = ianaZone(profile.timeZone);
      const booking = durationChoice(request);
      const firstDate = request.date ?? (request.from as string);
      const lastDate = request.date ?? (request.to as string);
      const firstDay = localDateToDayNumber(parseLocalDate(firstDate, request.date ? 'date' : 'from'));
      const lastDay = localDateToDayNumber(parseLocalDate(lastDate, request.date ? 'date' : 'to'));
      if (lastDay - firstDay + 1 > LIMITS.maxSlotRangeDays) {
        throw ValidationError.forField('to', `At most ${LIMITS.maxSlotRangeDays} days at once`, 'too_big');
      }
      const type = request.type === undefined ? undefined : typeOf(request.type);
      const around = await bookingsAround(
        request.providerId,
        profile,
        type,
        localToInstant(zone, firstDay, 0) - booking.bufferBeforeMinutes * MINUTE_MS,
        localToInstant(zone, lastDay + 1, 0) + (booking.durationMinutes + booking.bufferAfterMinutes) * MINUTE_MS,
      );
      const wanted = await resolveResources(request.resources ?? []);
      const generated = generateSlots({
        ...rulesOf(profile, type),
        ...booking,
        from: firstDate,
        to: lastDate,
        ...around,
        now: now(),
        ...(request.stepMinutes !== undefined && { stepMinutes: request.stepMinutes }),
        // With resources, every provider slot is looked at: the resources may refuse it too.
        includeUnavailable: (request.includeUnavailable ?? false) || wanted.length > 0,
      });
      const slots = await withResources(
        generated,
        wanted,
        [localToInstant(zone, firstDay, 0), localToInstant(zone, lastDay + 1, 0)],
        booking.durationMinutes,
        request.includeUnavailable ?? false,
      );
      return {
        providerId: request.providerId,
        timeZone: profile.timeZone,
        durationMinutes: booking.durationMinutes,
        slots,
      };
    },

    /**
     * The next `limit` available slots of a provider from `after` (default now), across days,
     * up to the provider's horizon (or a year).
     */
    async suggest(query: unknown): Promise<TimeSlot[]> {
      const request = parseInput(schemas.suggestQuery, query);
      const profile = await provider(request.providerId);
      const zone = ianaZone(profile.timeZone);
      const booking = durationChoice(request);
      const type = request.type === undefined ? undefined : typeOf(request.type);
      const at = now();
      const after = request.after ?? at;
      const firstDay = instantToDayNumber(zone, after.getTime());
      let lastDay = firstDay + LIMITS.maxSlotRangeDays - 1;
      if (profile.horizonDays !== undefined) {
        lastDay = Math.min(lastDay, instantToDayNumber(zone, at.getTime()) + profile.horizonDays);
      }
      const wanted = await resolveResources(request.resources ?? []);
      // Read bookings a fortnight at a time: most searches end in the first window.
      const found: TimeSlot[] = [];
      for (let windowStart = firstDay; windowStart <= lastDay && found.length < request.limit; windowStart += 14) {
        const windowEnd = Math.min(windowStart + 13, lastDay);
        const around = await bookingsAround(
          request.providerId,
          profile,
          type,
          localToInstant(zone, windowStart, 0) - booking.bufferBeforeMinutes * MINUTE_MS,
          localToInstant(zone, windowEnd + 1, 0) + (booking.durationMinutes + booking.bufferAfterMinutes) * MINUTE_MS,
        );
        const generated = generateSlots({
          ...rulesOf(profile, type),
          ...booking,
          from: formatLocalDate(dayNumberToLocalDate(windowStart)),
          to: formatLocalDate(dayNumberToLocalDate(windowEnd)),
          ...around,
          now: at,
          ...(request.stepMinutes !== undefined && { stepMinutes: request.stepMinutes }),
        });
        const slots = await withResources(
          generated,
          wanted,
          [localToInstant(zone, windowStart, 0), localToInstant(zone, windowEnd + 1, 0)],
          booking.durationMinutes,
          false,
        );
        for (const slot of slots) {
          if (slot.start.getTime() < after.getTime()) continue;
          found.push(slot);
          if (found.length === request.limit) break;
        }
      }
      return found;
    },

    /** Every recorded change (and, with `auditReads`, read) of an appointment, oldest first. */
    async auditTrail(id: string): Promise<AuditEntry[]> {
      const appointment = await load(id);
      return store.auditTrail(appointment.id);
    },

    /**
     * Scheduled or confirmed appointments starting within the next `withinMinutes` whose
     * reminder on `channel` has not been claimed. Send, then {@link claimReminder} first.
     */
    async dueReminders(query: {
      channel: ReminderChannel;
      withinMinutes: number;
      limit?: number;
    }): Promise<Appointment[]> {
      const channel = parseChannel(query?.channel);
      const within = query?.withinMinutes;
      const window = LIMITS.reminderWindowMinutes;
      if (typeof within !== 'number' || !Number.isInteger(within) || within < window.min || within > window.max) {
        throw ValidationError.forField(
          'withinMinutes',
          `Must be a whole number of minutes from ${window.min} to ${window.max}`,
          'out_of_range',
        );
      }
      const limit = query.limit ?? LIMITS.dueReminders.default;
      if (!Number.isInteger(limit) || limit < LIMITS.dueReminders.min || limit > LIMITS.dueReminders.max) {
        throw ValidationError.forField(
          'limit',
          `Must be a whole number from ${LIMITS.dueReminders.min} to ${LIMITS.dueReminders.max}`,
          'out_of_range',
        );
      }
      const at = now();
      return store.dueReminders(channel, at, new Date(at.getTime() + within * MINUTE_MS), limit);
    },

    /**
     * Claims the reminder of `channel` for sending: true for exactly one caller, however many
     * workers race; false if it was already claimed or the appointment is no longer upcoming.
     */
    async claimReminder(id: string, channel: ReminderChannel, actor?: Actor): Promise<boolean> {
      const appointmentId = parseInput(schemas.appointmentId, id, 'id');
      const parsed = parseChannel(channel);
      if (actor !== undefined) assertActor(actor);
      const at = now();
      return store.claimReminder(appointmentId, parsed, {
        at,
        actorId: actor?.id ?? SYSTEM_ACTOR_ID,
        auditId: randomUUID(),
        changes: { [`reminders.${parsed}`]: { before: null, after: at } },
      });
    },
  };

  async function replay(
    record: {
      key: string;
      appointmentId: string;
      seriesId: string | null;
      fingerprint: string;
      skipped: ReadonlyArray<{ start: Date; conflictingIds: string[]; reasons?: readonly UnavailableReason[] }>;
    },
    fingerprint: string,
  ): Promise<BookingResult> {
    if (record.fingerprint !== fingerprint) throw new IdempotencyMismatchError(record.key);
    const appointment = await load(record.appointmentId);
    if (record.seriesId === null) return { appointment };
    const { items } = await store.listAppointments({ seriesId: record.seriesId });
    // The same classification as the first call's: the recorded blockers, booked or buffer.
    const skipped = await Promise.all(
      record.skipped.map(async (item) => ({
        ...item,
        reasons:
          item.reasons ??
          (await conflictReasons(
            {
              ...appointment,
              start: item.start,
              end: new Date(item.start.getTime() + appointment.durationMinutes * MINUTE_MS),
            },
            item.conflictingIds,
          )),
      })),
    );
    return { appointment, series: { seriesId: record.seriesId, created: items, skipped } };
  }
}

function slotRules(profile: ProviderProfile) {
  return {
    timeZone: profile.timeZone,
    ...(profile.weeklyHours !== undefined && { weeklyHours: profile.weeklyHours }),
    ...(profile.dateOverrides !== undefined && { dateOverrides: profile.dateOverrides }),
    ...(profile.minimumNoticeMinutes !== undefined && { minimumNoticeMinutes: profile.minimumNoticeMinutes }),
    ...(profile.horizonDays !== undefined && { horizonDays: profile.horizonDays }),
  };
}

/** A resource as the store records it, from its profile. */
function specOf(id: string, profile: ResourceProfile): ResourceSpec {
  return {
    id,
    kind: profile.kind,
    capacity: profile.capacity ?? 1,
    bufferBeforeMinutes: profile.bufferBeforeMinutes ?? 0,
    bufferAfterMinutes: profile.bufferAfterMinutes ?? 0,
  };
}

/** True if the resource is open for the whole of `[start, start + duration)` (its hours; default always). */
function isResourceOpen(profile: ResourceProfile, start: Date, durationMinutes: number): boolean {
  return explainBooking({
    timeZone: profile.timeZone,
    weeklyHours: profile.weeklyHours ?? ROUND_THE_CLOCK_HOURS,
    ...(profile.dateOverrides !== undefined && { dateOverrides: profile.dateOverrides }),
    durationMinutes,
    start,
  }).bookable;
}

/** Where a series edit would put an occurrence: as it would be, its type, and as it is now (a move). */
interface Placement {
  readonly candidate: Omit<Appointment, 'confirmationCode'>;
  readonly type: AppointmentType;
  readonly current?: Appointment;
}

/** The error for refused placements: a conflict naming what is in the way, or the rules' reasons. */
function refusalError(skipped: readonly SeriesEditSkip[]): SchedulingError {
  const conflictingIds = [...new Set(skipped.flatMap((item) => item.conflictingIds))];
  return conflictingIds.length > 0
    ? new ConflictError(conflictingIds)
    : new UnavailableError(skipped.flatMap((item) => item.reasons));
}

/**
 * A write refused because another writer got in between the edit's reads and its transaction:
 * the edit is planned again on fresh data.
 */
function isLostRace(error: unknown): boolean {
  return error instanceof StaleVersionError || error instanceof ConflictError || error instanceof UnavailableError;
}

/** What a changing method decided: the fields to set, the audit action, and the rules' part. */
interface PlannedChange {
  readonly set: AppointmentPatch;
  readonly action: AuditAction;
  /** Period limits the store re-counts atomically with the change. */
  readonly limits?: readonly PeriodLimitCheck[];
  /** A staff override of the booking rules, for the audit entry. */
  readonly override?: AuditOverride;
}

/** The override of a booking or reschedule, checked: a reason of 1 to 2000 storable characters. */
function parseOverride(options: BookOptions | undefined): BookingOverride | undefined {
  const override = options?.override;
  if (override === undefined) return undefined;
  const reason = (override as { reason?: unknown } | null)?.reason;
  if (typeof reason !== 'string' || reason.trim().length === 0) {
    throw ValidationError.forField('override.reason', 'An override needs a reason', 'invalid_type');
  }
  if (reason.length > LIMITS.reasonLength || !isStorableText(reason)) {
    throw ValidationError.forField(
      'override.reason',
      `Must be at most ${LIMITS.reasonLength} characters, without NUL or unpaired surrogates`,
      'invalid_text',
    );
  }
  return { reason };
}

/** The first instant of the local day, week (Monday) or month containing local day `day`. */
function periodStart(zone: ReturnType<typeof ianaZone>, period: LimitPeriod, day: number): number {
  return localToInstant(zone, periodDays(period, day)[0], 0);
}

/** The end (exclusive) of the local day, week or month containing local day `day`. */
function periodEnd(zone: ReturnType<typeof ianaZone>, period: LimitPeriod, day: number): number {
  return localToInstant(zone, periodDays(period, day)[1], 0);
}

/** Scheduled and confirmed appointments (those still to come) may still be moved or retyped. */
function isChangeable(status: AppointmentStatus): boolean {
  return UPCOMING_STATUSES.includes(status);
}

function assertActor(actor: Actor): void {
  const id: unknown = typeof actor === 'object' && actor !== null ? actor.id : undefined;
  if (typeof id !== 'string' || id.length === 0) {
    throw ValidationError.forField('actor.id', 'Every change needs the acting user id', 'invalid_type');
  }
  if (id.length > LIMITS.idLength || !isStorableText(id)) {
    throw ValidationError.forField(
      'actor.id',
      `Must be at most ${LIMITS.idLength} characters, without NUL or unpaired surrogates`,
      'invalid_text',
    );
  }
}

/**
 * The instant a change is recorded at: now, but never before the appointment's last change, so
 * `updatedAt` and the audit trail never run backwards when app servers' clocks disagree.
 */
function stampAfter(current: Appointment, at: Date): Date {
  return at.getTime() >= current.updatedAt.getTime() ? at : new Date(current.updatedAt.getTime());
}

function parseExpectedVersion(changeOptions: ChangeOptions | undefined): number | undefined {
  const expected = changeOptions?.expectedVersion;
  if (expected === undefined) return undefined;
  if (!Number.isInteger(expected) || expected < 1) {
    throw ValidationError.forField('expectedVersion', 'Must be a whole number of at least 1');
  }
  return expected;
}

function parseChannel(channel: unknown): ReminderChannel {
  if (!(REMINDER_CHANNELS as readonly unknown[]).includes(channel)) {
    throw ValidationError.forField('channel', `Must be one of ${REMINDER_CHANNELS.join(', ')}`);
  }
  return channel as ReminderChannel;
}

/** The pattern as the series stores it; a rule in its canonical text (upper case, fixed part order). */
function storedRecurrence(recurrence: Recurrence): StoredRecurrence {
  if ('rrule' in recurrence) return { rrule: normalizeRecurrenceRule(recurrence.rrule) };
  return {
    frequency: recurrence.frequency,
    interval: recurrence.interval ?? 1,
    ...(recurrence.endDate !== undefined && {
      endDate: recurrence.endDate instanceof Date ? recurrence.endDate.toISOString() : recurrence.endDate,
    }),
    ...(recurrence.maxOccurrences !== undefined && { maxOccurrences: recurrence.maxOccurrences }),
  };
}

/** A digest of what a booking request asks for, to tell a retry from a different request. */
function fingerprintOf(request: z.output<Schemas['createAppointment']>, override: BookingOverride | undefined): string {
  const { idempotencyKey: _key, ...rest } = request;
  return createHash('sha256')
    .update(canonicalJson({ ...rest, ...(override !== undefined && { override }) }))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const SNAPSHOT_FIELDS = [
  'patientId',
  'providerId',
  'type',
  'status',
  'start',
  'end',
  'durationMinutes',
  'bufferBeforeMinutes',
  'bufferAfterMinutes',
  'timeZone',
  'reason',
  'notes',
  'seriesId',
  'occurrenceIndex',
  'metadata',
] as const;

/** A new appointment's fields as `created` audit changes (before: null). */
function snapshot(appointment: Omit<Appointment, 'confirmationCode'>): FieldChanges {
  return Object.fromEntries(SNAPSHOT_FIELDS.map((field) => [field, { before: null, after: appointment[field] }]));
}

/** Before and after of each field `set` actually changes. */
function diff(current: Appointment, set: AppointmentPatch): FieldChanges {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const [field, after] of Object.entries(set)) {
    const before = current[field as keyof Appointment];
    if (canonicalJson(before) !== canonicalJson(after)) changes[field] = { before, after };
  }
  return changes;
}
