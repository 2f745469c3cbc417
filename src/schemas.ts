import { z } from 'zod';
import { type AppointmentType, DEFAULT_APPOINTMENT_TYPES } from './appointment-types.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import { LIMITS } from './limits.js';
import { APPOINTMENT_STATUSES } from './status.js';

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
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An instant: a `Date` or an ISO-8601 date-time string with `Z` or an offset. */
export const instantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))], {
    error: 'Must be an ISO-8601 date-time with Z or an offset (e.g. 2026-03-02T09:00:00Z), or a Date',
  })
  .refine((date) => !Number.isNaN(date.getTime()), 'Must be a valid date');

/** A local calendar date `YYYY-MM-DD`. */
export const localDateSchema = z
  .string({ error: 'Must be a calendar date written YYYY-MM-DD' })
  .refine(isRealLocalDate, 'Must be a calendar date written YYYY-MM-DD');

// Query strings arrive as text: accept "30" for 30 and "true" for true, and nothing looser.
function wholeNumber(min: number, max: number) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value),
    z
      .number({ error: 'Must be a whole number' })
      .int('Must be a whole number')
      .min(min, `Must be at least ${min}`)
      .max(max, `Must be at most ${max}`),
  );
}

const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'Must be true or false' }),
);

const durationMinutes = wholeNumber(LIMITS.durationMinutes.min, LIMITS.durationMinutes.max);
const reason = z.string().max(LIMITS.reasonLength, `Must be at most ${LIMITS.reasonLength} characters`);
const notes = z.string().max(LIMITS.notesLength, `Must be at most ${LIMITS.notesLength} characters`);
const metadata = z.record(z.string(), z.json(), { error: 'Must be a JSON object' });
const cancellationReason = z
  .string({ error: 'A cancellation reason is required' })
  .max(LIMITS.cancellationReasonLength, `Must be at most ${LIMITS.cancellationReasonLength} characters`)
  .refine((text) => text.trim().length > 0, 'A cancellation reason is required');

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
    rrule: z.string().min(1, 'Must not be empty').max(1000, 'Must be at most 1000 characters').optional(),
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
  /** How host ids (patients, providers) are validated; default: UUID strings. */
  readonly idSchema?: z.ZodType<string>;
  /** The appointment types `type` may name; default {@link DEFAULT_APPOINTMENT_TYPES}. */
  readonly appointmentTypes?: readonly AppointmentType[];
}

/**
 * Builds the input schemas for a host's id format and appointment-type catalogue.
 * {@link schemas} is the default set (UUID ids, the built-in types).
 */
export function createSchemas(options: SchemaOptions = {}) {
  const id = options.idSchema ?? z.uuid({ error: 'Must be a UUID' });
  const typeKeys = (options.appointmentTypes ?? DEFAULT_APPOINTMENT_TYPES).map((type) => type.key);
  const type = z.enum(typeKeys as [string, ...string[]], { error: `Must be one of ${typeKeys.join(', ')}` });
  const status = z.enum(APPOINTMENT_STATUSES, { error: `Must be one of ${APPOINTMENT_STATUSES.join(', ')}` });

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
    idempotencyKey: z
      .string()
      .min(1, 'Must not be empty')
      .max(LIMITS.idempotencyKeyLength, `Must be at most ${LIMITS.idempotencyKeyLength} characters`)
      .optional(),
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

  const durationChoice = {
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
      status: z
        .preprocess(
          (value) => (typeof value === 'string' ? value.split(',') : value),
          z.array(status).min(1, 'Give at least one status'),
        )
        .optional(),
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
    createAppointment,
    updateAppointment,
    rescheduleAppointment,
    cancelAppointment,
    cancelSeries,
    recurrence: recurrenceSchema,
    availabilityQuery,
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
    return keys.map((key) => ({
      path: joinPath([...(prefix ? [prefix] : []), ...issue.path.map(String), ...(key ? [key] : [])]),
      message: issue.code === 'unrecognized_keys' ? 'Unknown field' : issue.message,
      code: issue.code,
    }));
  });
}

function joinPath(parts: readonly string[]): string {
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}
