import type { StoredRecurrence } from './appointment.js';
import { ValidationError } from './errors.js';
import { ianaZone, instantToFloating, modulo, WEEKDAYS, type Weekday } from './local-time.js';
import { rangesOverlap, type TimeRange } from './overlap.js';
import { occurrenceInstant } from './recurrence.js';
import {
  formatRecurrenceRule,
  type ParsedRecurrenceRule,
  parseRecurrenceRule,
  RULE_WEEKDAYS,
  type RuleUntil,
  utcRuleUntil,
} from './rrule-grammar.js';
import type { SeriesSegment } from './series.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The rule bounded to its first `count` instances: `COUNT` (or `maxOccurrences`) set, any
 * `UNTIL` (or `endDate`) dropped. What an earlier segment keeps when a move starts a new one.
 */
export function boundRule(rule: StoredRecurrence, count: number): StoredRecurrence {
  if ('rrule' in rule) {
    const { until: _until, ...parsed } = parseRecurrenceRule(rule.rrule);
    return { rrule: formatRecurrenceRule({ ...parsed, count }) };
  }
  return { frequency: rule.frequency, interval: rule.interval, maxOccurrences: count };
}

/** What a move changes in the rule: the weekdays, and whether the time of day changes. */
export interface RuleMove {
  readonly weekdays?: readonly Weekday[];
  readonly retimed: boolean;
}

/**
 * The rule of a moved segment: the old one with new weekdays (a weekly rule only), bounded to
 * `count` instances. A rule that sets its own times of day (BYHOUR, BYMINUTE, BYSECOND) cannot
 * take a new time: its instances are not all at one time, so which would move where is unclear.
 *
 * @throws {ValidationError} on `weekdays` or `time` when the rule cannot take them.
 */
export function movedRule(rule: StoredRecurrence, move: RuleMove, count: number): StoredRecurrence {
  if (!('rrule' in rule)) {
    if (move.weekdays === undefined)
      return { frequency: rule.frequency, interval: rule.interval, maxOccurrences: count };
    if (rule.frequency !== 'weekly' && rule.frequency !== 'biweekly') {
      throw ValidationError.forField('weekdays', 'Only a weekly series can move to other weekdays', 'not_weekly');
    }
    const weeks = rule.interval * (rule.frequency === 'biweekly' ? 2 : 1);
    return {
      rrule: formatRecurrenceRule({
        freq: 'WEEKLY',
        count,
        ...(weeks > 1 && { interval: weeks }),
        byDay: byDayOf(move.weekdays),
      }),
    };
  }
  const { until: _until, ...parsed }: Mutable<ParsedRecurrenceRule> = parseRecurrenceRule(rule.rrule);
  if (move.retimed && (parsed.byHour ?? parsed.byMinute ?? parsed.bySecond) !== undefined) {
    throw ValidationError.forField(
      'time',
      'The rule sets its own times of day (BYHOUR, BYMINUTE, BYSECOND); a new time would not say which to move',
      'rule_sets_time',
    );
  }
  if (move.weekdays !== undefined) {
    if (parsed.freq !== 'WEEKLY') {
      throw ValidationError.forField(
        'weekdays',
        'Only a weekly rule (FREQ=WEEKLY) can move to other weekdays',
        'not_weekly',
      );
    }
    parsed.byDay = byDayOf(move.weekdays);
  }
  return { rrule: formatRecurrenceRule({ ...parsed, count }) };
}

/**
 * The rule of the last segment with a later end: `totalCount` instances in all, or through
 * `until` (an instant, or a local date meaning that whole day).
 */
export function extendedRule(
  rule: StoredRecurrence,
  end: { readonly totalCount: number } | { readonly until: Date | string },
): StoredRecurrence {
  if ('totalCount' in end) return boundRule(rule, end.totalCount);
  const until = end.until;
  if ('rrule' in rule) {
    const { count: _count, until: _until, ...parsed } = parseRecurrenceRule(rule.rrule);
    return { rrule: formatRecurrenceRule({ ...parsed, until: ruleUntil(until) }) };
  }
  return {
    frequency: rule.frequency,
    interval: rule.interval,
    endDate: until instanceof Date ? until.toISOString() : until,
  };
}

function ruleUntil(until: Date | string): RuleUntil {
  if (typeof until === 'string') {
    const [year, month, day] = until.split('-').map(Number) as [number, number, number];
    return { kind: 'date', year, month, day };
  }
  // UNTIL has whole seconds: the last second at or before the instant.
  return utcRuleUntil(Math.floor(until.getTime() / 1000) * 1000);
}

