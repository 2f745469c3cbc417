import { ValidationError, type ValidationIssue } from './errors.js';
import { LIMITS } from './limits.js';
import {
  dayNumberToLocalDate,
  floatingToInstant,
  formatLocalDate,
  ianaZone,
  instantToDayNumber,
  instantToFloating,
  localDateToDayNumber,
  localToInstant,
  parseLocalDate,
  parseLocalTime,
  periodDays,
  WEEKDAYS,
  type Weekday,
  weekdayOfDayNumber,
} from './local-time.js';
import type { TimeRange } from './overlap.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A local working interval, half-open: `{ start: '08:00', end: '12:00' }`. `end` may be `24:00`. */
export interface LocalInterval {
  readonly start: string;
  readonly end: string;
}

/** Working intervals per weekday; a missing weekday is a day off. */
export type WeeklyHours = Readonly<Partial<Record<Weekday, readonly LocalInterval[]>>>;

/** Monday to Friday, 08:00–18:00 local time. */
export const DEFAULT_WEEKLY_HOURS: WeeklyHours = Object.freeze({
  monday: [{ start: '08:00', end: '18:00' }],
  tuesday: [{ start: '08:00', end: '18:00' }],
  wednesday: [{ start: '08:00', end: '18:00' }],
  thursday: [{ start: '08:00', end: '18:00' }],
  friday: [{ start: '08:00', end: '18:00' }],
});

/** The periods a limit counts in, local to the provider's zone; weeks start on Monday. */
export const LIMIT_PERIODS = ['day', 'week', 'month'] as const;
/** A period a limit counts in. */
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];

/**
 * Caps on what one provider (or one appointment type of a provider) may be booked for, per
 * local day, week (from Monday) and month in the provider's zone. Cancelled and no-show
 * appointments do not count. Each a whole number of at least 1.
 */
export interface PeriodLimits {
  /** Most bookings starting in one local day. */
  readonly perDay?: number;
  /** Most bookings starting in one local week. */
  readonly perWeek?: number;
  /** Most bookings starting in one local month. */
  readonly perMonth?: number;
  /** Most booked minutes (appointment durations, buffers aside) starting in one local day. */
  readonly minutesPerDay?: number;
}

/** An existing, occupying appointment as period limits count it. */
export interface CountedBooking {
  readonly id: string;
  readonly start: Date;
  /** Its appointment type, for limits set on a type. */
  readonly type: string;
  readonly durationMinutes: number;
}

/** An existing, occupying appointment as the rule engine sees it. */
export interface ExistingBooking extends TimeRange, CountedBooking {
  readonly bufferBeforeMinutes: number;
  readonly bufferAfterMinutes: number;
}

/** Codes of {@link UnavailableReason}. */
export const UNAVAILABLE_REASON_CODES = [
  'OUTSIDE_HOURS',
  'DAY_OFF',
  'MIN_NOTICE',
  'BEYOND_HORIZON',
  'BOOKED',
  'BUFFER',
  'PERIOD_LIMIT',
  'RESOURCE_CLOSED',
  'RESOURCE_BUSY',
  'CAPACITY_FULL',
] as const;

/**
 * Why a time cannot be booked, or a slot is not offered. The same reasons come from
 * `availability`, `explain` and a refused booking, because one function decides all three.
 */
export type UnavailableReason =
  /** Not inside one of the day's working intervals. */
  | { readonly code: 'OUTSIDE_HOURS' }
  /** The local date is closed by a date override (`[]`). */
  | { readonly code: 'DAY_OFF'; readonly date: string }
  /** Starts before `earliestStart` (now plus the minimum notice). */
  | { readonly code: 'MIN_NOTICE'; readonly earliestStart: Date }
  /** Starts after `latestStart` (the booking horizon). */
  | { readonly code: 'BEYOND_HORIZON'; readonly latestStart: Date }
  /** The appointments whose own time meets this one. */
  | { readonly code: 'BOOKED'; readonly appointmentIds: readonly string[] }
  /** The appointments that meet it only through a buffer (theirs or this one's). */
  | { readonly code: 'BUFFER'; readonly appointmentIds: readonly string[] }
  /** A period limit is reached: `count` already booked of at most `limit`. */
  | {
      readonly code: 'PERIOD_LIMIT';
      readonly period: LimitPeriod;
      readonly measure: 'bookings' | 'minutes';
      readonly limit: number;
      readonly count: number;
      /** Set when the limit is the appointment type's, counting only that type. */
      readonly type?: string;
    }
  /** A resource asked for is closed then (outside its hours, or a day it is closed). */
  | { readonly code: 'RESOURCE_CLOSED'; readonly resourceId: string }
  /** A capacity-1 resource asked for is held by these appointments then. */
  | { readonly code: 'RESOURCE_BUSY'; readonly resourceId: string; readonly appointmentIds: readonly string[] }
  /** A resource asked for holds as many appointments then as its capacity. */
  | { readonly code: 'CAPACITY_FULL'; readonly resourceId: string; readonly capacity: number };

