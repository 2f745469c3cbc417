import fc from 'fast-check';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import nodeIcal from 'node-ical';
import { describe, expect, it } from 'vitest';
import type { Appointment, StoredRecurrence } from '../../src/appointment.js';
import { appointmentToIcal, calendarFeed, ICAL_LIMITS, ICAL_STATUS, seriesToIcal } from '../../src/ical/index.js';
import { APPOINTMENT_STATUSES, type AppointmentStatus, ValidationError } from '../../src/index.js';
import { type Series, type SeriesInstance, type SeriesSegment, seriesInstances } from '../../src/series.js';
import { newAppointmentRow } from '../../src/testing/rows.js';
import { untyped, validationPaths } from '../fixtures.js';

// Every export is read back by independent parsers: ical.js (which honours the VTIMEZONE it
// is given) and node-ical (which maps TZIDs with its own zone data). Instants are compared as
// ISO strings, so a floating time or a wrong offset shows up as a different string, and the
// suite runs under two process zones, so any use of the process's zone shows up too.

const NEW_YORK = 'America/New_York';
const LONDON = 'Europe/London';
const LORD_HOWE = 'Australia/Lord_Howe';
const MINUTE_MS = 60_000;
const MODES = ['local', 'utc'] as const;
/** The organizer an invitation (REQUEST, CANCEL) needs. */
const ORGANIZER = { name: 'Dr Lee', email: 'lee@clinic.example' } as const;
type Mode = (typeof MODES)[number];

/** An instant from an unambiguous local time in a zone. */
const local = (text: string, zone: string) => DateTime.fromISO(text, { zone }).toJSDate();

// ---------------------------------------------------------------------------------------------
// Test data, built by hand (series editing in the Scheduler is not used here).

let idCount = 0;
function nextId(prefix: string): string {
  idCount += 1;
  return `${prefix}-${idCount}`;
}

/** A stored appointment: newAppointmentRow's defaults, with `fields` over them. */
function appointment(fields: Partial<Appointment> & { readonly start: Date }): Appointment {
  return { ...newAppointmentRow(fields).appointment, confirmationCode: 'APT-2026-0001', ...fields };
}

interface SegmentSpec {
  readonly fromIndex?: number;
  /** Local wall time of the first instance, e.g. `2026-03-02T09:00`. */
  readonly start: string;
  readonly rule: StoredRecurrence;
  readonly durationMinutes?: number;
  readonly type?: string;
}

/** A series with one stored occurrence per instance, then `edit` applied to the occurrences. */
function makeSeries(
  timeZone: string,
  specs: readonly SegmentSpec[],
  edit: (occurrences: Appointment[]) => Appointment[] = (occurrences) => occurrences,
): Series {
  const seriesId = nextId('series');
  const segments: SeriesSegment[] = specs.map((spec) => ({
    fromIndex: spec.fromIndex ?? 0,
    start: local(spec.start, timeZone).toISOString(),
    rule: spec.rule,
    durationMinutes: spec.durationMinutes ?? 30,
    type: spec.type ?? 'follow_up',
  }));
  const occurrences = seriesInstances({ timeZone, segments }).map((instance) =>
    occurrenceOf(seriesId, timeZone, instance),
  );
  return {
    seriesId,
    patientId: 'patient-1',
    providerId: 'provider-a',
    timeZone,
    segments,
    occurrences: edit(occurrences),
  };
}

function occurrenceOf(seriesId: string, timeZone: string, instance: SeriesInstance): Appointment {
  return appointment({
    id: nextId('occurrence'),
    start: instance.start,
    end: instance.end,
    durationMinutes: instance.durationMinutes,
    type: instance.type,
    timeZone,
    seriesId,
    occurrenceIndex: instance.index,
  });
}

const cancel = (occurrence: Appointment): Appointment => ({
  ...occurrence,
  status: 'cancelled',
  version: occurrence.version + 1,
});
const move = (occurrence: Appointment, minutes: number): Appointment => ({
  ...occurrence,
  start: new Date(occurrence.start.getTime() + minutes * MINUTE_MS),
  end: new Date(occurrence.end.getTime() + minutes * MINUTE_MS),
  version: occurrence.version + 1,
});
/** `occurrences` with `change` applied at the given positions. */
const changeAt = (occurrences: Appointment[], positions: readonly number[], change: (a: Appointment) => Appointment) =>
  occurrences.map((occurrence, position) => (positions.includes(position) ? change(occurrence) : occurrence));

interface Span {
  readonly start: string;
  readonly end: string;
}

const spanOf = (start: Date, end: Date): Span => ({ start: start.toISOString(), end: end.toISOString() });
const byStart = (a: Span, b: Span) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end);

/** What a calendar should show of a series: every occurrence not cancelled. */
function expectedSpans(occurrences: readonly Appointment[]): Span[] {
  return occurrences
    .filter((occurrence) => occurrence.status !== 'cancelled')
    .map((occurrence) => spanOf(occurrence.start, occurrence.end))
    .sort(byStart);
}

// ---------------------------------------------------------------------------------------------
// Reading the text back.

/** The calendar as ical.js reads it, with its VTIMEZONEs (and only those) registered. */
function parseCalendar(text: string): ICAL.Component {
  ICAL.TimezoneService.reset();
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  return calendar;
}

/** The VEVENTs grouped by UID: the master (no RECURRENCE-ID) and its overrides. */
function eventsByUid(calendar: ICAL.Component) {
  const groups = new Map<string, { master?: ICAL.Component; overrides: ICAL.Component[] }>();
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const uid = String(vevent.getFirstPropertyValue('uid'));
    const group = groups.get(uid) ?? { overrides: [] };
    if (vevent.hasProperty('recurrence-id')) group.overrides.push(vevent);
    else group.master = vevent;
    groups.set(uid, group);
  }
  return groups;
}

