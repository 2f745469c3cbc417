/**
 * appointment-kit/fhir: appointments and availability as FHIR R4 resources (`Appointment`,
 * `Slot`, `Bundle`), for hosts that talk to an EHR or expose a FHIR scheduling API.
 *
 * Pure functions, no runtime dependency: the resource types are declared here (a structural
 * subset of R4, checked in the tests against `@medplum/fhirtypes`), and every resource is checked
 * in the tests by a FHIR validator against the R4 StructureDefinitions. See `docs/fhir.md`.
 *
 * @example
 * ```ts
 * import { toFhirAppointment, toFhirBundle, toFhirSlots } from 'appointment-kit/fhir';
 *
 * const resource = toFhirAppointment(await scheduler.get(id));
 * const bundle = toFhirBundle(toFhirSlots(await scheduler.availability(query)), { type: 'searchset' });
 * ```
 *
 * @packageDocumentation
 */

export {
  FHIR_STATUS_MAP,
  type FhirAppointmentOptions,
  type FhirStatusMapping,
  toFhirAppointment,
} from './appointment.js';
export { type FhirBundleOptions, toFhirBundle } from './bundle.js';
export {
  DEFAULT_FHIR_SYSTEMS,
  type FhirCodeSystems,
  type FhirReferenceBuilder,
} from './options.js';
export { FHIR_ID_PATTERN, FHIR_STRING_MAX_LENGTH } from './primitives.js';
export { type FhirSlotOptions, type FhirSlotSource, SLOT_REASON_STATUS, toFhirSlots } from './slots.js';
export type {
  FhirAppointment,
  FhirAppointmentParticipant,
  FhirAppointmentStatus,
  FhirBundle,
  FhirBundleEntry,
  FhirBundleLink,
  FhirBundleType,
  FhirCodeableConcept,
  FhirCoding,
  FhirIdentifier,
  FhirMeta,
  FhirParticipantRequired,
  FhirParticipationStatus,
  FhirReference,
  FhirResource,
  FhirSlot,
  FhirSlotStatus,
} from './types.js';
