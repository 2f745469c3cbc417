import type { AppointmentStatus } from '../../src/status.js';

/**
 * The tables every SQL store has, column by column. Stores differ only in how an instant and a
 * JSON value are held (`Instant`, `Json`), so each store names its own types from these.
 */
export interface AppointmentsTable<Instant, Json> {
  id: string;
  patient_id: string;
  provider_id: string;
  type: string;
  status: AppointmentStatus;
  start: Instant;
  end: Instant;
  duration_minutes: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  time_zone: string;
  reason: string | null;
  notes: string | null;
  confirmation_code: string;
  confirmed_at: Instant | null;
  checked_in_at: Instant | null;
  checked_out_at: Instant | null;
  cancellation_reason: string | null;
  cancelled_at: Instant | null;
  cancelled_by: string | null;
  no_show_at: Instant | null;
  series_id: string | null;
  occurrence_index: number | null;
  recurrence: Json | null;
  resources: Json;
  reminder_email_at: Instant | null;
  reminder_sms_at: Instant | null;
  reminder_whatsapp_at: Instant | null;
  idempotency_key: string | null;
  version: number;
  metadata: Json;
  created_at: Instant;
  updated_at: Instant;
  created_by: string;
  updated_by: string;
}

export interface AuditLogTable<Instant, Json> {
  id: string;
  appointment_id: string;
  action: string;
  actor_id: string | null;
  at: Instant;
  version: number;
  changes: Json;
  override: Json | null;
}

export interface IdempotencyKeysTable<Instant, Json> {
  key: string;
  fingerprint: string;
  appointment_id: string;
  series_id: string | null;
  skipped: Json;
  created_at: Instant;
}

/** A resource as recorded from the directory's profile. */
export interface ResourcesTable {
  id: string;
  kind: string;
  capacity: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
}
