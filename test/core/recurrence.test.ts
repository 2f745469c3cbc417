import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { expandRecurrence, type Recurrence } from '../../src/index.js';
import { validationPaths } from '../fixtures.js';

/** An instant from an unambiguous local time in a zone (the test's own reference conversion). */
const local = (text: string, zone: string) => DateTime.fromISO(text, { zone }).toJSDate();
const iso = (dates: readonly Date[]) => dates.map((date) => date.toISOString());
const wallClock = (date: Date, zone: string) => DateTime.fromJSDate(date, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");

function expand(start: Date | string, timeZone: string, recurrence: Recurrence): Date[] {
  return expandRecurrence({
    start: typeof start === 'string' ? local(start, timeZone) : start,
    timeZone,
    recurrence,
  });
}

describe('expandRecurrence', () => {
  describe('keeps the wall-clock time across DST', () => {
    it('weekly 09:00 in New York across spring-forward (8 March 2026)', () => {
      const dates = expand('2026-03-02T09:00', 'America/New_York', { frequency: 'weekly', maxOccurrences: 3 });
      expect(iso(dates)).toEqual(['2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z', '2026-03-16T13:00:00.000Z']);
    });

    it('weekly 15:30 in New York across fall-back (1 November 2026)', () => {
      const dates = expand('2026-10-26T15:30', 'America/New_York', { frequency: 'weekly', maxOccurrences: 2 });
      expect(iso(dates)).toEqual(['2026-10-26T19:30:00.000Z', '2026-11-02T20:30:00.000Z']);
    });

    it('daily 08:15 and 16:45 in London across 29 March and 25 October 2026', () => {
      for (const time of ['08:15', '16:45']) {
        const spring = expand(`2026-03-28T${time}`, 'Europe/London', { frequency: 'daily', maxOccurrences: 3 });
        expect(spring.map((date) => wallClock(date, 'Europe/London'))).toEqual([
          `2026-03-28T${time}`,
          `2026-03-29T${time}`,
          `2026-03-30T${time}`,
        ]);
        expect(spring[1]?.getTime()).toBe((spring[0]?.getTime() ?? 0) + 23 * 3_600_000);
        const autumn = expand(`2026-10-24T${time}`, 'Europe/London', { frequency: 'daily', maxOccurrences: 3 });
        expect(autumn[1]?.getTime()).toBe((autumn[0]?.getTime() ?? 0) + 25 * 3_600_000);
        expect(autumn.map((date) => wallClock(date, 'Europe/London'))).toEqual([
          `2026-10-24T${time}`,
          `2026-10-25T${time}`,
          `2026-10-26T${time}`,
        ]);
      }
    });

    it('weekly 10:00 and 14:00 on Lord Howe across its 30-minute shifts (5 April and 4 October 2026)', () => {
      const april = expand('2026-03-29T10:00', 'Australia/Lord_Howe', { frequency: 'weekly', maxOccurrences: 2 });
      expect(iso(april)).toEqual(['2026-03-28T23:00:00.000Z', '2026-04-04T23:30:00.000Z']);
      const october = expand('2026-09-27T14:00', 'Australia/Lord_Howe', { frequency: 'weekly', maxOccurrences: 2 });
      expect(iso(october)).toEqual(['2026-09-27T03:30:00.000Z', '2026-10-04T03:00:00.000Z']);
    });

    it('weekly in Kolkata (no DST) is a fixed UTC time, morning and afternoon', () => {
      for (const [time, utc] of [
        ['09:30', '04:00'],
        ['15:00', '09:30'],
      ]) {
        const dates = expand(`2026-03-02T${time}`, 'Asia/Kolkata', { frequency: 'weekly', maxOccurrences: 40 });
        expect(dates).toHaveLength(40);
        for (const date of dates) expect(date.toISOString().slice(11, 16)).toBe(utc);
      }
    });
  });

  describe('DST edge times', () => {
    it('moves a time in the New York spring-forward gap to the first valid instant', () => {
      const dates = expand('2026-03-07T02:30', 'America/New_York', { frequency: 'daily', maxOccurrences: 3 });
      // 02:30 on 8 March does not exist; the clocks jump from 02:00 EST to 03:00 EDT at 07:00Z.
      expect(iso(dates)).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    });

    it('takes the earlier instant of an ambiguous New York time (RFC 5545)', () => {
      const dates = expand('2026-10-31T01:30', 'America/New_York', { frequency: 'daily', maxOccurrences: 3 });
      // 01:30 happens twice on 1 November: 05:30Z (EDT) and 06:30Z (EST). The earlier wins.
      expect(iso(dates)).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });

    it('takes the earlier instant of an ambiguous London time', () => {
      const dates = expand('2026-10-24T01:30', 'Europe/London', { frequency: 'daily', maxOccurrences: 2 });
      expect(iso(dates)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z']);
    });

    it('handles the half-hour gap and overlap of Lord Howe', () => {
      const gap = expand('2026-10-03T02:15', 'Australia/Lord_Howe', { frequency: 'daily', maxOccurrences: 2 });
      // 02:00–02:30 is skipped on 4 October; the first valid instant is 02:30 (+11) = 15:30Z.
      expect(iso(gap)).toEqual(['2026-10-02T15:45:00.000Z', '2026-10-03T15:30:00.000Z']);
      const overlap = expand('2026-04-04T01:45', 'Australia/Lord_Howe', { frequency: 'daily', maxOccurrences: 2 });
      // 01:30–02:00 repeats on 5 April: 01:45 is 14:45Z (+11) and again 15:15Z (+10:30).
      expect(iso(overlap)).toEqual(['2026-04-03T14:45:00.000Z', '2026-04-04T14:45:00.000Z']);
    });

    it('keeps an ambiguous start exactly as given, even the later instant', () => {
      const later = new Date('2026-11-01T06:30:00Z'); // 01:30 EST, the second 01:30
      const dates = expand(later, 'America/New_York', { frequency: 'daily', maxOccurrences: 2 });
      expect(iso(dates)).toEqual(['2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });
  });

  describe('monthly and biweekly', () => {
    it('monthly on the 31st skips the months without one', () => {
      const dates = expand('2026-01-31T10:00', 'Europe/London', { frequency: 'monthly', maxOccurrences: 7 });
      expect(dates.map((date) => wallClock(date, 'Europe/London').slice(0, 10))).toEqual([
        '2026-01-31',
        '2026-03-31',
        '2026-05-31',
        '2026-07-31',
        '2026-08-31',
        '2026-10-31',
        '2026-12-31',
      ]);
    });

    it('monthly on 29 February repeats on the 29th and skips February of a common year', () => {
      const dates = expand('2028-02-29T14:00', 'America/New_York', { frequency: 'monthly', maxOccurrences: 13 });
      const days = dates.map((date) => wallClock(date, 'America/New_York'));
      expect(days.every((day) => day.endsWith('-29T14:00'))).toBe(true);
      expect(days.slice(-2)).toEqual(['2029-01-29T14:00', '2029-03-29T14:00']);
    });

    it('monthly every 3 months keeps the calendar day', () => {
      const dates = expand('2026-01-15T09:00', 'Asia/Kolkata', {
        frequency: 'monthly',
        interval: 3,
        maxOccurrences: 4,
      });
      expect(dates.map((date) => wallClock(date, 'Asia/Kolkata').slice(0, 10))).toEqual([
        '2026-01-15',
        '2026-04-15',
        '2026-07-15',
        '2026-10-15',
      ]);
    });

    it('biweekly is 14 local days apart, and interval 2 makes it 28', () => {
      const every2 = expand('2026-03-02T09:00', 'America/New_York', { frequency: 'biweekly', maxOccurrences: 4 });
      expect(every2.map((date) => wallClock(date, 'America/New_York'))).toEqual([
        '2026-03-02T09:00',
        '2026-03-16T09:00',
        '2026-03-30T09:00',
        '2026-04-13T09:00',
      ]);
      const every4 = expand('2026-03-02T09:00', 'America/New_York', {
        frequency: 'biweekly',
        interval: 2,
        maxOccurrences: 2,
      });
      expect(wallClock(every4[1] as Date, 'America/New_York')).toBe('2026-03-30T09:00');
    });
  });

  describe('ends and caps', () => {
    it('includes an occurrence exactly at an instant endDate', () => {
      const start = local('2026-03-02T09:00', 'Europe/London');
      const fourth = local('2026-03-23T09:00', 'Europe/London');
      expect(
        expandRecurrence({ start, timeZone: 'Europe/London', recurrence: { frequency: 'weekly', endDate: fourth } }),
      ).toHaveLength(4);
    });

    it('includes the whole local day of a date-only endDate', () => {
      const dates = expand('2026-03-02T17:00', 'America/New_York', { frequency: 'daily', endDate: '2026-03-05' });
      expect(dates.map((date) => wallClock(date, 'America/New_York'))).toEqual([
        '2026-03-02T17:00',
        '2026-03-03T17:00',
        '2026-03-04T17:00',
        '2026-03-05T17:00',
      ]);
    });

    it('caps an open-ended daily series at 100 occurrences', () => {
      expect(expand('2026-03-02T09:00', 'UTC', { frequency: 'daily' })).toHaveLength(100);
      expect(expand('2026-03-02T09:00', 'UTC', { frequency: 'daily', maxOccurrences: 100 })).toHaveLength(100);
    });

    it('caps a series at two years after its start, inclusive', () => {
      const monthly = expand('2026-01-15T09:00', 'Europe/London', { frequency: 'monthly' });
      expect(monthly).toHaveLength(25);
      expect(wallClock(monthly.at(-1) as Date, 'Europe/London')).toBe('2028-01-15T09:00');
      const biweekly = expand('2026-01-15T09:00', 'Europe/London', { frequency: 'biweekly' });
      expect(biweekly).toHaveLength(53);
    });

    it('stops at maxOccurrences', () => {
      expect(expand('2026-03-02T09:00', 'UTC', { frequency: 'weekly', maxOccurrences: 1 })).toHaveLength(1);
    });
  });

  describe('raw RRULE strings', () => {
    it('expands BYDAY rules in floating time, the start first', () => {
      const dates = expand('2026-03-03T11:00', 'America/New_York', { rrule: 'RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4' });
      expect(dates.map((date) => wallClock(date, 'America/New_York'))).toEqual([
        '2026-03-03T11:00',
        '2026-03-05T11:00',
        '2026-03-09T11:00',
        '2026-03-12T11:00',
      ]);
    });

    it('treats a UTC UNTIL as an instant and a floating one as local time', () => {
      const utc = expand('2026-03-02T09:00', 'America/New_York', { rrule: 'FREQ=DAILY;UNTIL=20260304T140000Z' });
      expect(utc).toHaveLength(3);
      const floating = expand('2026-03-02T09:00', 'America/New_York', { rrule: 'FREQ=DAILY;UNTIL=20260304T085959' });
      expect(floating).toHaveLength(2);
      const dateOnly = expand('2026-03-02T09:00', 'America/New_York', { rrule: 'FREQ=DAILY;UNTIL=20260304' });
      expect(dateOnly).toHaveLength(3);
    });

    it('caps COUNT at 100', () => {
      expect(expand('2026-03-02T09:00', 'UTC', { rrule: 'FREQ=DAILY;COUNT=500' })).toHaveLength(100);
    });

    it.each([
      ['DTSTART:20260302T090000Z\nRRULE:FREQ=DAILY'],
      ['FREQ=HOURLY;COUNT=3'],
      ['FREQ=DAILY;TZID=Europe/London'],
      ['NOT A RULE'],
      ['FREQ=DAILY;UNTIL=tomorrow'],
      ['FREQ=DAILY;UNTIL=20260101'],
    ])('refuses %j naming recurrence.rrule', (rrule) => {
      expect(validationPaths(() => expand('2026-03-02T09:00', 'UTC', { rrule }))).toEqual(['recurrence.rrule']);
    });
  });

  describe('validation', () => {
    it.each([
      [{ frequency: 'weekly', interval: 0 }, 'recurrence.interval'],
      [{ frequency: 'weekly', interval: 53 }, 'recurrence.interval'],
      [{ frequency: 'weekly', maxOccurrences: 0 }, 'recurrence.maxOccurrences'],
      [{ frequency: 'weekly', maxOccurrences: 101 }, 'recurrence.maxOccurrences'],
      [{ frequency: 'yearly' }, 'recurrence.frequency'],
      [{}, 'recurrence.frequency'],
      [{ frequency: 'weekly', endDate: '2026-02-30' }, 'recurrence.endDate'],
      [{ frequency: 'weekly', endDate: '2026-03-01' }, 'recurrence.endDate'],
      [{ frequency: 'weekly', rrule: 'FREQ=DAILY' }, 'recurrence.frequency'],
    ])('refuses %j naming %s', (recurrence, path) => {
      expect(validationPaths(() => expand('2026-03-02T09:00', 'UTC', recurrence as Recurrence))).toEqual([path]);
    });

    it('accepts the edges: interval 1 and 52, maxOccurrences 1 and 100', () => {
      expect(expand('2026-03-02T09:00', 'UTC', { frequency: 'weekly', interval: 52, maxOccurrences: 2 })).toHaveLength(
        2,
      );
      expect(expand('2026-03-02T09:00', 'UTC', { frequency: 'daily', interval: 1, maxOccurrences: 1 })).toHaveLength(1);
    });

    it('refuses an unknown time zone', () => {
      expect(validationPaths(() => expand(new Date(), 'Mars/Olympus_Mons', { frequency: 'daily' }))).toEqual([
        'timeZone',
      ]);
    });
  });

  describe('properties', () => {
    const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
    const STEP_DAYS = { daily: 1, weekly: 7, biweekly: 14 } as const;
    const startArbitrary = fc.record({
      zone: fc.constantFrom(...ZONES),
      // 2026-01-01 .. 2028-12-31, at any quarter hour
      dayOffset: fc.integer({ min: 0, max: 1095 }),
      quarter: fc.integer({ min: 0, max: 95 }),
    });

    it('daily, weekly and biweekly series: increasing, capped, same wall clock, evenly spaced local dates', () => {
      fc.assert(
        fc.property(
          startArbitrary,
          fc.constantFrom('daily', 'weekly', 'biweekly') as fc.Arbitrary<'daily' | 'weekly' | 'biweekly'>,
          fc.integer({ min: 1, max: 52 }),
          fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
          ({ zone, dayOffset, quarter }, frequency, interval, maxOccurrences) => {
            const first = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone })
              .plus({ days: dayOffset })
              .set({ hour: Math.floor(quarter / 4), minute: (quarter % 4) * 15 });
            const start = first.toJSDate();
            const dates = expandRecurrence({
              start,
              timeZone: zone,
              recurrence: { frequency, interval, ...(maxOccurrences !== undefined && { maxOccurrences }) },
            });
            expect(dates[0]?.getTime()).toBe(start.getTime());
            expect(dates.length).toBeLessThanOrEqual(Math.min(maxOccurrences ?? 100, 100));
            const twoYearsOn = first.plus({ years: 2 }).toMillis();
            const startLocal = DateTime.fromJSDate(start, { zone });
            dates.forEach((date, index) => {
              if (index > 0) expect(date.getTime()).toBeGreaterThan((dates[index - 1] as Date).getTime());
              expect(date.getTime()).toBeLessThanOrEqual(twoYearsOn + 3_600_000);
              const expectedDay = startLocal.startOf('day').plus({ days: index * STEP_DAYS[frequency] * interval });
              const wanted = expectedDay.set({ hour: startLocal.hour, minute: startLocal.minute });
              const actual = DateTime.fromJSDate(date, { zone });
              const inGap = wanted.hour !== startLocal.hour || wanted.minute !== startLocal.minute;
              if (inGap) {
                // The wall time does not exist that day: the result is the first instant after the jump.
                expect(actual.toISODate()).toBe(expectedDay.toISODate());
                expect(zone === 'Asia/Kolkata' || zone === 'UTC').toBe(false);
              } else {
                expect(actual.toFormat("yyyy-MM-dd'T'HH:mm")).toBe(wanted.toFormat("yyyy-MM-dd'T'HH:mm"));
              }
            });
            if (maxOccurrences === undefined && dates.length < 100) {
              // Stopped by the two-year cap: the next occurrence would lie beyond it.
              const next = startLocal.startOf('day').plus({ days: dates.length * STEP_DAYS[frequency] * interval });
              expect(next.toMillis()).toBeGreaterThan(first.plus({ years: 2 }).startOf('day').toMillis() - 1);
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('monthly series: the same day of the month, months lacking it skipped', () => {
      fc.assert(
        fc.property(startArbitrary, fc.integer({ min: 1, max: 12 }), ({ zone, dayOffset, quarter }, interval) => {
          const first = DateTime.fromObject(
            { year: 2026, month: 1, day: 1, hour: Math.floor(quarter / 4) },
            { zone },
          ).plus({
            days: dayOffset,
          });
          const dates = expandRecurrence({
            start: first.toJSDate(),
            timeZone: zone,
            recurrence: { frequency: 'monthly', interval },
          });
          // Reference model: walk the months by `interval`, keep those that have the day.
          const expected: string[] = [];
          for (let step = 0; expected.length < 100; step++) {
            const month = first.startOf('month').plus({ months: step * interval });
            if (month > first.plus({ years: 2 })) break;
            if (first.day <= (month.daysInMonth ?? 0)) expected.push(month.set({ day: first.day }).toISODate() ?? '');
          }
          const actual = dates.map((date) => DateTime.fromJSDate(date, { zone }).toISODate());
          expect(actual).toEqual(expected.filter((day) => day <= (first.plus({ years: 2 }).toISODate() ?? '')));
        }),
        { numRuns: 300 },
      );
    });
  });
});
