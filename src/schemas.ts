import { z } from 'zod';
import type { JsonValue } from './appointment.js';
import { type AppointmentType, DEFAULT_APPOINTMENT_TYPES } from './appointment-types.js';
import { RESOURCE_KIND } from './directory.js';
import { ValidationError, type ValidationIssue, type ValidationIssueCode } from './errors.js';
import { LIMITS } from './limits.js';
import { utcDateMs, WEEKDAYS } from './local-time.js';
import { APPOINTMENT_STATUSES, type AppointmentStatus } from './status.js';

/**
 * zod schemas of every input, defined once: the Scheduler validates with them, and a REST layer
 * can generate its OpenAPI document from them. Inputs may carry instants as ISO-8601 strings
 * (with `Z` or an offset) or as `Date`s; the parsed output always holds `Date`s.
 */

/** Recurrence frequencies; `biweekly` is every two weeks. */
export const RECURRENCE_FREQUENCIES = ['daily', 'weekly', 'biweekly', 'monthly'] as const;
/** How often a series repeats. */
export type RecurrenceFrequency = (typeof RECURRENCE_FREQUENCIES)[number];

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealLocalDate(text: string): boolean {
  const match = LOCAL_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(utcDateMs(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// A lone UTF-16 surrogate cannot be stored losslessly (PostgreSQL refuses it, SQLite turns it
// into U+FFFD) and PostgreSQL refuses NUL in text: both are refused at the boundary so that what
// a store returns is always exactly what was sent, on every store.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True if every store keeps `text` exactly: well-formed UTF-16 (no unpaired surrogate) and no
 * NUL character.
 *
 * @example
 * isStorableText('café 🩺'); // true
 * isStorableText('a\u0000b'); // false
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

const STORABLE_TEXT = {
  message: 'Must not contain NUL characters or unpaired UTF-16 surrogates',
  params: { code: 'invalid_text' },
} as const;

/** A string of at most `max` characters that every store keeps exactly. */
function storableString(max: number, required = 'Must be a string') {
  return z
    .string({ error: required })
    .max(max, `Must be at most ${max} characters`)
    .refine(isStorableText, STORABLE_TEXT);
}

/**
 * Ids the library makes (appointments, series): UUIDs, written canonically in lower case, so an
 * upper-case copy of an id names the same appointment.
 */
export const appointmentIdSchema = z.uuid({ error: 'Must be a UUID' }).transform((id) => id.toLowerCase());

/**
 * The default host id (patients, providers): a UUID in any letter case, canonicalised to lower
 * case, so `ABC…` and `abc…` are one provider everywhere, in every check and every store.
 */
export const uuidIdSchema = z.uuid({ error: 'Must be a UUID' }).transform((id) => id.toLowerCase());

/** An instant: a `Date` or an ISO-8601 date-time string with `Z` or an offset. */
export const instantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))], {
    error: 'Must be an ISO-8601 date-time with Z or an offset (e.g. 2026-03-02T09:00:00Z), or a Date',
  })
  .refine((date) => !Number.isNaN(date.getTime()), 'Must be a valid date');

/** A local time of day `HH:mm`, 00:00 to 23:59. */
export const localTimeSchema = z
  .string({ error: 'Must be a time of day written HH:mm' })
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'Must be a time of day written HH:mm');

/** A local calendar date `YYYY-MM-DD`. */
export const localDateSchema = z
  .string({ error: 'Must be a calendar date written YYYY-MM-DD' })
  .refine(isRealLocalDate, 'Must be a calendar date written YYYY-MM-DD');

// Query strings arrive as text: accept "30" for 30 and "true" for true, and nothing looser. The
// declared input types say so (a preprocess step alone would type them `unknown`).
function wholeNumber(min: number, max: number): z.ZodType<number, number | `${number}`> {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value),
    z
      .number({ error: 'Must be a whole number' })
      .int('Must be a whole number')
      .min(min, `Must be at least ${min}`)
      .max(max, `Must be at most ${max}`),
  ) as unknown as z.ZodType<number, number | `${number}`>;
}

