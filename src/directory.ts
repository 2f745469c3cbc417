import { ConfigurationError, ValidationError } from './errors.js';
import { LIMITS } from './limits.js';
import { isValidTimeZone, parseLocalDate, parseLocalTime, WEEKDAYS } from './local-time.js';
import type { LocalInterval, PeriodLimits, WeeklyHours } from './slots.js';

/** What the Scheduler needs to know of a provider, from the host's own records. */
export interface ProviderProfile {
  /** An inactive provider cannot be booked. */
  readonly active: boolean;
  /** IANA zone of the provider's working hours and schedules. */
  readonly timeZone: string;
  /** Default Monday–Friday 08:00–18:00. */
  readonly weeklyHours?: WeeklyHours;
  /** Local date `YYYY-MM-DD` → that day's hours; `[]` is a day off. */
  readonly dateOverrides?: Readonly<Record<string, readonly LocalInterval[]>>;
  /** Slots start at least this many minutes from now; default 0. */
  readonly minimumNoticeMinutes?: number;
  /** Slots start within this many days of now; default unlimited. */
  readonly horizonDays?: number;
  /** Caps on bookings per local day, week and month, and on booked minutes per day. */
  readonly limits?: PeriodLimits;
}

/**
 * What the Scheduler needs to know of a resource a booking may hold besides its provider: a
 * treatment room, a device, a place in a group class.
 */
export interface ResourceProfile {
  /** An inactive resource cannot be booked. */
  readonly active: boolean;
  /** What it is, e.g. `room`, `device`, `class`: a booking may ask for any one of a kind. */
  readonly kind: string;
  /** IANA zone of its opening hours. */
  readonly timeZone: string;
  /** When it can be used; default every day, all day. */
  readonly weeklyHours?: WeeklyHours;
  /** Local date `YYYY-MM-DD` → that day's hours; `[]` closes it. */
  readonly dateOverrides?: Readonly<Record<string, readonly LocalInterval[]>>;
  /** How many appointments it holds at once; default 1. */
  readonly capacity?: number;
  /** Time it stays busy around each appointment, e.g. cleaning a room afterwards; default 0. */
  readonly bufferBeforeMinutes?: number;
  readonly bufferAfterMinutes?: number;
}

/** What the Scheduler needs to know of a patient. */
export interface PatientProfile {
  /** An inactive patient cannot be booked. */
  readonly active: boolean;
}

/**
 * The host's directory of participants. Return `null` for an unknown id. Methods may be
 * synchronous or return promises. Ids reach it in their canonical form (UUIDs in lower case).
 *
 * @example
 * ```ts
 * const directory: ParticipantDirectory = {
 *   getProvider: async (id) => {
 *     const doctor = await db.doctors.find(id);
 *     return doctor && { active: doctor.active, timeZone: doctor.clinic.timeZone };
 *   },
 *   getPatient: async (id) => ((await db.patients.find(id)) ? { active: true } : null),
 * };
 * ```
 */
export interface ParticipantDirectory {
  getProvider(id: string): ProviderProfile | null | Promise<ProviderProfile | null>;
  getPatient(id: string): PatientProfile | null | Promise<PatientProfile | null>;
  /** A resource (room, device, class), or null; needed only by hosts that book resources. */
  getResource?(id: string): ResourceProfile | null | Promise<ResourceProfile | null>;
  /** The ids of the resources of a kind, for `{ kind }` requests; needed only with those. */
  listResources?(kind: string): readonly string[] | Promise<readonly string[]>;
}

/**
 * A directory for quick starts and tests: every id is an active patient and an active provider
 * with the same profile, by default in UTC with the default working hours (Monday to Friday,
 * 08:00–18:00). Any profile field may be given, e.g. `{ timeZone: 'Europe/London' }`.
 *
 * It accepts any provider id, so a mistyped id books silently: choose it explicitly, never by
 * default, and give a real directory in production.
 */
