/**
 * appointment-kit/ical: appointments and series as RFC 5545 iCalendar text — invitations and
 * cancellations (RFC 5546 `METHOD:REQUEST` / `METHOD:CANCEL`) and subscribable feeds.
 *
 * Needs the optional peer dependencies `ical-generator` (10.x) and `@touch4it/ical-timezones`:
 * `npm install ical-generator @touch4it/ical-timezones`. See docs/ical.md.
 *
 * @packageDocumentation
 */
import type { Appointment } from '../appointment.js';
import type { Series } from '../series.js';
import { type ExportContext, type IcalOptions, resolveOptions } from './options.js';
import { appointmentPlan, type EventPlan, type SegmentPlan, seriesPlan } from './plan.js';
import { type CalendarMethod, renderCalendar } from './render.js';
import { type CheckedSeries, checkSeries } from './series-input.js';
import { cleanText } from './text.js';
import {
  checkAppointment,
  fail,
  ICAL_LIMITS,
  requireArray,
  requireObject,
  requireString,
  requireUidPart,
} from './validate.js';

export type { IcalOptions, IcalParty, IcalProdId, IcalTimeZoneMode } from './options.js';
export { ICAL_STATUS, type IcalEventStatus } from './status.js';
export { ICAL_LIMITS } from './validate.js';

/** Options of {@link appointmentToIcal}. */
export interface AppointmentIcalOptions extends IcalOptions {
  /**
   * The appointment's series, when it is an occurrence of one (`Scheduler.getSeries`). The
   * occurrence is then written as one instance of the series' recurring event (the segment's
   * UID and a `RECURRENCE-ID`), so it updates the event {@link seriesToIcal} sent. Without it,
   * an occurrence is written as an event of its own, with its own id as UID.
   */
  readonly series?: Series;
}

/** Input of {@link calendarFeed}: the feed, and the options of every export. */
export interface CalendarFeedInput extends IcalOptions {
  /** The calendar's display name (`NAME`, `X-WR-CALNAME`), e.g. the provider's name. */
  readonly name: string;
  /** The appointments to show; cancelled ones are left out. */
  readonly appointments: readonly Appointment[];
  /**
   * Series to show as recurring events. Appointments of a series given here are shown through
   * it (from the series' own occurrences) rather than one by one.
   */
  readonly series?: readonly Series[];
}

/**
 * One appointment as an iTIP message: a VCALENDAR with `METHOD:REQUEST`, or `METHOD:CANCEL`
 * when it is cancelled, and one VEVENT. Its UID is the appointment id (`<id>@<domain>` with the
 * `domain` option); SEQUENCE is `version − 1`; STATUS follows {@link ICAL_STATUS}.
 *
 * An occurrence of a series, given with its `series`, is written as that instance of the
 * series' event instead: the segment's UID, `RECURRENCE-ID` = the instance it replaces, and
 * the series' SEQUENCE (see {@link seriesToIcal}).
 *
 * @example
 * ```ts
 * import { appointmentToIcal } from 'appointment-kit/ical';
 *
 * const ics = appointmentToIcal(appointment, {
 *   domain: 'clinic.example',
 *   organizer: { name: 'Dr Lee', email: 'lee@clinic.example' },
 *   attendees: [{ name: 'Sam Patient', email: 'sam@example.com' }],
 * });
 * await mailer.send({ to: 'sam@example.com', icalEvent: { method: 'REQUEST', content: ics } });
 * ```
 * @throws {ValidationError} naming the option or appointment field at fault.
 */
export function appointmentToIcal(appointment: Appointment, options?: AppointmentIcalOptions): string {
  const context = resolveOptions(options, ['series']);
  const checked = checkAppointment(appointment, 'appointment');
  const series = (options as { readonly series?: unknown } | undefined)?.series;
  const method = itipMethod(context, checked.status === 'cancelled');
  const event = series === undefined ? appointmentPlan(checked, context) : occurrencePlan(checked, series, context);
  return renderCalendar([event], context, { method });
}

/**
 * The iTIP method: `REQUEST`, or `CANCEL` once cancelled, when there is an organizer to send it
 * (RFC 5546 requires one in both); without one, `PUBLISH` (a copy for a calendar, with `STATUS`
 * saying whether it is cancelled).
 */
function itipMethod(context: ExportContext, cancelled: boolean): CalendarMethod {
  if (context.organizer === null) return 'PUBLISH';
  return cancelled ? 'CANCEL' : 'REQUEST';
}

/** An occurrence as one instance of its series' event. */
function occurrencePlan(occurrence: Appointment, series: unknown, context: ExportContext): EventPlan {
  if (occurrence.seriesId === null) fail('series', 'The appointment is not an occurrence of a series', 'invalid_value');
  if (occurrence.occurrenceIndex === null) {
    fail('appointment.occurrenceIndex', 'Must be set on an occurrence of a series', 'invalid_type');
  }
  const seriesId = requireUidPart(requireObject(series, 'series').seriesId, 'series.seriesId');
  if (seriesId !== occurrence.seriesId) fail('series.seriesId', "Must be the appointment's seriesId", 'invalid_value');
  const checked = checkSeries(series, 'series', occurrence);
  const position = checked.segments.findIndex((segment) =>
    segment.instances.some((instance) => instance.index === occurrence.occurrenceIndex),
  );
  const segment = seriesPlan(checked, context).segments[position] as SegmentPlan;
  return segment.occurrenceEvent(occurrence);
}

