import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { seriesToIcal } from '../src/ical/index.js';
import {
  type Appointment,
  type AppointmentStore,
  createScheduler,
  type NewAuditEntry,
  type SeriesPattern,
  type StoredRecurrence,
  seriesInstances,
} from '../src/index.js';
import { ANY_HOUR_DIRECTORY, at, newRow, untyped } from './fixtures.js';

/**
 * Writes rows as the 0.1 schema (migration 0002) holds them, by hand: today's store writes
 * columns that schema does not have yet.
 */
export interface LegacyWriter {
  /** Inserts the appointment (its confirmation code given) and its `created` audit entry. */
  insert(appointment: Appointment, audit: NewAuditEntry): Promise<void>;
  /** Moves an appointment as a reschedule did, leaving the audit trail as it was. */
  move(id: string, start: Date, end: Date): Promise<void>;
}

let legacyCodes = 0;

/** A series as a store wrote it before segments: the bare rule on its carrier, the first row inserted. */
async function legacySeries(writer: LegacyWriter, starts: Array<string | null>, rule: StoredRecurrence) {
  const seriesId = randomUUID();
  const ids: string[] = [];
  for (const [index, start] of starts.entries()) {
    if (start === null) continue;
    const row = newRow({ start: at(start), seriesId, occurrenceIndex: index, timeZone: 'UTC' });
    const appointment: Appointment = {
      ...row.appointment,
      confirmationCode: `APT-2030-9${String(++legacyCodes).padStart(3, '0')}`,
      recurrence: ids.length === 0 ? untyped<SeriesPattern>(rule) : null,
    };
    // The created entry records the fields as booked, as the Scheduler's does.
    await writer.insert(appointment, { ...row.audit, changes: { start: { before: null, after: at(start) } } });
    ids.push(appointment.id);
  }
  return { seriesId, ids };
}

const iso = (dates: ReadonlyArray<{ start: Date }>) => dates.map((item) => item.start.toISOString());

/**
 * Writes series the way a store did before segments into a store migrated up to 0002, migrates
 * it to the latest, and checks each reads as one segment that says what was booked: anchored at
 * the carrier's start as booked (not as rescheduled since), from the carrier's index (when the
 * first occurrence was never booked), bounded to the occurrences stored. Then it can be moved
 * and exported.
 */
export async function expectLegacySeriesUpgraded(store: AppointmentStore, writer: LegacyWriter): Promise<void> {
  const weekly = await legacySeries(writer, ['2030-03-04T09:00:00Z', '2030-03-11T09:00:00Z', '2030-03-18T09:00:00Z'], {
    frequency: 'weekly',
    interval: 1,
    maxOccurrences: 3,
  });
  // Its carrier was rescheduled before the upgrade.
  await writer.move(weekly.ids[0] as string, at('2030-03-06T14:00:00Z'), at('2030-03-06T14:30:00Z'));
  // The first occurrence was taken when it was booked: the carrier is the second.
  const skippedFirst = await legacySeries(
    writer,
    [null, '2030-04-08T09:00:00Z', '2030-04-15T09:00:00Z', '2030-04-22T09:00:00Z'],
    { rrule: 'FREQ=WEEKLY;COUNT=4' },
  );
  const unbounded = await legacySeries(
    writer,
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
