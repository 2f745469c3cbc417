import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

import {
  APPOINTMENT_STATUSES,
  findConflicts,
  findOverlaps,
  occupiedRange,
  rangesOverlap,
  type TimeRange,
} from '../../src/index.js';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 8) + minute * 60_000);
const range = (startMinute: number, endMinute: number): TimeRange => ({ start: at(startMinute), end: at(endMinute) });

// Reference model: half-open intervals over whole minutes as sets of minutes.
function minutesOf(r: TimeRange): Set<number> {
  const minutes = new Set<number>();
  for (let t = r.start.getTime(); t < r.end.getTime(); t += 60_000) minutes.add(t);
  return minutes;
}
function shareAMinute(a: TimeRange, b: TimeRange): boolean {
  const minutes = minutesOf(a);
  return [...minutesOf(b)].some((minute) => minutes.has(minute));
}

// Ranges on a coarse grid of whole minutes, so that equal, touching and empty ranges are common.
const rangeArbitrary = fc
  .tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: -5, max: 60 }))
  .map(([start, length]) => range(start, start + length));

describe('rangesOverlap', () => {
  it('treats touching ranges as free', () => {
    expect(rangesOverlap(range(0, 30), range(30, 60))).toBe(false);
    expect(rangesOverlap(range(30, 60), range(0, 30))).toBe(false);
  });

  it('sees a one-minute overlap, containment and equality', () => {
    expect(rangesOverlap(range(0, 31), range(30, 60))).toBe(true);
    expect(rangesOverlap(range(0, 120), range(30, 60))).toBe(true);
    expect(rangesOverlap(range(30, 60), range(30, 60))).toBe(true);
  });

  it('treats empty ranges as overlapping nothing', () => {
    expect(rangesOverlap(range(40, 40), range(30, 60))).toBe(false);
    expect(rangesOverlap(range(50, 40), range(30, 60))).toBe(false);
  });

  it('agrees with the minute-set model (property)', () => {
    fc.assert(
      fc.property(rangeArbitrary, rangeArbitrary, (a, b) => {
        expect(rangesOverlap(a, b)).toBe(shareAMinute(a, b));
        expect(rangesOverlap(a, b)).toBe(rangesOverlap(b, a));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('occupiedRange', () => {
  it('widens the appointment by its buffers', () => {
    expect(occupiedRange({ ...range(60, 90), bufferBeforeMinutes: 10, bufferAfterMinutes: 15 })).toEqual(
      range(50, 105),
    );
  });

  it('is the appointment itself without buffers', () => {
    expect(occupiedRange(range(60, 90))).toEqual(range(60, 90));
  });
});

describe('findConflicts', () => {
  it('counts buffers on both sides', () => {
    const existing = [{ id: 'a', ...range(0, 30), bufferAfterMinutes: 10 }];
    expect(findConflicts(range(35, 60), existing).map((item) => item.id)).toEqual(['a']);
    expect(findConflicts(range(40, 60), existing)).toEqual([]);
    expect(findConflicts({ ...range(40, 60), bufferBeforeMinutes: 1 }, existing).map((item) => item.id)).toEqual(['a']);
  });

  it('ignores cancelled and no-show appointments', () => {
    const existing = [
      { id: 'c', status: 'cancelled' as const, ...range(0, 30) },
      { id: 'n', status: 'no_show' as const, ...range(0, 30) },
      { id: 'k', status: 'completed' as const, ...range(0, 30) },
    ];
    expect(findConflicts(range(10, 20), existing).map((item) => item.id)).toEqual(['k']);
  });

  it('ignores the candidate itself (a reschedule)', () => {
    const existing = [{ id: 'self', ...range(0, 30) }];
    expect(findConflicts({ id: 'self', ...range(10, 40) }, existing)).toEqual([]);
  });

  it('equals a brute-force filter (property)', () => {
    const item = fc.record({
      id: fc.string({ minLength: 1, maxLength: 3 }),
      status: fc.constantFrom(...APPOINTMENT_STATUSES),
      start: fc.integer({ min: 0, max: 200 }),
      length: fc.integer({ min: 0, max: 60 }),
      bufferBeforeMinutes: fc.integer({ min: 0, max: 20 }),
      bufferAfterMinutes: fc.integer({ min: 0, max: 20 }),
    });
    const toBooked = (raw: ValueOf<typeof item>) => ({ ...raw, ...range(raw.start, raw.start + raw.length) });
    fc.assert(
      fc.property(item, fc.array(item, { maxLength: 30 }), (rawCandidate, rawExisting) => {
        const candidate = toBooked(rawCandidate);
        const existing = rawExisting.map(toBooked);
        const widened = (raw: ValueOf<typeof item>) =>
          range(raw.start - raw.bufferBeforeMinutes, raw.start + raw.length + raw.bufferAfterMinutes);
        const reference = existing.filter(
          (other, index) =>
            other.status !== 'cancelled' &&
            other.status !== 'no_show' &&
            other.id !== candidate.id &&
            shareAMinute(widened(rawCandidate), widened(rawExisting[index] as ValueOf<typeof item>)),
        );
        expect(findConflicts(candidate, existing)).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });
});

describe('findOverlaps', () => {
  const sortPairs = (pairs: Array<[number, number]>) =>
    [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([i, j]) => `${i}-${j}`);

  function bruteForce(ranges: readonly TimeRange[]): Array<[number, number]> {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length; j++) {
        if (shareAMinute(ranges[i] as TimeRange, ranges[j] as TimeRange)) pairs.push([i, j]);
      }
    }
    return pairs;
  }

  it('finds nothing among touching ranges', () => {
    expect(findOverlaps([range(0, 30), range(30, 60), range(60, 90)])).toEqual([]);
  });

  it('reports each pair once with the lower index first', () => {
    const pairs = findOverlaps([range(30, 90), range(0, 45), range(60, 61), range(200, 210)]);
    expect(sortPairs(pairs)).toEqual(['0-1', '0-2']);
  });

  it('handles identical ranges and an empty list', () => {
    expect(sortPairs(findOverlaps([range(0, 10), range(0, 10), range(0, 10)]))).toEqual(['0-1', '0-2', '1-2']);
    expect(findOverlaps([])).toEqual([]);
  });

  it('equals the brute-force pair list (property, touching and empty ranges included)', () => {
    fc.assert(
      fc.property(fc.array(rangeArbitrary, { maxLength: 60 }), (ranges) => {
        const pairs = findOverlaps(ranges);
        for (const [i, j] of pairs) expect(i).toBeLessThan(j);
        expect(sortPairs(pairs)).toEqual(sortPairs(bruteForce(ranges)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('findOverlaps far apart in time', () => {
  it('is right when the start times span more than its packed sort key can hold', () => {
    const ranges = [
      { start: new Date(-8.64e15), end: new Date(-8.64e15 + 60_000) },
      { start: new Date(8.64e15 - 120_000), end: new Date(8.64e15) },
      { start: new Date(-8.64e15 + 30_000), end: new Date(-8.64e15 + 90_000) },
      { start: new Date(8.64e15 - 60_000), end: new Date(8.64e15) },
    ];
    expect(findOverlaps(ranges).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });
});
