/**
 * Checks of everything the iCalendar export reads: the host's options and the records. Every
 * value ends up in a content line, so a wrong type or a line break in the wrong place is refused
 * with a {@link ValidationError} naming the field, and every check runs in time bounded by a
 * length limit applied before any pattern is matched.
 */
import type { Appointment } from '../appointment.js';
import { ValidationError, type ValidationIssueCode } from '../errors.js';
import { LIMITS } from '../limits.js';
import { isValidTimeZone } from '../local-time.js';
import { isAppointmentStatus } from '../status.js';

/** The export's own bounds on input sizes. */
export const ICAL_LIMITS = Object.freeze({
  /** Appointments in one {@link calendarFeed}. */
  feedAppointments: 10_000,
  /** Series in one {@link calendarFeed}. */
  feedSeries: 1_000,
  /** Segments of all series in one {@link calendarFeed} together: each is expanded and checked. */
  feedSegments: 1_000,
  /** Segments of one series: each starts at a distinct occurrence index. */
  seriesSegments: LIMITS.maxOccurrences,
  /** Stored occurrences of one series. */
  seriesOccurrences: 10_000,
  /** Attendees of one event. */
  attendees: 100,
  /** A SUMMARY or DESCRIPTION, as the callbacks return it. */
  textLength: 10_000,
  /** A calendar name, a person's name, a PRODID part. */
  nameLength: 200,
  /** An e-mail address (RFC 5321). */
  emailLength: 254,
  /** A domain name (RFC 1035). */
  domainLength: 253,
});

/** Throws a {@link ValidationError} for one field. */
export function fail(path: string, message: string, code: ValidationIssueCode = 'custom'): never {
  throw ValidationError.forField(path, message, code);
}

/** `value` as a plain object, or a {@link ValidationError} on `path`. */
export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(path, 'Must be an object', 'invalid_type');
  }
  return value as Record<string, unknown>;
}

/** `value` as an array of at most `max` items. */
export function requireArray(value: unknown, path: string, max: number): readonly unknown[] {
  if (!Array.isArray(value)) fail(path, 'Must be an array', 'invalid_type');
  if (value.length > max) fail(path, `Must have at most ${max} items`, 'too_big');
  return value;
}

/** `value` as a string of 1..`max` characters. */
export function requireString(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string') fail(path, 'Must be a string', 'invalid_type');
  if (value.length === 0) fail(path, 'Must not be empty', 'too_small');
  if (value.length > max) fail(path, `Must be at most ${max} characters`, 'too_big');
  return value;
}

/** `value` as a valid `Date`. */
export function requireDate(value: unknown, path: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail(path, 'Must be a valid Date', 'invalid_type');
  return value;
}

/** `value` as a whole number in `min..max`. */
export function requireInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(path, 'Must be a whole number', 'invalid_type');
  if (value < min || value > max) fail(path, `Must be between ${min} and ${max}`, 'out_of_range');
  return value;
}

/** `value` as a function, when given. */
export function optionalFunction<T>(value: unknown, path: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(path, 'Must be a function', 'invalid_type');
  return value as T;
}

/**
 * Characters of an id written into a UID. UID is TEXT, which ical-generator writes unescaped,
 * so an id is limited to characters that need no escaping and cannot end the line.
 */
const UID_SAFE = /^[A-Za-z0-9._~:@+-]+$/;

/** An appointment or series id that can be written into a UID. */
export function requireUidPart(value: unknown, path: string): string {
  const text = requireString(value, path, LIMITS.idLength);
  if (!UID_SAFE.test(text)) {
    fail(path, 'Must contain only letters, digits and . _ ~ : @ + - to be written into a UID', 'invalid_text');
  }
  return text;
}

/** IANA names use these; anything else could not be written as a TZID parameter unquoted. */
const TZID_SAFE = /^[A-Za-z0-9_+\-/]+$/;
/** Longer than any IANA zone name. */
const MAX_TIME_ZONE_LENGTH = 64;

/**
 * Zone names already found valid. Asking the runtime costs a new `Intl.DateTimeFormat` (tens
 * of microseconds), and a feed repeats one or two zones thousands of times. There are a few
 * hundred zone names, so the set stays small.
 */
const knownZones = new Set<string>();

