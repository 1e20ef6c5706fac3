/**
 * The synthetic data store: `users` BB2-style synthetic beneficiaries, generated lazily and
 * deterministically from (seed, user index).
 *
 * Two layers:
 * - A per-user *plan* (which claims exist: type, id, dates, load time, revision). It is a few
 *   hundred bytes, cheap to derive from the seed, and is the only state `advance()` changes.
 *   Plans of users a load has changed are kept (pinned) for the life of the store; plans of
 *   untouched users are re-derived on demand.
 * - The FHIR content, built from a plan on `record()` and kept in an LRU of recent records.
 *   Evicting a record is always safe: rebuilding from the (possibly pinned) plan gives the same
 *   JSON, because every random choice is seeded by (seed, user, claim sequence, revision).
 */
import { CLAIM_TYPE_WEIGHTS, compareEobIds, eobId, type ClaimPlan, type ClaimType } from './claims.ts';
import { nextTransactionMs, resolveAdvance } from './advance.ts';
import { buildEob } from './eob.ts';
import {
  MAX_CLAIMS_PER_USER,
  MAX_USERS,
  claimIdScrambler,
  indexForUsername,
  passwordForIndex,
  patientIdForUser,
  userIndexForPatientId,
  usernameForIndex,
} from './ids.ts';
import { Lru } from './lru.ts';
import { PARTS, buildCoverage, coverageId } from './coverage.ts';
import { buildPatient } from './patient.ts';
import { makePerson } from './person.ts';
import { Rng } from './prng.ts';
import {
  cancelled,
  INITIAL_ADJUSTED_RATE,
  INITIAL_CANCELLED_RATE,
  isFinalVersion,
  nextVersion,
} from './versions.ts';
import { ANCHOR_MS, LEGACY_LAST_UPDATED, dayFromYmd, dayOf, isoTime, loadTime, yearOf } from './time.ts';
import type {
  AdvanceOptions,
  AdvanceResult,
  DataStore,
  FhirResource,
  PatientRecord,
  SyntheticUser,
} from './types.ts';

export interface SyntheticStoreOptions {
  /** Number of users: BBUser00000 .. BBUser{users-1}. */
  users: number;
  seed: number;
  /** Clock for `advance()` (default: the wall clock). Initial data never depends on it. */
  now?: () => Date;
  /** Generated records kept in memory (LRU). Default 500 (a record is ~170 KB of heap, so ~90 MB). */
  cacheSize?: number;
}

/** Weeks of initial loads: claims' billing periods fall within ~3 years before the anchor. */
const INITIAL_WEEKS = 156;
const LEGACY_USER_RATE = 0.05;

