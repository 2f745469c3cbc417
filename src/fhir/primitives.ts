/**
 * FHIR R4 primitive values, and the checks that keep what we emit valid: every check looks at the
 * length before the content, so hostile input is refused in time linear in at most a few
 * kilobytes (or in one pass over a text of at most 1 MiB).
 */
import { ValidationError } from '../errors.js';

/** The R4 `id` type: 1 to 64 letters, digits, `-` and `.`. */
export const FHIR_ID_PATTERN = /^[A-Za-z0-9.-]{1,64}$/;

/** R4: "strings SHALL NOT exceed 1 MB" (1,048,576 characters; validators count UTF-16 units). */
export const FHIR_STRING_MAX_LENGTH = 1024 * 1024;

/** The longest URI we accept in an option (a code system, a base URL, a reference). */
export const MAX_URI_LENGTH = 4096;

/** The years an R4 `instant` can write: four digits, and year 0 is not one of them. */
const FHIR_YEARS = Object.freeze({ min: 1, max: 9999 });

/** Printable ASCII without space: what a URI may contain (R4 `uri` is `\S*`; IRIs must be encoded). */
const URI_TEXT_PATTERN = /^[\x21-\x7E]+$/;
/** An absolute URI starts with a scheme (RFC 3986 §3.1). */
const URI_SCHEME_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** What replaces a character FHIR strings cannot carry, so the loss is visible. */
const REPLACEMENT_CHARACTER = '\uFFFD';
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const FIRST_PRINTABLE = 0x20;
const HIGH_SURROGATE = Object.freeze({ min: 0xd800, max: 0xdbff });
const LOW_SURROGATE = Object.freeze({ min: 0xdc00, max: 0xdfff });

/** True if `value` is an R4 `id`. */
export function isFhirId(value: unknown): value is string {
  return typeof value === 'string' && FHIR_ID_PATTERN.test(value);
}

/** True if `date` is a valid `Date` an R4 `instant` can write (years 1 to 9999, UTC). */
export function isFhirDate(date: unknown): date is Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return false;
  const year = date.getUTCFullYear();
  return year >= FHIR_YEARS.min && year <= FHIR_YEARS.max;
}

/**
 * The R4 `instant` of a date, in UTC: `2030-03-04T09:00:00Z`, with milliseconds only when there
 * are any. Throws a {@link ValidationError} naming `path` for an invalid or out-of-range date.
 */
export function fhirInstant(date: unknown, path: string): string {
  if (!isFhirDate(date)) {
    throw ValidationError.forField(path, 'Must be a valid Date in the years 1 to 9999', 'invalid_date');
  }
  const iso = date.toISOString();
  return date.getUTCMilliseconds() === 0 ? `${iso.slice(0, -'.000Z'.length)}Z` : iso;
}

/**
 * Free text as an R4 `string`, or undefined for none: null, empty and whitespace-only text have
 * no FHIR form (a string must carry content). Control characters other than tab, line feed and
 * carriage return, and unpaired surrogates, are not allowed in FHIR strings, so each is replaced
 * by U+FFFD rather than dropped. Throws a {@link ValidationError} naming `path` for a non-string
 * or a text longer than FHIR allows.
 */
export function fhirText(text: unknown, path: string): string | undefined {
  if (text === null || text === undefined) return undefined;
  if (typeof text !== 'string') throw ValidationError.forField(path, 'Must be a string or null', 'invalid_type');
  if (text.length > FHIR_STRING_MAX_LENGTH) {
    throw ValidationError.forField(path, `Must be at most ${FHIR_STRING_MAX_LENGTH} characters`, 'too_big');
  }
  if (text.trim() === '') return undefined;
  return replaceUnencodable(text);
}

/** True if `text` is a non-blank R4 `string` as is: no replacement needed, within the length. */
export function isFhirString(text: unknown): text is string {
  return (
    typeof text === 'string' &&
    text.length <= FHIR_STRING_MAX_LENGTH &&
    text.trim() !== '' &&
    replaceUnencodable(text) === text
  );
}

/**
 * Throws a {@link ValidationError} naming `path` unless `value` is an absolute URI of printable
 * ASCII, at most {@link MAX_URI_LENGTH} characters.
 */
export function checkUri(value: unknown, path: string): string {
  if (typeof value !== 'string') throw ValidationError.forField(path, 'Must be a string', 'invalid_type');
  if (value.length > MAX_URI_LENGTH) {
    throw ValidationError.forField(path, `Must be at most ${MAX_URI_LENGTH} characters`, 'too_big');
  }
  if (!URI_TEXT_PATTERN.test(value) || !URI_SCHEME_PATTERN.test(value)) {
    throw ValidationError.forField(
      path,
      'Must be an absolute URI (a scheme, then printable ASCII without spaces)',
      'invalid_format',
    );
  }
  return value;
}

/** True if `value` is a string of printable ASCII without spaces, of at most {@link MAX_URI_LENGTH}. */
export function isUriText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_URI_LENGTH && URI_TEXT_PATTERN.test(value);
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws a {@link ValidationError} naming the first key of `value` not in `allowed` (under
 * `path`): a misspelt option would otherwise be ignored without a word.
 */
export function checkKnownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const shownKey = key.length > 100 ? `${key.slice(0, 100)}…` : key;
      throw ValidationError.forField(
        path === '' ? shownKey : `${path}.${shownKey}`,
        `Unknown option; expected one of ${allowed.join(', ')}`,
        'unrecognized_keys',
      );
    }
  }
}

/** One pass over the UTF-16 units, so the time is linear in the text's length. */
function replaceUnencodable(text: string): string {
  let result = '';
  let copiedUpTo = 0;
  for (let index = 0; index < text.length; index++) {
    const width = encodableWidth(text, index);
    if (width === 0) {
      result += text.slice(copiedUpTo, index) + REPLACEMENT_CHARACTER;
      copiedUpTo = index + 1;
    } else {
      index += width - 1;
    }
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/** How many UTF-16 units the character at `index` takes if FHIR can carry it, else 0. */
function encodableWidth(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit < FIRST_PRINTABLE) return unit === TAB || unit === LINE_FEED || unit === CARRIAGE_RETURN ? 1 : 0;
  if (unit >= HIGH_SURROGATE.min && unit <= HIGH_SURROGATE.max) {
    const next = text.charCodeAt(index + 1);
    return next >= LOW_SURROGATE.min && next <= LOW_SURROGATE.max ? 2 : 0;
  }
  if (unit >= LOW_SURROGATE.min && unit <= LOW_SURROGATE.max) return 0;
  return 1;
}
