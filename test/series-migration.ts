import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { type AppointmentStore, createScheduler, type SeriesPattern, seriesInstances } from '../src/index.js';
import { ANY_HOUR_DIRECTORY, at, newRow, untyped } from './fixtures.js';

/**
 * Writes a series the way a store did before segments (the bare rule on its carrier) into a
 * store migrated up to 0002, migrates it to the latest, and checks the series reads as one
 * segment anchored at its first occurrence, and can be moved.
 */
export async function expectLegacySeriesUpgraded(store: AppointmentStore): Promise<void> {
  const seriesId = randomUUID();
  const rows = ['2030-03-04T09:00:00Z', '2030-03-11T09:00:00Z', '2030-03-18T09:00:00Z'].map((start, index) =>
    newRow({ start: at(start), seriesId, occurrenceIndex: index, timeZone: 'UTC' }),
  );
  const rule = { frequency: 'weekly', interval: 1, maxOccurrences: 3 } as const;
  const result = await store.insertAppointments(rows, {
    onConflict: 'fail',
    seriesPattern: untyped<SeriesPattern>(rule),
  });
  expect(result.kind).toBe('inserted');
  await store.migrate();
  const scheduler = createScheduler({
    store,
    directory: ANY_HOUR_DIRECTORY,
    clock: () => new Date('2030-03-01T00:00:00Z'),
  });
  const series = await scheduler.getSeries(seriesId);
  expect(series.segments).toEqual([
    { fromIndex: 0, start: '2030-03-04T09:00:00.000Z', rule, durationMinutes: 30, type: 'follow_up' },
  ]);
  expect(seriesInstances(series).map((instance) => instance.start)).toEqual(
    series.occurrences.map((item) => item.start),
  );
  const moved = await scheduler.moveSeries(seriesId, { time: '10:30' }, { id: 'u' });
  expect(moved.moved.map((item) => item.start.toISOString())).toEqual([
    '2030-03-04T10:30:00.000Z',
    '2030-03-11T10:30:00.000Z',
    '2030-03-18T10:30:00.000Z',
  ]);
  await store.close();
}
