import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Actor,
  type Appointment,
  type AppointmentStore,
  ConflictError,
  createScheduler,
  createStaticDirectory,
  IdempotencyMismatchError,
  LIMITS,
  ROUND_THE_CLOCK_HOURS,
  type Scheduler,
  SchedulingError,
  ValidationError,
} from '../src/index.js';
import { manualClock, rejectionOf, untyped } from './fixtures.js';

const PROVIDER = '6f1c2a9e-8d47-4b1e-9c2a-5e6f7a8b9c0d';
const OTHER_PROVIDER = '7e2d3b0f-9e58-4c2f-8d3b-6f7a8b9c0d1e';
const PATIENT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

// Open round the clock: these tests are about hostile input, not working hours.
const directory = createStaticDirectory({
  providers: {
    [PROVIDER]: { active: true, timeZone: 'Europe/London', weeklyHours: ROUND_THE_CLOCK_HOURS },
    [OTHER_PROVIDER]: { active: true, timeZone: 'America/New_York', weeklyHours: ROUND_THE_CLOCK_HOURS },
  },
  patients: { [PATIENT]: { active: true } },
});
const receptionist: Actor = { id: 'receptionist-1', role: 'receptionist' };

/** Text no store can keep exactly: NUL, and unpaired UTF-16 surrogates in every position. */
const UNSTORABLE = ['a\u0000b', '\u0000', '\uD800', 'x\uDBFFy', '\uDC00', 'ok\uDFFF', '\uDC00\uD800'];

/** `levels` nested objects: `{ a: { a: … } }`. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

/**
 * Hostile and odd input against the Scheduler, written once and run against every store: ids in
 * any letter case are one identity; text no database can keep is refused, never altered; every
 * refusal is a typed error naming the field and leaves nothing written; idempotent retries racing
 * each other replay one result; the audit trail keeps its order whatever the writers' clocks say.
 */
