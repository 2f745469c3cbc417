import { ValidationError } from '../errors.js';
import { checkKnownKeys, checkUri, fhirInstant, isFhirId, isRecord } from './primitives.js';
import type { FhirBundle, FhirBundleEntry, FhirBundleType, FhirResource } from './types.js';

/** Options of {@link toFhirBundle}. */
export interface FhirBundleOptions {
  /** `searchset` (the answer to a search: entries marked `match`, with `total`) or `collection`. */
  readonly type: FhirBundleType;
  /**
   * The server's FHIR base URL, `http(s)://…` without query or fragment, e.g.
   * `https://clinic.example/fhir`: each entry then gets `fullUrl` `<baseUrl>/<resourceType>/<id>`.
   * Without it, entries have no `fullUrl` (R4 allows that for resources not served at a URL).
   */
  readonly baseUrl?: string;
  /** The bundle's `timestamp`, e.g. when the search ran: the library never reads the clock itself. */
  readonly timestamp?: Date;
  /** The URL the search answered, as the `self` link. */
  readonly selfUrl?: string;
}

const BUNDLE_TYPES: readonly FhirBundleType[] = Object.freeze(['searchset', 'collection'] as const);
const RESOURCE_TYPES: readonly string[] = Object.freeze(['Appointment', 'Slot']);
const OPTION_KEYS = Object.freeze(['type', 'baseUrl', 'timestamp', 'selfUrl']);
/** An http(s) URL without query or fragment (checkUri has bounded its length first). */
const BASE_URL_PATTERN = /^https?:\/\/[^/?#]+(\/[^?#]*)?$/;
/** Invariant bdl-8: a fullUrl is never version-specific. */
const HISTORY_SEGMENT = '/_history/';

/**
 * Resources as a FHIR R4 `Bundle`: a `searchset` (each entry `search.mode` `match`, `total` the
 * number of resources: invariants bdl-1 and bdl-2 allow both only there) or a `collection`. The
 * entries hold the resources themselves, in order.
 *
 * Throws {@link ValidationError} naming the field for a bad option (an unknown one, a type other
 * than the two, a base URL that is not http(s) or carries a query, fragment or `/_history/`), a
 * resource that is not one this entry point emits, or the same resource twice (the same type, id
 * and version: invariant bdl-7 wants each fullUrl once).
 *
 * @example
 * ```ts
 * import { toFhirBundle, toFhirSlots } from 'appointment-kit/fhir';
 *
 * const availability = await scheduler.availability({ providerId, date: '2030-03-04', type: 'follow_up' });
 * const bundle = toFhirBundle(toFhirSlots(availability), {
 *   type: 'searchset',
 *   baseUrl: 'https://clinic.example/fhir',
 *   selfUrl: 'https://clinic.example/fhir/Slot?schedule=Schedule/…&start=2030-03-04',
 * });
 * bundle.total; // the number of slots
 * ```
 */
export function toFhirBundle<T extends FhirResource>(
  resources: readonly T[],
  options: FhirBundleOptions,
): FhirBundle<T> {
  if (!isRecord(options)) throw ValidationError.forField('options', 'Must be an options object', 'invalid_type');
  checkKnownKeys(options, OPTION_KEYS, '');
  const type = checkBundleType(options.type);
  const baseUrl = options.baseUrl === undefined ? undefined : checkBaseUrl(options.baseUrl);
  const timestamp = options.timestamp === undefined ? undefined : fhirInstant(options.timestamp, 'timestamp');
  const selfUrl = options.selfUrl === undefined ? undefined : checkUri(options.selfUrl, 'selfUrl');
  checkResources(resources);
  const searchset = type === 'searchset';
  return {
    resourceType: 'Bundle',
    type,
    ...(timestamp !== undefined && { timestamp }),
    ...(searchset && { total: resources.length }),
    ...(selfUrl !== undefined && { link: [{ relation: 'self', url: selfUrl }] }),
    entry: resources.map(
      (resource): FhirBundleEntry<T> => ({
        ...(baseUrl !== undefined && { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}` }),
        resource,
        ...(searchset && { search: { mode: 'match' } }),
      }),
    ),
  };
}

function checkBundleType(type: unknown): FhirBundleType {
  if (typeof type !== 'string' || !(BUNDLE_TYPES as readonly string[]).includes(type)) {
    throw ValidationError.forField('type', `Must be one of ${BUNDLE_TYPES.join(', ')}`, 'invalid_value');
  }
  return type as FhirBundleType;
}

function checkBaseUrl(value: unknown): string {
  const url = checkUri(value, 'baseUrl');
  if (!BASE_URL_PATTERN.test(url) || url.includes(HISTORY_SEGMENT)) {
    throw ValidationError.forField(
      'baseUrl',
      'Must be an http(s) URL without query, fragment or /_history/, e.g. https://clinic.example/fhir',
      'invalid_format',
    );
  }
  return withoutTrailingSlashes(url);
}

/** A loop, not a regex: `/\/+$/` backtracks quadratically on a long run of slashes. */
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

function checkResources(resources: unknown): void {
  if (!Array.isArray(resources))
    throw ValidationError.forField('resources', 'Must be a list of resources', 'invalid_type');
  const seen = new Set<string>();
  resources.forEach((resource: unknown, index) => {
    const path = `resources[${index}]`;
    if (
      !isRecord(resource) ||
      typeof resource.resourceType !== 'string' ||
      !RESOURCE_TYPES.includes(resource.resourceType)
    ) {
      throw ValidationError.forField(path, `Must be a resource of type ${RESOURCE_TYPES.join(' or ')}`, 'invalid_type');
    }
    if (!isFhirId(resource.id)) throw ValidationError.forField(`${path}.id`, 'Must be an R4 id', 'invalid_format');
    const key = `${resource.resourceType}/${resource.id}/${versionOf(resource)}`;
    if (seen.has(key)) throw ValidationError.forField(`${path}.id`, `${key} is already in the bundle`, 'duplicate');
    seen.add(key);
  });
}

function versionOf(resource: Record<string, unknown>): string {
  return isRecord(resource.meta) && typeof resource.meta.versionId === 'string' ? resource.meta.versionId : '';
}
