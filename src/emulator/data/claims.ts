/**
 * Claim types' frequencies, the per-claim plan (what a claim is, before its FHIR content is built)
 * and BB2's sort order. The claim types themselves are BB2's, shared with the pipeline: src/model.
 */
import type { ClaimType } from '../../model/claim-types.ts';

/** Relative frequency of claim types (carrier most common, then pde, outpatient; snf/hha/hospice rare). */
export const CLAIM_TYPE_WEIGHTS: readonly (readonly [ClaimType, number])[] = [
  ['carrier', 46.5],
  ['pde', 24],
  ['outpatient', 14],
  ['dme', 5],
  ['inpatient', 4],
  ['snf', 2.5],
  ['hha', 2.5],
  ['hospice', 1.5],
];

export interface ClaimPlan {
  /** Per-user sequence number: seeds the claim's content and its id. */
  readonly seq: number;
  readonly type: ClaimType;
  /** The unprefixed claim id, e.g. `-10045426206`. */
  readonly claimId: string;
  /** The EOB id, e.g. `carrier--10045426206`. */
  readonly id: string;
  /** Billable period, as epoch days. */
  readonly from: number;
  readonly thru: number;
  /** Day of the load that first wrote the claim (processing dates fall before it). */
  readonly firstLoadDay: number;
  /** Time of the load that last wrote it (ignored when `legacy`). */
  readonly lastUpdatedMs: number;
  /** Loaded before 2020-02-12: shows the fallback lastUpdated. */
  readonly legacy: boolean;
  /** Bumped each time a load changes the claim's amounts (0 = as first generated). */
  readonly revision: number;
  /**
   * Claim versions: `seq` of the first version of this claim. Every version shares its content
   * seed and its claim-group identifier; a later version differs in id, amounts and status.
   */
  readonly rootSeq: number;
  /** `cancelled` once a newer version superseded it or the claim was cancelled (BFD final action). */
  readonly status: 'active' | 'cancelled';
  /** PDE adjstmt_dltn_cd of a later version: A adjustment, D deletion. */
  readonly pdeCode?: 'A' | 'D';
}

export function eobId(type: ClaimType, claimId: string): string {
  return `${type}-${claimId}`;
}

/** A claim as its first load wrote it: active, revision 0, the root of its own claim group. */
export function firstVersion(
  seq: number,
  type: ClaimType,
  claimId: string,
  service: { from: number; thru: number },
  firstLoadDay: number,
  lastUpdatedMs: number,
  legacy = false,
): ClaimPlan {
  return {
    seq,
    type,
    claimId,
    id: eobId(type, claimId),
    from: service.from,
    thru: service.thru,
    firstLoadDay,
    lastUpdatedMs,
    legacy,
    revision: 0,
    rootSeq: seq,
    status: 'active',
  };
}

/** BB2/BFD order: the claim-id part of the EOB id compared as a string, then the claim type. */
export function compareEobIds(a: string, b: string): number {
  const ia = a.indexOf('-');
  const ib = b.indexOf('-');
  const ca = a.slice(ia + 1);
  const cb = b.slice(ib + 1);
  if (ca !== cb) return ca < cb ? -1 : 1;
  const ta = a.slice(0, ia);
  const tb = b.slice(0, ib);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}
