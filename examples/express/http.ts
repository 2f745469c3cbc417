import type { Actor, ChangeOptions, Scheduler } from 'appointment-kit';
import { ValidationError } from 'appointment-kit';
import type { Request } from 'express';

/**
 * A client error found by the HTTP layer itself rather than by the Scheduler: a body that is not
 * JSON, an If-Match no current version matches.
 */
export class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** If-Match listed several tags and none is the current version: 412, and the version to re-read. */
export class PreconditionFailedError extends ClientError {
  constructor(actualVersion: number) {
    super(412, 'STALE_VERSION', 'If-Match names no current version of the appointment', { actualVersion });
  }
}

/** `"3"` for version 3: the ETag a client sends back in If-Match. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The change options an If-Match header asks for (RFC 9110 §13.1.1). One version is handed to
 * the Scheduler, which compares it atomically with the write; a list with several is matched
 * against the current version first, and the matching one handed on, so a change racing in
 * between still fails.
 */
export async function ifMatch(
  request: Request,
  scheduler: Scheduler,
  id: string,
  actor: Actor,
): Promise<ChangeOptions | undefined> {
  const header = request.get('if-match');
  if (header === undefined) return undefined;
  const condition = parseIfMatch(header);
  if (condition === null) {
    throw ValidationError.forField('If-Match', 'Must be "*" or a comma-separated list of ETags, e.g. "3"');
  }
  if (condition === '*') return {};
  const versions = [...new Set(condition.flatMap((tag) => versionOfStrongTag(tag) ?? []))];
  if (versions.length === 1) return { expectedVersion: versions[0] };
  const { version } = await scheduler.get(id, actor);
  if (!versions.includes(version)) throw new PreconditionFailedError(version);
  return { expectedVersion: version };
}

/** One entity-tag of an If-Match list: its opaque text and whether it is weak (`W/"3"`). */
interface EntityTag {
  readonly opaque: string;
  readonly weak: boolean;
}

/** `[weak] DQUOTE *etagc DQUOTE`, etagc being any visible character but `"`, or obs-text. */
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/y;

/**
 * `*`, or the entity-tags of the header's list (possibly none: the list syntax allows empty
 * elements); null when the header is not that syntax.
 */
function parseIfMatch(header: string): '*' | EntityTag[] | null {
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  let position = 0;
  let afterTag = false;
  while (position < header.length) {
    const character = header[position];
    if (character === ' ' || character === '\t') {
      position += 1;
    } else if (character === ',') {
      afterTag = false;
      position += 1;
    } else {
      // Two tags need a comma between them.
      if (afterTag) return null;
      ENTITY_TAG.lastIndex = position;
      const match = ENTITY_TAG.exec(header);
      if (match === null) return null;
      tags.push({ opaque: match[2] ?? '', weak: match[1] !== undefined });
      afterTag = true;
      position = ENTITY_TAG.lastIndex;
    }
  }
  return tags;
}

/**
 * The version a tag names under the strong comparison If-Match requires: only a strong tag whose
 * text is exactly what {@link etagOf} writes. `W/"3"`, `"03"` and `"a"` name none.
 */
function versionOfStrongTag({ opaque, weak }: EntityTag): number | undefined {
  if (weak || !/^[1-9][0-9]*$/.test(opaque)) return undefined;
  const version = Number(opaque);
  return Number.isSafeInteger(version) ? version : undefined;
}

/** A path parameter, as Express decoded it. */
export function param(request: Request, name: string): string {
  return String(request.params[name]);
}

/** The body, which must be a JSON object. */
export function objectBody(request: Request): Record<string, unknown> {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ValidationError.forField('', 'The body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * A query string or JSON body handed to the Scheduler as it came: untyped until the Scheduler
 * checks it (every method validates its input at run time and refuses it with a
 * ValidationError naming each field), so no shape is claimed here that was not checked.
 */
export function untrusted<T>(value: unknown): T {
  return value as T;
}