export function createPermissiveDirectory(
  options: Partial<Omit<ProviderProfile, 'active'>> = {},
): ParticipantDirectory {
  const provider: ProviderProfile = Object.freeze({ active: true, timeZone: 'UTC', ...options });
  const patient: PatientProfile = Object.freeze({ active: true });
  return { getProvider: () => provider, getPatient: () => patient };
}

/**
 * A directory over fixed lists, for tests, demos and small deployments.
 *
 * @example
 * ```ts
 * const directory = createStaticDirectory({
 *   providers: { [drLee]: { active: true, timeZone: 'Europe/London' } },
 *   patients: { [alice]: { active: true } },
 * });
 * ```
 */
export function createStaticDirectory(entries: {
  readonly providers: Readonly<Record<string, ProviderProfile>>;
  readonly patients: Readonly<Record<string, PatientProfile>>;
  readonly resources?: Readonly<Record<string, ResourceProfile>>;
}): ParticipantDirectory {
  const providers = new Map(Object.entries(entries.providers));
  const patients = new Map(Object.entries(entries.patients));
  const resources = new Map(Object.entries(entries.resources ?? {}));
  return {
    getProvider: (id) => providers.get(id) ?? null,
    getPatient: (id) => patients.get(id) ?? null,
    getResource: (id) => resources.get(id) ?? null,
    listResources: (kind) => [...resources].filter(([, profile]) => profile.kind === kind).map(([id]) => id),
  };
}

/**
 * A provider profile as the directory returned it, checked: a valid IANA zone, working
 * intervals that are well-formed, not inverted and not overlapping, real dates in overrides,
 * whole-number notice, horizon and limits. A bad profile is the host's configuration error,
 * not the API client's: {@link ConfigurationError} naming the provider and the field.
 */
export function checkProviderProfile(id: string, profile: ProviderProfile): ProviderProfile {
  return checkProfile('provider', id, profile);
}

/**
 * A resource profile as the directory returned it, checked like a provider's hours, with a kind
 * (lower case, digits, `_` or `-`), a whole-number capacity and buffers. @throws {ConfigurationError}
 */
export function checkResourceProfile(id: string, profile: ResourceProfile): ResourceProfile {
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError('resource', id, field, message);
  };
  checkProfile('resource', id, profile as unknown as ProviderProfile);
  if (typeof profile.kind !== 'string' || !RESOURCE_KIND.test(profile.kind)) {
    fail(
      'kind',
      `Must be 1 to ${LIMITS.resourceKindLength} lower-case letters, digits, _ or -, starting with a letter`,
    );
  }
  const { resourceCapacity: capacity, bufferMinutes: buffer } = LIMITS;
  const wholeNumber = (value: unknown, field: string, min: number, max: number) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)) {
      fail(field, `Must be a whole number from ${min} to ${max}`);
    }
  };
  wholeNumber(profile.capacity, 'capacity', capacity.min, capacity.max);
  wholeNumber(profile.bufferBeforeMinutes, 'bufferBeforeMinutes', buffer.min, buffer.max);
  wholeNumber(profile.bufferAfterMinutes, 'bufferAfterMinutes', buffer.min, buffer.max);
  return profile;
}

/** A resource kind: what `checkResourceProfile` and the `{ kind }` input accept. */
export const RESOURCE_KIND = new RegExp(`^[a-z][a-z0-9_-]{0,${LIMITS.resourceKindLength - 1}}$`);

