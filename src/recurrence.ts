import type { IANAZone } from 'luxon';
import type { Options as RRuleOptions } from 'rrule';
import * as rruleModule from 'rrule';
import { ValidationError } from './errors.js';
import { LIMITS } from './limits.js';
import {
  daysInMonth,
  floatingToInstant,
  ianaZone,
  instantToFloating,
  localDateToDayNumber,
  modulo,
  parseLocalDate,
} from './local-time.js';
import {
  type ParsedRecurrenceRule,
  parseRecurrenceRule,
  RRULE_FIELD,
  RULE_WEEKDAYS,
  type RuleFrequency,
  type RuleUntil,
} from './rrule-grammar.js';
import { parseInput, type Recurrence, recurrenceSchema } from './schemas.js';

// rrule ships CommonJS whose named exports Node's ESM loader cannot see; a bundled CJS build
// sees them directly. Take them from wherever this runtime put them.
const { RRule } = 'RRule' in rruleModule ? rruleModule : (rruleModule as { default: typeof rruleModule }).default;
type RRuleInstance = InstanceType<typeof RRule>;

const DAY_MS = 86_400_000;
/**
 * The proleptic Gregorian calendar repeats exactly every 400 years: 146097 days, which is
 * 20871 whole weeks, so dates, weekdays, leap days, day and week numbers all recur unchanged.
 */
const CYCLE_MS = 146_097 * DAY_MS;
/** rrule's last year: its loop ends once a period starts after it. */
const RRULE_LAST_YEAR = 9999;
/**
 * Longer than the widest gap between two UTC offsets of any zone (local mean times reach
 * about −15:57 and +15:14): wall times further apart than this are in the same order as
 * their instants, whatever the zone did in between.
 */
const SETTLE_MS = 2 * DAY_MS;
/** JavaScript dates end at ±8.64e15 ms; the margin keeps every probe of the zone inside. */
const LAST_USABLE_MS = 8.64e15 - 4 * DAY_MS;

/** Input of {@link expandRecurrence}. */
export interface ExpandRecurrenceOptions {
  /** The first occurrence; every later one keeps its local wall-clock time. */
  readonly start: Date;
  /** IANA zone whose wall clock the series follows, e.g. `Europe/London`. */
  readonly timeZone: string;
  /** The pattern or RFC 5545 rule (validated with `schemas.recurrence`). */
  readonly recurrence: Recurrence;
  /**
   * The wall-clock time the series keeps, `YYYY-MM-DDTHH:mm:ss` in `timeZone`, when it is not
   * `start`'s own: a start whose wall time falls in a spring-forward gap (02:30 on the night the
   * clocks jump to 03:00 starts at 03:30), while the series keeps 02:30 on every other day. It
   * must name `start` by the RFC 5545 reading of a gap time.
   */
  readonly wallStart?: string;
}

/** Where a series ends: at a real instant, or at a wall-clock time in the series' zone. */
type SeriesBound =
  | { readonly kind: 'instant'; readonly epochMs: number }
  | { readonly kind: 'floating'; readonly floatingMs: number };

/**
 * The start instants of a recurring series, the first being `start` itself, strictly
 * increasing.
 *
 * Occurrences keep the first one's local wall-clock time in `timeZone` across DST. Monthly
 * means the same calendar day each month; a month lacking that day is skipped (RFC 5545). An
 * `endDate` or `UNTIL` is inclusive and may equal the start (a series of one). The start is
 * the first occurrence and counts toward `maxOccurrences` or `COUNT`, even when the rule
 * would not produce it. A series has at most 100 occurrences (distinct instants) and ends
 * two years after its start. As RFC 5545 §3.3.5 says, a wall-clock time that falls in a
 * spring-forward gap is read with the UTC offset from before the gap (02:30 on a night the
 * clocks jump from 02:00 to 03:00 becomes 03:30), and one that occurs twice in a fall-back
 * night takes the earlier instant. The process's own time zone never matters.
 *
 * A raw `rrule` is read by {@link parseRecurrenceRule} first; one that has no occurrence after
 * the start within the two years (leaving COUNT and UNTIL aside), such as
 * `FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30`, is refused with code `never_matches`. Every input,
 * however hostile, is expanded in a bounded amount of work.
 *
 * @example
 * expandRecurrence({
 *   start: new Date('2026-03-02T14:00:00Z'), // 09:00 in New York
 *   timeZone: 'America/New_York',
 *   recurrence: { frequency: 'weekly', interval: 1, maxOccurrences: 4 },
 * }); // 09:00 New York time each Monday: 14:00Z, 14:00Z, then 13:00Z twice after 8 March
 * @throws {ValidationError} on `start`, `timeZone` or the `recurrence` field at fault.
 */
