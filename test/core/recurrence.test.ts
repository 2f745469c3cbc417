import fc from 'fast-check';
import { DateTime } from 'luxon';
import * as rruleModule from 'rrule';
import { describe, expect, it } from 'vitest';
import { expandRecurrence, type Recurrence, ValidationError } from '../../src/index.js';
import { normalizeRecurrenceRule } from '../../src/rrule-grammar.js';
import { validationPaths } from '../fixtures.js';

const { RRule } = 'RRule' in rruleModule ? rruleModule : (rruleModule as { default: typeof rruleModule }).default;

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
    it('reads a time in the New York spring-forward gap with the offset from before the gap (RFC 5545)', () => {
      const dates = expand('2026-03-07T02:30', 'America/New_York', { frequency: 'daily', maxOccurrences: 3 });
      // 02:30 on 8 March does not exist (the clocks jump from 02:00 EST to 03:00 EDT at 07:00Z):
      // 02:30 EST is 07:30Z, which the clocks show as 03:30 EDT.
      expect(iso(dates)).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
      expect(wallClock(dates[1] as Date, 'America/New_York')).toBe('2026-03-08T03:30');
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
      // 02:00–02:30 is skipped on 4 October: 02:15 at the old +10:30 is 15:45Z, shown as 02:45 (+11).
      expect(iso(gap)).toEqual(['2026-10-02T15:45:00.000Z', '2026-10-03T15:45:00.000Z']);
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

    it('refuses a COUNT above 100 and accepts 100', () => {
      expect(validationPaths(() => expand('2026-03-02T09:00', 'UTC', { rrule: 'FREQ=DAILY;COUNT=500' }))).toEqual([
        'recurrence.rrule',
      ]);
      expect(validationPaths(() => expand('2026-03-02T09:00', 'UTC', { rrule: 'FREQ=DAILY;COUNT=101' }))).toEqual([
        'recurrence.rrule',
      ]);
      expect(expand('2026-03-02T09:00', 'UTC', { rrule: 'FREQ=DAILY;COUNT=100' })).toHaveLength(100);
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
                // The wall time does not exist that day: luxon moves it forward by the gap's
                // length, which is RFC 5545's reading (the offset from before the gap).
                expect(actual.toMillis()).toBe(wanted.toMillis());
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

  describe('RFC 5545 regressions', () => {
    const codeOf = (action: () => unknown) => {
      try {
        action();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((issue) => `${issue.path}:${issue.code}`);
      }
      throw new Error('expected a ValidationError');
    };

    it('counts the start toward COUNT even when the rule does not produce it', () => {
      // Tuesday 09:00 in New York; the rule names Mondays.
      const start = new Date('2026-03-03T14:00:00Z');
      const one = expandRecurrence({
        start,
        timeZone: 'America/New_York',
        recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=1' },
      });
      expect(iso(one)).toEqual(['2026-03-03T14:00:00.000Z']);
      const two = expandRecurrence({
        start,
        timeZone: 'America/New_York',
        recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=2' },
      });
      expect(iso(two)).toEqual(['2026-03-03T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    });

    it('counts distinct instants when a skipped day makes two wall times one instant (Apia, 30 December 2011)', () => {
      const dates = expandRecurrence({
        start: new Date('2011-12-28T10:00:00Z'), // 00:00 on 28 December at −10:00
        timeZone: 'Pacific/Apia',
        recurrence: { frequency: 'daily', maxOccurrences: 5 },
      });
      // 30 December never happened: its midnight, read at −10:00, is the midnight of 31 December at +14:00.
      expect(iso(dates)).toEqual([
        '2011-12-28T10:00:00.000Z',
        '2011-12-29T10:00:00.000Z',
        '2011-12-30T10:00:00.000Z',
        '2011-12-31T10:00:00.000Z',
        '2012-01-01T10:00:00.000Z',
      ]);
    });

    it('gives COUNT occurrences across the New York spring-forward gap', () => {
      const dates = expandRecurrence({
        start: new Date('2026-03-07T07:00:00Z'), // 02:00 EST
        timeZone: 'America/New_York',
        recurrence: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0,30;COUNT=4' },
      });
      expect(iso(dates)).toEqual([
        '2026-03-07T07:00:00.000Z',
        '2026-03-07T07:30:00.000Z',
        '2026-03-08T07:00:00.000Z', // 02:00 EST, shown as 03:00 EDT
        '2026-03-08T07:30:00.000Z', // 02:30 EST, shown as 03:30 EDT
      ]);
    });

    it('sorts a gap time that lands after a later wall time (Lord Howe, 4 October 2026)', () => {
      const dates = expand('2026-10-03T02:15', 'Australia/Lord_Howe', {
        rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=15,35;COUNT=4',
      });
      // On 4 October 02:15 lies in the half-hour gap and becomes 02:45 (+11), after 02:35.
      expect(dates.map((date) => wallClock(date, 'Australia/Lord_Howe'))).toEqual([
        '2026-10-03T02:15',
        '2026-10-03T02:35',
        '2026-10-04T02:35',
        '2026-10-04T02:45',
      ]);
      expect(iso(dates)).toEqual([
        '2026-10-02T15:45:00.000Z',
        '2026-10-02T16:05:00.000Z',
        '2026-10-03T15:35:00.000Z',
        '2026-10-03T15:45:00.000Z',
      ]);
    });

    it('reads a gap time in a raw rule like in a pattern, and keeps the earlier of a repeated time', () => {
      const gap = expand('2026-03-07T02:30', 'America/New_York', { rrule: 'FREQ=DAILY;COUNT=2' });
      expect(iso(gap)).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z']);
      const fold = expand('2026-10-31T01:30', 'America/New_York', { rrule: 'FREQ=DAILY;BYMINUTE=30,45;COUNT=4' });
      expect(iso(fold)).toEqual([
        '2026-10-31T05:30:00.000Z',
        '2026-10-31T05:45:00.000Z',
        '2026-11-01T05:30:00.000Z', // 01:30 EDT, the earlier of the two
        '2026-11-01T05:45:00.000Z',
      ]);
    });

    it('drops a rule time that maps before an ambiguous start given as its later instant', () => {
      const later = new Date('2026-11-01T06:30:00Z'); // 01:30 EST, the second 01:30
      const dates = expandRecurrence({
        start: later,
        timeZone: 'America/New_York',
        recurrence: { rrule: 'FREQ=DAILY;BYMINUTE=30,45;COUNT=3' },
      });
      // 01:45 that night is read as 01:45 EDT = 05:45Z, before the start: not an occurrence.
      expect(iso(dates)).toEqual(['2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-02T06:45:00.000Z']);
    });

    it('makes a series of one when UNTIL or endDate equals the start', () => {
      const start = '2026-03-02T09:00';
      expect(iso(expand(start, 'UTC', { rrule: 'FREQ=DAILY;UNTIL=20260302T090000Z' }))).toEqual([
        '2026-03-02T09:00:00.000Z',
      ]);
      expect(expand(start, 'America/New_York', { rrule: 'FREQ=DAILY;UNTIL=20260302T090000' })).toHaveLength(1);
      expect(expand(start, 'America/New_York', { rrule: 'FREQ=DAILY;UNTIL=20260302' })).toHaveLength(1);
      expect(expand(start, 'UTC', { frequency: 'daily', endDate: new Date('2026-03-02T09:00:00Z') })).toHaveLength(1);
      expect(expand(start, 'UTC', { frequency: 'daily', endDate: '2026-03-02' })).toHaveLength(1);
    });

    it('still refuses an end strictly before the start', () => {
      expect(codeOf(() => expand('2026-03-02T09:00', 'UTC', { rrule: 'FREQ=DAILY;UNTIL=20260302T085959Z' }))).toEqual([
        'recurrence.rrule:end_before_start',
      ]);
      expect(
        codeOf(() => expand('2026-03-02T09:00', 'America/New_York', { rrule: 'FREQ=DAILY;UNTIL=20260302T085959' })),
      ).toEqual(['recurrence.rrule:end_before_start']);
      expect(codeOf(() => expand('2026-03-02T09:00', 'UTC', { rrule: 'FREQ=DAILY;UNTIL=20260301' }))).toEqual([
        'recurrence.rrule:end_before_start',
      ]);
      expect(
        codeOf(() =>
          expand('2026-03-02T09:00', 'UTC', { frequency: 'daily', endDate: new Date('2026-03-02T08:59:59Z') }),
        ),
      ).toEqual(['recurrence.endDate:end_before_start']);
    });

    it('refuses a rule with no occurrence in the two-year window, even when COUNT or UNTIL would stop it at once', () => {
      for (const rrule of [
        'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
        'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=1',
        'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20260302T090000Z',
        'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6',
        'FREQ=YEARLY;INTERVAL=5',
      ]) {
        expect(
          codeOf(() => expand('2026-03-02T09:00', 'UTC', { rrule })),
          rrule,
        ).toEqual(['recurrence.rrule:never_matches']);
      }
      // A matching rule stopped at once by COUNT=1 is a series of one, not an error.
      expect(expand('2026-03-02T09:00', 'UTC', { rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28;COUNT=1' })).toHaveLength(
        1,
      );
      // 29 February 2028 is within two years of 1 March 2026; the rule matches.
      expect(expand('2026-03-01T09:00', 'UTC', { rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29' })).toHaveLength(2);
      // A pattern whose interval outlasts the window stays a series of one.
      expect(expand('2026-03-02T09:00', 'UTC', { frequency: 'monthly', interval: 30 })).toHaveLength(1);
    });

    it('expands starts near the ends of the calendar rrule knows, and refuses one past what Date holds', () => {
      const late = expand('9999-06-01T09:00', 'UTC', { rrule: 'FREQ=MONTHLY;BYDAY=-1FR' });
      expect(late).toHaveLength(25);
      expect(wallClock(late.at(-1) as Date, 'UTC')).toBe('10001-05-25T09:00');
      const early = expand('0001-01-01T00:00', 'UTC', { frequency: 'monthly' });
      expect(early).toHaveLength(25);
      expect(early[24]?.toISOString()).toBe('0003-01-01T00:00:00.000Z');
      expect(validationPaths(() => expand(new Date(8.64e15 - 86_400_000), 'UTC', { frequency: 'daily' }))).toEqual([
        'start',
      ]);
    });
  });

  describe('the 400-year shift', () => {
    // Zones with one fixed offset (minutes east of UTC), so the reference needs no zone rules.
    const FIXED_ZONES = [
      ['UTC', 0],
      ['Etc/GMT-14', 14 * 60],
      ['Etc/GMT+12', -12 * 60],
      ['Etc/GMT-5', 5 * 60],
    ] as const;
    const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
    const DAY_MS = 86_400_000;

    // Each part present one time in three, so that most rules still match within two years.
    const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
      fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
    const list = (values: fc.Arbitrary<number>, max: number) =>
      sometimes(fc.uniqueArray(values, { minLength: 1, maxLength: max }));
    const signed = (max: number) => fc.integer({ min: 1, max }).chain((value) => fc.constantFrom(value, -value));

    /** Valid rules, most of which match within two years. */
    const validRule = fc
      .record({
        freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
        interval: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        count: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        untilDays: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
        byMonth: list(fc.integer({ min: 1, max: 12 }), 4),
        byMonthDay: list(signed(28), 3),
        byYearDay: list(signed(365), 3),
        byWeekNo: list(signed(52), 2),
        byDay: sometimes(
          fc.uniqueArray(fc.tuple(fc.constantFrom(...WEEKDAYS), fc.option(signed(4), { nil: undefined })), {
            minLength: 1,
            maxLength: 3,
            selector: ([day, ordinal]) => `${ordinal ?? ''}${day}`,
          }),
        ),
        byHour: list(fc.integer({ min: 0, max: 23 }), 2),
        byMinute: list(fc.integer({ min: 0, max: 59 }), 2),
        bySetPos: list(signed(3), 2),
        wkst: sometimes(fc.constantFrom(...WEEKDAYS)),
      })
      .map((rule) => {
        const yearly = rule.freq === 'YEARLY';
        const numbered = (rule.freq === 'MONTHLY' || yearly) && !(yearly && rule.byWeekNo);
        const parts = [`FREQ=${rule.freq}`];
        if (rule.interval) parts.push(`INTERVAL=${rule.interval}`);
        if (rule.count) parts.push(`COUNT=${rule.count}`);
        if (rule.byMonth) parts.push(`BYMONTH=${rule.byMonth.join(',')}`);
        if (rule.byMonthDay && rule.freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${rule.byMonthDay.join(',')}`);
        if (rule.byYearDay && yearly) parts.push(`BYYEARDAY=${rule.byYearDay.join(',')}`);
        if (rule.byWeekNo && yearly) parts.push(`BYWEEKNO=${rule.byWeekNo.join(',')}`);
        if (rule.byDay) {
          parts.push(
            `BYDAY=${rule.byDay.map(([day, ordinal]) => `${numbered ? (ordinal ?? '') : ''}${day}`).join(',')}`,
          );
        }
        if (rule.byHour) parts.push(`BYHOUR=${rule.byHour.join(',')}`);
        if (rule.byMinute) parts.push(`BYMINUTE=${rule.byMinute.join(',')}`);
        if (rule.bySetPos && parts.some((part) => part.startsWith('BY')))
          parts.push(`BYSETPOS=${rule.bySetPos.join(',')}`);
        if (rule.wkst) parts.push(`WKST=${rule.wkst}`);
        return { parts, untilDays: rule.count ? undefined : rule.untilDays };
      });

    /** A start anywhere in the years 100–9990, weighted towards today and century edges. */
    const startArbitrary = fc
      .tuple(
        fc.oneof(
          fc.integer({ min: 100, max: 9990 }),
          fc.integer({ min: 1990, max: 2110 }),
          fc.constantFrom(1899, 1900, 1999, 2000, 2098, 2099, 2100, 2399, 2400, 9599, 9600, 9990),
        ),
        fc.integer({ min: 0, max: 365 }),
        fc.integer({ min: 0, max: 95 }),
      )
      .map(([year, day, quarter]) => {
        const date = new Date(0);
        date.setUTCFullYear(year, 0, 1 + day);
        return date.getTime() + quarter * 15 * 60_000;
      });

    const untilText = (epochMs: number) => `${new Date(epochMs).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;

    // Three times the periods of a two-year window, per FREQ.
    const REFERENCE_PERIODS: Record<number, number> = {
      [RRule.DAILY]: 3 * 732,
      [RRule.WEEKLY]: 3 * 106,
      [RRule.MONTHLY]: 3 * 26,
      [RRule.YEARLY]: 3 * 4,
    };

    /**
     * Reference model: rrule run plainly (no shift) in floating time over the two-year window,
     * from rrule's own reading of the canonical text. Its walk is capped (rrule ends its loop
     * when it reads an interval of 0) well past the window, so that a rule that never matches
     * does not search to year 9999 here either.
     */
    function reference(startMs: number, offsetMinutes: number, rrule: string): number[] | 'never' {
      const offset = offsetMinutes * 60_000;
      const floatingStart = startMs + offset;
      const { count, until, ...options } = RRule.parseString(normalizeRecurrenceRule(rrule));
      const windowEnd = new Date(floatingStart);
      windowEnd.setUTCFullYear(windowEnd.getUTCFullYear() + 2);
      const expander = new RRule({ ...options, dtstart: new Date(floatingStart), until: windowEnd });
      const { interval, freq } = expander.options;
      const maxReads = 2 * (REFERENCE_PERIODS[freq] ?? 0);
      let reads = 0;
      Object.defineProperty(expander.options, 'interval', {
        configurable: true,
        get: () => (++reads > maxReads ? 0 : interval),
      });
      const later = expander
        .all()
        .map((date) => date.getTime())
        .filter((floating) => floating > floatingStart);
      if (later.length === 0) return 'never';
      const instants = later
        .map((floating) => floating - offset)
        .filter((instant) => !until || instant <= until.getTime());
      // rrule repeats a date that two BYSETPOS values pick; a recurrence set holds it once.
      return [startMs, ...new Set(instants)].slice(0, Math.min(count ?? 100, 100));
    }

    it('changes nothing: the same series as rrule run plainly, for rules and starts across the calendar', () => {
      let compared = 0;
      fc.assert(
        fc.property(validRule, startArbitrary, fc.constantFrom(...FIXED_ZONES), (rule, startMs, [zone, offset]) => {
          const parts = [...rule.parts];
          if (rule.untilDays !== undefined) parts.push(`UNTIL=${untilText(startMs + rule.untilDays * DAY_MS)}`);
          const rrule = parts.join(';');
          const expected = reference(startMs, offset, rrule);
          let actual: number[] | 'never';
          try {
            actual = expandRecurrence({ start: new Date(startMs), timeZone: zone, recurrence: { rrule } }).map((date) =>
              date.getTime(),
            );
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            expect((error as ValidationError).issues[0]?.code).toBe('never_matches');
            actual = 'never';
          }
          expect(actual).toEqual(expected);
          if (actual !== 'never') compared += 1;
        }),
        { numRuns: 400 },
      );
      expect(compared).toBeGreaterThan(100);
    }, 60_000);
  });
});