function checkProfile(subject: 'provider' | 'resource', id: string, profile: ProviderProfile): ProviderProfile {
  const fail = (field: string, message: string): never => {
    throw new ConfigurationError(subject, id, field, message);
  };
  if (typeof profile !== 'object' || profile === null) fail('', 'The directory must return an object or null');
  if (typeof profile.active !== 'boolean') fail('active', 'Must be true or false');
  if (typeof profile.timeZone !== 'string' || !isValidTimeZone(profile.timeZone)) {
    fail('timeZone', `Must be an IANA time zone such as Europe/London, not ${JSON.stringify(profile.timeZone)}`);
  }
  const checkIntervals = (intervals: unknown, field: string) => {
    if (!Array.isArray(intervals)) return fail(field, 'Must be a list of { start, end } intervals');
    const minutes = intervals.map((interval: LocalInterval, index) => {
      const at = `${field}[${index}]`;
      try {
        const start = parseLocalTime(interval?.start, `${at}.start`);
        const end = parseLocalTime(interval?.end, `${at}.end`, true);
        if (end <= start) fail(`${at}.end`, 'Must be after start');
        return { start, end, at };
      } catch (error) {
        if (error instanceof ValidationError) {
          return fail(error.issues[0]?.path ?? at, error.issues[0]?.message ?? 'Invalid interval');
        }
        throw error;
      }
    });
    const sorted = [...minutes].sort((a, b) => a.start - b.start);
    for (let index = 1; index < sorted.length; index++) {
      const [previous, current] = [sorted[index - 1], sorted[index]] as const;
      if (previous !== undefined && current !== undefined && current.start < previous.end) {
        fail(current.at, `Overlaps ${previous.at}`);
      }
    }
  };
  if (profile.weeklyHours !== undefined) {
    if (typeof profile.weeklyHours !== 'object' || profile.weeklyHours === null) {
      fail('weeklyHours', 'Must be an object of weekday → intervals');
    }
    for (const [weekday, intervals] of Object.entries(profile.weeklyHours)) {
      if (!(WEEKDAYS as readonly string[]).includes(weekday)) fail(`weeklyHours.${weekday}`, 'Not a weekday');
      checkIntervals(intervals, `weeklyHours.${weekday}`);
    }
  }
  if (profile.dateOverrides !== undefined) {
    if (typeof profile.dateOverrides !== 'object' || profile.dateOverrides === null) {
      fail('dateOverrides', 'Must be an object of YYYY-MM-DD → intervals');
    }
    for (const [date, intervals] of Object.entries(profile.dateOverrides)) {
      try {
        parseLocalDate(date, `dateOverrides.${date}`);
      } catch {
        fail(`dateOverrides.${date}`, 'Must be a calendar date written YYYY-MM-DD');
      }
      checkIntervals(intervals, `dateOverrides.${date}`);
    }
  }
  const wholeNumber = (value: unknown, field: string, min: number, max: number) => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(field, `Must be a whole number from ${min} to ${max}`);
    }
  };
  wholeNumber(
    profile.minimumNoticeMinutes,
    'minimumNoticeMinutes',
    LIMITS.minimumNoticeMinutes.min,
    LIMITS.minimumNoticeMinutes.max,
  );
  wholeNumber(profile.horizonDays, 'horizonDays', LIMITS.horizonDays.min, LIMITS.horizonDays.max);
  checkPeriodLimits(profile.limits, 'limits', (field, message) => fail(field, message));
  return profile;
}

/** Checks a set of period limits, reporting the first bad field through `fail`. */
export function checkPeriodLimits(
  limits: PeriodLimits | undefined,
  field: string,
  fail: (field: string, message: string) => void,
): void {
  if (limits === undefined) return;
  if (typeof limits !== 'object' || limits === null) {
    fail(field, 'Must be an object of limits');
    return;
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!['perDay', 'perWeek', 'perMonth', 'minutesPerDay'].includes(key)) {
      fail(`${field}.${key}`, 'Unknown limit: give perDay, perWeek, perMonth or minutesPerDay');
    } else if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < LIMITS.periodLimit.min ||
      value > LIMITS.periodLimit.max
    ) {
      fail(`${field}.${key}`, `Must be a whole number from ${LIMITS.periodLimit.min} to ${LIMITS.periodLimit.max}`);
    }
  }
}

/** Every day of the week, all day: for hosts (and tests) whose providers take bookings at any hour. */
export const ROUND_THE_CLOCK_HOURS: WeeklyHours = Object.freeze(
  Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, Object.freeze([{ start: '00:00', end: '24:00' }])])),
);
