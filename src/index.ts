/**
 * appointment-kit: embeddable appointment scheduling.
 *
 * This entry point holds the pure core (no I/O): the status workflow, appointment types, overlap
 * detection, recurrence, working hours and slots, validation schemas and typed errors; and the
 * Scheduler service, which drives any {@link AppointmentStore} (`appointment-kit/sqlite`,
 * `appointment-kit/postgres`).
 *
 * @packageDocumentation
 */

// Records: the appointment, its audit entries, reminder channels
export {
  type Actor,
  type Appointment,
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type FieldChanges,
  type JsonValue,
  READ_AUDIT_ACTIONS,
  REMINDER_CHANNELS,
  type ReminderChannel,
  type StoredRecurrence,
} from './appointment.js';
// Appointment types
export {
  type AppointmentType,
  type AppointmentTypeInput,
  DEFAULT_APPOINTMENT_TYPES,
  defineAppointmentTypes,
} from './appointment-types.js';
// The host's directory of providers and patients, and provider-profile checks
export {
  checkProviderProfile,
  checkResourceProfile,
  createPermissiveDirectory,
  createStaticDirectory,
  type ParticipantDirectory,
  type PatientProfile,
  type ProviderProfile,
  RESOURCE_KIND,
  type ResourceProfile,
  ROUND_THE_CLOCK_HOURS,
} from './directory.js';
// Errors
export {
  BusyError,
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  IdempotencyMismatchError,
  InvalidTransitionError,
  NotChangeableError,
  NotFoundError,
  SchedulingError,
  type SchedulingErrorCode,
  type SchedulingErrorOptions,
  SetupError,
  type SetupErrorCode,
  StaleVersionError,
  StorageFullError,
  UnavailableError,
  ValidationError,
  type ValidationIssue,
  type ValidationIssueCode,
} from './errors.js';
// Limits of every input, defined once
export { LIMITS, MAX_OCCUPIED_MS } from './limits.js';
// Local time
export { isValidTimeZone, WEEKDAYS, type Weekday } from './local-time.js';
// Overlap
export {
  type BookedItem,
  findConflicts,
  findOverlaps,
  type OccupyingItem,
  occupiedRange,
  rangesOverlap,
  type TimeRange,
} from './overlap.js';
// Recurrence and the RFC 5545 rule grammar
export { type ExpandRecurrenceOptions, expandRecurrence } from './recurrence.js';
export {
  normalizeRecurrenceRule,
  type ParsedRecurrenceRule,
  parseRecurrenceRule,
  RRULE_LIMITS,
} from './rrule-grammar.js';
// The Scheduler service: its interface, inputs and results
export {
  type AppointmentPage,
  type AppointmentStatistics,
  type AppointmentUpdate,
  type Availability,
  type AvailabilityRequest,
  type BookingInput,
  type BookingOverride,
  type BookingResult,
  type BookOptions,
  type CancellationInput,
  type ChangeOptions,
  createScheduler,
  type DueRemindersRequest,
  type ExplainRequest,
  type Explanation,
  type ListRequest,
  type RescheduleInput,
  type RescheduleOptions,
  type Schedule,
  type ScheduleRequest,
  type Scheduler,
  type SchedulerOptions,
  type SeriesCancellationInput,
  type SeriesEditSkip,
  type SeriesExtensionInput,
  type SeriesExtensionResult,
  type SeriesMoveInput,
  type SeriesMoveResult,
  type SeriesResult,
  type StatisticsRequest,
  type SuggestRequest,
} from './scheduler.js';
// Validation schemas
export {
  type AvailabilityQuery,
  appointmentIdSchema,
  type CreateAppointmentInput,
  createSchemas,
  type ExplainQuery,
  instantSchema,
  isStorableText,
  type ListAppointmentsQuery,
  localDateSchema,
  localTimeSchema,
  metadataSchema,
  parseInput,
  RECURRENCE_FREQUENCIES,
  type Recurrence,
  type RecurrenceFrequency,
  type RecurrencePattern,
  type RecurrenceRule,
  type RescheduleAppointmentInput,
  recurrenceSchema,
  type ScheduleQuery,
  type SchemaOptions,
  type Schemas,
  type StatisticsQuery,
  type SuggestQuery,
  schemas,
  toValidationIssues,
  type UpdateAppointmentInput,
  uuidIdSchema,
} from './schemas.js';
// Series: a pattern of segments, and where it puts each occurrence
export {
  type Series,
  type SeriesInstance,
  type SeriesPattern,
  type SeriesSegment,
  seriesInstances,
} from './series.js';
// Working hours, slots and the one booking-rules engine
export {
  type BookingDecision,
  type CountedBooking,
  DEFAULT_WEEKLY_HOURS,
  type ExistingBooking,
  type ExplainBookingOptions,
  explainBooking,
  type GenerateSlotsOptions,
  generateSlots,
  LIMIT_PERIODS,
  type LimitPeriod,
  type LocalInterval,
  localDateOf,
  type PeriodLimitCheck,
  type PeriodLimits,
  periodLimitReason,
  type SuggestSlotsOptions,
  suggestSlots,
  type TimeSlot,
  UNAVAILABLE_REASON_CODES,
  type UnavailableReason,
  type WeeklyHours,
  type WorkingTimeOptions,
} from './slots.js';
// Status workflow
export {
  APPOINTMENT_STATUSES,
  type AppointmentStatus,
  assertTransition,
  canTransition,
  INITIAL_STATUSES,
  isAppointmentStatus,
  isFinalStatus,
  isOccupyingStatus,
  NON_OCCUPYING_STATUSES,
  STATUS_TRANSITIONS,
  UPCOMING_STATUSES,
} from './status.js';
// The storage seam, for store authors
export type {
  AppointmentChange,
  AppointmentFilter,
  AppointmentPatch,
  AppointmentStore,
  IdempotencyRecord,
  InsertOptions,
  InsertResult,
  NewAppointmentRow,
  NewAuditEntry,
  PageRequest,
  ReminderClaim,
  ResourceAllocation,
  ResourceRequest,
  ResourceSpec,
  SeriesEdit,
  SeriesEditResult,
  StatisticsFilter,
  StoreStatistics,
  UpcomingWindows,
} from './store.js';
