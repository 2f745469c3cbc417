import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Actor,
  type AppointmentStore,
  ConfigurationError,
  ConflictError,
  createScheduler,
  DEFAULT_APPOINTMENT_TYPES,
  defineAppointmentTypes,
  type LocalInterval,
  NotFoundError,
  type ParticipantDirectory,
  type PeriodLimits,
  type ProviderProfile,
  type Scheduler,
  UnavailableError,
  type UnavailableReason,
  ValidationError,
  WEEKDAYS,
  type WeeklyHours,
} from '../src/index.js';
import { manualClock, rejectionOf } from './fixtures.js';

const PATIENT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const receptionist: Actor = { id: 'receptionist-1', role: 'receptionist' };
const MINUTE = 60_000;

const TYPES = defineAppointmentTypes([
  ...DEFAULT_APPOINTMENT_TYPES,
  { key: 'surgery', label: 'Surgery', durationMinutes: 60, bufferBeforeMinutes: 10, bufferAfterMinutes: 15 },
  { key: 'scan', label: 'Scan', durationMinutes: 30, limits: { perDay: 2 } },
]);
const typeOf = (key: string) => TYPES.find((type) => type.key === key) as (typeof TYPES)[number];

/** A directory whose profiles the test sets per provider. */
function mutableDirectory() {
  const providers = new Map<string, ProviderProfile>();
  const directory: ParticipantDirectory = {
    getProvider: (id) => providers.get(id) ?? null,
    getPatient: (id) => (id === PATIENT ? { active: true } : null),
  };
  return { directory, providers };
}

/** The simple model of the booking rules: luxon for local time, plain loops for the rest. */
function referenceReasons(
  profile: ProviderProfile,
  existing: ReadonlyArray<{ id: string; start: number; end: number; before: number; after: number; type: string }>,
  candidate: { start: number; durationMinutes: number; before: number; after: number; type: string },
  now: number,
  typeLimits: PeriodLimits | undefined,
): UnavailableReason[] {
  const zone = profile.timeZone;
  const local = DateTime.fromMillis(candidate.start, { zone });
  const date = local.toISODate() ?? '';
  const end = candidate.start + candidate.durationMinutes * MINUTE;
  const reasons: UnavailableReason[] = [];
  const override = profile.dateOverrides?.[date];
  const toInstant = (hhmm: string) =>
    hhmm === '24:00'
      ? local.startOf('day').plus({ days: 1 }).toMillis()
      : local
          .set({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3)), second: 0, millisecond: 0 })
          .toMillis();
  if (override !== undefined && override.length === 0) {
    reasons.push({ code: 'DAY_OFF', date });
  } else {
    const intervals = override ?? profile.weeklyHours?.[WEEKDAYS[local.weekday - 1] as (typeof WEEKDAYS)[number]] ?? [];
    // Touching intervals join into one, as the engine merges them.
    const merged = [...intervals]
      .map((interval) => [toInstant(interval.start), toInstant(interval.end)] as [number, number])
      .sort((a, b) => a[0] - b[0])
      .reduce<Array<[number, number]>>((all, next) => {
        const last = all.at(-1);
        if (last !== undefined && next[0] <= last[1]) last[1] = Math.max(last[1], next[1]);
        else all.push([...next]);
        return all;
      }, []);
    if (!merged.some(([from, to]) => from <= candidate.start && end <= to)) reasons.push({ code: 'OUTSIDE_HOURS' });
  }
  const earliest = now + (profile.minimumNoticeMinutes ?? 0) * MINUTE;
  const latest =
    profile.horizonDays === undefined
      ? Number.POSITIVE_INFINITY
      : DateTime.fromMillis(now, { zone }).plus({ days: profile.horizonDays }).toMillis();
  if (candidate.start < earliest) reasons.push({ code: 'MIN_NOTICE', earliestStart: new Date(earliest) });
  else if (candidate.start > latest) reasons.push({ code: 'BEYOND_HORIZON', latestStart: new Date(latest) });
  const occupied = [candidate.start - candidate.before * MINUTE, end + candidate.after * MINUTE];
  const booked = existing.filter((item) => item.start < end && candidate.start < item.end).map((item) => item.id);
  const buffered = existing
    .filter((item) => !booked.includes(item.id))
    .filter((item) => item.start - item.before * MINUTE < occupied[1] && occupied[0] < item.end + item.after * MINUTE)
    .map((item) => item.id);
  if (booked.length > 0) reasons.push({ code: 'BOOKED', appointmentIds: booked });
  if (buffered.length > 0) reasons.push({ code: 'BUFFER', appointmentIds: buffered });
  const periodOf = (period: 'day' | 'week' | 'month', at: number) =>
    DateTime.fromMillis(at, { zone })
      .startOf(period === 'day' ? 'day' : period === 'week' ? 'week' : 'month')
      .toMillis();
  const limitReasons = (limits: PeriodLimits | undefined, type: string | null) => {
    for (const [field, period, measure] of [
      ['perDay', 'day', 'bookings'],
      ['perWeek', 'week', 'bookings'],
      ['perMonth', 'month', 'bookings'],
      ['minutesPerDay', 'day', 'minutes'],
    ] as const) {
      const limit = limits?.[field];
      if (limit === undefined) continue;
      const counted = existing.filter(
        (item) =>
          periodOf(period, item.start) === periodOf(period, candidate.start) && (type === null || item.type === type),
      );
      const count =
        measure === 'bookings'
          ? counted.length
          : counted.reduce((sum, item) => sum + (item.end - item.start) / MINUTE, 0);
      const adds = measure === 'bookings' ? 1 : candidate.durationMinutes;
      if (count + adds > limit) {
        reasons.push({ code: 'PERIOD_LIMIT', period, measure, limit, count, ...(type !== null && { type }) });
      }
    }
  };
  limitReasons(profile.limits, null);
  limitReasons(typeLimits, candidate.type);
  return reasons;
}

