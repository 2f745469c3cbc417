import { ValidationError } from './errors.js';
import { LIMITS } from './limits.js';

/**
 * A strict reader of RFC 5545 recurrence rules (the RECUR value type, §3.3.10), run before
 * any rule text reaches the rrule library. rrule trusts its input: a negative or fractional
 * INTERVAL makes it loop forever and out-of-range values make it search to year 9999, so
 * every part is checked here against the grammar, its value range and the restrictions per
 * FREQ, and rrule is only ever given options built from the checked structure.
 */

/** The input field every rule error names. */
export const RRULE_FIELD = 'recurrence.rrule';

/** The frequencies a series may have (sub-daily ones would book appointments every hour). */
export const RULE_FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;

/** A `FREQ` value. */
export type RuleFrequency = (typeof RULE_FREQUENCIES)[number];

/** RFC 5545 weekday codes, Monday first (the index is rrule's weekday number). */
export const RULE_WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/** A weekday code. */
export type RuleWeekday = (typeof RULE_WEEKDAYS)[number];

/** One `BYDAY` value: a weekday, optionally the nth (negative: from the end) in the month or year. */
export interface RuleWeekdayNum {
  readonly weekday: RuleWeekday;
  /** ±1..53; absent for every such weekday of the period. */
  readonly ordinal?: number;
}

/** `UNTIL`: a date, or a date-time that is UTC (`Z`) or floating (local to the series' zone). */
export type RuleUntil =
  | { readonly kind: 'date'; readonly year: number; readonly month: number; readonly day: number }
  | {
      readonly kind: 'date-time';
      readonly year: number;
      readonly month: number;
      readonly day: number;
      readonly hour: number;
      readonly minute: number;
      readonly second: number;
      readonly utc: boolean;
    };

/**
 * A checked recurrence rule. Lists are sorted and free of repeats (every BYxxx part is a set,
 * so this changes no meaning); absent parts are `undefined`.
 */
export interface ParsedRecurrenceRule {
  /** `FREQ`: how long one period is. */
  readonly freq: RuleFrequency;
  /** `INTERVAL`, 1..9999: every how many periods; absent means 1. */
  readonly interval?: number;
  /** `COUNT`, 1..{@link LIMITS.maxOccurrences}; the start counts as the first occurrence. */
  readonly count?: number;
  /** `UNTIL`: the last moment an occurrence may start, inclusive. */
  readonly until?: RuleUntil;
  /** `BYSECOND`, 0..60. */
  readonly bySecond?: readonly number[];
  /** `BYMINUTE`, 0..59. */
  readonly byMinute?: readonly number[];
  /** `BYHOUR`, 0..23. */
  readonly byHour?: readonly number[];
  /** `BYDAY`, sorted by weekday (Monday first), a plain weekday before its numbered ones. */
  readonly byDay?: readonly RuleWeekdayNum[];
  /** `BYMONTHDAY`, ±1..31 (negative: from the month's end). */
  readonly byMonthDay?: readonly number[];
  /** `BYYEARDAY`, ±1..366 (negative: from the year's end). */
  readonly byYearDay?: readonly number[];
  /** `BYWEEKNO`, ±1..53 (ISO-style weeks starting on `wkst`). */
  readonly byWeekNo?: readonly number[];
  /** `BYMONTH`, 1..12. */
  readonly byMonth?: readonly number[];
  /** `BYSETPOS`, ±1..366: which of each period's candidates to keep. */
  readonly bySetPos?: readonly number[];
  /** `WKST`: the first day of the week; absent means Monday. */
  readonly wkst?: RuleWeekday;
}

/** The bounds this reader enforces beyond the grammar itself. */
export const RRULE_LIMITS = Object.freeze({
  /** Longest rule text accepted (as the input schema). */
  maxLength: LIMITS.rruleLength,
  /** Largest INTERVAL. */
  maxInterval: 9999,
  /** Most values in one BYxxx list. */
  maxListLength: 60,
  /**
   * Most times of day a rule may name (BYHOUR × BYMINUTE × BYSECOND values). rrule walks
   * every day × time of day of the period holding the start before it reaches the start, so
   * this product bounds the work of a yearly rule; no series of at most 100 appointments
   * needs more.
   */
  maxTimesOfDay: 24,
});

