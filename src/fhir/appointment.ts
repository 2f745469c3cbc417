import type { Appointment } from '../appointment.js';
import { ValidationError } from '../errors.js';
import { type AppointmentStatus, isAppointmentStatus } from '../status.js';
import {
  buildReference,
  checkBuilder,
  checkFlag,
  type FhirCodeSystems,
  type FhirReferenceBuilder,
  literalReference,
  resolveSystems,
  typeConcept,
} from './options.js';
import { checkKnownKeys, fhirInstant, fhirText, isFhirId, isRecord } from './primitives.js';
import type {
  FhirAppointment,
  FhirAppointmentParticipant,
  FhirAppointmentStatus,
  FhirCodeableConcept,
  FhirParticipationStatus,
  FhirReference,
} from './types.js';

/** How one of our statuses reads in FHIR: the appointment's status and each participant's. */
export interface FhirStatusMapping {
  /** `Appointment.status`. */
  readonly appointment: FhirAppointmentStatus;
  /** The patient participant's `status`. */
  readonly patient: FhirParticipationStatus;
  /** The provider participant's `status`. */
  readonly provider: FhirParticipationStatus;
}

/**
 * The one status table: each of our statuses as FHIR R4 `Appointment.status` and participant
 * statuses. Participant statuses answer "has this participant accepted, and will they take
 * part?":
 *
 * - `scheduled`: booked, but the patient has not confirmed: the patient `needs-action`, the
 *   provider (whose calendar holds it) `accepted`.
 * - `confirmed`, `in_progress` (`arrived`), `completed` (`fulfilled`): both `accepted`.
 * - `cancelled`: both `declined`, R4's "will not participate in the appointment". It says the
 *   appointment will not happen, not who called it off (the library records that as an actor
 *   id, which has no R4 Appointment element).
 * - `no_show` (`noshow`): both `accepted`: the booking stood until the patient did not come;
 *   `noshow` itself says who was missing.
 *
 * @example
 * FHIR_STATUS_MAP.confirmed; // { appointment: 'booked', patient: 'accepted', provider: 'accepted' }
 */
export const FHIR_STATUS_MAP: Readonly<Record<AppointmentStatus, FhirStatusMapping>> = Object.freeze({
  scheduled: Object.freeze({ appointment: 'booked', patient: 'needs-action', provider: 'accepted' }),
  confirmed: Object.freeze({ appointment: 'booked', patient: 'accepted', provider: 'accepted' }),
  in_progress: Object.freeze({ appointment: 'arrived', patient: 'accepted', provider: 'accepted' }),
  completed: Object.freeze({ appointment: 'fulfilled', patient: 'accepted', provider: 'accepted' }),
  cancelled: Object.freeze({ appointment: 'cancelled', patient: 'declined', provider: 'declined' }),
  no_show: Object.freeze({ appointment: 'noshow', patient: 'accepted', provider: 'accepted' }),
});

/** Options of {@link toFhirAppointment}. */
export interface FhirAppointmentOptions {
  /** The patient participant's actor; default `{ reference: 'Patient/<patientId>' }`. */
  readonly patientReference?: FhirReferenceBuilder;
  /** The provider participant's actor; default `{ reference: 'Practitioner/<providerId>' }`. */
  readonly providerReference?: FhirReferenceBuilder;
  /** The systems of the confirmation code and type codes; default {@link DEFAULT_FHIR_SYSTEMS}. */
  readonly systems?: FhirCodeSystems;
  /**
   * Put `notes` in `Appointment.comment`. Default false: notes are the staff's own, and a FHIR
   * resource is usually on its way to another system.
   */
  readonly includeNotes?: boolean;
}

/** Statuses whose FHIR form may carry `cancelationReason` (invariant app-4). */
const CANCELLATION_STATUSES: readonly AppointmentStatus[] = Object.freeze(['cancelled', 'no_show'] as const);
/** Both participants must attend: an appointment without either is not the same appointment. */
const PARTICIPANT_REQUIRED = 'required';
const OPTION_KEYS = Object.freeze(['patientReference', 'providerReference', 'systems', 'includeNotes']);

/** The options, checked and complete. */
interface ResolvedOptions {
  /** Each builds a checked reference, or throws a ValidationError. */
  readonly patientReference: FhirReferenceBuilder;
  readonly providerReference: FhirReferenceBuilder;
  readonly systems: Readonly<Required<FhirCodeSystems>>;
  readonly includeNotes: boolean;
}

/**
 * An appointment as a FHIR R4 `Appointment` resource: status and participant statuses from
 * {@link FHIR_STATUS_MAP}; the patient (`Patient/<patientId>`) and provider
 * (`Practitioner/<providerId>`) as `required` participants; start and end as UTC instants;
 * `minutesDuration`; `created`; `meta.versionId` (the version) and `meta.lastUpdated`; the
 * confirmation code as `identifier`; the type key as `serviceType` and `appointmentType` codings;
 * `reason` as `description`; `notes` as `comment` only with `includeNotes`; and the cancellation
 * reason as `cancelationReason` text only when cancelled or a no-show (invariant app-4).
 *
 * Text is carried as FHIR strings allow: blank text is left out, and control characters and
 * unpaired surrogates become U+FFFD. The result is a new plain object, ready for `JSON.stringify`.
 *
 * Throws {@link ValidationError} naming the field for bad options (an unknown option, a system
 * that is not an absolute URI, a builder that is not a function or returns something that is not
 * a reference) and for a record FHIR cannot express (an id that is not an R4 id, a date outside
 * the years 1 to 9999, a duration that is not a whole number of minutes).
 *
 * @example
 * ```ts
 * import { toFhirAppointment } from 'appointment-kit/fhir';
 *
 * const appointment = await scheduler.get(id);
 * const resource = toFhirAppointment(appointment, {
 *   systems: { confirmationCode: 'https://clinic.example/sid/confirmation-code' },
 *   providerReference: (providerId) => ({ reference: `PractitionerRole/${providerId}` }),
 * });
 * res.type('application/fhir+json').json(resource);
 * ```
 */
