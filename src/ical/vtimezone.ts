/**
 * The VTIMEZONE of a zone, from `@touch4it/ical-timezones`, and what it says about offsets.
 *
 * A reader that honours VTIMEZONE maps a `TZID` wall time to an instant with these rules, not
 * with its own time-zone database. The published definitions describe one set of yearly rules
 * from 1970 on (tzdata 2018g), so for a zone whose rules changed since (Brazil dropped DST in
 * 2019, Mexico in 2022) they give the wrong instant. So the export reads them back here and
 * writes `TZID` times only where they agree with the runtime's time-zone database.
 */
import { getVtimezoneComponent } from '@touch4it/ical-timezones';

const DAY_MS = 86_400_000;
/** `BYDAY` codes in the order of `Date#getUTCDay` (Sunday first). */
const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
/** The only rule shape the published definitions use: a yearly nth (or last) weekday of a month. */
const YEARLY_RULE = /^FREQ=YEARLY;BYMONTH=(\d{1,2});BYDAY=(-?[1-5])(SU|MO|TU|WE|TH|FR|SA)$/;
const LOCAL_DATE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/;
const UTC_OFFSET = /^([+-])(\d{2})(\d{2})(\d{2})?$/;

/** One STANDARD or DAYLIGHT observance. */
interface Observance {
  readonly offsetFromMs: number;
  readonly offsetToMs: number;
  /** Its DTSTART: a wall time, read with the offset in effect before it (`offsetFromMs`). */
  readonly startFloating: number;
  readonly rule: { readonly month: number; readonly nth: number; readonly weekday: number } | null;
}

/** A zone's VTIMEZONE: its text, and its offsets as a reader would compute them. */
export interface ZoneDefinition {
  /** The VTIMEZONE component, as ical-generator inserts it. */
  readonly text: string;
  /** Every UTC offset the definition uses, in ms. */
  readonly offsetsMs: readonly number[];
  /** The UTC offset (ms) the definition gives at an instant. */
  offsetAt(epochMs: number): number;
}

const definitions = new Map<string, ZoneDefinition | null>();

/**
 * The VTIMEZONE of `zone`, or null when there is none this export can check (an unknown zone,
 * an alias whose TZID differs, or a shape of rule it does not read). Cached per zone.
 */
export function zoneDefinition(zone: string): ZoneDefinition | null {
  let definition = definitions.get(zone);
  if (definition === undefined) {
    const text = getVtimezoneComponent(zone);
    definition = text === null ? null : readDefinition(zone, text);
    definitions.set(zone, definition);
  }
  return definition;
}

/** The VTIMEZONE text for ical-generator's `timezone.generator` (the same checked definition). */
export function vtimezoneText(zone: string): string | null {
  return zoneDefinition(zone)?.text ?? null;
}

function readDefinition(zone: string, text: string): ZoneDefinition | null {
  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  if (lines.some((line) => line.startsWith(' ') || line.startsWith('\t'))) return null;
  if (!lines.includes(`TZID:${zone}`)) return null;
  const observances = readObservances(lines);
  if (observances === null || observances.length === 0) return null;
  const offsetsMs = [...new Set(observances.flatMap((item) => [item.offsetFromMs, item.offsetToMs]))];
  const onsetsByYear = new Map<number, readonly Onset[]>();
  const onsetsAround = (year: number): readonly Onset[] => {
    let onsets = onsetsByYear.get(year);
    if (onsets === undefined) {
      onsets = observances.flatMap((observance) =>
        onsetsNear(observance, year).map((onset) => ({ onset, offsetMs: observance.offsetToMs })),
      );
      // A zone definition is asked about a handful of years; keep the cache from growing
      // without bound on inputs that span millennia.
      if (onsetsByYear.size >= MAX_CACHED_YEARS) onsetsByYear.clear();
      onsetsByYear.set(year, onsets);
    }
    return onsets;
  };
  const before = earliestOffset(observances);
  return { text, offsetsMs, offsetAt: (epochMs) => offsetAt(onsetsAround, before, epochMs) };
}

