import fc from 'fast-check';
import * as rruleModule from 'rrule';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expandRecurrence, ValidationError } from '../../src/index.js';
import {
  formatRecurrenceRule,
  normalizeRecurrenceRule,
  parseRecurrenceRule,
  RRULE_LIMITS,
} from '../../src/rrule-grammar.js';

const { RRule } = 'RRule' in rruleModule ? rruleModule : (rruleModule as { default: typeof rruleModule }).default;
type RRuleInstance = InstanceType<typeof RRule>;

const START = new Date('2026-03-02T09:00:00Z');

/** The issues of the ValidationError `action` throws; fails the test on any other outcome. */
function issuesOf(action: () => unknown) {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

const expand = (rrule: string, start = START, timeZone = 'UTC') =>
  expandRecurrence({ start, timeZone, recurrence: { rrule } });

/**
 * How much work rrule did, counted from outside: rrule reads `options.interval` once on entry
 * and twice for every period (day, week, month or year) it walks. Each `all()` call gets a
 * counting wrapper around whatever `interval` the expander left there.
 */
interface RRuleRun {
  reads: number;
  dtstartYear: number;
  untilYear: number;
}

function watchRRule(options: { dropPeriodBudget?: boolean } = {}): RRuleRun[] {
  const runs: RRuleRun[] = [];
  const all = RRule.prototype.all;
  vi.spyOn(RRule.prototype, 'all').mockImplementation(function (
    this: RRuleInstance,
    iterator?: (date: Date, length: number) => boolean,
  ) {
    const run: RRuleRun = {
      reads: 0,
      dtstartYear: this.options.dtstart.getUTCFullYear(),
      untilYear: this.options.until?.getUTCFullYear() ?? Number.NaN,
    };
    runs.push(run);
    const inner = Object.getOwnPropertyDescriptor(this.options, 'interval');
    const plain = this.origOptions.interval ?? 1;
    const read = (): number => (options.dropPeriodBudget ? plain : (inner?.get?.() ?? inner?.value));
    Object.defineProperty(this.options, 'interval', {
      configurable: true,
      get: () => {
        run.reads += 1;
        return read();
      },
    });
    return all.call(this, iterator);
  });
  return runs;
}

afterEach(() => {
  vi.restoreAllMocks();
});

// The most periods one expansion may walk: a daily rule's two-year window (731 days) and a few
// to spare; weekly, monthly and yearly rules walk far fewer.
const MAX_PERIODS = 740;

describe('parseRecurrenceRule', () => {
  it.each([
    ['FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4', 'FREQ=WEEKLY;COUNT=4;BYDAY=MO,TH'],
    ['  RRULE:freq=weekly;byday=th,mo;count=04  ', 'FREQ=WEEKLY;COUNT=4;BYDAY=MO,TH'],
    ['rrule:Freq=Monthly;ByDay=-1fr,+2Mo;wkst=su', 'FREQ=MONTHLY;BYDAY=2MO,-1FR;WKST=SU'],
    ['FREQ=MONTHLY;BYMONTHDAY=+05,-1,5,15', 'FREQ=MONTHLY;BYMONTHDAY=-1,5,15'],
    ['FREQ=DAILY;UNTIL=20260304t140000z', 'FREQ=DAILY;UNTIL=20260304T140000Z'],
    ['FREQ=DAILY;UNTIL=20280229', 'FREQ=DAILY;UNTIL=20280229'],
    [
      'INTERVAL=0002;FREQ=YEARLY;BYMONTH=3,1;BYSETPOS=-1;BYDAY=SU',
      'FREQ=YEARLY;INTERVAL=2;BYDAY=SU;BYMONTH=1,3;BYSETPOS=-1',
    ],
    ['FREQ=YEARLY;BYWEEKNO=20,-1;BYDAY=MO', 'FREQ=YEARLY;BYDAY=MO;BYWEEKNO=-1,20'],
    ['FREQ=YEARLY;BYYEARDAY=366,-366,1;BYDAY=53MO,-53SU', 'FREQ=YEARLY;BYDAY=53MO,-53SU;BYYEARDAY=-366,1,366'],
    ['FREQ=DAILY;BYSECOND=60,0;BYMINUTE=59;BYHOUR=23,0', 'FREQ=DAILY;BYSECOND=0,60;BYMINUTE=59;BYHOUR=0,23'],
    [`FREQ=DAILY;COUNT=${100};INTERVAL=9999`, 'FREQ=DAILY;COUNT=100;INTERVAL=9999'],
  ])('reads %j as %j', (text, canonical) => {
    expect(normalizeRecurrenceRule(text)).toBe(canonical);
    expect(parseRecurrenceRule(canonical)).toEqual(parseRecurrenceRule(text));
  });

  it('gives a typed structure', () => {
    expect(parseRecurrenceRule('FREQ=MONTHLY;BYDAY=-1FR,MO;UNTIL=20261231T235959Z')).toEqual({
      freq: 'MONTHLY',
      until: { kind: 'date-time', year: 2026, month: 12, day: 31, hour: 23, minute: 59, second: 59, utc: true },
      byDay: [{ weekday: 'MO' }, { weekday: 'FR', ordinal: -1 }],
    });
    expect(parseRecurrenceRule('FREQ=DAILY;UNTIL=20260304').until).toEqual({
      kind: 'date',
      year: 2026,
      month: 3,
      day: 4,
    });
  });

  it('accepts the edges of every range', () => {
    for (const text of [
      'FREQ=DAILY;INTERVAL=1',
      'FREQ=DAILY;INTERVAL=9999',
      'FREQ=DAILY;COUNT=1',
      'FREQ=DAILY;COUNT=100',
      'FREQ=DAILY;BYSECOND=0,60',
      'FREQ=DAILY;BYMINUTE=0,59',
      'FREQ=DAILY;BYHOUR=0,23',
      'FREQ=MONTHLY;BYMONTHDAY=1,31,-1,-31',
      'FREQ=YEARLY;BYYEARDAY=1,366,-1,-366',
      'FREQ=YEARLY;BYWEEKNO=1,53,-1,-53',
      'FREQ=YEARLY;BYMONTH=1,12',
      'FREQ=YEARLY;BYMONTH=1;BYSETPOS=1,366,-1,-366',
      'FREQ=MONTHLY;BYDAY=5MO,-5FR',
      'FREQ=YEARLY;BYDAY=53MO,-53FR',
      'FREQ=WEEKLY;WKST=SU',
      'FREQ=DAILY;UNTIL=00010101',
      'FREQ=DAILY;UNTIL=99991231T235959Z',
      'FREQ=DAILY;UNTIL=20000229',
      `FREQ=DAILY;BYMONTHDAY=${Array.from({ length: 31 }, (_, day) => day + 1).join(',')},${Array.from({ length: 29 }, (_, day) => -day - 1).join(',')}`,
    ]) {
      expect(() => parseRecurrenceRule(text), text).not.toThrow();
    }
  });
});

// [rule, a word the message must contain]. Every one is refused naming recurrence.rrule.
const HOSTILE_RULES: readonly (readonly [string, string])[] = [
  // From the report: rrule loops forever, searches to year 9999, or throws untyped errors.
  ['FREQ=DAILY;INTERVAL=-1', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=1.5', 'U+002E'],
  ['FREQ=DAILY;BYMONTH=13', 'BYMONTH'],
  ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'no occurrence'],
  ['FREQ=YEARLY;BYYEARDAY=0', 'BYYEARDAY'],
  ['FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6', 'no occurrence'],
  ['FREQ=DAILY;BYDAY=XX', 'BYDAY'],
  ['FREQ=DAILY;BYSETPOS=0', 'BYSETPOS'],
  ['FREQ=DAILY;COUNT=abc', 'COUNT'],
  ['FREQ=DAILY;UNTIL=20261399', 'UNTIL'],
  ['FREQ=DAILY;WKST=XX', 'WKST'],
  // FREQ
  ['FREQ=HOURLY;COUNT=3', 'HOURLY'],
  ['FREQ=MINUTELY', 'MINUTELY'],
  ['FREQ=SECONDLY', 'SECONDLY'],
  ['FREQ=FORTNIGHTLY', 'FREQ'],
  ['FREQ=', 'FREQ'],
  ['FREQ=DAILY,WEEKLY', 'FREQ'],
  ['FREQ=DAILY;FREQ=DAILY', 'more than once'],
  ['BYDAY=MO;COUNT=3', 'FREQ is required'],
  ['COUNT=3', 'FREQ is required'],
  // INTERVAL
  ['FREQ=DAILY;INTERVAL=0', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=+1', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=10000', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=99999999999999999999999', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=1e3', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=0x10', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=ONE', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=1,2', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=', 'INTERVAL'],
  ['FREQ=DAILY;INTERVAL=2;INTERVAL=3', 'INTERVAL'],
  // COUNT
  ['FREQ=DAILY;COUNT=0', 'COUNT'],
  ['FREQ=DAILY;COUNT=101', 'COUNT'],
  ['FREQ=DAILY;COUNT=500', 'COUNT'],
  ['FREQ=DAILY;COUNT=-1', 'COUNT'],
  ['FREQ=DAILY;COUNT=+5', 'COUNT'],
  ['FREQ=DAILY;COUNT=5;COUNT=6', 'COUNT'],
  ['FREQ=DAILY;COUNT=5;UNTIL=20260310', 'COUNT or UNTIL'],
  // UNTIL
  ['FREQ=DAILY;UNTIL=20260230', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20270229', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260001', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260100', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260101T240000Z', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260101T126000', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260101T120060Z', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=2026-01-01', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260101T1200Z', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260101Z', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260401T120000X', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=tomorrow', 'UNTIL'],
  ['FREQ=DAILY;UNTIL=20260101', 'before its start'],
  ['FREQ=DAILY;UNTIL=20260302T085959Z', 'before its start'],
  // Numeric lists: range, sign, fraction, emptiness, length
  ['FREQ=DAILY;BYSECOND=61', 'BYSECOND'],
  ['FREQ=DAILY;BYSECOND=-1', 'BYSECOND'],
  ['FREQ=DAILY;BYSECOND=+1', 'BYSECOND'],
  ['FREQ=DAILY;BYSECOND=100', 'BYSECOND'],
  ['FREQ=DAILY;BYMINUTE=60', 'BYMINUTE'],
  ['FREQ=DAILY;BYMINUTE=-5', 'BYMINUTE'],
  ['FREQ=DAILY;BYMINUTE=1,,2', 'BYMINUTE'],
  ['FREQ=DAILY;BYMINUTE=1,', 'BYMINUTE'],
  ['FREQ=DAILY;BYHOUR=24', 'BYHOUR'],
  ['FREQ=DAILY;BYHOUR=-1', 'BYHOUR'],
  ['FREQ=DAILY;BYHOUR=', 'BYHOUR'],
  ['FREQ=DAILY;BYHOUR=9;BYHOUR=10', 'BYHOUR'],
  ['FREQ=MONTHLY;BYMONTHDAY=0', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=-32', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=+', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=--1', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=+-1', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=1-', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=001', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYMONTHDAY=-0', 'BYMONTHDAY'],
  ['FREQ=YEARLY;BYYEARDAY=367', 'BYYEARDAY'],
  ['FREQ=YEARLY;BYYEARDAY=-367', 'BYYEARDAY'],
  ['FREQ=YEARLY;BYYEARDAY=0001', 'BYYEARDAY'],
  ['FREQ=YEARLY;BYWEEKNO=0', 'BYWEEKNO'],
  ['FREQ=YEARLY;BYWEEKNO=54', 'BYWEEKNO'],
  ['FREQ=YEARLY;BYWEEKNO=-54', 'BYWEEKNO'],
  ['FREQ=YEARLY;BYMONTH=0', 'BYMONTH'],
  ['FREQ=YEARLY;BYMONTH=-1', 'BYMONTH'],
  ['FREQ=YEARLY;BYMONTH=+1', 'BYMONTH'],
  ['FREQ=YEARLY;BYMONTH=1.0', 'U+002E'],
  ['FREQ=YEARLY;BYMONTH=1;BYSETPOS=367', 'BYSETPOS'],
  ['FREQ=YEARLY;BYMONTH=1;BYSETPOS=-367', 'BYSETPOS'],
  [`FREQ=MONTHLY;BYMONTHDAY=${Array.from({ length: 61 }, (_, index) => (index % 31) + 1).join(',')}`, 'at most 60'],
  [`FREQ=YEARLY;BYYEARDAY=${Array.from({ length: 100 }, (_, index) => index + 1).join(',')}`, 'at most 60'],
  ['FREQ=DAILY;BYHOUR=9,10,11,12,13;BYMINUTE=0,10,20,30,40', 'times of day'],
  ['FREQ=YEARLY;BYHOUR=0,1,2;BYMINUTE=0,1,2;BYSECOND=0,1,2', 'times of day'],
  // BYDAY
  ['FREQ=WEEKLY;BYDAY=MON', 'BYDAY'],
  ['FREQ=WEEKLY;BYDAY=M', 'BYDAY'],
  ['FREQ=WEEKLY;BYDAY=+MO', 'BYDAY'],
  ['FREQ=MONTHLY;BYDAY=0MO', 'BYDAY'],
  ['FREQ=YEARLY;BYDAY=54MO', 'BYDAY'],
  ['FREQ=YEARLY;BYDAY=-54MO', 'BYDAY'],
  ['FREQ=YEARLY;BYDAY=100MO', 'BYDAY'],
  ['FREQ=YEARLY;BYDAY=1.5MO', 'U+002E'],
  ['FREQ=YEARLY;BYDAY=MO1', 'BYDAY'],
  ['FREQ=WEEKLY;BYDAY=MO,', 'BYDAY'],
  ['FREQ=DAILY;BYDAY=1MO', 'BYDAY'],
  ['FREQ=WEEKLY;BYDAY=-1FR', 'BYDAY'],
  ['FREQ=MONTHLY;BYDAY=6MO', 'BYDAY'],
  ['FREQ=MONTHLY;BYDAY=-6MO', 'BYDAY'],
  ['FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO', 'BYDAY'],
  // Restrictions per FREQ
  ['FREQ=MONTHLY;BYWEEKNO=1', 'BYWEEKNO'],
  ['FREQ=WEEKLY;BYWEEKNO=1', 'BYWEEKNO'],
  ['FREQ=DAILY;BYWEEKNO=1', 'BYWEEKNO'],
  ['FREQ=DAILY;BYYEARDAY=1', 'BYYEARDAY'],
  ['FREQ=WEEKLY;BYYEARDAY=1', 'BYYEARDAY'],
  ['FREQ=MONTHLY;BYYEARDAY=1', 'BYYEARDAY'],
  ['FREQ=WEEKLY;BYMONTHDAY=1', 'BYMONTHDAY'],
  ['FREQ=MONTHLY;BYSETPOS=1', 'BYSETPOS'],
  ['FREQ=YEARLY;BYSETPOS=1,-1', 'BYSETPOS'],
  // WKST
  ['FREQ=WEEKLY;WKST=MONDAY', 'WKST'],
  ['FREQ=WEEKLY;WKST=', 'WKST'],
  ['FREQ=WEEKLY;WKST=1', 'WKST'],
  // Unknown parts, extensions, DTSTART and TZID
  ['FREQ=DAILY;X-NAME=1', 'Unknown part'],
  ['FREQ=DAILY;X-WR-ALARM=TRUE', 'Unknown part'],
  ['FREQ=DAILY;FOO=BAR', 'Unknown part'],
  ['FREQ=YEARLY;BYEASTER=0', 'Unknown part'],
  ['FREQ=DAILY;RRULE=FREQ', 'Unknown part'],
  ['RRULE:RRULE:FREQ=DAILY', 'U+003A'],
  ['FREQ=DAILY;DTSTART=20260302T090000Z', 'DTSTART'],
  ['DTSTART:20260302T090000Z\nRRULE:FREQ=DAILY', 'DTSTART'],
  ['FREQ=DAILY;TZID=Europe/London', 'TZID'],
  ['FREQ=DAILY\nCOUNT=2', 'DTSTART'],
  ['FREQ=DAILY\r\nCOUNT=2', 'DTSTART'],
  // Shape: separators, emptiness, whitespace inside
  ['RRULE:', 'empty'],
  [';FREQ=DAILY', 'empty part'],
  ['FREQ=DAILY;', 'empty part'],
  ['FREQ=DAILY;;COUNT=2', 'empty part'],
  ['FREQ', 'NAME=VALUE'],
  ['FREQ=DAILY;COUNT', 'NAME=VALUE'],
  ['=DAILY', 'Unknown part'],
  ['FREQ==DAILY', 'FREQ'],
  ['FREQ=DAILY=WEEKLY', 'FREQ'],
  ['FREQ = DAILY', 'U+0020'],
  ['FREQ=DAILY; COUNT=2', 'U+0020'],
  ['FREQ=DAILY;\tCOUNT=2', 'U+0009'],
  ['NOT A RULE', 'U+0020'],
  ['FREQ=DAILY:COUNT=2', 'U+003A'],
  // Characters outside printable ASCII, including those that upper-case into ASCII
  ['FREQ=DAILY\u0000', 'U+0000'],
  ['FREQ=DAILY;COUNT=2\u0000', 'U+0000'],
  ['FREQ=\uD800DAILY', 'U+D800'],
  ['FREQ=DAILY;BYDAY=MO\uDFFF', 'U+DFFF'],
  ['FREQ=DAİLY', 'U+0130'],
  ['FREQ=daıly', 'U+0131'],
  ['FREQ=DAILY;BYDAY=ſU', 'U+017F'],
  ['FREQ=DAILY;COUNT=１', 'U+FF11'],
  ['FREQ=DAILY;COUNT=٣', 'U+0663'],
  ['FREQ=DAILY\u200B', 'U+200B'],
  ['\u202EFREQ=DAILY', 'U+202E'],
  ['FREQ=DAILY;BYDAY=MO😀', 'U+1F600'],
];

describe('hostile rules', () => {
  it.each(HOSTILE_RULES)('refuses %j naming recurrence.rrule', (rrule, word) => {
    const issues = issuesOf(() => expand(rrule));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('recurrence.rrule');
    // The input schema already refuses NUL and unpaired surrogates (invalid_text).
    expect(['invalid_rrule', 'never_matches', 'end_before_start', 'invalid_text']).toContain(issues[0]?.code);
    if (issues[0]?.code !== 'invalid_text') expect(issues[0]?.message).toContain(word);
  });

  it('refuses the grammar faults itself, with code invalid_rrule, before rrule is ever built', () => {
    const runs = watchRRule();
    for (const [rrule, word] of HOSTILE_RULES) {
      if (word === 'no occurrence' || word === 'before its start') continue;
      const issues = issuesOf(() => parseRecurrenceRule(rrule));
      expect(issues, rrule).toEqual([{ path: 'recurrence.rrule', message: expect.any(String), code: 'invalid_rrule' }]);
      expect(issues[0]?.message, rrule).toContain(word);
    }
    expect(runs).toHaveLength(0);
  });

  it('refuses a rule longer than 1000 characters', () => {
    const long = `FREQ=DAILY;BYHOUR=${'0'.repeat(RRULE_LIMITS.maxLength)}`;
    expect(issuesOf(() => expand(long)).map((issue) => issue.path)).toEqual(['recurrence.rrule']);
    expect(issuesOf(() => parseRecurrenceRule(long))[0]).toMatchObject({
      code: 'invalid_rrule',
      message: expect.stringContaining('1000'),
    });
    expect(() => parseRecurrenceRule(`  ${'FREQ=DAILY'.padEnd(RRULE_LIMITS.maxLength, ' ')}  `)).not.toThrow();
  });

  it('refuses rules that never match with code never_matches, after walking only the two-year window', () => {
    const runs = watchRRule();
    for (const rrule of [
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
      'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6',
      'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
      'FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;BYHOUR=1,2,3;BYMINUTE=0,15,30,45',
      'FREQ=WEEKLY;BYMONTH=2;BYDAY=MO;BYSETPOS=5',
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=2',
      'FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6',
      'FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1',
      'FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4,6,9,11',
      'FREQ=MONTHLY;INTERVAL=12;BYMONTH=2',
      'FREQ=YEARLY;INTERVAL=3',
      'FREQ=DAILY;INTERVAL=9999',
    ]) {
      const issues = issuesOf(() => expand(rrule, new Date('2026-03-03T10:00:00Z'), 'America/New_York'));
      expect(issues, rrule).toEqual([{ path: 'recurrence.rrule', message: expect.any(String), code: 'never_matches' }]);
      const run = runs.at(-1);
      expect(run?.reads, rrule).toBeLessThanOrEqual(1 + 2 * MAX_PERIODS + 1);
    }
    // The daily ones really walked the window (731 days) through the counted property.
    expect(Math.max(...runs.map((run) => run.reads))).toBeGreaterThan(2 * 731);
  });

  it('still stops by itself without the period budget, thanks to the 400-year shift alone', () => {
    const runs = watchRRule({ dropPeriodBudget: true });
    for (const rrule of [
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
      'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6',
      'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
    ]) {
      for (const start of [
        '2026-03-03T10:00:00Z',
        '2397-12-31T10:00:00Z',
        '9999-06-01T00:00:00Z',
        '0001-01-01T00:00:00Z',
      ]) {
        expect(issuesOf(() => expand(rrule, new Date(start)))[0]?.code).toBe('never_matches');
        const run = runs.at(-1) as RRuleRun;
        // rrule saw the window in years 9598..9999, so it ran out of calendar within 402 years.
        expect(run.dtstartYear).toBeGreaterThanOrEqual(9598);
        expect(run.untilYear).toBeLessThanOrEqual(9999);
        expect(run.reads).toBeLessThanOrEqual(1 + 2 * 366 * (10_000 - run.dtstartYear) + 1);
      }
    }
  }, 60_000);
});

describe('any input', () => {
  /** Expands `rrule` and checks the contract: a proper series or a ValidationError, with bounded work. */
  function checkContract(rrule: string, runs: RRuleRun[], start = START): void {
    const before = runs.length;
    let dates: Date[];
    try {
      dates = expand(rrule, start, 'America/New_York');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['recurrence.rrule']);
      dates = [];
    }
    if (dates.length > 0) {
      expect(dates.length).toBeLessThanOrEqual(100);
      expect(dates[0]?.getTime()).toBe(start.getTime());
      for (let index = 1; index < dates.length; index++) {
        expect((dates[index] as Date).getTime()).toBeGreaterThan((dates[index - 1] as Date).getTime());
      }
    }
    expect(runs.length - before).toBeLessThanOrEqual(1);
    for (const run of runs.slice(before)) {
      expect(run.reads).toBeLessThanOrEqual(1 + 2 * MAX_PERIODS + 1);
      expect(run.dtstartYear).toBeGreaterThanOrEqual(9598);
    }
  }

  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  const PART_NAMES = [
    'FREQ',
    'UNTIL',
    'COUNT',
    'INTERVAL',
    'BYSECOND',
    'BYMINUTE',
    'BYHOUR',
    'BYDAY',
    'BYMONTHDAY',
    'BYYEARDAY',
    'BYWEEKNO',
    'BYMONTH',
    'BYSETPOS',
    'WKST',
  ];
  const word = fc.constantFrom(
    'DAILY',
    'WEEKLY',
    'MONTHLY',
    'YEARLY',
    'HOURLY',
    'MO',
    'TU',
    'WE',
    'TH',
    'FR',
    'SA',
    'SU',
    'XX',
    '',
    'Z',
    'T',
  );
  const number = fc.oneof(
    fc.integer({ min: -400, max: 400 }).map(String),
    fc.integer({ min: -10, max: 70 }).map(String),
    fc.integer({ min: 1, max: 5 }).map((value) => `+${value}`),
    fc.integer({ min: 0, max: 99 }).map((value) => `0${value}`),
    fc.constantFrom('1.5', '-0', '1e2', '99999999999999999999', '0x1', ' 1', ''),
  );
  const weekdayNum = fc
    .tuple(fc.constantFrom('', '+', '-'), fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }), word)
    .map(([sign, ordinal, day]) => `${sign}${ordinal ?? ''}${day}`);
  const until = fc
    .tuple(
      fc.integer({ min: 2000, max: 2100 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.option(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.constantFrom('', 'Z', 'z', 'X')), { nil: undefined }),
    )
    .map(([year, month, day, time]) => {
      const date = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
      return time === undefined ? date : `${date}T${String(time[0]).padStart(2, '0')}0000${time[1]}`;
    });
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.array(number, { minLength: 1, maxLength: 5 }).map((items) => items.join(',')) },
    { weight: 2, arbitrary: fc.array(weekdayNum, { minLength: 1, maxLength: 4 }).map((items) => items.join(',')) },
    { weight: 2, arbitrary: word },
    { weight: 1, arbitrary: until },
  );
  const part = fc
    .tuple(fc.constantFrom(...PART_NAMES, 'X-FOO', 'DTSTART', 'RRULE'), value, fc.boolean())
    .map(([name, text, lower]) => `${lower ? name.toLowerCase() : name}=${text}`);
  const freqPart = fc.constantFrom('FREQ=DAILY', 'FREQ=WEEKLY', 'FREQ=MONTHLY', 'FREQ=YEARLY', 'freq=monthly');
  /** `PART=VALUE;...` strings from the real part names with random, often impossible, values. */
  const grammarShaped = fc
    .tuple(fc.option(freqPart, { nil: undefined }), fc.array(part, { maxLength: 6 }), fc.boolean())
    .map(([freq, parts, prefix]) => `${prefix ? 'RRULE:' : ''}${[...(freq ? [freq] : []), ...parts].join(';')}`);

  it('any string: a series or a ValidationError, never unbounded work', () => {
    const runs = watchRRule();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.string({ unit: codeUnit }),
          fc.string({ unit: fc.constantFrom(...'FREQ=DAILY;BYDAY,MO+-0123456789'.split('')) }),
        ),
        (rrule) => checkContract(rrule, runs),
      ),
      { numRuns: 500 },
    );
  });

  it('grammar-shaped strings with random and impossible values: a series or a ValidationError, bounded', () => {
    const runs = watchRRule();
    const start = fc
      .integer({ min: 0, max: 3 * 366 * 24 })
      .map((hours) => new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000));
    fc.assert(
      fc.property(grammarShaped, start, (rrule, first) => checkContract(rrule, runs, first)),
      { numRuns: 1000 },
    );
    // The generator does reach rrule, not only the grammar's refusals.
    expect(runs.length).toBeGreaterThan(50);
  });

  it('normalising is idempotent and keeps the meaning', () => {
    fc.assert(
      fc.property(grammarShaped, (text) => {
        let parsed: ReturnType<typeof parseRecurrenceRule>;
        try {
          parsed = parseRecurrenceRule(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues).toEqual([
            { path: 'recurrence.rrule', message: expect.any(String), code: 'invalid_rrule' },
          ]);
          return;
        }
        const canonical = formatRecurrenceRule(parsed);
        expect(normalizeRecurrenceRule(canonical)).toBe(canonical);
        expect(parseRecurrenceRule(canonical)).toEqual(parsed);
        expect(canonical).toBe(canonical.toUpperCase());
        expect(canonical.startsWith('FREQ=')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