/** Every occurrence ical.js expands (RRULE + RDATE − EXDATE, overrides applied), by start. */
function icalJsSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const { master, overrides } of eventsByUid(parseCalendar(text)).values()) {
    if (master === undefined) throw new Error('an override without its master');
    if (master.getFirstPropertyValue('status') === 'CANCELLED') continue;
    const event = new ICAL.Event(master, { exceptions: overrides });
    if (!event.isRecurring()) {
      spans.push(spanOf(event.startDate.toJSDate(), event.endDate.toJSDate()));
      continue;
    }
    const iterator = event.iterator();
    for (let next = iterator.next(); next !== undefined && next !== null; next = iterator.next()) {
      const details = event.getOccurrenceDetails(next);
      spans.push(spanOf(details.startDate.toJSDate(), details.endDate.toJSDate()));
      if (spans.length > 1000) throw new Error('runaway expansion');
    }
  }
  return spans.sort(byStart);
}

/** Every occurrence node-ical expands. It ignores RDATE, so only texts without one are given. */
function nodeIcalSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const component of Object.values(nodeIcal.sync.parseICS(text))) {
    if (component === undefined || component.type !== 'VEVENT' || component.recurrenceid !== undefined) continue;
    if (component.status === 'CANCELLED') continue;
    const instances = nodeIcal.expandRecurringEvent(component, {
      from: new Date('1970-01-01T00:00:00Z'),
      to: new Date('2100-01-01T00:00:00Z'),
    });
    for (const instance of instances) spans.push(spanOf(instance.start, instance.end));
  }
  return spans.sort(byStart);
}

/** The text's content lines, unfolded. */
const contentLines = (text: string) => text.replace(/\r\n[ \t]/g, '').split('\r\n');
const TIME_PROPERTY = /^(DTSTART|DTEND|RECURRENCE-ID|EXDATE|RDATE|DTSTAMP)[;:]/;

/** The content lines of the VEVENTs (a VTIMEZONE's own DTSTARTs are local by definition). */
function eventLines(text: string): string[] {
  let inEvent = false;
  return contentLines(text).filter((line) => {
    if (line === 'BEGIN:VEVENT') inEvent = true;
    if (line === 'END:VEVENT') inEvent = false;
    return inEvent;
  });
}

/** Every time is UTC (`Z`) or has a TZID: a floating time would depend on the reader's zone. */
function expectNoFloatingTimes(text: string): void {
  for (const line of eventLines(text).filter((item) => TIME_PROPERTY.test(item))) {
    expect(line.endsWith('Z') || line.includes(';TZID='), line).toBe(true);
  }
}

/**
 * Exports the series and checks that both parsers show exactly its occurrences, and that its
 * events are written as `expected` says (by default: as asked, `TZID` times in local mode).
 */
function expectRoundTrip(series: Series, mode: Mode, written: Mode = mode): string {
  const text = seriesToIcal(series, { timeZoneMode: mode });
  expectNoFloatingTimes(text);
  const starts = propertyLines(text, 'DTSTART');
  expect(starts.every((line) => line.includes(';TZID=') === (written === 'local'))).toBe(true);
  const expected = expectedSpans(series.occurrences);
  expect(icalJsSpans(text)).toEqual(expected);
  if (!text.includes('RDATE')) expect(nodeIcalSpans(text)).toEqual(expected);
  return text;
}

/** A DATE-TIME property as an ISO instant. */
const instantOf = (component: ICAL.Component, name: string) =>
  (component.getFirstPropertyValue(name) as ICAL.Time).toJSDate().toISOString();
const first = (calendar: ICAL.Component) => calendar.getFirstSubcomponent('vevent') as ICAL.Component;
const propertyLines = (text: string, name: string) => eventLines(text).filter((line) => line.startsWith(name));

/** The calendar's name as node-ical reads it (ical.js leaves NAME and X-WR-CALNAME escaped). */
function calendarName(text: string): unknown {
  const calendar = Object.values(nodeIcal.sync.parseICS(text)).find((item) => item?.type === 'VCALENDAR');
  return calendar === undefined ? undefined : (calendar as unknown as Record<string, unknown>)['WR-CALNAME'];
}

// ---------------------------------------------------------------------------------------------

