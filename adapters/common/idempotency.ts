import type { UnavailableReason } from '../../src/slots.js';
import type { IdempotencyRecord, InsertOptions, InsertResult } from '../../src/store.js';
import type { ColumnCodec } from './columns.js';

type Skipped = IdempotencyRecord['skipped'][number];

/**
 * The `skipped` JSON an idempotency record keeps: the occurrences the Scheduler refused before
 * the store and those the store left out, by start, so a replay reports exactly what the first call did.
 */
export function encodeSkipped(
  options: InsertOptions,
  storeSkipped: Extract<InsertResult, { kind: 'inserted' }>['skipped'],
): string {
  const skipped: Skipped[] = [
    ...(options.idempotency?.skipped ?? []),
    ...storeSkipped.map((item) => ({
      start: item.appointment.start,
      conflictingIds: item.conflictingIds,
      ...(item.reasons !== undefined && { reasons: item.reasons }),
    })),
  ];
  // By start, as the booking result lists them.
  return JSON.stringify(skipped.sort((a, b) => a.start.getTime() - b.start.getTime()));
}

/** Reason fields that hold instants (JSON keeps them as ISO strings). */
const INSTANT_FIELDS = ['earliestStart', 'latestStart'] as const;

/** An idempotency record from its row, whichever store kept it. */
export function decodeIdempotencyRecord(
  row: {
    readonly key: string;
    readonly fingerprint: string;
    readonly appointment_id: string;
    readonly series_id: string | null;
    readonly skipped: unknown;
  },
  codec: ColumnCodec,
): IdempotencyRecord {
  const skipped = codec.decodeJson(row.skipped) as Array<{
    start: string;
    conflictingIds: string[];
    reasons?: Array<Record<string, unknown>>;
  }>;
  return {
    key: row.key,
    fingerprint: row.fingerprint,
    appointmentId: row.appointment_id,
    seriesId: row.series_id,
    skipped: skipped.map((item) => ({
      start: new Date(item.start),
      conflictingIds: item.conflictingIds,
      ...(item.reasons !== undefined && {
        reasons: item.reasons.map((reason) => {
          const revived = { ...reason };
          for (const field of INSTANT_FIELDS) {
            if (typeof revived[field] === 'string') revived[field] = new Date(revived[field] as string);
          }
          return revived as UnavailableReason;
        }),
      }),
    })),
  };
}
