/**
 * Writes event plans out with ical-generator: the calendar and event structure, escaping of
 * TEXT values, line folding and the VTIMEZONE components are all ical-generator's.
 *
 * ical-generator is imported statically: `appointment-kit/ical` is its own entry point, so a
 * host without the optional peer fails when it imports this entry (Node names the missing
 * package), while every other entry point loads without it.
 */
import ical, {
  escape as escapeText,
  type ICalAttendeeData,
  ICalCalendarMethod,
  type ICalEventData,
  ICalEventStatus,
  type ICalOrganizer,
} from 'ical-generator';
import { DateTime } from 'luxon';
import type { ExportContext, IcalParty } from './options.js';
import type { EventPlan } from './plan.js';
import { vtimezoneText } from './vtimezone.js';

const CRLF = '\r\n';

/** The iTIP methods the export sends; a feed has none. */
export type CalendarMethod = 'REQUEST' | 'CANCEL' | 'PUBLISH';

/** How the calendar object itself is written. */
export interface CalendarShape {
  readonly method: CalendarMethod | null;
  /** The calendar's display name (`NAME`, `X-WR-CALNAME`), already checked. */
  readonly name?: string;
}

/** The VCALENDAR text of `events`. */
export function renderCalendar(events: readonly EventPlan[], context: ExportContext, shape: CalendarShape): string {
  const calendar = ical({
    prodId: context.prodId,
    method: shape.method === null ? null : ICalCalendarMethod[shape.method],
    // No calendar-level zone name: ical-generator would then write DTSTAMP and UNTIL as local
    // times, which RFC 5545 forbids. The generator alone makes it add one VTIMEZONE per TZID
    // the events use.
    timezone: { name: null, generator: vtimezoneText },
    // ical-generator writes the name as given; it is TEXT, so it is escaped here.
    ...(shape.name !== undefined && { name: escapeText(shape.name, false) }),
  });
  for (const event of events) calendar.createEvent(eventData(event, context));
  // RFC 5545 ends every content line with CRLF, `END:VCALENDAR` included; ical-generator
  // leaves that last one off.
  return `${calendar.toString()}${CRLF}`;
}

function eventData(event: EventPlan, context: ExportContext): ICalEventData {
  return {
    id: event.uid,
    sequence: event.sequence,
    stamp: event.stamp,
    start: dateTime(event.start, event.zone),
    end: dateTime(event.end, event.zone),
    timezone: event.zone,
    summary: event.text.summary,
    description: event.text.description,
    status: ICalEventStatus[event.status],
    organizer: context.organizer === null ? null : organizer(context.organizer),
    attendees: context.attendees.map(attendee),
    recurrenceId: event.recurrenceId === null ? null : dateTime(event.recurrenceId, event.zone),
    // A string is written line by line, as ical-generator does for rrule.js's RRuleSet.
    repeating: event.recurrenceLines.length === 0 ? null : event.recurrenceLines.join('\n'),
  };
}

/**
 * A time ical-generator writes correctly: a `Date` in UTC; with a zone, a luxon DateTime in it
 * (ical-generator would read a plain `Date` with the process's zone, which must never matter).
 */
function dateTime(epochMs: number, zone: string | null): Date | DateTime {
  return zone === null ? new Date(epochMs) : DateTime.fromMillis(epochMs, { zone });
}

function organizer(party: IcalParty): ICalOrganizer {
  return { email: party.email, name: party.name ?? party.email };
}

function attendee(party: IcalParty): ICalAttendeeData {
  return party.name === undefined ? { email: party.email } : { email: party.email, name: party.name };
}
