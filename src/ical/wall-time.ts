/**
 * When a `TZID` wall time is safe to write: when every reader maps it back to the same instant.
 * Readers disagree about wall times that do not exist (a spring-forward gap) or exist twice (a
 * fall-back overlap) — ical.js, for one, reads both against RFC 5545 §3.3.5 — and a reader that
 * honours the VTIMEZONE uses its offsets rather than its own database. So a wall time is written
 * only when it names exactly one instant under the runtime's zone database and under the VTIMEZONE,
 * and that instant is the one meant.
 */
import type { IANAZone } from 'luxon';
import { floatingToInstant, ianaZone, instantToFloating } from '../local-time.js';
import { zoneDefinition } from './vtimezone.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * A zone's wall clock for one event or segment: wall times and the checks below, each wall time
 * computed once (asking the zone database costs microseconds, and a segment's instances, their
 * ends and its occurrences' times are mostly the same few hundred instants).
 */
export interface WallClock {
  readonly zone: string;
  /** The wall time (floating ms) of an instant, by the runtime's zone database. */
  wallTime(epochMs: number): number;
  /**
   * True if the wall time of `epochMs`, written with `TZID`, can only be read back as
   * `epochMs`: it occurs once under the zone database and once under the zone's VTIMEZONE.
   */
  isFaithful(epochMs: number): boolean;
  /**
   * True if the wall clock runs evenly from `start` to `end` (no offset change between): a
   * reader then gets the same end whether it adds the duration to the wall time or the instant.
   */
  keepsDuration(start: number, end: number): boolean;
}

/** The {@link WallClock} of `zone`. */
export function wallClock(zone: string): WallClock {
  const iana = ianaZone(zone);
  const definition = zoneDefinition(zone);
  const wallTimes = new Map<number, number>();
  const wallTime = (epochMs: number): number => {
    let floating = wallTimes.get(epochMs);
    if (floating === undefined) {
      floating = instantToFloating(iana, epochMs);
      wallTimes.set(epochMs, floating);
    }
    return floating;
  };
  return {
    zone,
    wallTime,
    isFaithful: (epochMs) =>
      definition !== null &&
      namesOnlyInDatabase(iana, wallTime(epochMs), epochMs) &&
      namesOnly(instantsOfWallTime(wallTime(epochMs), definition.offsetsMs, definition.offsetAt), epochMs),
    keepsDuration: (start, end) => wallTime(end) - wallTime(start) === end - start,
  };
}

/** True if `floating` is the wall time of `epochMs` alone, by the runtime's zone database. */
function namesOnlyInDatabase(iana: IANAZone, floating: number, epochMs: number): boolean {
  // The common case, cheaply: floatingToInstant reads cached offsets, and the same offset a
  // day before and a day after means no change near the wall time, so no second instant (a
  // zone changes its offset at most once in three days, see local-time.ts).
  if (floatingToInstant(iana, floating) !== epochMs) return false;
  if (
    floatingToInstant(iana, floating - DAY_MS) + DAY_MS === epochMs &&
    floatingToInstant(iana, floating + DAY_MS) - DAY_MS === epochMs
  ) {
    return true;
  }
  // Near a change: a wall time lies within a day of its instants, so the offsets a day either
  // side are all it can have; count the instants each gives.
  const offsetAt = (instant: number) => iana.offset(instant) * MINUTE_MS;
  const offsets = [floating - DAY_MS, floating, floating + DAY_MS].map(offsetAt);
  return namesOnly(instantsOfWallTime(floating, offsets, offsetAt), epochMs);
}

/** The instants whose wall time is `floating` under `offsetAt`: none in a gap, two in an overlap. */
function instantsOfWallTime(
  floating: number,
  candidateOffsets: readonly number[],
  offsetAt: (epochMs: number) => number,
): number[] {
  const instants = new Set<number>();
  for (const offset of candidateOffsets) {
    const instant = floating - offset;
    if (offsetAt(instant) === offset) instants.add(instant);
  }
  return [...instants];
}

function namesOnly(instants: readonly number[], epochMs: number): boolean {
  return instants.length === 1 && instants[0] === epochMs;
}
