/**
 * Claim versions end to end: the emulator's synthetic adjustment chains, cancellations and PDE
 * adjustments/deletions, normalized and loaded, then read through every view and `bbsync report`.
 * Expected values are computed here from the emulator's raw EOB JSON: a version is final when its
 * status is active and it is not a PDE deletion (adjstmt_dltn_cd D).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildReport } from '../../src/db/analytics.ts';
import { ingestBatch } from '../../src/db/ingest.ts';
import { createSyntheticStore, patientIdForUser, type FhirResource } from '../../src/emulator/data/index.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

type Json = Record<string, unknown>;
const USERS = 25;
const VAR = 'https://bluebutton.cms.gov/resources/variables/';
const GROUP = 'https://bluebutton.cms.gov/resources/identifier/claim-group';

let tdb: TestDatabase;
const eobs: FhirResource[] = [];

function adjustmentCode(eob: FhirResource): string | undefined {
  const info = ((eob['supportingInfo'] as Json[] | undefined) ?? []).find((si) =>
    JSON.stringify(si['category']).includes('adjstmt_dltn_cd'),
  );
  return (
    (((info?.['code'] as Json | undefined)?.['coding'] as Json[] | undefined)?.[0]?.['code'] as string) ??
    undefined
  );
}
const isFinal = (eob: FhirResource) => eob['status'] === 'active' && adjustmentCode(eob) !== 'D';
const patientOf = (eob: FhirResource) =>
  ((eob['patient'] as Json)['reference'] as string).slice('Patient/'.length);
const groupOf = (eob: FhirResource) =>
  ((eob['identifier'] as Json[]).find((i) => i['system'] === GROUP) as Json)['value'] as string;

/** What was paid, in cents, from the raw JSON: payment.amount, or for PDE the line cvrd_d_plan_pd_amt. */
function paidCents(eob: FhirResource): number {
  if (eob.id.startsWith('pde-')) {
    let cents = 0;
    for (const item of eob['item'] as Json[]) {
      for (const adj of item['adjudication'] as Json[]) {
        const codes = ((adj['category'] as Json)['coding'] as Json[]).map((c) => c['code']);
        if (codes.includes(`${VAR}cvrd_d_plan_pd_amt`))
          cents += Math.round(((adj['amount'] as Json)['value'] as number) * 100);
      }
    }
    return cents;
  }
  return Math.round((((eob['payment'] as Json)['amount'] as Json)['value'] as number) * 100);
}
const cents = (v: string | null) => (v === null ? 0 : Math.round(Number(v) * 100));

beforeAll(async () => {
  tdb = await createTestDatabase('versions');
  const store = createSyntheticStore({ users: USERS, seed: 33, now: () => new Date('2027-03-01T00:00:00Z') });
  store.advance({
    newClaimsFraction: 0.2,
    changedFraction: 0.02,
    removedFraction: 0,
    adjustedFraction: 0.25,
    cancelledFraction: 0.05,
  });
  store.advance({
    newClaimsFraction: 0,
    changedFraction: 0,
    removedFraction: 0,
    adjustedFraction: 0.2,
    cancelledFraction: 0.02,
  });
  const batch = [];
  for (let i = 0; i < USERS; i++) {
    const record = store.record(patientIdForUser(i))!;
    for (const r of [record.patient, ...record.coverages, ...record.eobs]) batch.push(normalizeResource(r));
    eobs.push(...record.eobs);
  }
  await ingestBatch(tdb.pool, batch, { normalizerVersion: NORMALIZER_VERSION });
}, 120_000);
afterAll(async () => {
  await tdb?.drop();
});