/**
 * One period limit that applies to a candidate time, with the period's real bounds: what a
 * store counts, atomically with the write, to enforce the limit.
 */
export interface PeriodLimitCheck {
  readonly period: LimitPeriod;
  readonly measure: 'bookings' | 'minutes';
  /** Count only appointments of this type; null for all of the provider's. */
  readonly type: string | null;
  /** The period's first instant (inclusive) and end (exclusive): appointments starting inside count. */
  readonly from: Date;
  readonly to: Date;
  readonly limit: number;
}

/** A provider's working time and booking rules, as {@link generateSlots} reads them. */
export interface WorkingTimeOptions {
  /** IANA zone of the working hours, e.g. `Europe/London`. */
  readonly timeZone: string;
  /** Working intervals per weekday (local); default {@link DEFAULT_WEEKLY_HOURS}. */
  readonly weeklyHours?: WeeklyHours;
  /** Local date `YYYY-MM-DD` → that day's intervals instead of the weekly ones; `[]` is a day off. */
  readonly dateOverrides?: Readonly<Record<string, readonly LocalInterval[]>>;
  /** Occupied ranges of existing bookings (buffers included), in any order. */
  readonly busy?: readonly TimeRange[];
  /** Length of the appointment to place, 15..480 minutes. */
  readonly durationMinutes: number;
  /** Distance between slot starts in real minutes; default 30. */
  readonly stepMinutes?: number;
  /** The new appointment's buffer before it, 0..240 minutes; must also be free. */
  readonly bufferBeforeMinutes?: number;
  /** The new appointment's buffer after it, 0..240 minutes; must also be free. */
  readonly bufferAfterMinutes?: number;
  /** A slot must start at least this long after `now`; default 0. Needs `now`. */
  readonly minimumNoticeMinutes?: number;
  /** A slot must start within this many local days of `now`. Needs `now`. */
  readonly horizonDays?: number;
  /** The current instant (injected, never read from the system clock). Without it, no slot is too early or too late. */
  readonly now?: Date;
  /**
   * Existing occupying appointments: what `busy` says, with ids (named in the reasons) and
   * types and durations (counted by `limits`). To count limits, include every appointment
   * starting in the periods concerned.
   */
  readonly bookings?: readonly ExistingBooking[];
  /**
   * What the limits count, when it reaches further than `bookings` (a whole week or month
   * around a day): every occupying appointment starting in the periods concerned. Default
   * `bookings`.
   */
  readonly countedBookings?: readonly CountedBooking[];
  /** The provider's period limits. */
  readonly limits?: PeriodLimits;
  /** The limits of the appointment type being placed, counting only bookings of that type. */
  readonly typeLimits?: { readonly type: string; readonly limits: PeriodLimits };
}

/** Options of {@link generateSlots}: a date or an inclusive range of local dates. */
export type GenerateSlotsOptions = WorkingTimeOptions & {
  /** Give the full-day view: unavailable slots too, flagged `available: false`. Default false. */
  readonly includeUnavailable?: boolean;
} & (
    | { readonly date: string; readonly from?: undefined; readonly to?: undefined }
    | { readonly date?: undefined; readonly from: string; readonly to: string }
  );

/** Options of {@link suggestSlots}. */
export interface SuggestSlotsOptions extends WorkingTimeOptions {
  /** Earliest slot start. */
  readonly after: Date;
  /** How many slots, 1..200. */
  readonly limit: number;
}

/** A candidate appointment time. */
export interface TimeSlot {
  readonly start: Date;
  readonly end: Date;
  /** Inside working hours, within notice and horizon, free (buffers included) and within every limit. */
  readonly available: boolean;
  /** Why it is not available; empty when it is. */
  readonly reasons: readonly UnavailableReason[];
}

