/**
 * Typed errors. Every error the library throws is a {@link SchedulingError} with a stable
 * `code` and an `httpStatus`, so callers branch on classes or codes, never on message text.
 *
 * @example
 * ```ts
 * try {
 *   await scheduler.book(input, actor);
 * } catch (error) {
 *   if (error instanceof ConflictError) console.log(error.conflictingIds);
 *   else if (error instanceof ValidationError) console.log(error.issues);
 *   else throw error;
 * }
 * ```
 */

/** The stable error codes. */
export type SchedulingErrorCode =
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_TRANSITION'
  | 'STALE_VERSION'
  | 'FORBIDDEN'
  | 'IDEMPOTENCY_MISMATCH'
  | 'BUSY'
  | 'STORAGE_FULL'
  | 'UNAVAILABLE'
  | 'CONFIGURATION_ERROR'
  | 'NOT_CHANGEABLE'
  | SetupErrorCode
  | 'INTERNAL_ERROR';

/** Codes of {@link SetupError}: what is wrong with the store's setup, each with what to do. */
export type SetupErrorCode =
  | 'DRIVER_MISSING'
  | 'DATABASE_NOT_FOUND'
  | 'NOT_MIGRATED'
  | 'DATABASE_UNREACHABLE'
  | 'AUTHENTICATION_FAILED';

/** Options shared by every error constructor. */
export interface SchedulingErrorOptions {
  /** The underlying error, for example a database driver's. */
  readonly cause?: unknown;
}

/**
 * Base class of every error the library throws. Anything unexpected (a driver failure, a lost
 * connection) is wrapped in a plain `SchedulingError` with code `INTERNAL_ERROR` and its cause.
 */
export class SchedulingError extends Error {
  /** A stable, machine-readable code. */
  readonly code: SchedulingErrorCode;
  /** The HTTP status a REST layer should answer with. */
  readonly httpStatus: number;

  constructor(
    message: string,
    code: SchedulingErrorCode = 'INTERNAL_ERROR',
    httpStatus = 500,
    options: SchedulingErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Subclasses set their own literal name; a bundler may rename classes, so no new.target.name.
    this.name = 'SchedulingError';
    this.code = code;
    this.httpStatus = httpStatus;
  }

  /** Details safe to show to an API client (never SQL or stack traces). */
  get details(): Record<string, unknown> {
    return {};
  }
}

/**
 * Why a field was refused, machine-readable. The same limit gives the same code wherever it is
 * checked: zod's codes for what the schemas check, and the library's own for the rest.
 */
export type ValidationIssueCode =
  // zod's
  | 'invalid_type'
  | 'too_big'
  | 'too_small'
  | 'invalid_format'
  | 'not_multiple_of'
  | 'unrecognized_keys'
  | 'invalid_union'
  | 'invalid_key'
  | 'invalid_element'
  | 'invalid_value'
  | 'custom'
  // the library's
  | 'out_of_range'
  | 'invalid_text'
  | 'too_deep'
  | 'duplicate'
  | 'invalid_time'
  | 'invalid_date'
  | 'invalid_time_zone'
  | 'invalid_rrule'
  | 'never_matches'
  | 'end_before_start'
  // series edits
  | 'not_weekly'
  | 'rule_sets_time'
  | 'nothing_to_move'
  | 'nothing_to_add';

/** One failing field of a {@link ValidationError}. */
export interface ValidationIssue {
  /** Dot-separated path of the field, e.g. `recurrence.interval`; empty for the whole input. */
  readonly path: string;
  /** Human-readable explanation. */
  readonly message: string;
  /** Machine-readable reason, e.g. `too_big`, `invalid_type`, `invalid_text`. */
  readonly code: ValidationIssueCode;
}

