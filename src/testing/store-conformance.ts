import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReminderChannel } from '../appointment.js';
import { ConflictError, InvalidTransitionError, NotFoundError, SchedulingError, StaleVersionError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { SeriesPattern } from '../series.js';
import type { AppointmentChange, AppointmentStore, NewAppointmentRow, ReminderClaim, ResourceSpec } from '../store.js';
import { newAppointmentRow as newRow } from './rows.js';

const at = (iso: string) => new Date(iso);

/** A series pattern of one segment following `rule`. */
const patternOf = (rule: SeriesPattern['segments'][number]['rule']): SeriesPattern => ({
  segments: [{ fromIndex: 0, start: '2026-03-02T09:00:00.000Z', rule, durationMinutes: 30, type: 'follow_up' }],
});

/** Catches the rejection of a promise (fails if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** A claim of `channel`'s reminder at `when` by `actorId`, as the Scheduler builds one. */
function reminderClaim(channel: ReminderChannel, when: string, actorId: string): ReminderClaim {
  const claimAt = new Date(when);
  return {
    at: claimAt,
    actorId,
    auditId: randomUUID(),
    changes: { [`reminders.${channel}`]: { before: null, after: claimAt } },
  };
}

/**
 * Registers the store contract as a Vitest suite: the same tests the SQLite and PostgreSQL stores
 * pass, run against any {@link AppointmentStore}. A store is done when it passes this suite.
 *
 * Each test gets a fresh store from `createStore`, migrates it, and closes it afterwards, so
 * `createStore` must return an empty, unmigrated store of its own (a new in-memory database, a
 * new schema, a unique key prefix…). Call it at the top level of a test file, or inside a
 * `describe`; it registers tests and runs nothing itself.
 *
 * Vitest (3 or later) is an optional peer dependency of `appointment-kit`, needed only by this
 * entry point. Vitest loads it as an ES module; `require('appointment-kit/testing')` gives
 * CommonJS the types and `newAppointmentRow`, but its `runStoreConformance` throws, since
 * Vitest itself cannot be required.
 *
 * @param name - Names the suite in the report: `AppointmentStore conformance: <name>`.
 * @param createStore - Returns a fresh, empty, unmigrated store.
 *
 * @example A third-party store certifying itself (`test/conformance.test.ts` in its repository):
 * ```ts
 * import { runStoreConformance } from 'appointment-kit/testing';
 * import { createMySqlStore } from '../src/index.js';
 *
 * let databases = 0;
 * runStoreConformance('MySQL', async () =>
 *   createMySqlStore({ url: process.env.MYSQL_URL ?? 'mysql://localhost/test', database: `conformance_${databases++}` }),
 * );
 * ```
 */
export function runStoreConformance(name: string, createStore: () => Promise<AppointmentStore>): void {
  // Every test runs: a store is certified for the whole contract or not at all.
  const check = it;

  describe(`AppointmentStore conformance: ${name}`, () => {
    let store: AppointmentStore;
    beforeEach(async () => {
      store = await createStore();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
    });

    const insert = (rows: NewAppointmentRow[], onConflict: 'fail' | 'skip' = 'fail') =>
      store.insertAppointments(rows, { onConflict });
    const insertedOf = async (rows: NewAppointmentRow[]) => {
      const result = await insert(rows);
      if (result.kind !== 'inserted') throw new Error('expected an insert');
      return result.inserted;
    };
    const changeOf = (
      id: string,
      expectedVersion: number,
      set: AppointmentChange['set'],
      when = '2026-03-01T09:00:00Z',
    ): AppointmentChange => ({
      id,
      expectedVersion,
      set,
      audit: {
        id: randomUUID(),
        appointmentId: id,
        action: 'updated',
        actorId: 'user-2',
        at: at(when),
        version: expectedVersion + 1,
        changes: { note: { before: null, after: 'x' } },
      },
    });

    /** Cancels an appointment at its first version, as a receptionist would. */
    const cancel = (id: string) =>
      store.applyChanges([
        changeOf(id, 1, {
          status: 'cancelled',
          cancelledAt: at('2026-03-01T09:00:00Z'),
          cancellationReason: 'x',
          cancelledBy: 'u',
        }),
      ]);

    describe('migrate', () => {
      check('is idempotent', async () => {
        await store.migrate();
        await store.migrate();
        expect(await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })])).toHaveLength(1);
      });
    });

    describe('insertAppointments', () => {
      check('stores and returns every field as given', async () => {
        const row = newRow({
          start: at('2026-03-02T09:00:00Z'),
          reason: `O'Brien said "hi"; DROP TABLE appointments; --`,
          notes: 'naïve café 🩺 \\ %_',
          metadata: { source: 'web', nested: { list: [1, 'two', null, true] }, quote: "'; --" },
          bufferBeforeMinutes: 5,
          bufferAfterMinutes: 10,
        });
        const [inserted] = await insertedOf([row]);
        const stored = await store.getAppointment(row.appointment.id);
        expect(stored).toEqual(inserted);
        expect(stored).toEqual({ ...row.appointment, confirmationCode: inserted?.confirmationCode });
      });

      check('numbers confirmations with one increasing number that does not restart with the year', async () => {
        const codes: string[] = [];
        for (const [year, start] of [
          ['2026', '2026-12-01T09:00:00Z'],
          ['2027', '2027-01-04T09:00:00Z'],
          ['2027', '2027-01-05T09:00:00Z'],
        ] as const) {
          const [item] = await insertedOf([newRow({ start: at(start), createdAt: at(`${year}-01-01T12:00:00Z`) })]);
          codes.push(item?.confirmationCode ?? '');
        }
        expect(codes.map((code) => code.slice(4, 8))).toEqual(['2026', '2027', '2027']);
        const numbers = codes.map((code) => Number(code.slice(9)));
        // The number goes on across the new year: APT-2027 does not start again at 0001.
        expect(numbers[1]).toBeGreaterThan(numbers[0] as number);
        expect(numbers[2]).toBeGreaterThan(numbers[1] as number);
      });

      check('issues unique, increasing APT-YYYY-NNNN confirmation codes for the booking year', async () => {
        const rows = [0, 1, 2].map((i) =>
          newRow({ start: at(`2026-03-0${i + 2}T09:00:00Z`), createdAt: at('2027-01-05T10:00:00Z') }),
        );
        const codes = (await insertedOf(rows)).map((item) => item.confirmationCode);
        for (const code of codes) expect(code).toMatch(/^APT-2027-\d{4,}$/);
        const numbers = codes.map((code) => Number(code.slice(9)));
        expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
        expect(new Set(codes).size).toBe(3);
      });

      check('refuses an overlap with ConflictError naming the blocking appointment, writing nothing', async () => {
        const [first] = await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        const free = newRow({ start: at('2026-03-02T11:00:00Z') });
        const clash = newRow({ start: at('2026-03-02T09:15:00Z') });
        const error = await rejectionOf(insert([free, clash]));
        expect(error).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).conflictingIds).toEqual([first?.id]);
        expect(await store.getAppointment(free.appointment.id)).toBeNull();
        expect(await store.auditTrail(free.appointment.id)).toEqual([]);
      });

      check('treats touching ranges as free, buffers included', async () => {
        await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z'), bufferAfterMinutes: 15 })]);
        const touching = newRow({ start: at('2026-03-02T09:50:00Z'), bufferBeforeMinutes: 5 });
        expect(await insertedOf([touching])).toHaveLength(1);
        const before = newRow({ start: at('2026-03-02T08:30:00Z') });
        expect(await insertedOf([before])).toHaveLength(1);
      });

      check('counts buffers as occupied', async () => {
        await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z'), bufferAfterMinutes: 15 })]);
        const error = await rejectionOf(insert([newRow({ start: at('2026-03-02T09:40:00Z') })]));
        expect(error).toBeInstanceOf(ConflictError);
        const other = await rejectionOf(insert([newRow({ start: at('2026-03-02T08:45:00Z'), bufferAfterMinutes: 1 })]));
        expect(other).toBeInstanceOf(ConflictError);
      });

      check('keeps providers apart and ignores cancelled and no-show appointments', async () => {
        await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        expect(
          await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z'), providerId: 'provider-b' })]),
        ).toHaveLength(1);
        const [blocker] = await insertedOf([newRow({ start: at('2026-03-03T09:00:00Z') })]);
        await cancel(blocker?.id ?? '');
        expect(await insertedOf([newRow({ start: at('2026-03-03T09:10:00Z') })])).toHaveLength(1);
      });

      check('refuses the longest occupied range against one that starts just before it ends', async () => {
        // Built from LIMITS: raise a duration or buffer limit, and this still probes the far end.
        const { durationMinutes, bufferMinutes } = LIMITS;
        const start = at('2026-03-02T12:00:00Z');
        await insertedOf([
          newRow({
            start,
            durationMinutes: durationMinutes.max,
            bufferBeforeMinutes: bufferMinutes.max,
            bufferAfterMinutes: bufferMinutes.max,
          }),
        ]);
        const occupiedEnd = start.getTime() + (durationMinutes.max + bufferMinutes.max) * 60_000;
        const shortest = durationMinutes.min;
        // A booking one minute before the far end meets it; one at the end only touches it.
        expect(
          await rejectionOf(insert([newRow({ start: new Date(occupiedEnd - 60_000), durationMinutes: shortest })])),
        ).toBeInstanceOf(ConflictError);
        expect(await insertedOf([newRow({ start: new Date(occupiedEnd), durationMinutes: shortest })])).toHaveLength(1);
        // And the near end: one that ends a minute into the occupied range, from far before.
        const occupiedStart = start.getTime() - bufferMinutes.max * 60_000;
        expect(
          await rejectionOf(
            insert([
              newRow({
                start: new Date(occupiedStart - (shortest - 1) * 60_000),
                durationMinutes: shortest,
              }),
            ]),
          ),
        ).toBeInstanceOf(ConflictError);
      });

      check('with onConflict skip leaves out and reports conflicting rows, even within the same call', async () => {
        const [existing] = await insertedOf([newRow({ start: at('2026-03-09T09:00:00Z') })]);
        const rows = [
          newRow({ start: at('2026-03-02T09:00:00Z') }),
          newRow({ start: at('2026-03-09T09:00:00Z') }),
          newRow({ start: at('2026-03-02T09:20:00Z') }),
          newRow({ start: at('2026-03-16T09:00:00Z') }),
        ];
        const result = await store.insertAppointments(rows, {
          onConflict: 'skip',
          seriesPattern: patternOf({ frequency: 'weekly', interval: 1 }),
        });
        if (result.kind !== 'inserted') throw new Error('expected an insert');
        expect(result.inserted.map((item) => item.id)).toEqual([rows[0]?.appointment.id, rows[3]?.appointment.id]);
        expect(result.skipped.map((item) => item.conflictingIds)).toEqual([[existing?.id], [rows[0]?.appointment.id]]);
        expect(result.inserted[0]?.recurrence).toEqual(patternOf({ frequency: 'weekly', interval: 1 }));
        expect(result.inserted[1]?.recurrence).toBeNull();
      });

      check('puts the series pattern and idempotency key on the first row actually inserted', async () => {
        await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        const rows = [newRow({ start: at('2026-03-02T09:00:00Z') }), newRow({ start: at('2026-03-09T09:00:00Z') })];
        const result = await store.insertAppointments(rows, {
          onConflict: 'skip',
          seriesPattern: patternOf({ rrule: 'FREQ=WEEKLY' }),
          idempotency: { key: 'key-1', fingerprint: 'f1', createdAt: at('2026-03-01T08:00:00Z') },
        });
        if (result.kind !== 'inserted') throw new Error('expected an insert');
        expect(result.inserted).toHaveLength(1);
        const stored = await store.getAppointment(rows[1]?.appointment.id ?? '');
        expect(stored?.recurrence).toEqual(patternOf({ rrule: 'FREQ=WEEKLY' }));
        expect(stored?.idempotencyKey).toBe('key-1');
      });

      check('replays an idempotency key instead of inserting again', async () => {
        const idempotency = { key: 'retry-me', fingerprint: 'abc', createdAt: at('2026-03-01T08:00:00Z') };
        const first = newRow({ start: at('2026-03-02T09:00:00Z'), seriesId: 'series-1', occurrenceIndex: 0 });
        const skippedRow = newRow({ start: at('2026-03-02T09:10:00Z'), seriesId: 'series-1', occurrenceIndex: 1 });
        await store.insertAppointments([first, skippedRow], { onConflict: 'skip', idempotency });
        const again = await store.insertAppointments([newRow({ start: at('2026-03-05T09:00:00Z') })], {
          onConflict: 'fail',
          idempotency,
        });
        expect(again).toEqual({
          kind: 'replay',
          record: {
            key: 'retry-me',
            fingerprint: 'abc',
            appointmentId: first.appointment.id,
            seriesId: 'series-1',
            skipped: [{ start: at('2026-03-02T09:10:00Z'), conflictingIds: [first.appointment.id] }],
          },
        });
        expect((await store.listAppointments({})).total).toBe(1);
        expect(await store.getIdempotencyRecord('retry-me')).toEqual(again.kind === 'replay' ? again.record : null);
        expect(await store.getIdempotencyRecord('never-used')).toBeNull();
      });

      check('never double-books under many concurrent inserts', async () => {
        const attempts = Array.from({ length: 40 }, (_, i) =>
          newRow({
            start: new Date(Date.parse('2026-03-02T09:00:00Z') + (i % 8) * 10 * 60_000),
            providerId: `provider-${i % 2}`,
          }),
        );
        const outcomes = await Promise.allSettled(attempts.map((row) => insert([row])));
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ConflictError);
        }
        const { items } = await store.listAppointments({});
        for (const a of items) {
          for (const b of items) {
            if (a.id !== b.id && a.providerId === b.providerId) {
              expect(a.end <= b.start || b.end <= a.start).toBe(true);
            }
          }
        }
        expect(items.length).toBe(outcomes.filter((outcome) => outcome.status === 'fulfilled').length);
      });
    });

    describe('applyChanges', () => {
      check('applies by compare-and-set, bumps the version and records the audit entry', async () => {
        const [created] = await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        const id = created?.id ?? '';
        const [updated] = await store.applyChanges([changeOf(id, 1, { notes: 'x' })]);
        expect(updated).toMatchObject({
          notes: 'x',
          version: 2,
          updatedBy: 'user-2',
          updatedAt: at('2026-03-01T09:00:00Z'),
        });
        expect(await store.getAppointment(id)).toEqual(updated);
        const trail = await store.auditTrail(id);
        expect(trail.map((entry) => entry.action)).toEqual(['created', 'updated']);
        expect(trail[1]?.changes).toEqual({ note: { before: null, after: 'x' } });
      });

      check('refuses a stale version with StaleVersionError and changes nothing', async () => {
        const [created] = await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        const id = created?.id ?? '';
        await store.applyChanges([changeOf(id, 1, { notes: 'first' })]);
        const error = await rejectionOf(store.applyChanges([changeOf(id, 1, { notes: 'second' })]));
        expect(error).toBeInstanceOf(StaleVersionError);
        expect(error).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
        expect((await store.getAppointment(id))?.notes).toBe('first');
        expect(await store.auditTrail(id)).toHaveLength(2);
      });

      check('answers NotFoundError for an unknown id', async () => {
        expect(await rejectionOf(store.applyChanges([changeOf(randomUUID(), 1, { notes: 'x' })]))).toBeInstanceOf(
          NotFoundError,
        );
      });

      check('refuses to move into another appointment and is all-or-nothing across changes', async () => {
        const [a, b] = await insertedOf([
          newRow({ start: at('2026-03-02T09:00:00Z') }),
          newRow({ start: at('2026-03-02T10:00:00Z') }),
        ]);
        const error = await rejectionOf(
          store.applyChanges([
            changeOf(a?.id ?? '', 1, { notes: 'moved' }),
            changeOf(b?.id ?? '', 1, { start: at('2026-03-02T09:15:00Z'), end: at('2026-03-02T09:45:00Z') }),
          ]),
        );
        expect(error).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).conflictingIds).toEqual([a?.id]);
        expect((await store.getAppointment(a?.id ?? ''))?.notes).toBeNull();
        expect(await store.auditTrail(a?.id ?? '')).toHaveLength(1);
      });

      check('lets an appointment move over its own old time', async () => {
        const [a] = await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        const [moved] = await store.applyChanges([
          changeOf(a?.id ?? '', 1, { start: at('2026-03-02T09:15:00Z'), end: at('2026-03-02T09:45:00Z') }),
        ]);
        expect(moved?.start).toEqual(at('2026-03-02T09:15:00Z'));
      });

      check('enforces the status workflow itself', async () => {
        const [a] = await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        const error = await rejectionOf(store.applyChanges([changeOf(a?.id ?? '', 1, { status: 'completed' })]));
        expect(error).toBeInstanceOf(InvalidTransitionError);
        expect(error).toMatchObject({ from: 'scheduled', to: 'completed' });
        expect((await store.getAppointment(a?.id ?? ''))?.status).toBe('scheduled');
      });

      check('re-checks conflicts when the buffers grow', async () => {
        const [a] = await insertedOf([
          newRow({ start: at('2026-03-02T09:00:00Z') }),
          newRow({ start: at('2026-03-02T09:30:00Z') }),
        ]);
        const error = await rejectionOf(store.applyChanges([changeOf(a?.id ?? '', 1, { bufferAfterMinutes: 5 })]));
        expect(error).toBeInstanceOf(ConflictError);
      });
    });

    describe('resources', () => {
      const ROOM_1 = 'room-1';
      const ROOM_2 = 'room-2';
      const DEVICE = 'device-1';
      const CLASS = 'class-1';
      const spec = (id: string, kind: string, capacity = 1, bufferAfterMinutes = 0): ResourceSpec => ({
        id,
        kind,
        capacity,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes,
      });
      const withResources = (row: NewAppointmentRow, ...requests: ResourceSpec[][]): NewAppointmentRow => ({
        ...row,
        resources: requests.map((candidates) => ({ candidates })),
      });
      const hour = (offset: number) =>
        at(new Date(Date.parse('2026-03-02T00:00:00Z') + offset * 3_600_000).toISOString());
      const rowAt = (start: number, hours: number, providerId = randomUUID()) =>
        newRow({ start: hour(start), durationMinutes: hours * 60, providerId });

      check('holds every resource asked for, or none: a refused one leaves nothing written', async () => {
        const [held] = await insertedOf([withResources(rowAt(9, 1), [spec(DEVICE, 'device')])]);
        expect(held?.resources).toEqual([DEVICE]);
        const both = withResources(rowAt(9, 1), [spec(ROOM_1, 'room')], [spec(DEVICE, 'device')]);
        const error = await rejectionOf(insert([both]));
        expect(error).toMatchObject({
          code: 'UNAVAILABLE',
          reasons: [{ code: 'RESOURCE_BUSY', resourceId: DEVICE, appointmentIds: [held?.id] }],
        });
        expect(await store.getAppointment(both.appointment.id)).toBeNull();
        // The room was not taken by the refused booking: another can have it.
        const [room] = await insertedOf([withResources(rowAt(9, 1), [spec(ROOM_1, 'room')])]);
        expect(room?.resources).toEqual([ROOM_1]);
      });

      check('picks the first candidate with room, in the order given, and never one twice', async () => {
        await insertedOf([withResources(rowAt(9, 1), [spec(ROOM_1, 'room')])]);
        const [picked] = await insertedOf([withResources(rowAt(9, 1), [spec(ROOM_1, 'room'), spec(ROOM_2, 'room')])]);
        expect(picked?.resources).toEqual([ROOM_2]);
        const twoRooms = withResources(
          rowAt(11, 1),
          [spec(ROOM_1, 'room'), spec(ROOM_2, 'room')],
          [spec(ROOM_1, 'room'), spec(ROOM_2, 'room')],
        );
        expect((await insertedOf([twoRooms]))[0]?.resources).toEqual([ROOM_1, ROOM_2]);
        const none = await rejectionOf(
          insert([withResources(rowAt(9, 1), [spec(ROOM_1, 'room'), spec(ROOM_2, 'room')])]),
        );
        expect(
          (none as { reasons: Array<{ code: string; resourceId: string }> }).reasons.map((reason) => reason.resourceId),
        ).toEqual([ROOM_1, ROOM_2]);
      });

      check('holds a resource for its own buffers too', async () => {
        const cleaned = spec(ROOM_1, 'room', 1, 15);
        await insertedOf([withResources(rowAt(9, 1), [cleaned])]);
        // 10:00–10:15 is the room being cleaned.
        const error = await rejectionOf(
          insert([withResources(newRow({ start: hour(10), providerId: randomUUID() }), [cleaned])]),
        );
        expect(error).toMatchObject({ reasons: [{ code: 'RESOURCE_BUSY', resourceId: ROOM_1 }] });
        expect(
          (await insertedOf([withResources(newRow({ start: hour(10.25), providerId: randomUUID() }), [cleaned])]))[0]
            ?.resources,
        ).toEqual([ROOM_1]);
      });

      check('holds at most its capacity at any instant, counted by the peak overlap, not by seats', async () => {
        const twoPlaces = spec(CLASS, 'class', 2);
        // B[0,2) then A[1,5); B is cancelled; C[6,8); D[4,7) fits: at most two overlap anywhere.
        const [b] = await insertedOf([withResources(rowAt(0, 2), [twoPlaces])]);
        await insertedOf([withResources(rowAt(1, 4), [twoPlaces])]);
        await cancel(b?.id ?? '');
        await insertedOf([withResources(rowAt(6, 2), [twoPlaces])]);
        expect((await insertedOf([withResources(rowAt(4, 3), [twoPlaces])]))[0]?.resources).toEqual([CLASS]);
        // Now [4,5) holds A and D, and [6,7) holds C and D: both full.
        for (const [start, hours] of [
          [4.5, 0.25],
          [6, 0.5],
          [3, 4],
        ] as const) {
          const error = await rejectionOf(insert([withResources(rowAt(start, hours), [twoPlaces])]));
          expect(error).toMatchObject({ reasons: [{ code: 'CAPACITY_FULL', resourceId: CLASS, capacity: 2 }] });
        }
        expect((await insertedOf([withResources(rowAt(5, 1), [twoPlaces])]))[0]?.resources).toEqual([CLASS]);
      });

      check('records a lower capacity only once the allocations fit it, never refusing a booking over it', async () => {
        await insertedOf([withResources(rowAt(9, 1), [spec(CLASS, 'class', 2)])]);
        await insertedOf([withResources(rowAt(9, 1), [spec(CLASS, 'class', 2)])]);
        // The directory now says one place: a booking at a free time still goes in, and one at a
        // full time is refused by the lower capacity.
        expect((await insertedOf([withResources(rowAt(13, 1), [spec(CLASS, 'class', 1)])]))[0]?.resources).toEqual([
          CLASS,
        ]);
        expect(await rejectionOf(insert([withResources(rowAt(13.5, 1), [spec(CLASS, 'class', 1)])]))).toMatchObject({
          reasons: [{ code: 'RESOURCE_BUSY', resourceId: CLASS }],
        });
      });

      check('moves and frees its allocations with the appointment', async () => {
        const [a] = await insertedOf([withResources(rowAt(9, 1), [spec(ROOM_1, 'room')])]);
        const [b] = await insertedOf([withResources(rowAt(11, 1), [spec(ROOM_1, 'room')])]);
        const moved = await rejectionOf(
          store.applyChanges([changeOf(a?.id ?? '', 1, { start: hour(11.5), end: hour(12.5) })]),
        );
        expect(moved).toMatchObject({
          reasons: [{ code: 'RESOURCE_BUSY', resourceId: ROOM_1, appointmentIds: [b?.id] }],
        });
        await cancel(b?.id ?? '');
        const [after] = await store.applyChanges([changeOf(a?.id ?? '', 1, { start: hour(11.5), end: hour(12.5) })]);
        expect(after?.resources).toEqual([ROOM_1]);
        // Its old time is free again.
        expect((await insertedOf([withResources(rowAt(9, 1), [spec(ROOM_1, 'room')])]))[0]?.resources).toEqual([
          ROOM_1,
        ]);
      });
    });

    describe('editSeries', () => {
      const seriesRows = (seriesId: string, starts: string[]) =>
        starts.map((start, index) => newRow({ start: at(start), seriesId, occurrenceIndex: index }));

      check(
        'applies the changes in order, then inserts the rows, in one transaction with their audit entries',
        async () => {
          const seriesId = randomUUID();
          const [first, second] = await insertedOf(
            seriesRows(seriesId, ['2026-03-02T09:00:00Z', '2026-03-09T09:00:00Z']),
          );
          const pattern = patternOf({ frequency: 'weekly', interval: 1, maxOccurrences: 3 });
          const [extra] = seriesRows(seriesId, ['2026-03-16T09:00:00Z']);
          const result = await store.editSeries({
            changes: [
              // The second moves into the first's old time once the first has moved away.
              changeOf(first?.id ?? '', 1, { start: at('2026-03-03T09:00:00Z'), end: at('2026-03-03T09:30:00Z') }),
              changeOf(second?.id ?? '', 1, { start: at('2026-03-02T09:00:00Z'), end: at('2026-03-02T09:30:00Z') }),
              changeOf(first?.id ?? '', 2, { recurrence: pattern }),
            ],
            rows: [
              {
                ...(extra as NewAppointmentRow),
                appointment: { ...(extra as NewAppointmentRow).appointment, occurrenceIndex: 2 },
              },
            ],
          });
          expect(result.changed.map((item) => [item.id, item.version])).toEqual([
            [first?.id, 2],
            [second?.id, 2],
            [first?.id, 3],
          ]);
          expect(result.inserted).toHaveLength(1);
          expect(result.inserted[0]?.confirmationCode).toMatch(/^APT-\d{4}-\d{4,}$/);
          const carrier = await store.getAppointment(first?.id ?? '');
          expect(carrier?.recurrence).toEqual(pattern);
          expect(carrier?.start).toEqual(at('2026-03-03T09:00:00Z'));
          expect((await store.auditTrail(first?.id ?? '')).map((entry) => entry.version)).toEqual([1, 2, 3]);
          expect((await store.listAppointments({ seriesId })).total).toBe(3);
        },
      );

      check('rolls everything back when a change or a row is refused', async () => {
        const seriesId = randomUUID();
        const [first] = await insertedOf(seriesRows(seriesId, ['2026-03-02T09:00:00Z']));
        const [blocker] = await insertedOf([newRow({ start: at('2026-03-23T09:00:00Z') })]);
        const [clashing] = seriesRows(seriesId, ['2026-03-23T09:10:00Z']);
        const error = await rejectionOf(
          store.editSeries({
            changes: [
              changeOf(first?.id ?? '', 1, { start: at('2026-03-03T09:00:00Z'), end: at('2026-03-03T09:30:00Z') }),
            ],
            rows: [clashing as NewAppointmentRow],
          }),
        );
        expect(error).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).conflictingIds).toEqual([blocker?.id]);
        expect((await store.getAppointment(first?.id ?? ''))?.start).toEqual(at('2026-03-02T09:00:00Z'));
        expect(await store.auditTrail(first?.id ?? '')).toHaveLength(1);
        expect((await store.listAppointments({ seriesId })).total).toBe(1);

        const stale = await rejectionOf(
          store.editSeries({ changes: [changeOf(first?.id ?? '', 7, { notes: 'x' })], rows: [] }),
        );
        expect(stale).toBeInstanceOf(StaleVersionError);
      });
    });

    describe('claimReminder', () => {
      check('gives the claim to exactly one of many racing callers', async () => {
        const [a] = await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        const claims = await Promise.all(
          Array.from({ length: 12 }, () =>
            store.claimReminder(a?.id ?? '', 'sms', reminderClaim('sms', '2026-03-01T10:00:00Z', 'system')),
          ),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
        const stored = await store.getAppointment(a?.id ?? '');
        expect(stored?.reminders).toEqual({ email: null, sms: at('2026-03-01T10:00:00Z'), whatsapp: null });
        expect(stored?.version).toBe(2);
        expect((await store.auditTrail(a?.id ?? '')).map((entry) => entry.action)).toEqual([
          'created',
          'reminder_sent',
        ]);
        expect(
          await store.claimReminder(a?.id ?? '', 'email', reminderClaim('email', '2026-03-01T10:00:00Z', 'worker')),
        ).toBe(true);
      });

      check('claims nothing for a cancelled or unknown appointment', async () => {
        const [a] = await insertedOf([newRow({ start: at('2026-03-02T09:00:00Z') })]);
        await cancel(a?.id ?? '');
        expect(
          await store.claimReminder(a?.id ?? '', 'sms', reminderClaim('sms', '2026-03-01T10:00:00Z', 'system')),
        ).toBe(false);
        expect(
          await store.claimReminder(randomUUID(), 'sms', reminderClaim('sms', '2026-03-01T10:00:00Z', 'system')),
        ).toBe(false);
      });
    });

    describe('queries', () => {
      async function seed() {
        const rows = [
          newRow({ start: at('2026-03-02T09:00:00Z'), providerId: 'p1', patientId: 'pat-1', type: 'follow_up' }),
          newRow({ start: at('2026-03-02T10:00:00Z'), providerId: 'p1', patientId: 'pat-2', type: 'urgent' }),
          newRow({ start: at('2026-03-03T09:00:00Z'), providerId: 'p2', patientId: 'pat-1', type: 'follow_up' }),
          newRow({
            start: at('2026-03-04T09:00:00Z'),
            providerId: 'p1',
            patientId: 'pat-1',
            type: 'follow_up',
            seriesId: 's1',
          }),
          newRow({
            start: at('2026-03-05T09:00:00Z'),
            providerId: 'p1',
            patientId: 'pat-3',
            type: 'acupuncture',
            seriesId: 's1',
          }),
        ];
        const inserted = await insertedOf(rows);
        await cancel(inserted[1]?.id ?? '');
        return inserted.map((item) => item.id);
      }

      check('lists by filters, sorted by start, with paging and the total', async () => {
        const ids = await seed();
        expect((await store.listAppointments({ patientId: 'pat-1' })).items.map((item) => item.id)).toEqual([
          ids[0],
          ids[2],
          ids[3],
        ]);
        expect((await store.listAppointments({ providerId: 'p1', statuses: ['scheduled'] })).total).toBe(3);
        expect(
          (await store.listAppointments({ statuses: ['cancelled', 'no_show'] })).items.map((item) => item.id),
        ).toEqual([ids[1]]);
        expect((await store.listAppointments({ type: 'acupuncture' })).items.map((item) => item.id)).toEqual([ids[4]]);
        expect((await store.listAppointments({ seriesId: 's1' })).items.map((item) => item.id)).toEqual([
          ids[3],
          ids[4],
        ]);
        const window = await store.listAppointments({
          from: at('2026-03-02T10:00:00Z'),
          to: at('2026-03-04T09:00:00Z'),
        });
        expect(window.items.map((item) => item.id)).toEqual([ids[1], ids[2]]);
        const page = await store.listAppointments({}, { limit: 2, offset: 1, order: 'desc' });
        expect(page).toEqual({ items: expect.any(Array), total: 5 });
        expect(page.items.map((item) => item.id)).toEqual([ids[3], ids[2]]);
        expect((await store.listAppointments({}, { limit: 10, offset: 10, order: 'asc' })).items).toEqual([]);
      });

      check('finds occupying appointments that meet a range, excluding touching ones', async () => {
        const ids = await seed();
        const found = await store.findOccupying('p1', at('2026-03-02T09:30:00Z'), at('2026-03-04T09:00:00Z'));
        expect(found.map((item) => item.id)).toEqual([]);
        const meeting = await store.findOccupying('p1', at('2026-03-02T09:29:00Z'), at('2026-03-04T09:01:00Z'));
        expect(meeting.map((item) => item.id)).toEqual([ids[0], ids[3]]);
        expect(
          (await store.findOccupying('p1', at('2026-03-02T00:00:00Z'), at('2026-03-06T00:00:00Z'))).map((i) => i.id),
        ).toEqual([ids[0], ids[3], ids[4]]);
      });

      check('aggregates statistics', async () => {
        await seed();
        const windows = {
          now: at('2026-03-02T08:00:00Z'),
          endOfToday: at('2026-03-03T00:00:00Z'),
          endOfWeek: at('2026-03-09T08:00:00Z'),
        };
        expect(await store.statistics({}, windows)).toEqual({
          total: 5,
          byStatus: { scheduled: 4, cancelled: 1 },
          byType: { follow_up: 3, urgent: 1, acupuncture: 1 },
          upcomingToday: 1,
          upcomingWeek: 4,
        });
        expect(await store.statistics({ providerId: 'p1', from: at('2026-03-03T00:00:00Z') }, windows)).toEqual({
          total: 2,
          byStatus: { scheduled: 2 },
          byType: { follow_up: 1, acupuncture: 1 },
          upcomingToday: 1,
          upcomingWeek: 3,
        });
        expect(await store.statistics({ providerId: 'nobody' }, windows)).toEqual({
          total: 0,
          byStatus: {},
          byType: {},
          upcomingToday: 0,
          upcomingWeek: 0,
        });
      });

      check('lists due reminders: upcoming, in the window, unclaimed on that channel', async () => {
        const ids = await seed();
        const due = await store.dueReminders('email', at('2026-03-02T00:00:00Z'), at('2026-03-04T09:00:00Z'), 10);
        expect(due.map((item) => item.id)).toEqual([ids[0], ids[2]]);
        await store.claimReminder(ids[0] ?? '', 'email', reminderClaim('email', '2026-03-01T10:00:00Z', 'system'));
        expect(
          (await store.dueReminders('email', at('2026-03-02T00:00:00Z'), at('2026-03-04T09:00:00Z'), 10)).map(
            (i) => i.id,
          ),
        ).toEqual([ids[2]]);
        expect(
          (await store.dueReminders('sms', at('2026-03-02T00:00:00Z'), at('2026-03-04T09:00:00Z'), 1)).map((i) => i.id),
        ).toEqual([ids[0]]);
      });

      check('appends read entries to the audit trail, oldest first', async () => {
        const [id] = await seed();
        await store.appendAudit([
          {
            id: randomUUID(),
            appointmentId: id ?? '',
            action: 'viewed',
            actorId: 'auditor',
            at: at('2026-03-01T12:00:00Z'),
            version: 1,
            changes: {},
          },
        ]);
        expect((await store.auditTrail(id ?? '')).map((entry) => [entry.action, entry.actorId])).toEqual([
          ['created', 'user-1'],
          ['viewed', 'auditor'],
        ]);
      });
    });

    describe('errors', () => {
      check('never lets a driver error escape raw', async () => {
        const row = newRow({ start: at('2026-03-02T09:00:00Z') });
        await insertedOf([row]);
        // The same id again breaks the primary key: a driver error the store must wrap.
        const error = await rejectionOf(
          insert([
            {
              ...row,
              appointment: { ...row.appointment, start: at('2026-04-02T09:00:00Z'), end: at('2026-04-02T09:30:00Z') },
            },
          ]),
        );
        expect(error).toBeInstanceOf(SchedulingError);
        expect((error as SchedulingError).code).toBe('INTERNAL_ERROR');
        expect((error as SchedulingError).cause).toBeDefined();
      });
    });
  });
}
