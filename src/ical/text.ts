/**
 * Text for TEXT properties (SUMMARY, DESCRIPTION, calendar NAME). ical-generator escapes
 * backslashes, commas, semicolons and line breaks; what it cannot escape is removed here.
 */

/**
 * RFC 5545 TEXT allows no control character but HTAB (line breaks are written escaped, `\n`).
 * The others have no escape, so they are dropped rather than written into a broken line.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const LINE_SEPARATORS = /[\u2028\u2029]/g;
/** A UTF-16 surrogate without its partner cannot be encoded as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const REPLACEMENT_CHARACTER = '\uFFFD';

/** `text` as a TEXT value can carry it: control characters dropped, lone surrogates replaced. */
export function cleanText(text: string): string {
  // U+2028 and U+2029 are line breaks to a reader; some (node-ical) drop a value holding them.
  return text
    .replace(LINE_SEPARATORS, '\n')
    .replace(CONTROL_CHARACTERS, '')
    .replace(LONE_SURROGATE, REPLACEMENT_CHARACTER);
}

const SEPARATORS = /[_-]+/g;
const FALLBACK_SUMMARY = 'Appointment';

/**
 * A readable title from an appointment-type key: `follow_up` → `Follow up`. Hosts with labels
 * (their appointment-type catalogue) pass a `summary` callback instead.
 */
export function summaryFromType(type: string): string {
  const words = cleanText(type).replace(SEPARATORS, ' ').trim();
  if (words === '') return FALLBACK_SUMMARY;
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}