/** Input was refused; `issues` lists every failing field. HTTP 400. */
export class ValidationError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'VALIDATION_ERROR';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'ValidationError';
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options: SchedulingErrorOptions = {}) {
    super(describeIssues(issues), 'VALIDATION_ERROR', 400, options);
    this.issues = issues;
  }

  /** A validation error for one field. */
  static forField(path: string, message: string, code: ValidationIssueCode = 'custom'): ValidationError {
    return new ValidationError([{ path, message, code }]);
  }

  override get details(): Record<string, unknown> {
    return { issues: this.issues };
  }
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  if (issues.length === 0) return 'Invalid input';
  return `Invalid input: ${issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ')}`;
}

/** The named entity does not exist. HTTP 404. */
export class NotFoundError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'NOT_FOUND';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'NotFoundError';
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string, options: SchedulingErrorOptions = {}) {
    super(`${entity} ${id} was not found`, 'NOT_FOUND', 404, options);
    this.entity = entity;
    this.id = id;
  }

  override get details(): Record<string, unknown> {
    return { entity: this.entity, id: this.id };
  }
}

/** The provider is already occupied: `conflictingIds` names the blocking appointments. HTTP 409. */
export class ConflictError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'CONFLICT';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'ConflictError';
  readonly conflictingIds: readonly string[];

  constructor(conflictingIds: readonly string[], options: SchedulingErrorOptions = {}) {
    super(
      conflictingIds.length > 0
        ? `The time conflicts with appointment(s) ${conflictingIds.join(', ')}`
        : 'The time conflicts with an existing appointment',
      'CONFLICT',
      409,
      options,
    );
    this.conflictingIds = conflictingIds;
  }

  override get details(): Record<string, unknown> {
    return { conflictingIds: this.conflictingIds };
  }
}

/** The status workflow does not allow moving `from` → `to`. HTTP 409. */
export class InvalidTransitionError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'INVALID_TRANSITION';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'InvalidTransitionError';
  readonly from: string;
  readonly to: string;

  constructor(from: string, to: string, message?: string, options: SchedulingErrorOptions = {}) {
    super(message ?? `An appointment cannot go from ${from} to ${to}`, 'INVALID_TRANSITION', 409, options);
    this.from = from;
    this.to = to;
  }

  override get details(): Record<string, unknown> {
    return { from: this.from, to: this.to };
  }
}

/** The caller's expected version is not the stored one; nothing was changed. HTTP 409 (or 412). */
export class StaleVersionError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'STALE_VERSION';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'StaleVersionError';
  readonly expectedVersion: number;
  readonly actualVersion: number;

  constructor(expectedVersion: number, actualVersion: number, options: SchedulingErrorOptions = {}) {
    super(
      `Expected version ${expectedVersion} but the appointment is at version ${actualVersion}`,
      'STALE_VERSION',
      409,
      options,
    );
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  override get details(): Record<string, unknown> {
    return { expectedVersion: this.expectedVersion, actualVersion: this.actualVersion };
  }
}

/** The actor may not perform this action. HTTP 403. */
export class ForbiddenError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'FORBIDDEN';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'ForbiddenError';
  constructor(message = 'This action is not allowed', options: SchedulingErrorOptions = {}) {
    super(message, 'FORBIDDEN', 403, options);
  }
}

/**
 * The time is not bookable under the provider's rules: outside working hours, a day off, too
 * soon (minimum notice), too far ahead (horizon) or over a period limit. `reasons` says which,
 * in the same form `availability` and `explain` use. Distinct from {@link ConflictError}, which
 * means another appointment holds the time. HTTP 409.
 */
export class UnavailableError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'UNAVAILABLE';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'UnavailableError';
  /** Why, machine-readable: each has a `code` such as `OUTSIDE_HOURS` or `PERIOD_LIMIT`. */
  readonly reasons: readonly { readonly code: string }[];

  constructor(reasons: readonly { readonly code: string }[], options: SchedulingErrorOptions = {}) {
    super(
      `The time is not bookable: ${reasons.map((reason) => reason.code).join(', ') || 'no reason given'}`,
      'UNAVAILABLE',
      409,
      options,
    );
    this.reasons = reasons;
  }

  override get details(): Record<string, unknown> {
    return { reasons: this.reasons };
  }
}