export function expandRecurrence(options: ExpandRecurrenceOptions): Date[] {
  const { start, timeZone } = options;
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) {
    throw ValidationError.forField('start', 'Must be a valid Date');
  }
  const zone = ianaZone(timeZone);
  const recurrence = parseInput(recurrenceSchema, options.recurrence, 'recurrence');
  const startMs = start.getTime();
  const floatingStart =
    options.wallStart === undefined ? instantToFloating(zone, startMs) : wallStartOf(options.wallStart, zone, startMs);
  const subSecondMs = modulo(floatingStart, 1000);
  const windowEnd = addYears(floatingStart, LIMITS.maxSeriesYears);
  if (!(floatingStart > -LAST_USABLE_MS && windowEnd < LAST_USABLE_MS)) {
    throw ValidationError.forField(
      'start',
      `Must leave ${LIMITS.maxSeriesYears} years before the end of the supported date range`,
      'out_of_range',
    );
  }

  const rule = 'rrule' in recurrence ? ruleFromText(recurrence.rrule) : ruleFromPattern(recurrence);
  if (rule.end !== undefined && endsBeforeStart(rule.end, startMs, floatingStart)) {
    throw ValidationError.forField(rule.endField, 'The series must not end before its start', 'end_before_start');
  }
  const limit = Math.min(rule.count ?? LIMITS.maxOccurrences, LIMITS.maxOccurrences);
  const instantEnd = rule.end?.kind === 'instant' ? rule.end.epochMs : Number.POSITIVE_INFINITY;
  // A wall time later than this maps to an instant past the end, whatever the offsets.
  const floatingEnd =
    rule.end === undefined
      ? windowEnd
      : Math.min(
          windowEnd,
          rule.end.kind === 'floating' ? rule.end.floatingMs : instantToFloating(zone, rule.end.epochMs) + SETTLE_MS,
        );

  // rrule only ever sees floating wall-clock times (its tzid path is slow and depends on the
  // process zone); each occurrence becomes an instant through our own zone rules. The
  // timeline is moved by whole 400-year cycles, which changes no date or weekday, so that the
  // window ends in rrule's last four centuries: rrule stops after year 9999 by itself, so a
  // rule that never matches can no longer search for eight thousand years. The period budget
  // then cuts that search down to the window itself.
  const shiftMs = Math.floor((RRULE_LAST_YEAR - new Date(windowEnd).getUTCFullYear()) / 400) * CYCLE_MS;
  const expander = new RRule({
    ...rule.options,
    dtstart: new Date(floatingStart - subSecondMs + shiftMs),
    until: new Date(windowEnd - subSecondMs + shiftMs),
  });
  limitPeriods(expander, periodsCoveringWindow(rule.options.freq, rule.options.interval));

  // COUNT is not handed to rrule: two wall times can fall on one instant (a skipped day), so
  // distinct instants are counted here. They are collected past the limit by a settling
  // margin, because a wall time in a gap can map after a later wall time.
  const instants = new Set<number>();
  let matched = false;
  let settledAt = limit <= 1 ? floatingStart + SETTLE_MS : Number.POSITIVE_INFINITY;
  expander.all((date) => {
    const floating = date.getTime() - shiftMs + subSecondMs;
    if (floating <= floatingStart) return true;
    matched = true;
    if (floating > floatingEnd || floating > settledAt) return false;
    const instant = occurrenceInstant(zone, floating);
    if (instant > startMs && instant <= instantEnd) {
      instants.add(instant);
      if (instants.size + 1 >= limit && settledAt === Number.POSITIVE_INFINITY) settledAt = floating + SETTLE_MS;
    }
    return true;
  });
  if (!matched && rule.mustMatch) {
    throw ValidationError.forField(
      RRULE_FIELD,
      `The rule has no occurrence within ${LIMITS.maxSeriesYears} years after the start; check its BYxxx parts and INTERVAL`,
      'never_matches',
    );
  }
  const later = [...instants].sort((a, b) => a - b).slice(0, limit - 1);
  return [start, ...later.map((instant) => new Date(instant))];
}

const WALL_TIME = /^(\d{2}):(\d{2}):(\d{2})$/;

