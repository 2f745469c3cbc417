import { ValidationError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { TimeSlot, UnavailableReason } from '../slots.js';
import {
  buildReference,
  checkBuilder,
  type FhirCodeSystems,
  type FhirReferenceBuilder,
  literalReference,
  resolveSystems,
  typeConcept,
} from './options.js';
import { checkKnownKeys, fhirInstant, isRecord } from './primitives.js';
import type { FhirCodeableConcept, FhirReference, FhirSlot, FhirSlotStatus } from './types.js';

/**
 * What {@link toFhirSlots} reads: a provider and its slots. The Scheduler's `Availability` (from
 * `scheduler.availability(…)`) is one.
 */
export interface FhirSlotSource {
  readonly providerId: string;
  readonly slots: readonly TimeSlot[];
}

/** Options of {@link toFhirSlots}. */
export interface FhirSlotOptions {
  /** Each slot's `schedule`; default `{ reference: 'Schedule/<providerId>' }`. */
  readonly scheduleReference?: FhirReferenceBuilder;
  /**
   * The appointment-type key the availability was asked for: set as each slot's `serviceType`
   * and `appointmentType`. Without it the slots carry no type.
   */
  readonly type?: string;
  /** The systems of the type codes (the same object {@link toFhirAppointment} takes may be reused). */
  readonly systems?: FhirCodeSystems;
}

/**
 * Which `Slot.status` an unavailable slot takes for each reason. R4 `busy` means "one or more
 * events have been scheduled for that interval"; `busy-unavailable` means the interval "cannot
 * be scheduled". So a slot held only by appointments (their time or their buffers) is `busy`;
 * one outside hours, on a day off, too soon, too far ahead or over a period limit is
 * `busy-unavailable`. With reasons of both kinds, `busy-unavailable` wins: the time could not be
 * booked even if those appointments were cancelled.
 *
 * @example
 * SLOT_REASON_STATUS.BOOKED; // 'busy'
 * SLOT_REASON_STATUS.OUTSIDE_HOURS; // 'busy-unavailable'
 */
export const SLOT_REASON_STATUS: Readonly<Record<UnavailableReason['code'], Exclude<FhirSlotStatus, 'free'>>> =
  Object.freeze({
    BOOKED: 'busy',
    BUFFER: 'busy',
    OUTSIDE_HOURS: 'busy-unavailable',
    DAY_OFF: 'busy-unavailable',
    MIN_NOTICE: 'busy-unavailable',
    BEYOND_HORIZON: 'busy-unavailable',
    PERIOD_LIMIT: 'busy-unavailable',
    // The provider is free, but a room, device or class the time needs is not.
    RESOURCE_CLOSED: 'busy-unavailable',
    RESOURCE_BUSY: 'busy-unavailable',
    CAPACITY_FULL: 'busy-unavailable',
  });

const MINUTE_MS = 60_000;
const OPTION_KEYS = Object.freeze(['scheduleReference', 'type', 'systems']);
/** A provider id written into a slot id as it is: id characters other than `.`, the separator. */
const READABLE_PROVIDER_PATTERN = /^[A-Za-z0-9-]{1,36}$/;
/** The shape of a hashed provider part: kept from readable ones, so the two can never meet. */
const HASHED_PROVIDER_PATTERN = /^h[0-9a-f]{16}$/;
/** How many hex digits of the type's hash a slot id ends with, and the mask that keeps them. */
const TYPE_PART_DIGITS = 8;
const TYPE_PART_MASK = 0xffffffffn;
/** FNV-1a, 64-bit: offset basis, prime and mask. */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const UINT64_MASK = 0xffffffffffffffffn;
const HEX_DIGITS_64 = 16;

/** The options, checked and complete. */
interface ResolvedSlotOptions {
  readonly schedule: FhirReference;
  readonly type: { readonly serviceType: FhirCodeableConcept; readonly appointmentType: FhirCodeableConcept } | null;
  /** The id's last part when a type is given: 8 hex digits of its FNV-1a hash (ids fit in 64). */
  readonly typePart: string | null;
}

/**
 * A provider's availability as FHIR R4 `Slot`s, one per slot, in order: `free` when available;
 * an unavailable one (present when the availability was asked with `includeUnavailable`) `busy`
 * or `busy-unavailable` by its reasons ({@link SLOT_REASON_STATUS}), with the reason codes in
 * `comment` (never the appointment ids: those are other patients' bookings). Each names the
 * provider's `Schedule` and has a stable id: `<providerId>.<start as YYYYMMDDTHHMMZ>.<minutes>`,
 * e.g. `7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d.20300304T0900Z.30`. A provider id that is not 1 to
 * 36 of `A-Z a-z 0-9 -` is written as `h` and 16 hex digits of its FNV-1a hash instead, so every
 * id is an R4 id (at most 64 characters).
 *
 * Throws {@link ValidationError} naming the field for bad options (as {@link toFhirAppointment})
 * and for slots FHIR or the id cannot express: invalid dates, an end not after the start, times
 * that are not whole minutes (the library's slots always are).
 *
 * @example
 * ```ts
 * import { toFhirBundle, toFhirSlots } from 'appointment-kit/fhir';
 *
 * // GET /fhir/Slot?schedule=Schedule/<providerId>&start=2030-03-04&end=2030-03-08&service-type=follow_up
 * app.get('/fhir/Slot', async (req, res) => {
 *   const providerId = String(req.query.schedule).replace(/^Schedule\//, '');
 *   const type = String(req.query['service-type'] ?? 'follow_up');
 *   const availability = await scheduler.availability({
 *     providerId,
 *     from: String(req.query.start),
 *     to: String(req.query.end),
 *     type,
 *   });
 *   const slots = toFhirSlots(availability, { type });
 *   res.type('application/fhir+json').json(toFhirBundle(slots, { type: 'searchset', baseUrl: 'https://clinic.example/fhir' }));
 * });
 * ```
 */
export function toFhirSlots(availability: FhirSlotSource, options: FhirSlotOptions = {}): FhirSlot[] {
  if (!isRecord(availability)) throw ValidationError.forField('', 'Must be an availability', 'invalid_type');
  const providerId = checkProviderId(availability.providerId);
  const resolved = resolveSlotOptions(options, providerId);
  if (!Array.isArray(availability.slots)) {
    throw ValidationError.forField('slots', 'Must be a list of slots', 'invalid_type');
  }
  const providerPart = providerIdPart(providerId);
  return availability.slots.map((slot: unknown, index) => toFhirSlot(slot, `slots[${index}]`, providerPart, resolved));
}

function resolveSlotOptions(given: unknown, providerId: string): ResolvedSlotOptions {
  const options = given === undefined ? {} : given;
  if (!isRecord(options)) throw ValidationError.forField('options', 'Must be an options object', 'invalid_type');
  checkKnownKeys(options, OPTION_KEYS, '');
  const systems = resolveSystems(options.systems, 'systems');
  const custom = checkBuilder(options.scheduleReference, 'scheduleReference');
  // Every slot has the same schedule: built (and checked) once.
  const schedule =
    custom === undefined
      ? literalReference('Schedule', 'providerId', 'scheduleReference')(providerId)
      : buildReference(custom, providerId, 'scheduleReference');
  const type =
    options.type === undefined
      ? null
      : {
          serviceType: typeConcept(options.type, systems.serviceType, 'type'),
          appointmentType: typeConcept(options.type, systems.appointmentType, 'type'),
        };
  const typePart =
    type === null
      ? null
      : (fnv1a64(options.type as string) & TYPE_PART_MASK).toString(16).padStart(TYPE_PART_DIGITS, '0');
  return { schedule, type, typePart };
}

function toFhirSlot(slot: unknown, path: string, providerPart: string, options: ResolvedSlotOptions): FhirSlot {
  if (!isRecord(slot)) {
    throw ValidationError.forField(path, 'Must be a slot { start, end, available, reasons }', 'invalid_type');
  }
  const times = slotTimes(slot.start, slot.end, path);
  const status = statusOf(slot, path);
  const codes = status === 'free' ? [] : reasonCodes(slot.reasons);
  return {
    resourceType: 'Slot',
    // The type is part of a slot: the same time for another type is another slot (its status
    // may differ, with type buffers or limits).
    id: `${providerPart}.${compactMinute(times.start)}.${times.minutes}${options.typePart === null ? '' : `.${options.typePart}`}`,
    ...(options.type !== null && {
      serviceType: [copyConcept(options.type.serviceType)],
      appointmentType: copyConcept(options.type.appointmentType),
    }),
    schedule: copyReference(options.schedule),
    status,
    start: times.start,
    end: times.end,
    ...(codes.length > 0 && { comment: `Unavailable: ${codes.join(', ')}` }),
  };
}

// Each slot gets its own objects: a caller changing one slot must not change the others.
function copyConcept(concept: FhirCodeableConcept): FhirCodeableConcept {
  return {
    ...concept,
    ...(concept.coding !== undefined && { coding: concept.coding.map((coding) => ({ ...coding })) }),
  };
}

function copyReference(reference: FhirReference): FhirReference {
  return { ...reference, ...(reference.identifier !== undefined && { identifier: { ...reference.identifier } }) };
}

/** The slot's instants (each Date read once) and its length in minutes; whole minutes, end after start. */
function slotTimes(start: unknown, end: unknown, path: string): { start: string; end: string; minutes: number } {
  const startText = fhirInstant(start, `${path}.start`);
  const endText = fhirInstant(end, `${path}.end`);
  // fhirInstant has checked both are valid Dates.
  const startMs = (start as Date).getTime();
  const endMs = (end as Date).getTime();
  if (startMs % MINUTE_MS !== 0)
    throw ValidationError.forField(`${path}.start`, 'Must be a whole minute', 'invalid_time');
  if (endMs % MINUTE_MS !== 0) throw ValidationError.forField(`${path}.end`, 'Must be a whole minute', 'invalid_time');
  if (endMs <= startMs) throw ValidationError.forField(`${path}.end`, 'Must be after start', 'end_before_start');
  return { start: startText, end: endText, minutes: (endMs - startMs) / MINUTE_MS };
}

function statusOf(slot: Record<string, unknown>, path: string): FhirSlotStatus {
  if (typeof slot.available !== 'boolean') {
    throw ValidationError.forField(`${path}.available`, 'Must be true or false', 'invalid_type');
  }
  if (slot.available) return 'free';
  if (!Array.isArray(slot.reasons)) {
    throw ValidationError.forField(`${path}.reasons`, 'Must be a list of reasons', 'invalid_type');
  }
  const statuses = slot.reasons.map((reason: unknown, index) => reasonStatus(reason, `${path}.reasons[${index}]`));
  // No reason given: nothing says an appointment holds it, only that it cannot be booked.
  return statuses.length > 0 && statuses.every((status) => status === 'busy') ? 'busy' : 'busy-unavailable';
}

function reasonStatus(reason: unknown, path: string): FhirSlotStatus {
  const code = isRecord(reason) ? reason.code : undefined;
  if (typeof code !== 'string' || !Object.hasOwn(SLOT_REASON_STATUS, code)) {
    throw ValidationError.forField(
      `${path}.code`,
      `Must be one of ${Object.keys(SLOT_REASON_STATUS).join(', ')}`,
      'invalid_value',
    );
  }
  return SLOT_REASON_STATUS[code as UnavailableReason['code']];
}

/** The distinct reason codes, in order (statusOf has checked them). */
function reasonCodes(reasons: unknown): string[] {
  const codes = (reasons as readonly { readonly code: string }[]).map((reason) => reason.code);
  return [...new Set(codes)];
}

function checkProviderId(providerId: unknown): string {
  if (typeof providerId !== 'string' || providerId === '') {
    throw ValidationError.forField('providerId', 'Must be a non-empty string', 'invalid_type');
  }
  if (providerId.length > LIMITS.idLength) {
    throw ValidationError.forField('providerId', `Must be at most ${LIMITS.idLength} characters`, 'too_big');
  }
  return providerId;
}

/**
 * The provider's part of a slot id: the id itself when it can be written there readably, else a
 * hash in a shape no readable part has, so two providers never share ids.
 */
function providerIdPart(providerId: string): string {
  if (READABLE_PROVIDER_PATTERN.test(providerId) && !HASHED_PROVIDER_PATTERN.test(providerId)) return providerId;
  return `h${fnv1a64(providerId).toString(16).padStart(HEX_DIGITS_64, '0')}`;
}

/** FNV-1a over the UTF-16 units: deterministic everywhere, no crypto module needed. */
function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (let index = 0; index < text.length; index++) {
    hash = ((hash ^ BigInt(text.charCodeAt(index))) * FNV_PRIME) & UINT64_MASK;
  }
  return hash;
}

/** `YYYYMMDDTHHMMZ`: a whole-minute instant (`YYYY-MM-DDTHH:MM:00Z`) in id characters. */
function compactMinute(instant: string): string {
  return `${instant.slice(0, 4)}${instant.slice(5, 7)}${instant.slice(8, 10)}T${instant.slice(11, 13)}${instant.slice(14, 16)}Z`;
}
