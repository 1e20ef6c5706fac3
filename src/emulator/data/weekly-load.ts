/**
 * One simulated weekly BFD load applied to one synthetic user's plan: existing claims are kept,
 * changed (new amounts), removed, adjusted (a new version in the claim group, the old one turns
 * `cancelled`) or cancelled, and new claims arrive with service dates in the two weeks before it.
 */
import { CLAIM_TYPE_WEIGHTS, compareEobIds, firstVersion, type ClaimPlan } from './claims.ts';
import { emptyChanges, hasChanges, type ResolvedAdvance, type UserChanges } from './advance.ts';
import { MAX_CLAIMS_PER_USER } from './ids.ts';
import type { Rng } from './prng.ts';
import { duration, type ClaimIdFor, type UserPlan } from './user-plan.ts';
import { cancelled, isFinalVersion, nextVersion } from './versions.ts';
import { dayOf } from './time.ts';

/** What one load did to one user: the new plan and the ids of each kind of change. */
export interface UserLoad {
  readonly plan: UserPlan;
  readonly changes: UserChanges;
}

/** Where a load stands while it walks one user's claims. */
interface LoadWalk {
  readonly kept: ClaimPlan[];
  readonly changes: UserChanges;
  nextSeq: number;
  readonly tx: number;
  readonly claimIdFor: ClaimIdFor;
}

/** Applies the load at `tx` to `plan`; undefined when it changed nothing for this user. */
export function loadUser(
  plan: UserPlan,
  rng: Rng,
  load: ResolvedAdvance,
  tx: number,
  claimIdFor: ClaimIdFor,
): UserLoad | undefined {
  const addCount = rng.chance(load.newClaimsFraction) ? rng.int(1, 3) : 0;
  const walk: LoadWalk = { kept: [], changes: emptyChanges(), nextSeq: plan.nextSeq, tx, claimIdFor };
  for (const claim of plan.claims) loadClaim(walk, claim, rng, load);
  for (let k = 0; k < addCount && walk.nextSeq < MAX_CLAIMS_PER_USER; k++) addClaim(walk, rng);
  if (!hasChanges(walk.changes)) return undefined;
  walk.kept.sort((a, b) => compareEobIds(a.id, b.id));
  return {
    plan: { ...plan, claims: walk.kept, nextSeq: walk.nextSeq, version: plan.version + 1 },
    changes: walk.changes,
  };
}

/** One existing claim: one draw picks removed, changed, adjusted, cancelled or kept as it is. */
function loadClaim(walk: LoadWalk, claim: ClaimPlan, rng: Rng, load: ResolvedAdvance): void {
  const { kept, changes, tx } = walk;
  const r = rng.next();
  const final = isFinalVersion(claim);
  const changedBelow = load.removedFraction + load.changedFraction;
  const adjustedBelow = changedBelow + load.adjustedFraction;
  if (r < load.removedFraction) {
    changes.removed.push(claim.id);
  } else if (r < changedBelow) {
    kept.push({ ...claim, revision: claim.revision + 1, lastUpdatedMs: tx, legacy: false });
    changes.changed.push(claim.id);
  } else if (final && r < adjustedBelow && walk.nextSeq < MAX_CLAIMS_PER_USER) {
    // An adjustment: the claim is superseded by a new version in its claim group.
    kept.push(cancelled(claim, tx));
    changes.cancelled.push(claim.id);
    const seq = walk.nextSeq++;
    const version = nextVersion(claim, rng, {
      seq,
      claimId: walk.claimIdFor(seq),
      lastUpdatedMs: tx,
      firstLoadDay: dayOf(tx),
    });
    kept.push(version);
    changes.versioned.push(version.id);
  } else if (final && r < adjustedBelow + load.cancelledFraction) {
    kept.push(cancelled(claim, tx));
    changes.cancelled.push(claim.id);
  } else {
    kept.push(claim);
  }
}

/** A new claim of this load: service dates within the two weeks before it (rolling claims). */
function addClaim(walk: LoadWalk, rng: Rng): void {
  const txDay = dayOf(walk.tx);
  const type = rng.weighted(CLAIM_TYPE_WEIGHTS);
  const thru = txDay - rng.int(1, 13);
  const from = thru - Math.min(duration(rng, type), thru - (txDay - 14));
  const seq = walk.nextSeq++;
  const claim = firstVersion(seq, type, walk.claimIdFor(seq), { from, thru }, txDay, walk.tx);
  walk.kept.push(claim);
  walk.changes.added.push(claim.id);
}
