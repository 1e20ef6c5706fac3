/**
 * A synthetic user's plan: which claims exist (type, id, dates, load time, revision), before any
 * FHIR content is built. It is a few hundred bytes, derived from (seed, user index) alone, and is
 * the only state a weekly load (weekly-load.ts) changes.
 */
import type { ClaimType } from '../../model/claim-types.ts';
import { CLAIM_TYPE_WEIGHTS, compareEobIds, firstVersion, type ClaimPlan } from './claims.ts';
import { patientIdForUser } from './ids.ts';
import { Rng } from './prng.ts';
import { cancelled, INITIAL_ADJUSTED_RATE, INITIAL_CANCELLED_RATE, nextVersion } from './versions.ts';
import { LEGACY_LAST_UPDATED, dayFromYmd, dayOf, isoTime, loadTime, yearOf } from './time.ts';

/** Weeks of initial loads: claims' billing periods fall within ~3 years before the anchor. */
const INITIAL_WEEKS = 156;
const LEGACY_USER_RATE = 0.05;
/** BB2's synthetic users have at most this many claims (its CSV shows 3-76). */
const MAX_INITIAL_CLAIMS = 80;

export interface UserPlan {
  readonly index: number;
  readonly patientId: string;
  /** In BB2 order. */
  readonly claims: readonly ClaimPlan[];
  readonly nextSeq: number;
  readonly version: number;
  readonly patientLastUpdated: string;
  readonly patientLegacy: boolean;
  /** Has claims loaded before 2020-02-12. */
  readonly legacyUser: boolean;
  readonly referenceYear: number;
}

/** The claim id of a user's claim number `seq` (the store's scrambler, bound to the user). */
export type ClaimIdFor = (seq: number) => string;

/** Billing-period length in days for a claim type (0 = a single day). */
export function duration(rng: Rng, type: ClaimType): number {
  switch (type) {
    case 'carrier':
      return rng.chance(0.9) ? 0 : rng.int(1, 3);
    case 'dme':
      return rng.chance(0.6) ? 0 : 29;
    case 'pde':
      return 0;
    case 'outpatient':
      return rng.chance(0.85) ? 0 : rng.int(1, 2);
    case 'inpatient':
      return Math.min(20, 1 + Math.floor(Math.abs(rng.normal()) * 4));
    case 'snf':
      return rng.int(7, 40);
    case 'hha':
      return 29;
    case 'hospice':
      return rng.int(10, 30);
  }
}

/** The version of every user's data before the first load changes it. */
export const INITIAL_PLAN_VERSION = 1;

/** The user's claims as of the initial loads (weekly loads ending at the anchor). */
export function initialPlan(seed: number, index: number, claimIdFor: ClaimIdFor): UserPlan {
  const rng = new Rng(seed, 'plan', index);
  const legacyUser = rng.chance(LEGACY_USER_RATE);
  // Skewed count: median ~22, most users 10-40, bounded 3..80 (BB2's CSV shows 3-76).
  let count = Math.min(
    MAX_INITIAL_CLAIMS,
    Math.max(3, Math.round(Math.exp(Math.log(22) + 0.55 * rng.normal()))),
  );
  const legacyCount = legacyUser ? rng.int(2, 6) : 0;
  count = Math.max(3, Math.min(count, MAX_INITIAL_CLAIMS - legacyCount));
  const claims: ClaimPlan[] = [];
  const seq = loadedClaims(rng, count, legacyCount, claims, claimIdFor);
  const nextSeq = legacyClaims(rng, legacyCount, seq, claims, claimIdFor);
  claims.sort((a, b) => compareEobIds(a.id, b.id));
  const patientLegacy = legacyUser && rng.chance(0.5);
  const patientLoad = loadTime(rng.int(0, INITIAL_WEEKS + 8));
  return {
    index,
    patientId: patientIdForUser(index),
    claims,
    nextSeq,
    version: INITIAL_PLAN_VERSION,
    patientLastUpdated: patientLegacy ? LEGACY_LAST_UPDATED : isoTime(patientLoad),
    patientLegacy,
    legacyUser,
    referenceYear: patientLegacy ? 2019 : yearOf(dayOf(patientLoad)),
  };
}

/**
 * `count` claims from the weekly loads since 2020-02-12, some rewritten, adjusted or cancelled by
 * a later load, appended to `claims`; returns the next claim sequence number.
 */
function loadedClaims(
  rng: Rng,
  count: number,
  legacyCount: number,
  claims: ClaimPlan[],
  claimIdFor: ClaimIdFor,
): number {
  let seq = 0;
  for (let k = 0; k < count; k++) {
    const type = rng.weighted(CLAIM_TYPE_WEIGHTS);
    const week = rng.int(0, INITIAL_WEEKS);
    const firstLoad = loadTime(week);
    const thru = dayOf(firstLoad) - rng.int(7, 45);
    const from = thru - duration(rng, type);
    // Some claims were rewritten by a later load.
    const lastWeek = week > 0 && rng.chance(0.1) ? rng.int(0, week - 1) : week;
    const claim = firstVersion(
      seq,
      type,
      claimIdFor(seq),
      { from, thru },
      dayOf(firstLoad),
      loadTime(lastWeek),
    );
    seq++;
    const versioning = rng.next();
    const room = claims.length + (count - k) + legacyCount < MAX_INITIAL_CLAIMS;
    if (versioning < INITIAL_ADJUSTED_RATE && lastWeek > 0 && room) {
      // Adjusted by a later load: the original stays as a cancelled version.
      const adjustedAt = loadTime(rng.int(0, lastWeek - 1));
      claims.push(cancelled(claim, adjustedAt));
      claims.push(
        nextVersion(claim, rng, {
          seq,
          claimId: claimIdFor(seq),
          lastUpdatedMs: adjustedAt,
          firstLoadDay: dayOf(adjustedAt),
        }),
      );
      seq++;
    } else if (versioning < INITIAL_ADJUSTED_RATE + INITIAL_CANCELLED_RATE) {
      claims.push({ ...claim, status: 'cancelled' });
    } else {
      claims.push(claim);
    }
  }
  return seq;
}

/** Claims loaded before 2020-02-12 (BFD has no load time for these); returns the next sequence number. */
function legacyClaims(
  rng: Rng,
  legacyCount: number,
  firstSeq: number,
  claims: ClaimPlan[],
  claimIdFor: ClaimIdFor,
): number {
  let seq = firstSeq;
  for (let k = 0; k < legacyCount; k++) {
    const type = rng.weighted(CLAIM_TYPE_WEIGHTS);
    const thru = rng.int(dayFromYmd(2017, 1, 1), dayFromYmd(2019, 12, 15));
    const from = thru - duration(rng, type);
    claims.push(firstVersion(seq, type, claimIdFor(seq), { from, thru }, thru + rng.int(10, 25), 0, true));
    seq++;
  }
  return seq;
}
