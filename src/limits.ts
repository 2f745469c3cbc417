/**
 * The numeric limits of every input, defined once: the schemas, the core and both stores'
 * migrations derive from these (a database guard never carries a number of its own).
 */
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
  /** Most occurrences in one series (also `recurrence.maxOccurrences` and an RRULE's `COUNT`). */
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
  /** Length of a host id (patient, provider) and of an actor id. */
  idLength: 200,
  /** Length of an RRULE text. */
  rruleLength: 1000,
  /**
   * `metadata`: nesting depth (the object itself is depth 1), total size as JSON text in UTF-16
   * code units, and the length of one key.
   */
  metadata: Object.freeze({ maxDepth: 16, maxJsonLength: 16_384, maxKeyLength: 200 }),
  /** A provider's minimum notice, in minutes: at most a year. */
  minimumNoticeMinutes: Object.freeze({ min: 0, max: 525_600 }),
  /** A provider's booking horizon, in days: at most ten years. */
  horizonDays: Object.freeze({ min: 0, max: 3660 }),
  /** One period limit (bookings, or minutes per day). */
  periodLimit: Object.freeze({ min: 1, max: 1_000_000 }),
  /** How far ahead `dueReminders` looks, in minutes: at most 31 days. */
  reminderWindowMinutes: Object.freeze({ min: 1, max: 44_640 }),
  /** Resources one booking may hold besides its provider. */
  resourcesPerBooking: 8,
  /** How many appointments one resource may hold at once. */
  resourceCapacity: Object.freeze({ min: 1, max: 500 }),
  /** Length of a resource kind such as `room`. */
  resourceKindLength: 64,
  /** Most resources of one kind a booking tries for `{ kind }`. */
  kindCandidates: 50,
  /** How many appointments one `dueReminders` call returns. */
  dueReminders: Object.freeze({ min: 1, max: 1000, default: 100 }),
});

/**
 * The longest range one appointment can occupy, in ms: the longest duration with the longest
 * buffer on each side. The SQLite overlap guard scans this far back from a new range, so it is
 * derived here and nowhere written by hand: raise a limit and the guard follows.
 */
export const MAX_OCCUPIED_MS = (LIMITS.durationMinutes.max + 2 * LIMITS.bufferMinutes.max) * 60_000;
