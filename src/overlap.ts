import { type AppointmentStatus, isOccupyingStatus } from './status.js';

const MINUTE_MS = 60_000;

/** A half-open interval of time `[start, end)`: it contains `start` but not `end`. */
export interface TimeRange {
  readonly start: Date;
  readonly end: Date;
}

/** Anything with a time and optional buffers, such as an appointment. */
export interface OccupyingItem extends TimeRange {
  readonly bufferBeforeMinutes?: number;
  readonly bufferAfterMinutes?: number;
}

/** An existing booking as {@link findConflicts} sees it. */
export interface BookedItem extends OccupyingItem {
  readonly id?: string;
  readonly status?: AppointmentStatus;
}

/**
 * True if two half-open ranges share at least one instant. Touching ranges (`a.end` equal to
 * `b.start`) do not overlap, and an empty range (`end <= start`) overlaps nothing.
 *
 * @example
 * rangesOverlap(
 *   { start: new Date('2026-03-02T09:00Z'), end: new Date('2026-03-02T09:30Z') },
 *   { start: new Date('2026-03-02T09:30Z'), end: new Date('2026-03-02T10:00Z') },
 * ); // false: they only touch
 */
export function rangesOverlap(a: TimeRange, b: TimeRange): boolean {
  const aStart = a.start.getTime();
  const aEnd = a.end.getTime();
  const bStart = b.start.getTime();
  const bEnd = b.end.getTime();
  return aStart < aEnd && bStart < bEnd && aStart < bEnd && bStart < aEnd;
}

/**
 * The time an appointment keeps its provider busy: from `start − bufferBefore` to
 * `end + bufferAfter`.
 */
export function occupiedRange(item: OccupyingItem): TimeRange {
  return {
    start: new Date(item.start.getTime() - (item.bufferBeforeMinutes ?? 0) * MINUTE_MS),
    end: new Date(item.end.getTime() + (item.bufferAfterMinutes ?? 0) * MINUTE_MS),
  };
}

/**
 * The items of `existing` whose occupied ranges meet the candidate's. Cancelled and no-show
 * items occupy nothing and are ignored, and so is an item with the candidate's own `id` (so a
 * reschedule does not conflict with itself).
 *
 * @example
 * const clashes = findConflicts(
 *   { start: new Date('2026-03-02T09:00Z'), end: new Date('2026-03-02T09:30Z') },
 *   providerAppointments,
 * );
 */
export function findConflicts<T extends BookedItem>(
  candidate: OccupyingItem & { readonly id?: string },
  existing: readonly T[],
): T[] {
  const wanted = occupiedRange(candidate);
  return existing.filter(
    (item) =>
      (item.status === undefined || isOccupyingStatus(item.status)) &&
      (candidate.id === undefined || item.id !== candidate.id) &&
      rangesOverlap(wanted, occupiedRange(item)),
  );
}

/**
 * Indices of the non-empty ranges by start (ties by index). When every key `(start − min) × n + i`
 * is an exact double, one native numeric sort of those keys does it; otherwise a comparator sort.
 */
function sortedNonEmpty(starts: Float64Array, ends: Float64Array): Int32Array {
  const count = starts.length;
  let minimum = Number.POSITIVE_INFINITY;
  let maximum = Number.NEGATIVE_INFINITY;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    if ((starts[i] as number) >= (ends[i] as number)) continue;
    kept++;
    minimum = Math.min(minimum, starts[i] as number);
    maximum = Math.max(maximum, starts[i] as number);
  }
  const order = new Int32Array(kept);
  const span = maximum - minimum;
  const packable = kept > 0 && Number.isSafeInteger((span + 1) * count) && starts.every(Number.isInteger);
  if (packable) {
    const keys = new Float64Array(kept);
    let next = 0;
    for (let i = 0; i < count; i++) {
      if ((starts[i] as number) < (ends[i] as number)) keys[next++] = ((starts[i] as number) - minimum) * count + i;
    }
    keys.sort();
    for (let i = 0; i < kept; i++) order[i] = (keys[i] as number) % count;
    return order;
  }
  let next = 0;
  for (let i = 0; i < count; i++) if ((starts[i] as number) < (ends[i] as number)) order[next++] = i;
  return order.sort((a, b) => (starts[a] as number) - (starts[b] as number) || a - b);
}

/**
 * Every pair of overlapping ranges, as index pairs `[i, j]` with `i < j`, in no particular
 * order. A sweep over the ranges sorted by start: O(n log n + k) for k pairs. Empty ranges
 * overlap nothing.
 *
 * @example
 * findOverlaps([r0, r1, r2]); // e.g. [[0, 2]] when only r0 and r2 overlap
 */
export function findOverlaps(ranges: readonly TimeRange[]): Array<[number, number]> {
  const count = ranges.length;
  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const range = ranges[i] as TimeRange;
    starts[i] = range.start.getTime();
    ends[i] = range.end.getTime();
  }
  const order = sortedNonEmpty(starts, ends);

  const pairs: Array<[number, number]> = [];
  // Ranges that started earlier and may still be open. Each one either overlaps the current
  // range (a pair to report) or has ended (dropped now, once): the scan is O(n + k) overall.
  const active = new Int32Array(order.length);
  let activeCount = 0;
  for (const current of order) {
    const currentStart = starts[current] as number;
    let kept = 0;
    for (let position = 0; position < activeCount; position++) {
      const other = active[position] as number;
      if ((ends[other] as number) > currentStart) {
        active[kept++] = other;
        pairs.push(other < current ? [other, current] : [current, other]);
      }
    }
    active[kept++] = current;
    activeCount = kept;
  }
  return pairs;
}