/** The floating ms of a `wallStart`, checked to name `start` by the RFC 5545 gap rule. */
function wallStartOf(text: unknown, zone: IANAZone, startMs: number): number {
  const fail = (): never => {
    throw ValidationError.forField(
      'wallStart',
      "Must be a local date-time YYYY-MM-DDTHH:mm:ss that names start in the series' zone",
      'invalid_time',
    );
  };
  const [date, time, ...rest] = typeof text === 'string' ? text.split('T') : [];
  const clock = WALL_TIME.exec(time ?? '');
  if (date === undefined || clock === null || rest.length > 0) return fail();
  const [hour, minute, second] = clock.slice(1).map(Number) as [number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return fail();
  let day: number;
  try {
    day = localDateToDayNumber(parseLocalDate(date, 'wallStart'));
  } catch {
    return fail();
  }
  const wall = day * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + modulo(startMs, 1000);
  return occurrenceInstant(zone, wall) === startMs ? wall : fail();
}

/**
 * The instant of an occurrence's wall time (floating ms). Unlike {@link floatingToInstant},
 * whose meaning suits interval bounds (a gap time is the moment the clocks jump), a point in
 * time that does not exist follows RFC 5545 §3.3.5: it is read with the offset from before
 * the gap, so it lands as far past the jump as it lay past the last valid time.
 */
export function occurrenceInstant(zone: IANAZone, floating: number): number {
  const instant = floatingToInstant(zone, floating);
  // The same offset a day earlier means no gap lies between (a zone changes its offset at
  // most once in a few days, as floatingToInstant also relies on). Both conversions are
  // cheap; only near a transition is the zone asked directly, which costs microseconds.
  if (floatingToInstant(zone, floating - DAY_MS) + DAY_MS === instant) return instant;
  if (instantToFloating(zone, instant) === floating) return instant;
  const offsetBeforeGap = instantToFloating(zone, instant - 1) - (instant - 1);
  return floating - offsetBeforeGap;
}

/**
 * Makes rrule stop after `maxPeriods` periods (days, weeks, months or years). rrule reads
 * `options.interval` once on entry and twice per period, and ends its loop when it reads 0;
 * answering 0 once the budget is spent bounds a rule that never matches to the periods of
 * the window, where the 400-year shift alone would leave up to four centuries of them.
 */
function limitPeriods(expander: RRuleInstance, maxPeriods: number): void {
  const { options } = expander;
  const interval = options.interval;
  const maxReads = 1 + 2 * maxPeriods;
  let reads = 0;
  Object.defineProperty(options, 'interval', {
    configurable: true,
    enumerable: true,
    get: () => {
      reads += 1;
      return reads > maxReads ? 0 : interval;
    },
  });
}

/**
 * How many periods of `freq` reach past the window: the one holding the start, those the
 * window spans, and a few to spare for week and month boundaries.
 */
function periodsCoveringWindow(freq: RRuleOptions['freq'], interval: number): number {
  const years = LIMITS.maxSeriesYears;
  const span =
    freq === RRule.YEARLY
      ? years + 1
      : freq === RRule.MONTHLY
        ? 12 * years + 1
        : freq === RRule.WEEKLY
          ? Math.ceil((366 * years) / 7) + 2
          : 366 * years + 1;
  return Math.ceil(span / interval) + 3;
}

interface ExpansionRule {
  readonly options: Partial<RRuleOptions> & Pick<RRuleOptions, 'freq' | 'interval'>;
  readonly count?: number;
  readonly end?: SeriesBound;
  /** The input field the end came from, for error messages. */
  readonly endField: string;
  /** Whether a rule with no occurrence after the start is refused (raw rules only). */
  readonly mustMatch: boolean;
}

const FREQUENCY_OPTIONS = {
  daily: { freq: RRule.DAILY, intervalFactor: 1 },
  weekly: { freq: RRule.WEEKLY, intervalFactor: 1 },
  biweekly: { freq: RRule.WEEKLY, intervalFactor: 2 },
  monthly: { freq: RRule.MONTHLY, intervalFactor: 1 },
} as const;

function ruleFromPattern(pattern: Extract<Recurrence, { frequency: unknown }>): ExpansionRule {
  const { freq, intervalFactor } = FREQUENCY_OPTIONS[pattern.frequency];
  // Monthly: with no BYxxx parts rrule repeats the start's day of the month and skips months
  // without it, as RFC 5545 requires (adding 30 days would drift off the date).
  return {
    options: { freq, interval: (pattern.interval ?? 1) * intervalFactor },
    ...(pattern.maxOccurrences !== undefined && { count: pattern.maxOccurrences }),
    ...(pattern.endDate !== undefined && { end: boundOfEndDate(pattern.endDate) }),
    endField: 'recurrence.endDate',
    // A long interval may leave a pattern with its start alone; that stays a series of one.
    mustMatch: false,
  };
}

const RULE_FREQUENCY_OPTIONS: Readonly<Record<RuleFrequency, RRuleOptions['freq']>> = {
  DAILY: RRule.DAILY,
  WEEKLY: RRule.WEEKLY,
  MONTHLY: RRule.MONTHLY,
  YEARLY: RRule.YEARLY,
};

const RRULE_WEEKDAYS = [RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA, RRule.SU] as const;

/** rrule options from a checked rule: rrule never reads user text itself. */
function ruleFromText(text: string): ExpansionRule {
  const rule: ParsedRecurrenceRule = parseRecurrenceRule(text);
  const options: ExpansionRule['options'] = { freq: RULE_FREQUENCY_OPTIONS[rule.freq], interval: rule.interval ?? 1 };
  if (rule.wkst !== undefined) options.wkst = RULE_WEEKDAYS.indexOf(rule.wkst);
  // The parser sorts every list: rrule lays times of day out in the order given, and expects
  // them chronological when it counts BYSETPOS positions and hands out occurrences.
  if (rule.bySecond !== undefined) options.bysecond = [...rule.bySecond];
  if (rule.byMinute !== undefined) options.byminute = [...rule.byMinute];
  if (rule.byHour !== undefined) options.byhour = [...rule.byHour];
  if (rule.byDay !== undefined) {
    options.byweekday = rule.byDay.map(({ weekday, ordinal }) => {
      const index = RULE_WEEKDAYS.indexOf(weekday);
      return ordinal === undefined ? index : (RRULE_WEEKDAYS[index] ?? RRule.MO).nth(ordinal);
    });
  }
  if (rule.byMonthDay !== undefined) options.bymonthday = [...rule.byMonthDay];
  if (rule.byYearDay !== undefined) options.byyearday = [...rule.byYearDay];
  if (rule.byWeekNo !== undefined) options.byweekno = [...rule.byWeekNo];
  if (rule.byMonth !== undefined) options.bymonth = [...rule.byMonth];
  if (rule.bySetPos !== undefined) options.bysetpos = [...rule.bySetPos];
  return {
    options,
    ...(rule.count !== undefined && { count: rule.count }),
    ...(rule.until !== undefined && { end: boundOfRuleUntil(rule.until) }),
    endField: RRULE_FIELD,
    mustMatch: true,
  };
}

/** UNTIL is read here, not by rrule, because rrule cannot tell a UTC bound from a floating one. */
function boundOfRuleUntil(until: RuleUntil): SeriesBound {
  // A date alone includes that whole local day.
  if (until.kind === 'date')
    return { kind: 'floating', floatingMs: civilMs(until.year, until.month, until.day + 1) - 1 };
  const ms = civilMs(until.year, until.month, until.day, until.hour, until.minute, until.second);
  return until.utc ? { kind: 'instant', epochMs: ms } : { kind: 'floating', floatingMs: ms };
}

function boundOfEndDate(endDate: Date | string): SeriesBound {
  if (endDate instanceof Date) return { kind: 'instant', epochMs: endDate.getTime() };
  const [year, month, day] = endDate.split('-').map(Number) as [number, number, number];
  // A local date includes that whole day.
  return { kind: 'floating', floatingMs: civilMs(year, month, day + 1) - 1 };
}

/** An end in the start's own second is not before it: RFC 5545 times have whole seconds. */
function endsBeforeStart(bound: SeriesBound, startMs: number, floatingStart: number): boolean {
  return bound.kind === 'instant'
    ? bound.epochMs < startMs - modulo(startMs, 1000)
    : bound.floatingMs < floatingStart - modulo(floatingStart, 1000);
}

/** Floating ms of civil fields; days past the month's end roll over. */
function civilMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  // Not Date.UTC: it reads the years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/**
 * Floating ms plus whole calendar years. 29 February becomes the 28th in a common year (the
 * month's last day), as luxon and Temporal's 'constrain' read it.
 */
function addYears(floatingMs: number, years: number): number {
  const date = new Date(floatingMs);
  const year = date.getUTCFullYear() + years;
  const month = date.getUTCMonth();
  date.setUTCFullYear(year, month, Math.min(date.getUTCDate(), daysInMonth(year, month + 1)));
  return date.getTime();
}
