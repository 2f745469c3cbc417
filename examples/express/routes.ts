import type { Actor, Appointment, AppointmentStatus, ChangeOptions, Scheduler } from 'appointment-kit';
import {
  APPOINTMENT_STATUSES,
  LIMITS,
  localDateSchema,
  NotFoundError,
  parseInput,
  ValidationError,
} from 'appointment-kit';
import { toFhirAppointment, toFhirBundle, toFhirSlots } from 'appointment-kit/fhir';
import { appointmentToIcal, calendarFeed, ICAL_LIMITS, seriesToIcal } from 'appointment-kit/ical';
import type { Request } from 'express';
import { z } from 'zod';
import { assertAllowed, type Permission } from './auth.js';
import type { DemoPatient, DemoProvider } from './demo-data.js';
import { etagOf, ifMatch, objectBody, param, untrusted } from './http.js';
import {
  AppointmentPage,
  Appointment as AppointmentResponse,
  AppointmentStatistics,
  AuditTrail,
  Availability,
  BookingResult,
  Explanation,
  FhirAppointment,
  FhirSlotBundle,
  ICalendar,
  PatientList,
  ProviderList,
  Schedule,
  Series,
  SeriesCancellation,
  SeriesExtension,
  SeriesMove,
  Suggestions,
} from './response-schemas.js';

/**
 * The example's one route table. The Express router (app.ts) and the OpenAPI document
 * (openapi.ts) are both generated from it, so what is served and what is documented cannot
 * drift: a route exists in both or in neither, with the same path, permission, request schemas
 * and statuses. Each handler must return the type of its documented response schema; the
 * contract test checks the JSON on the wire against the document too.
 */

/**
 * A staff override of the provider's booking rules, in a booking or reschedule body: allowed to
 * admins and receptionists only, with a reason, which the audit trail keeps.
 */
const OVERRIDE = z
  .strictObject({ reason: z.string().min(1).max(2000) })
  .optional()
  .meta({
    description:
      'Book past the provider’s hours, notice, horizon or limits (admin and receptionist only; never past another booking). The reason is audited.',
  });

const bodies = new WeakMap<Scheduler['schemas'], { book: z.ZodType; reschedule: z.ZodType }>();

/**
 * The bodies of booking and rescheduling over HTTP: the library's inputs plus `override`. One
 * schema object per schema set, so the route and the document's named component are the same.
 */
export function bodiesOf(schemas: Scheduler['schemas']): { book: z.ZodType; reschedule: z.ZodType } {
  let found = bodies.get(schemas);
  if (found === undefined) {
    found = {
      book: schemas.createAppointment.extend({ override: OVERRIDE }),
      reschedule: schemas.rescheduleAppointment.extend({ override: OVERRIDE }),
    };
    bodies.set(schemas, found);
  }
  return found;
}

/** The library's override option for a body's `override`, once the actor may give one. */
function overrideOf(override: unknown, actor: Actor): { override: { reason: string } } | undefined {
  if (override === undefined) return undefined;
  assertAllowed(actor, 'override');
  // The library checks the reason itself, naming `override.reason` when it is missing or bad.
  return { override: override as { reason: string } };
}

const DAY_MS = 86_400_000;
/** How far back and ahead a provider's calendar feed reaches. */
const FEED_PAST_DAYS = 30;
const FEED_AHEAD_DAYS = 180;

/** The HTTP methods the API uses. */
export type HttpMethod = 'get' | 'post' | 'put';

/** Statuses a route may answer with instead of its success status. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 500 | 503 | 507;

/** Response headers a route may set on success. */
export type ResponseHeader = 'ETag' | 'Location';

/** What a route's success body is: JSON, FHIR JSON, or an iCalendar document (a string). */
export type MediaType = 'application/json' | 'application/fhir+json' | 'text/calendar';

/** Request headers a route reads. */
export type RequestHeader = 'If-Match' | 'Idempotency-Key';

/** Groups of operations in the document, in the order the docs list them. */
export const ROUTE_TAGS = {
  Appointments: 'Book, read, change and cancel appointments and series.',
  Workflow: 'Move an appointment through its statuses: scheduled → confirmed → in_progress → completed.',
  Availability: 'Free slots of a provider, in the provider’s time zone.',
  Schedules: 'A provider’s day, week or month.',
  Statistics: 'Counts and rates for reporting.',
  Directory: 'The demo’s providers and patients.',
  Interoperability:
    'Appointments, series and schedules as iCalendar (RFC 5545) for calendar apps, and as FHIR R4 resources for EHRs.',
} as const;