interface UserPlan {
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

export function makeUser(index: number): SyntheticUser {
  return Object.freeze({
    username: usernameForIndex(index),
    password: passwordForIndex(index),
    index,
    patientId: patientIdForUser(index),
  });
}

/** Billing-period length in days for a claim type (0 = a single day). */
function duration(rng: Rng, type: ClaimType): number {
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

export class SyntheticStore implements DataStore {
  readonly userCount: number;
  private readonly seed: number;
  private readonly now: () => Date;
  private readonly claimId: (userIndex: number, seq: number) => string;
  private readonly pinned = new Map<number, UserPlan>();
  private readonly cache: Lru<number, PatientRecord>;
  private txMs = ANCHOR_MS;
  private loads = 0;

  constructor(options: SyntheticStoreOptions) {
    const { users, seed } = options;
    if (!Number.isInteger(users) || users < 0 || users > MAX_USERS) {
      throw new RangeError(`users must be an integer in 0..${MAX_USERS}`);
    }
    if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
    this.userCount = users;
    this.seed = seed;
    this.now = options.now ?? (() => new Date());
    this.claimId = claimIdScrambler(seed);
    this.cache = new Lru(options.cacheSize ?? 500);
  }

  transactionTime(): string {
    return isoTime(this.txMs);
  }

  userByIndex(index: number): SyntheticUser | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.userCount ? makeUser(index) : undefined;
  }

  userByUsername(username: string): SyntheticUser | undefined {
    const index = indexForUsername(username);
    return index === undefined ? undefined : this.userByIndex(index);
  }

  userByPatientId(patientId: string): SyntheticUser | undefined {
    const index = userIndexForPatientId(patientId);
    return index === undefined ? undefined : this.userByIndex(index);
  }

  record(patientId: string): PatientRecord | undefined {
    const user = this.userByPatientId(patientId);
    if (!user) return undefined;
    const cached = this.cache.get(user.index);
    if (cached) return cached;
    const record = this.build(this.plan(user.index));
    this.cache.set(user.index, record);
    return record;
  }

  advance(options: AdvanceOptions = {}): AdvanceResult {
    const {
      newClaimsFraction,
      changedFraction,
      removedFraction,
      adjustedFraction,
      cancelledFraction,
      indexes,
    } = resolveAdvance(options, this.userCount);
    this.txMs = nextTransactionMs(this.now, this.txMs);
    this.loads++;
    const tx = this.txMs;
    const txDay = dayOf(tx);
    const added: Record<string, string[]> = {};
    const changed: Record<string, string[]> = {};
    const removed: Record<string, string[]> = {};
    const versioned: Record<string, string[]> = {};
    const cancelledIds: Record<string, string[]> = {};

    for (const index of indexes) {
      // One stream per (load, user): the outcome for a user never depends on which other users
      // this load covers, or on what was read before.
      const rng = new Rng(this.seed, 'load', this.loads, index);
      const plan = this.plan(index);
      const addCount = rng.chance(newClaimsFraction) ? rng.int(1, 3) : 0;
      const kept: ClaimPlan[] = [];
      const removedIds: string[] = [];
      const changedIds: string[] = [];
      const versionIds: string[] = [];
      const cancelIds: string[] = [];
      let nextSeq = plan.nextSeq;
      for (const claim of plan.claims) {
        const r = rng.next();
        const final = isFinalVersion(claim);
        if (r < removedFraction) {
          removedIds.push(claim.id);
        } else if (r < removedFraction + changedFraction) {
          kept.push({ ...claim, revision: claim.revision + 1, lastUpdatedMs: tx, legacy: false });
          changedIds.push(claim.id);
        } else if (
          final &&
          r < removedFraction + changedFraction + adjustedFraction &&
          nextSeq < MAX_CLAIMS_PER_USER
        ) {
          // An adjustment: the claim is superseded by a new version in its claim group.
          kept.push(cancelled(claim, tx));
          cancelIds.push(claim.id);
          const seq = nextSeq++;
          const version = nextVersion(claim, rng, {
            seq,
            claimId: this.claimId(index, seq),
            lastUpdatedMs: tx,
            firstLoadDay: txDay,
          });
          kept.push(version);
          versionIds.push(version.id);
        } else if (final && r < removedFraction + changedFraction + adjustedFraction + cancelledFraction) {
          kept.push(cancelled(claim, tx));
          cancelIds.push(claim.id);
        } else {
          kept.push(claim);
        }
      }
      const addedIds: string[] = [];
      for (let k = 0; k < addCount && nextSeq < MAX_CLAIMS_PER_USER; k++) {
        const type = rng.weighted(CLAIM_TYPE_WEIGHTS);
        // Rolling claims: service dates within the two weeks before the load.
        const thru = txDay - rng.int(1, 13);
        const from = thru - Math.min(duration(rng, type), thru - (txDay - 14));
        const claimId = this.claimId(index, nextSeq);
        const claim: ClaimPlan = {
          seq: nextSeq,
          type,
          claimId,
          id: eobId(type, claimId),
          from,
          thru,
          firstLoadDay: txDay,
          lastUpdatedMs: tx,
          legacy: false,
          revision: 0,
          rootSeq: nextSeq,
          status: 'active',
        };
        nextSeq++;
        kept.push(claim);
        addedIds.push(claim.id);
      }
      if (
        addedIds.length + changedIds.length + removedIds.length + versionIds.length + cancelIds.length ===
        0
      ) {
        continue;
      }
      kept.sort((a, b) => compareEobIds(a.id, b.id));
      this.pinned.set(index, { ...plan, claims: kept, nextSeq, version: plan.version + 1 });
      this.cache.delete(index);
      const pid = plan.patientId;
      if (addedIds.length) added[pid] = addedIds.sort(compareEobIds);
      if (changedIds.length) changed[pid] = changedIds;
      if (removedIds.length) removed[pid] = removedIds;
      if (versionIds.length) versioned[pid] = versionIds.sort(compareEobIds);
      if (cancelIds.length) cancelledIds[pid] = cancelIds;
    }
    return { transactionTime: isoTime(tx), added, changed, removed, versioned, cancelled: cancelledIds };
  }

  // -------------------------------------------------------------------------------------------

  private plan(index: number): UserPlan {
    return this.pinned.get(index) ?? this.initialPlan(index);
  }

  /** The user's claims as of the initial loads (weekly loads ending at the anchor). */
  private initialPlan(index: number): UserPlan {
    const rng = new Rng(this.seed, 'plan', index);
    const patientId = patientIdForUser(index);
    const legacyUser = rng.chance(LEGACY_USER_RATE);
    // Skewed count: median ~22, most users 10-40, bounded 3..80 (BB2's CSV shows 3-76).
    let count = Math.min(80, Math.max(3, Math.round(Math.exp(Math.log(22) + 0.55 * rng.normal()))));
    const legacyCount = legacyUser ? rng.int(2, 6) : 0;
    count = Math.max(3, Math.min(count, 80 - legacyCount));
    const claims: ClaimPlan[] = [];
    let seq = 0;
    for (let k = 0; k < count; k++) {
      const type = rng.weighted(CLAIM_TYPE_WEIGHTS);
      const week = rng.int(0, INITIAL_WEEKS);
      const firstLoad = loadTime(week);
      const thru = dayOf(firstLoad) - rng.int(7, 45);
      const from = thru - duration(rng, type);
      // Some claims were rewritten by a later load.
      const lastWeek = week > 0 && rng.chance(0.1) ? rng.int(0, week - 1) : week;
      const claimId = this.claimId(index, seq);
      const claim: ClaimPlan = {
        seq,
        type,
        claimId,
        id: eobId(type, claimId),
        from,
        thru,
        firstLoadDay: dayOf(firstLoad),
        lastUpdatedMs: loadTime(lastWeek),
        legacy: false,
        revision: 0,
        rootSeq: seq,
        status: 'active',
      };
      seq++;
      const versioning = rng.next();
      const room = claims.length + (count - k) + legacyCount < 80;
      if (versioning < INITIAL_ADJUSTED_RATE && lastWeek > 0 && room) {
        // Adjusted by a later load: the original stays as a cancelled version.
        const adjustedAt = loadTime(rng.int(0, lastWeek - 1));
        claims.push(cancelled(claim, adjustedAt));
        const versionId = this.claimId(index, seq);
        claims.push(
          nextVersion(claim, rng, {
            seq,
            claimId: versionId,
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
    for (let k = 0; k < legacyCount; k++) {
      // Loaded before 2020-02-12: BFD has no load time for these.
      const type = rng.weighted(CLAIM_TYPE_WEIGHTS);
      const thru = rng.int(dayFromYmd(2017, 1, 1), dayFromYmd(2019, 12, 15));
      const from = thru - duration(rng, type);
      const claimId = this.claimId(index, seq);
      claims.push({
        seq,
        type,
        claimId,
        id: eobId(type, claimId),
        from,
        thru,
        firstLoadDay: thru + rng.int(10, 25),
        lastUpdatedMs: 0,
        legacy: true,
        revision: 0,
        rootSeq: seq,
        status: 'active',
      });
      seq++;
    }
    claims.sort((a, b) => compareEobIds(a.id, b.id));
    const patientLegacy = legacyUser && rng.chance(0.5);
    const patientLoad = loadTime(rng.int(0, INITIAL_WEEKS + 8));
    return {
      index,
      patientId,
      claims,
      nextSeq: seq,
      version: 1,
      patientLastUpdated: patientLegacy ? LEGACY_LAST_UPDATED : isoTime(patientLoad),
      patientLegacy,
      legacyUser,
      referenceYear: patientLegacy ? 2019 : yearOf(dayOf(patientLoad)),
    };
  }

  private build(plan: UserPlan): PatientRecord {
    const person = makePerson(this.seed, plan.index, plan.patientId, plan.legacyUser);
    const legacyIds = new Set<string>();
    if (plan.patientLegacy) {
      legacyIds.add(plan.patientId);
      for (const part of PARTS) legacyIds.add(coverageId(part, plan.patientId));
    }
    const patient = buildPatient(person, plan.patientLastUpdated, plan.referenceYear);
    const coverages: FhirResource[] = PARTS.map((part) =>
      buildCoverage(person, part, plan.patientLastUpdated, plan.referenceYear),
    );
    const eobs: FhirResource[] = plan.claims.map((claim) => {
      if (claim.legacy) legacyIds.add(claim.id);
      return buildEob({
        seed: this.seed,
        plan: claim,
        person,
        lastUpdated: claim.legacy ? LEGACY_LAST_UPDATED : isoTime(claim.lastUpdatedMs),
      });
    });
    return Object.freeze({
      patientId: plan.patientId,
      patient,
      coverages: Object.freeze(coverages),
      eobs: Object.freeze(eobs),
      legacyIds,
      version: plan.version,
    });
  }
}

export function createSyntheticStore(options: SyntheticStoreOptions): DataStore {
  return new SyntheticStore(options);
}