function byDayOf(weekdays: readonly Weekday[]) {
  return [...weekdays]
    .sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b))
    .map((weekday) => ({ weekday: RULE_WEEKDAYS[WEEKDAYS.indexOf(weekday)] as (typeof RULE_WEEKDAYS)[number] }));
}

/** Where a moved segment starts: its first instance, and the wall time it keeps if not that one's own. */
export interface SegmentAnchor {
  readonly start: Date;
  /** Set when the wall time falls in a spring-forward gap (see {@link SeriesSegment.wallStart}). */
  readonly wallStart?: string;
}

/**
 * The first instance of a moved segment: on the day of the instance it replaces, or with new
 * weekdays on the first of them on or after that day (so no occurrence moves to a day before the
 * one it had); at the new time of day (minutes), else at the segment's own wall-clock time. A
 * wall time in a spring-forward gap is read with the offset from before the gap (RFC 5545), and
 * kept as the segment's `wallStart`, so the later instances keep the wall time asked for.
 */
export function movedAnchor(
  timeZone: string,
  replaced: Date,
  segment: Pick<SeriesSegment, 'start' | 'wallStart'>,
  move: { readonly minuteOfDay?: number; readonly weekdays?: readonly Weekday[] },
): SegmentAnchor {
  const zone = ianaZone(timeZone);
  let day = Math.floor(instantToFloating(zone, replaced.getTime()) / DAY_MS);
  if (move.weekdays !== undefined) {
    const wanted = new Set(move.weekdays.map((weekday) => WEEKDAYS.indexOf(weekday)));
    // Day 0 (1 January 1970) was a Thursday: index 3 with Monday first.
    while (!wanted.has((((day + 3) % 7) + 7) % 7)) day += 1;
  }
  const wallMs = move.minuteOfDay === undefined ? segmentWallMs(zone, segment) : move.minuteOfDay * MINUTE_MS;
  const floating = day * DAY_MS + wallMs;
  const start = new Date(occurrenceInstant(zone, floating));
  if (instantToFloating(zone, start.getTime()) === floating) return { start };
  return { start, wallStart: new Date(floating).toISOString().slice(0, 19) };
}

/** The wall-clock time of day (ms) a segment keeps: its `wallStart`'s, else its first instance's. */
function segmentWallMs(zone: ReturnType<typeof ianaZone>, segment: Pick<SeriesSegment, 'start' | 'wallStart'>): number {
  if (segment.wallStart !== undefined) return modulo(Date.parse(`${segment.wallStart}Z`), DAY_MS);
  return modulo(instantToFloating(zone, Date.parse(segment.start)), DAY_MS);
}

/** True if the rule sets the times of day itself (BYHOUR, BYMINUTE or BYSECOND). */
export function ruleSetsTime(rule: StoredRecurrence): boolean {
  if (!('rrule' in rule)) return false;
  const parsed = parseRecurrenceRule(rule.rrule);
  return (parsed.byHour ?? parsed.byMinute ?? parsed.bySecond) !== undefined;
}

/** A planned move: an appointment's occupied range now and after the move. */
export interface PlannedMove {
  readonly id: string;
  readonly from: TimeRange;
  readonly to: TimeRange;
}

/**
 * An order to write moves in so that none meets another's range before that one has moved (the
 * database checks each write on its own): a move goes after every move whose current range its
 * new range meets. When moves wait on each other in a ring (occurrences trading places), no order
 * can write them one by one: the ring's ids come back instead.
 */
export function orderMoves(moves: readonly PlannedMove[]): { readonly order: string[] } | { readonly ring: string[] } {
  const waitsOn = new Map(
    moves.map((move) => [
      move.id,
      moves.filter((other) => other.id !== move.id && rangesOverlap(move.to, other.from)).map((other) => other.id),
    ]),
  );
  const order: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    if (done.has(id)) return null;
    const open = path.indexOf(id);
    if (open >= 0) return path.slice(open);
    path.push(id);
    for (const before of waitsOn.get(id) ?? []) {
      const ring = visit(before);
      if (ring !== null) return ring;
    }
    path.pop();
    done.add(id);
    order.push(id);
    return null;
  };
  for (const move of moves) {
    const ring = visit(move.id);
    if (ring !== null) return { ring };
  }
  return { order };
}
