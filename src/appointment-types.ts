import { checkPeriodLimits } from './directory.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import { LIMITS } from './limits.js';
import type { PeriodLimits } from './slots.js';

/** One kind of appointment a host offers, with its defaults. */
export interface AppointmentType {
  /** Stable key stored on each appointment: lower case letters, digits and `_`. */
  readonly key: string;
  /** Human-readable name. */
  readonly label: string;
  /** Default duration, 15..480 minutes. */
  readonly durationMinutes: number;
  /** Time kept free before the appointment, 0..240 minutes. */
  readonly bufferBeforeMinutes: number;
  /** Time kept free after the appointment, 0..240 minutes. */
  readonly bufferAfterMinutes: number;
  /** Caps on bookings of this type per provider, per local day, week and month. */
  readonly limits?: PeriodLimits;
}

/** A catalogue entry as a host writes it; buffers default to 0 and the label to the key. */
export interface AppointmentTypeInput {
  readonly key: string;
  readonly label?: string;
  readonly durationMinutes: number;
  readonly bufferBeforeMinutes?: number;
  readonly bufferAfterMinutes?: number;
  readonly limits?: PeriodLimits;
}

/** What an appointment-type key looks like: lower case, digits and `_`, at most 64 characters (also a valid FHIR code). */
export const TYPE_KEY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** The built-in catalogue, with zero buffers. */
export const DEFAULT_APPOINTMENT_TYPES: readonly AppointmentType[] = Object.freeze(
  (
    [
      ['new_patient', 'New patient', 60],
      ['follow_up', 'Follow-up', 30],
      ['urgent', 'Urgent', 30],
      ['consultation', 'Consultation', 45],
      ['routine_checkup', 'Routine check-up', 30],
      ['acupuncture', 'Acupuncture', 45],
    ] as const
  ).map(([key, label, durationMinutes]) =>
    Object.freeze({ key, label, durationMinutes, bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }),
  ),
);

/**
 * Validates a host's appointment-type catalogue and returns it normalised and frozen.
 * Throws {@link ValidationError} naming each bad entry (`[index].field`).
 *
 * @example
 * const types = defineAppointmentTypes([
 *   ...DEFAULT_APPOINTMENT_TYPES,
 *   { key: 'physio', label: 'Physiotherapy', durationMinutes: 50, bufferAfterMinutes: 10 },
 * ]);
 */
export function defineAppointmentTypes(catalog: readonly AppointmentTypeInput[]): readonly AppointmentType[] {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(catalog) || catalog.length === 0) {
    throw ValidationError.forField('', 'The catalogue needs at least one appointment type');
  }
  const seen = new Set<string>();
  const types = catalog.map((entry, index) => {
    const at = (field: string) => `[${index}].${field}`;
    if (typeof entry?.key !== 'string' || !TYPE_KEY_PATTERN.test(entry.key)) {
      issues.push({
        path: at('key'),
        message: 'Must be 1-64 characters: a lower-case letter, then letters, digits or _',
        code: 'invalid_format',
      });
    } else if (seen.has(entry.key)) {
      issues.push({ path: at('key'), message: `Duplicate key "${entry.key}"`, code: 'duplicate' });
    } else {
      seen.add(entry.key);
    }
    if (entry?.label !== undefined && (typeof entry.label !== 'string' || entry.label.length > 200)) {
      issues.push({ path: at('label'), message: 'Must be a string of at most 200 characters', code: 'invalid_type' });
    }
    checkWholeMinutes(entry?.durationMinutes, LIMITS.durationMinutes, at('durationMinutes'), issues);
    checkWholeMinutes(entry?.bufferBeforeMinutes ?? 0, LIMITS.bufferMinutes, at('bufferBeforeMinutes'), issues);
    checkWholeMinutes(entry?.bufferAfterMinutes ?? 0, LIMITS.bufferMinutes, at('bufferAfterMinutes'), issues);
    checkPeriodLimits(entry?.limits, at('limits'), (path, message) =>
      issues.push({ path, message, code: 'out_of_range' }),
    );
    return Object.freeze({
      key: entry?.key,
      label: entry?.label ?? entry?.key,
      durationMinutes: entry?.durationMinutes,
      bufferBeforeMinutes: entry?.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: entry?.bufferAfterMinutes ?? 0,
      ...(entry?.limits !== undefined && { limits: Object.freeze({ ...entry.limits }) }),
    });
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return Object.freeze(types);
}

function checkWholeMinutes(
  value: unknown,
  limits: { min: number; max: number },
  path: string,
  issues: ValidationIssue[],
): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < limits.min || value > limits.max) {
    issues.push({
      path,
      message: `Must be a whole number of minutes from ${limits.min} to ${limits.max}`,
      code: 'out_of_range',
    });
  }
}
