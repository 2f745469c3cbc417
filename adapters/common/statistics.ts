import type { AppointmentStatus } from '../../src/status.js';
import type { StoreStatistics } from '../../src/store.js';

/** One row of `GROUP BY status, type` with its count (drivers may return counts as strings). */
export interface StatusTypeCount {
  readonly status: AppointmentStatus;
  readonly type: string;
  readonly count: number | string | bigint;
}

/** Folds the grouped counts and the two upcoming counts into {@link StoreStatistics}. */
export function foldStatistics(
  groups: readonly StatusTypeCount[],
  upcoming: { readonly today: number | string | bigint | null; readonly week: number | string | bigint | null },
): StoreStatistics {
  let total = 0;
  const byStatus: Partial<Record<AppointmentStatus, number>> = {};
  const byType: Record<string, number> = {};
  for (const group of groups) {
    const count = Number(group.count);
    total += count;
    byStatus[group.status] = (byStatus[group.status] ?? 0) + count;
    byType[group.type] = (byType[group.type] ?? 0) + count;
  }
  return {
    total,
    byStatus,
    byType,
    upcomingToday: Number(upcoming.today ?? 0),
    upcomingWeek: Number(upcoming.week ?? 0),
  };
}
