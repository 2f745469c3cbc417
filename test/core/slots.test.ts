import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { validationPaths } from '../fixtures.js';

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

import {
  type GenerateSlotsOptions,
  generateSlots,
  type LocalInterval,
  suggestSlots,
  type TimeRange,
  type TimeSlot,
  type UnavailableReason,
  WEEKDAYS,
  type WeeklyHours,
} from '../../src/index.js';

const local = (text: string, zone: string) => DateTime.fromISO(text, { zone }).toJSDate();
const wall = (slot: TimeSlot, zone: string) => DateTime.fromJSDate(slot.start, { zone }).toFormat('HH:mm');
const sundayOnly = (start: string, end: string): WeeklyHours => ({ sunday: [{ start, end }] });

describe('generateSlots', () => {
  describe('working hours', () => {
    it('defaults to Monday–Friday 08:00–18:00 local time', () => {
      const monday = generateSlots({ timeZone: 'Asia/Kolkata', date: '2026-03-02', durationMinutes: 30 });
      expect(monday).toHaveLength(20);
      expect(monday[0]?.start.toISOString()).toBe('2026-03-02T02:30:00.000Z');
      expect(monday.at(-1)?.end.toISOString()).toBe('2026-03-02T12:30:00.000Z');
      expect(generateSlots({ timeZone: 'Asia/Kolkata', date: '2026-03-07', durationMinutes: 30 })).toEqual([]);
    });

    it('keeps a lunch break out and steps each interval from its own start', () => {
      const slots = generateSlots({
        timeZone: 'Europe/London',
        date: '2026-03-02',
        durationMinutes: 45,
        weeklyHours: {
          monday: [
            { start: '13:15', end: '15:00' },
            { start: '08:00', end: '10:00' },
          ],
        },
      });
      expect(slots.map((slot) => wall(slot, 'Europe/London'))).toEqual([
        '08:00',
        '08:30',
        '09:00',
        '13:15',
        '13:45',
        '14:15',
      ]);
    });

    it('uses a date override instead of the weekly hours, and an empty one is a day off', () => {
      const base = { timeZone: 'America/New_York', durationMinutes: 60, stepMinutes: 60 } as const;
      const override = generateSlots({
        ...base,
        date: '2026-03-03',
        dateOverrides: { '2026-03-03': [{ start: '10:00', end: '12:00' }] },
      });
      expect(override.map((slot) => wall(slot, 'America/New_York'))).toEqual(['10:00', '11:00']);
      expect(generateSlots({ ...base, date: '2026-03-03', dateOverrides: { '2026-03-03': [] } })).toEqual([]);
    });

    it('accepts 24:00 as the end of the day', () => {
      const slots = generateSlots({
        timeZone: 'Europe/London',
        date: '2026-03-02',
        durationMinutes: 60,
        stepMinutes: 60,
        weeklyHours: { monday: [{ start: '22:00', end: '24:00' }] },
      });
      expect(slots.map((slot) => slot.end.toISOString())).toEqual([
        '2026-03-02T23:00:00.000Z',
        '2026-03-03T00:00:00.000Z',
      ]);
    });

    it('covers an inclusive range of dates', () => {
      const slots = generateSlots({
        timeZone: 'UTC',
        from: '2026-03-02',
        to: '2026-03-08',
        durationMinutes: 60,
        stepMinutes: 60,
      });
      expect(slots).toHaveLength(50);
    });
  });

  describe('DST', () => {
    it('New York spring-forward night: no slot in the gap, every real half hour once', () => {
      const slots = generateSlots({
        timeZone: 'America/New_York',
        date: '2026-03-08',
        durationMinutes: 30,
        weeklyHours: sundayOnly('00:00', '06:00'),
      });
      expect(slots.map((slot) => wall(slot, 'America/New_York'))).toEqual([
        '00:00',
        '00:30',
        '01:00',
        '01:30',
        '03:00',
        '03:30',
        '04:00',
        '04:30',
        '05:00',
        '05:30',
      ]);
    });

    it('New York fall-back night: the repeated hour is offered once per real instant', () => {
      const slots = generateSlots({
        timeZone: 'America/New_York',
        date: '2026-11-01',
        durationMinutes: 30,
        weeklyHours: sundayOnly('00:00', '04:00'),
      });
      expect(slots.map((slot) => wall(slot, 'America/New_York'))).toEqual([
        '00:00',
        '00:30',
        '01:00',
        '01:30',
        '01:00',
        '01:30',
        '02:00',
        '02:30',
        '03:00',
        '03:30',
      ]);
      expect(new Set(slots.map((slot) => slot.start.getTime())).size).toBe(slots.length);
      expect(slots[0]?.start.toISOString()).toBe('2026-11-01T04:00:00.000Z');
      expect(slots.at(-1)?.end.toISOString()).toBe('2026-11-01T09:00:00.000Z');
    });

    it('London on both change days, morning and afternoon hours at the right offsets', () => {
      const hours = {
        sunday: [
          { start: '09:00', end: '10:00' },
          { start: '15:00', end: '16:00' },
        ],
      };
      const spring = generateSlots({
        timeZone: 'Europe/London',
        date: '2026-03-29',
        durationMinutes: 30,
        weeklyHours: hours,
      });
      expect(spring.map((slot) => slot.start.toISOString().slice(11, 16))).toEqual([
        '08:00',
        '08:30',
        '14:00',
        '14:30',
      ]);
      const autumn = generateSlots({
        timeZone: 'Europe/London',
        date: '2026-10-25',
        durationMinutes: 30,
        weeklyHours: hours,
      });
      expect(autumn.map((slot) => slot.start.toISOString().slice(11, 16))).toEqual([
        '09:00',
        '09:30',
        '15:00',
        '15:30',
      ]);
      const night = generateSlots({
        timeZone: 'Europe/London',
        date: '2026-03-29',
        durationMinutes: 30,
        weeklyHours: sundayOnly('00:00', '04:00'),
      });
      expect(night).toHaveLength(6); // 00:00 GMT to 04:00 BST is three real hours
    });

    it('Lord Howe: the half-hour gap and the repeated half hour', () => {
      const gap = generateSlots({
        timeZone: 'Australia/Lord_Howe',
        date: '2026-10-04',
        durationMinutes: 30,
        weeklyHours: sundayOnly('01:00', '04:00'),
      });
      expect(gap.map((slot) => wall(slot, 'Australia/Lord_Howe'))).toEqual([
        '01:00',
        '01:30',
        '02:30',
        '03:00',
        '03:30',
      ]);
      const repeat = generateSlots({
        timeZone: 'Australia/Lord_Howe',
        date: '2026-04-05',
        durationMinutes: 30,
        weeklyHours: sundayOnly('01:00', '03:00'),
      });
      expect(repeat.map((slot) => slot.start.toISOString())).toEqual([
        '2026-04-04T14:00:00.000Z',
        '2026-04-04T14:30:00.000Z',
        '2026-04-04T15:00:00.000Z',
        '2026-04-04T15:30:00.000Z',
        '2026-04-04T16:00:00.000Z',
      ]);
      const afternoon = generateSlots({
        timeZone: 'Australia/Lord_Howe',
        date: '2026-10-04',
        durationMinutes: 60,
        stepMinutes: 60,
        weeklyHours: sundayOnly('14:00', '16:00'),
      });
      expect(afternoon.map((slot) => slot.start.toISOString())).toEqual([
        '2026-10-04T03:00:00.000Z',
        '2026-10-04T04:00:00.000Z',
      ]);
    });

    it('working hours that lie wholly in a gap give no slot', () => {
      expect(
        generateSlots({
          timeZone: 'America/New_York',
          date: '2026-03-08',
          durationMinutes: 15,
          weeklyHours: sundayOnly('02:00', '02:45'),
        }),
      ).toEqual([]);
    });
  });

  describe('busy time, buffers, notice and horizon', () => {
    const zone = 'Europe/London';
    const base = { timeZone: zone, date: '2026-03-02', durationMinutes: 30, includeUnavailable: true } as const;

    it('marks slots meeting a booking unavailable; touching slots stay free', () => {
      const busy = [{ start: local('2026-03-02T09:00', zone), end: local('2026-03-02T10:00', zone) }];
      const slots = generateSlots({ ...base, busy });
      const unavailable = slots.filter((slot) => !slot.available).map((slot) => wall(slot, zone));
      expect(unavailable).toEqual(['09:00', '09:30']);
    });

    it('keeps the new booking’s buffers free too', () => {
      const busy = [{ start: local('2026-03-02T09:00', zone), end: local('2026-03-02T10:00', zone) }];
      const slots = generateSlots({ ...base, busy, bufferBeforeMinutes: 10, bufferAfterMinutes: 5 });
      const unavailable = slots.filter((slot) => !slot.available).map((slot) => wall(slot, zone));
      expect(unavailable).toEqual(['08:30', '09:00', '09:30', '10:00']);
    });

    it('respects minimum notice and the booking horizon', () => {
      const now = local('2026-03-02T09:10', zone);
      const today = generateSlots({ ...base, now, minimumNoticeMinutes: 60 });
      expect(today.find((slot) => slot.available)?.start).toEqual(local('2026-03-02T10:30', zone));
      const ahead = generateSlots({
        timeZone: zone,
        from: '2026-03-02',
        to: '2026-03-10',
        durationMinutes: 30,
        now,
        horizonDays: 7,
      });
      expect(ahead.at(-1)?.start).toEqual(local('2026-03-09T09:00', zone));
    });

    it('without includeUnavailable returns only the available slots', () => {
      const busy = [{ start: local('2026-03-02T08:00', zone), end: local('2026-03-02T17:00', zone) }];
      const slots = generateSlots({ timeZone: zone, date: '2026-03-02', durationMinutes: 30, busy });
      expect(slots.map((slot) => wall(slot, zone))).toEqual(['17:00', '17:30']);
    });
  });

  describe('validation', () => {
    it.each([
      [{ timeZone: 'Nowhere/Land' }, 'timeZone'],
      [{ date: '2026-02-30' }, 'date'],
      [{ durationMinutes: 14 }, 'durationMinutes'],
      [{ durationMinutes: 481 }, 'durationMinutes'],
      [{ stepMinutes: 0 }, 'stepMinutes'],
      [{ bufferAfterMinutes: 241 }, 'bufferAfterMinutes'],
      [{ weeklyHours: { monday: [{ start: '9:00', end: '10:00' }] } }, 'weeklyHours.monday[0].start'],
      [{ weeklyHours: { monday: [{ start: '10:00', end: '10:00' }] } }, 'weeklyHours.monday[0].end'],
      [{ weeklyHours: { funday: [] } }, 'weeklyHours.funday'],
      [{ dateOverrides: { tomorrow: [] } }, 'dateOverrides.tomorrow'],
      [{ busy: [{ start: new Date('nope'), end: new Date() }] }, 'busy[0]'],
      [{ now: new Date('nope') }, 'now'],
    ])('refuses %j naming %s', (override, path) => {
      const options = { timeZone: 'UTC', date: '2026-03-02', durationMinutes: 30, ...override } as GenerateSlotsOptions;
      expect(validationPaths(() => generateSlots(options))).toEqual([path]);
    });

    it('refuses a reversed or too long range', () => {
      expect(
        validationPaths(() =>
          generateSlots({ timeZone: 'UTC', from: '2026-03-02', to: '2026-03-01', durationMinutes: 30 }),
        ),
      ).toEqual(['to']);
      expect(
        validationPaths(() =>
          generateSlots({ timeZone: 'UTC', from: '2026-01-01', to: '2027-01-02', durationMinutes: 30 }),
        ),
      ).toEqual(['to']);
    });
  });

  describe('properties', () => {
    const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'];
    // Interval edges from 05:00 on quarter hours: every DST change in these zones happens before
    // 05:00, so the reference below can convert edges with luxon without meeting a gap.
    const intervalArbitrary = fc
      .tuple(fc.integer({ min: 20, max: 95 }), fc.integer({ min: 1, max: 40 }))
      .map(([startQuarter, quarters]): LocalInterval => {
        const end = Math.min(startQuarter + quarters, 96);
        const hhmm = (q: number) =>
          `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
        return { start: hhmm(startQuarter), end: hhmm(end) };
      });
    const weeklyArbitrary = fc
      .array(fc.tuple(fc.constantFrom(...WEEKDAYS), fc.array(intervalArbitrary, { maxLength: 3 })), { maxLength: 7 })
      .map((entries): WeeklyHours => Object.fromEntries(entries));
    const optionsArbitrary = fc.record({
      timeZone: fc.constantFrom(...ZONES),
      // a start day in 2026 (DST changes included) and a span of up to 10 days
      firstDay: fc.integer({ min: 0, max: 364 }),
      span: fc.integer({ min: 0, max: 9 }),
      weeklyHours: weeklyArbitrary,
      durationMinutes: fc.integer({ min: 15, max: 180 }),
      stepMinutes: fc.constantFrom(5, 10, 15, 20, 30, 45, 60),
      bufferBeforeMinutes: fc.integer({ min: 0, max: 30 }),
      bufferAfterMinutes: fc.integer({ min: 0, max: 30 }),
      minimumNoticeMinutes: fc.integer({ min: 0, max: 2000 }),
      horizonDays: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
      nowOffsetMinutes: fc.integer({ min: -3000, max: 12_000 }),
      busy: fc.array(fc.tuple(fc.integer({ min: 0, max: 14_400 }), fc.integer({ min: 1, max: 240 })), {
        maxLength: 40,
      }),
    });

    type Drawn = ValueOf<typeof optionsArbitrary>;

    function materialise(drawn: Drawn) {
      const firstDate = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone: drawn.timeZone }).plus({
        days: drawn.firstDay,
      });
      const base = firstDate.toMillis();
      const busy: TimeRange[] = drawn.busy.map(([offset, length]) => ({
        start: new Date(base + offset * 60_000),
        end: new Date(base + (offset + length) * 60_000),
      }));
      return {
        firstDate,
        lastDate: firstDate.plus({ days: drawn.span }),
        now: new Date(base + drawn.nowOffsetMinutes * 60_000),
        busy,
      };
    }

    /** The simple model: luxon converts each interval, slots are stepped, every busy range is compared. */
    function referenceSlots(drawn: Drawn, firstDate: DateTime, days: number, now: Date, busy: TimeRange[]) {
      const slots: TimeSlot[] = [];
      const minute = 60_000;
      const horizonEnd =
        drawn.horizonDays === undefined
          ? Number.POSITIVE_INFINITY
          : DateTime.fromJSDate(now, { zone: drawn.timeZone }).plus({ days: drawn.horizonDays }).toMillis();
      for (let d = 0; d < days; d++) {
        const date = firstDate.plus({ days: d });
        const weekday = WEEKDAYS[date.weekday - 1] ?? 'monday';
        const intervals = [...(drawn.weeklyHours[weekday] ?? [])]
          .map(({ start, end }) => [toMinutes(start), toMinutes(end)] as [number, number])
          .sort((a, b) => a[0] - b[0]);
        const merged: Array<[number, number]> = [];
        for (const interval of intervals) {
          const last = merged.at(-1);
          if (last && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
          else merged.push([...interval]);
        }
        for (const [startMinute, endMinute] of merged) {
          // Wall-clock edges: set the local hour and minute (adding minutes would count real time).
          const atMinute = (m: number) =>
            date
              .startOf('day')
              .set({ hour: Math.floor(m / 60), minute: m % 60 })
              .toMillis();
          const intervalStart = atMinute(startMinute);
          const intervalEnd =
            endMinute === 1440 ? date.plus({ days: 1 }).startOf('day').toMillis() : atMinute(endMinute);
          for (
            let start = intervalStart;
            start + drawn.durationMinutes * minute <= intervalEnd;
            start += drawn.stepMinutes * minute
          ) {
            const end = start + drawn.durationMinutes * minute;
            const occupied = {
              start: start - drawn.bufferBeforeMinutes * minute,
              end: end + drawn.bufferAfterMinutes * minute,
            };
            const free = busy.every((b) => b.end.getTime() <= occupied.start || b.start.getTime() >= occupied.end);
            const earliest = now.getTime() + drawn.minimumNoticeMinutes * minute;
            const reasons: UnavailableReason[] = [
              ...(start < earliest
                ? [{ code: 'MIN_NOTICE' as const, earliestStart: new Date(earliest) }]
                : start > horizonEnd
                  ? [{ code: 'BEYOND_HORIZON' as const, latestStart: new Date(horizonEnd) }]
                  : []),
              ...(free ? [] : [{ code: 'BOOKED' as const, appointmentIds: [] }]),
            ];
            slots.push({ start: new Date(start), end: new Date(end), available: reasons.length === 0, reasons });
          }
        }
      }
      return slots;
    }

    const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

    it('equals the simple model: inside working hours, free of busy time with buffers, within notice and horizon', () => {
      fc.assert(
        fc.property(optionsArbitrary, (drawn) => {
          const { firstDate, lastDate, now, busy } = materialise(drawn);
          const slots = generateSlots({
            ...drawn,
            from: firstDate.toISODate() ?? '',
            to: lastDate.toISODate() ?? '',
            now,
            busy,
            includeUnavailable: true,
          });
          expect(slots).toEqual(referenceSlots(drawn, firstDate, drawn.span + 1, now, busy));
          const onlyAvailable = generateSlots({
            ...drawn,
            from: firstDate.toISODate() ?? '',
            to: lastDate.toISODate() ?? '',
            now,
            busy,
          });
          expect(onlyAvailable).toEqual(slots.filter((slot) => slot.available));
        }),
        { numRuns: 300 },
      );
    });

    it('suggestSlots gives exactly the first N available slots generateSlots yields from `after`', () => {
      fc.assert(
        fc.property(
          optionsArbitrary,
          fc.integer({ min: -1440, max: 20_000 }),
          fc.integer({ min: 1, max: 12 }),
          (drawn, afterOffset, limit) => {
            const { firstDate, now, busy } = materialise(drawn);
            const after = new Date(firstDate.toMillis() + afterOffset * 60_000);
            const afterDate = DateTime.fromJSDate(after, { zone: drawn.timeZone });
            const common = { ...drawn, now, busy };
            const suggestions = suggestSlots({ ...common, after, limit });
            const all = generateSlots({
              ...common,
              from: afterDate.toISODate() ?? '',
              to: afterDate.plus({ days: 365 }).toISODate() ?? '',
            });
            const expected = all.filter((slot) => slot.start >= after).slice(0, limit);
            expect(suggestions).toEqual(expected);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});

describe('suggestSlots', () => {
  it('crosses days and skips the weekend', () => {
    const zone = 'America/New_York';
    const now = local('2026-03-06T17:10', zone); // a Friday
    const slots = suggestSlots({
      timeZone: zone,
      durationMinutes: 30,
      now,
      after: now,
      limit: 3,
      minimumNoticeMinutes: 20,
    });
    expect(slots.map((slot) => DateTime.fromJSDate(slot.start, { zone }).toFormat('ccc HH:mm'))).toEqual([
      'Fri 17:30',
      'Mon 08:00',
      'Mon 08:30',
    ]);
  });

  it('stops at the horizon', () => {
    const now = local('2026-03-06T17:40', 'UTC');
    expect(suggestSlots({ timeZone: 'UTC', durationMinutes: 30, now, after: now, limit: 5, horizonDays: 2 })).toEqual(
      [],
    );
  });

  it('refuses a bad limit or after', () => {
    const now = new Date('2026-03-06T17:40:00Z');
    expect(validationPaths(() => suggestSlots({ timeZone: 'UTC', durationMinutes: 30, after: now, limit: 0 }))).toEqual(
      ['limit'],
    );
    expect(
      validationPaths(() => suggestSlots({ timeZone: 'UTC', durationMinutes: 30, after: new Date('x'), limit: 2 })),
    ).toEqual(['after']);
  });
});
