import { DateTime } from 'luxon';

/** Deterministic pseudo-random numbers, so every run measures the same inputs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** March 2026 in London: 22 working days, the clocks change on the 29th. */
export const SLOT_MONTH = {
  timeZone: 'Europe/London',
  from: '2026-03-01',
  to: '2026-03-31',
  weeklyHours: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [
      day,
      [
        { start: '08:00', end: '12:00' },
        { start: '13:00', end: '18:00' },
      ],
    ]),
  ),
  durationMinutes: 30,
  stepMinutes: 30,
} as const;

/** The month's working intervals as instants, computed with luxon (the plain way). */
export function workingIntervals(): Array<readonly [number, number]> {
  const intervals: Array<readonly [number, number]> = [];
  for (let day = 1; day <= 31; day++) {
    const date = DateTime.fromObject({ year: 2026, month: 3, day }, { zone: SLOT_MONTH.timeZone });
    if (date.weekday > 5) continue;
    for (const [from, to] of [
      [8, 12],
      [13, 18],
    ] as const) {
      intervals.push([date.set({ hour: from }).toMillis(), date.set({ hour: to }).toMillis()]);
    }
  }
  return intervals;
}

/** 300 existing 30-minute bookings on working-hour half hours of March 2026 (London). */
export function slotMonthBookings(): Array<{ start: Date; end: Date }> {
  const random = seededRandom(42);
  const candidates: Array<{ start: Date; end: Date }> = [];
  for (const [from, to] of workingIntervals()) {
    for (let start = from; start < to; start += 30 * 60_000) {
      candidates.push({ start: new Date(start), end: new Date(start + 30 * 60_000) });
    }
  }
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [candidates[i], candidates[j]] = [
      candidates[j] as (typeof candidates)[number],
      candidates[i] as (typeof candidates)[number],
    ];
  }
  return candidates.slice(0, 300);
}

/**
 * `count` random ranges of 15–120 minutes at one density, 10 000 a year (a busy clinic), so
 * the number of overlapping pairs grows with the count, not with its square.
 */
export function randomRanges(count: number, seed: number): Array<{ start: Date; end: Date }> {
  const random = seededRandom(seed);
  const base = Date.parse('2026-01-01T00:00:00Z');
  const minutes = (count / 10_000) * 365 * 24 * 60;
  return Array.from({ length: count }, () => {
    const start = base + Math.floor(random() * minutes) * 60_000;
    return { start: new Date(start), end: new Date(start + (15 + Math.floor(random() * 106)) * 60_000) };
  });
}
