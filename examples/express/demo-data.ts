import type { Actor, ParticipantDirectory, PatientProfile, ProviderProfile } from 'appointment-kit';
import { createStaticDirectory } from 'appointment-kit';
import type { Authenticate } from './auth.js';

/**
 * The demo's own people: in a real host these come from its user and staff records. Providers
 * work in two zones, so schedules and slots show local time at work.
 */
export interface DemoProvider extends ProviderProfile {
  readonly id: string;
  readonly name: string;
}

export interface DemoPatient extends PatientProfile {
  readonly id: string;
  readonly name: string;
}

export const DEMO_PROVIDERS: readonly DemoProvider[] = [
  {
    id: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
    name: 'Dr Amara Lee (London)',
    active: true,
    timeZone: 'Europe/London',
    weeklyHours: {
      monday: [
        { start: '09:00', end: '12:30' },
        { start: '13:30', end: '17:00' },
      ],
      tuesday: [
        { start: '09:00', end: '12:30' },
        { start: '13:30', end: '17:00' },
      ],
      wednesday: [{ start: '09:00', end: '12:30' }],
      thursday: [
        { start: '09:00', end: '12:30' },
        { start: '13:30', end: '17:00' },
      ],
      friday: [{ start: '09:00', end: '13:00' }],
    },
    minimumNoticeMinutes: 60,
    horizonDays: 90,
  },
  {
    id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    name: 'Dr Mateo Ruiz (New York)',
    active: true,
    timeZone: 'America/New_York',
    weeklyHours: {
      monday: [{ start: '08:00', end: '16:00' }],
      tuesday: [{ start: '08:00', end: '16:00' }],
      wednesday: [{ start: '08:00', end: '16:00' }],
      thursday: [{ start: '08:00', end: '16:00' }],
      friday: [{ start: '08:00', end: '12:00' }],
    },
    minimumNoticeMinutes: 30,
    horizonDays: 60,
  },
];

export const DEMO_PATIENTS: readonly DemoPatient[] = [
  { id: '3f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d', name: 'Alice Okafor', active: true },
  { id: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', name: 'Bjørn Sørensen', active: true },
  { id: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a', name: 'Chen Wei', active: true },
];

/**
 * Demo bearer tokens; a real host verifies its own tokens or sessions instead. A Map, so a token
 * such as `__proto__` or `toString` names nobody rather than something inherited from Object.
 */
export const DEMO_TOKENS: ReadonlyMap<string, Actor> = new Map([
  ['demo-admin', { id: 'a0000000-0000-4000-8000-000000000001', role: 'admin' }],
  ['demo-doctor', { id: 'a0000000-0000-4000-8000-000000000002', role: 'doctor' }],
  ['demo-receptionist', { id: 'a0000000-0000-4000-8000-000000000003', role: 'receptionist' }],
]);

/** The demo's {@link Authenticate}: the actor of a demo token, or null. */
export const authenticateDemoToken: Authenticate = (token) => DEMO_TOKENS.get(token) ?? null;

export const demoDirectory: ParticipantDirectory = createStaticDirectory({
  providers: Object.fromEntries(DEMO_PROVIDERS.map((provider) => [provider.id, provider])),
  patients: Object.fromEntries(DEMO_PATIENTS.map((patient) => [patient.id, patient])),
});