type ListName = 'BYSECOND' | 'BYMINUTE' | 'BYHOUR' | 'BYMONTHDAY' | 'BYYEARDAY' | 'BYWEEKNO' | 'BYMONTH' | 'BYSETPOS';

/** The numeric list parts: their range, whether they take a sign, and how many digits. */
const NUMBER_LISTS: Readonly<
  Record<ListName, { readonly min: number; readonly max: number; readonly signed: boolean; readonly digits: number }>
> = {
  BYSECOND: { min: 0, max: 60, signed: false, digits: 2 },
  BYMINUTE: { min: 0, max: 59, signed: false, digits: 2 },
  BYHOUR: { min: 0, max: 23, signed: false, digits: 2 },
  BYMONTHDAY: { min: 1, max: 31, signed: true, digits: 2 },
  BYYEARDAY: { min: 1, max: 366, signed: true, digits: 3 },
  BYWEEKNO: { min: 1, max: 53, signed: true, digits: 2 },
  BYMONTH: { min: 1, max: 12, signed: false, digits: 2 },
  BYSETPOS: { min: 1, max: 366, signed: true, digits: 3 },
};

/** Every part name, in the order of the RFC 5545 grammar (the canonical order). */
const PART_NAMES = [
  'FREQ',
  'UNTIL',
  'COUNT',
  'INTERVAL',
  'BYSECOND',
  'BYMINUTE',
  'BYHOUR',
  'BYDAY',
  'BYMONTHDAY',
  'BYYEARDAY',
  'BYWEEKNO',
  'BYMONTH',
  'BYSETPOS',
  'WKST',
] as const;

type PartName = (typeof PART_NAMES)[number];

const KNOWN_PARTS = new Set<string>(PART_NAMES);
const SUB_DAILY = new Set(['HOURLY', 'MINUTELY', 'SECONDLY']);

function fail(message: string): never {
  throw ValidationError.forField(RRULE_FIELD, message, 'invalid_rrule');
}

/** User text quoted in a message, cut short so a 1000-character value cannot flood it. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

// Computed by hand: Date.UTC reads years 0–99 as 1900–1999.
function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Reads an RFC 5545 recurrence rule, e.g. `FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10` (an `RRULE:`
 * prefix and surrounding whitespace are allowed; names and keywords may be in any case).
 *
 * Only the parts a daily-or-longer series can use are accepted, each at most once, with the
 * value ranges of RFC 5545 and its restrictions per FREQ (BYWEEKNO only with YEARLY,
 * BYYEARDAY only with YEARLY, no BYMONTHDAY with WEEKLY, BYSETPOS only beside another BYxxx
 * part, an nth BYDAY only with MONTHLY (n ≤ 5) or YEARLY without BYWEEKNO, not both COUNT and
 * UNTIL). COUNT is at most {@link LIMITS.maxOccurrences}, INTERVAL at most 9999, a list at most
 * 60 values, and BYHOUR × BYMINUTE × BYSECOND at most 24 times of day. DTSTART and TZID are
 * refused: the start and zone are given apart.
 *
 * @throws {ValidationError} on `recurrence.rrule`, code `invalid_rrule`, naming the part and
 *   what is wrong.
 */
