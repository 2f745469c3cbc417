/**
 * What each VEVENT says, decided before anything is written: the export's one place for the
 * UID, SEQUENCE, STATUS and time rules. {@link renderCalendar} only writes these plans out.
 */
import type { Appointment } from '../appointment.js';
import type { ParsedRecurrenceRule } from '../rrule-grammar.js';
import type { SeriesInstance } from '../series.js';
import type { EventText, ExportContext } from './options.js';
import { followsRuleInWallTime, instantLines, ruleLines } from './rule.js';
import type { CheckedSegment, CheckedSeries } from './series-input.js';
import { ICAL_STATUS, type IcalEventStatus } from './status.js';
import { summaryFromType } from './text.js';
import { appointmentUid, segmentUid } from './uid.js';
import { fail, MAX_SEQUENCE } from './validate.js';
import { type WallClock, wallClock } from './wall-time.js';

/** One VEVENT. Times are epoch ms; `zone` null means they are written in UTC. */
export interface EventPlan {
  readonly uid: string;
  readonly sequence: number;
  readonly stamp: Date;
  readonly zone: string | null;
  readonly start: number;
  readonly end: number;
  readonly text: EventText;
  readonly status: IcalEventStatus;
  /** RRULE, RDATE and EXDATE lines, already in the event's zone; empty for a single event. */
  readonly recurrenceLines: readonly string[];
  /** The instance an override replaces, or null. */
  readonly recurrenceId: number | null;
}

/** The VEVENTs of one series segment. */
export interface SegmentPlan {
  /** False when every instance is cancelled or has no occurrence. */
  readonly active: boolean;
  /** The recurring event: DTSTART is the segment's first instance. */
  readonly master: EventPlan;
  /** The occurrences that differ from what the master says of their instance. */
  readonly overrides: readonly EventPlan[];
  /** The event for one occurrence of this segment on its own (an iTIP message about it). */
  readonly occurrenceEvent: (occurrence: Appointment) => EventPlan;
}

/** The VEVENTs of a series. */
export interface SeriesPlan {
  /** True when every stored occurrence is cancelled. */
  readonly cancelled: boolean;
  readonly segments: readonly SegmentPlan[];
}

/** An appointment exported on its own. */
export function appointmentPlan(appointment: Appointment, context: ExportContext): EventPlan {
  const start = appointment.start.getTime();
  const end = appointment.end.getTime();
  const local = context.mode === 'local' && isFaithfulInterval(wallClock(appointment.timeZone), start, end);
  return {
    uid: appointmentUid(appointment.id, context.domain),
    sequence: appointment.version - 1,
    stamp: context.now ?? appointment.updatedAt,
    zone: local ? appointment.timeZone : null,
    start,
    end,
    text: context.text(appointment),
    status: ICAL_STATUS[appointment.status],
    recurrenceLines: [],
    recurrenceId: null,
  };
}

/** True if both ends of an event can be written as `TZID` wall times (see {@link WallClock}). */
function isFaithfulInterval(clock: WallClock, start: number, end: number): boolean {
  return clock.isFaithful(start) && clock.isFaithful(end);
}

/** What every event of a series shares. */
interface SeriesShared {
  readonly checked: CheckedSeries;
  readonly context: ExportContext;
  readonly sequence: number;
  readonly stamp: Date;
  /** Every occurrence is cancelled: the segments are written as cancelled wholes. */
  readonly cancelled: boolean;
  readonly lookOf: (occurrence: Appointment) => Look;
}

/**
 * A series. Its SEQUENCE is the sum of `version − 1` over its occurrences: any change to the
 * series changes some occurrence (the first one holds the pattern), and occurrences are never
 * deleted, so the sum only grows — also when occurrences move from one segment to another.
 */