/**
 * The host's configuration is wrong, not the caller's input: for example the directory returned
 * a provider profile with an unknown time zone or overlapping hours, or no directory was given.
 * `subject`, `id` and `field` name what to fix. HTTP 500: the API client cannot fix it.
 */
export class ConfigurationError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'CONFIGURATION_ERROR';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'ConfigurationError';
  /** What is misconfigured, e.g. `provider`, `scheduler`. */
  readonly subject: string;
  /** The misconfigured entity's id, when there is one. */
  readonly id: string | null;
  /** The field at fault, e.g. `timeZone` or `weeklyHours.monday[1].end`. */
  readonly field: string;

  constructor(
    subject: string,
    id: string | null,
    field: string,
    message: string,
    options: SchedulingErrorOptions = {},
  ) {
    super(
      `Configuration error in ${subject}${id === null ? '' : ` ${id}`}, ${field}: ${message}`,
      'CONFIGURATION_ERROR',
      500,
      options,
    );
    this.subject = subject;
    this.id = id;
    this.field = field;
  }

  override get details(): Record<string, unknown> {
    return { subject: this.subject, id: this.id, field: this.field };
  }
}

/**
 * An idempotency key was used again with a different request: nothing was booked, and the first
 * request's result stands. HTTP 422 (the key, not the resource, is at fault).
 */
export class IdempotencyMismatchError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'IDEMPOTENCY_MISMATCH';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'IdempotencyMismatchError';
  /** The key that was reused. */
  readonly key: string;

  constructor(key: string, options: SchedulingErrorOptions = {}) {
    super('This idempotency key was already used for a different request', 'IDEMPOTENCY_MISMATCH', 422, options);
    this.key = key;
  }

  override get details(): Record<string, unknown> {
    return { key: this.key };
  }
}

/**
 * The database stayed locked by another writer for longer than the store waits; nothing was
 * written and the same call may simply be tried again. HTTP 503.
 */
export class BusyError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'BUSY';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'BusyError';
  constructor(
    message = 'The database stayed locked by another writer; try again',
    options: SchedulingErrorOptions = {},
  ) {
    super(message, 'BUSY', 503, options);
  }
}

/**
 * The database could not write because its disk (or quota) is full; nothing was written. HTTP 507.
 * `cause` holds the driver's own error.
 */
export class StorageFullError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'STORAGE_FULL';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'StorageFullError';
  constructor(options: SchedulingErrorOptions = {}) {
    super('The database is out of storage space; nothing was written', 'STORAGE_FULL', 507, options);
  }
}

/**
 * The store cannot work as set up, and trying again will not help: the database driver is not
 * installed, the database (or its directory) does not exist, the schema is not migrated, the
 * server refuses the connection or the credentials. The message says what to do; `cause` holds
 * the driver's error. Never retried. HTTP 500.
 */
export class SetupError extends SchedulingError {
  /** Its stable code, one per problem. */
  declare readonly code: SetupErrorCode;
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'SetupError';

  constructor(code: SetupErrorCode, message: string, options: SchedulingErrorOptions = {}) {
    super(message, code, 500, options);
  }
}

/**
 * The appointment is finished (completed, cancelled, no-show) or under way, so it can no longer
 * be moved or retyped; only scheduled and confirmed ones can. HTTP 409.
 */
export class NotChangeableError extends SchedulingError {
  /** Its stable code. */
  declare readonly code: 'NOT_CHANGEABLE';
  /** The class name, kept whatever a bundler renames. */
  override readonly name = 'NotChangeableError';
  /** The appointment's status. */
  readonly status: string;

  constructor(status: string, message: string, options: SchedulingErrorOptions = {}) {
    super(message, 'NOT_CHANGEABLE', 409, options);
    this.status = status;
  }

  override get details(): Record<string, unknown> {
    return { status: this.status };
  }
}
