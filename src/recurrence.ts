import type { Options as RRuleOptions } from 'rrule';
import * as rruleModule from 'rrule';
import { ValidationError } from './errors.js';
import { LIMITS } from './limits.js';
import { floatingToInstant, ianaZone, instantToFloating } from './local-time.js';
import { parseInput, type Recurrence, recurrenceSchema } from './schemas.js';

// rrule ships CommonJS whose named exports Node's ESM loader cannot see; a bundled CJS build
// sees them directly. Take them from wherever this runtime put them.
const { RRule } = 'RRule' in rruleModule ? rruleModule : (rruleModule as { default: typeof rruleModule }).default;

const DAY_MS = 86_400_000;

/** Input of {@link expandRecurrence}. */
export interface ExpandRecurrenceOptions {
  /** The first occurrence; every later one keeps its local wall-clock time. */
  readonly start: Date;
  /** IANA zone whose wall clock the series follows, e.g. `Europe/London`. */
  readonly timeZone: string;
  /** The pattern or RFC 5545 rule (validated with `schemas.recurrence`). */
  readonly recurrence: Recurrence;
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
 * `endDate` is inclusive. A series has at most 100 occurrences and ends two years after its
 * start. A wall-clock time that falls in a spring-forward gap moves to the first instant after
 * the gap; one that occurs twice in a fall-back night takes the earlier instant (RFC 5545
 * §3.3.5). The process's own time zone never matters.
 *
 * @example
 * expandRecurrence({
 *   start: new Date('2026-03-02T14:00:00Z'), // 09:00 in New York
 *   timeZone: 'America/New_York',
 *   recurrence: { frequency: 'weekly', interval: 1, maxOccurrences: 4 },
 * }); // 09:00 New York time each Monday: 14:00Z, 14:00Z, then 13:00Z twice after 8 March
 */
export function expandRecurrence(options: ExpandRecurrenceOptions): Date[] {
  const { start, timeZone } = options;
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) {
    throw ValidationError.forField('start', 'Must be a valid Date');
  }
  const zone = ianaZone(timeZone);
  const recurrence = parseInput(recurrenceSchema, options.recurrence, 'recurrence');
  const startMs = start.getTime();
  const floatingStart = instantToFloating(zone, startMs);
  const subSecondMs = ((floatingStart % 1000) + 1000) % 1000;

  const rule = 'rrule' in recurrence ? ruleFromText(recurrence.rrule) : ruleFromPattern(recurrence);
  if (rule.end !== undefined && !isAfterStart(rule.end, startMs, floatingStart)) {
    throw ValidationError.forField(rule.endField, 'The series must end after its start', 'end_before_start');
  }
  const limit = Math.min(rule.count ?? LIMITS.maxOccurrences, LIMITS.maxOccurrences);
  const bounds: SeriesBound[] = [{ kind: 'floating', floatingMs: addYears(floatingStart, LIMITS.maxSeriesYears) }];
  if (rule.end !== undefined) bounds.push(rule.end);

  // rrule only ever sees floating wall-clock times (its tzid path is slow and depends on the
  // process zone); each occurrence becomes an instant through our own zone rules.
  const floatingUntil = Math.min(
    ...bounds.map((bound) =>
      bound.kind === 'floating' ? bound.floatingMs : instantToFloating(zone, bound.epochMs) + DAY_MS,
    ),
  );
  const instantUntil = Math.min(
    ...bounds.map((bound) => (bound.kind === 'instant' ? bound.epochMs : Number.POSITIVE_INFINITY)),
  );

  const expander = new RRule({
    ...rule.options,
    dtstart: new Date(floatingStart - subSecondMs),
    until: new Date(floatingUntil),
    count: limit,
  });

  const occurrences: Date[] = [start];
  let previous = startMs;
  expander.all((occurrence) => {
    const floating = occurrence.getTime() + subSecondMs;
    if (floating > floatingStart) {
      const instant = floatingToInstant(zone, floating);
      if (instant > instantUntil) return false;
      // Two wall-clock times inside one DST gap resolve to the same instant: keep one.
      if (instant > previous) {
        occurrences.push(new Date(instant));
        previous = instant;
      }
    }
    return occurrences.length < limit;
  });
  return occurrences;
}

