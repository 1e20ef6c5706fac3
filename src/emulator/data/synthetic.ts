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
import { LoadResult, resolveAdvance } from './advance.ts';
import { buildEob } from './eob.ts';
import { MAX_USERS, claimIdScrambler, patientIdForUser, userIndexForPatientId } from './ids.ts';
import { Lru } from './lru.ts';
import { PARTS, buildCoverage, coverageId } from './coverage.ts';
import { buildPatient } from './patient.ts';
import { makePerson } from './person.ts';
import { Rng } from './prng.ts';
import { StoreBase, userRecord } from './store-base.ts';
import { ANCHOR_MS, LEGACY_LAST_UPDATED, isoTime } from './time.ts';
import type { AdvanceOptions, AdvanceResult, FhirResource, PatientRecord, SyntheticUser } from './types.ts';
import { INITIAL_PLAN_VERSION, initialPlan, type UserPlan } from './user-plan.ts';
import { loadUser } from './weekly-load.ts';

export interface SyntheticStoreOptions {
  /** Number of users: BBUser00000 .. BBUser{users-1}. */
  users: number;
  seed: number;
  /** Clock for `advance()` (default: the wall clock). Initial data never depends on it. */
  now?: () => Date;
  /** Generated records kept in memory (LRU). Default 500 (a record is ~170 KB of heap, so ~90 MB). */
  cacheSize?: number;
}

export class SyntheticStore extends StoreBase {
  readonly userCount: number;
  private readonly seed: number;
  private readonly claimId: (userIndex: number, seq: number) => string;
  private readonly pinned = new Map<number, UserPlan>();
  private readonly cache: Lru<number, PatientRecord>;

  constructor(options: SyntheticStoreOptions) {
    const { users, seed } = options;
    if (!Number.isInteger(users) || users < 0 || users > MAX_USERS) {
      throw new RangeError(`users must be an integer in 0..${MAX_USERS}`);
    }
    if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
    super(options.now ?? (() => new Date()), ANCHOR_MS);
    this.userCount = users;
    this.seed = seed;
    this.claimId = claimIdScrambler(seed);
    this.cache = new Lru(options.cacheSize ?? 500);
  }

  userByIndex(index: number): SyntheticUser | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.userCount
      ? userRecord(index, patientIdForUser(index))
      : undefined;
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

  /**
   * Without generating the record: a user changed by a load has a pinned plan with its version,
   * every other user's is the first. (The record cache holds 500 records: with more users read in
   * turn, each page request rebuilt its user's whole record only to read this number.)
   */
  override recordVersion(patientId: string): number | undefined {
    const user = this.userByPatientId(patientId);
    if (!user) return undefined;
    return this.pinned.get(user.index)?.version ?? INITIAL_PLAN_VERSION;
  }

  advance(options: AdvanceOptions = {}): AdvanceResult {
    const load = resolveAdvance(options, this.userCount);
    const txMs = this.nextLoad();
    const result = new LoadResult();
    for (const index of load.indexes) {
      // One stream per (load, user): the outcome for a user never depends on which other users
      // this load covers, or on what was read before.
      const rng = new Rng(this.seed, 'load', this.loads, index);
      const plan = this.plan(index);
      const loaded = loadUser(plan, rng, load, txMs, (seq) => this.claimId(index, seq));
      if (!loaded) continue;
      this.pinned.set(index, loaded.plan);
      this.cache.delete(index);
      result.note(plan.patientId, loaded.changes);
    }
    return result.result(isoTime(txMs));
  }

  // -------------------------------------------------------------------------------------------

  private plan(index: number): UserPlan {
    return this.pinned.get(index) ?? initialPlan(this.seed, index, (seq) => this.claimId(index, seq));
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

export function createSyntheticStore(options: SyntheticStoreOptions): SyntheticStore {
  return new SyntheticStore(options);
}
