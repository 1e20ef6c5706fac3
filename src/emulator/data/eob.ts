/**
 * ExplanationOfBenefit builders, one per claim type, each modelled on BFD's golden file for that
 * type (`shared/fixtures/bb2/v2/bfd/eob-<type>.json`): the same keys in the same places and
 * order, the same code systems and CCW variable URLs. Amounts are integer cents internally so
 * the claim-level sums are exact (see the money notes per type).
 */
import type { ClaimPlan } from './claims.ts';
import type { Ctx } from './eob-common.ts';
import { buildInstitutional } from './eob-institutional.ts';
import { buildPde } from './eob-pde.ts';
import { buildCarrier } from './eob-carrier.ts';
import { buildDme } from './eob-dme.ts';
import type { Person } from './person.ts';
import { Rng } from './prng.ts';
import { yearOf } from './time.ts';
import type { FhirResource } from './types.ts';

export interface ClaimInput {
  readonly seed: number;
  readonly plan: ClaimPlan;
  readonly person: Person;
  /** meta.lastUpdated (and `created`) of the resource. */
  readonly lastUpdated: string;
}

export function buildEob(input: ClaimInput): FhirResource {
  const { seed, plan, person } = input;
  // Versions of one claim share the content seed (rootSeq): a new version keeps the claim's
  // codes and lines and differs in id, status and (through the revision) amounts.
  const ctx: Ctx = {
    rng: new Rng(seed, 'claim', person.index, plan.rootSeq),
    money: new Rng(seed, 'money', person.index, plan.rootSeq),
    scale: revisionScale(seed, person.index, plan.rootSeq, plan.revision),
    plan,
    person,
    lastUpdated: input.lastUpdated,
    year: yearOf(plan.thru),
    claimGroup: `-${new Rng(seed, 'claim-group', person.index, plan.rootSeq).int(100_000_000, 2_147_483_647)}`,
  };
  if (plan.type === 'carrier') return buildCarrier(ctx);
  if (plan.type === 'dme') return buildDme(ctx);
  if (plan.type === 'pde') return buildPde(ctx);
  return buildInstitutional(ctx, plan.type);
}

/** A revision multiplies base amounts by a factor at least 3% away from 1, so amounts change. */
function revisionScale(seed: number, index: number, seq: number, revision: number): number {
  if (revision === 0) return 1;
  const r = new Rng(seed, 'revision', index, seq, revision);
  const delta = 0.03 + r.next() * 0.22;
  return r.chance(0.5) ? 1 + delta : 1 - delta;
}
