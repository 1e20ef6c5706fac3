/**
 * One resource's rows, whichever API version it came from: the version supplies a mapper per
 * resource type, and `mapResourceWith` files each mapper's result the same way.
 */
import {
  emptyRows,
  type AnalyticsRows,
  type CLAIM_CHILD_TABLES,
  type ClaimRow,
  type CoverageMonthRow,
  type CoverageRow,
  type PatientRow,
} from '../model/analytics-rows.ts';
import type { ClaimVersionFacts, SupportedResourceType } from '../model/resources.ts';
import type { MapContext } from './map-context.ts';
import type { JsonObject } from './read.ts';

export interface MappedResource {
  rows: AnalyticsRows;
  patientId: string;
  claimVersion?: ClaimVersionFacts;
}

/** A Coverage's row and its calendar months (coverage_monthly). */
export interface MappedCoverage {
  row: CoverageRow;
  months: CoverageMonthRow[];
}

export interface ResourceMappers {
  patient(resource: JsonObject, ctx: MapContext): PatientRow;
  coverage(resource: JsonObject, ctx: MapContext): MappedCoverage;
  explanationOfBenefit(resource: JsonObject, ctx: MapContext): MappedResource;
}

/** An EOB's rows: the claim and its children. */
export function claimRows(
  claim: ClaimRow,
  children: Pick<AnalyticsRows, (typeof CLAIM_CHILD_TABLES)[number]>,
): AnalyticsRows {
  return { ...emptyRows(), claims: [claim], ...children };
}

export function mapResourceWith(
  mappers: ResourceMappers,
  resource: JsonObject,
  resourceType: SupportedResourceType,
  ctx: MapContext,
): MappedResource {
  switch (resourceType) {
    case 'Patient': {
      const row = mappers.patient(resource, ctx);
      return { rows: { ...emptyRows(), patients: [row] }, patientId: row.patient_id };
    }
    case 'Coverage': {
      const { row, months } = mappers.coverage(resource, ctx);
      return {
        rows: { ...emptyRows(), coverages: [row], coverage_monthly: months },
        patientId: row.patient_id,
      };
    }
    case 'ExplanationOfBenefit':
      return mappers.explanationOfBenefit(resource, ctx);
  }
}