/** An IANA time zone this runtime knows, written as a TZID. */
export function requireTimeZone(value: unknown, path: string): string {
  const zone = requireString(value, path, MAX_TIME_ZONE_LENGTH);
  if (knownZones.has(zone)) return zone;
  if (!TZID_SAFE.test(zone) || !isValidTimeZone(zone)) {
    fail(path, `Unknown IANA time zone "${zone}"`, 'invalid_time_zone');
  }
  knownZones.add(zone);
  return zone;
}

/** A DNS label: letters, digits and inner hyphens (RFC 1035). */
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A domain name, as appended to UIDs (`id@domain`). */
export function requireDomain(value: unknown, path: string): string {
  const domain = requireString(value, path, ICAL_LIMITS.domainLength);
  if (!domain.split('.').every((label) => DOMAIN_LABEL.test(label))) {
    fail(path, 'Must be a domain name such as clinic.example', 'invalid_format');
  }
  return domain;
}

/**
 * An address for `mailto:`: one `@`, and none of the characters that end a value or a
 * parameter (`;` `,` `:` `"` `\`), spaces or control characters.
 */
const EMAIL = /^[^\s@;,:"\\<>()[\]]+@[^\s@;,:"\\<>()[\]]+$/;

/** An e-mail address for ORGANIZER or ATTENDEE. */
export function requireEmail(value: unknown, path: string): string {
  const email = requireString(value, path, ICAL_LIMITS.emailLength);
  if (!EMAIL.test(email)) fail(path, 'Must be an e-mail address', 'invalid_format');
  return email;
}

/**
 * A name written as a quoted parameter (`CN="…"`) or a PRODID part: parameter values have no
 * escapes, so quotes, backslashes and control characters cannot be written at all.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const PARAMETER_UNSAFE = /["\\\u0000-\u001F\u007F]/;

/** A display name (quoted parameter) or a PRODID part. */
export function requirePlainName(value: unknown, path: string): string {
  const name = requireString(value, path, ICAL_LIMITS.nameLength);
  if (PARAMETER_UNSAFE.test(name)) {
    fail(path, 'Must not contain quotes, backslashes or control characters', 'invalid_text');
  }
  return name;
}

/** Epoch ms of a UTC calendar date (not `Date.UTC`, which reads the years 0–99 as 1900–1999). */
function utcDateMs(year: number, monthIndex: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

/**
 * The first and last instants written with four-digit years in every zone: a day inside each
 * end of 0001–9999, since a local date may differ from the UTC one by up to a day.
 */
const FIRST_WRITABLE_MS = utcDateMs(1, 0, 2);
const LAST_WRITABLE_MS = utcDateMs(9999, 11, 30);

/** A Date iCalendar can write: DATE-TIME values have four-digit years. */
export function requireWritableDate(value: unknown, path: string): Date {
  const date = requireDate(value, path);
  const time = date.getTime();
  if (time < FIRST_WRITABLE_MS || time > LAST_WRITABLE_MS) {
    fail(path, 'Must lie between the years 0001 and 9999', 'out_of_range');
  }
  return date;
}

/** Anything `version − 1` may reach and still be an RFC 5545 INTEGER (SEQUENCE). */
export const MAX_SEQUENCE = 2_147_483_647;

/**
 * Checks the fields of an appointment the export reads and returns it typed. The record is a
 * store's, but a host may build one by hand (or parse one from JSON), so nothing is assumed.
 */
export function checkAppointment(value: unknown, path: string): Appointment {
  const record = requireObject(value, path);
  requireUidPart(record.id, `${path}.id`);
  if (!isAppointmentStatus(record.status)) fail(`${path}.status`, 'Must be an appointment status', 'invalid_value');
  const start = requireWritableDate(record.start, `${path}.start`);
  const end = requireWritableDate(record.end, `${path}.end`);
  if (end.getTime() <= start.getTime()) fail(`${path}.end`, 'Must be after start', 'end_before_start');
  requireTimeZone(record.timeZone, `${path}.timeZone`);
  requireString(record.type, `${path}.type`, LIMITS.idLength);
  requireInteger(record.version, `${path}.version`, 1, MAX_SEQUENCE + 1);
  requireWritableDate(record.updatedAt, `${path}.updatedAt`);
  if (record.seriesId !== null) requireUidPart(record.seriesId, `${path}.seriesId`);
  if (record.occurrenceIndex !== null) {
    requireInteger(record.occurrenceIndex, `${path}.occurrenceIndex`, 0, Number.MAX_SAFE_INTEGER);
  }
  return value as Appointment;
}
