/** The numeric limits of SPEC §6, defined once and used by the schemas and the core alike. */
export const LIMITS = Object.freeze({
  /** Appointment duration in minutes. */
  durationMinutes: Object.freeze({ min: 15, max: 480 }),
  /** Buffer before or after an appointment, in minutes. */
  bufferMinutes: Object.freeze({ min: 0, max: 240 }),
  /** Length of `reason`. */
  reasonLength: 2000,
  /** Length of `notes`. */
  notesLength: 5000,
  /** Length of a cancellation reason (at least 1). */
  cancellationReasonLength: 2000,
  /** `recurrence.interval`. */
  recurrenceInterval: Object.freeze({ min: 1, max: 52 }),
  /** Most occurrences in one series (also `recurrence.maxOccurrences`). */
  maxOccurrences: 100,
  /** A series spans at most this many years from its first occurrence. */
  maxSeriesYears: 2,
  /** `list` page size. */
  pageSize: Object.freeze({ min: 1, max: 100, default: 20 }),
  /** Slot step in minutes. */
  stepMinutes: Object.freeze({ min: 5, max: 480, default: 30 }),
  /** Most days one slot query may cover, and how far `suggestSlots` searches. */
  maxSlotRangeDays: 366,
  /** Most slots one `suggestSlots` call may ask for. */
  maxSuggestions: 200,
  /** Length of an idempotency key. */
  idempotencyKeyLength: 200,
});
