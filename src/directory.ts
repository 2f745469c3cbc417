import type { LocalInterval, WeeklyHours } from './slots.js';

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
}

/** What the Scheduler needs to know of a patient. */
export interface PatientProfile {
  /** An inactive patient cannot be booked. */
  readonly active: boolean;
}

/**
 * The host's directory of participants (SPEC §12). Return `null` for an unknown id. Methods may
 * be synchronous or return promises.
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
}

/**
 * A directory for quick starts: every id is an active provider (in `timeZone`, default `UTC`,
 * with the default working hours) and an active patient.
 */
export function createPermissiveDirectory(options: { readonly timeZone?: string } = {}): ParticipantDirectory {
  const provider: ProviderProfile = Object.freeze({ active: true, timeZone: options.timeZone ?? 'UTC' });
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
}): ParticipantDirectory {
  const providers = new Map(Object.entries(entries.providers));
  const patients = new Map(Object.entries(entries.patients));
  return {
    getProvider: (id) => providers.get(id) ?? null,
    getPatient: (id) => patients.get(id) ?? null,
  };
}