const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'Must be true or false' }),
) as unknown as z.ZodType<boolean, boolean | 'true' | 'false'>;

const durationMinutes = wholeNumber(LIMITS.durationMinutes.min, LIMITS.durationMinutes.max);
const reason = storableString(LIMITS.reasonLength);
const notes = storableString(LIMITS.notesLength);
const cancellationReason = storableString(LIMITS.cancellationReasonLength, 'A cancellation reason is required').refine(
  (text) => text.trim().length > 0,
  'A cancellation reason is required',
);

/** One problem found in a metadata value, with the path below `metadata`. */
interface MetadataProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
  readonly code: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * The first reason `value` is not acceptable metadata, or null. The walk is iterative and stops
 * at the depth and size limits, so a hostile value (thousands of levels deep, a cycle, a huge
 * array) costs bounded work and never overflows the stack.
 */
function metadataProblem(value: unknown): MetadataProblem | null {
  const { maxDepth, maxJsonLength, maxKeyLength } = LIMITS.metadata;
  if (!isPlainObject(value)) return { path: [], message: 'Must be a JSON object', code: 'invalid_type' };
  // Roughly the length of the value as JSON text, counted down as the walk goes.
  let budget = maxJsonLength;
  const tooBig = { path: [], message: `Must be at most ${maxJsonLength} characters as JSON`, code: 'too_big' };
  const pending: Array<{ value: unknown; path: Array<string | number>; depth: number }> = [
    { value, path: [], depth: 1 },
  ];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { value: node, path, depth } = item;
    if (node === null || typeof node === 'boolean') {
      budget -= 5;
    } else if (typeof node === 'number') {
      if (!Number.isFinite(node)) return { path, message: 'Must be a finite number', code: 'invalid_type' };
      budget -= 24;
    } else if (typeof node === 'string') {
      if (!isStorableText(node)) return { path, ...STORABLE_TEXT, code: STORABLE_TEXT.params.code };
      budget -= node.length + 2;
    } else if (Array.isArray(node) || isPlainObject(node)) {
      if (depth > maxDepth) {
        return { path, message: `Must be nested at most ${maxDepth} levels deep`, code: 'too_deep' };
      }
      const keys: Array<string | number> = Array.isArray(node) ? [...node.keys()] : Object.keys(node);
      budget -= 2 + keys.length;
      if (budget < 0) return tooBig;
      for (const key of keys) {
        if (typeof key === 'string') {
          if (key === '__proto__') {
            return { path: [...path, key], message: 'The key "__proto__" is not allowed', code: 'invalid_key' };
          }
          if (!isStorableText(key) || key.length > maxKeyLength) {
            return {
              path: [...path, key],
              message: `Keys must be at most ${maxKeyLength} characters, without NUL or unpaired surrogates`,
              code: 'invalid_key',
            };
          }
          budget -= key.length + 3;
        }
        pending.push({
          value: (node as Record<string | number, unknown>)[key],
          path: [...path, key],
          depth: depth + 1,
        });
      }
    } else {
      return {
        path,
        message: 'Must be a JSON value: a string, finite number, boolean, null, array or object',
        code: 'invalid_type',
      };
    }
    if (budget < 0) return tooBig;
  }
  return null;
}

/**
 * Host-defined JSON, kept exactly as given: a plain object, at most
 * `LIMITS.metadata.maxDepth` levels deep and `LIMITS.metadata.maxJsonLength` characters as JSON,
 * with storable text and no `__proto__` key (refused, never silently dropped).
 */
export const metadataSchema = z
  .unknown()
  .superRefine((value, context) => {
    const problem = metadataProblem(value);
    if (problem !== null) {
      context.addIssue({
        code: 'custom',
        path: [...problem.path],
        message: problem.message,
        params: { code: problem.code },
      });
    }
  })
  .transform((value) => value as Record<string, JsonValue>)
  .meta({ type: 'object', description: 'Host-defined JSON object' }) as unknown as z.ZodType<
  Record<string, JsonValue>,
  Readonly<Record<string, JsonValue>>