describe('appointmentToIcal', () => {
  const start = local('2026-03-09T09:00', NEW_YORK);
  const base = () =>
    appointment({
      id: nextId('appointment'),
      start,
      end: new Date(start.getTime() + 45 * MINUTE_MS),
      timeZone: NEW_YORK,
      version: 3,
    });

  it.each(APPOINTMENT_STATUSES)('writes a %s appointment with the mapped STATUS and METHOD', (status) => {
    const record = { ...base(), status };
    const calendar = parseCalendar(appointmentToIcal(record, { organizer: ORGANIZER }));
    const event = first(calendar);
    expect(calendar.getFirstPropertyValue('method')).toBe(status === 'cancelled' ? 'CANCEL' : 'REQUEST');
    // Without an organizer there is no invitation to send (RFC 5546): a PUBLISH copy.
    expect(parseCalendar(appointmentToIcal(record)).getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(event.getFirstPropertyValue('status')).toBe(ICAL_STATUS[status]);
    expect(event.getFirstPropertyValue('uid')).toBe(record.id);
    expect(event.getFirstPropertyValue('sequence')).toBe(2);
  });

  it('maps the statuses as the table says', () => {
    const expected: Record<AppointmentStatus, string> = {
      scheduled: 'TENTATIVE',
      confirmed: 'CONFIRMED',
      in_progress: 'CONFIRMED',
      completed: 'CONFIRMED',
      cancelled: 'CANCELLED',
      no_show: 'CONFIRMED',
    };
    expect(ICAL_STATUS).toEqual(expected);
  });

  it.each(MODES)('writes the exact instants in %s mode', (mode) => {
    const record = base();
    const text = appointmentToIcal(record, { timeZoneMode: mode });
    expectNoFloatingTimes(text);
    const event = new ICAL.Event(first(parseCalendar(text)));
    expect(spanOf(event.startDate.toJSDate(), event.endDate.toJSDate())).toEqual(spanOf(record.start, record.end));
    expect(nodeIcalSpans(text)).toEqual([spanOf(record.start, record.end)]);
    if (mode === 'local') {
      expect(propertyLines(text, 'DTSTART')).toEqual(['DTSTART;TZID=America/New_York:20260309T090000']);
      expect(text).toContain('BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n');
    } else {
      expect(propertyLines(text, 'DTSTART')).toEqual(['DTSTART:20260309T130000Z']);
      expect(text).not.toContain('VTIMEZONE');
    }
  });

  it('derives the UID from the id and the domain, and DTSTAMP from updatedAt or now', () => {
    const record = { ...base(), updatedAt: new Date('2026-03-01T10:11:12Z') };
    const calendar = parseCalendar(appointmentToIcal(record, { domain: 'clinic.example' }));
    expect(first(calendar).getFirstPropertyValue('uid')).toBe(`${record.id}@clinic.example`);
    expect(first(calendar).getFirstPropertyValue('dtstamp')?.toString()).toBe('2026-03-01T10:11:12Z');
    const stamped = parseCalendar(appointmentToIcal(record, { now: new Date('2026-03-05T00:00:00Z') }));
    expect(first(stamped).getFirstPropertyValue('dtstamp')?.toString()).toBe('2026-03-05T00:00:00Z');
  });

  it('makes SEQUENCE grow with the version', () => {
    const sequences = [1, 2, 7].map((version) =>
      first(parseCalendar(appointmentToIcal({ ...base(), version }))).getFirstPropertyValue('sequence'),
    );
    expect(sequences).toEqual([0, 1, 6]);
  });

  it('writes ORGANIZER and ATTENDEE only when given', () => {
    const plain = appointmentToIcal(base());
    expect(plain).not.toMatch(/ORGANIZER|ATTENDEE/);
    const text = appointmentToIcal(base(), {
      organizer: { name: 'Dr Lee', email: 'lee@clinic.example' },
      attendees: [{ name: 'Sam Patient', email: 'sam@example.com' }, { email: 'kim@example.com' }],
    });
    const event = first(parseCalendar(text));
    expect(event.getFirstPropertyValue('organizer')).toBe('mailto:lee@clinic.example');
    expect(event.getFirstProperty('organizer')?.getParameter('cn')).toBe('Dr Lee');
    expect(event.getAllProperties('attendee').map((property) => property.getFirstValue())).toEqual([
      'MAILTO:sam@example.com',
      'MAILTO:kim@example.com',
    ]);
    expect(event.getAllProperties('attendee')[0]?.getParameter('cn')).toBe('Sam Patient');
  });

  it('escapes SUMMARY and DESCRIPTION so they read back unchanged', () => {
    const summary = 'Follow-up, right knee; bring X-rays \\ scans\nRoom 2 — Zoë 🩺 東京';
    const description = 'Line one\r\nLine two; a, b\\c\n\nend';
    const text = appointmentToIcal(base(), { summary: () => summary, description: () => description });
    const event = new ICAL.Event(first(parseCalendar(text)));
    expect(event.summary).toBe(summary);
    expect(event.description).toBe(description.replace(/\r\n/g, '\n'));
    const parsed = Object.values(nodeIcal.sync.parseICS(text)).find((item) => item?.type === 'VEVENT');
    expect(parsed?.type === 'VEVENT' ? parsed.summary : undefined).toBe(summary);
  });

  it('drops control characters TEXT cannot carry, and folds long lines at 75 octets', () => {
    const text = appointmentToIcal(base(), { summary: () => `a\u0000b\u0007c\u001Bd\tе${'é'.repeat(200)}` });
    const event = new ICAL.Event(first(parseCalendar(text)));
    expect(event.summary).toBe(`abcd\tе${'é'.repeat(200)}`);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
  });

  it('defaults SUMMARY to the type, readable, and leaves notes out', () => {
    const record = { ...base(), type: 'routine_checkup', notes: 'private clinical note', reason: 'pain' };
    const text = appointmentToIcal(record);
    expect(new ICAL.Event(first(parseCalendar(text))).summary).toBe('Routine checkup');
    expect(text).not.toContain('DESCRIPTION');
    expect(text).not.toContain('private');
  });

  it('writes a time in a DST overlap in UTC, since readers differ on which instant it means', () => {
    // 01:30 New York on 1 November 2026 happens twice; this is the second (EST) one.
    const second = new Date('2026-11-01T06:30:00Z');
    const record = { ...base(), start: second, end: new Date(second.getTime() + 30 * MINUTE_MS) };
    const text = appointmentToIcal(record);
    expect(propertyLines(text, 'DTSTART')).toEqual(['DTSTART:20261101T063000Z']);
    expect(icalJsSpans(text)).toEqual([spanOf(record.start, record.end)]);
  });

  describe('an occurrence of a series', () => {
    const series = makeSeries(NEW_YORK, [
      { start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 4 } },
    ]);
    const occurrence = series.occurrences[2] as Appointment;

    it('is one instance of the series event when the series is given', () => {
      const moved = move(occurrence, 120);
      const text = appointmentToIcal(moved, { series });
      const event = first(parseCalendar(text));
      expect(event.getFirstPropertyValue('uid')).toBe(series.seriesId);
      expect(instantOf(event, 'recurrence-id')).toBe(occurrence.start.toISOString());
      expect(instantOf(event, 'dtstart')).toBe(moved.start.toISOString());
      // The stored copy is replaced by the one given: SEQUENCE counts its new version.
      expect(event.getFirstPropertyValue('sequence')).toBe(1);
    });

    it('together with the series event, moves that one occurrence', () => {
      const moved = move(occurrence, 120);
      const master = seriesToIcal(series);
      const update = appointmentToIcal(moved, { series });
      const combined = master.replace('END:VCALENDAR\r\n', update.slice(update.indexOf('BEGIN:VEVENT')));
      const expected = expectedSpans(series.occurrences.map((item) => (item.id === moved.id ? moved : item)));
      expect(icalJsSpans(combined)).toEqual(expected);
    });

    it('is a CANCEL of that instance when cancelled', () => {
      const text = appointmentToIcal(cancel(occurrence), { series, organizer: ORGANIZER });
      const calendar = parseCalendar(text);
      expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
      expect(first(calendar).getFirstPropertyValue('status')).toBe('CANCELLED');
      expect(first(calendar).hasProperty('recurrence-id')).toBe(true);
    });

    it('is an event of its own without the series', () => {
      const event = first(parseCalendar(appointmentToIcal(occurrence)));
      expect(event.getFirstPropertyValue('uid')).toBe(occurrence.id);
      expect(event.hasProperty('recurrence-id')).toBe(false);
    });

    it('refuses a series that is not the appointment’s', () => {
      const other = makeSeries(NEW_YORK, [{ start: '2026-03-02T09:00', rule: { frequency: 'daily', interval: 1 } }]);
      expect(validationPaths(() => appointmentToIcal(occurrence, { series: other }))).toEqual(['series.seriesId']);
      expect(validationPaths(() => appointmentToIcal(base(), { series }))).toEqual(['series']);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('seriesToIcal: what readers expand is exactly the series', () => {
  describe.each(MODES)('in %s mode', (mode) => {
    it('weekly 09:00 New York across spring-forward, with a cancelled, a skipped and a moved occurrence', () => {
      const series = makeSeries(
        NEW_YORK,
        [{ start: '2026-02-23T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 6 } }],
        (occurrences) =>
          changeAt(changeAt(occurrences, [2], cancel), [4], (occurrence) => move(occurrence, 90)).filter(
            (_, position) => position !== 3,
          ),
      );
      const text = expectRoundTrip(series, mode);
      expect(propertyLines(text, 'EXDATE')).toHaveLength(2);
      expect(propertyLines(text, 'RECURRENCE-ID')).toHaveLength(1);
      if (mode === 'local') {
        expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=6']);
        expect(propertyLines(text, 'EXDATE')).toEqual([
          'EXDATE;TZID=America/New_York:20260309T090000',
          'EXDATE;TZID=America/New_York:20260316T090000',
        ]);
      }
    });

    it('daily 08:30 London across the spring change, to an end date (UNTIL at the end of that day)', () => {
      const series = makeSeries(LONDON, [
        { start: '2026-03-25T08:30', rule: { frequency: 'daily', interval: 1, endDate: '2026-04-02' } },
      ]);
      expect(series.occurrences).toHaveLength(9);
      const text = expectRoundTrip(series, mode);
      if (mode === 'local') expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=DAILY;UNTIL=20260402T225959Z']);
    });

    it('daily 17:00 London across the autumn change, every other day', () => {
      const series = makeSeries(LONDON, [
        { start: '2026-10-20T17:00', rule: { frequency: 'daily', interval: 2, maxOccurrences: 6 } },
      ]);
      const text = expectRoundTrip(series, mode);
      if (mode === 'local') expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=DAILY;COUNT=6;INTERVAL=2']);
    });

    it('monthly on the 4th at 10:00 on Lord Howe, across both 30-minute shifts', () => {
      const series = makeSeries(
        LORD_HOWE,
        [{ start: '2026-01-04T10:00', rule: { frequency: 'monthly', interval: 1, maxOccurrences: 12 } }],
        (occurrences) => changeAt(occurrences, [5], cancel),
      );
      expectRoundTrip(series, mode);
    });

    it('biweekly 14:00 on Lord Howe across the October shift', () => {
      const series = makeSeries(LORD_HOWE, [
        { start: '2026-09-06T14:00', rule: { frequency: 'biweekly', interval: 1, maxOccurrences: 5 } },
      ]);
      const text = expectRoundTrip(series, mode);
      if (mode === 'local') expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=5;INTERVAL=2']);
    });

    it('an RRULE with BYDAY in New York across spring-forward', () => {
      const series = makeSeries(
        NEW_YORK,
        [{ start: '2026-03-02T09:00', rule: { rrule: 'FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8' } }],
        (occurrences) => changeAt(occurrences, [3], (occurrence) => move(occurrence, -60)),
      );
      const text = expectRoundTrip(series, mode);
      if (mode === 'local') expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=8;BYDAY=MO,TH']);
    });

    it('an RRULE whose start is not one of its days (the start repeated as RDATE)', () => {
      // A Monday start with Tuesdays and Thursdays: the Monday is the first occurrence.
      const series = makeSeries(NEW_YORK, [
        { start: '2026-03-02T09:00', rule: { rrule: 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=5' } },
      ]);
      expect(series.occurrences[0]?.start.toISOString()).toBe('2026-03-02T14:00:00.000Z');
      const text = expectRoundTrip(series, mode);
      if (mode === 'local') {
        expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;UNTIL=20260312T130000Z;BYDAY=TU,TH']);
        expect(propertyLines(text, 'RDATE')).toEqual(['RDATE;TZID=America/New_York:20260302T090000']);
      }
    });

    it('a monthly nth-weekday RRULE (second Tuesday) in London', () => {
      const series = makeSeries(
        LONDON,
        [{ start: '2026-01-13T11:15', rule: { rrule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=10' } }],
        (occurrences) => changeAt(occurrences, [1, 6], cancel),
      );
      const text = expectRoundTrip(series, mode);
      if (mode === 'local') expect(text).not.toContain('RDATE');
    });

    it('a series in two segments across the London autumn change', () => {
      const series = makeSeries(
        LONDON,
        [
          { start: '2026-10-05T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 3 } },
          {
            fromIndex: 3,
            start: '2026-10-27T14:00',
            rule: { frequency: 'weekly', interval: 1, maxOccurrences: 4 },
            durationMinutes: 60,
            type: 'consultation',
          },
        ],
        (occurrences) =>
          changeAt(
            changeAt(occurrences, [1], (occurrence) => move(occurrence, 30)),
            [5],
            cancel,
          ),
      );
      const text = expectRoundTrip(series, mode);
      const uids = [...eventsByUid(parseCalendar(text)).keys()];
      expect(uids).toEqual([series.seriesId, `${series.seriesId}+3`]);
      expect(contentLines(text).filter((line) => line.startsWith('SUMMARY'))).toEqual([
        'SUMMARY:Follow up',
        'SUMMARY:Follow up',
        'SUMMARY:Consultation',
      ]);
    });

    it('a segment cut short by the next keeps only its own instances', () => {
      // The first rule would run 10 weeks; the second segment takes over from index 4.
      const series = makeSeries(NEW_YORK, [
        { start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, endDate: '2026-05-04' } },
        { fromIndex: 4, start: '2026-04-01T16:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 3 } },
      ]);
      const text = expectRoundTrip(series, mode);
      if (mode === 'local') {
        expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=4', 'RRULE:FREQ=WEEKLY;COUNT=3']);
      }
    });

    it('occurrences that differ only in status or text become overrides with their own STATUS', () => {
      const series = makeSeries(
        NEW_YORK,
        [{ start: '2026-03-05T15:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 5 } }],
        (occurrences) => changeAt(occurrences, [1], (occurrence) => ({ ...occurrence, status: 'confirmed' })),
      );
      const text = expectRoundTrip(series, mode);
      const group = eventsByUid(parseCalendar(text)).get(series.seriesId);
      expect(group?.master?.getFirstPropertyValue('status')).toBe('TENTATIVE');
      expect(group?.overrides.map((override) => override.getFirstPropertyValue('status'))).toEqual(['CONFIRMED']);
    });
  });

  describe('times readers could misread are written in UTC', () => {
    it('a series at 02:15 on Lord Howe, which does not exist on 4 October 2026', () => {
      const series = makeSeries(LORD_HOWE, [
        { start: '2026-09-20T02:15', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 4 } },
      ]);
      // appointment-kit reads the gap time with the offset before the gap (RFC 5545).
      expect(series.occurrences[2]?.start.toISOString()).toBe('2026-10-03T15:45:00.000Z');
      expectRoundTrip(series, 'local', 'utc');
    });

    it('a series at 01:30 New York, which happens twice on 1 November 2026', () => {
      const series = makeSeries(NEW_YORK, [
        { start: '2026-10-18T01:30', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 5 } },
      ]);
      expectRoundTrip(series, 'local', 'utc');
    });

    it('a zone whose published VTIMEZONE is out of date (São Paulo dropped DST in 2019)', () => {
      const series = makeSeries('America/Sao_Paulo', [
        { start: '2026-11-02T10:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 6 } },
      ]);
      const text = expectRoundTrip(series, 'local', 'utc');
      // São Paulo keeps one offset now, so the rule repeats in UTC as well: still an RRULE.
      expect(propertyLines(text, 'DTSTART')).toEqual(['DTSTART:20261102T130000Z']);
      expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=6']);
    });

    it('a zone without DST keeps its RRULE in UTC mode', () => {
      const series = makeSeries('Asia/Kolkata', [
        { start: '2026-03-02T09:30', rule: { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=9' } },
      ]);
      const text = expectRoundTrip(series, 'utc');
      expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=9;BYDAY=MO,WE,FR']);
      expect(text).not.toContain('RDATE');
    });

    it('a series across DST in UTC mode lists its instants as RDATEs', () => {
      const series = makeSeries(NEW_YORK, [
        { start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 3 } },
      ]);
      const text = expectRoundTrip(series, 'utc');
      expect(text).not.toContain('RRULE');
      expect(propertyLines(text, 'RDATE')).toEqual([
        'RDATE:20260302T140000Z',
        'RDATE:20260309T130000Z',
        'RDATE:20260316T130000Z',
      ]);
    });
  });

  describe('bounds', () => {
    it('makes the two-year, 100-occurrence cap explicit as COUNT', () => {
      const series = makeSeries(LONDON, [{ start: '2026-01-05T10:00', rule: { frequency: 'weekly', interval: 1 } }]);
      expect(series.occurrences).toHaveLength(100);
      const text = expectRoundTrip(series, 'local');
      expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=WEEKLY;COUNT=100']);
    });

    it('writes COUNT when an end date lies beyond the two-year window', () => {
      const series = makeSeries(LONDON, [
        { start: '2026-01-05T10:00', rule: { frequency: 'monthly', interval: 1, endDate: '2029-12-31' } },
      ]);
      expect(series.occurrences).toHaveLength(25);
      const text = expectRoundTrip(series, 'local');
      expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=MONTHLY;COUNT=25']);
    });

    it('keeps an RRULE UNTIL given as a date', () => {
      const series = makeSeries(LORD_HOWE, [
        { start: '2026-03-30T07:00', rule: { rrule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20260410' } },
      ]);
      const text = expectRoundTrip(series, 'local');
      // The whole local day of 10 April (+10:30 by then) ends at 13:29:59Z.
      expect(propertyLines(text, 'RRULE')).toEqual(['RRULE:FREQ=DAILY;UNTIL=20260410T132959Z;BYDAY=MO,TU,WE,TH,FR']);
    });
  });

  describe('rules readers disagree on', () => {
    it.each(MODES)(
      'lists the instances of BYSETPOS, BYYEARDAY and BYWEEKNO rules, so ical.js expands exactly ours (%s)',
      (mode) => {
        for (const [start, rrule] of [
          // The last weekday of each month, from a Sunday the rule would not produce, and from one it would.
          ['2026-02-01T09:00', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3'],
          ['2026-01-30T09:00', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3'],
          ['2026-03-02T09:00', 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1;COUNT=3'],
          ['2026-01-10T09:00', 'FREQ=YEARLY;BYYEARDAY=10,100;COUNT=3'],
          ['2026-03-02T09:00', 'FREQ=YEARLY;BYWEEKNO=10;BYDAY=MO;COUNT=2'],
        ] as const) {
          const series = makeSeries(LONDON, [{ start, rule: { rrule } }]);
          const text = seriesToIcal(series, { timeZoneMode: mode });
          expect(text, rrule).not.toContain('RRULE:');
          expect(icalJsSpans(text), `${rrule} from ${start}`).toEqual(expectedSpans(series.occurrences));
        }
      },
    );
  });

  it('cleans the summary it makes from the type, and turns U+2028 and U+2029 into line breaks', () => {
    const start = local('2026-03-09T09:00', NEW_YORK);
    const record = appointment({
      id: nextId('appointment'),
      start,
      end: new Date(start.getTime() + 45 * MINUTE_MS),
      timeZone: NEW_YORK,
      type: 'x\u0000y\ud800',
    });
    const text = appointmentToIcal(record, { description: () => 'Room\u20282' });
    const event = first(parseCalendar(text));
    expect(event.getFirstPropertyValue('summary')).toBe('Xy\ufffd');
    expect(event.getFirstPropertyValue('description')).toBe('Room\n2');
  });

  describe('METHOD, STATUS and SEQUENCE', () => {
    it('sends CANCEL, with every segment cancelled, when every occurrence is', () => {
      const series = makeSeries(
        NEW_YORK,
        [
          { start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 2 } },
          { fromIndex: 2, start: '2026-03-20T09:00', rule: { frequency: 'daily', interval: 1, maxOccurrences: 2 } },
        ],
        (occurrences) => occurrences.map(cancel),
      );
      const text = seriesToIcal(series, { organizer: ORGANIZER });
      const calendar = parseCalendar(text);
      expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
      const events = calendar.getAllSubcomponents('vevent');
      expect(events.map((event) => event.getFirstPropertyValue('status'))).toEqual(['CANCELLED', 'CANCELLED']);
      expect(text).not.toContain('EXDATE');
      expect(events.map((event) => event.getFirstPropertyValue('sequence'))).toEqual([4, 4]);
    });

    it('sends REQUEST with a fully cancelled segment marked CANCELLED', () => {
      const series = makeSeries(
        LONDON,
        [
          { start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 2 } },
          { fromIndex: 2, start: '2026-03-20T09:00', rule: { frequency: 'daily', interval: 1, maxOccurrences: 2 } },
        ],
        (occurrences) => changeAt(occurrences, [0, 1], cancel),
      );
      const calendar = parseCalendar(seriesToIcal(series, { organizer: ORGANIZER }));
      expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
      const statuses = calendar.getAllSubcomponents('vevent').map((event) => event.getFirstPropertyValue('status'));
      expect(statuses).toEqual(['CANCELLED', 'TENTATIVE']);
      expect(icalJsSpans(seriesToIcal(series))).toEqual(expectedSpans(series.occurrences));
    });

    it('gives every event of the series one SEQUENCE, the sum of version − 1', () => {
      const series = makeSeries(
        NEW_YORK,
        [{ start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 4 } }],
        (occurrences) =>
          changeAt(changeAt(occurrences, [1], cancel), [2], (occurrence) => move(move(occurrence, 30), 30)),
      );
      const events = parseCalendar(seriesToIcal(series)).getAllSubcomponents('vevent');
      expect(events.map((event) => event.getFirstPropertyValue('sequence'))).toEqual([3, 3]);
    });
  });

  it('gives the same text under any process zone and on every call', () => {
    const series = makeSeries(LORD_HOWE, [
      { start: '2026-03-29T10:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 3 } },
    ]);
    const text = seriesToIcal(series);
    expect(seriesToIcal(series)).toBe(text);
    expect(propertyLines(text, 'DTSTART')).toEqual(['DTSTART;TZID=Australia/Lord_Howe:20260329T100000']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('seriesToIcal: property — any series, any edits, both modes', () => {
  const zone = fc.constantFrom(NEW_YORK, LONDON, LORD_HOWE);
  const pattern: fc.Arbitrary<StoredRecurrence> = fc.oneof(
    fc.record({
      frequency: fc.constantFrom('daily', 'weekly', 'biweekly', 'monthly'),
      interval: fc.integer({ min: 1, max: 3 }),
      maxOccurrences: fc.integer({ min: 1, max: 14 }),
    }),
    fc
      .tuple(fc.subarray(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'], { minLength: 1 }), fc.integer({ min: 2, max: 12 }))
      .map(([days, count]) => ({ rrule: `FREQ=WEEKLY;BYDAY=${days.join(',')};COUNT=${count}` })),
  );
  const edit = fc.constantFrom('keep', 'cancel', 'drop', 'move', 'confirm');

  it('ical.js expands exactly the occurrences that are not cancelled', () => {
    fc.assert(
      fc.property(
        zone,
        fc.integer({ min: 0, max: 364 }),
        fc.integer({ min: 0, max: 95 }),
        pattern,
        fc.array(edit, { minLength: 14, maxLength: 14 }),
        fc.constantFrom(...MODES),
        (timeZone, day, quarterHour, rule, edits, mode) => {
          const wall = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone: 'UTC' })
            .plus({ days: day, minutes: quarterHour * 15 })
            .toFormat("yyyy-MM-dd'T'HH:mm");
          const series = makeSeries(timeZone, [{ start: wall, rule }], (occurrences) =>
            occurrences.flatMap((occurrence, position) => {
              const change = edits[position];
              if (change === 'drop' && position > 0) return [];
              if (change === 'cancel') return [cancel(occurrence)];
              if (change === 'move') return [move(occurrence, 75)];
              if (change === 'confirm') return [{ ...occurrence, status: 'confirmed' as const }];
              return [occurrence];
            }),
          );
          const text = seriesToIcal(series, { timeZoneMode: mode });
          expectNoFloatingTimes(text);
          expect(icalJsSpans(text)).toEqual(expectedSpans(series.occurrences));
        },
      ),
      { numRuns: 150 },
    );
  });
  it('holds for night-time series running into the DST changes (gaps and overlaps)', () => {
    const changes: Readonly<Record<string, readonly string[]>> = {
      [NEW_YORK]: ['2026-03-08', '2026-11-01'],
      [LONDON]: ['2026-03-29', '2026-10-25'],
      [LORD_HOWE]: ['2026-04-05', '2026-10-04'],
    };
    fc.assert(
      fc.property(
        zone,
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 16 }),
        fc.constantFrom('daily', 'weekly') as fc.Arbitrary<'daily' | 'weekly'>,
        fc.constantFrom(...MODES),
        (timeZone, which, daysBefore, quarterHour, frequency, mode) => {
          const change = DateTime.fromISO(changes[timeZone]?.[which] ?? '', { zone: 'UTC' });
          const wall = change.minus({ days: daysBefore }).plus({ minutes: quarterHour * 15 });
          const series = makeSeries(
            timeZone,
            [
              {
                start: wall.toFormat("yyyy-MM-dd'T'HH:mm"),
                rule: { frequency, interval: 1, maxOccurrences: 6 },
                durationMinutes: 45,
              },
            ],
            (occurrences) => changeAt(occurrences, [2], (occurrence) => move(occurrence, 30)),
          );
          const text = seriesToIcal(series, { timeZoneMode: mode });
          expectNoFloatingTimes(text);
          expect(icalJsSpans(text)).toEqual(expectedSpans(series.occurrences));
        },
      ),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('calendarFeed', () => {
  const provider = 'provider-a';
  const single = (text: string, fields: Partial<Appointment> = {}) =>
    appointment({ id: nextId('feed'), start: local(text, LONDON), timeZone: LONDON, providerId: provider, ...fields });

  it.each(MODES)(
    'is a calendar without METHOD: appointments not cancelled, series as recurring events (%s)',
    (mode) => {
      const series = makeSeries(
        LONDON,
        [{ start: '2026-03-23T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 4 } }],
        (occurrences) => changeAt(occurrences, [1], cancel),
      );
      const appointments = [
        single('2026-03-24T10:00'),
        single('2026-03-25T10:00', { status: 'cancelled' }),
        single('2026-03-30T16:00', { status: 'completed' }),
        ...series.occurrences,
      ];
      const text = calendarFeed({ name: 'Dr Lee, Room 4; East', appointments, series: [series], timeZoneMode: mode });
      expectNoFloatingTimes(text);
      const calendar = parseCalendar(text);
      expect(calendar.hasProperty('method')).toBe(false);
      expect(calendarName(text)).toBe('Dr Lee, Room 4; East');
      const uids = [...eventsByUid(calendar).keys()];
      expect(uids).toEqual([appointments[0]?.id, appointments[2]?.id, series.seriesId]);
      const expected = expectedSpans(appointments);
      expect(icalJsSpans(text)).toEqual(expected);
      if (!text.includes('RDATE')) expect(nodeIcalSpans(text)).toEqual(expected);
    },
  );

  it('shows occurrences one by one when their series is not given', () => {
    const series = makeSeries(LONDON, [
      { start: '2026-03-23T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 2 } },
    ]);
    const text = calendarFeed({ name: 'Dr Lee', appointments: series.occurrences });
    const uids = [...eventsByUid(parseCalendar(text)).keys()];
    expect(uids).toEqual(series.occurrences.map((occurrence) => occurrence.id));
  });

  it('leaves out a series whose occurrences are all cancelled', () => {
    const series = makeSeries(
      LONDON,
      [{ start: '2026-03-23T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 2 } }],
      (occurrences) => occurrences.map(cancel),
    );
    const text = calendarFeed({ name: 'Dr Lee', appointments: [], series: [series] });
    expect(text).not.toContain('BEGIN:VEVENT');
  });

  it('refuses two appointments or series with one id', () => {
    const one = single('2026-03-24T10:00');
    expect(validationPaths(() => calendarFeed({ name: 'x', appointments: [one, one] }))).toEqual([
      'appointments[1].id',
    ]);
    const series = makeSeries(LONDON, [
      { start: '2026-03-23T09:00', rule: { frequency: 'daily', interval: 1, maxOccurrences: 2 } },
    ]);
    expect(validationPaths(() => calendarFeed({ name: 'x', appointments: [], series: [series, series] }))).toEqual([
      'series[1].seriesId',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('hostile input', () => {
  const record = () =>
    appointment({ id: nextId('hostile'), start: new Date('2026-03-02T09:00:00Z'), timeZone: LONDON });
  const optionPaths = (options: unknown) => validationPaths(() => appointmentToIcal(record(), untyped(options)));

  it.each([
    [{ timeZoneMode: 'floating' }, 'timeZoneMode'],
    [{ timezoneMode: 'utc' }, 'timezoneMode'],
    [{ prodId: '//x//y//EN' }, 'prodId'],
    [{ prodId: { company: 'a//b', product: 'p' } }, 'prodId.company'],
    [{ prodId: { company: 'a', product: 'p"\r\nX' } }, 'prodId.product'],
    [{ prodId: { company: 'a', product: 'p', language: 'e n' } }, 'prodId.language'],
    [{ domain: 'clinic example' }, 'domain'],
    [{ domain: 'a'.repeat(5_000) }, 'domain'],
    [{ domain: `${'a-'.repeat(100)}!` }, 'domain'],
    [{ summary: 'Follow-up' }, 'summary'],
    [{ summary: () => 42 }, 'summary'],
    [{ summary: () => 'x'.repeat(ICAL_LIMITS.textLength + 1) }, 'summary'],
    [{ description: () => ({ text: 'x' }) }, 'description'],
    [{ organizer: 'lee@clinic.example' }, 'organizer'],
    [{ organizer: { email: 'lee@clinic.example\r\nATTENDEE:mailto:eve@example.com' } }, 'organizer.email'],
    [{ organizer: { email: 'lee@clinic.example', name: 'Dr "Lee"' } }, 'organizer.name'],
    [{ attendees: 'sam@example.com' }, 'attendees'],
    [{ attendees: [{ email: 5 }] }, 'attendees[0].email'],
    [{ attendees: [{ email: 'a;b@example.com' }] }, 'attendees[0].email'],
    [{ attendees: Array.from({ length: ICAL_LIMITS.attendees + 1 }, () => ({ email: 'a@b.c' })) }, 'attendees'],
    [{ now: '2026-03-01' }, 'now'],
    [{ now: new Date(Number.NaN) }, 'now'],
  ])('refuses %j naming %s', (options, path) => {
    expect(optionPaths(options)).toEqual([path]);
  });

  it('refuses huge options in bounded time, before matching any pattern', () => {
    const huge = [
      { domain: 'a'.repeat(50_000_000) },
      { domain: `${'a-'.repeat(1_000_000)}!` },
      { organizer: { email: `${'a'.repeat(10_000_000)}@` } },
      { attendees: Array.from({ length: 1_000_000 }, () => ({ email: 'a@b.c' })) },
      { summary: () => 'x'.repeat(50_000_000) },
    ];
    for (const options of huge) {
      const started = performance.now();
      expect(optionPaths(options)).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it('refuses options that are not an object', () => {
    expect(optionPaths(null)).toEqual(['']);
    expect(optionPaths('utc')).toEqual(['']);
  });

  it.each([
    [{ id: 'a\r\nATTENDEE:mailto:eve@example.com' }, 'appointment.id'],
    [{ id: '' }, 'appointment.id'],
    [{ status: 'lost' }, 'appointment.status'],
    [{ start: '2026-03-02T09:00:00Z' }, 'appointment.start'],
    [{ end: new Date('2026-03-02T08:00:00Z') }, 'appointment.end'],
    [{ start: new Date('+100000-01-01T00:00:00Z'), end: new Date('+100000-01-01T01:00:00Z') }, 'appointment.start'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'appointment.timeZone'],
    [{ timeZone: 'Europe/London\r\nX' }, 'appointment.timeZone'],
    [{ version: 0 }, 'appointment.version'],
    [{ version: 1.5 }, 'appointment.version'],
    [{ updatedAt: null }, 'appointment.updatedAt'],
  ])('refuses an appointment with %j naming %s', (fields, path) => {
    expect(validationPaths(() => appointmentToIcal(untyped({ ...record(), ...fields })))).toEqual([path]);
  });

  describe('a hostile series', () => {
    const good = () =>
      makeSeries(LONDON, [
        { start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 3 } },
      ]);
    const seriesPaths = (change: (series: Series) => unknown) =>
      validationPaths(() => seriesToIcal(untyped(change(good()))));

    it.each<[string, (series: Series) => unknown, string]>([
      ['no segments', (series) => ({ ...series, segments: [] }), 'series.segments'],
      [
        'a rule that is not RFC 5545',
        (series) => ({ ...series, segments: [{ ...series.segments[0], rule: { rrule: 'FREQ=HOURLY' } }] }),
        'series.segments[0].rule.rrule',
      ],
      [
        'a huge rule',
        (series) => ({
          ...series,
          segments: [{ ...series.segments[0], rule: { rrule: `FREQ=DAILY;${'X'.repeat(1e6)}` } }],
        }),
        'series.segments[0].rule.rrule',
      ],
      [
        'a pattern with a bad interval',
        (series) => ({
          ...series,
          segments: [{ ...series.segments[0], rule: { frequency: 'weekly', interval: -1 } }],
        }),
        'series.segments[0].rule.interval',
      ],
      [
        'a second segment at index 0',
        (series) => ({ ...series, segments: [series.segments[0], series.segments[0]] }),
        'series.segments[1].fromIndex',
      ],
      ['an unknown zone', (series) => ({ ...series, timeZone: 'Nowhere/Special' }), 'series.timeZone'],
      [
        'an occurrence of another series',
        (series) => ({ ...series, occurrences: [{ ...series.occurrences[0], seriesId: 'other' }] }),
        'series.occurrences[0].seriesId',
      ],
      [
        'two occurrences at one index',
        (series) => ({ ...series, occurrences: [series.occurrences[0], series.occurrences[0]] }),
        'series.occurrences[1].occurrenceIndex',
      ],
      [
        'an occurrence at an index the pattern lacks',
        (series) => ({ ...series, occurrences: [{ ...series.occurrences[0], occurrenceIndex: 50 }] }),
        'series.occurrences',
      ],
      ['no occurrences', (series) => ({ ...series, occurrences: [] }), 'series.occurrences'],
      ['a series id with a line break', (series) => ({ ...series, seriesId: 'a\nb' }), 'series.seriesId'],
    ])('refuses %s', (_, change, path) => {
      const started = performance.now();
      expect(seriesPaths(change)).toEqual([path]);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });

  it('refuses a feed with a bad name or list', () => {
    expect(validationPaths(() => calendarFeed(untyped({ name: '', appointments: [] })))).toEqual(['name']);
    expect(validationPaths(() => calendarFeed(untyped({ name: 'x'.repeat(201), appointments: [] })))).toEqual(['name']);
    expect(validationPaths(() => calendarFeed(untyped({ name: 'x', appointments: 'all' })))).toEqual(['appointments']);
    expect(validationPaths(() => calendarFeed(untyped({ name: 'x', appointments: [{}] })))).toEqual([
      'appointments[0].id',
    ]);
    expect(validationPaths(() => calendarFeed(untyped({ name: 'x', appointments: [], method: 'PUBLISH' })))).toEqual([
      'method',
    ]);
    expect(() => calendarFeed(untyped(null))).toThrow(ValidationError);
  });

  it('refuses a feed whose series have too many segments together, before expanding them', () => {
    const series = makeSeries(LONDON, [
      { start: '2026-03-02T09:00', rule: { frequency: 'weekly', interval: 1, maxOccurrences: 3 } },
    ]);
    const many = Array.from({ length: ICAL_LIMITS.feedSegments + 1 }, (_, index) => ({
      ...series,
      seriesId: `${series.seriesId}-${index}`,
    }));
    const started = performance.now();
    expect(validationPaths(() => calendarFeed({ name: 'x', appointments: [], series: many }))).toEqual(['series']);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('escapes a feed name with line breaks instead of starting a new property', () => {
    const text = calendarFeed({ name: 'Dr Lee\r\nMETHOD:CANCEL', appointments: [] });
    expect(parseCalendar(text).hasProperty('method')).toBe(false);
    expect(calendarName(text)).toBe('Dr Lee\nMETHOD:CANCEL');
  });
});