export function seriesPlan(checked: CheckedSeries, context: ExportContext): SeriesPlan {
  const occurrences = [...checked.occurrences.values()];
  const sequence = occurrences.reduce((sum, occurrence) => sum + occurrence.version - 1, 0);
  if (sequence > MAX_SEQUENCE) fail('series.occurrences', 'The versions add up past the range of SEQUENCE', 'too_big');
  const latest = Math.max(...occurrences.map((occurrence) => occurrence.updatedAt.getTime()));
  const cancelled = occurrences.every((occurrence) => occurrence.status === 'cancelled');
  const looks = new Map<Appointment, Look>();
  const lookOf = (occurrence: Appointment): Look => {
    let look = looks.get(occurrence);
    if (look === undefined) {
      look = { text: context.text(occurrence), status: ICAL_STATUS[occurrence.status] };
      looks.set(occurrence, look);
    }
    return look;
  };
  const shared: SeriesShared = {
    checked,
    context,
    sequence,
    stamp: context.now ?? new Date(latest),
    cancelled,
    lookOf,
  };
  return { cancelled, segments: checked.segments.map((segment) => segmentPlan(segment, shared)) };
}

/** What an occurrence shows besides its times. */
interface Look {
  readonly text: EventText;
  readonly status: IcalEventStatus;
}

/** An instance and its occurrence, if there is one. */
interface Entry {
  readonly instance: SeriesInstance;
  readonly occurrence: Appointment | null;
}

function segmentPlan(checkedSegment: CheckedSegment, shared: SeriesShared): SegmentPlan {
  const { segment, instances } = checkedSegment;
  const entries: Entry[] = instances.map((instance) => ({
    instance,
    occurrence: shared.checked.occurrences.get(instance.index) ?? null,
  }));
  const kept = shared.cancelled ? [] : entries.filter((entry) => isKept(entry.occurrence));
  const look = kept.length > 0 ? mostCommonLook(kept, shared.lookOf) : cancelledLook(entries, segment.type, shared);
  const timing = segmentTiming(checkedSegment, entries, shared);
  const event = eventMaker(
    segmentUid(shared.checked.series.seriesId, segment.fromIndex, shared.context.domain),
    shared,
    timing,
  );
  const occurrenceEvent = (occurrence: Appointment): EventPlan => {
    // One instance needs no recurrence: its event is the occurrence itself, without RECURRENCE-ID.
    const instance =
      instances.length === 1
        ? null
        : entries.find((entry) => entry.instance.index === occurrence.occurrenceIndex)?.instance;
    return event(
      occurrence.start.getTime(),
      occurrence.end.getTime(),
      shared.lookOf(occurrence),
      instance?.start.getTime() ?? null,
    );
  };
  const [first] = instances as [SeriesInstance];
  const masterAt = (lines: readonly string[]): EventPlan => ({
    ...event(first.start.getTime(), first.end.getTime(), look, null),
    recurrenceLines: lines,
  });
  if (kept.length === 0) {
    // Nothing left to show: the segment's event, cancelled as a whole.
    return { active: false, master: masterAt(timing.lines), overrides: [], occurrenceEvent };
  }
  if (instances.length === 1) {
    return {
      active: true,
      master: occurrenceEvent(kept[0]?.occurrence as Appointment),
      overrides: [],
      occurrenceEvent,
    };
  }
  const exceptions = entries
    .filter((entry) => !isKept(entry.occurrence))
    .map((entry) => entry.instance.start.getTime());
  const overrides = kept
    .filter((entry) => differs(entry, look, shared.lookOf))
    .map((entry) => occurrenceEvent(entry.occurrence as Appointment));
  return {
    active: true,
    master: masterAt([...timing.lines, ...instantLines('EXDATE', exceptions, timing.zone)]),
    overrides,
    occurrenceEvent,
  };
}

/** Makes the segment's events: one UID, SEQUENCE, DTSTAMP and zone for all of them. */
function eventMaker(uid: string, shared: SeriesShared, timing: SegmentTiming) {
  return (start: number, end: number, look: Look, recurrenceId: number | null): EventPlan => ({
    uid,
    sequence: shared.sequence,
    stamp: shared.stamp,
    zone: timing.zone,
    start,
    end,
    ...look,
    recurrenceLines: [],
    recurrenceId,
  });
}

function isKept(occurrence: Appointment | null): boolean {
  return occurrence !== null && occurrence.status !== 'cancelled';
}