/**
 * The slots of a date or date range: every `stepMinutes` from the start of each working
 * interval, each `durationMinutes` long and inside the interval. Only available slots unless
 * `includeUnavailable`.
 *
 * A slot is available iff it starts no earlier than `now + minimumNoticeMinutes`, no later
 * than `horizonDays` local days after `now`, and its occupied range (with the buffers) meets no
 * busy range. Working intervals become real instants before the grid is stepped, so no slot
 * starts in a spring-forward gap and the repeated hour of a fall-back night is offered once per
 * real instant.
 *
 * @example
 * const slots = generateSlots({
 *   timeZone: 'Europe/London',
 *   date: '2026-03-30',
 *   durationMinutes: 30,
 *   busy: [{ start: new Date('2026-03-30T08:00:00Z'), end: new Date('2026-03-30T09:00:00Z') }],
 *   now: new Date('2026-03-01T00:00:00Z'),
 * });
 * // slots[0].start is 10:00 London time (09:00Z): 09:00-10:00 local is taken
 */
export function generateSlots(options: GenerateSlotsOptions): TimeSlot[] {
  const plan = planSlots(options);
  const issues: ValidationIssue[] = [];
  let firstDay: number;
  let lastDay: number;
  if (options.date !== undefined) {
    if (options.from !== undefined || options.to !== undefined) {
      issues.push({ path: 'date', message: 'Give date, or from and to, not both', code: 'custom' });
    }
    firstDay = lastDay = localDateToDayNumber(parseLocalDate(options.date, 'date'));
  } else {
    firstDay = localDateToDayNumber(parseLocalDate(options.from, 'from'));
    lastDay = localDateToDayNumber(parseLocalDate(options.to, 'to'));
    if (lastDay < firstDay) issues.push({ path: 'to', message: 'Must not be before from', code: 'custom' });
    if (lastDay - firstDay + 1 > LIMITS.maxSlotRangeDays) {
      issues.push({ path: 'to', message: `At most ${LIMITS.maxSlotRangeDays} days at once`, code: 'too_big' });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const slots: TimeSlot[] = [];
  for (const slot of walkSlots(plan, firstDay, lastDay, Number.NEGATIVE_INFINITY)) {
    if (slot.available || options.includeUnavailable === true) slots.push(slot);
  }
  return slots;
}

/**
 * The next `limit` available slots starting at or after `after`, across days, up to the
 * booking horizon (or 366 days when there is none). Exactly the first `limit` available slots
 * {@link generateSlots} would give from `after`'s local date on.
 *
 * @example
 * suggestSlots({ timeZone: 'Asia/Kolkata', durationMinutes: 45, after: now, now, limit: 3 });
 */
export function suggestSlots(options: SuggestSlotsOptions): TimeSlot[] {
  const plan = planSlots(options);
  const { after, limit } = options;
  const issues: ValidationIssue[] = [];
  if (!(after instanceof Date) || Number.isNaN(after.getTime())) {
    issues.push({ path: 'after', message: 'Must be a valid Date', code: 'invalid_type' });
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.maxSuggestions) {
    issues.push({
      path: 'limit',
      message: `Must be a whole number from 1 to ${LIMITS.maxSuggestions}`,
      code: 'out_of_range',
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const afterMs = after.getTime();
  const firstDay = instantToDayNumber(plan.zone, afterMs);
  let lastDay = firstDay + LIMITS.maxSlotRangeDays - 1;
  if (Number.isFinite(plan.latestStartMs)) {
    lastDay = Math.min(lastDay, instantToDayNumber(plan.zone, plan.latestStartMs));
  }
  const found: TimeSlot[] = [];
  for (const slot of walkSlots(plan, firstDay, lastDay, afterMs)) {
    if (!slot.available) continue;
    found.push(slot);
    if (found.length === limit) break;
  }
  return found;
}

/** Validated, precomputed inputs: minutes as ms, hours as minute pairs, busy time merged. */
interface SlotPlan {
  readonly zone: ReturnType<typeof ianaZone>;
  /** Per weekday (Monday = 0), sorted disjoint [startMinute, endMinute] pairs. */
  readonly weekly: readonly (readonly (readonly [number, number])[])[];
  readonly overrides: ReadonlyMap<number, readonly (readonly [number, number])[]>;
  readonly busyStarts: Float64Array;
  readonly busyEnds: Float64Array;
  readonly durationMs: number;
  readonly stepMs: number;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
  readonly earliestStartMs: number;
  readonly latestStartMs: number;
  /** Existing bookings by occupied start, with their ranges as epoch ms. */
  readonly bookings: readonly PlannedBooking[];
  /** The longest occupied range among them: how far back a scan must look. */
  readonly longestBookingMs: number;
  /** Every limit that applies, provider's and type's. */
  readonly limits: readonly PlannedLimit[];
  /** What the limits count: starts in ms, with type and minutes. */
  readonly counted: ReadonlyArray<{
    readonly id: string;
    readonly startMs: number;
    readonly type: string;
    readonly minutes: number;
  }>;
}

interface PlannedBooking {
  readonly booking: ExistingBooking;
  readonly startMs: number;
  readonly endMs: number;
  readonly occupiedStartMs: number;
  readonly occupiedEndMs: number;
}

interface PlannedLimit {
  readonly period: LimitPeriod;
  readonly measure: 'bookings' | 'minutes';
  readonly type: string | null;
  readonly limit: number;
}

/** Which field of {@link PeriodLimits} limits what, in what period. */
const LIMIT_FIELDS = [
  ['perDay', 'day', 'bookings'],
  ['perWeek', 'week', 'bookings'],
  ['perMonth', 'month', 'bookings'],
  ['minutesPerDay', 'day', 'minutes'],
] as const;

function planSlots(options: WorkingTimeOptions): SlotPlan {
  const issues: ValidationIssue[] = [];
  const collect = <T>(compute: () => T, fallback: T): T => {
    try {
      return compute();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return fallback;
    }
  };
  const zone = collect(() => ianaZone(options.timeZone), undefined);
  const minutes = (value: unknown, path: string, min: number, max: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      issues.push({ path, message: `Must be a whole number from ${min} to ${max}`, code: 'out_of_range' });
      return fallback;
    }
    return value;
  };
  const duration = minutes(
    options.durationMinutes,
    'durationMinutes',
    LIMITS.durationMinutes.min,
    LIMITS.durationMinutes.max,
    Number.NaN,
  );
  if (options.durationMinutes === undefined) {
    issues.push({ path: 'durationMinutes', message: 'Required', code: 'invalid_type' });
  }
  const step = minutes(
    options.stepMinutes,
    'stepMinutes',
    LIMITS.stepMinutes.min,
    LIMITS.stepMinutes.max,
    LIMITS.stepMinutes.default,
  );
  const bufferBefore = minutes(options.bufferBeforeMinutes, 'bufferBeforeMinutes', 0, LIMITS.bufferMinutes.max, 0);
  const bufferAfter = minutes(options.bufferAfterMinutes, 'bufferAfterMinutes', 0, LIMITS.bufferMinutes.max, 0);
  const notice = minutes(
    options.minimumNoticeMinutes,
    'minimumNoticeMinutes',
    LIMITS.minimumNoticeMinutes.min,
    LIMITS.minimumNoticeMinutes.max,
    0,
  );
  const horizon = minutes(
    options.horizonDays,
    'horizonDays',
    LIMITS.horizonDays.min,
    LIMITS.horizonDays.max,
    Number.NaN,
  );
  const { now } = options;
  const hasNow = now instanceof Date && !Number.isNaN(now.getTime());
  if (now !== undefined && !hasNow) issues.push({ path: 'now', message: 'Must be a valid Date', code: 'invalid_type' });

  const weeklyHours = options.weeklyHours ?? DEFAULT_WEEKLY_HOURS;
  for (const key of Object.keys(weeklyHours)) {
    if (!(WEEKDAYS as readonly string[]).includes(key)) {
      issues.push({
        path: `weeklyHours.${key}`,
        message: `Must be a weekday: ${WEEKDAYS.join(', ')}`,
        code: 'unrecognized_keys',
      });
    }
  }
  const weekly = WEEKDAYS.map((weekday) =>
    collect(() => normaliseIntervals(weeklyHours[weekday] ?? [], `weeklyHours.${weekday}`), []),
  );
  const overrides = new Map<number, readonly (readonly [number, number])[]>();
  for (const [date, intervals] of Object.entries(options.dateOverrides ?? {})) {
    collect(() => {
      const day = localDateToDayNumber(parseLocalDate(date, `dateOverrides.${date}`));
      overrides.set(day, normaliseIntervals(intervals, `dateOverrides.${date}`));
    }, undefined);
  }
  const bookings = collect(() => planBookings(options.bookings ?? []), []);
  const limits: PlannedLimit[] = [];
  const readLimits = (value: PeriodLimits | undefined, path: string, type: string | null) => {
    if (value === undefined) return;
    if (typeof value !== 'object' || value === null) {
      issues.push({ path, message: 'Must be an object of limits', code: 'invalid_type' });
      return;
    }
    for (const [field, period, measure] of LIMIT_FIELDS) {
      const limit = value[field];
      if (limit === undefined) continue;
      if (
        typeof limit !== 'number' ||
        !Number.isInteger(limit) ||
        limit < LIMITS.periodLimit.min ||
        limit > LIMITS.periodLimit.max
      ) {
        issues.push({
          path: `${path}.${field}`,
          message: `Must be a whole number from ${LIMITS.periodLimit.min} to ${LIMITS.periodLimit.max}`,
          code: 'out_of_range',
        });
        continue;
      }
      limits.push({ period, measure, type, limit });
    }
  };
  readLimits(options.limits, 'limits', null);
  if (options.typeLimits !== undefined) {
    readLimits(options.typeLimits.limits, 'typeLimits.limits', String(options.typeLimits.type));
  }
  const busy = collect(
    () =>
      mergeBusy([
        ...(options.busy ?? []),
        ...bookings.map((item) => ({ start: new Date(item.occupiedStartMs), end: new Date(item.occupiedEndMs) })),
      ]),
    { starts: new Float64Array(0), ends: new Float64Array(0) },
  );
  if (issues.length > 0 || zone === undefined) throw new ValidationError(issues);

  let earliestStartMs = Number.NEGATIVE_INFINITY;
  let latestStartMs = Number.POSITIVE_INFINITY;
  if (hasNow) {
    earliestStartMs = now.getTime() + notice * MINUTE_MS;
    if (!Number.isNaN(horizon)) {
      latestStartMs = floatingToInstant(zone, instantToFloating(zone, now.getTime()) + horizon * DAY_MS);
    }
  }
  return {
    zone,
    weekly,
    overrides,
    busyStarts: busy.starts,
    busyEnds: busy.ends,
    durationMs: duration * MINUTE_MS,
    stepMs: step * MINUTE_MS,
    bufferBeforeMs: bufferBefore * MINUTE_MS,
    bufferAfterMs: bufferAfter * MINUTE_MS,
    earliestStartMs,
    latestStartMs,
    bookings,
    longestBookingMs: bookings.reduce(
      (longest, item) => Math.max(longest, item.occupiedEndMs - item.occupiedStartMs),
      0,
    ),
    limits,
    counted:
      limits.length === 0
        ? []
        : (options.countedBookings ?? options.bookings ?? []).map((item) => ({
            id: item.id,
            startMs: item.start.getTime(),
            type: item.type,
            minutes: item.durationMinutes,
          })),
  };
}

/** Existing bookings, checked, with their ranges in ms, by occupied start. */
function planBookings(bookings: readonly ExistingBooking[]): PlannedBooking[] {
  if (!Array.isArray(bookings))
    throw ValidationError.forField('bookings', 'Must be a list of appointments', 'invalid_type');
  const planned = bookings.map((booking, index) => {
    const startMs = booking?.start instanceof Date ? booking.start.getTime() : Number.NaN;
    const endMs = booking?.end instanceof Date ? booking.end.getTime() : Number.NaN;
    if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
      throw ValidationError.forField(`bookings[${index}]`, 'Must have valid Dates start and end', 'invalid_type');
    }
    return {
      booking,
      startMs,
      endMs,
      occupiedStartMs: startMs - (booking.bufferBeforeMinutes ?? 0) * MINUTE_MS,
      occupiedEndMs: endMs + (booking.bufferAfterMinutes ?? 0) * MINUTE_MS,
    };
  });
  return planned.sort((a, b) => a.occupiedStartMs - b.occupiedStartMs);
}

/** Local intervals as sorted, merged minute pairs; throws for malformed or reversed ones. */
function normaliseIntervals(intervals: readonly LocalInterval[], path: string): Array<readonly [number, number]> {
  if (!Array.isArray(intervals))
    throw ValidationError.forField(path, 'Must be a list of { start, end } intervals', 'invalid_type');
  const issues: ValidationIssue[] = [];
  const pairs: Array<[number, number]> = [];
  intervals.forEach((interval, index) => {
    try {
      const start = parseLocalTime(interval?.start, `${path}[${index}].start`);
      const end = parseLocalTime(interval?.end, `${path}[${index}].end`, true);
      if (end <= start) {
        issues.push({ path: `${path}[${index}].end`, message: 'Must be after start', code: 'custom' });
      } else {
        pairs.push([start, end]);
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const pair of pairs) {
    const last = merged[merged.length - 1];
    if (last !== undefined && pair[0] <= last[1]) last[1] = Math.max(last[1], pair[1]);
    else merged.push([pair[0], pair[1]]);
  }
  return merged;
}

/** Busy ranges sorted and merged into disjoint ranges (touching ones join: same union). */
function mergeBusy(busy: readonly TimeRange[]): { starts: Float64Array; ends: Float64Array } {
  if (!Array.isArray(busy))
    throw ValidationError.forField('busy', 'Must be a list of { start, end } ranges', 'invalid_type');
  const ranges: Array<[number, number]> = [];
  busy.forEach((range, index) => {
    const start = range?.start instanceof Date ? range.start.getTime() : Number.NaN;
    const end = range?.end instanceof Date ? range.end.getTime() : Number.NaN;
    if (Number.isNaN(start) || Number.isNaN(end)) {
      throw ValidationError.forField(`busy[${index}]`, 'Must have valid Dates start and end', 'invalid_type');
    }
    if (start < end) ranges.push([start, end]);
  });
  ranges.sort((a, b) => a[0] - b[0]);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [start, end] of ranges) {
    const last = ends.length - 1;
    if (last >= 0 && start <= (ends[last] as number)) ends[last] = Math.max(ends[last] as number, end);
    else {
      starts.push(start);
      ends.push(end);
    }
  }
  return { starts: Float64Array.from(starts), ends: Float64Array.from(ends) };
}

/**
 * Walks the slots of local days `firstDay..lastDay` in increasing start order, skipping those
 * that start before `notBeforeMs`. Slot starts only grow, so one pointer into the merged busy
 * ranges serves the whole walk.
 */
function* walkSlots(plan: SlotPlan, firstDay: number, lastDay: number, notBeforeMs: number): Generator<TimeSlot> {
  const { busyStarts, busyEnds, durationMs, stepMs, bufferBeforeMs, bufferAfterMs } = plan;
  const limits = createLimitCounter(plan);
  let busyIndex = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    // Slots are stepped from inside the day's intervals, so hours need no check per slot; a
    // slot's limits are its day's, worked out once for the day.
    const intervals = plan.overrides.get(day) ?? plan.weekly[WEEKDAYS.indexOf(weekdayOfDayNumber(day))] ?? [];
    const checks = plan.limits.length === 0 || intervals.length === 0 ? [] : limitChecksOn(plan, day);
    for (const [startMinute, endMinute] of intervals) {
      const intervalStart = localToInstant(plan.zone, day, startMinute);
      const intervalEnd = localToInstant(plan.zone, day, endMinute);
      for (let start = intervalStart; start + durationMs <= intervalEnd; start += stepMs) {
        if (start < notBeforeMs) continue;
        const end = start + durationMs;
        const occupiedStart = start - bufferBeforeMs;
        const occupiedEnd = end + bufferAfterMs;
        // Merged busy ranges answer "free?" with one moving pointer; ids are looked up only
        // for the slots that are not.
        while (busyIndex < busyEnds.length && (busyEnds[busyIndex] as number) <= occupiedStart) busyIndex++;
        const isFree = busyIndex >= busyStarts.length || (busyStarts[busyIndex] as number) >= occupiedEnd;
        const reasons = [
          ...timeReasons(plan, start),
          ...(isFree ? [] : overlapReasons(plan, start, end)),
          ...limits.reasonsFor(checks, durationMs),
        ];
        yield { start: new Date(start), end: new Date(end), available: reasons.length === 0, reasons };
      }
    }
  }
}

/** `MIN_NOTICE` and `BEYOND_HORIZON`, for a start. */
function timeReasons(plan: SlotPlan, startMs: number): UnavailableReason[] {
  if (startMs < plan.earliestStartMs) return [{ code: 'MIN_NOTICE', earliestStart: new Date(plan.earliestStartMs) }];
  if (startMs > plan.latestStartMs) return [{ code: 'BEYOND_HORIZON', latestStart: new Date(plan.latestStartMs) }];
  return [];
}

/** `DAY_OFF` or `OUTSIDE_HOURS` unless `[start, end)` lies inside one working interval of its local day. */
function hoursReasons(plan: SlotPlan, startMs: number, endMs: number): UnavailableReason[] {
  const day = instantToDayNumber(plan.zone, startMs);
  const override = plan.overrides.get(day);
  if (override !== undefined && override.length === 0) {
    return [{ code: 'DAY_OFF', date: formatLocalDate(dayNumberToLocalDate(day)) }];
  }
  const intervals = override ?? plan.weekly[WEEKDAYS.indexOf(weekdayOfDayNumber(day))] ?? [];
  const inside = intervals.some(
    ([startMinute, endMinute]) =>
      localToInstant(plan.zone, day, startMinute) <= startMs && endMs <= localToInstant(plan.zone, day, endMinute),
  );
  return inside ? [] : [{ code: 'OUTSIDE_HOURS' }];
}

/**
 * `BOOKED` with the appointments whose own time meets `[start, end)`, and `BUFFER` with those
 * that meet it only through a buffer (theirs or the candidate's). `excludeId` is left out (a
 * reschedule does not meet itself).
 */
function overlapReasons(plan: SlotPlan, startMs: number, endMs: number, excludeId?: string): UnavailableReason[] {
  const occupiedStart = startMs - plan.bufferBeforeMs;
  const occupiedEnd = endMs + plan.bufferAfterMs;
  const booked: string[] = [];
  const buffered: string[] = [];
  // Bookings are sorted by occupied start; none longer than longestBookingMs can reach here
  // from further back.
  for (
    let index = firstBookingFrom(plan, occupiedStart - plan.longestBookingMs);
    index < plan.bookings.length;
    index++
  ) {
    const item = plan.bookings[index] as PlannedBooking;
    if (item.occupiedStartMs >= occupiedEnd) break;
    if (item.occupiedEndMs <= occupiedStart || item.booking.id === excludeId) continue;
    if (item.startMs < endMs && startMs < item.endMs) booked.push(item.booking.id);
    else buffered.push(item.booking.id);
  }
  // Plain `busy` ranges name no appointment: time they take is booked by someone unnamed.
  if (booked.length === 0 && buffered.length === 0 && meetsPlainBusy(plan, occupiedStart, occupiedEnd)) {
    return [{ code: 'BOOKED', appointmentIds: [] }];
  }
  return [
    ...(booked.length > 0 ? [{ code: 'BOOKED' as const, appointmentIds: booked }] : []),
    ...(buffered.length > 0 ? [{ code: 'BUFFER' as const, appointmentIds: buffered }] : []),
  ];
}

/** True if `[start, end)` meets a merged busy range (the union of `busy` and the bookings). */
function meetsPlainBusy(plan: SlotPlan, startMs: number, endMs: number): boolean {
  const { busyStarts, busyEnds } = plan;
  let low = 0;
  let high = busyEnds.length;
  // The first merged range ending after `start`; merged ranges are disjoint and sorted.
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((busyEnds[middle] as number) <= startMs) low = middle + 1;
    else high = middle;
  }
  return low < busyStarts.length && (busyStarts[low] as number) < endMs;
}

/** Index of the first booking whose occupied range starts at or after `ms`. */
function firstBookingFrom(plan: SlotPlan, ms: number): number {
  let low = 0;
  let high = plan.bookings.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((plan.bookings[middle] as PlannedBooking).occupiedStartMs < ms) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first instant of the local day, week (Monday) or month containing local day `day`, and the next one's. */
function periodBoundsOf(plan: SlotPlan, period: LimitPeriod, day: number): [number, number] {
  const [first, end] = periodDays(period, day);
  return [localToInstant(plan.zone, first, 0), localToInstant(plan.zone, end, 0)];
}

/** The limits that apply to a booking starting on local day `day`, with their periods' bounds. */
function limitChecksOn(plan: SlotPlan, day: number): PeriodLimitCheck[] {
  return plan.limits.map((limit) => {
    const [from, to] = periodBoundsOf(plan, limit.period, day);
    return { ...limit, from: new Date(from), to: new Date(to) };
  });
}

/**
 * Counts bookings per limit and period, each period once: a walk over many slots asks the
 * same few periods again and again.
 */
function createLimitCounter(plan: SlotPlan, excludeId?: string) {
  const counted = new Map<string, number>();
  const countOf = (check: PeriodLimitCheck): number => {
    // A day and its week (or month) can start at the same instant: the period is part of the key.
    const key = `${check.period}|${check.measure}|${check.type ?? ''}|${check.from.getTime()}`;
    let count = counted.get(key);
    if (count === undefined) {
      count = 0;
      const [from, to] = [check.from.getTime(), check.to.getTime()];
      for (const item of plan.counted) {
        if (item.startMs < from || item.startMs >= to || item.id === excludeId) continue;
        if (check.type !== null && item.type !== check.type) continue;
        count += check.measure === 'bookings' ? 1 : item.minutes;
      }
      counted.set(key, count);
    }
    return count;
  };
  return {
    /** The `PERIOD_LIMIT` reasons of a booking of `durationMs` under `checks` (its day's). */
    reasonsFor(checks: readonly PeriodLimitCheck[], durationMs: number): UnavailableReason[] {
      if (checks.length === 0) return [];
      const reasons: UnavailableReason[] = [];
      for (const check of checks) {
        const count = countOf(check);
        const adds = check.measure === 'bookings' ? 1 : durationMs / MINUTE_MS;
        if (count + adds > check.limit) reasons.push(periodLimitReason(check, count));
      }
      return reasons;
    },
  };
}

/** The `PERIOD_LIMIT` reason of a check that `count` already booked leaves no room in. */
export function periodLimitReason(check: PeriodLimitCheck, count: number): UnavailableReason {
  return {
    code: 'PERIOD_LIMIT',
    period: check.period,
    measure: check.measure,
    limit: check.limit,
    count,
    ...(check.type !== null && { type: check.type }),
  };
}

/** Input of {@link explainBooking}: the rules and bookings, and the time asked about. */
export type ExplainBookingOptions = WorkingTimeOptions & {
  /** The candidate start; it ends `durationMinutes` later. */
  readonly start: Date;
  /** An appointment to leave out of `bookings` and the counts (the one being rescheduled). */
  readonly excludeId?: string;
};

/** What {@link explainBooking} decides. */
export interface BookingDecision {
  readonly bookable: boolean;
  /** Every reason it is not; empty when it is. */
  readonly reasons: readonly UnavailableReason[];
  /** The period limits that apply, with their bounds: what a store re-counts atomically. */
  readonly limitChecks: readonly PeriodLimitCheck[];
}

/**
 * The one decision "may this time be booked, and if not, why": inside a working interval of
 * its local day (date overrides first), no earlier than the minimum notice, no later than the
 * horizon, clear of every booking (buffers included on both sides), and within every period
 * limit. {@link generateSlots} decides each slot by the same rules, so a slot it offers is
 * bookable and a time this refuses is never offered.
 *
 * @example
 * explainBooking({
 *   timeZone: 'Europe/London',
 *   start: new Date('2026-03-07T10:00:00Z'), // a Saturday
 *   durationMinutes: 30,
 *   now: new Date('2026-03-01T00:00:00Z'),
 * }); // { bookable: false, reasons: [{ code: 'OUTSIDE_HOURS' }], limitChecks: [] }
 */
export function explainBooking(options: ExplainBookingOptions): BookingDecision {
  const plan = planSlots(options);
  const { start } = options;
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) {
    throw ValidationError.forField('start', 'Must be a valid Date', 'invalid_type');
  }
  const startMs = start.getTime();
  const endMs = startMs + plan.durationMs;
  const limitChecks = limitChecksOn(plan, instantToDayNumber(plan.zone, startMs));
  const reasons = [
    ...hoursReasons(plan, startMs, endMs),
    ...timeReasons(plan, startMs),
    ...overlapReasons(plan, startMs, endMs, options.excludeId),
    ...createLimitCounter(plan, options.excludeId).reasonsFor(limitChecks, plan.durationMs),
  ];
  return { bookable: reasons.length === 0, reasons, limitChecks };
}

/** `YYYY-MM-DD` of an instant in a zone (for callers building date queries). */
export function localDateOf(instant: Date, timeZone: string): string {
  const zone = ianaZone(timeZone);
  return formatLocalDate(dayNumberToLocalDate(instantToDayNumber(zone, instant.getTime())));
}
