import type {
  Appointment as R4Appointment,
  Bundle as R4Bundle,
  Reference as R4Reference,
  Resource as R4Resource,
  Slot as R4Slot,
} from '@medplum/fhirtypes';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type FhirAppointment,
  type FhirBundle,
  type FhirReference,
  type FhirResource,
  type FhirSlot,
  type FhirSlotSource,
  toFhirAppointment,
  toFhirBundle,
  toFhirSlots,
} from '../../src/fhir/index.js';
import type { Availability } from '../../src/index.js';

// Type-level checks: tsc (`npm run typecheck`) fails if our own declarations of the R4 shapes
// drift from a FHIR library's. @medplum/fhirtypes is a dev dependency, used here only.

describe('the FHIR types appointment-kit/fhir declares', () => {
  it('are assignable to @medplum/fhirtypes', () => {
    expectTypeOf<FhirAppointment>().toExtend<R4Appointment>();
    expectTypeOf<FhirSlot>().toExtend<R4Slot>();
    expectTypeOf<FhirReference>().toExtend<R4Reference>();
    expectTypeOf<FhirBundle<FhirSlot>>().toExtend<R4Bundle<R4Slot>>();
    expectTypeOf<FhirBundle<FhirAppointment>>().toExtend<R4Bundle<R4Appointment>>();
    expectTypeOf<FhirBundle>().toExtend<R4Bundle>();
    expectTypeOf<FhirResource>().toExtend<R4Resource>();
  });

  it('are what the functions return', () => {
    expectTypeOf(toFhirAppointment).returns.toEqualTypeOf<FhirAppointment>();
    expectTypeOf(toFhirSlots).returns.toEqualTypeOf<FhirSlot[]>();
    expectTypeOf(toFhirBundle<FhirSlot>).returns.toEqualTypeOf<FhirBundle<FhirSlot>>();
  });

  it('take the Scheduler’s availability as it is', () => {
    expectTypeOf<Availability>().toExtend<FhirSlotSource>();
  });

  it('flow into code typed with a FHIR library', () => {
    // Plain assignments, checked by tsc: what a host writing against @medplum/fhirtypes does.
    const acceptAppointment = (resource: R4Appointment) => resource.status;
    const acceptSearch = (bundle: R4Bundle<R4Slot>) => bundle.total;
    expectTypeOf(acceptAppointment).parameter(0).toExtend<R4Appointment>();
    const slots: R4Slot[] = toFhirSlots({ providerId: 'p1', slots: [] });
    const bundle: R4Bundle<R4Slot> = toFhirBundle(toFhirSlots({ providerId: 'p1', slots: [] }), { type: 'searchset' });
    expectTypeOf(acceptSearch(bundle)).toEqualTypeOf<number | undefined>();
    expectTypeOf(slots).toEqualTypeOf<R4Slot[]>();
  });
});
