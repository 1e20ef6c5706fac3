/**
 * What the mapper hands the database for each resource: the resource normalized into rows, or,
 * when it cannot be normalized, a quarantine entry. Shared by src/fhir (which builds them) and
 * src/db (which writes them).
 */
import type { AnalyticsRows } from './analytics-rows.ts';

export const SUPPORTED_RESOURCE_TYPES = ['Patient', 'Coverage', 'ExplanationOfBenefit'] as const;
export type SupportedResourceType = (typeof SUPPORTED_RESOURCE_TYPES)[number];

export interface NormalizedResource {
  resourceType: SupportedResourceType;
  resourceId: string;
  patientId: string;
  /** meta.lastUpdated as ISO-8601 UTC; null when absent or not a timestamp (see warnings). */
  lastUpdated: string | null;
  /** sha256 of the resource without its volatile fields; equal hashes mean nothing changed. */
  contentHash: string;
  /** The resource as received, serialized once for storage. */
  json: string;
  rows: AnalyticsRows;
  warnings: string[];
}

/** A resource that could not be normalized, kept raw with the reason, for operators. */
export interface QuarantineEntry {
  resourceType: string;
  resourceId: string;
  patientId: string | undefined;
  source: string;
  reason: string;
  /** The raw resource when it can be stored (JSON text), else undefined. */
  json: string | undefined;
}
