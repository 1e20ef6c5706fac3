/**
 * Claim versions, as CCW keeps them and BFD serves them: an adjustment is a new claim (new id) in
 * the same claim group, and the version it replaces turns `cancelled` (BFD maps the final-action
 * flag to EOB.status); a cancellation turns the claim `cancelled` with no replacement. A PDE
 * adjustment carries adjstmt_dltn_cd A; a PDE deletion is a new record with code D that stays
 * `active` while the event it deletes turns `cancelled`, so nothing of that event counts.
 */
import { eobId, type ClaimPlan } from './claims.ts';
import { Rng } from './prng.ts';

/** Initial data: share of claims that were adjusted once, and that were cancelled outright. */
export const INITIAL_ADJUSTED_RATE = 0.04;
export const INITIAL_CANCELLED_RATE = 0.005;
/** Of PDE versions, the share that are deletions rather than adjustments. */
const PDE_DELETION_SHARE = 0.25;

/** Still counts: the version a warehouse keeps (active and not a PDE deletion). */
export function isFinalVersion(claim: ClaimPlan): boolean {
  return claim.status === 'active' && claim.pdeCode !== 'D';
}

export function cancelled(claim: ClaimPlan, lastUpdatedMs: number): ClaimPlan {
  return { ...claim, status: 'cancelled', lastUpdatedMs, legacy: false };
}

/**
 * The next version of `claim`: a new claim id in the same group with the same service dates,
 * new amounts (revision + 1) and, for PDE, an adjustment or deletion code.
 */
export function nextVersion(
  claim: ClaimPlan,
  rng: Rng,
  at: { seq: number; claimId: string; lastUpdatedMs: number; firstLoadDay: number },
): ClaimPlan {
  const pdeCode = claim.type === 'pde' ? (rng.chance(PDE_DELETION_SHARE) ? 'D' : 'A') : undefined;
  return {
    seq: at.seq,
    type: claim.type,
    claimId: at.claimId,
    id: eobId(claim.type, at.claimId),
    from: claim.from,
    thru: claim.thru,
    firstLoadDay: at.firstLoadDay,
    lastUpdatedMs: at.lastUpdatedMs,
    legacy: false,
    // A deletion record repeats the event it deletes; an adjustment changes its amounts.
    revision: pdeCode === 'D' ? claim.revision : claim.revision + 1,
    rootSeq: claim.rootSeq,
    status: 'active',
    ...(pdeCode ? { pdeCode } : {}),
  };
}