>;
const metadata = metadataSchema;

/**
 * A recurrence: either a pattern (`frequency`, `interval`, optional `endDate` and
 * `maxOccurrences`) or a raw RFC 5545 rule (`rrule`, e.g. `FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10`).
 * `endDate` is inclusive: an instant, or a local date `YYYY-MM-DD` meaning that whole day.
 */
export const recurrenceSchema = z
  .strictObject({
    frequency: z
      .enum(RECURRENCE_FREQUENCIES, {
        error: `Must be one of ${RECURRENCE_FREQUENCIES.join(', ')}`,
      })
      .optional(),
    interval: wholeNumber(LIMITS.recurrenceInterval.min, LIMITS.recurrenceInterval.max).optional(),
    endDate: z
      .union([localDateSchema, instantSchema], {
        error: 'Must be a local date YYYY-MM-DD or an ISO-8601 date-time',
      })
      .optional(),
    maxOccurrences: wholeNumber(1, LIMITS.maxOccurrences).optional(),
    rrule: storableString(LIMITS.rruleLength).min(1, 'Must not be empty').optional(),
  })
  .superRefine((value, context) => {
    if (value.rrule === undefined && value.frequency === undefined) {
      context.addIssue({ code: 'custom', path: ['frequency'], message: 'Required unless rrule is given' });
    }
    if (value.rrule !== undefined) {
      for (const key of ['frequency', 'interval', 'endDate', 'maxOccurrences'] as const) {
        if (value[key] !== undefined) {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: 'Not allowed with rrule (write it into the rule: FREQ, INTERVAL, UNTIL, COUNT)',
          });
        }
      }
    }
  })
  .transform(
    (value): Recurrence =>
      value.rrule !== undefined
        ? { rrule: value.rrule }
        : {
            frequency: value.frequency as RecurrenceFrequency,
            interval: value.interval ?? 1,
            ...(value.endDate !== undefined && { endDate: value.endDate }),
            ...(value.maxOccurrences !== undefined && { maxOccurrences: value.maxOccurrences }),
          },
  );

/** A repeating pattern. */
export interface RecurrencePattern {
  readonly frequency: RecurrenceFrequency;
  /** Repeat every `interval` periods (1..52); default 1. */
  readonly interval?: number;
  /** Inclusive end: an instant, or a local date `YYYY-MM-DD` meaning that whole day. */
  readonly endDate?: Date | string;
  /** At most this many occurrences (1..100), the first included. */
  readonly maxOccurrences?: number;
}

/** A raw RFC 5545 recurrence rule (without DTSTART or TZID: the start and zone are given apart). */
export interface RecurrenceRule {
  readonly rrule: string;
}

/** How a series repeats. */
export type Recurrence = RecurrencePattern | RecurrenceRule;

/** Options of {@link createSchemas}. */
export interface SchemaOptions {
  /**
   * How host ids (patients, providers) are validated and canonicalised; default
   * {@link uuidIdSchema}. Its output is the id's one canonical form: if the host's ids compare
   * case-insensitively, the schema must fold the case itself (e.g.
   * `z.string().min(1).transform((id) => id.toLowerCase())`), because every check and every store
   * compares ids exactly as this schema returns them.
   */
  readonly idSchema?: z.ZodType<string, string>;
  /** The appointment types `type` may name; default {@link DEFAULT_APPOINTMENT_TYPES}. */
  readonly appointmentTypes?: readonly AppointmentType[];
}

/**
 * Builds the input schemas for a host's id format and appointment-type catalogue.
 * {@link schemas} is the default set (UUID ids, the built-in types).
 */
