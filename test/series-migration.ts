import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { seriesToIcal } from '../src/ical/index.js';
import {
  type AppointmentStore,
  createScheduler,
  type SeriesPattern,
  type StoredRecurrence,
  seriesInstances,
} from '../src/index.js';
import { ANY_HOUR_DIRECTORY, at, newRow, untyped } from './fixtures.js';

/** A series as a store wrote it before segments: the bare rule on its carrier, the first row inserted. */
async function legacySeries(store: AppointmentStore, starts: Array<string | null>, rule: StoredRecurrence) {
  const seriesId = randomUUID();
  const rows = starts.flatMap((start, index) => {
    if (start === null) return [];
    const row = newRow({ start: at(start), seriesId, occurrenceIndex: index, timeZone: 'UTC' });
    // The created entry records the fields as booked, as the Scheduler's does.
    return [{ ...row, audit: { ...row.audit, changes: { start: { before: null, after: at(start) } } } }];
  });
  const result = await store.insertAppointments(rows, {
    onConflict: 'fail',
    seriesPattern: untyped<SeriesPattern>(rule),
  });
  expect(result.kind).toBe('inserted');
  return { seriesId, ids: rows.map((row) => row.appointment.id) };
}

const iso = (dates: ReadonlyArray<{ start: Date }>) => dates.map((item) => item.start.toISOString());

/**
 * Writes series the way a store did before segments into a store migrated up to 0002, migrates
 * it to the latest, and checks each reads as one segment that says what was booked: anchored at
 * the carrier's start as booked (not as rescheduled since), from the carrier's index (when the
 * first occurrence was never booked), bounded to the occurrences stored. Then it can be moved
 * and exported.
 */
export async function expectLegacySeriesUpgraded(store: AppointmentStore): Promise<void> {
  const weekly = await legacySeries(store, ['2030-03-04T09:00:00Z', '2030-03-11T09:00:00Z', '2030-03-18T09:00:00Z'], {
    frequency: 'weekly',
    interval: 1,
    maxOccurrences: 3,
  });
  // Its carrier was rescheduled before the upgrade (with its audit entry, as the Scheduler does).
  await store.applyChanges([
    {
      id: weekly.ids[0] as string,
      expectedVersion: 1,
      set: { start: at('2030-03-06T14:00:00Z'), end: at('2030-03-06T14:30:00Z') },
      audit: {
        id: randomUUID(),
        appointmentId: weekly.ids[0] as string,
        action: 'rescheduled',
        actorId: 'u',
        at: at('2030-03-01T08:00:00Z'),
        version: 2,
        changes: {},
      },
    },
  ]);
  // The first occurrence was taken when it was booked: the carrier is the second.
  const skippedFirst = await legacySeries(
    store,
    [null, '2030-04-08T09:00:00Z', '2030-04-15T09:00:00Z', '2030-04-22T09:00:00Z'],
    { rrule: 'FREQ=WEEKLY;COUNT=4' },
  );
  const unbounded = await legacySeries(
    store,
    ['2030-05-01T09:00:00Z', '2030-05-03T09:00:00Z', '2030-05-05T09:00:00Z'],
    {
      rrule: 'FREQ=DAILY;INTERVAL=2',
    },
  );

  await store.migrate();
  const scheduler = createScheduler({
    store,
    directory: ANY_HOUR_DIRECTORY,
    clock: () => new Date('2030-03-01T00:00:00Z'),
  });

  const first = await scheduler.getSeries(weekly.seriesId);
  expect(first.segments).toEqual([
    {
      fromIndex: 0,
      start: '2030-03-04T09:00:00.000Z',
      rule: { frequency: 'weekly', interval: 1, maxOccurrences: 3 },
      durationMinutes: 30,
      type: 'follow_up',
    },
  ]);
  expect(iso(seriesInstances(first))).toEqual([
    '2030-03-04T09:00:00.000Z',
    '2030-03-11T09:00:00.000Z',
    '2030-03-18T09:00:00.000Z',
  ]);

  const second = await scheduler.getSeries(skippedFirst.seriesId);
  expect(second.segments).toEqual([
    {
      fromIndex: 1,
      start: '2030-04-08T09:00:00.000Z',
      rule: { rrule: 'FREQ=WEEKLY;COUNT=3' },
      durationMinutes: 30,
      type: 'follow_up',
    },
  ]);
  expect(seriesInstances(second).map((instance) => [instance.index, instance.start.toISOString()])).toEqual(
    second.occurrences.map((item) => [item.occurrenceIndex, item.start.toISOString()]),
  );
  expect(seriesToIcal(second)).toContain('RRULE:FREQ=WEEKLY;COUNT=3');

  const third = await scheduler.getSeries(unbounded.seriesId);
  expect(third.segments[0]?.rule).toEqual({ rrule: 'FREQ=DAILY;COUNT=3;INTERVAL=2' });
  expect(iso(seriesInstances(third))).toEqual(iso(third.occurrences));

  // The upgraded series move like any other: only the duration changes, nothing else moves.
  const moved = await scheduler.moveSeries(weekly.seriesId, { durationMinutes: 45 }, { id: 'u' });
  expect(iso(moved.moved)).toEqual([
    '2030-03-06T14:00:00.000Z',
    '2030-03-11T09:00:00.000Z',
    '2030-03-18T09:00:00.000Z',
  ]);
  expect(moved.moved.map((item) => item.durationMinutes)).toEqual([45, 45, 45]);
  await store.close();
}
