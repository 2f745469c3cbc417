import type { UnavailableReason } from './slots.js';
import type { AppointmentStatus } from './status.js';
import { isOccupyingStatus } from './status.js';
import type { ResourceAllocation, ResourceRequest, ResourceSpec } from './store.js';

const MINUTE_MS = 60_000;

/**
 * Why `spec` has no room for `[start, start + duration)` widened by its buffers, given its active
 * allocations, or null: the peak overlap (at the range's start and at each allocation's start
 * inside it; overlaps only grow at starts) must stay below its capacity. What the database's
 * triggers check too, so an offered time is one a booking gets.
 */
export function roomFor(
  spec: ResourceSpec,
  allocations: readonly ResourceAllocation[],
  start: Date,
  durationMinutes: number,
): UnavailableReason | null {
  const from = start.getTime() - spec.bufferBeforeMinutes * MINUTE_MS;
  const to = start.getTime() + (durationMinutes + spec.bufferAfterMinutes) * MINUTE_MS;
  const meeting = allocations.filter(
    (item) => item.resourceId === spec.id && item.start.getTime() < to && item.end.getTime() > from,
  );
  const points = [from, ...meeting.map((item) => item.start.getTime()).filter((at) => at > from)];
  const peak = Math.max(
    0,
    ...points.map((at) => meeting.filter((item) => item.start.getTime() <= at && item.end.getTime() > at).length),
  );
  if (peak < spec.capacity) return null;
  if (spec.capacity > 1) return { code: 'CAPACITY_FULL', resourceId: spec.id, capacity: spec.capacity };
  return { code: 'RESOURCE_BUSY', resourceId: spec.id, appointmentIds: meeting.map((item) => item.appointmentId) };
}

/**
 * Picks, for each request, the first candidate `refusalOf` finds room in: requests naming one
 * resource first (so that a `{ kind }` does not take a room another request names), a candidate
 * once; the ids come back in the order asked. A candidate the booking already holds is busy with
 * it. An appointment that occupies nothing takes the first candidates as they are.
 */
export function pickResources(
  appointment: { readonly id: string; readonly status: AppointmentStatus },
  requests: readonly ResourceRequest[],
  refusalOf: (spec: ResourceSpec) => UnavailableReason | null,
): { readonly ids: string[] } | { readonly reasons: UnavailableReason[] } {
  const ids: Array<string | undefined> = requests.map(() => undefined);
  const order = requests
    .map((request, index) => ({ request, index }))
    .sort((a, b) => Number(a.request.candidates.length > 1) - Number(b.request.candidates.length > 1));
  for (const { request, index } of order) {
    const reasons: UnavailableReason[] = [];
    const picked = request.candidates.find((spec) => {
      if (ids.includes(spec.id)) {
        reasons.push({ code: 'RESOURCE_BUSY', resourceId: spec.id, appointmentIds: [appointment.id] });
        return false;
      }
      if (!isOccupyingStatus(appointment.status)) return true;
      const refusal = refusalOf(spec);
      if (refusal !== null) reasons.push(refusal);
      return refusal === null;
    });
    if (picked === undefined) return { reasons };
    ids[index] = picked.id;
  }
  return { ids: ids as string[] };
}
