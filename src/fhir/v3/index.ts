/**
 * The v3 side of the normalizer: the same rows as v2 from BB2 v3's shapes. normalize.ts calls
 * `mapV3Resource` for every resource `apiVersionOf` says is v3.
 */
import { emptyRows } from '../../model/analytics-rows.ts';
import type { SupportedResourceType } from '../../model/resources.ts';
import { mapResourceWith, type MappedResource, type ResourceMappers } from '../mapped.ts';
import type { MapContext } from '../map-context.ts';
import { arr, obj, referenceId, type JsonObject } from '../read.ts';
import { PDEX_PRIOR_AUTHORIZATION_PROFILE } from './codes.ts';
import { mapV3Coverage, patientIdOfCoverageId } from './coverage.ts';
import { mapV3ExplanationOfBenefit } from './eob.ts';
import { mapV3Patient } from './patient.ts';

export { apiVersionOf } from './detect.ts';
export type { MappedResource } from '../mapped.ts';

const V3_MAPPERS: ResourceMappers = {
  patient: mapV3Patient,
  coverage: mapV3Coverage,
  // Typed parameters: ctx.fail narrows patientId only on an explicitly typed ctx.
  explanationOfBenefit(resource: JsonObject, ctx: MapContext) {
    if (isPriorAuthorization(resource)) {
      const patientId = referenceId(resource.patient, 'Patient');
      if (!patientId) ctx.fail('has no patient reference', 'ExplanationOfBenefit.patient');
      ctx.warn('is a prior authorization (not a claim): kept raw, no claim rows');
      return { rows: emptyRows(), patientId };
    }
    const mapped = mapV3ExplanationOfBenefit(resource, ctx);
    return {
      rows: mapped.rows,
      patientId: mapped.rows.claims[0]!.patient_id,
      claimVersion: mapped.claimVersion,
    };
  },
};

export function mapV3Resource(
  resource: JsonObject,
  resourceType: SupportedResourceType,
  ctx: MapContext,
): MappedResource {
  return mapResourceWith(V3_MAPPERS, resource, resourceType, ctx);
}

/**
 * A CWF prior authorization (PDex profile, `CLM-TYPE` letter codes, no EOB-TYPE): a request for
 * approval, neither adjudicated nor paid. Counting it as a claim would add claims that never
 * happened, so it is stored raw only. BB2 returns these only when `_source` asks for CWF.
 */
function isPriorAuthorization(resource: JsonObject): boolean {
  const profiles = obj(resource.meta)?.profile;
  return Array.isArray(profiles) && profiles.includes(PDEX_PRIOR_AUTHORIZATION_PROFILE);
}

/**
 * BFD's answers that name a resource but hold nothing to map, in either version: a Coverage read
 * for a part the beneficiary lacks (only `resourceType` and `id`), and a merged-away Patient
 * (only `id` and `link` type `replaced-by`). They are stored raw and map to no rows; the
 * warning says why. Undefined for every other resource.
 */
export function placeholderOf(
  resource: JsonObject,
  resourceType: SupportedResourceType,
  ctx: MapContext,
): MappedResource | undefined {
  // A loop, not a filter callback: this runs for every resource, and a closure made per call is
  // compiled again after each full garbage collection (docs/performance.md, "Closures compiled again").
  const keys: string[] = [];
  for (const k of Object.keys(resource)) if (k !== 'meta' && k !== 'resourceType' && k !== 'id') keys.push(k);
  if (resourceType === 'Coverage' && keys.length === 0) {
    const patientId = patientIdOfCoverageId(ctx.resourceId);
    if (!patientId) return undefined;
    ctx.warn('holds nothing but its id (no coverage of this part): kept raw, no coverage row');
    return { rows: emptyRows(), patientId };
  }
  if (resourceType === 'Patient' && keys.every((k) => k === 'link')) {
    const survivor = arr(resource.link).find((l) => l.type === 'replaced-by');
    const into = referenceId(survivor?.other, 'Patient');
    if (!into) return undefined;
    ctx.warn(`was merged into Patient/${into}: kept raw, no patient row`);
    return { rows: emptyRows(), patientId: ctx.resourceId };
  }
  return undefined;
}