/** The STANDARD and DAYLIGHT blocks, or null on anything this reader does not understand. */
function readObservances(lines: readonly string[]): Observance[] | null {
  const observances: Observance[] = [];
  let block: Map<string, string> | null = null;
  for (const line of lines) {
    if (line === 'BEGIN:STANDARD' || line === 'BEGIN:DAYLIGHT') {
      block = new Map();
    } else if (line === 'END:STANDARD' || line === 'END:DAYLIGHT') {
      const observance = block === null ? null : observanceOf(block);
      if (observance === null) return null;
      observances.push(observance);
      block = null;
    } else if (block !== null) {
      const colon = line.indexOf(':');
      if (colon < 0) return null;
      block.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  return block === null ? observances : null;
}

function observanceOf(block: ReadonlyMap<string, string>): Observance | null {
  // RDATE, or a parameter on these properties, would need a fuller reader: refuse instead.
  if (block.has('RDATE') || [...block.keys()].some((key) => key.includes(';'))) return null;
  const offsetFromMs = offsetMs(block.get('TZOFFSETFROM'));
  const offsetToMs = offsetMs(block.get('TZOFFSETTO'));
  const startFloating = floatingOf(block.get('DTSTART'));
  if (offsetFromMs === null || offsetToMs === null || startFloating === null) return null;
  const ruleText = block.get('RRULE');
  if (ruleText === undefined) return { offsetFromMs, offsetToMs, startFloating, rule: null };
  const match = YEARLY_RULE.exec(ruleText);
  if (match === null) return null;
  const rule = {
    month: Number(match[1]),
    nth: Number(match[2]),
    weekday: WEEKDAY_CODES.indexOf(match[3] as (typeof WEEKDAY_CODES)[number]),
  };
  if (rule.month < 1 || rule.month > 12 || rule.nth === 0) return null;
  return { offsetFromMs, offsetToMs, startFloating, rule };
}

function offsetMs(text: string | undefined): number | null {
  const match = text === undefined ? null : UTC_OFFSET.exec(text);
  if (match === null) return null;
  const sign = match[1] === '-' ? -1 : 1;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0);
  return sign * seconds * 1000;
}

function floatingOf(text: string | undefined): number | null {
  const match = text === undefined ? null : LOCAL_DATE_TIME.exec(text);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return civilMs(year, month, day) + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** An instant an observance begins, and the offset it brings. */
interface Onset {
  readonly onset: number;
  readonly offsetMs: number;
}

const MAX_CACHED_YEARS = 512;

/**
 * The offset in effect at an instant: that of the latest observance onset at or before it. The
 * rules are yearly, so the onsets of the instant's year and the years either side decide it;
 * before every onset, `before` applies.
 */
function offsetAt(onsetsAround: (year: number) => readonly Onset[], before: number, epochMs: number): number {
  let latest: Onset | null = null;
  for (const onset of onsetsAround(new Date(epochMs).getUTCFullYear())) {
    if (onset.onset <= epochMs && (latest === null || onset.onset > latest.onset)) latest = onset;
  }
  return latest === null ? before : latest.offsetMs;
}

/** The offset before any observance: the one the earliest observance changes from. */
function earliestOffset(observances: readonly Observance[]): number {
  const earliest = [...observances].sort((a, b) => a.startFloating - b.startFloating)[0];
  return earliest?.offsetFromMs ?? 0;
}

/** The instants an observance begins in the years around `year` (at most three). */
function onsetsNear(observance: Observance, year: number): number[] {
  const { rule, startFloating, offsetFromMs } = observance;
  if (rule === null) return [startFloating - offsetFromMs];
  const timeOfDay = modulo(startFloating, DAY_MS);
  const onsets: number[] = [];
  for (let candidate = year - 1; candidate <= year + 1; candidate++) {
    const day = nthWeekdayOfMonth(candidate, rule.month, rule.weekday, rule.nth);
    if (day === null) continue;
    const floating = civilMs(candidate, rule.month, day) + timeOfDay;
    if (floating >= startFloating) onsets.push(floating - offsetFromMs);
  }
  return onsets;
}

/** The day of the month of its nth weekday (negative: from the end), or null if there is none. */
function nthWeekdayOfMonth(year: number, month: number, weekday: number, nth: number): number | null {
  const days = daysInMonth(year, month);
  if (nth > 0) {
    const first = new Date(civilMs(year, month, 1)).getUTCDay();
    const day = 1 + modulo(weekday - first, 7) + (nth - 1) * 7;
    return day <= days ? day : null;
  }
  const last = new Date(civilMs(year, month, days)).getUTCDay();
  const day = days - modulo(last - weekday, 7) + (nth + 1) * 7;
  return day >= 1 ? day : null;
}

function daysInMonth(year: number, month: number): number {
  return Math.round((civilMs(year, month + 1, 1) - civilMs(year, month, 1)) / DAY_MS);
}

/** Floating ms of a civil date (not `Date.UTC`, which reads the years 0–99 as 1900–1999). */
function civilMs(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
