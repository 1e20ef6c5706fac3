/**
 * v3 ids of the synthetic beneficiaries. v3 numbers everything differently from v2 (BFD's
 * `BENE_SK` and claim unique ids; ../shared/reference/bb2-v3.md section 6): the same person and
 * the same claim get new ids, and only the MBI and the claim control number stay the same.
 */

/** v2 `-19990000000002` -> v3 `-502000002`: negative like BB2's test beneficiaries, and distinct. */
export function v3PatientId(v2PatientId: string): string {
  const n = Math.abs(Number(v2PatientId)) % 100_000_000;
  return String(-(500_000_000 + n));
}

/** v2 `carrier--10779869935` -> v3 `10779869935`: BFD's bare numeric claim unique id. */
export function v3ClaimId(v2EobId: string): string {
  const n = v2EobId.slice(v2EobId.indexOf('-') + 1).replace(/^-/, '');
  return n;
}

/** v3 Coverage ids: `part-a-<bene>` (BFD CoverageCompositeId; C and D add contract and plan). */
export function v3CoverageId(part: string, v3Patient: string, contract?: string, plan?: string): string {
  const base = `part-${part.toLowerCase()}-${v3Patient}`;
  return contract && plan ? `${base}-${contract}-${plan}` : base;
}
