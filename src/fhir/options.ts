/**
 * The options shared by the FHIR mappers, and their checks. Options are read once into a frozen
 * snapshot, so a getter or proxy cannot hand the mapper one value when checked and another when
 * used.
 */
import { TYPE_KEY_PATTERN } from '../appointment-types.js';
import { ValidationError } from '../errors.js';
import {
  checkKnownKeys,
  checkUri,
  FHIR_STRING_MAX_LENGTH,
  isFhirId,
  isFhirString,
  isRecord,
  isUriText,
  MAX_URI_LENGTH,
} from './primitives.js';
import type { FhirCodeableConcept, FhirIdentifier, FhirReference } from './types.js';

/**
 * Where our codes and identifiers live. The defaults are placeholders in the project's own
 * namespace, so the output is valid as it is; a host should set URIs its organisation controls.
 */
export interface FhirCodeSystems {
  /** `Appointment.identifier.system` of the confirmation code. */
  readonly confirmationCode?: string;
  /** `Coding.system` of the appointment type key in `serviceType`. */
  readonly serviceType?: string;
  /** `Coding.system` of the appointment type key in `appointmentType`. */
  readonly appointmentType?: string;
}

/** Turns one of the host's ids into a FHIR reference. */
export type FhirReferenceBuilder = (id: string) => FhirReference;

/** The project's namespace for the default systems (its GitHub organisation's pages). */
const DEFAULT_SYSTEM_BASE = 'https://appointment-kit.github.io/fhir';

/** The default {@link FhirCodeSystems}. */
export const DEFAULT_FHIR_SYSTEMS: Readonly<Required<FhirCodeSystems>> = Object.freeze({
  confirmationCode: `${DEFAULT_SYSTEM_BASE}/sid/confirmation-code`,
  serviceType: `${DEFAULT_SYSTEM_BASE}/CodeSystem/appointment-type`,
  appointmentType: `${DEFAULT_SYSTEM_BASE}/CodeSystem/appointment-type`,
});

const SYSTEM_KEYS = Object.freeze(['confirmationCode', 'serviceType', 'appointmentType'] as const);
const REFERENCE_KEYS = Object.freeze(['reference', 'identifier', 'display']);
const IDENTIFIER_KEYS = Object.freeze(['system', 'value']);

/**
 * The default reference builder for a resource type: `<type>/<id>`. An id that is not an R4 `id`
 * cannot be written as a relative reference, so it is refused, naming `idField`, with a hint to
 * pass a builder of one's own.
 */
export function literalReference(resourceType: string, idField: string, option: string): FhirReferenceBuilder {
  return (id) => {
    if (!isFhirId(id)) {
      throw ValidationError.forField(
        idField,
        `Not an R4 id (1-64 of A-Z a-z 0-9 - .), so it cannot be written ${resourceType}/<id>; pass options.${option} to map it`,
        'invalid_format',
      );
    }
    return { reference: `${resourceType}/${id}` };
  };
}

/** Throws a {@link ValidationError} naming `path` unless `value` is a function (or undefined). */
export function checkBuilder(value: unknown, path: string): FhirReferenceBuilder | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw ValidationError.forField(path, 'Must be a function from an id to a FHIR reference', 'invalid_type');
  }
  return value as FhirReferenceBuilder;
}

/**
 * Calls a host's reference builder and checks what it returned: a reference we can emit as it is
 * (the builder is the host's code, and its output goes into the resource unchanged). Copies the
 * fields, so the resource never shares an object with the host.
 */
export function buildReference(builder: FhirReferenceBuilder, id: string, path: string): FhirReference {
  const built: unknown = builder(id);
  if (!isRecord(built)) throw ValidationError.forField(path, 'Must return a FHIR reference object', 'invalid_type');
  checkKnownKeys(built, REFERENCE_KEYS, path);
  const reference = checkLiteral(built.reference, `${path}.reference`);
  const identifier = checkIdentifier(built.identifier, `${path}.identifier`);
  const display = checkText(built.display, `${path}.display`);
  if (reference === undefined && identifier === undefined && display === undefined) {
    throw ValidationError.forField(path, 'Must return at least one of reference, identifier, display', 'invalid_value');
  }
  return {
    ...(reference !== undefined && { reference }),
    ...(identifier !== undefined && { identifier }),
    ...(display !== undefined && { display }),
  };
}

/**
 * Checks `systems` and returns it complete, defaults filled in. Throws a {@link ValidationError}
 * naming the first bad field.
 */
export function resolveSystems(value: unknown, path: string): Readonly<Required<FhirCodeSystems>> {
  if (value === undefined) return DEFAULT_FHIR_SYSTEMS;
  if (!isRecord(value)) throw ValidationError.forField(path, 'Must be an object of URIs', 'invalid_type');
  checkKnownKeys(value, SYSTEM_KEYS, path);
  const resolved: Record<(typeof SYSTEM_KEYS)[number], string> = { ...DEFAULT_FHIR_SYSTEMS };
  for (const key of SYSTEM_KEYS) {
    const system = value[key];
    if (system !== undefined) resolved[key] = checkUri(system, `${path}.${key}`);
  }
  return Object.freeze(resolved);
}

/**
 * An appointment-type key as a concept coded in `system`. Throws a {@link ValidationError} naming
 * `path` unless `type` is a catalogue key.
 */
export function typeConcept(type: unknown, system: string, path: string): FhirCodeableConcept {
  if (typeof type !== 'string' || !TYPE_KEY_PATTERN.test(type)) {
    throw ValidationError.forField(path, 'Must be an appointment-type key (a-z, then a-z 0-9 _)', 'invalid_format');
  }
  return { coding: [{ system, code: type }] };
}

/** Throws a {@link ValidationError} naming `path` unless `value` is a boolean (or undefined). */
export function checkFlag(value: unknown, path: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw ValidationError.forField(path, 'Must be true or false', 'invalid_type');
}

/**
 * A literal reference: printable ASCII without spaces, not a `#` reference (we emit no contained
 * resources for it to point at, invariant ref-1).
 */
function checkLiteral(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isUriText(value) || value.startsWith('#')) {
    throw ValidationError.forField(
      path,
      `Must be a literal reference such as Patient/123 or an absolute URL (printable ASCII, at most ${MAX_URI_LENGTH} characters, not #local)`,
      'invalid_format',
    );
  }
  return value;
}

function checkIdentifier(value: unknown, path: string): FhirIdentifier | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw ValidationError.forField(path, 'Must be an identifier object', 'invalid_type');
  checkKnownKeys(value, IDENTIFIER_KEYS, path);
  const system = value.system === undefined ? undefined : checkUri(value.system, `${path}.system`);
  const identifierValue = checkText(value.value, `${path}.value`);
  if (system === undefined && identifierValue === undefined) {
    throw ValidationError.forField(path, 'Must have a system or a value', 'invalid_value');
  }
  return {
    ...(system !== undefined && { system }),
    ...(identifierValue !== undefined && { value: identifierValue }),
  };
}

/** Text a host gives us must already be a valid FHIR string: we do not rewrite a host's output. */
function checkText(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isFhirString(value)) {
    throw ValidationError.forField(
      path,
      `Must be non-blank text of at most ${FHIR_STRING_MAX_LENGTH} characters, without control characters or unpaired surrogates`,
      'invalid_text',
    );
  }
  return value;
}