export function runHostileInput(name: string, createStore: () => Promise<AppointmentStore>): void {
  describe(`Hostile input: ${name}`, () => {
    let store: AppointmentStore;
    let scheduler: Scheduler;
    let clock: ReturnType<typeof manualClock>;

    beforeEach(async () => {
      store = await createStore();
      await store.migrate();
      clock = manualClock('2026-03-01T12:00:00Z');
      scheduler = createScheduler({ store, directory, clock: clock.read });
    });
    afterEach(async () => {
      await store.close();
    });

    const booking = (start: string, extra: Record<string, unknown> = {}) => ({
      patientId: PATIENT,
      providerId: PROVIDER,
      type: 'follow_up',
      start,
      ...extra,
    });
    const book = async (start: string, extra: Record<string, unknown> = {}) =>
      (await scheduler.book(booking(start, extra), receptionist)).appointment;
    /** Everything a refused call must leave as it was: every row, and every audit trail. */
    const snapshot = async () => {
      const { items } = await store.listAppointments({});
      const trails = await Promise.all(items.map((item) => store.auditTrail(item.id)));
      return JSON.stringify([items, trails]);
    };
    const issuesOf = (error: unknown) => {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).issues.map((issue) => [issue.path, issue.code]);
    };

    describe('one identity per id', () => {
      it('stores the canonical lower-case form of an upper-case UUID', async () => {
        const appointment = await book('2026-03-02T10:00:00Z', {
          providerId: PROVIDER.toUpperCase(),
          patientId: PATIENT.toUpperCase(),
        });
        expect(appointment).toMatchObject({ providerId: PROVIDER, patientId: PATIENT });
        expect((await store.getAppointment(appointment.id))?.providerId).toBe(PROVIDER);
      });

      it('never double-books one provider named in two letter cases at the same moment', async () => {
        for (let round = 0; round < 10; round++) {
          const start = `2026-03-${String(2 + round).padStart(2, '0')}T10:00:00Z`;
          const results = await Promise.allSettled([
            book(start, { providerId: PROVIDER }),
            book(start, { providerId: PROVIDER.toUpperCase() }),
            book(start, { providerId: `${PROVIDER.slice(0, 18).toUpperCase()}${PROVIDER.slice(18)}` }),
          ]);
          expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
          for (const result of results) {
            if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
          }
        }
        const { items } = await store.listAppointments({ providerId: PROVIDER });
        expect(items).toHaveLength(10);
      });

      it('finds an appointment, its series and its provider by ids in any letter case', async () => {
        const { appointment, series } = await scheduler.book(
          booking('2026-03-02T10:00:00Z', { recurrence: { frequency: 'weekly', maxOccurrences: 3 } }),
          receptionist,
        );
        const upper = appointment.id.toUpperCase();
        expect((await scheduler.get(upper)).id).toBe(appointment.id);
        expect((await scheduler.confirm(upper, receptionist)).status).toBe('confirmed');
        expect((await scheduler.auditTrail(upper)).map((entry) => entry.action)).toEqual(['created', 'confirmed']);
        expect(
          (await scheduler.list({ providerId: PROVIDER.toUpperCase(), patientId: PATIENT.toUpperCase() })).total,
        ).toBe(3);
        const cancelled = await scheduler.cancelSeries(
          series?.seriesId.toUpperCase() ?? '',
          { reason: 'moved' },
          receptionist,
        );
        expect(cancelled.cancelled).toHaveLength(3);
        expect(await scheduler.claimReminder(upper, 'email', receptionist)).toBe(false);
      });

      it('refuses ids that are not UUIDs, or not strings, with ValidationError naming the id', async () => {
        const existing = await book('2026-03-02T10:00:00Z');
        const before = await snapshot();
        const wrong: unknown[] = [
          42,
          null,
          undefined,
          {},
          [],
          '',
          'not-a-uuid',
          `${existing.id}\u0000`,
          { id: existing.id },
        ];
        for (const id of wrong) {
          expect(issuesOf(await rejectionOf(scheduler.get(id as string)))).toEqual([['id', expect.any(String)]]);
          expect(issuesOf(await rejectionOf(scheduler.confirm(id as string, receptionist)))[0]?.[0]).toBe('id');
          expect(issuesOf(await rejectionOf(scheduler.auditTrail(id as string)))[0]?.[0]).toBe('id');
          expect(issuesOf(await rejectionOf(scheduler.claimReminder(id as string, 'email')))[0]?.[0]).toBe('id');
          expect(
            issuesOf(await rejectionOf(scheduler.cancelSeries(id as string, { reason: 'x' }, receptionist)))[0]?.[0],
          ).toBe('seriesId');
        }
        expect(await snapshot()).toBe(before);
      });
    });

    describe('text every store keeps exactly', () => {
      it.each([
        ['reason', (text: string) => ({ reason: text })],
        ['notes', (text: string) => ({ notes: text })],
        ['idempotencyKey', (text: string) => ({ idempotencyKey: text })],
        ['metadata.note', (text: string) => ({ metadata: { note: text } })],
        ['metadata.list[1]', (text: string) => ({ metadata: { list: ['fine', text] } })],
        ['metadata.deep.x', (text: string) => ({ metadata: { deep: { x: text } } })],
      ])('refuses NUL and unpaired surrogates in %s, writing nothing', async (path, extra) => {
        const before = await snapshot();
        for (const text of UNSTORABLE) {
          const error = await rejectionOf(scheduler.book(booking('2026-03-02T10:00:00Z', extra(text)), receptionist));
          expect(issuesOf(error)).toEqual([[path, 'invalid_text']]);
        }
        expect(await snapshot()).toBe(before);
      });

      it('refuses unstorable metadata keys, the cancellation reason and the actor id', async () => {
        const existing = await book('2026-03-02T10:00:00Z');
        const before = await snapshot();
        for (const text of UNSTORABLE) {
          const key = await rejectionOf(
            scheduler.book(booking('2026-03-03T10:00:00Z', { metadata: { [text]: 1 } }), receptionist),
          );
          expect(issuesOf(key)).toEqual([[`metadata.${text}`, 'invalid_key']]);
          const reason = await rejectionOf(scheduler.cancel(existing.id, { reason: `late ${text}` }, receptionist));
          expect(issuesOf(reason)).toEqual([['reason', 'invalid_text']]);
          const actor = await rejectionOf(scheduler.confirm(existing.id, { id: text }));
          expect(issuesOf(actor)).toEqual([['actor.id', 'invalid_text']]);
          const update = await rejectionOf(scheduler.update(existing.id, { notes: text }, receptionist));
          expect(issuesOf(update)).toEqual([['notes', 'invalid_text']]);
        }
        expect(await snapshot()).toBe(before);
      });

      it('keeps well-formed text exactly, astral characters, combining marks and quotes included', async () => {
        const text = '🩺 naïve café ‮ \u200d \' " \\ %_ 𝄞 \uD83D\uDE00';
        const appointment = await book('2026-03-02T10:00:00Z', {
          reason: text,
          notes: text,
          idempotencyKey: text,
          metadata: { [text]: text, constructor: 'kept', prototype: { toString: 'kept' } },
        });
        const stored = await scheduler.get(appointment.id);
        expect(stored.reason).toBe(text);
        expect(stored.notes).toBe(text);
        expect(stored.idempotencyKey).toBe(text);
        expect(stored.metadata).toEqual({ [text]: text, constructor: 'kept', prototype: { toString: 'kept' } });
      });
    });

    describe('metadata limits', () => {
      it('refuses metadata nested deeper than the limit with ValidationError, not a RangeError', async () => {
        const before = await snapshot();
        for (const levels of [LIMITS.metadata.maxDepth + 1, 1_500, 100_000]) {
          const error = await rejectionOf(
            scheduler.book(booking('2026-03-02T10:00:00Z', { metadata: nested(levels) }), receptionist),
          );
          expect(issuesOf(error)[0]).toEqual([expect.stringMatching(/^metadata(\.a)+$/), 'too_deep']);
        }
        expect(await snapshot()).toBe(before);
        const deepest = await book('2026-03-02T10:00:00Z', { metadata: nested(LIMITS.metadata.maxDepth) });
        expect(deepest.metadata).toEqual(nested(LIMITS.metadata.maxDepth));
      });

      it('refuses a self-referencing object, a huge array and oversized metadata', async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        const before = await snapshot();
        for (const [metadata, code] of [
          [cyclic, 'too_deep'],
          [{ list: new Array(1_000_000).fill(0) }, 'too_big'],
          [{ text: 'x'.repeat(LIMITS.metadata.maxJsonLength) }, 'too_big'],
          [{ ['k'.repeat(LIMITS.metadata.maxKeyLength + 1)]: 1 }, 'invalid_key'],
          [{ date: new Date() }, 'invalid_type'],
          [{ nan: Number.NaN }, 'invalid_type'],
          [{ big: 10n }, 'invalid_type'],
          [['an', 'array'], 'invalid_type'],
        ] as const) {
          const error = await rejectionOf(scheduler.book(booking('2026-03-02T10:00:00Z', { metadata }), receptionist));
          expect(issuesOf(error)[0]?.[1]).toBe(code);
        }
        expect(await snapshot()).toBe(before);
      });

      it('refuses a __proto__ key by name instead of dropping it', async () => {
        const metadata = JSON.parse('{"__proto__": {"admin": true}, "kept": 1}') as Record<string, unknown>;
        const error = await rejectionOf(scheduler.book(booking('2026-03-02T10:00:00Z', { metadata }), receptionist));
        expect(issuesOf(error)).toEqual([['metadata.__proto__', 'invalid_key']]);
        const inner = JSON.parse('{"a": {"__proto__": 1}}') as Record<string, unknown>;
        const nestedError = await rejectionOf(
          scheduler.update((await book('2026-03-02T10:00:00Z')).id, { metadata: untyped(inner) }, receptionist),
        );
        expect(issuesOf(nestedError)).toEqual([['metadata.a.__proto__', 'invalid_key']]);
      });
    });

    describe('recurrence rules that never finish or never match', () => {
      it.each([
        'FREQ=DAILY;INTERVAL=-1',
        'FREQ=DAILY;INTERVAL=1.5',
        'FREQ=DAILY;BYMONTH=13',
        'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
        'FREQ=YEARLY;BYYEARDAY=0',
        'FREQ=WEEKLY;BYDAY=XX',
        'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0',
        'FREQ=DAILY;COUNT=abc',
        'FREQ=DAILY;UNTIL=20261399',
        'FREQ=WEEKLY;WKST=XX',
      ])('refuses %s with ValidationError naming recurrence.rrule, writing nothing', async (rrule) => {
        const before = await snapshot();
        const error = await rejectionOf(
          scheduler.book(booking('2026-03-02T10:00:00Z', { recurrence: { rrule } }), receptionist),
        );
        expect(issuesOf(error).map(([path]) => path)).toEqual(['recurrence.rrule']);
        expect(await snapshot()).toBe(before);
      });
    });

    describe('idempotent retries', () => {
      it('replays one result to identical keyed requests sent at the same moment, every round', async () => {
        for (let round = 0; round < 20; round++) {
          const request = booking(
            `2026-03-${String(2 + (round % 20)).padStart(2, '0')}T${String(8 + (round % 3)).padStart(2, '0')}:00:00Z`,
            {
              idempotencyKey: `retry-${round}`,
            },
          );
          const results = await Promise.all([1, 2, 3, 4].map(() => scheduler.book(request, receptionist)));
          expect(new Set(results.map((result) => result.appointment.id)).size).toBe(1);
        }
        expect((await store.listAppointments({})).total).toBe(20);
      });

      it('replays one series to identical keyed series requests sent at the same moment', async () => {
        for (let round = 0; round < 10; round++) {
          const request = booking(`2026-03-02T${String(8 + round).padStart(2, '0')}:00:00Z`, {
            idempotencyKey: `series-${round}`,
            recurrence: { frequency: 'daily', maxOccurrences: 3 },
          });
          const results = await Promise.all([1, 2, 3, 4].map(() => scheduler.book(request, receptionist)));
          expect(new Set(results.map((result) => result.series?.seriesId)).size).toBe(1);
          expect(results.every((result) => result.series?.created.length === 3)).toBe(true);
        }
        expect((await store.listAppointments({})).total).toBe(30);
      });

      it('answers IDEMPOTENCY_MISMATCH to a racing request that reuses the key with another body', async () => {
        for (let round = 0; round < 10; round++) {
          const key = `mismatch-${round}`;
          const results = await Promise.allSettled([
            scheduler.book(
              booking(`2026-03-${String(2 + round).padStart(2, '0')}T10:00:00Z`, { idempotencyKey: key }),
              receptionist,
            ),
            scheduler.book(
              booking(`2026-03-${String(2 + round).padStart(2, '0')}T11:00:00Z`, { idempotencyKey: key }),
              receptionist,
            ),
          ]);
          expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
          const refused = results.find((result) => result.status === 'rejected');
          expect(refused?.reason).toBeInstanceOf(IdempotencyMismatchError);
          expect(refused?.reason).toMatchObject({ code: 'IDEMPOTENCY_MISMATCH', httpStatus: 422 });
        }
        expect((await store.listAppointments({})).total).toBe(10);
      });
    });

    describe('audit order under clock skew', () => {
      it('orders the trail by version and never lets updatedAt run backwards', async () => {
        // A second app server whose clock runs a minute behind the first.
        const behind = createScheduler({
          store,
          directory,
          clock: () => new Date(clock.read().getTime() - 60_000),
        });
        const appointment = await book('2026-03-05T10:00:00Z');
        clock.advance(1);
        const updated = await behind.update(appointment.id, { notes: 'from the slow server' }, receptionist);
        expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(appointment.updatedAt.getTime());
        const confirmed = await scheduler.confirm(appointment.id, receptionist);
        expect(await behind.claimReminder(appointment.id, 'sms', receptionist)).toBe(true);
        const trail = await scheduler.auditTrail(appointment.id);
        expect(trail.map((entry) => [entry.action, entry.version])).toEqual([
          ['created', 1],
          ['updated', 2],
          ['confirmed', 3],
          ['reminder_sent', 4],
        ]);
        const times = trail.map((entry) => entry.at.getTime());
        expect(times).toEqual([...times].sort((a, b) => a - b));
        const stored = await scheduler.get(appointment.id);
        expect(stored.updatedAt.getTime()).toBeGreaterThanOrEqual(confirmed.updatedAt.getTime());
        expect(stored.version).toBe(4);
      });
    });

    describe('every public method under arbitrary input', () => {
      const hostileString = fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constantFrom(
          ...UNSTORABLE,
          '',
          ' ',
          '%',
          '%E0%A4%A',
          '__proto__',
          'constructor',
          PROVIDER.toUpperCase(),
          PATIENT,
          'FREQ=DAILY;INTERVAL=-1',
          '2026-03-02T10:00:00Z',
          '2026-03-02',
          'x'.repeat(70_000),
        ),
      );
      const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
        value: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          hostileString,
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constantFrom(null, undefined, Number.NaN, -1, 0, 1.5, 2 ** 53, new Date(Number.NaN), nested(2_000)),
          fc.date({ noInvalidDate: false }),
          fc.array(tie('value'), { maxLength: 4 }),
          fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
        ),
      })).value;
      const hostileActor = fc.oneof(
        fc.constant(receptionist),
        fc.constantFrom(null, undefined, {}, { id: 5 }, { id: '' }, { id: '\u0000' }, { id: 'x'.repeat(1_000) }),
        hostileValue,
      );
      const METHODS = [
        'book',
        'get',
        'update',
        'reschedule',
        'confirm',
        'checkIn',
        'complete',
        'markNoShow',
        'cancel',
        'cancelSeries',
        'getSeries',
        'moveSeries',
        'extendSeries',
        'list',
        'schedule',
        'statistics',
        'availability',
        'explain',
        'suggest',
        'auditTrail',
        'dueReminders',
        'claimReminder',
      ] as const;

      it('answers every call with a result or a typed, non-internal error, and a refused call writes nothing', async () => {
        const existing: Appointment = await book('2026-03-03T10:00:00Z');
        const { series } = await scheduler.book(
          booking('2026-03-05T10:00:00Z', { recurrence: { frequency: 'weekly', maxOccurrences: 3 } }),
          receptionist,
        );
        const seriesId = series?.seriesId ?? randomUUID();
        const idLike = fc.oneof(
          fc.constantFrom(existing.id, existing.id.toUpperCase(), seriesId, seriesId.toUpperCase(), randomUUID()),
          hostileValue,
        );
        // `call` passes whatever it is given: the point is what the library does with wrong types.
        type Loose = (...args: unknown[]) => Promise<unknown>;
        const method = (key: (typeof METHODS)[number]) => (scheduler[key] as Loose).bind(scheduler);
        let refused = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...METHODS),
            idLike,
            fc.oneof(
              fc.constant(booking('2026-03-04T10:00:00Z')),
              // Well-formed series edits, so that hostile ids and actors meet the real paths too.
              fc.constantFrom(
                { time: '11:00', onConflict: 'skip' },
                { weekdays: ['friday'], from: '2026-03-10T00:00:00Z' },
                { count: 1 },
                { until: '2026-04-30' },
              ),
              hostileValue,
            ),
            hostileActor,
            fc.oneof(fc.constant(undefined), hostileValue),
            async (key, id, input, actor, options) => {
              const before = await snapshot();
              const args: Record<(typeof METHODS)[number], unknown[]> = {
                book: [input, actor],
                get: [id, actor],
                update: [id, input, actor, options],
                reschedule: [id, input, actor, options],
                confirm: [id, actor, options],
                checkIn: [id, actor, options],
                complete: [id, actor, options],
                markNoShow: [id, actor, options],
                cancel: [id, input, actor, options],
                cancelSeries: [id, input, actor],
                getSeries: [id],
                moveSeries: [id, input, actor],
                extendSeries: [id, input, actor],
                list: [input, actor],
                schedule: [input, actor],
                statistics: [input],
                availability: [input],
                explain: [input],
                suggest: [input],
                auditTrail: [id],
                dueReminders: [input],
                claimReminder: [id, input, actor],
              };
              try {
                await method(key)(...args[key]);
              } catch (error) {
                refused++;
                expect(error).toBeInstanceOf(SchedulingError);
                expect((error as SchedulingError).code).not.toBe('INTERNAL_ERROR');
                expect(await snapshot()).toBe(before);
              }
            },
          ),
          { numRuns: 250 },
        );
        expect(refused).toBeGreaterThan(100);
      });
    });
  });
}
