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
  /** Inside working hours, within notice and horizon, and free (buffers included). */
  readonly available: boolean;
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
}

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
  const notice = minutes(options.minimumNoticeMinutes, 'minimumNoticeMinutes', 0, 525_600, 0);
  const horizon = minutes(options.horizonDays, 'horizonDays', 0, 3660, Number.NaN);
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
  const busy = collect(() => mergeBusy(options.busy ?? []), { starts: new Float64Array(0), ends: new Float64Array(0) });
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
  };
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
  let busyIndex = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    const intervals = plan.overrides.get(day) ?? plan.weekly[WEEKDAYS.indexOf(weekdayOfDayNumber(day))] ?? [];
    for (const [startMinute, endMinute] of intervals) {
      const intervalStart = localToInstant(plan.zone, day, startMinute);
      const intervalEnd = localToInstant(plan.zone, day, endMinute);
      for (let start = intervalStart; start + durationMs <= intervalEnd; start += stepMs) {
        if (start < notBeforeMs) continue;
        const end = start + durationMs;
        const occupiedStart = start - bufferBeforeMs;
        const occupiedEnd = end + bufferAfterMs;
        while (busyIndex < busyEnds.length && (busyEnds[busyIndex] as number) <= occupiedStart) busyIndex++;
        const isFree = busyIndex >= busyStarts.length || (busyStarts[busyIndex] as number) >= occupiedEnd;
        const available = isFree && start >= plan.earliestStartMs && start <= plan.latestStartMs;
        yield { start: new Date(start), end: new Date(end), available };
      }
    }
  }
}

/** `YYYY-MM-DD` of an instant in a zone (for callers building date queries). */
export function localDateOf(instant: Date, timeZone: string): string {
  const zone = ianaZone(timeZone);
  return formatLocalDate(dayNumberToLocalDate(instantToDayNumber(zone, instant.getTime())));
}
