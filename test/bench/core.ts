import { DateTime } from 'luxon';
import rruleModule from 'rrule';
import { getSlots } from 'slot-calculator';
import { expandRecurrence, findOverlaps, generateSlots, type TimeRange } from '../../src/index.js';
import { floorRow, medianTimes, type Result, timeRow } from './measure.js';
import { randomRanges, SLOT_MONTH, slotMonthBookings, workingIntervals } from './workloads.js';

const { RRule } = rruleModule;

const SLOT_MS = 30 * 60_000;

/** A generator with no cleverness: every slot of every day against every booking. */
function naiveSlots(bookings: readonly TimeRange[]): number {
  let available = 0;
  for (const [from, to] of workingIntervals()) {
    for (let start = from; start + SLOT_MS <= to; start += SLOT_MS) {
      const free = bookings.every(
        (booking) => booking.end.getTime() <= start || booking.start.getTime() >= start + SLOT_MS,
      );
      if (free) available++;
    }
  }
  return available;
}

/** The floor: the working intervals as instants, one sort of the bookings, one sweep. */
function floorSlots(bookings: readonly TimeRange[]): number {
  const busy = bookings
    .map((booking) => [booking.start.getTime(), booking.end.getTime()] as const)
    .sort((a, b) => a[0] - b[0]);
  let available = 0;
  let next = 0;
  for (const [from, to] of workingIntervals()) {
    for (let start = from; start + SLOT_MS <= to; start += SLOT_MS) {
      while (next < busy.length && (busy[next] as readonly [number, number])[1] <= start) next++;
      if (next >= busy.length || (busy[next] as readonly [number, number])[0] >= start + SLOT_MS) available++;
    }
  }
  return available;
}

/** Every pair compared, on plain numbers (the fastest all-pairs can be). */
function allPairs(ranges: readonly TimeRange[]): number {
  const starts = Float64Array.from(ranges, (range) => range.start.getTime());
  const ends = Float64Array.from(ranges, (range) => range.end.getTime());
  let pairs = 0;
  for (let i = 0; i < ranges.length; i++) {
    const start = starts[i] as number;
    const end = ends[i] as number;
    for (let j = i + 1; j < ranges.length; j++) {
      if (start < (ends[j] as number) && (starts[j] as number) < end) pairs++;
    }
  }
  return pairs;
}

export async function coreBenchmarks(): Promise<Result[]> {
  const results: Result[] = [];

  // 1. A provider's month of slots.
  const bookings = slotMonthBookings();
  const ours = () => generateSlots({ ...SLOT_MONTH, busy: bookings }).length;
  const availability = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'].flatMap((day) => [
    { day, from: '08:00', to: '12:00', timezone: SLOT_MONTH.timeZone },
    { day, from: '13:00', to: '18:00', timezone: SLOT_MONTH.timeZone },
  ]);
  const unavailability = bookings.map((booking) => ({
    from: booking.start.toISOString(),
    to: booking.end.toISOString(),
  }));
  const slotCalculator = () =>
    getSlots({
      from: '2026-03-01T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
      availability: availability as Parameters<typeof getSlots>[0]['availability'],
      unavailability,
      duration: 30,
      outputTimezone: SLOT_MONTH.timeZone,
    }).availableSlots.length;
  const counts = {
    ours: ours(),
    slotCalculator: slotCalculator(),
    naive: naiveSlots(bookings),
    floor: floorSlots(bookings),
  };
  if (new Set(Object.values(counts)).size !== 1)
    throw new Error(`The slot generators disagree: ${JSON.stringify(counts)}`);
  const slots = await medianTimes({
    ours,
    slotCalculator,
    naive: () => naiveSlots(bookings),
    floor: () => floorSlots(bookings),
  });
  const month = `slots, March 2026 London, 300 bookings (${counts.ours} free)`;
  results.push(
    timeRow(
      month,
      slots.ours as number,
      `slot-calculator ${(slots.slotCalculator as number).toFixed(1)} ms`,
      slots.slotCalculator as number,
      '≥ 100×',
      100,
    ),
  );
  results.push(
    timeRow(
      month,
      slots.ours as number,
      `naive all-pairs generator ${(slots.naive as number).toFixed(2)} ms`,
      slots.naive as number,
      '',
      null,
    ),
  );
  results.push(
    floorRow(
      month,
      slots.ours as number,
      `bare sorted sweep ${(slots.floor as number).toFixed(3)} ms`,
      slots.floor as number,
      2,
    ),
  );

  // 2. findOverlaps.
  for (const size of [10_000, 100_000]) {
    const ranges = randomRanges(size, size);
    const expected = findOverlaps(ranges).length;
    if (size === 10_000 && allPairs(ranges) !== expected) throw new Error('findOverlaps disagrees with all-pairs');
    const tasks: Record<string, () => unknown> = {
      ours: () => findOverlaps(ranges),
      sort: () => [...ranges].sort((a, b) => a.start.getTime() - b.start.getTime()),
    };
    if (size === 10_000) tasks.allPairs = () => allPairs(ranges);
    const times = await medianTimes(tasks, size === 10_000 ? 2000 : 3000);
    const label = `findOverlaps, ${size.toLocaleString('en-US')} random ranges (${expected} pairs)`;
    if (times.allPairs !== undefined) {
      results.push(
        timeRow(
          label,
          times.ours as number,
          `all pairs ${(times.allPairs as number).toFixed(1)} ms`,
          times.allPairs,
          '≥ 100×',
          100,
        ),
      );
    }
    results.push(
      floorRow(
        label,
        times.ours as number,
        `sorting them ${(times.sort as number).toFixed(2)} ms`,
        times.sort as number,
        3,
      ),
    );
  }

  // 3. Recurrence across DST.
  const start = DateTime.fromISO('2026-01-05T09:00', { zone: 'America/New_York' });
  const floatingStart = new Date(Date.UTC(2026, 0, 5, 9, 0));
  const series = () =>
    expandRecurrence({
      start: start.toJSDate(),
      timeZone: 'America/New_York',
      recurrence: { frequency: 'weekly', maxOccurrences: 100 },
    });
  const raw = () => new RRule({ freq: RRule.WEEKLY, interval: 1, count: 100, dtstart: floatingStart }).all();
  if (series().length !== 100 || raw().length !== 100)
    throw new Error('the recurrence workloads do not give 100 occurrences');
  const recurrence = await medianTimes({ ours: series, rrule: raw });
  results.push(
    floorRow(
      'expandRecurrence, 100 weekly, New York across DST',
      recurrence.ours as number,
      `rrule all() ${(recurrence.rrule as number).toFixed(3)} ms`,
      recurrence.rrule as number,
      1.5,
    ),
  );
  return results;
}
