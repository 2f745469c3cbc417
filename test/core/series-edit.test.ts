import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { expandRecurrence, type StoredRecurrence, WEEKDAYS } from '../../src/index.js';
import {
  boundRule,
  extendedRule,
  movedAnchor,
  movedRule,
  orderMoves,
  type PlannedMove,
} from '../../src/series-edit.js';

const MINUTE_MS = 60_000;
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Apia', 'UTC'] as const;

const range = (start: number, length: number) => ({
  start: new Date(start * MINUTE_MS),
  end: new Date((start + length) * MINUTE_MS),
});

/** Moves over a small timeline, so that they often meet. */
const movesArbitrary = fc
  .array(
    fc.record({
      from: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 8 })),
      to: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 8 })),
    }),
    { maxLength: 5 },
  )
  .map((items) =>
    items.map(({ from, to }, index): PlannedMove => ({ id: `m${index}`, from: range(...from), to: range(...to) })),
  );

/** True if writing the moves in `order` never puts one over another that has not moved yet. */
function writable(moves: readonly PlannedMove[], order: readonly string[]): boolean {
  const moved = new Set<string>();
  for (const id of order) {
    const move = moves.find((item) => item.id === id) as PlannedMove;
    const blocked = moves.some(
      (other) =>
        other.id !== id && !moved.has(other.id) && other.from.start < move.to.end && move.to.start < other.from.end,
    );
    if (blocked) return false;
    moved.add(id);
  }
  return true;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('orderMoves', () => {
  it('finds a write order exactly when one exists (checked against every permutation)', () => {
    fc.assert(
      fc.property(movesArbitrary, (moves) => {
        const result = orderMoves(moves);
        const ids = moves.map((move) => move.id);
        const exists = permutations(ids).some((candidate) => writable(moves, candidate));
        expect('order' in result).toBe(exists);
        if ('order' in result) {
          expect([...result.order].sort()).toEqual([...ids].sort());
          expect(writable(moves, result.order)).toBe(true);
        } else {
          // The ring: each member waits on the next, the last on the first.
          result.ring.forEach((id, position) => {
            const move = moves.find((item) => item.id === id) as PlannedMove;
            const next = moves.find(
              (item) => item.id === result.ring[(position + 1) % result.ring.length],
            ) as PlannedMove;
            expect(move.to.start < next.from.end && next.from.start < move.to.end).toBe(true);
          });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('writes a chain of moves into each other’s slots from the far end', () => {
    const moves = [0, 1, 2].map((slot) => ({
      id: `m${slot}`,
      from: range(slot * 10, 10),
      to: range(slot * 10 + 10, 10),
    }));
    expect(orderMoves(moves)).toEqual({ order: ['m2', 'm1', 'm0'] });
    expect(
      orderMoves([
        { id: 'a', from: range(0, 10), to: range(10, 10) },
        { id: 'b', from: range(10, 10), to: range(0, 10) },
        { id: 'c', from: range(30, 10), to: range(40, 10) },
      ]),
    ).toEqual({ ring: ['a', 'b'] });
  });
});

const simpleRule = fc.record({
  frequency: fc.constantFrom('daily', 'weekly', 'biweekly', 'monthly'),
  interval: fc.integer({ min: 1, max: 3 }),
});
const ruleText = fc
  .tuple(
    fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY'),
    fc.integer({ min: 1, max: 3 }),
    fc.subarray(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'], { minLength: 1 }),
  )
  .map(([freq, interval, days]) => ({
    rrule: `FREQ=${freq};INTERVAL=${interval}${freq === 'MONTHLY' ? '' : `;BYDAY=${days.join(',')}`}`,
  }));
const start = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => new Date(Math.floor(date.getTime() / MINUTE_MS) * MINUTE_MS));

describe('boundRule and extendedRule', () => {
  it('a bounded rule gives exactly the first n instances of the rule', () => {
    fc.assert(
      fc.property(
        fc.oneof(simpleRule, ruleText) as fc.Arbitrary<StoredRecurrence>,
        start,
        fc.constantFrom(...ZONES),
        fc.integer({ min: 1, max: 20 }),
        (rule, first, timeZone, count) => {
          const all = expandRecurrence({ start: first, timeZone, recurrence: boundRule(rule, 40) });
          const bounded = expandRecurrence({ start: first, timeZone, recurrence: boundRule(rule, count) });
          expect(bounded).toEqual(all.slice(0, count));
          const longer = expandRecurrence({
            start: first,
            timeZone,
            recurrence: extendedRule(rule, { totalCount: count + 5 }),
          });
          expect(longer.slice(0, count)).toEqual(bounded);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('movedRule and movedAnchor', () => {
  it('puts every moved instance on one of the new weekdays at the new wall-clock time, in any zone', () => {
    fc.assert(
      fc.property(
        start,
        fc.constantFrom(...ZONES),
        fc.subarray([...WEEKDAYS], { minLength: 1 }),
        // Away from the hours when these zones change their clocks.
        fc.integer({ min: 6 * 60, max: 22 * 60 - 1 }),
        fc.integer({ min: 1, max: 12 }),
        (replaced, timeZone, weekdays, minuteOfDay, count) => {
          const rule = movedRule({ frequency: 'weekly', interval: 1 }, { weekdays, retimed: true }, count);
          const { start: anchor } = movedAnchor(
            timeZone,
            replaced,
            { start: replaced.toISOString() },
            { minuteOfDay, weekdays },
          );
          const instances = expandRecurrence({ start: anchor, timeZone, recurrence: rule });
          expect(instances).toHaveLength(count);
          for (const instance of instances) {
            const local = DateTime.fromJSDate(instance, { zone: timeZone });
            expect(weekdays).toContain(WEEKDAYS[local.weekday - 1]);
            expect(local.hour * 60 + local.minute).toBe(minuteOfDay);
          }
          // The first instance is on the first new weekday on or after the day of the one it replaces.
          const day = (date: Date) => DateTime.fromJSDate(date, { zone: timeZone }).startOf('day');
          const daysLater = day(anchor).diff(day(replaced), 'days').days;
          expect(daysLater).toBeGreaterThanOrEqual(0);
          expect(daysLater).toBeLessThan(7);
          for (let earlier = 0; earlier < Math.round(daysLater); earlier++) {
            expect(weekdays).not.toContain(WEEKDAYS[day(replaced).plus({ days: earlier }).weekday - 1]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads a new time that falls in a spring-forward gap with the offset from before the gap (RFC 5545), keeping the wall time asked for', () => {
    // 02:30 on 8 March 2026 does not exist in New York: it is 03:30 EDT, 07:30Z; later days keep 02:30.
    const anchor = movedAnchor(
      'America/New_York',
      new Date('2026-03-08T15:00:00Z'),
      { start: '2026-03-01T15:00:00Z' },
      { minuteOfDay: 150 },
    );
    expect(anchor).toEqual({ start: new Date('2026-03-08T07:30:00Z'), wallStart: '2026-03-08T02:30:00' });
    const days = expandRecurrence({
      start: anchor.start,
      wallStart: anchor.wallStart as string,
      timeZone: 'America/New_York',
      recurrence: { frequency: 'daily', interval: 1, maxOccurrences: 3 },
    });
    expect(days.map((day) => day.toISOString())).toEqual([
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
    // A wallStart that does not name the start is refused, naming the field.
    expect(() =>
      expandRecurrence({
        start: anchor.start,
        wallStart: '2026-03-08T04:30:00',
        timeZone: 'America/New_York',
        recurrence: { frequency: 'daily', interval: 1 },
      }),
    ).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: 'wallStart' })] }));
  });

  it('refuses what a rule cannot take, naming the field', () => {
    expect(() => movedRule({ frequency: 'daily', interval: 1 }, { weekdays: ['monday'], retimed: false }, 3)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'weekdays', code: 'not_weekly' })] }),
    );
    expect(() => movedRule({ rrule: 'FREQ=DAILY;BYHOUR=9,15' }, { retimed: true }, 3)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'time', code: 'rule_sets_time' })] }),
    );
    expect(
      movedRule({ frequency: 'biweekly', interval: 2 }, { weekdays: ['friday', 'monday'], retimed: false }, 5),
    ).toEqual({
      rrule: 'FREQ=WEEKLY;COUNT=5;INTERVAL=4;BYDAY=MO,FR',
    });
  });
});
