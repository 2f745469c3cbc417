/**
 * A series segment's rule as RFC 5545 recurrence lines (RRULE, RDATE), chosen so that any reader
 * expanding them gets exactly the segment's instances.
 *
 * appointment-kit bounds every rule (at most 100 occurrences, two years) and may cut a segment
 * short where the next begins, so the exported rule always carries the bound that applied:
 * the host's own UNTIL where that is what ended the expansion, otherwise COUNT. Each candidate
 * is expanded again with {@link expandRecurrence} and used only if it gives the same instants.
 */
import { DateTime } from 'luxon';
import type { StoredRecurrence } from '../appointment.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { LIMITS } from '../limits.js';
import { floatingToInstant, ianaZone, instantToFloating } from '../local-time.js';
import { expandRecurrence } from '../recurrence.js';
import {
  formatRecurrenceRule,
  type ParsedRecurrenceRule,
  parseRecurrenceRule,
  RRULE_FIELD,
  RULE_WEEKDAYS,
  type RuleFrequency,
  type RuleUntil,
  utcRuleUntil,
} from '../rrule-grammar.js';
import { parseInput, type Recurrence, recurrenceSchema } from '../schemas.js';

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
/**
 * Kept between a host's UNTIL and the end of the two-year window: an UNTIL this close to the
 * window's end may have been cut by the window rather than have ended the series itself.
 */
const WINDOW_MARGIN_MS = 2 * DAY_MS;
const UTC_ZONE = 'UTC';

/** The pattern forms as RFC 5545 rules: `biweekly` is WEEKLY at twice the interval. */
const PATTERN_RULES: Readonly<Record<'daily' | 'weekly' | 'biweekly' | 'monthly', readonly [RuleFrequency, number]>> = {
  daily: ['DAILY', 1],
  weekly: ['WEEKLY', 1],
  biweekly: ['WEEKLY', 2],
  monthly: ['MONTHLY', 1],
};

/**
 * A segment's rule as a checked RFC 5545 rule, the patterns translated: FREQ and INTERVAL, COUNT
 * from `maxOccurrences`, UNTIL from `endDate` (a `YYYY-MM-DD` date includes that whole local day,
 * as a date-only UNTIL does). Errors name fields under `path`.
 */
export function ruleOf(rule: StoredRecurrence, path: string): ParsedRecurrenceRule {
  const checked: Recurrence = parseInput(recurrenceSchema, rule, path);
  if ('rrule' in checked) return withPaths(() => parseRecurrenceRule(checked.rrule), [[RRULE_FIELD, `${path}.rrule`]]);
  const [freq, factor] = PATTERN_RULES[checked.frequency];
  const interval = (checked.interval ?? 1) * factor;
  return {
    freq,
    ...(interval !== 1 && { interval }),
    ...(checked.maxOccurrences !== undefined && { count: checked.maxOccurrences }),
    ...(checked.endDate !== undefined && { until: untilOfEndDate(checked.endDate) }),
  };
}

/**
 * Runs `read`; a {@link ValidationError} it throws gets its paths moved, each `[from, to]`
 * replacing the path `from` (and its sub-paths) by `to`, so errors name the caller's fields.
 */
export function withPaths<T>(read: () => T, moves: readonly (readonly [from: string, to: string])[]): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: movedPath(issue, moves) })));
  }
}

function movedPath(issue: ValidationIssue, moves: readonly (readonly [string, string])[]): string {
  for (const [from, to] of moves) {
    if (issue.path === from || issue.path.startsWith(`${from}.`)) return `${to}${issue.path.slice(from.length)}`;
  }
  return issue.path;
}

function untilOfEndDate(endDate: Date | string): RuleUntil {
  if (typeof endDate === 'string') {
    const [year, month, day] = endDate.split('-').map(Number) as [number, number, number];
    return { kind: 'date', year, month, day };
  }
  return utcRuleUntil(endDate.getTime());
}

/** What a reader needs to repeat a segment: the lines, in the event's zone (null: UTC). */
export interface RecurrenceRequest {
  /** The segment's rule, as {@link ruleOf} reads it. */
  readonly rule: ParsedRecurrenceRule;
  /** The series' zone: the rule's wall clock, and the zone its UNTIL dates are local to. */
  readonly seriesZone: string;
  /** The zone the lines are written in (`TZID`), or null for UTC. */
  readonly zone: string | null;
  /** The segment's instances (starts, epoch ms, increasing); at least two. */
  readonly starts: readonly number[];
}