/** A group of operations. */
export type RouteTag = keyof typeof ROUTE_TAGS;

/**
 * A handler's result as it may hold it: the documented response type, read-only all the way
 * down, so the library's own result types (which use readonly arrays) are accepted as they are.
 * Instants are `Date`s here and become ISO strings on the wire, as documented.
 */
export type Outgoing<T> = T extends Date
  ? Date
  : T extends ReadonlyArray<infer Item>
    ? ReadonlyArray<Outgoing<Item>>
    : T extends object
      ? { readonly [Key in keyof T]: Outgoing<T[Key]> }
      : T;

/** What a handler answers: the body, and the values of the headers its route declares. */
export type Reply<Body, Header extends ResponseHeader> = { readonly body: Body } & ([Header] extends [never]
  ? { readonly headers?: undefined }
  : { readonly headers: Readonly<Record<Header, string>> });

/** What a handler is given: the request and the authenticated actor. */
export interface RouteCall {
  readonly request: Request;
  readonly actor: Actor;
}

/** What a route reads from the request, as the zod schemas that document it. */
export interface RouteRequest {
  /** Path parameters by name; the path template names them as `{name}`. */
  readonly path?: Readonly<Record<string, z.ZodType>>;
  /** An object schema whose properties are the query parameters. */
  readonly query?: z.ZodType;
  readonly headers?: Readonly<Partial<Record<RequestHeader, z.ZodType>>>;
  /** The JSON body; a route without one takes none. */
  readonly body?: z.ZodType;
}

/** One entry of the table, typed so its handler must return what its success schema documents. */
export interface RouteDefinition<Body extends z.ZodType, Header extends ResponseHeader> {
  readonly method: HttpMethod;
  /** The path under `/api/v1`, as an OpenAPI template: `/appointments/{id}/cancel`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: RouteTag;
  readonly permission: Permission;
  readonly request: RouteRequest;
  readonly success: {
    readonly status: 200 | 201;
    readonly description: string;
    readonly schema: Body;
    readonly headers?: readonly Header[];
    /** Default `application/json`. */
    readonly mediaType?: MediaType;
  };
  /**
   * Also take the token from an `access_token` query parameter (RFC 6750 §2.3), for clients that
   * cannot send headers: a calendar app subscribing to a feed.
   */
  readonly queryToken?: boolean;
  /** Every other status the route can answer with (all in the `{ error }` shape). */
  readonly errors: readonly ErrorStatus[];
  handle(call: RouteCall): Promise<Reply<Outgoing<z.output<Body>>, Header>>;
}

/** A table entry once its types have been checked: what the router and the document read. */
export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: RouteTag;
  readonly permission: Permission;
  readonly request: RouteRequest;
  readonly success: {
    readonly status: 200 | 201;
    readonly description: string;
    readonly schema: z.ZodType;
    readonly headers?: readonly ResponseHeader[];
    readonly mediaType?: MediaType;
  };
  readonly queryToken?: boolean;
  readonly errors: readonly ErrorStatus[];
  handle(
    call: RouteCall,
  ): Promise<{ readonly body: unknown; readonly headers?: Partial<Record<ResponseHeader, string>> }>;
}

/** Checks an entry's handler against its schemas, then forgets the types the table need not keep. */
function defineRoute<Body extends z.ZodType, Header extends ResponseHeader = never>(
  definition: RouteDefinition<Body, Header>,
): Route {
  return definition;
}

/** What the handlers work with. */
export interface RouteContext {
  readonly scheduler: Scheduler;
  readonly providers: readonly DemoProvider[];
  readonly patients: readonly DemoPatient[];
  /** The current instant (the scheduler's clock); default the system clock. */
  readonly clock?: () => Date;
}

// Every route is authenticated and permission-checked, and any of them can fail unexpectedly.
const ALWAYS = [401, 403, 500] as const;
// Routes that read or write the store can find it locked by another writer.
const STORE = [...ALWAYS, 503] as const;
// Routes that write can also find the disk full.
const WRITE = [...STORE, 507] as const;
// A JSON body can be malformed, too large or not JSON at all.
const BODY = [400, 413, 415] as const;

