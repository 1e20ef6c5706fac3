/**
 * A v3 Coverage (C4BB-Coverage 2.2.0) -> the same coverages row as v2. v3 ids are composite:
 * `part-a-<sk>`, `part-b-<sk>`, `dual-<sk>`, `part-c-<sk>-<contract>-<pbp>`, `part-d-...`
 * (BFD CoverageCompositeId); the plan details are IDR extensions (BENE-CNTRCT-NUM, ...).
 */
import type { MapContext } from '../map-context.ts';
import { commonCoverageColumns, coveragePart, coveragePatientId } from '../coverage.ts';
import { arr, extensionCode, type JsonObject } from '../read.ts';
import type { CoverageRow } from '../../model/analytics-rows.ts';
import type { MappedCoverage } from '../mapped.ts';
import { V3_STRUCTURE } from './codes.ts';

export function mapV3Coverage(resource: JsonObject, ctx: MapContext): MappedCoverage {
  return { row: mapV3CoverageRow(resource, ctx), months: [] };
}

function mapV3CoverageRow(resource: JsonObject, ctx: MapContext): CoverageRow {
  const patientId = coveragePatientId(resource, ctx);
  const isDual = ctx.resourceId.startsWith('dual-');
  // A dual Medicare/Medicaid Coverage is not a Medicare part: its part stays NULL.
  const part = isDual ? undefined : coveragePart(resource, ctx.resourceId);
  if (!part && !isDual) ctx.warn('the Medicare part could not be read from the id or class; part is NULL');
  const ext = (name: string) =>
    extensionCode(arr(resource.extension).find((e) => e.url === `${V3_STRUCTURE}${name}`)) ?? null;
  return {
    ...commonCoverageColumns(resource, patientId, part, ctx),
    medicare_status_code: ext('BENE-MDCR-STUS-CD'),
    termination_code: null,
    contract_id: ext('BENE-CNTRCT-NUM'),
    plan_id: ext('BENE-PBP-NUM'),
    dual_status_code: ext('BENE-DUAL-STUS-CD'),
    reference_year: null,
  };
}

/** `part-a-178083966` / `dual-184043356` / `part-c-441149422-G1234-002` -> the beneficiary id. */
export function patientIdOfCoverageId(id: string): string | undefined {
  return /^(?:part-[a-d]|dual)-(-?\d+)(?:-|$)/.exec(id)?.[1];
}
