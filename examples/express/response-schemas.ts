import {
  APPOINTMENT_STATUSES,
  AUDIT_ACTIONS,
  LIMIT_PERIODS,
  RECURRENCE_FREQUENCIES,
  REMINDER_CHANNELS,
} from 'appointment-kit';
import { z } from 'zod';

/**
 * The shapes the example API answers with, as zod schemas: the library validates inputs with
 * zod but returns plain TypeScript types, so the response side of the contract is written here.
 *
 * Objects are strict (`additionalProperties: false`) on purpose: a field the library starts
 * returning that is not described here fails the example's contract test instead of reaching
 * clients undocumented.
 *
 * Instants are codecs, ISO string on the wire and `Date` in the program: the documented (input)
 * side is what a client reads, while the output side is the `Date` a handler returns, so the
 * route table can require handlers to return exactly what is documented.
 */

/** An instant as the server writes it: `Date#toISOString()`, always UTC with milliseconds. */
export const Timestamp = z.codec(
  // The example sits on the string side: zod leaves a codec's own examples out of an input schema.
  z.iso.datetime().meta({ examples: ['2026-03-02T09:00:00.000Z'] }),
  z.date(),
  { decode: (text) => new Date(text), encode: (date) => date.toISOString() },
);

/** An id the library makes (appointments, series, audit entries). */
const LibraryId = z.uuid().meta({ examples: ['0f8e2c4a-6b1d-4e3f-9a7c-5d2b8e1f4a6c'] });

/** A host's id of a patient, provider or acting user, in its canonical form. */
const HostId = z
  .string()
  .min(1)
  .meta({ examples: ['3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d'] });

/** A local wall-clock time `HH:MM`; `24:00` ends a day. */
const LocalTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/);

/** A local calendar date `YYYY-MM-DD`. */
const CalendarDate = z.iso.date();

/** How a series repeats: a pattern or an RFC 5545 rule. */
export const StoredRecurrence = z.union([
  z.strictObject({
    frequency: z.enum(RECURRENCE_FREQUENCIES),
    interval: z.int().min(1),
    endDate: z.string().optional(),
    maxOccurrences: z.int().min(1).optional(),
  }),
  z.strictObject({ rrule: z.string() }),
]);

/** One stretch of a series: a rule expanded from its own first instance, from an occurrence index on. */
export const SeriesSegment = z.strictObject({
  fromIndex: z.int().min(0).meta({ description: 'The occurrence index of its first instance' }),
  start: z.string().meta({ description: 'Its first instance (RFC 5545 DTSTART), ISO 8601 UTC' }),
  wallStart: z.string().optional().meta({
    description:
      'The wall-clock time the segment keeps (YYYY-MM-DDTHH:mm:ss, series zone), set only when its first instance falls in a spring-forward gap',
  }),
  rule: StoredRecurrence,
  durationMinutes: z.int().min(1),
  type: z.string(),
});

/** A series' pattern as it stands now, on its carrier occurrence. */
export const SeriesPattern = z.strictObject({ segments: z.array(SeriesSegment).min(1) });

