import type { Appointment, StoredRecurrence } from './appointment.js';
import { expandRecurrence } from './recurrence.js';

const MINUTE_MS = 60_000;

/**
 * One stretch of a series: a rule expanded from its own first instance (its RFC 5545 `DTSTART`),
 * describing the occurrences from `fromIndex` on. A series starts as one segment; moving "this
 * and the following" occurrences ends the old segment where the move begins and starts a new one.
 */
export interface SeriesSegment {
  /** The occurrence index of the segment's first instance. */
  readonly fromIndex: number;
  /** The segment's first instance (its `DTSTART`), an ISO-8601 instant in UTC. */
  readonly start: string;
  /**
   * The wall-clock time the segment keeps, `YYYY-MM-DDTHH:mm:ss` in the series' zone, when it is
   * not `start`'s own: set only when the first instance falls in a spring-forward gap (asked for
   * 02:30 on the night the clocks jump, it starts at 03:30; the later ones are at 02:30).
   */
  readonly wallStart?: string;
  /**
   * The rule, expanded from `start` in the series' zone; every segment but the last is bounded
   * (`COUNT` or `maxOccurrences`) to end just before the next one.
   */
  readonly rule: StoredRecurrence;
  /** The occurrences' length and type, as the segment books them. */
  readonly durationMinutes: number;
  readonly type: string;
}

/**
 * A series' pattern as stored, on its carrier occurrence (the first one created): what later
 * reads, edits and calendar exports expand.
 */
export interface SeriesPattern {
  /**
   * At least one, by `fromIndex`. The first has `fromIndex` 0, except in a series stored before
   * segments existed whose first occurrence was never booked: it starts at its carrier's index.
   */
  readonly segments: readonly SeriesSegment[];
}

/** A series as {@link Scheduler.getSeries} reads it: its pattern and every stored occurrence. */
export interface Series {
  readonly seriesId: string;
  readonly patientId: string;
  readonly providerId: string;
  /** The IANA zone whose wall clock the series follows (the provider's at booking). */
  readonly timeZone: string;
  readonly segments: readonly SeriesSegment[];
  /**
   * Every stored occurrence, whatever its status, by occurrence index. An index with no
   * occurrence was skipped when the series was made or extended.
   */
  readonly occurrences: readonly Appointment[];
}

/** Where the pattern puts one occurrence index. */
export interface SeriesInstance {
  readonly index: number;
  /** Position of its segment in `segments`. */
  readonly segment: number;
  readonly start: Date;
  readonly end: Date;
  readonly durationMinutes: number;
  readonly type: string;
}

/**
 * Every instance the pattern describes, by index: each segment expanded in `timeZone`, up to the
 * next segment's first index. An occurrence whose start differs from its instance's was moved
 * on its own (an overridden instance); an instance with no occurrence, or a cancelled one, is an
 * exception (RFC 5545 `EXDATE`).
 *
 * @example
 * const instances = seriesInstances({ timeZone: 'Europe/London', segments: series.segments });
 */
export function seriesInstances(pattern: {
  readonly timeZone: string;
  readonly segments: readonly SeriesSegment[];
}): SeriesInstance[] {
  const instances: SeriesInstance[] = [];
  pattern.segments.forEach((segment, position) => {
    const next = pattern.segments[position + 1];
    const starts = expandRecurrence({
      start: new Date(segment.start),
      timeZone: pattern.timeZone,
      recurrence: segment.rule,
      ...(segment.wallStart !== undefined && { wallStart: segment.wallStart }),
    });
    const covered = next === undefined ? starts.length : Math.min(starts.length, next.fromIndex - segment.fromIndex);
    for (let offset = 0; offset < covered; offset++) {
      const start = starts[offset] as Date;
      instances.push({
        index: segment.fromIndex + offset,
        segment: position,
        start,
        end: new Date(start.getTime() + segment.durationMinutes * MINUTE_MS),
        durationMinutes: segment.durationMinutes,
        type: segment.type,
      });
    }
  });
  return instances;
}