describe('synthetic claim versions', () => {
  it('include adjustment chains, cancellations, PDE adjustments and PDE deletions', () => {
    const byGroup = new Map<string, FhirResource[]>();
    for (const e of eobs) byGroup.set(groupOf(e), [...(byGroup.get(groupOf(e)) ?? []), e]);
    const chains = [...byGroup.values()].filter((g) => g.length > 1);
    expect(chains.length).toBeGreaterThan(10);
    for (const chain of chains) expect(chain.filter(isFinal).length).toBeLessThanOrEqual(1);
    expect(eobs.some((e) => e['status'] === 'cancelled' && byGroup.get(groupOf(e))!.length === 1)).toBe(true);
    expect(eobs.some((e) => adjustmentCode(e) === 'D' && e['status'] === 'active')).toBe(true);
    expect(eobs.some((e) => adjustmentCode(e) === 'A' && e['status'] === 'active')).toBe(true);
  });

  it('keep every version queryable in claim_versions, with is_final from status and the PDE code', async () => {
    const { rows } = await tdb.pool.query<{ claim_id: string; is_final: boolean; version_role: string }>(
      'SELECT claim_id, is_final, version_role FROM claim_versions',
    );
    expect(rows.length).toBe(eobs.length);
    const byId = new Map(rows.map((r) => [r.claim_id, r]));
    for (const e of eobs) {
      expect(byId.get(e.id)?.is_final).toBe(isFinal(e));
      if (adjustmentCode(e) === 'D') expect(byId.get(e.id)?.version_role).toBe('pde_deletion');
    }
  });

  it('count each claim once, with the final version amounts, in patient_summary and claims_monthly', async () => {
    const { rows: summary } = await tdb.pool.query(
      'SELECT patient_id, claim_count, pde_claims, total_paid_amount FROM patient_summary',
    );
    const { rows: monthly } = await tdb.pool.query(
      `SELECT patient_id, sum(claim_count)::int AS n, sum(medicare_paid_amount) AS paid
       FROM claims_monthly GROUP BY patient_id`,
    );
    for (let i = 0; i < USERS; i++) {
      const pid = patientIdForUser(i);
      const finals = eobs.filter((e) => patientOf(e) === pid && isFinal(e));
      const paid = finals.reduce((a, e) => a + paidCents(e), 0);
      const s = summary.find((r) => r.patient_id === pid);
      expect(s.claim_count).toBe(finals.length);
      expect(s.pde_claims).toBe(finals.filter((e) => e.id.startsWith('pde-')).length);
      expect(cents(s.total_paid_amount)).toBe(paid);
      const m = monthly.find((r) => r.patient_id === pid);
      expect(m.n).toBe(finals.length);
      expect(cents(m.paid)).toBe(paid);
    }
  });

  it('leave superseded, cancelled and deleted PDE events out of drug_fills and diagnoses_by_patient', async () => {
    const { rows: fills } = await tdb.pool.query<{ claim_id: string }>('SELECT claim_id FROM drug_fills');
    expect(new Set(fills.map((f) => f.claim_id))).toEqual(
      new Set(eobs.filter((e) => e.id.startsWith('pde-') && isFinal(e)).map((e) => e.id)),
    );
    const { rows: dx } = await tdb.pool.query<{ n: number }>(
      'SELECT sum(claim_count)::int AS n FROM diagnoses_by_patient',
    );
    const expected = eobs.filter(isFinal).reduce((n, e) => {
      const roles = new Set(
        ((e['diagnosis'] as Json[] | undefined) ?? []).map((d) => {
          const code = (((d['diagnosisCodeableConcept'] as Json)['coding'] as Json[])[0] as Json)['code'];
          const principal = JSON.stringify(d['type'] ?? '').includes('"principal"');
          return `${String(code)}|${principal}`;
        }),
      );
      return n + roles.size;
    }, 0);
    expect(dx[0]?.n).toBe(expected);
  });

  it('count only final versions in bbsync report', async () => {
    const report = await buildReport(tdb.pool, { limit: 1000 });
    for (const p of report.patients) {
      const finals = eobs.filter((e) => patientOf(e) === p.patient_id && isFinal(e));
      expect(p.claim_count).toBe(finals.length);
      expect(cents(p.total_paid_amount)).toBe(finals.reduce((a, e) => a + paidCents(e), 0));
    }
    const finalIds = new Set(eobs.filter(isFinal).map((e) => e.id));
    const dxClaims = new Map<string, Set<string>>();
    for (const e of eobs.filter((x) => finalIds.has(x.id))) {
      for (const d of (e['diagnosis'] as Json[] | undefined) ?? []) {
        const code = (((d['diagnosisCodeableConcept'] as Json)['coding'] as Json[])[0] as Json)[
          'code'
        ] as string;
        dxClaims.set(code, (dxClaims.get(code) ?? new Set()).add(e.id));
      }
    }
    for (const top of report.top_diagnoses) expect(top.claim_count).toBe(dxClaims.get(top.code)?.size ?? 0);
    const fills = eobs.filter((e) => e.id.startsWith('pde-') && isFinal(e)).length;
    expect(report.top_drugs.reduce((n, d) => n + d.fill_count, 0)).toBe(fills);
  });
});