const IF_MATCH = z.string().meta({
  description:
    'Apply the change only if the appointment is at one of these versions: its ETag (e.g. `"3"`), a ' +
    'comma-separated list of ETags, or `*`. Without it the change applies to the current version.',
  examples: ['"1"'],
});

/** The table, for one Scheduler: its schemas carry the host's id format and type catalogue. */
export function defineRoutes({ scheduler, providers, patients, clock }: RouteContext): readonly Route[] {
  const { schemas } = scheduler;
  const appointmentPath = { id: schemas.appointmentId };
  const idempotencyKey = schemas.createAppointment.shape.idempotencyKey.unwrap().meta({
    description:
      'Makes the booking safe to retry: a retry with the same key and request answers with the first ' +
      'result and books nothing new. The same as `idempotencyKey` in the body.',
  });

  /** Every appointment matching a filter, page by page. */
  const allAppointments = async (
    filter: { providerId: string; from: Date; to: Date; status: readonly AppointmentStatus[] },
    actor: Actor,
  ) => {
    const found: Appointment[] = [];
    for (let offset = 0; ; offset += LIMITS.pageSize.max) {
      const page = await scheduler.list({ ...filter, limit: LIMITS.pageSize.max, offset }, actor);
      found.push(...page.items);
      if (found.length >= page.total || page.items.length === 0) return found;
    }
  };

  /** The FHIR Slot search: the practitioner (or its schedule), local dates and a type. */
  const slotSearch = z.strictObject({
    schedule: z
      .string()
      .regex(/^(Practitioner|Schedule)\/[^/]+$/, 'Must be Practitioner/<id> or Schedule/<id>')
      .meta({ examples: ['Practitioner/7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d'] }),
    start: localDateSchema,
    end: localDateSchema,
    'service-type': schemas.createAppointment.shape.type.default('follow_up'),
    includeUnavailable: schemas.availabilityQuery.shape.includeUnavailable,
  });

  /** An appointment reply: the body, and its version as the ETag. */
  const withEtag = <T extends { readonly version: number }>(body: T) => ({
    body,
    headers: { ETag: etagOf(body.version) },
  });

  const workflow = (
    path: string,
    operationId: string,
    summary: string,
    action: (id: string, actor: Actor, options?: ChangeOptions) => ReturnType<Scheduler['confirm']>,
  ) =>
    defineRoute({
      method: 'post',
      path: `/appointments/{id}/${path}`,
      operationId,
      summary,
      tag: 'Workflow',
      permission: 'update',
      request: { path: appointmentPath, headers: { 'If-Match': IF_MATCH } },
      success: { status: 200, description: 'The changed appointment', schema: AppointmentResponse, headers: ['ETag'] },
      errors: [...WRITE, 400, 404, 409, 412],
      handle: async ({ request, actor }) => {
        const id = param(request, 'id');
        return withEtag(await action(id, actor, await ifMatch(request, scheduler, id, actor)));
      },
    });

  const scheduleView = (path: string, view: 'day' | 'week' | 'month', operationId: string) =>
    defineRoute({
      method: 'get',
      path: `/appointments/schedule/${path}`,
      operationId,
      summary: `The provider’s ${path} schedule`,
      description: `The ${view} around \`date\`, in the provider’s time zone${view === 'week' ? ' (weeks start on Monday)' : ''}; cancelled appointments only with \`includeCancelled=true\`.`,
      tag: 'Schedules',
      permission: 'read',
      request: { query: schemas.scheduleQuery.omit({ view: true }) },
      success: { status: 200, description: 'The schedule', schema: Schedule },
      errors: [...STORE, 400, 404],
      handle: async ({ request, actor }) => ({
        body: await scheduler.schedule(untrusted({ ...request.query, view }), actor),
      }),
    });

  // Order matters to Express: fixed paths come before `/appointments/{id}`, which would match them.
  return [
    defineRoute({
      method: 'get',
      path: '/providers',
      operationId: 'listProviders',
      summary: 'The demo providers',
      description: 'Ids, names, time zones and working hours: what availability and bookings need.',
      tag: 'Directory',
      permission: 'read',
      request: {},
      success: { status: 200, description: 'The providers', schema: ProviderList },
      errors: [...ALWAYS],
      handle: async () => ({ body: { items: providers.map(({ active: _active, ...provider }) => provider) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/patients',
      operationId: 'listPatients',
      summary: 'The demo patients',
      tag: 'Directory',
      permission: 'read',
      request: {},
      success: { status: 200, description: 'The patients', schema: PatientList },
      errors: [...ALWAYS],
      handle: async () => ({ body: { items: patients.map(({ id, name }) => ({ id, name })) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/appointments/availability',
      operationId: 'getAvailability',
      summary: 'Slots of a provider for a date or range',
      description:
        'Give `date`, or `from` and `to` (local dates, at most 366 days), and `type` or `durationMinutes`. ' +
        'Slots avoid existing bookings and their buffers; `includeUnavailable=true` lists the others too, ' +
        'each with the reasons it is not available.',
      tag: 'Availability',
      permission: 'read',
      request: { query: schemas.availabilityQuery },
      success: { status: 200, description: 'The slots', schema: Availability },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => ({ body: await scheduler.availability(untrusted(request.query)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/appointments/explain',
      operationId: 'explainTime',
      summary: 'Whether a provider can be booked at a time, and why not',
      description:
        'The same decision booking and availability make: working hours, days off, minimum notice, ' +
        'horizon, existing bookings and their buffers, and period limits, each refusal with its reason.',
      tag: 'Availability',
      permission: 'read',
      request: { query: schemas.explainQuery },
      success: { status: 200, description: 'The decision and its reasons', schema: Explanation },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => ({ body: await scheduler.explain(untrusted(request.query)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/appointments/suggestions',
      operationId: 'suggestSlots',
      summary: 'The next free slots of a provider',
      description: 'Up to `limit` available slots from `after` (default now), across days.',
      tag: 'Availability',
      permission: 'read',
      request: { query: schemas.suggestQuery },
      success: { status: 200, description: 'The slots, earliest first', schema: Suggestions },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => ({ body: { items: await scheduler.suggest(untrusted(request.query)) } }),
    }),
    scheduleView('daily', 'day', 'getDailySchedule'),
    scheduleView('weekly', 'week', 'getWeeklySchedule'),
    scheduleView('monthly', 'month', 'getMonthlySchedule'),
    defineRoute({
      method: 'get',
      path: '/appointments/statistics',
      operationId: 'getStatistics',
      summary: 'Counts, upcoming appointments and rates',
      tag: 'Statistics',
      permission: 'statistics',
      request: { query: schemas.statisticsQuery },
      success: { status: 200, description: 'The figures', schema: AppointmentStatistics },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => ({ body: await scheduler.statistics(request.query) }),
    }),
    defineRoute({
      method: 'post',
      path: '/appointments/series/{seriesId}/cancel',
      operationId: 'cancelSeries',
      summary: 'Cancel a series, or one occurrence and the following ones',
      description:
        'Without `from`, the whole series; with it, the occurrences starting at or after it. Occurrences ' +
        'that can no longer be cancelled (completed, no-show, already cancelled) are left as they are.',
      tag: 'Appointments',
      permission: 'cancel',
      request: { path: { seriesId: schemas.appointmentId }, body: schemas.cancelSeries },
      success: { status: 200, description: 'The appointments cancelled', schema: SeriesCancellation },
      errors: [...WRITE, ...BODY, 404, 409],
      handle: async ({ request, actor }) => ({
        body: await scheduler.cancelSeries(param(request, 'seriesId'), request.body, actor),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/appointments/series/{seriesId}.ics',
      operationId: 'getSeriesCalendar',
      summary: 'A series as an iCalendar document',
      description:
        'One recurring event per segment of the pattern (RRULE, EXDATE for skipped or cancelled occurrences, ' +
        'RECURRENCE-ID for moved ones), as METHOD:PUBLISH: an invitation (REQUEST, or CANCEL once every ' +
        'occurrence is cancelled) needs an organizer, which a host takes from its own directory.',
      tag: 'Interoperability',
      permission: 'read',
      request: { path: { seriesId: schemas.appointmentId } },
      success: { status: 200, description: 'The calendar document', schema: ICalendar, mediaType: 'text/calendar' },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => ({ body: seriesToIcal(await scheduler.getSeries(param(request, 'seriesId'))) }),
    }),
    defineRoute({
      method: 'get',
      path: '/appointments/series/{seriesId}',
      operationId: 'getSeries',
      summary: 'A series: its pattern and every occurrence',
      description:
        'The pattern as it stands now, as segments (each a rule from its own first instance, from an ' +
        'occurrence index on), and every stored occurrence by index, whatever its status.',
      tag: 'Appointments',
      permission: 'read',
      request: { path: { seriesId: schemas.appointmentId } },
      success: { status: 200, description: 'The series', schema: Series },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => ({ body: await scheduler.getSeries(param(request, 'seriesId')) }),
    }),
    defineRoute({
      method: 'post',
      path: '/appointments/series/{seriesId}/move',
      operationId: 'moveSeries',
      summary: 'Move a series, or one occurrence and the following ones',
      description:
        'To a new local `time` (HH:mm), new `weekdays` (a weekly series), a new `durationMinutes` or `type`. ' +
        'Without `from`, every occurrence still to come; with it, those starting at or after it. Each moved ' +
        'occurrence is checked like a new booking. `onConflict: fail` (the default) moves nothing if one is ' +
        'refused (409 or 422 with the reasons); `skip` leaves the refused ones where they were and lists them.',
      tag: 'Appointments',
      permission: 'update',
      request: { path: { seriesId: schemas.appointmentId }, body: schemas.moveSeries },
      success: {
        status: 200,
        description: 'The series after the move, what moved and what stayed',
        schema: SeriesMove,
      },
      errors: [...WRITE, ...BODY, 404, 409, 422],
      handle: async ({ request, actor }) => ({
        body: await scheduler.moveSeries(param(request, 'seriesId'), untrusted(objectBody(request)), actor),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/appointments/series/{seriesId}/extend',
      operationId: 'extendSeries',
      summary: 'Extend a series by more occurrences or to a later end',
      description:
        'Give `count` (more occurrences) or `until` (an instant, or a local date meaning that whole day); the ' +
        'last segment of the pattern continues. Each new occurrence is checked like a new booking; with ' +
        '`onConflict: skip` (the default) the refused ones are left out and listed.',
      tag: 'Appointments',
      permission: 'create',
      request: { path: { seriesId: schemas.appointmentId }, body: schemas.extendSeries },
      success: {
        status: 200,
        description: 'The series after the extension, what was created and skipped',
        schema: SeriesExtension,
      },
      errors: [...WRITE, ...BODY, 404, 409, 422],
      handle: async ({ request, actor }) => ({
        body: await scheduler.extendSeries(param(request, 'seriesId'), untrusted(objectBody(request)), actor),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/appointments',
      operationId: 'listAppointments',
      summary: 'List appointments',
      description: 'Filtered, sorted by start and paged. `status` takes a comma-separated list.',
      tag: 'Appointments',
      permission: 'read',
      request: { query: schemas.listAppointmentsQuery },
      success: { status: 200, description: 'One page', schema: AppointmentPage },
      errors: [...STORE, 400],
      handle: async ({ request, actor }) => ({ body: await scheduler.list(request.query, actor) }),
    }),
    defineRoute({
      method: 'post',
      path: '/appointments',
      operationId: 'bookAppointment',
      summary: 'Book an appointment or a recurring series',
      description:
        'The start must be in the future and the time free. A single booking whose time is taken is a 409 ' +
        'CONFLICT; in a series, taken occurrences are skipped and listed. With an Idempotency-Key, a retry ' +
        'answers with the first result; the same key with a different request is a 422.',
      tag: 'Appointments',
      permission: 'create',
      request: {
        headers: { 'Idempotency-Key': idempotencyKey },
        body: bodiesOf(schemas).book,
      },
      success: {
        status: 201,
        description: 'Booked: the appointment (the first of a series) and, for a series, what was created and skipped',
        schema: BookingResult,
        headers: ['Location', 'ETag'],
      },
      errors: [...WRITE, ...BODY, 404, 409, 422],
      handle: async ({ request, actor }) => {
        const key = request.get('idempotency-key');
        const { override, ...body } = objectBody(request);
        const input = key === undefined ? body : { ...body, idempotencyKey: key };
        const result = await scheduler.book(untrusted(input), actor, overrideOf(override, actor));
        const { id, version } = result.appointment;
        return {
          body: result,
          headers: { Location: `${request.baseUrl}/appointments/${id}`, ETag: etagOf(version) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/providers/{providerId}/calendar.ics',
      operationId: 'getProviderCalendar',
      summary: 'A provider’s schedule as a subscribable iCalendar feed',
      description:
        'From 30 days ago to 180 days ahead: single appointments as events, series as recurring events ' +
        'with their exceptions and moved occurrences; cancelled ones left out. Calendar apps subscribe by ' +
        'URL, so the token may also be given as `access_token` in the query (RFC 6750 §2.3).',
      tag: 'Interoperability',
      permission: 'read',
      queryToken: true,
      request: { path: { providerId: schemas.id } },
      success: { status: 200, description: 'The feed', schema: ICalendar, mediaType: 'text/calendar' },
      errors: [...STORE, 400, 404],
      handle: async ({ request, actor }) => {
        const providerId = parseInput(schemas.id, param(request, 'providerId'), 'providerId');
        const provider = providers.find((item) => item.id === providerId);
        if (provider === undefined) throw new NotFoundError('Provider', providerId);
        const now = (clock ?? (() => new Date()))().getTime();
        const held = await allAppointments(
          {
            providerId,
            from: new Date(now - FEED_PAST_DAYS * DAY_MS),
            to: new Date(now + FEED_AHEAD_DAYS * DAY_MS),
            // A feed leaves cancelled appointments out: reading them would only count against its size.
            status: APPOINTMENT_STATUSES.filter((status) => status !== 'cancelled'),
          },
          actor,
        );
        // A feed holds at most ICAL_LIMITS.feedAppointments: the ones nearest to now.
        const appointments = [...held]
          .sort((a, b) => Math.abs(a.start.getTime() - now) - Math.abs(b.start.getTime() - now))
          .slice(0, ICAL_LIMITS.feedAppointments);
        const seriesIds = [...new Set(appointments.flatMap((item) => (item.seriesId === null ? [] : [item.seriesId])))];
        const series = await Promise.all(seriesIds.map((seriesId) => scheduler.getSeries(seriesId)));
        return { body: calendarFeed({ name: provider.name, appointments, series }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/appointments/{id}.ics',
      operationId: 'getAppointmentCalendar',
      summary: 'An appointment as an iCalendar document',
      description:
        'One event (UID the appointment id, SEQUENCE from its version, STATUS CANCELLED once cancelled), as ' +
        'METHOD:PUBLISH: an invitation (REQUEST or CANCEL) needs an organizer, which a host takes from its own ' +
        'directory. An occurrence of a series is written as an instance of the series’ event.',
      tag: 'Interoperability',
      permission: 'read',
      request: { path: appointmentPath },
      success: { status: 200, description: 'The calendar document', schema: ICalendar, mediaType: 'text/calendar' },
      errors: [...STORE, 400, 404],
      handle: async ({ request, actor }) => {
        const appointment = await scheduler.get(param(request, 'id'), actor);
        const series = appointment.seriesId === null ? undefined : await scheduler.getSeries(appointment.seriesId);
        return { body: appointmentToIcal(appointment, series === undefined ? {} : { series }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/fhir/Appointment/{id}',
      operationId: 'getFhirAppointment',
      summary: 'An appointment as a FHIR R4 Appointment',
      description:
        'Status mapped by one table (scheduled → booked, confirmed → booked with the patient accepted, ' +
        'in_progress → arrived, completed → fulfilled, cancelled → cancelled, no_show → noshow); the ' +
        'patient and the provider as participants.',
      tag: 'Interoperability',
      permission: 'read',
      request: { path: appointmentPath },
      success: {
        status: 200,
        description: 'The Appointment resource',
        schema: FhirAppointment,
        mediaType: 'application/fhir+json',
      },
      errors: [...STORE, 400, 404],
      handle: async ({ request, actor }) => ({
        body: toFhirAppointment(await scheduler.get(param(request, 'id'), actor)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/fhir/Slot',
      operationId: 'searchFhirSlots',
      summary: 'A provider’s availability as FHIR R4 Slots',
      description:
        'Slots of the practitioner for the local dates `start` to `end` (inclusive, at most 366 days), for ' +
        'the appointment type `service-type` (default follow_up): free slots, and with ' +
        '`includeUnavailable=true` the others as busy or busy-unavailable. Each slot’s schedule is ' +
        '`Schedule/<providerId>`.',
      tag: 'Interoperability',
      permission: 'read',
      request: { query: slotSearch },
      success: {
        status: 200,
        description: 'A searchset Bundle of Slots',
        schema: FhirSlotBundle,
        mediaType: 'application/fhir+json',
      },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => {
        const query = parseInput(slotSearch, request.query);
        const providerId = query.schedule.slice(query.schedule.indexOf('/') + 1);
        const availability = await scheduler.availability({
          providerId,
          from: query.start,
          to: query.end,
          type: query['service-type'],
          includeUnavailable: query.includeUnavailable,
        });
        return {
          body: toFhirBundle(toFhirSlots(availability, { type: query['service-type'] }), { type: 'searchset' }),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/appointments/{id}',
      operationId: 'getAppointment',
      summary: 'One appointment',
      description: 'Its ETag is its version: send it back in If-Match to change it safely.',
      tag: 'Appointments',
      permission: 'read',
      request: { path: appointmentPath },
      success: { status: 200, description: 'The appointment', schema: AppointmentResponse, headers: ['ETag'] },
      errors: [...STORE, 400, 404],
      handle: async ({ request, actor }) => withEtag(await scheduler.get(param(request, 'id'), actor)),
    }),
    defineRoute({
      method: 'put',
      path: '/appointments/{id}',
      operationId: 'changeAppointment',
      summary: 'Change the details or the time of an appointment',
      description:
        'Either details (`reason`, `notes`, `metadata`, `type`; null clears) or the time (`start`, ' +
        '`durationMinutes`), not both in one request: each change is one version.',
      tag: 'Appointments',
      permission: 'update',
      request: {
        path: appointmentPath,
        headers: { 'If-Match': IF_MATCH },
        body: z.xor([schemas.updateAppointment, bodiesOf(schemas).reschedule]),
      },
      success: { status: 200, description: 'The changed appointment', schema: AppointmentResponse, headers: ['ETag'] },
      errors: [...WRITE, ...BODY, 404, 409, 412],
      handle: async ({ request, actor }) => {
        const { override, ...body } = objectBody(request);
        const timeFields = ['start', 'durationMinutes'].filter((field) => Object.hasOwn(body, field));
        if (override !== undefined && timeFields.length === 0) {
          throw ValidationError.forField('override', 'An override goes with a new start or duration only');
        }
        const detailFields = Object.keys(body).filter((field) => !timeFields.includes(field));
        if (timeFields.length > 0 && detailFields.length > 0) {
          // Two changes would be two versions: refuse rather than half-apply.
          throw ValidationError.forField(detailFields[0] ?? '', 'Change the time and the details in separate requests');
        }
        const id = param(request, 'id');
        const options = await ifMatch(request, scheduler, id, actor);
        return withEtag(
          timeFields.length > 0
            ? await scheduler.reschedule(id, untrusted(body), actor, { ...options, ...overrideOf(override, actor) })
            : await scheduler.update(id, body, actor, options),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/appointments/{id}/cancel',
      operationId: 'cancelAppointment',
      summary: 'Cancel an appointment, with a reason',
      description: 'Scheduled or confirmed appointments only; the time becomes free.',
      tag: 'Appointments',
      permission: 'cancel',
      request: { path: appointmentPath, headers: { 'If-Match': IF_MATCH }, body: schemas.cancelAppointment },
      success: {
        status: 200,
        description: 'The cancelled appointment',
        schema: AppointmentResponse,
        headers: ['ETag'],
      },
      errors: [...WRITE, ...BODY, 404, 409, 412],
      handle: async ({ request, actor }) => {
        const id = param(request, 'id');
        const options = await ifMatch(request, scheduler, id, actor);
        return withEtag(await scheduler.cancel(id, request.body ?? {}, actor, options));
      },
    }),
    workflow('confirm', 'confirmAppointment', 'Confirm: scheduled → confirmed', scheduler.confirm),
    workflow('check-in', 'checkInAppointment', 'Check in: confirmed → in_progress', scheduler.checkIn),
    workflow('complete', 'completeAppointment', 'Complete: in_progress → completed', scheduler.complete),
    workflow(
      'no-show',
      'markNoShow',
      'No-show: scheduled or confirmed → no_show, after the start',
      scheduler.markNoShow,
    ),
    defineRoute({
      method: 'get',
      path: '/appointments/{id}/audit',
      operationId: 'getAuditTrail',
      summary: 'The audit trail of an appointment',
      description: 'Every recorded change, oldest first, with who made it and what it changed.',
      tag: 'Appointments',
      permission: 'audit',
      request: { path: appointmentPath },
      success: { status: 200, description: 'The trail', schema: AuditTrail },
      errors: [...STORE, 400, 404],
      handle: async ({ request }) => ({ body: { items: await scheduler.auditTrail(param(request, 'id')) } }),
    }),
  ];
}