/** True if the master's description of the instance does not fit its occurrence. */
function differs(entry: Entry, look: Look, lookOf: (occurrence: Appointment) => Look): boolean {
  const occurrence = entry.occurrence as Appointment;
  return (
    occurrence.start.getTime() !== entry.instance.start.getTime() ||
    occurrence.end.getTime() !== entry.instance.end.getTime() ||
    lookKey(lookOf(occurrence)) !== lookKey(look)
  );
}

/** The look most kept occurrences share (the earliest on a tie): the fewest overrides. */
function mostCommonLook(kept: readonly Entry[], lookOf: (occurrence: Appointment) => Look): Look {
  const counts = new Map<string, { readonly look: Look; count: number }>();
  for (const entry of kept) {
    const look = lookOf(entry.occurrence as Appointment);
    const key = lookKey(look);
    const counted = counts.get(key) ?? { look, count: 0 };
    counted.count += 1;
    counts.set(key, counted);
  }
  let best: { readonly look: Look; count: number } | undefined;
  for (const counted of counts.values()) if (best === undefined || counted.count > best.count) best = counted;
  return (best as { readonly look: Look }).look;
}

/** A segment with nothing kept: the text of its first occurrence, or of its type. */
function cancelledLook(entries: readonly Entry[], type: string, shared: SeriesShared): Look {
  const first = entries.find((entry) => entry.occurrence !== null)?.occurrence ?? null;
  const text = first === null ? { summary: summaryFromType(type), description: null } : shared.lookOf(first).text;
  return { text, status: 'CANCELLED' };
}

function lookKey(look: Look): string {
  return JSON.stringify([look.text.summary, look.text.description, look.status]);
}

/** How a segment's times are written: its zone (null: UTC) and its recurrence lines. */
interface SegmentTiming {
  readonly zone: string | null;
  readonly lines: readonly string[];
}

/**
 * `TZID` times when asked for and faithful (see {@link isLocalFaithful}) and some rule repeats
 * the instances exactly in the zone; otherwise UTC, with the rule repeated in UTC if that gives
 * the same instants (a zone without DST changes in the span), or else each instance as an RDATE.
 */
function segmentTiming(checkedSegment: CheckedSegment, entries: readonly Entry[], shared: SeriesShared): SegmentTiming {
  const zone = shared.checked.series.timeZone;
  const starts = checkedSegment.instances.map((instance) => instance.start.getTime());
  const local = shared.context.mode === 'local' && isLocalFaithful(checkedSegment.rule, entries, wallClock(zone));
  if (starts.length === 1) return { zone: local ? zone : null, lines: [] };
  const request = { rule: checkedSegment.rule, seriesZone: zone, starts };
  const localLines = local ? ruleLines({ ...request, zone }) : null;
  if (localLines !== null) return { zone, lines: localLines };
  return { zone: null, lines: ruleLines({ ...request, zone: null }) ?? instantLines('RDATE', starts, null) };
}

/**
 * True if every time of the segment can be written as a `TZID` wall time that every reader
 * maps back to the same instant: each instance's start and end and each occurrence's own times
 * name one instant ({@link WallClock.isFaithful}), no instance spans an offset change, and the
 * rule's wall times are the instances' (none was moved by a DST gap).
 */
function isLocalFaithful(rule: ParsedRecurrenceRule, entries: readonly Entry[], clock: WallClock): boolean {
  const instancesFaithful = entries.every(({ instance }) => {
    const start = instance.start.getTime();
    const end = instance.end.getTime();
    return clock.isFaithful(start) && clock.isFaithful(end) && clock.keepsDuration(start, end);
  });
  const occurrencesFaithful = entries.every(
    ({ occurrence }) =>
      occurrence === null ||
      (clock.isFaithful(occurrence.start.getTime()) && clock.isFaithful(occurrence.end.getTime())),
  );
  if (!instancesFaithful || !occurrencesFaithful) return false;
  const wallTimes = entries.map(({ instance }) => clock.wallTime(instance.start.getTime()));
  return wallTimes.length === 1 || followsRuleInWallTime(rule, wallTimes);
}
