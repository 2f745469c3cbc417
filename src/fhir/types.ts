/**
 * The FHIR R4 (4.0.1) shapes this entry point emits, declared here so that `appointment-kit/fhir`
 * has no runtime or type dependency on a FHIR library. Each is a structural subset of the R4
 * resource or data type of the same name: only the elements we fill in, each with the R4
 * cardinality and, for codes, only the values we emit. The test suite checks every one is
 * assignable to the matching `@medplum/fhirtypes` type.
 *
 * Property modifiers are `readonly`, but arrays are plain arrays: FHIR libraries type their
 * arrays as mutable, and a `readonly T[]` would not be assignable to them.
 *
 * @see https://hl7.org/fhir/R4/appointment.html
 * @see https://hl7.org/fhir/R4/slot.html
 * @see https://hl7.org/fhir/R4/bundle.html
 */

/** R4 `Coding`: one code from a code system. */
export interface FhirCoding {
  /** The code system's canonical URI. */
  readonly system: string;
  readonly code: string;
}

/** R4 `CodeableConcept`: codings and/or free text. */
export interface FhirCodeableConcept {
  readonly coding?: FhirCoding[];
  readonly text?: string;
}

/** R4 `Identifier`: a business identifier in a namespace (`system`). */
export interface FhirIdentifier {
  readonly system?: string;
  readonly value?: string;
}

/**
 * R4 `Reference`: a literal reference (`Patient/123`, an absolute URL), a logical reference by
 * identifier, and/or a display text. At least one of the three.
 */
export interface FhirReference {
  readonly reference?: string;
  readonly identifier?: FhirIdentifier;
  readonly display?: string;
}

/** R4 `Meta`: the resource's version and last change, as the library records them. */
export interface FhirMeta {
  /** The appointment's `version`, as text. */
  readonly versionId: string;
  /** An R4 `instant`. */
  readonly lastUpdated: string;
}

/** The `Appointment.status` codes we emit (value set `appointmentstatus`, required binding). */
export type FhirAppointmentStatus = 'booked' | 'arrived' | 'fulfilled' | 'cancelled' | 'noshow';

/** `Appointment.participant.status` (value set `participationstatus`, required binding). */
export type FhirParticipationStatus = 'accepted' | 'declined' | 'tentative' | 'needs-action';

/** `Appointment.participant.required` (value set `participantrequired`, required binding). */
export type FhirParticipantRequired = 'required' | 'optional' | 'information-only';

/** R4 `Appointment.participant`. */
export interface FhirAppointmentParticipant {
  readonly actor: FhirReference;
  readonly required: FhirParticipantRequired;
  readonly status: FhirParticipationStatus;
}

/** R4 `Appointment`, as {@link toFhirAppointment} builds it. */
export interface FhirAppointment {
  readonly resourceType: 'Appointment';
  /** The appointment's id. */
  readonly id: string;
  readonly meta: FhirMeta;
  /** The confirmation code; absent only if the record has none. */
  readonly identifier?: FhirIdentifier[];
  readonly status: FhirAppointmentStatus;
  /** Only on `cancelled` and `noshow` (invariant app-4). */
  readonly cancelationReason?: FhirCodeableConcept;
  /** The appointment type key. */
  readonly serviceType: FhirCodeableConcept[];
  /** The appointment type key. */
  readonly appointmentType: FhirCodeableConcept;
  /** The appointment's `reason`. */
  readonly description?: string;
  /** An R4 `instant`. */
  readonly start: string;
  /** An R4 `instant`. */
  readonly end: string;
  /** An R4 `positiveInt`. */
  readonly minutesDuration: number;
  /** An R4 `dateTime`: when the appointment was booked. */
  readonly created: string;
  /** The appointment's `notes`, only when asked for. */
  readonly comment?: string;
  /** The patient, then the provider. */
  readonly participant: FhirAppointmentParticipant[];
}

/** The `Slot.status` codes we emit (value set `slotstatus`, required binding). */
export type FhirSlotStatus = 'free' | 'busy' | 'busy-unavailable';

/** R4 `Slot`, as {@link toFhirSlots} builds it. */
export interface FhirSlot {
  readonly resourceType: 'Slot';
  /** Stable: the same provider, start and end always give the same id. */
  readonly id: string;
  /** The appointment type key the availability was computed for, when given. */
  readonly serviceType?: FhirCodeableConcept[];
  readonly appointmentType?: FhirCodeableConcept;
  /** The provider's schedule. */
  readonly schedule: FhirReference;
  readonly status: FhirSlotStatus;
  /** An R4 `instant`. */
  readonly start: string;
  /** An R4 `instant`. */
  readonly end: string;
  /** Why a slot is not free, as the library's reason codes (no appointment ids). */
  readonly comment?: string;
}

/** A resource this entry point emits. */
export type FhirResource = FhirAppointment | FhirSlot;

/** The `Bundle.type` codes {@link toFhirBundle} builds. */
export type FhirBundleType = 'searchset' | 'collection';

/** R4 `Bundle.link`. */
export interface FhirBundleLink {
  readonly relation: string;
  readonly url: string;
}

/** R4 `Bundle.entry`. */
export interface FhirBundleEntry<T extends FhirResource = FhirResource> {
  /** `<baseUrl>/<resourceType>/<id>`, when a base URL is given. */
  readonly fullUrl?: string;
  readonly resource: T;
  /** Only in a `searchset` (invariant bdl-2): every entry is a match. */
  readonly search?: { readonly mode: 'match' };
}

/** R4 `Bundle`, as {@link toFhirBundle} builds it. */
export interface FhirBundle<T extends FhirResource = FhirResource> {
  readonly resourceType: 'Bundle';
  readonly type: FhirBundleType;
  /** An R4 `instant`, when given. */
  readonly timestamp?: string;
  /** Only in a `searchset` (invariant bdl-1): the number of matches. */
  readonly total?: number;
  readonly link?: FhirBundleLink[];
  readonly entry: FhirBundleEntry<T>[];
}