/** An appointment, as every route that returns one writes it. */
export const Appointment = z.strictObject({
  id: LibraryId,
  patientId: HostId,
  providerId: HostId,
  type: z.string().meta({ description: 'A key of the appointment-type catalogue', examples: ['follow_up'] }),
  status: z.enum(APPOINTMENT_STATUSES),
  start: Timestamp,
  end: Timestamp.meta({ description: '`start` + `durationMinutes`' }),
  durationMinutes: z.int().min(1),
  bufferBeforeMinutes: z.int().min(0),
  bufferAfterMinutes: z.int().min(0),
  timeZone: z.string().meta({ description: "The provider's IANA time zone at booking", examples: ['Europe/London'] }),
  reason: z.string().nullable(),
  notes: z.string().nullable(),
  confirmationCode: z.string().meta({ description: '`APT-YYYY-NNNN`, unique', examples: ['APT-2026-0042'] }),
  confirmedAt: Timestamp.nullable(),
  checkedInAt: Timestamp.nullable(),
  checkedOutAt: Timestamp.nullable(),
  cancellationReason: z.string().nullable(),
  cancelledAt: Timestamp.nullable(),
  cancelledBy: HostId.nullable(),
  noShowAt: Timestamp.nullable(),
  seriesId: LibraryId.nullable(),
  occurrenceIndex: z
    .int()
    .min(0)
    .nullable()
    .meta({ description: "Position in the series' expansion (0 = its first); skipped occurrences leave gaps" }),
  recurrence: SeriesPattern.nullable().meta({
    description: "The series' pattern as it stands now (its segments), on its carrier (first created) occurrence only",
  }),
  resources: z.array(HostId).meta({
    description: 'The resources it holds besides its provider (rooms, devices, places in a class), in the order asked',
  }),
  reminders: z
    .strictObject(
      Object.fromEntries(REMINDER_CHANNELS.map((channel) => [channel, Timestamp.nullable()])) as Record<
        (typeof REMINDER_CHANNELS)[number],
        z.ZodNullable<typeof Timestamp>
      >,
    )
    .meta({ description: 'Per channel: when the reminder was claimed as sent, or null' }),
  idempotencyKey: z.string().nullable(),
  version: z.int().min(1).meta({ description: 'Also the ETag: +1 on every change' }),
  metadata: z.record(z.string(), z.unknown()).meta({ description: 'Host-defined JSON, returned as stored' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: HostId,
  updatedBy: HostId,
});

/** One page of `GET /appointments`. */
export const AppointmentPage = z.strictObject({
  items: z.array(Appointment),
  total: z.int().min(0).meta({ description: 'Matching appointments on all pages' }),
  limit: z.int().min(1),
  offset: z.int().min(0),
});

/** Why a time cannot be booked, or a slot is not offered. */
export const UnavailableReason = z.discriminatedUnion('code', [
  z.strictObject({ code: z.literal('OUTSIDE_HOURS') }),
  z.strictObject({ code: z.literal('DAY_OFF'), date: CalendarDate }),
  z.strictObject({ code: z.literal('MIN_NOTICE'), earliestStart: Timestamp }),
  z.strictObject({ code: z.literal('BEYOND_HORIZON'), latestStart: Timestamp }),
  z.strictObject({ code: z.literal('BOOKED'), appointmentIds: z.array(LibraryId) }),
  z.strictObject({ code: z.literal('BUFFER'), appointmentIds: z.array(LibraryId) }),
  z.strictObject({
    code: z.literal('PERIOD_LIMIT'),
    period: z.enum(LIMIT_PERIODS),
    measure: z.enum(['bookings', 'minutes']),
    limit: z.int().min(1),
    count: z.int().min(0),
    type: z.string().optional(),
  }),
  z.strictObject({ code: z.literal('RESOURCE_CLOSED'), resourceId: HostId }),
  z.strictObject({ code: z.literal('RESOURCE_BUSY'), resourceId: HostId, appointmentIds: z.array(LibraryId) }),
  z.strictObject({ code: z.literal('CAPACITY_FULL'), resourceId: HostId, capacity: z.int().min(1) }),
]);

/** The outcome of a recurring booking. */
export const SeriesResult = z.strictObject({
  seriesId: LibraryId,
  created: z.array(Appointment),
  skipped: z
    .array(
      z.strictObject({
        start: Timestamp,
        conflictingIds: z
          .array(LibraryId)
          .meta({ description: 'The appointments in the way; empty when a rule refused the time' }),
        reasons: z.array(UnavailableReason),
      }),
    )
    .meta({ description: 'Occurrences left out, and why' }),
});

/** What booking returns: the (first) appointment, and the series for a recurring booking. */
export const BookingResult = z.strictObject({
  appointment: Appointment,
  series: SeriesResult.optional(),
});

/** A series: its pattern as it stands now, and every stored occurrence by index. */
export const Series = z.strictObject({
  seriesId: LibraryId,
  patientId: HostId,
  providerId: HostId,
  timeZone: z.string().meta({ description: 'The IANA zone whose wall clock the series follows' }),
  segments: z.array(SeriesSegment).min(1),
  occurrences: z.array(Appointment).meta({ description: 'Every stored occurrence, whatever its status' }),
});

/** An occurrence a series edit left where it was, or did not create. */
const SeriesEditSkip = z.strictObject({
  appointmentId: LibraryId.nullable().meta({
    description: 'The occurrence left where it was; null for one an extension did not create',
  }),
  start: Timestamp.meta({ description: 'Where the edit would have put it' }),
  conflictingIds: z.array(LibraryId).meta({ description: 'The appointments in the way; empty when a rule refused it' }),
  reasons: z.array(UnavailableReason),
});

/** What moving a series returns. */
export const SeriesMove = z.strictObject({
  series: Series,
  moved: z.array(Appointment),
  skipped: z.array(SeriesEditSkip),
});

/** What extending a series returns. */
export const SeriesExtension = z.strictObject({
  series: Series,
  created: z.array(Appointment),
  skipped: z.array(SeriesEditSkip),
});

/** An iCalendar (RFC 5545) document. */
export const ICalendar = z.string().meta({
  description: 'An iCalendar document (RFC 5545, text/calendar): VCALENDAR with VEVENTs (and VTIMEZONEs)',
});

const FhirCoding = z.strictObject({ system: z.string(), code: z.string() });
const FhirCodeableConcept = z.strictObject({ coding: z.array(FhirCoding).optional(), text: z.string().optional() });
const FhirIdentifier = z.strictObject({ system: z.string().optional(), value: z.string().optional() });
const FhirReference = z.strictObject({
  reference: z.string().optional(),
  identifier: FhirIdentifier.optional(),
  display: z.string().optional(),
});
const FhirInstant = z.string().meta({ description: 'A FHIR instant: ISO 8601 with seconds and a zone' });

/** An appointment as a FHIR R4 `Appointment` (the subset the library writes). */
export const FhirAppointment = z
  .strictObject({
    resourceType: z.literal('Appointment'),
    id: z.string(),
    meta: z.strictObject({ versionId: z.string(), lastUpdated: FhirInstant }),
    identifier: z.array(FhirIdentifier).optional(),
    status: z.enum(['booked', 'arrived', 'fulfilled', 'cancelled', 'noshow']),
    cancelationReason: FhirCodeableConcept.optional(),
    serviceType: z.array(FhirCodeableConcept),
    appointmentType: FhirCodeableConcept,
    description: z.string().optional(),
    start: FhirInstant,
    end: FhirInstant,
    minutesDuration: z.int(),
    created: z.string(),
    comment: z.string().optional(),
    participant: z.array(
      z.strictObject({
        actor: FhirReference,
        required: z.enum(['required', 'optional', 'information-only']),
        status: z.enum(['accepted', 'declined', 'tentative', 'needs-action']),
      }),
    ),
  })
  .meta({ description: 'FHIR R4 Appointment (application/fhir+json)' });

/** A FHIR R4 `Slot`. */
const FhirSlot = z.strictObject({
  resourceType: z.literal('Slot'),
  id: z.string(),
  serviceType: z.array(FhirCodeableConcept).optional(),
  appointmentType: FhirCodeableConcept.optional(),
  schedule: FhirReference,
  status: z.enum(['free', 'busy', 'busy-unavailable']),
  start: FhirInstant,
  end: FhirInstant,
  comment: z.string().optional(),
});

/** A FHIR R4 searchset `Bundle` of `Slot`s. */
export const FhirSlotBundle = z
  .strictObject({
    resourceType: z.literal('Bundle'),
    type: z.enum(['searchset', 'collection']).meta({ description: 'searchset for a search' }),
    timestamp: FhirInstant.optional(),
    total: z.int().optional(),
    link: z.array(z.strictObject({ relation: z.string(), url: z.string() })).optional(),
    entry: z.array(
      z.strictObject({
        fullUrl: z.string().optional(),
        resource: FhirSlot,
        search: z.strictObject({ mode: z.literal('match') }).optional(),
      }),
    ),
  })
  .meta({ description: 'FHIR R4 Bundle (searchset) of Slots (application/fhir+json)' });

/** What cancelling a series returns: the appointments it cancelled. */
export const SeriesCancellation = z.strictObject({ cancelled: z.array(Appointment) });

/** A candidate appointment time. */
export const TimeSlot = z.strictObject({
  start: Timestamp,
  end: Timestamp,
  available: z.boolean(),
  reasons: z.array(UnavailableReason).meta({ description: 'Why it is not available; empty when it is' }),
});

/** The slots of a provider for a date or range. */
export const Availability = z.strictObject({
  providerId: HostId,
  timeZone: z.string(),
  durationMinutes: z.int().min(1),
  slots: z.array(TimeSlot),
});

/** Whether a time is bookable, and why not. */
export const Explanation = z.strictObject({
  bookable: z.boolean(),
  reasons: z.array(UnavailableReason).meta({ description: 'Every reason it is not bookable; empty when it is' }),
});

/** The next free slots of a provider. */
export const Suggestions = z.strictObject({ items: z.array(TimeSlot) });

/** A provider's day, week or month in the provider's zone. */
export const Schedule = z.strictObject({
  providerId: HostId,
  view: z.enum(['day', 'week', 'month']),
  timeZone: z.string(),
  from: Timestamp.meta({ description: 'Local start of the period, inclusive' }),
  to: Timestamp.meta({ description: 'Local end of the period, exclusive' }),
  appointments: z.array(Appointment),
});

/** Counts, upcoming appointments and rates. */
export const AppointmentStatistics = z.strictObject({
  total: z.int().min(0),
  byStatus: z.strictObject(
    Object.fromEntries(APPOINTMENT_STATUSES.map((status) => [status, z.int().min(0)])) as Record<
      (typeof APPOINTMENT_STATUSES)[number],
      z.ZodInt
    >,
  ),
  byType: z.record(z.string(), z.int().min(0)),
  upcomingToday: z.int().min(0),
  upcomingWeek: z.int().min(0),
  noShowRate: z.number().min(0).max(100).meta({ description: 'Percentage of the total, two decimals' }),
  cancellationRate: z.number().min(0).max(100).meta({ description: 'Percentage of the total, two decimals' }),
});

/** One line of an appointment's audit trail. */
export const AuditEntry = z.strictObject({
  id: LibraryId,
  appointmentId: LibraryId,
  action: z.enum(AUDIT_ACTIONS),
  actorId: HostId.nullable(),
  at: Timestamp,
  version: z.int().min(1).meta({ description: 'The appointment version this entry produced or saw' }),
  changes: z
    .record(z.string(), z.strictObject({ before: z.unknown(), after: z.unknown() }))
    .meta({ description: 'Before and after of each field the change touched' }),
  override: z
    .strictObject({
      reason: z.string(),
      bypassed: z.array(z.string()).meta({ description: 'The codes of the rules that would have refused' }),
    })
    .nullable()
    .meta({ description: "Set when a booking or reschedule overrode the provider's rules" }),
});

/** An appointment's audit trail, oldest first. */
export const AuditTrail = z.strictObject({ items: z.array(AuditEntry) });

const LocalInterval = z.strictObject({ start: LocalTime, end: LocalTime });
const Intervals = z.array(LocalInterval);

/** Caps on bookings per local day, week and month. */
const PeriodLimits = z.strictObject({
  perDay: z.int().min(1).optional(),
  perWeek: z.int().min(1).optional(),
  perMonth: z.int().min(1).optional(),
  minutesPerDay: z.int().min(1).optional(),
});

/** A demo provider: who can be booked, where and when. */
export const Provider = z.strictObject({
  id: HostId,
  name: z.string(),
  timeZone: z.string(),
  weeklyHours: z
    .strictObject({
      monday: Intervals.optional(),
      tuesday: Intervals.optional(),
      wednesday: Intervals.optional(),
      thursday: Intervals.optional(),
      friday: Intervals.optional(),
      saturday: Intervals.optional(),
      sunday: Intervals.optional(),
    })
    .optional(),
  dateOverrides: z
    .record(CalendarDate, Intervals)
    .optional()
    .meta({ description: 'Local date → that day’s hours; `[]` is a day off' }),
  minimumNoticeMinutes: z.int().min(0).optional(),
  horizonDays: z.int().min(0).optional(),
  limits: PeriodLimits.optional(),
});

/** The demo providers. */
export const ProviderList = z.strictObject({ items: z.array(Provider) });

/** A demo patient. */
export const Patient = z.strictObject({ id: HostId, name: z.string() });

/** The demo patients. */
export const PatientList = z.strictObject({ items: z.array(Patient) });

/** One failing field of a 400 VALIDATION_ERROR. */
export const ValidationIssue = z.strictObject({
  path: z.string().meta({ description: 'Dot-separated path of the field; empty for the whole input' }),
  message: z.string(),
  code: z.string().meta({ description: 'Machine-readable reason, e.g. too_big, invalid_type, custom' }),
});

/**
 * Every error: `{ error: { code, message, details } }`. `details` depends on `code`; the fields
 * listed are the ones the library's errors set, and others may be added.
 */
export const ErrorResponse = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({
      description: 'Stable and machine-readable: branch on it, never on the message',
      examples: ['VALIDATION_ERROR', 'NOT_FOUND', 'CONFLICT', 'STALE_VERSION'],
    }),
    message: z.string().meta({ description: 'For people; may change between versions' }),
    details: z.looseObject({
      issues: z.array(ValidationIssue).optional().meta({ description: 'VALIDATION_ERROR: every failing field' }),
      conflictingIds: z.array(LibraryId).optional().meta({ description: 'CONFLICT: the appointments in the way' }),
      reasons: z.array(UnavailableReason).optional().meta({ description: 'UNAVAILABLE: why the time is not bookable' }),
      entity: z.string().optional().meta({ description: 'NOT_FOUND: what was looked for' }),
      id: z.string().optional().meta({ description: 'NOT_FOUND: the id looked for' }),
      from: z.string().optional().meta({ description: 'INVALID_TRANSITION: the current status' }),
      to: z.string().optional().meta({ description: 'INVALID_TRANSITION: the refused status' }),
      expectedVersion: z
        .int()
        .min(1)
        .optional()
        .meta({ description: 'STALE_VERSION: the version the client expected' }),
      actualVersion: z
        .int()
        .min(1)
        .optional()
        .meta({ description: 'STALE_VERSION: the current version, to read again' }),
      key: z.string().optional().meta({ description: 'IDEMPOTENCY_MISMATCH: the reused key' }),
    }),
  }),
});

/**
 * The response schemas by the name each gets under `components/schemas`; sub-schemas shared by
 * several responses are named too, so they are described once and referenced.
 */
export const RESPONSE_COMPONENTS = {
  Timestamp,
  StoredRecurrence,
  SeriesSegment,
  SeriesPattern,
  Appointment,
  AppointmentPage,
  BookingResult,
  SeriesResult,
  SeriesCancellation,
  Series,
  SeriesMove,
  SeriesExtension,
  ICalendar,
  FhirAppointment,
  FhirSlotBundle,
  UnavailableReason,
  TimeSlot,
  Availability,
  Explanation,
  Suggestions,
  Schedule,
  AppointmentStatistics,
  AuditEntry,
  AuditTrail,
  Provider,
  ProviderList,
  Patient,
  PatientList,
  ValidationIssue,
  ErrorResponse,
} as const;