export function parseRecurrenceRule(text: string): ParsedRecurrenceRule {
  if (typeof text !== 'string') fail('Must be a string');
  const trimmed = text.trim();
  if (trimmed.length > RRULE_LIMITS.maxLength) fail(`Must be at most ${RRULE_LIMITS.maxLength} characters`);
  const body = trimmed.replace(/^RRULE:/i, '');
  if (/[\r\n]/.test(body) || /(^|;)(DTSTART|TZID)([=:;]|$)/i.test(body)) {
    fail('Give a single RRULE without DTSTART or TZID: the start and zone are given apart');
  }
  if (body === '') fail('The rule is empty: give at least FREQ, e.g. FREQ=WEEKLY');
  const badCharacter = /[^A-Za-z0-9;=,+-]/u.exec(body);
  if (badCharacter) {
    const codePoint = (badCharacter[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    fail(`Contains the character U+${codePoint}; a rule holds only letters, digits and ; = , + -`);
  }

  const values = new Map<PartName, string>();
  for (const part of body.split(';')) {
    if (part === '') fail('Has an empty part: a ";" at the start or end, or two in a row');
    const equals = part.indexOf('=');
    if (equals < 0) fail(`The part ${quote(part)} is not NAME=VALUE`);
    const name = part.slice(0, equals).toUpperCase();
    const value = part.slice(equals + 1);
    if (!KNOWN_PARTS.has(name)) {
      fail(`Unknown part ${quote(name)}; the parts are ${PART_NAMES.join(', ')}`);
    }
    const partName = name as PartName;
    if (values.has(partName)) fail(`${partName} is given more than once`);
    if (value === '') fail(`${partName} has no value`);
    values.set(partName, value);
  }

  const freqText = values.get('FREQ');
  if (freqText === undefined) fail('FREQ is required, e.g. FREQ=WEEKLY');
  const rule: Mutable<ParsedRecurrenceRule> = { freq: parseFrequency(freqText) };
  for (const [name, value] of values) {
    switch (name) {
      case 'FREQ':
        break;
      case 'INTERVAL':
        rule.interval = parseCount(name, value, RRULE_LIMITS.maxInterval);
        break;
      case 'COUNT':
        rule.count = parseCount(name, value, LIMITS.maxOccurrences);
        break;
      case 'UNTIL':
        rule.until = parseUntil(value);
        break;
      case 'BYDAY':
        rule.byDay = parseByDay(value);
        break;
      case 'WKST':
        rule.wkst = parseWeekday(name, value);
        break;
      default:
        rule[LIST_KEYS[name]] = parseNumberList(name, value);
    }
  }
  checkCombinations(rule);
  return rule;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const LIST_KEYS = {
  BYSECOND: 'bySecond',
  BYMINUTE: 'byMinute',
  BYHOUR: 'byHour',
  BYMONTHDAY: 'byMonthDay',
  BYYEARDAY: 'byYearDay',
  BYWEEKNO: 'byWeekNo',
  BYMONTH: 'byMonth',
  BYSETPOS: 'bySetPos',
} as const satisfies Record<ListName, keyof ParsedRecurrenceRule>;

function parseFrequency(value: string): RuleFrequency {
  const upper = value.toUpperCase();
  if ((RULE_FREQUENCIES as readonly string[]).includes(upper)) return upper as RuleFrequency;
  if (SUB_DAILY.has(upper)) fail(`FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY: a series cannot repeat ${upper}`);
  return fail(`FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not ${quote(value)}`);
}

/** A positive whole number written in decimal digits only (COUNT, INTERVAL). */
function parseCount(name: 'COUNT' | 'INTERVAL', value: string, max: number): number {
  if (!/^\d+$/.test(value)) fail(`${name} must be a whole number written in digits, not ${quote(value)}`);
  const number = Number(value);
  if (number < 1) fail(`${name} must be at least 1`);
  if (number > max) {
    fail(
      name === 'COUNT'
        ? `COUNT must be at most ${max}: a series has at most ${max} occurrences`
        : `INTERVAL must be at most ${max}`,
    );
  }
  return number;
}

function parseNumberList(name: ListName, value: string): number[] {
  const { min, max, signed, digits } = NUMBER_LISTS[name];
  const items = splitList(name, value);
  const pattern = new RegExp(signed ? `^[+-]?\\d{1,${digits}}$` : `^\\d{1,${digits}}$`);
  const numbers = items.map((item) => {
    if (!pattern.test(item)) {
      fail(
        `${name} values are whole numbers of at most ${digits} digits${signed ? ', optionally signed' : ' without a sign'}, not ${quote(item)}`,
      );
    }
    const number = Number(item);
    const size = Math.abs(number);
    if (signed ? size < min || size > max : number < min || number > max) {
      fail(
        `${name} value ${quote(item)} is out of range: must be ${signed ? `${min} to ${max} or -${max} to -${min}` : `${min} to ${max}`}`,
      );
    }
    // Number('-0') is -0; 0 was refused above, so this only normalises '+5' and '05'.
    return number;
  });
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function splitList(name: PartName, value: string): string[] {
  const items = value.split(',');
  if (items.length > RRULE_LIMITS.maxListLength) {
    fail(`${name} lists ${items.length} values; at most ${RRULE_LIMITS.maxListLength} are allowed`);
  }
  if (items.includes('')) fail(`${name} has an empty value: a "," at the start or end, or two in a row`);
  return items;
}

const BYDAY_ITEM = /^([+-]?)(\d{1,2})?([A-Z]{2})$/;

function parseByDay(value: string): RuleWeekdayNum[] {
  const days = splitList('BYDAY', value).map((item): RuleWeekdayNum => {
    const match = BYDAY_ITEM.exec(item.toUpperCase());
    const weekday = match?.[3];
    if (!match || weekday === undefined || !isWeekday(weekday) || (match[1] !== '' && match[2] === undefined)) {
      return fail(`BYDAY values are a weekday (MO, TU, WE, TH, FR, SA, SU), optionally after ±n, not ${quote(item)}`);
    }
    if (match[2] === undefined) return { weekday };
    const ordinal = Number(`${match[1]}${match[2]}`);
    if (ordinal === 0 || Math.abs(ordinal) > 53) {
      fail(`BYDAY value ${quote(item)} is out of range: the n of nMO must be 1 to 53 or -53 to -1`);
    }
    return { weekday, ordinal };
  });
  const unique = new Map(days.map((day) => [`${day.ordinal ?? 0}${day.weekday}`, day]));
  return [...unique.values()].sort(
    (a, b) =>
      RULE_WEEKDAYS.indexOf(a.weekday) - RULE_WEEKDAYS.indexOf(b.weekday) ||
      (a.ordinal ?? Number.NEGATIVE_INFINITY) - (b.ordinal ?? Number.NEGATIVE_INFINITY),
  );
}

function isWeekday(text: string): text is RuleWeekday {
  return (RULE_WEEKDAYS as readonly string[]).includes(text);
}

function parseWeekday(name: 'WKST', value: string): RuleWeekday {
  const upper = value.toUpperCase();
  if (!isWeekday(upper)) fail(`${name} must be one of ${RULE_WEEKDAYS.join(', ')}, not ${quote(value)}`);
  return upper;
}

const UNTIL_PATTERN = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;

function parseUntil(value: string): RuleUntil {
  const match = UNTIL_PATTERN.exec(value.toUpperCase());
  if (!match) fail(`UNTIL must be YYYYMMDD or YYYYMMDDTHHMMSS[Z], not ${quote(value)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    fail(`UNTIL ${quote(value)} is not a calendar date`);
  }
  if (match[4] === undefined) return { kind: 'date', year, month, day };
  const [hour, minute, second] = [Number(match[4]), Number(match[5]), Number(match[6])];
  if (hour > 23 || minute > 59 || second > 59) fail(`UNTIL ${quote(value)} is not a time of day`);
  return { kind: 'date-time', year, month, day, hour, minute, second, utc: match[7] === 'Z' };
}

/** The restrictions RFC 5545 puts on parts per FREQ, and ours on the amount of work. */
function checkCombinations(rule: ParsedRecurrenceRule): void {
  const { freq } = rule;
  if (rule.count !== undefined && rule.until !== undefined) fail('Give COUNT or UNTIL, not both');
  if (rule.byWeekNo !== undefined && freq !== 'YEARLY') fail('BYWEEKNO is only allowed with FREQ=YEARLY');
  if (rule.byYearDay !== undefined && freq !== 'YEARLY') fail(`BYYEARDAY is not allowed with FREQ=${freq}`);
  if (rule.byMonthDay !== undefined && freq === 'WEEKLY') fail('BYMONTHDAY is not allowed with FREQ=WEEKLY');
  if (rule.bySetPos !== undefined) {
    const others = [
      rule.bySecond,
      rule.byMinute,
      rule.byHour,
      rule.byDay,
      rule.byMonthDay,
      rule.byYearDay,
      rule.byWeekNo,
      rule.byMonth,
    ];
    if (others.every((list) => list === undefined)) fail('BYSETPOS needs another BYxxx part to pick from');
  }
  for (const { weekday, ordinal } of rule.byDay ?? []) {
    if (ordinal === undefined) continue;
    const item = `${ordinal}${weekday}`;
    if (freq !== 'MONTHLY' && freq !== 'YEARLY') {
      fail(`BYDAY ${quote(item)}: a numbered weekday needs FREQ=MONTHLY or YEARLY, not ${freq}`);
    }
    if (freq === 'MONTHLY' && Math.abs(ordinal) > 5) fail(`BYDAY ${quote(item)}: a month has at most 5 of a weekday`);
    if (rule.byWeekNo !== undefined) fail(`BYDAY ${quote(item)}: a numbered weekday is not allowed with BYWEEKNO`);
  }
  const timesOfDay = (rule.byHour?.length ?? 1) * (rule.byMinute?.length ?? 1) * (rule.bySecond?.length ?? 1);
  if (timesOfDay > RRULE_LIMITS.maxTimesOfDay) {
    fail(
      `BYHOUR × BYMINUTE × BYSECOND name ${timesOfDay} times of day; at most ${RRULE_LIMITS.maxTimesOfDay} are allowed`,
    );
  }
}

/**
 * The canonical text of a checked rule: upper case, parts in the order of the RFC 5545
 * grammar, numbers without sign `+` or leading zeros, lists sorted without repeats, no
 * `RRULE:` prefix. Reading it back gives an equal rule.
 */
export function formatRecurrenceRule(rule: ParsedRecurrenceRule): string {
  const two = (value: number) => String(value).padStart(2, '0');
  const parts: string[] = [`FREQ=${rule.freq}`];
  const { until } = rule;
  if (until !== undefined) {
    const date = `${String(until.year).padStart(4, '0')}${two(until.month)}${two(until.day)}`;
    parts.push(
      `UNTIL=${until.kind === 'date' ? date : `${date}T${two(until.hour)}${two(until.minute)}${two(until.second)}${until.utc ? 'Z' : ''}`}`,
    );
  }
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.interval !== undefined) parts.push(`INTERVAL=${rule.interval}`);
  const list = (name: string, values: readonly (number | string)[] | undefined) => {
    if (values !== undefined) parts.push(`${name}=${values.join(',')}`);
  };
  list('BYSECOND', rule.bySecond);
  list('BYMINUTE', rule.byMinute);
  list('BYHOUR', rule.byHour);
  list(
    'BYDAY',
    rule.byDay?.map(({ weekday, ordinal }) => `${ordinal ?? ''}${weekday}`),
  );
  list('BYMONTHDAY', rule.byMonthDay);
  list('BYYEARDAY', rule.byYearDay);
  list('BYWEEKNO', rule.byWeekNo);
  list('BYMONTH', rule.byMonth);
  list('BYSETPOS', rule.bySetPos);
  if (rule.wkst !== undefined) parts.push(`WKST=${rule.wkst}`);
  return parts.join(';');
}

/** The `UNTIL` of an instant, in UTC (whole seconds: the milliseconds are dropped). */
export function utcRuleUntil(epochMs: number): RuleUntil {
  const date = new Date(epochMs);
  return {
    kind: 'date-time',
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    utc: true,
  };
}

/**
 * Checks a rule with {@link parseRecurrenceRule} and gives its canonical text (see
 * {@link formatRecurrenceRule}), the form to store.
 *
 * @example
 * normalizeRecurrenceRule('RRULE:freq=weekly;byday=th,mo;count=04'); // 'FREQ=WEEKLY;COUNT=4;BYDAY=MO,TH'
 * @throws {ValidationError} on `recurrence.rrule` when the rule is refused.
 */
export function normalizeRecurrenceRule(text: string): string {
  return formatRecurrenceRule(parseRecurrenceRule(text));
}