interface ExpansionRule {
  readonly options: Partial<RRuleOptions>;
  readonly count?: number;
  readonly end?: SeriesBound;
  /** The input field the end came from, for error messages. */
  readonly endField: string;
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
  // without it, as RFC 5545 requires (the old system added 30 days instead).
  return {
    options: { freq, interval: (pattern.interval ?? 1) * intervalFactor },
    ...(pattern.maxOccurrences !== undefined && { count: pattern.maxOccurrences }),
    ...(pattern.endDate !== undefined && { end: boundOfEndDate(pattern.endDate) }),
    endField: 'recurrence.endDate',
  };
}

const ALLOWED_FREQUENCIES = new Set<number>([RRule.YEARLY, RRule.MONTHLY, RRule.WEEKLY, RRule.DAILY]);

function ruleFromText(text: string): ExpansionRule {
  const field = 'recurrence.rrule';
  const body = text.trim().replace(/^RRULE:/i, '');
  if (/[\r\n]/.test(body) || /(^|;)(DTSTART|TZID)[=:]/i.test(body)) {
    throw ValidationError.forField(
      field,
      'Give a single RRULE without DTSTART or TZID: the start and zone are given apart',
    );
  }
  // UNTIL is read here, not by rrule, because rrule cannot tell a UTC bound from a floating one.
  let end: SeriesBound | undefined;
  const parts = body.split(';').filter((part) => {
    const [name, value = ''] = part.split('=');
    if (name?.toUpperCase() !== 'UNTIL') return true;
    end = boundOfRuleUntil(value, field);
    return false;
  });
  let options: Partial<RRuleOptions>;
  try {
    options = RRule.parseString(parts.join(';'));
  } catch (error) {
    throw new ValidationError([
      { path: field, message: `Not a valid RRULE: ${(error as Error).message}`, code: 'invalid_rrule' },
    ]);
  }
  if (options.freq === undefined || !ALLOWED_FREQUENCIES.has(options.freq)) {
    throw ValidationError.forField(field, 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY', 'invalid_rrule');
  }
  if (options.count !== undefined && options.count !== null && options.count < 1) {
    throw ValidationError.forField(field, 'COUNT must be at least 1', 'invalid_rrule');
  }
  const { count, ...rest } = options;
  return { options: rest, ...(count != null && { count }), ...(end !== undefined && { end }), endField: field };
}

const RULE_UNTIL = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/i;

function boundOfRuleUntil(value: string, field: string): SeriesBound {
  const match = RULE_UNTIL.exec(value);
  if (!match)
    throw ValidationError.forField(
      field,
      `UNTIL must be YYYYMMDD or YYYYMMDDTHHMMSS[Z], not "${value}"`,
      'invalid_rrule',
    );
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (match[4] === undefined) return { kind: 'floating', floatingMs: Date.UTC(year, month - 1, day + 1) - 1 };
  const ms = Date.UTC(year, month - 1, day, Number(match[4]), Number(match[5]), Number(match[6]));
  return match[7] ? { kind: 'instant', epochMs: ms } : { kind: 'floating', floatingMs: ms };
}

function boundOfEndDate(endDate: Date | string): SeriesBound {
  if (endDate instanceof Date) return { kind: 'instant', epochMs: endDate.getTime() };
  const [year, month, day] = endDate.split('-').map(Number) as [number, number, number];
  // A local date includes that whole day.
  return { kind: 'floating', floatingMs: Date.UTC(year, month - 1, day + 1) - 1 };
}

function isAfterStart(bound: SeriesBound, startMs: number, floatingStart: number): boolean {
  return bound.kind === 'instant' ? bound.epochMs > startMs : bound.floatingMs > floatingStart;
}

/** Floating ms plus whole calendar years (29 February becomes 1 March). */
function addYears(floatingMs: number, years: number): number {
  const date = new Date(floatingMs);
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date.getTime();
}