/**
 * The RRULE (and RDATE) lines that repeat exactly `starts` when read in `zone`, or null when no
 * rule does (then the caller lists the instances as RDATEs, see {@link instantLines}).
 *
 * A start the rule itself would not produce (`FREQ=WEEKLY;BYDAY=TU` from a Monday) counts as
 * the first occurrence for appointment-kit and RFC 5545, but readers drop it (ical.js and
 * rrule.js both do). Such a start is written again as an RDATE, and the rule bounded by UNTIL,
 * since COUNT would then be counted differently.
 */
export function ruleLines(request: RecurrenceRequest): string[] | null {
  // Readers disagree on where such a rule starts (ical.js adds or doubles an instance when the
  // start is repeated as an RDATE), so its instances are listed instead.
  const { rule } = request;
  if (rule.bySetPos !== undefined || rule.byYearDay !== undefined || rule.byWeekNo !== undefined) return null;
  const expansionZone = request.zone ?? UTC_ZONE;
  const first = request.starts[0] as number;
  const synchronized = startMatchesRule(request.rule, wallFields(expansionZone, first));
  for (const candidate of candidateRules(request, synchronized)) {
    if (expandsTo(candidate, first, expansionZone, request.starts)) {
      const ruleLine = `RRULE:${formatRecurrenceRule(candidate)}`;
      return synchronized ? [ruleLine] : [ruleLine, instantLines('RDATE', [first], request.zone)[0] as string];
    }
  }
  return null;
}

/** The rules to try, best first; each bounded by exactly one of COUNT and UNTIL. */
function candidateRules(request: RecurrenceRequest, synchronized: boolean): ParsedRecurrenceRule[] {
  const { rule, starts, seriesZone } = request;
  const base: ParsedRecurrenceRule = { ...rule, count: undefined, until: undefined };
  const count = starts.length;
  const last = starts[count - 1] as number;
  if (!synchronized) return [{ ...base, until: utcRuleUntil(Math.ceil(last / SECOND_MS) * SECOND_MS) }];
  const candidates: ParsedRecurrenceRule[] = [];
  const until = rule.until === undefined ? null : untilInstant(rule.until, seriesZone);
  // The host's UNTIL is kept when it, not one of the caps, is what ended the expansion.
  const capped = count >= LIMITS.maxOccurrences || (rule.count !== undefined && count >= rule.count);
  if (until !== null && !capped && until < windowEnd(seriesZone, starts[0] as number)) {
    candidates.push({ ...base, until: utcRuleUntil(Math.floor(until / SECOND_MS) * SECOND_MS) });
  }
  candidates.push({ ...base, count });
  return candidates;
}

/**
 * True if the rule, repeated in wall-clock time from the first wall time, gives exactly
 * `wallTimes` (the instances' wall times): no instance was moved off its rule time by a gap.
 */
export function followsRuleInWallTime(rule: ParsedRecurrenceRule, wallTimes: readonly number[]): boolean {
  const counted: ParsedRecurrenceRule = { ...rule, until: undefined, count: wallTimes.length };
  return expandsTo(counted, wallTimes[0] as number, UTC_ZONE, wallTimes);
}