/**
 * A series as an iTIP message: `METHOD:REQUEST`, or `METHOD:CANCEL` when every occurrence is
 * cancelled. Each segment is one recurring VEVENT: its rule as an RRULE (bounded by COUNT, or
 * by the host's UNTIL where that ended it), its first instance as DTSTART, an EXDATE for each
 * instance without an occurrence or with a cancelled one, and a VEVENT with `RECURRENCE-ID`
 * for each occurrence that differs from its instance (moved, resized, retitled, another
 * status). The first segment's UID is the series id, a later one's `<seriesId>+<fromIndex>`.
 * SEQUENCE is the sum of `version − 1` over the occurrences.
 *
 * A reader expanding the result gets exactly the series' occurrences, instant for instant; see
 * docs/ical.md for the cases written in UTC, or as RDATEs, to keep that true.
 *
 * @example
 * ```ts
 * import { seriesToIcal } from 'appointment-kit/ical';
 *
 * const series = await scheduler.getSeries(seriesId);
 * const ics = seriesToIcal(series, { organizer, attendees: [patient] });
 * ```
 * @throws {ValidationError} naming the option or series field at fault.
 */
export function seriesToIcal(series: Series, options?: IcalOptions): string {
  const context = resolveOptions(options);
  const plan = seriesPlan(checkSeries(series, 'series'), context);
  const events = plan.segments.flatMap((segment) => [segment.master, ...segment.overrides]);
  return renderCalendar(events, context, { method: itipMethod(context, plan.cancelled) });
}

/** The keys of {@link CalendarFeedInput} that are not {@link IcalOptions}. */
const FEED_KEYS: readonly string[] = ['name', 'appointments', 'series'];

/**
 * A provider's schedule as a subscribable calendar (no METHOD): each appointment a VEVENT, each
 * given series its recurring VEVENTs (see {@link seriesToIcal}), cancelled ones left out.
 * Appointments of a series that is not given are shown one by one, with their own UIDs.
 *
 * @example
 * ```ts
 * import { calendarFeed } from 'appointment-kit/ical';
 *
 * app.get('/providers/:id/calendar.ics', async (request, response) => {
 *   const { appointments } = await scheduler.schedule({ providerId: request.params.id, view: 'month', date });
 *   response.type('text/calendar').send(calendarFeed({ name: 'Dr Lee', appointments }));
 * });
 * ```
 * @throws {ValidationError} naming the input field at fault.
 */
export function calendarFeed(input: CalendarFeedInput): string {
  const record = requireObject(input, '');
  const options = Object.fromEntries(Object.entries(record).filter(([key]) => !FEED_KEYS.includes(key)));
  const context = resolveOptions(options);
  const name = cleanText(requireString(record.name, 'name', ICAL_LIMITS.nameLength));
  const appointments = requireArray(record.appointments, 'appointments', ICAL_LIMITS.feedAppointments).map(
    (item, index) => checkAppointment(item, `appointments[${index}]`),
  );
  const series = record.series === undefined ? [] : checkFeedSeries(record.series);
  const seriesIds = new Set(series.map((item) => item.series.seriesId));
  unique(
    appointments.map((appointment) => appointment.id),
    (index) => `appointments[${index}].id`,
  );
  const single = appointments
    .filter((appointment) => appointment.status !== 'cancelled')
    .filter((appointment) => appointment.seriesId === null || !seriesIds.has(appointment.seriesId))
    .map((appointment) => appointmentPlan(appointment, context));
  const recurring = series.flatMap((checked) =>
    seriesPlan(checked, context)
      .segments.filter((segment) => segment.active)
      .flatMap((segment) => [segment.master, ...segment.overrides]),
  );
  return renderCalendar([...single, ...recurring], context, { method: null, name });
}

function checkFeedSeries(value: unknown): CheckedSeries[] {
  const list = requireArray(value, 'series', ICAL_LIMITS.feedSeries);
  // Bounded before anything is expanded: expansion is the costly part.
  const segments = list.reduce<number>((sum, item) => sum + segmentCount(item), 0);
  if (segments > ICAL_LIMITS.feedSegments) {
    fail('series', `The series must have at most ${ICAL_LIMITS.feedSegments} segments together`, 'too_big');
  }
  const checked = list.map((item, index) => checkSeries(item, `series[${index}]`));
  unique(
    checked.map((item) => item.series.seriesId),
    (index) => `series[${index}].seriesId`,
  );
  return checked;
}

/** How many segments an unchecked series claims (checkSeries checks them). */
function segmentCount(item: unknown): number {
  const segments = typeof item === 'object' && item !== null ? (item as { segments?: unknown }).segments : undefined;
  return Array.isArray(segments) ? segments.length : 0;
}

/** Refuses a repeated id: two events with one UID would be one event to a reader. */
function unique(ids: readonly string[], pathOf: (index: number) => string): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id)) fail(pathOf(index), `Another item has the id ${id}`, 'duplicate');
    seen.add(id);
  });
}
