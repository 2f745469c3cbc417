import type { Appointment } from '../appointment.js';
import { cleanText, summaryFromType } from './text.js';
import {
  fail,
  ICAL_LIMITS,
  optionalFunction,
  requireArray,
  requireDomain,
  requireEmail,
  requireObject,
  requirePlainName,
  requireWritableDate,
} from './validate.js';

/**
 * How times are written. `local`: as wall-clock times with `TZID` = the appointment's (or the
 * series') zone, and a `VTIMEZONE` for it; an event whose times a reader could map to another
 * instant (a time inside a DST gap or overlap, or a zone whose published `VTIMEZONE` disagrees
 * with the time-zone database) is written in UTC instead. `utc`: every time in UTC (`Z`).
 */
export type IcalTimeZoneMode = 'utc' | 'local';

/** A person with an e-mail address: an ORGANIZER or an ATTENDEE. */
export interface IcalParty {
  readonly email: string;
  /** Display name (`CN`); the address when absent. */
  readonly name?: string;
}

/** The `PRODID` parts: written `-//company//product//LANGUAGE`. */
export interface IcalProdId {
  readonly company: string;
  readonly product: string;
  /** Language tag; `EN` when absent. */
  readonly language?: string;
}

/** Options every export takes. All are optional. */
export interface IcalOptions {
  /** `local` (the default) or `utc`; see {@link IcalTimeZoneMode}. */
  readonly timeZoneMode?: IcalTimeZoneMode;
  /** Who made the calendar; `-//appointment-kit//appointment-kit//EN` when absent. */
  readonly prodId?: IcalProdId;
  /** Appended to every UID (`<id>@<domain>`), making UIDs globally unique across systems. */
  readonly domain?: string;
  /** The SUMMARY of an appointment; by default its type, readable (`follow_up` → `Follow up`). */
  readonly summary?: (appointment: Appointment) => string;
  /**
   * The DESCRIPTION of an appointment, or null for none (the default). Notes and reasons are
   * not exported unless the host says so here: invitations leave the clinic's systems.
   */
  readonly description?: (appointment: Appointment) => string | null;
  /** The ORGANIZER of every event (RFC 5546 requires one in `REQUEST` and `CANCEL`). */
  readonly organizer?: IcalParty;
  /** The ATTENDEEs of every event (RFC 5546 requires at least one in `REQUEST` and `CANCEL`). */
  readonly attendees?: readonly IcalParty[];
  /**
   * The `DTSTAMP` of every event. By default the latest `updatedAt` of the appointments an
   * event describes, so the same data always gives the same text.
   */
  readonly now?: Date;
}

/** What the exported text of one appointment is. */
export interface EventText {
  readonly summary: string;
  readonly description: string | null;
}

/** The options, checked, with defaults applied. */
export interface ExportContext {
  readonly mode: IcalTimeZoneMode;
  readonly prodId: Required<IcalProdId>;
  readonly domain: string | null;
  readonly organizer: IcalParty | null;
  readonly attendees: readonly IcalParty[];
  readonly now: Date | null;
  /** The SUMMARY and DESCRIPTION of an appointment, from the callbacks or the defaults. */
  readonly text: (appointment: Appointment) => EventText;
}

const OPTION_KEYS = [
  'timeZoneMode',
  'prodId',
  'domain',
  'summary',
  'description',
  'organizer',
  'attendees',
  'now',
] as const;
const TIME_ZONE_MODES: readonly IcalTimeZoneMode[] = ['utc', 'local'];
const DEFAULT_PROD_ID: Required<IcalProdId> = Object.freeze({
  company: 'appointment-kit',
  product: 'appointment-kit',
  language: 'EN',
});
/** A BCP 47 language tag, roughly: enough to keep it to letters, digits and hyphens. */
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/;
const MAX_LANGUAGE_TAG_LENGTH = 44;

/**
 * Checks `value` as {@link IcalOptions} plus `extraKeys` (read by the caller); refuses any other
 * key, so a misspelt option is an error rather than silently ignored.
 */
export function resolveOptions(value: unknown, extraKeys: readonly string[] = []): ExportContext {
  const options = value === undefined ? {} : requireObject(value, '');
  const known = new Set<string>([...OPTION_KEYS, ...extraKeys]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) fail(key, 'Is not an option of the iCalendar export', 'unrecognized_keys');
  }
  return {
    mode: timeZoneMode(options.timeZoneMode),
    prodId: options.prodId === undefined ? DEFAULT_PROD_ID : prodId(options.prodId),
    domain: options.domain === undefined ? null : requireDomain(options.domain, 'domain'),
    organizer: options.organizer === undefined ? null : party(options.organizer, 'organizer'),
    attendees: options.attendees === undefined ? [] : attendees(options.attendees),
    now: options.now === undefined ? null : requireWritableDate(options.now, 'now'),
    text: textOf(
      optionalFunction<IcalOptions['summary']>(options.summary, 'summary'),
      optionalFunction<IcalOptions['description']>(options.description, 'description'),
    ),
  };
}

function timeZoneMode(value: unknown): IcalTimeZoneMode {
  if (value === undefined) return 'local';
  if (!TIME_ZONE_MODES.includes(value as IcalTimeZoneMode)) {
    fail('timeZoneMode', `Must be one of ${TIME_ZONE_MODES.join(', ')}`, 'invalid_value');
  }
  return value as IcalTimeZoneMode;
}

function prodId(value: unknown): Required<IcalProdId> {
  const parts = requireObject(value, 'prodId');
  const language = parts.language === undefined ? DEFAULT_PROD_ID.language : parts.language;
  if (typeof language !== 'string' || language.length > MAX_LANGUAGE_TAG_LENGTH || !LANGUAGE_TAG.test(language)) {
    fail('prodId.language', 'Must be a language tag such as EN', 'invalid_format');
  }
  return {
    company: productPart(parts.company, 'prodId.company'),
    product: productPart(parts.product, 'prodId.product'),
    language: language.toUpperCase(),
  };
}

/** A PRODID part: `//` would split it, so it may not contain one. */
function productPart(value: unknown, path: string): string {
  const part = requirePlainName(value, path);
  if (part.includes('//')) fail(path, 'Must not contain //', 'invalid_text');
  return part;
}

function party(value: unknown, path: string): IcalParty {
  const record = requireObject(value, path);
  const email = requireEmail(record.email, `${path}.email`);
  return record.name === undefined ? { email } : { email, name: requirePlainName(record.name, `${path}.name`) };
}

function attendees(value: unknown): IcalParty[] {
  return requireArray(value, 'attendees', ICAL_LIMITS.attendees).map((item, index) =>
    party(item, `attendees[${index}]`),
  );
}

/** The text of an appointment, from the host's callbacks (checked) or the defaults. */
function textOf(
  summary: IcalOptions['summary'] | undefined,
  description: IcalOptions['description'] | undefined,
): (appointment: Appointment) => EventText {
  return (appointment) => ({
    summary: summary === undefined ? summaryFromType(appointment.type) : callbackText(summary(appointment), 'summary'),
    description: description === undefined ? null : optionalCallbackText(description(appointment), 'description'),
  });
}

function callbackText(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, `The ${path} callback must return a string`, 'invalid_type');
  if (value.length > ICAL_LIMITS.textLength) {
    fail(path, `The ${path} callback must return at most ${ICAL_LIMITS.textLength} characters`, 'too_big');
  }
  return cleanText(value);
}

function optionalCallbackText(value: unknown, path: string): string | null {
  return value === null || value === undefined ? null : callbackText(value, path);
}
