/**
 * What the mapper hands the database for each resource: the resource normalized into rows, or,
 * when it cannot be normalized, a quarantine entry. Shared by src/fhir (which builds them) and
 * src/db (which writes them).
 */
import type { AnalyticsRows, AnalyticsTable } from './analytics-rows.ts';

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
  /**
   * The resource as received, for storage: its JSON text, or (read from a page's bytes) its UTF-8
   * bytes as sent, a view of the page's bytes, never decoded (fhir/page.ts).
   */
  json: string | Uint8Array;
  rows: AnalyticsRows;
  warnings: string[];
  /** The BB2 API version the resource came from (src/fhir/v3/detect.ts). */
  apiVersion: ApiVersion;
  /** v3 EOBs: source system, final action, control numbers (src/fhir/v3/claim-version.ts). */
  claimVersion?: ClaimVersionFacts;
  /**
   * Set when the resource was read on a worker thread (src/workers/page-threads.ts): its COPY rows
   * already encoded as bytes, which cross threads without a copy. The arrays in `rows` of the
   * COPYed tables are then empty, and `json` is empty (the raw row carries the resource).
   */
  encoded?: EncodedRows;
}

/** A resource's COPY rows as bytes (db/copy-rows.ts `encodePage`). */
export interface EncodedRows {
  /** COPY text of the rows of each COPYed table that has any. */
  copy: Partial<Record<AnalyticsTable, Uint8Array>>;
  counts: Partial<Record<AnalyticsTable, number>>;
  /**
   * The raw resource's `fhir_resources` row in COPY's binary format, up to and including its
   * `resource` column; what follows depends on what is stored (normalizer version, first seen).
   */
  rawHead: Uint8Array;
  /**
   * What the write path still reads of the claim row once its COPY text is encoded: its type and
   * link key (a v3 claim version supersedes stored ones by them, db/claim-supersede.ts).
   */
  claim?: { claimType: string; linkKey: string | null };
}

export type ApiVersion = 'v2' | 'v3';

/**
 * What v3 says about a claim's version and origin (src/fhir/v3/claim-version.ts reads it); these
 * feed the claim-version rules of the analytics layer.
 */
export interface ClaimVersionFacts {
  /** NCH | DDPS | FISS | MCS | VMS | CWF */
  source: string | null;
  /** NationalClaimsHistory | SharedSystem | DDPS */
  systemType: string | null;
  /** true: FinalAction; false: NotFinalAction; null: not tagged (prior authorizations). */
  finalAction: boolean | null;
  /** CLM-CNTL-NUM: the same claim from two systems shares it. */
  controlNumber: string | null;
  /** Control numbers of the versions this claim replaces. */
  priorControlNumbers: string[];
  /** CLM_ADJSTMT_TYPE_CD (0 original, 1 void, 4 debit adjustment, ...). */
  adjustmentTypeCode: string | null;
  samhsa: boolean;
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