export function createSchemas(options: SchemaOptions = {}) {
  const id: z.ZodType<string, string> =
    options.idSchema === undefined
      ? uuidIdSchema
      : options.idSchema
          .refine((value) => typeof value === 'string' && value.length > 0, 'Must not be empty')
          .refine((value) => value.length <= LIMITS.idLength && isStorableText(value), {
            message: `Must be at most ${LIMITS.idLength} characters, without NUL or unpaired surrogates`,
            params: { code: 'invalid_text' },
          });
  const typeKeys = (options.appointmentTypes ?? DEFAULT_APPOINTMENT_TYPES).map((type) => type.key);
  const type = z.enum(typeKeys as [string, ...string[]], { error: `Must be one of ${typeKeys.join(', ')}` });
  const status = z.enum(APPOINTMENT_STATUSES, { error: `Must be one of ${APPOINTMENT_STATUSES.join(', ')}` });

  // Resources a booking holds besides its provider: `{ id }` one, `{ kind }` any of a kind.
  const resourceRequests = z
    .array(
      z.union(
        [
          z.strictObject({ id }),
          z.strictObject({
            kind: z
              .string({ error: 'Must be a resource kind' })
              .regex(RESOURCE_KIND, 'Must be a resource kind: lower-case letters, digits, _ or -'),
          }),
        ],
        { error: 'Must be { id } or { kind }' },
      ),
    )
    .max(LIMITS.resourcesPerBooking, `At most ${LIMITS.resourcesPerBooking} resources`)
    .superRefine((requests, context) => {
      const ids = requests.flatMap((request) => ('id' in request ? [request.id] : []));
      if (new Set(ids).size !== ids.length) {
        context.addIssue({
          code: 'custom',
          message: 'Must not name a resource twice',
          params: { code: 'duplicate' },
        });
      }
    });
  // In a query string, the same list as JSON text: resources=[{"kind":"room"}].
  const resourceQuery = z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, resourceRequests) as unknown as z.ZodType<
    z.output<typeof resourceRequests>,
    z.input<typeof resourceRequests> | string
  >;

  const createAppointment = z.strictObject({
    patientId: id,
    providerId: id,
    type,
    start: instantSchema,
    durationMinutes: durationMinutes.optional(),
    reason: reason.optional(),
    notes: notes.optional(),
    metadata: metadata.optional(),
    recurrence: recurrenceSchema.optional(),
    idempotencyKey: storableString(LIMITS.idempotencyKeyLength).min(1, 'Must not be empty').optional(),
    resources: resourceRequests.optional(),
  });

  const updateAppointment = z
    .strictObject({
      reason: reason.nullable().optional(),
      notes: notes.nullable().optional(),
      metadata: metadata.nullable().optional(),
      type: type.optional(),
    })
    .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
      message: 'Give at least one of reason, notes, metadata, type',
    });

  const rescheduleAppointment = z.strictObject({
    start: instantSchema,
    durationMinutes: durationMinutes.optional(),
  });

  const cancelAppointment = z.strictObject({ reason: cancellationReason });

  const cancelSeries = z.strictObject({
    reason: cancellationReason,
    /** Cancel this occurrence and the following ones (by start); omitted: the whole series. */
    from: instantSchema.optional(),
  });

  const onConflict = (fallback: 'fail' | 'skip') =>
    z.enum(['fail', 'skip'], { error: 'Must be fail or skip' }).default(fallback);

  const moveSeries = z
    .strictObject({
      /** Move the occurrences from this instant on (this and following); omitted: every one still to come. */
      from: instantSchema.optional(),
      /** The new local time of day, `HH:mm`, in the series' zone. */
      time: localTimeSchema.optional(),
      /** The new weekdays of a weekly series. */
      weekdays: z
        .array(z.enum(WEEKDAYS, { error: `Must be one of ${WEEKDAYS.join(', ')}` }))
        .min(1, 'Give at least one weekday')
        .max(WEEKDAYS.length)
        .refine((days) => new Set(days).size === days.length, 'Must not repeat a weekday')
        .optional(),
      durationMinutes: durationMinutes.optional(),
      type: type.optional(),
      onConflict: onConflict('fail'),
    })
    .refine((move) => [move.time, move.weekdays, move.durationMinutes, move.type].some((part) => part !== undefined), {
      message: 'Give at least one of time, weekdays, durationMinutes, type',
      path: ['time'],
    });

  const extendSeries = z
    .strictObject({
      /** This many more occurrences. */
      count: wholeNumber(1, LIMITS.maxOccurrences).optional(),
      /** A later end, inclusive: an instant, or a local date meaning that whole day. */
      until: z
        .union([localDateSchema, instantSchema], { error: 'Must be a local date YYYY-MM-DD or an ISO-8601 date-time' })
        .optional(),
      onConflict: onConflict('skip'),
    })
    .superRefine((extension, context) => {
      if ((extension.count === undefined) === (extension.until === undefined)) {
        context.addIssue({ code: 'custom', path: ['count'], message: 'Give count or until, one of them' });
      }
    });

  const durationChoice = {
    resources: resourceQuery.optional(),
    type: type.optional(),
    durationMinutes: durationMinutes.optional(),
  };

  const availabilityQuery = z
    .strictObject({
      providerId: id,
      date: localDateSchema.optional(),
      from: localDateSchema.optional(),
      to: localDateSchema.optional(),
      ...durationChoice,
      stepMinutes: wholeNumber(LIMITS.stepMinutes.min, LIMITS.stepMinutes.max).optional(),
      includeUnavailable: flag.optional(),
    })
    .superRefine((query, context) => {
      const hasRange = query.from !== undefined || query.to !== undefined;
      if (query.date === undefined && !hasRange) {
        context.addIssue({ code: 'custom', path: ['date'], message: 'Give date, or from and to' });
      }
      if (query.date !== undefined && hasRange) {
        context.addIssue({ code: 'custom', path: ['date'], message: 'Give date, or from and to, not both' });
      }
      if (hasRange && (query.from === undefined || query.to === undefined)) {
        context.addIssue({
          code: 'custom',
          path: [query.from === undefined ? 'from' : 'to'],
          message: 'from and to go together',
        });
      }
      if (query.from !== undefined && query.to !== undefined && query.to < query.from) {
        context.addIssue({ code: 'custom', path: ['to'], message: 'Must not be before from' });
      }
      requireDurationChoice(query, context);
    });

  const explainQuery = z
    .strictObject({
      providerId: id,
      start: instantSchema,
      ...durationChoice,
    })
    .superRefine(requireDurationChoice);

  const suggestQuery = z
    .strictObject({
      providerId: id,
      after: instantSchema.optional(),
      ...durationChoice,
      stepMinutes: wholeNumber(LIMITS.stepMinutes.min, LIMITS.stepMinutes.max).optional(),
      limit: wholeNumber(1, LIMITS.maxSuggestions).default(5),
    })
    .superRefine(requireDurationChoice);

  const listAppointmentsQuery = z
    .strictObject({
      patientId: id.optional(),
      providerId: id.optional(),
      // One status, several, or a comma-separated list (as a query string carries them).
      status: (
        z.preprocess(
          (value) => (typeof value === 'string' ? value.split(',') : value),
          z.array(status).min(1, 'Give at least one status'),
        ) as unknown as z.ZodType<AppointmentStatus[], AppointmentStatus | readonly AppointmentStatus[] | string>
      ).optional(),
      type: type.optional(),
      from: instantSchema.optional(),
      to: instantSchema.optional(),
      limit: wholeNumber(LIMITS.pageSize.min, LIMITS.pageSize.max).default(LIMITS.pageSize.default),
      offset: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(0),
      order: z.enum(['asc', 'desc'], { error: 'Must be asc or desc' }).default('asc'),
    })
    .superRefine((query, context) => {
      if (query.from !== undefined && query.to !== undefined && query.to < query.from) {
        context.addIssue({ code: 'custom', path: ['to'], message: 'Must not be before from' });
      }
    });

  const scheduleQuery = z.strictObject({
    providerId: id,
    view: z.enum(['day', 'week', 'month'], { error: 'Must be day, week or month' }),
    date: localDateSchema,
    includeCancelled: flag.default(false),
  });

  const statisticsQuery = z
    .strictObject({
      providerId: id.optional(),
      from: instantSchema.optional(),
      to: instantSchema.optional(),
    })
    .superRefine((query, context) => {
      if (query.from !== undefined && query.to !== undefined && query.to < query.from) {
        context.addIssue({ code: 'custom', path: ['to'], message: 'Must not be before from' });
      }
    });

  return {
    id,
    appointmentId: appointmentIdSchema,
    createAppointment,
    updateAppointment,
    rescheduleAppointment,
    cancelAppointment,
    cancelSeries,
    moveSeries,
    extendSeries,
    recurrence: recurrenceSchema,
    availabilityQuery,
    explainQuery,
    suggestQuery,
    listAppointmentsQuery,
    scheduleQuery,
    statisticsQuery,
  };
}