/** True if `rule` expanded from `start` in `zone` gives exactly `expected`. */
function expandsTo(rule: ParsedRecurrenceRule, start: number, zone: string, expected: readonly number[]): boolean {
  let dates: Date[];
  try {
    dates = expandRecurrence({
      start: new Date(start),
      timeZone: zone,
      recurrence: { rrule: formatRecurrenceRule(rule) },
    });
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
  return dates.length === expected.length && dates.every((date, index) => date.getTime() === expected[index]);
}

/** The last instant a rule bound includes, read in the series' zone. */
function untilInstant(until: RuleUntil, zone: string): number {
  const iana = ianaZone(zone);
  if (until.kind === 'date') {
    // The whole local day: up to the last second before the next local midnight.
    return floatingToInstant(iana, civilMs(until.year, until.month, until.day + 1)) - SECOND_MS;
  }
  const floating = civilMs(until.year, until.month, until.day, until.hour, until.minute, until.second);
  return until.utc ? floating : floatingToInstant(iana, floating);
}

/** Where expansion stops at the latest: two years of wall-clock time, less a margin. */
function windowEnd(zone: string, start: number): number {
  return DateTime.fromMillis(start, { zone }).plus({ years: LIMITS.maxSeriesYears }).toMillis() - WINDOW_MARGIN_MS;
}

/** A `DATE-TIME` list property (`RDATE`, `EXDATE`): one line per value, in `zone` or UTC. */
export function instantLines(property: 'RDATE' | 'EXDATE', instants: readonly number[], zone: string | null): string[] {
  return instants.map((instant) =>
    zone === null ? `${property}:${formatUtc(instant)}` : `${property};TZID=${zone}:${formatLocal(instant, zone)}`,
  );
}

const DATE_TIME_FORMAT = "yyyyLLdd'T'HHmmss";

function formatUtc(epochMs: number): string {
  return `${DateTime.fromMillis(epochMs, { zone: UTC_ZONE }).toFormat(DATE_TIME_FORMAT)}Z`;
}

function formatLocal(epochMs: number, zone: string): string {
  return DateTime.fromMillis(epochMs, { zone }).toFormat(DATE_TIME_FORMAT);
}

/** A start's wall-clock fields, as the rule's BYxxx parts test them. */
interface WallFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Monday, as {@link RULE_WEEKDAYS}. */
  readonly weekday: number;
}

function wallFields(zone: string, epochMs: number): WallFields {
  const wall = new Date(instantToFloating(ianaZone(zone), epochMs));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/**
 * True if the start is itself an instance of the rule: it passes every BYxxx filter. (A rule
 * without BYxxx parts takes every field it leaves open from the start.) Rules with BYSETPOS,
 * BYYEARDAY or BYWEEKNO never get here: their instances are listed (see {@link ruleLines}).
 */
function startMatchesRule(rule: ParsedRecurrenceRule, wall: WallFields): boolean {
  const days = daysInMonth(wall.year, wall.month);
  const inList = (list: readonly number[] | undefined, ...values: number[]) =>
    list === undefined || values.some((value) => list.includes(value));
  return (
    inList(rule.byMonth, wall.month) &&
    inList(rule.byMonthDay, wall.day, wall.day - days - 1) &&
    inList(rule.byHour, wall.hour) &&
    inList(rule.byMinute, wall.minute) &&
    inList(rule.bySecond, wall.second) &&
    (rule.byDay === undefined || rule.byDay.some((entry) => matchesWeekday(rule, wall, entry)))
  );
}

function matchesWeekday(
  rule: ParsedRecurrenceRule,
  wall: WallFields,
  entry: NonNullable<ParsedRecurrenceRule['byDay']>[number],
): boolean {
  if (RULE_WEEKDAYS.indexOf(entry.weekday) !== wall.weekday) return false;
  if (entry.ordinal === undefined) return true;
  // An nth weekday counts within the month (MONTHLY, or YEARLY with BYMONTH), else the year.
  const inMonth = rule.freq === 'MONTHLY' || rule.byMonth !== undefined;
  const position = inMonth ? wall.day : dayOfYear(wall);
  const length = inMonth ? daysInMonth(wall.year, wall.month) : daysInYear(wall.year);
  const fromStart = Math.floor((position - 1) / 7) + 1;
  const fromEnd = -(Math.floor((length - position) / 7) + 1);
  return entry.ordinal === fromStart || entry.ordinal === fromEnd;
}

function dayOfYear(wall: WallFields): number {
  return Math.round((civilMs(wall.year, wall.month, wall.day) - civilMs(wall.year, 1, 1)) / DAY_MS) + 1;
}

function daysInYear(year: number): number {
  return Math.round((civilMs(year + 1, 1, 1) - civilMs(year, 1, 1)) / DAY_MS);
}

function daysInMonth(year: number, month: number): number {
  return Math.round((civilMs(year, month + 1, 1) - civilMs(year, month, 1)) / DAY_MS);
}

/** Floating ms of civil fields; days past the month's end roll over (not `Date.UTC`: years 0–99). */
function civilMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}
