import { IANAZone } from 'luxon';
import { ValidationError } from './errors.js';

/**
 * Local (wall-clock) time in an IANA zone, without the process's own zone ever mattering.
 * Civil dates and times are plain numbers here; only the zone's UTC offset comes from luxon.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A calendar date without a zone. `month` is 1..12. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Weekday names, Monday first (weeks start on Monday). */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** A day of the week. */
export type Weekday = (typeof WEEKDAYS)[number];

const zones = new Map<string, IANAZone>();

/**
 * The luxon zone for an IANA name; throws {@link ValidationError} on `field` for an unknown one.
 */
export function ianaZone(name: string, field = 'timeZone'): IANAZone {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = IANAZone.create(name);
    if (typeof name !== 'string' || !zone.isValid) {
      throw ValidationError.forField(field, `Unknown IANA time zone "${String(name)}"`, 'invalid_time_zone');
    }
    zones.set(name, zone);
  }
  return zone;
}

/** True if `name` is an IANA time zone this runtime knows. */
export function isValidTimeZone(name: string): boolean {
  return typeof name === 'string' && IANAZone.isValidZone(name);
}

const LOCAL_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD`; throws {@link ValidationError} on `field` unless it is a real date. */
export function parseLocalDate(text: string, field = 'date'): LocalDate {
  const match = typeof text === 'string' ? LOCAL_DATE_PATTERN.exec(text) : null;
  if (match) {
    const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
    if (date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= daysInMonth(date.year, date.month)) {
      return date;
    }
  }
  throw ValidationError.forField(field, 'Must be a calendar date written YYYY-MM-DD', 'invalid_date');
}

/** `YYYY-MM-DD` of a local date. */
export function formatLocalDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

const LOCAL_TIME_PATTERN = /^(\d{2}):(\d{2})$/;

/**
 * Minutes after local midnight of an `HH:mm` time, 0..1440 (`24:00` is the end of the day and
 * only accepted when `allowEndOfDay`).
 */
export function parseLocalTime(text: string, field: string, allowEndOfDay = false): number {
  const match = typeof text === 'string' ? LOCAL_TIME_PATTERN.exec(text) : null;
  if (match) {
    const hours = Number(match[1]);
    const minutes = Number(match[2]);
    if (hours < 24 && minutes < 60) return hours * 60 + minutes;
    if (allowEndOfDay && hours === 24 && minutes === 0) return 1440;
  }
  throw ValidationError.forField(
    field,
    allowEndOfDay ? 'Must be a time written HH:mm, 00:00 to 24:00' : 'Must be a time written HH:mm, 00:00 to 23:59',
    'invalid_time',
  );
}

/**
 * Epoch ms of a UTC calendar date. `Date.UTC` reads years 0–99 as 1900–1999; setting the full
 * year afterwards keeps every year what it says.
 */
export function utcDateMs(year: number, monthIndex: number, day: number): number {
  const date = new Date(Date.UTC(2000, monthIndex, day));
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  return new Date(utcDateMs(year, month, 0)).getUTCDate();
}

/** Days since 1970-01-01 of a calendar date (a zone-free day number). */
export function localDateToDayNumber(date: LocalDate): number {
  return Math.floor(utcDateMs(date.year, date.month - 1, date.day) / DAY_MS);
}

/** The calendar date of a day number. */
export function dayNumberToLocalDate(dayNumber: number): LocalDate {
  const date = new Date(dayNumber * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/**
 * The local days `[first, end)` of the day, week (from Monday) or month around day `day`: the
 * periods schedules show and limits count in.
 */
export function periodDays(period: 'day' | 'week' | 'month', day: number): [number, number] {
  if (period === 'day') return [day, day + 1];
  if (period === 'week') {
    const monday = day - WEEKDAYS.indexOf(weekdayOfDayNumber(day));
    return [monday, monday + 7];
  }
  const date = dayNumberToLocalDate(day);
  const first = day - (date.day - 1);
  return [first, first + daysInMonth(date.year, date.month)];
}

/** The weekday of a day number. */
export function weekdayOfDayNumber(dayNumber: number): Weekday {
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  return WEEKDAYS[(((dayNumber + 3) % 7) + 7) % 7] as Weekday;
}

/** The zone's UTC offset in minutes at an instant. */
function offsetAt(zone: IANAZone, epochMs: number): number {
  return zone.offset(epochMs);
}

// Offsets at UTC midnights, per zone: the probes every conversion of a day shares. Asking the
// zone costs microseconds (Intl formatting); a day's probe is asked once and then reused.
const MIDNIGHT_CACHE_LIMIT = 20_000;
const midnightOffsets = new Map<IANAZone, Map<number, number>>();

function offsetAtUtcMidnight(zone: IANAZone, dayNumber: number): number {
  let offsets = midnightOffsets.get(zone);
  if (offsets === undefined) {
    offsets = new Map();
    midnightOffsets.set(zone, offsets);
  }
  let offset = offsets.get(dayNumber);
  if (offset === undefined) {
    if (offsets.size >= MIDNIGHT_CACHE_LIMIT) offsets.clear();
    offset = offsetAt(zone, dayNumber * DAY_MS);
    offsets.set(dayNumber, offset);
  }
  return offset;
}

/**
 * The real instant (epoch ms) of a local wall-clock time in `zone`, written as "floating"
 * epoch milliseconds: the local fields read as if they were UTC.
 *
 * The zone decides how the wall clock maps to instants, and we decide the two edge cases
 * ourselves rather than leave them to luxon (whose choice differs by zone):
 * - a time inside a spring-forward gap does not exist and moves forward to the first valid
 *   instant, the moment the clocks jump;
 * - a time that occurs twice in a fall-back night takes the earlier instant (RFC 5545 §3.3.5).
 */
export function floatingToInstant(zone: IANAZone, floatingMs: number): number {
  // The wall time lies within 14 hours of its instant, so the offsets at the UTC midnights a
  // day before and two days after its date bracket every offset that can apply to it. Zones
  // change offset at most once in such a three-day window (checked over every IANA zone,
  // 1990–2045), so equal offsets at both ends mean no change at all: the common case costs no
  // call to the zone once those two midnights are cached.
  const day = Math.floor(floatingMs / DAY_MS);
  const before = offsetAtUtcMidnight(zone, day - 1);
  const after = offsetAtUtcMidnight(zone, day + 2);
  if (before === after) return floatingMs - before * MINUTE_MS;
  const candidates: number[] = [];
  for (const offset of new Set([before, after, offsetAt(zone, floatingMs)])) {
    const instant = floatingMs - offset * MINUTE_MS;
    if (offsetAt(zone, instant) === offset) candidates.push(instant);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  return firstInstantAfterGap(zone, floatingMs, before, after);
}

/**
 * In a spring-forward gap: the instant the clocks jumped, found by bisection between the
 * instants the wall time would have had under the offsets either side of the gap.
 */
function firstInstantAfterGap(zone: IANAZone, floatingMs: number, before: number, after: number): number {
  let low = floatingMs - Math.max(before, after) * MINUTE_MS;
  let high = floatingMs - Math.min(before, after) * MINUTE_MS;
  const offsetLater = offsetAt(zone, high);
  // Invariant: offset(low) differs from the offset after the jump, offset(high) equals it.
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(zone, middle) === offsetLater) high = middle;
    else low = middle;
  }
  return high;
}

/** The real instant of a local date and minute-of-day (0..1440) in `zone`; see {@link floatingToInstant}. */
export function localToInstant(zone: IANAZone, dayNumber: number, minuteOfDay: number): number {
  return floatingToInstant(zone, dayNumber * DAY_MS + minuteOfDay * MINUTE_MS);
}

/** The floating (wall-clock-as-UTC) epoch ms of an instant in `zone`. */
export function instantToFloating(zone: IANAZone, epochMs: number): number {
  return epochMs + offsetAt(zone, epochMs) * MINUTE_MS;
}

/** The local calendar day number of an instant in `zone`. */
export function instantToDayNumber(zone: IANAZone, epochMs: number): number {
  return Math.floor(instantToFloating(zone, epochMs) / DAY_MS);
}

/** The remainder of `value / divisor` with the divisor's sign: `modulo(-1, 7)` is 6. */
export function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
