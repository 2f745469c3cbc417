import type { Appointment } from '../appointment.js';
import { LIMITS } from '../limits.js';
import type { ParsedRecurrenceRule } from '../rrule-grammar.js';
import { type Series, type SeriesInstance, type SeriesSegment, seriesInstances } from '../series.js';
import { ruleOf, withPaths } from './rule.js';
import {
  checkAppointment,
  fail,
  ICAL_LIMITS,
  requireArray,
  requireInteger,
  requireObject,
  requireString,
  requireTimeZone,
  requireUidPart,
  requireWritableDate,
} from './validate.js';

/** One segment, checked: its rule in RFC 5545 terms and the instances it covers. */
export interface CheckedSegment {
  readonly segment: SeriesSegment;
  readonly rule: ParsedRecurrenceRule;
  /** Its instances up to the next segment's first index (at least one). */
  readonly instances: readonly SeriesInstance[];
}

/** A series, checked: its segments with their instances, and its occurrences by index. */
export interface CheckedSeries {
  readonly series: Series;
  readonly segments: readonly CheckedSegment[];
  readonly occurrences: ReadonlyMap<number, Appointment>;
}

/** Longer than any ISO-8601 instant. */
const MAX_INSTANT_LENGTH = 40;

/**
 * Checks a series as {@link Scheduler.getSeries} returns it, expands its pattern, and pairs
 * every occurrence with its instance. `replacement`, an occurrence of the series, stands in for
 * the stored one with the same index (a caller may hold a newer copy).
 */
export function checkSeries(value: unknown, path: string, replacement?: Appointment): CheckedSeries {
  const record = requireObject(value, path);
  const seriesId = requireUidPart(record.seriesId, `${path}.seriesId`);
  const timeZone = requireTimeZone(record.timeZone, `${path}.timeZone`);
  const segments = requireArray(record.segments, `${path}.segments`, ICAL_LIMITS.seriesSegments);
  if (segments.length === 0) fail(`${path}.segments`, 'A series has at least one segment', 'too_small');
  segments.forEach((segment, position) => {
    checkSegment(segment, `${path}.segments[${position}]`, segments[position - 1]);
  });
  const checkedSegments = (segments as readonly SeriesSegment[]).map((segment, position) =>
    expandSegment(segment, segments[position + 1] as SeriesSegment | undefined, timeZone, path, position),
  );
  const occurrences = occurrencesByIndex(record.occurrences, seriesId, path, replacement);
  const indexes = new Set(checkedSegments.flatMap((item) => item.instances.map((instance) => instance.index)));
  for (const [index] of occurrences) {
    if (!indexes.has(index)) {
      fail(
        `${path}.occurrences`,
        `No instance of the series pattern has the occurrence index ${index}`,
        'invalid_value',
      );
    }
  }
  return { series: value as Series, segments: checkedSegments, occurrences };
}

function checkSegment(value: unknown, path: string, previous: unknown): void {
  const segment = requireObject(value, path);
  const fromIndex = requireInteger(segment.fromIndex, `${path}.fromIndex`, 0, Number.MAX_SAFE_INTEGER);
  const previousIndex = previous === undefined ? -1 : (previous as SeriesSegment).fromIndex;
  // The first segment starts at 0, or later for a series stored before segments whose first
  // occurrence was never booked; each next one further on.
  if (previous !== undefined && fromIndex <= previousIndex) fail(`${path}.fromIndex`, 'Must increase', 'invalid_value');
  const start = requireString(segment.start, `${path}.start`, MAX_INSTANT_LENGTH);
  requireWritableDate(new Date(start), `${path}.start`);
  requireInteger(
    segment.durationMinutes,
    `${path}.durationMinutes`,
    LIMITS.durationMinutes.min,
    LIMITS.durationMinutes.max,
  );
  requireString(segment.type, `${path}.type`, LIMITS.idLength);
}

function expandSegment(
  segment: SeriesSegment,
  next: SeriesSegment | undefined,
  timeZone: string,
  seriesPath: string,
  position: number,
): CheckedSegment {
  const path = `${seriesPath}.segments[${position}]`;
  const rule = ruleOf(segment.rule, `${path}.rule`);
  const expanded = withPaths(
    () => seriesInstances({ timeZone, segments: [segment] }),
    [
      ['recurrence', `${path}.rule`],
      ['start', `${path}.start`],
      ['timeZone', `${seriesPath}.timeZone`],
    ],
  );
  const covered = next === undefined ? expanded.length : Math.min(expanded.length, next.fromIndex - segment.fromIndex);
  return {
    segment,
    rule,
    instances: expanded.slice(0, covered).map((instance) => ({ ...instance, segment: position })),
  };
}

function occurrencesByIndex(
  value: unknown,
  seriesId: string,
  path: string,
  replacement: Appointment | undefined,
): Map<number, Appointment> {
  const list = requireArray(value, `${path}.occurrences`, ICAL_LIMITS.seriesOccurrences);
  const occurrences = new Map<number, Appointment>();
  list.forEach((item, position) => {
    const itemPath = `${path}.occurrences[${position}]`;
    const occurrence = checkAppointment(item, itemPath);
    if (occurrence.seriesId !== seriesId)
      fail(`${itemPath}.seriesId`, `Must be the series' id ${seriesId}`, 'invalid_value');
    if (occurrence.occurrenceIndex === null)
      fail(`${itemPath}.occurrenceIndex`, 'Must be set on an occurrence', 'invalid_type');
    if (occurrences.has(occurrence.occurrenceIndex)) {
      fail(`${itemPath}.occurrenceIndex`, 'Another occurrence has this index', 'duplicate');
    }
    occurrences.set(occurrence.occurrenceIndex, occurrence);
  });
  if (replacement !== undefined && replacement.occurrenceIndex !== null) {
    occurrences.set(replacement.occurrenceIndex, replacement);
  }
  if (occurrences.size === 0) fail(`${path}.occurrences`, 'A series has at least one occurrence', 'too_small');
  return occurrences;
}