function requireDurationChoice(
  query: { type?: string | undefined; durationMinutes?: number | undefined },
  context: z.RefinementCtx,
): void {
  if (query.type === undefined && query.durationMinutes === undefined) {
    context.addIssue({ code: 'custom', path: ['type'], message: 'Give type or durationMinutes' });
  }
}

/** The schema set of {@link createSchemas}. */
export type Schemas = ReturnType<typeof createSchemas>;

/** The default schemas: UUID ids and the built-in appointment types. */
export const schemas: Schemas = createSchemas();

/** Parsed input of `schemas.createAppointment`. */
export type CreateAppointmentInput = z.output<Schemas['createAppointment']>;
/** Parsed input of `schemas.updateAppointment`. */
export type UpdateAppointmentInput = z.output<Schemas['updateAppointment']>;
/** Parsed input of `schemas.rescheduleAppointment`. */
export type RescheduleAppointmentInput = z.output<Schemas['rescheduleAppointment']>;
/** Parsed input of `schemas.availabilityQuery`. */
export type AvailabilityQuery = z.output<Schemas['availabilityQuery']>;
/** Parsed input of `schemas.explainQuery`. */
export type ExplainQuery = z.output<Schemas['explainQuery']>;
/** Parsed input of `schemas.suggestQuery`. */
export type SuggestQuery = z.output<Schemas['suggestQuery']>;
/** Parsed input of `schemas.listAppointmentsQuery`. */
export type ListAppointmentsQuery = z.output<Schemas['listAppointmentsQuery']>;
/** Parsed input of `schemas.scheduleQuery`. */
export type ScheduleQuery = z.output<Schemas['scheduleQuery']>;
/** Parsed input of `schemas.statisticsQuery`. */
export type StatisticsQuery = z.output<Schemas['statisticsQuery']>;

/**
 * Parses `input` with `schema`, or throws {@link ValidationError} listing every failing field.
 * `prefix` is put before each path (e.g. `recurrence`).
 *
 * @example
 * const input = parseInput(schemas.createAppointment, request.body);
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(toValidationIssues(result.error, prefix));
}

/** zod's issues as {@link ValidationIssue}s with dot-separated paths. */
export function toValidationIssues(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    // A refinement of ours names its own code in `params` (e.g. `invalid_text`).
    const ownCode = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
    return keys.map((key) => ({
      path: joinPath([...(prefix ? [prefix] : []), ...issue.path.map(String), ...(key ? [key] : [])]),
      message: issue.code === 'unrecognized_keys' ? 'Unknown field' : issue.message,
      code: (typeof ownCode === 'string' ? ownCode : issue.code) as ValidationIssueCode,
    }));
  });
}

function joinPath(parts: readonly string[]): string {
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}