/** Reasons in a fixed order with sorted ids, to compare sets of reasons. */
const normalised = (reasons: readonly UnavailableReason[]) =>
  reasons
    .map((reason) =>
      'appointmentIds' in reason ? { ...reason, appointmentIds: [...reason.appointmentIds].sort() } : reason,
    )
    .map((reason) => JSON.stringify(reason))
    .sort();

/**
 * The availability engine, written once and run against every store: `book` admits exactly what
 * `explain` calls bookable and `availability` offers, for the reasons a simple model gives.
 */
export function runAvailabilityEngine(name: string, createStore: () => Promise<AppointmentStore>): void {
  describe(`Availability engine: ${name}`, () => {
    let store: AppointmentStore;
    let scheduler: Scheduler;
    let clock: ReturnType<typeof manualClock>;
    let people: ReturnType<typeof mutableDirectory>;

    beforeEach(async () => {
      store = await createStore();
      await store.migrate();
      clock = manualClock('2026-05-04T06:00:00Z');
      people = mutableDirectory();
      scheduler = createScheduler({ store, directory: people.directory, clock: clock.read, appointmentTypes: TYPES });
    });
    afterEach(async () => {
      await store.close();
    });

    const interval = fc
      .tuple(fc.integer({ min: 24, max: 80 }), fc.integer({ min: 2, max: 24 }))
      .map(([start, length]) => [start * 15, Math.min(start * 15 + length * 15, 1440)] as const);
    const hhmm = (minutes: number) =>
      minutes === 1440
        ? '24:00'
        : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    /** 0–2 disjoint intervals of a day. */
    const dayHours: fc.Arbitrary<LocalInterval[]> = fc.array(interval, { maxLength: 2 }).map((pairs) => {
      const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
      const kept: Array<readonly [number, number]> = [];
      for (const pair of sorted) if ((kept.at(-1)?.[1] ?? -1) <= pair[0]) kept.push(pair);
      return kept.map(([start, end]) => ({ start: hhmm(start), end: hhmm(end) }));
    });
    const profileArbitrary = fc.record({
      timeZone: fc.constantFrom('Europe/London', 'America/New_York', 'Asia/Kolkata'),
      weeklyHours: fc.record(
        Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, dayHours])) as Record<
          (typeof WEEKDAYS)[number],
          typeof dayHours
        >,
      ),
      override: fc.option(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.option(dayHours, { nil: undefined }))),
      minimumNoticeMinutes: fc.option(fc.integer({ min: 0, max: 48 * 60 }), { nil: undefined }),
      horizonDays: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
      limits: fc.option(
        fc.record(
          {
            perDay: fc.integer({ min: 1, max: 3 }),
            perWeek: fc.integer({ min: 1, max: 6 }),
            perMonth: fc.integer({ min: 2, max: 8 }),
            minutesPerDay: fc.integer({ min: 30, max: 150 }),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
    });
    /** A time in the ten days after the clock, on the quarter hour. */
    const quarterHour = fc.integer({ min: 1, max: 10 * 96 });
    const typeKey = fc.constantFrom('follow_up', 'surgery', 'scan');

    it('books exactly what explain calls bookable and availability offers, for the model’s reasons', async () => {
      let booked = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(
          profileArbitrary,
          fc.array(fc.tuple(quarterHour, typeKey), { maxLength: 6 }),
          quarterHour,
          typeKey,
          fc.constantFrom('anywhere', 'a slot', 'next to a booking'),
          fc.nat(),
          fc.integer({ min: -8, max: 8 }),
          async (drawn, existingDrawn, candidateDrawn, candidateType, placement, pick, shift) => {
            const providerId = randomUUID();
            const base = Date.parse('2026-05-04T00:00:00Z');
            const local = (quarters: number) => base + quarters * 15 * MINUTE;
            const overrideDate =
              drawn.override === null
                ? undefined
                : DateTime.fromMillis(base + drawn.override[0] * 86_400_000, { zone: drawn.timeZone }).toISODate();
            const profile: ProviderProfile = {
              active: true,
              timeZone: drawn.timeZone,
              weeklyHours: drawn.weeklyHours as WeeklyHours,
              ...(overrideDate && { dateOverrides: { [overrideDate]: drawn.override?.[1] ?? [] } }),
              ...(drawn.minimumNoticeMinutes !== undefined && { minimumNoticeMinutes: drawn.minimumNoticeMinutes }),
              ...(drawn.horizonDays !== undefined && { horizonDays: drawn.horizonDays }),
              ...(drawn.limits !== undefined && { limits: drawn.limits }),
            };
            people.providers.set(providerId, profile);
            // Existing bookings anywhere: staff overrides place them whatever the rules say.
            const existing = [];
            for (const [quarters, type] of existingDrawn) {
              try {
                const { appointment } = await scheduler.book(
                  { patientId: PATIENT, providerId, type, start: new Date(local(quarters) + 6 * 3_600_000) },
                  receptionist,
                  { override: { reason: 'set-up' } },
                );
                existing.push({
                  id: appointment.id,
                  start: appointment.start.getTime(),
                  end: appointment.end.getTime(),
                  before: appointment.bufferBeforeMinutes,
                  after: appointment.bufferAfterMinutes,
                  type: appointment.type,
                });
              } catch (error) {
                expect(error).toBeInstanceOf(ConflictError);
              }
            }
            const type = typeOf(candidateType);
            // Where to ask: anywhere, or where the interesting answers are (a slot of the hours,
            // or near a booking) so that every outcome is reached often.
            let start = new Date(local(candidateDrawn) + 6 * 3_600_000);
            if (placement === 'a slot') {
              const { slots: offered } = await scheduler.availability({
                providerId,
                from: DateTime.fromMillis(base, { zone: drawn.timeZone }).toISODate() ?? '',
                to: DateTime.fromMillis(base + 9 * 86_400_000, { zone: drawn.timeZone }).toISODate() ?? '',
                type: type.key,
                stepMinutes: 15,
                includeUnavailable: true,
              });
              const chosen = offered[pick % Math.max(offered.length, 1)];
              if (chosen !== undefined && chosen.start.getTime() > clock.read().getTime()) start = chosen.start;
            } else if (placement === 'next to a booking' && existing.length > 0) {
              const near = (existing[pick % existing.length]?.start ?? 0) + shift * 15 * MINUTE;
              if (near > clock.read().getTime()) start = new Date(near);
            }
            const model = referenceReasons(
              profile,
              existing,
              {
                start: start.getTime(),
                durationMinutes: type.durationMinutes,
                before: type.bufferBeforeMinutes,
                after: type.bufferAfterMinutes,
                type: type.key,
              },
              clock.read().getTime(),
              type.limits,
            );
            const explained = await scheduler.explain({ providerId, start, type: type.key });
            expect(normalised(explained.reasons)).toEqual(normalised(model));
            expect(explained.bookable).toBe(model.length === 0);

            const date = DateTime.fromJSDate(start, { zone: drawn.timeZone }).toISODate() ?? '';
            const { slots } = await scheduler.availability({
              providerId,
              date,
              type: type.key,
              stepMinutes: 15,
              includeUnavailable: true,
            });
            const slot = slots.find((item) => item.start.getTime() === start.getTime());
            const outsideHours = model.some((reason) => reason.code === 'OUTSIDE_HOURS' || reason.code === 'DAY_OFF');
            // Slots are stepped inside the hours: a time outside them is never offered at all.
            if (outsideHours) expect(slot).toBeUndefined();
            else {
              expect(slot?.available).toBe(explained.bookable);
              expect(normalised(slot?.reasons ?? [])).toEqual(normalised(explained.reasons));
            }

            const outcome = await scheduler
              .book({ patientId: PATIENT, providerId, type: type.key, start }, receptionist)
              .then(() => null)
              .catch((error: unknown) => error);
            if (explained.bookable) {
              expect(outcome).toBeNull();
              booked++;
              return;
            }
            refused++;
            const rules = explained.reasons.filter((reason) => reason.code !== 'BOOKED' && reason.code !== 'BUFFER');
            if (rules.length > 0) {
              expect(outcome).toBeInstanceOf(UnavailableError);
              // Rules first; of the limits, the first one the store counts past.
              const [firstReason] = (outcome as UnavailableError).reasons;
              expect(normalised(rules)).toContain(JSON.stringify(firstReason));
            } else {
              expect(outcome).toBeInstanceOf(ConflictError);
              const blockers = explained.reasons.flatMap((reason) =>
                'appointmentIds' in reason ? reason.appointmentIds : [],
              );
              expect([...(outcome as ConflictError).conflictingIds].sort()).toEqual([...blockers].sort());
            }
          },
        ),
        // A fixed seed: the same 100 cases every run, so the coverage checks below never flake.
        { numRuns: 100, seed: 20_261_125 },
      );
      // The generators reach both outcomes.
      expect(booked).toBeGreaterThan(3);
      expect(refused).toBeGreaterThan(10);
    });

    describe('staff override', () => {
      const provider = () => {
        const providerId = randomUUID();
        people.providers.set(providerId, {
          active: true,
          timeZone: 'Europe/London',
          minimumNoticeMinutes: 120,
          horizonDays: 30,
          limits: { perDay: 1 },
        });
        return providerId;
      };

      it('books outside the rules only with a reason, recorded in the audit entry', async () => {
        const providerId = provider();
        const saturday = { patientId: PATIENT, providerId, type: 'follow_up', start: '2026-05-09T10:00:00Z' };
        const refusal = await rejectionOf(scheduler.book(saturday, receptionist));
        expect(refusal).toBeInstanceOf(UnavailableError);
        expect(refusal).toMatchObject({
          code: 'UNAVAILABLE',
          httpStatus: 409,
          details: { reasons: [{ code: 'OUTSIDE_HOURS' }] },
        });
        for (const override of [{}, { reason: '' }, { reason: '   ' }, { reason: 42 }, null, { reason: 'x\u0000' }]) {
          const error = await rejectionOf(
            scheduler.book(saturday, receptionist, { override } as unknown as Parameters<Scheduler['book']>[2]),
          );
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues[0]?.path).toBe('override.reason');
        }
        expect((await store.listAppointments({ providerId })).total).toBe(0);
        const { appointment } = await scheduler.book(saturday, receptionist, {
          override: { reason: 'Saturday clinic for a post-op check' },
        });
        const [created] = await scheduler.auditTrail(appointment.id);
        expect(created?.override).toEqual({
          reason: 'Saturday clinic for a post-op check',
          bypassed: ['OUTSIDE_HOURS'],
        });
      });

      it('overrides notice, horizon and limits, on book and reschedule alike, but never a conflict', async () => {
        const providerId = provider();
        const monday = { patientId: PATIENT, providerId, type: 'follow_up' };
        const first = (await scheduler.book({ ...monday, start: '2026-05-11T09:00:00Z' }, receptionist)).appointment;
        const limited = await rejectionOf(scheduler.book({ ...monday, start: '2026-05-11T11:00:00Z' }, receptionist));
        expect((limited as UnavailableError).reasons).toEqual([
          { code: 'PERIOD_LIMIT', period: 'day', measure: 'bookings', limit: 1, count: 1 },
        ]);
        const second = (
          await scheduler.book({ ...monday, start: '2026-05-11T11:00:00Z' }, receptionist, {
            override: { reason: 'Urgent follow-up' },
          })
        ).appointment;
        const soon = await rejectionOf(
          scheduler.reschedule(second.id, { start: '2026-05-04T07:00:00Z' }, receptionist),
        );
        expect((soon as UnavailableError).reasons.map((reason) => reason.code)).toEqual(['MIN_NOTICE']);
        const moved = await scheduler.reschedule(second.id, { start: '2026-05-04T07:00:00Z' }, receptionist, {
          override: { reason: 'Patient in the waiting room' },
        });
        expect(moved.start.toISOString()).toBe('2026-05-04T07:00:00.000Z');
        expect((await scheduler.auditTrail(second.id)).at(-1)?.override).toEqual({
          reason: 'Patient in the waiting room',
          bypassed: ['MIN_NOTICE'],
        });
        const far = await rejectionOf(scheduler.book({ ...monday, start: '2026-07-06T09:00:00Z' }, receptionist));
        expect((far as UnavailableError).reasons.map((reason) => reason.code)).toEqual(['BEYOND_HORIZON']);
        const clash = await rejectionOf(
          scheduler.book({ ...monday, start: '2026-05-11T09:15:00Z' }, receptionist, {
            override: { reason: 'squeeze in' },
          }),
        );
        expect(clash).toBeInstanceOf(ConflictError);
        expect((clash as ConflictError).conflictingIds).toEqual([first.id]);
      });

      it('frees a place when an appointment is cancelled or a no-show', async () => {
        const providerId = provider();
        const monday = { patientId: PATIENT, providerId, type: 'follow_up' };
        const first = (await scheduler.book({ ...monday, start: '2026-05-11T09:00:00Z' }, receptionist)).appointment;
        await scheduler.cancel(first.id, { reason: 'ill' }, receptionist);
        const second = (await scheduler.book({ ...monday, start: '2026-05-11T10:00:00Z' }, receptionist)).appointment;
        clock.set('2026-05-11T10:30:00Z');
        await scheduler.markNoShow(second.id, receptionist);
        expect(
          (await scheduler.book({ ...monday, start: '2026-05-11T14:00:00Z' }, receptionist)).appointment.status,
        ).toBe('scheduled');
      });

      it('skips the occurrences of a series over a limit, naming the limit', async () => {
        const providerId = randomUUID();
        people.providers.set(providerId, { active: true, timeZone: 'Europe/London', limits: { perWeek: 2 } });
        await scheduler.book(
          { patientId: PATIENT, providerId, type: 'follow_up', start: '2026-05-13T09:00:00Z' },
          receptionist,
        );
        const { series } = await scheduler.book(
          {
            patientId: PATIENT,
            providerId,
            type: 'follow_up',
            start: '2026-05-11T13:00:00Z',
            recurrence: { rrule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=6' },
          },
          receptionist,
        );
        // Week of 11 May: one booked already, so Monday goes in and Tuesday on are over the limit;
        // the week of 18 May starts afresh.
        expect(series?.created.map((item) => item.start.toISOString().slice(0, 10))).toEqual([
          '2026-05-11',
          '2026-05-18',
        ]);
        expect(series?.skipped.map((item) => [item.start.toISOString().slice(0, 10), item.reasons])).toEqual(
          ['2026-05-12', '2026-05-13', '2026-05-14', '2026-05-15'].map((day) => [
            day,
            [{ code: 'PERIOD_LIMIT', period: 'week', measure: 'bookings', limit: 2, count: 2 }],
          ]),
        );
      });

      it('counts each occurrence of a series once against a limit', async () => {
        const providerId = randomUUID();
        people.providers.set(providerId, { active: true, timeZone: 'Europe/London', limits: { perWeek: 3 } });
        const { series } = await scheduler.book(
          {
            patientId: PATIENT,
            providerId,
            type: 'follow_up',
            start: '2026-05-11T13:00:00Z',
            recurrence: { rrule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=5' },
          },
          receptionist,
        );
        expect(series?.created).toHaveLength(3);
        expect(series?.skipped.map((item) => item.reasons)).toEqual([
          [{ code: 'PERIOD_LIMIT', period: 'week', measure: 'bookings', limit: 3, count: 3 }],
          [{ code: 'PERIOD_LIMIT', period: 'week', measure: 'bookings', limit: 3, count: 3 }],
        ]);
      });
    });

    describe('bad input and bad configuration', () => {
      it('refuses unknown or inactive people and unknown types, naming the field and writing nothing', async () => {
        const providerId = randomUUID();
        people.providers.set(providerId, { active: true, timeZone: 'Europe/London' });
        const inactive = randomUUID();
        people.providers.set(inactive, { active: false, timeZone: 'Europe/London' });
        const base = { patientId: PATIENT, providerId, type: 'follow_up', start: '2026-05-11T09:00:00Z' };
        expect(await rejectionOf(scheduler.book({ ...base, providerId: randomUUID() }, receptionist))).toBeInstanceOf(
          NotFoundError,
        );
        expect(await rejectionOf(scheduler.book({ ...base, patientId: randomUUID() }, receptionist))).toBeInstanceOf(
          NotFoundError,
        );
        const asleep = await rejectionOf(scheduler.book({ ...base, providerId: inactive }, receptionist));
        expect((asleep as ValidationError).issues[0]?.path).toBe('providerId');
        const unknownType = await rejectionOf(scheduler.book({ ...base, type: 'massage' }, receptionist));
        expect((unknownType as ValidationError).issues[0]?.path).toBe('type');
        expect(
          ((await rejectionOf(scheduler.explain({ providerId, start: 'soon', type: 'follow_up' }))) as ValidationError)
            .issues[0]?.path,
        ).toBe('start');
        expect((await store.listAppointments({})).total).toBe(0);
      });

      it.each([
        [{ timeZone: 'Europe/Londn' }, 'timeZone'],
        [{ weeklyHours: { monday: [{ start: '10:00', end: '09:00' }] } }, 'weeklyHours.monday[0].end'],
        [
          {
            weeklyHours: {
              monday: [
                { start: '09:00', end: '12:00' },
                { start: '11:00', end: '13:00' },
              ],
            },
          },
          'weeklyHours.monday[1]',
        ],
        [{ weeklyHours: { funday: [] } }, 'weeklyHours.funday'],
        [{ dateOverrides: { '2026-02-30': [] } }, 'dateOverrides.2026-02-30'],
        [{ minimumNoticeMinutes: -5 }, 'minimumNoticeMinutes'],
        [{ horizonDays: 1.5 }, 'horizonDays'],
        [{ limits: { perDay: 0 } }, 'limits.perDay'],
        [{ limits: { perWeek: 2.5 } }, 'limits.perWeek'],
        [{ limits: { perYear: 3 } }, 'limits.perYear'],
      ])('answers a bad profile %j with ConfigurationError naming the provider and %s', async (fields, field) => {
        const providerId = randomUUID();
        people.providers.set(providerId, { active: true, timeZone: 'Europe/London', ...fields } as ProviderProfile);
        const error = await rejectionOf(
          scheduler.book(
            { patientId: PATIENT, providerId, type: 'follow_up', start: '2026-05-11T09:00:00Z' },
            receptionist,
          ),
        );
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(error).toMatchObject({
          code: 'CONFIGURATION_ERROR',
          httpStatus: 500,
          details: { subject: 'provider', id: providerId, field },
        });
        expect((await store.listAppointments({})).total).toBe(0);
      });

      it('refuses a scheduler without a directory, and appointment types with bad limits', () => {
        expect(() => createScheduler({ store } as unknown as Parameters<typeof createScheduler>[0])).toThrow(
          ConfigurationError,
        );
        const error = (() => {
          try {
            defineAppointmentTypes([{ key: 'scan', durationMinutes: 30, limits: { perDay: 0 } }]);
          } catch (caught) {
            return caught;
          }
        })();
        expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['[0].limits.perDay']);
      });
    });
  });
}