export function toFhirAppointment(appointment: Appointment, options: FhirAppointmentOptions = {}): FhirAppointment {
  const resolved = resolveOptions(options);
  if (!isRecord(appointment)) throw ValidationError.forField('', 'Must be an appointment', 'invalid_type');
  // The status is read once: a record whose getter changed its answer could otherwise break app-4.
  const status = checkStatus(appointment.status);
  const mapping = FHIR_STATUS_MAP[status];
  const cancelationReason = cancellationOf(status, appointment.cancellationReason);
  const description = fhirText(appointment.reason, 'reason');
  const comment = resolved.includeNotes ? fhirText(appointment.notes, 'notes') : undefined;
  const confirmationCode = fhirText(appointment.confirmationCode, 'confirmationCode');
  return {
    resourceType: 'Appointment',
    id: appointmentId(appointment.id),
    meta: { versionId: versionOf(appointment.version), lastUpdated: fhirInstant(appointment.updatedAt, 'updatedAt') },
    ...(confirmationCode !== undefined && {
      identifier: [{ system: resolved.systems.confirmationCode, value: confirmationCode }],
    }),
    status: mapping.appointment,
    ...(cancelationReason !== undefined && { cancelationReason }),
    serviceType: [typeConcept(appointment.type, resolved.systems.serviceType, 'type')],
    appointmentType: typeConcept(appointment.type, resolved.systems.appointmentType, 'type'),
    ...(description !== undefined && { description }),
    start: fhirInstant(appointment.start, 'start'),
    end: fhirInstant(appointment.end, 'end'),
    minutesDuration: minutesOf(appointment.durationMinutes),
    created: fhirInstant(appointment.createdAt, 'createdAt'),
    ...(comment !== undefined && { comment }),
    participant: participantsOf(appointment, mapping, resolved),
  };
}

function resolveOptions(given: unknown): ResolvedOptions {
  const options = given === undefined ? {} : given;
  if (!isRecord(options)) throw ValidationError.forField('options', 'Must be an options object', 'invalid_type');
  checkKnownKeys(options, OPTION_KEYS, '');
  return Object.freeze({
    patientReference: referenceBuilder(options.patientReference, 'patientReference', 'Patient', 'patientId'),
    providerReference: referenceBuilder(options.providerReference, 'providerReference', 'Practitioner', 'providerId'),
    systems: resolveSystems(options.systems, 'systems'),
    includeNotes: checkFlag(options.includeNotes, 'includeNotes') ?? false,
  });
}

/**
 * The host's builder, its output checked and blamed on the option; or ours, which refuses an id
 * it cannot write, naming the id's field.
 */
function referenceBuilder(
  option: unknown,
  optionName: string,
  resourceType: string,
  idField: string,
): FhirReferenceBuilder {
  const custom = checkBuilder(option, optionName);
  if (custom === undefined) return literalReference(resourceType, idField, optionName);
  return (id) => buildReference(custom, id, optionName);
}

function checkStatus(status: unknown): AppointmentStatus {
  if (!isAppointmentStatus(status)) {
    throw ValidationError.forField(
      'status',
      `Must be one of ${Object.keys(FHIR_STATUS_MAP).join(', ')}`,
      'invalid_value',
    );
  }
  return status;
}

/** The cancellation reason as text, only where app-4 allows it; a reason on any other status is left out. */
function cancellationOf(status: AppointmentStatus, reason: unknown): FhirCodeableConcept | undefined {
  if (!CANCELLATION_STATUSES.includes(status)) return undefined;
  const text = fhirText(reason, 'cancellationReason');
  return text === undefined ? undefined : { text };
}

function participantsOf(
  appointment: Appointment,
  mapping: FhirStatusMapping,
  options: ResolvedOptions,
): FhirAppointmentParticipant[] {
  return [
    {
      actor: actorOf(options.patientReference, appointment.patientId, 'patientId'),
      required: PARTICIPANT_REQUIRED,
      status: mapping.patient,
    },
    {
      actor: actorOf(options.providerReference, appointment.providerId, 'providerId'),
      required: PARTICIPANT_REQUIRED,
      status: mapping.provider,
    },
  ];
}

function actorOf(builder: FhirReferenceBuilder, id: unknown, idField: string): FhirReference {
  if (typeof id !== 'string' || id === '') {
    throw ValidationError.forField(idField, 'Must be a non-empty string', 'invalid_type');
  }
  return builder(id);
}

function appointmentId(id: unknown): string {
  if (!isFhirId(id)) {
    throw ValidationError.forField('id', 'Must be an R4 id (1-64 of A-Z a-z 0-9 - .)', 'invalid_format');
  }
  return id;
}

/** R4 `positiveInt`. */
function minutesOf(durationMinutes: unknown): number {
  if (typeof durationMinutes !== 'number' || !Number.isSafeInteger(durationMinutes) || durationMinutes < 1) {
    throw ValidationError.forField('durationMinutes', 'Must be a whole number of minutes, at least 1', 'out_of_range');
  }
  return durationMinutes;
}

/** `meta.versionId` is an R4 `id`: the version's decimal digits. */
function versionOf(version: unknown): string {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw ValidationError.forField('version', 'Must be a whole number, at least 0', 'out_of_range');
  }
  return String(version);
}
