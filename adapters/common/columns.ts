import type { Appointment, AuditEntry } from '../../src/appointment.js';
import { REMINDER_CHANNELS, type ReminderChannel } from '../../src/appointment.js';

/**
 * How appointment fields map to SQL columns, shared by every SQL store. Column names are the
 * same everywhere (snake_case); only how an instant or a JSON value is encoded differs, and each
 * store passes its own {@link ColumnCodec}.
 */

type ColumnKind = 'value' | 'instant' | 'json';

const FIELD_COLUMNS = {
  id: ['id', 'value'],
  patientId: ['patient_id', 'value'],
  providerId: ['provider_id', 'value'],
  type: ['type', 'value'],
  status: ['status', 'value'],
  start: ['start', 'instant'],
  end: ['end', 'instant'],
  durationMinutes: ['duration_minutes', 'value'],
  bufferBeforeMinutes: ['buffer_before_minutes', 'value'],
  bufferAfterMinutes: ['buffer_after_minutes', 'value'],
  timeZone: ['time_zone', 'value'],
  reason: ['reason', 'value'],
  notes: ['notes', 'value'],
  confirmationCode: ['confirmation_code', 'value'],
  confirmedAt: ['confirmed_at', 'instant'],
  checkedInAt: ['checked_in_at', 'instant'],
  checkedOutAt: ['checked_out_at', 'instant'],
  cancellationReason: ['cancellation_reason', 'value'],
  cancelledAt: ['cancelled_at', 'instant'],
  cancelledBy: ['cancelled_by', 'value'],
  noShowAt: ['no_show_at', 'instant'],
  seriesId: ['series_id', 'value'],
  occurrenceIndex: ['occurrence_index', 'value'],
  recurrence: ['recurrence', 'json'],
  resources: ['resources', 'json'],
  idempotencyKey: ['idempotency_key', 'value'],
  version: ['version', 'value'],
  metadata: ['metadata', 'json'],
  createdAt: ['created_at', 'instant'],
  updatedAt: ['updated_at', 'instant'],
  createdBy: ['created_by', 'value'],
  updatedBy: ['updated_by', 'value'],
} as const satisfies Record<Exclude<keyof Appointment, 'reminders'>, readonly [string, ColumnKind]>;

/** The column that records each channel's reminder claim. */
export const REMINDER_COLUMNS = {
  email: 'reminder_email_at',
  sms: 'reminder_sms_at',
  whatsapp: 'reminder_whatsapp_at',
} as const satisfies Record<ReminderChannel, string>;

/** Every column an appointment's fields map to, in a fixed order. */
export const APPOINTMENT_COLUMNS: readonly string[] = Object.freeze([
  ...Object.values(FIELD_COLUMNS).map(([column]) => column),
  ...Object.values(REMINDER_COLUMNS),
]);

/** How a store encodes instants and JSON in its columns. */
export interface ColumnCodec {
  encodeInstant(date: Date): unknown;
  decodeInstant(value: unknown): Date;
  encodeJson(value: unknown): unknown;
  decodeJson(value: unknown): unknown;
}

/** The column values of any subset of an appointment's fields. */
export function encodeAppointmentFields(fields: Partial<Appointment>, codec: ColumnCodec): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (field === 'reminders') {
      for (const channel of REMINDER_CHANNELS) {
        const claimed = (value as Appointment['reminders'])[channel];
        columns[REMINDER_COLUMNS[channel]] = claimed === null ? null : codec.encodeInstant(claimed);
      }
      continue;
    }
    const [column, kind] = FIELD_COLUMNS[field as keyof typeof FIELD_COLUMNS];
    columns[column] =
      value === null
        ? null
        : kind === 'instant'
          ? codec.encodeInstant(value as Date)
          : kind === 'json'
            ? codec.encodeJson(value)
            : value;
  }
  return columns;
}

/** An appointment from a full row. */
export function decodeAppointment(row: Record<string, unknown>, codec: ColumnCodec): Appointment {
  const fields: Record<string, unknown> = {};
  for (const [field, [column, kind]] of Object.entries(FIELD_COLUMNS)) {
    const value = row[column];
    fields[field] =
      value === null || value === undefined
        ? null
        : kind === 'instant'
          ? codec.decodeInstant(value)
          : kind === 'json'
            ? codec.decodeJson(value)
            : value;
  }
  const reminders: Record<string, Date | null> = {};
  for (const channel of REMINDER_CHANNELS) {
    const value = row[REMINDER_COLUMNS[channel]];
    reminders[channel] = value === null || value === undefined ? null : codec.decodeInstant(value);
  }
  fields.reminders = reminders;
  return fields as unknown as Appointment;
}

/** An audit entry from a row of the audit table. */
export function decodeAuditEntry(row: Record<string, unknown>, codec: ColumnCodec): AuditEntry {
  return {
    id: row.id as string,
    appointmentId: row.appointment_id as string,
    action: row.action as AuditEntry['action'],
    actorId: (row.actor_id as string | null) ?? null,
    at: codec.decodeInstant(row.at),
    version: Number(row.version),
    changes: codec.decodeJson(row.changes) as AuditEntry['changes'],
    override:
      row.override === null || row.override === undefined
        ? null
        : (codec.decodeJson(row.override) as AuditEntry['override']),
  };
}
