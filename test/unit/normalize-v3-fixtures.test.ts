/**
 * The normalizer on real BB2 v3 responses (../shared/fixtures/bb2/v3, BFD server-ng snapshots).
 * Expected values are computed here from the raw JSON, element by element, so the test checks the
 * mapping and not a copy of its output.
 */
import { describe, expect, it } from 'vitest';

import { normalizeResource } from '../../src/fhir/normalize.ts';
import type { NormalizedResource } from '../../src/model/resources.ts';
import { allFixtureFiles, fixtureResources, type Json } from '../helpers/fixtures.ts';
import { adjudicationEntries } from '../helpers/tables.ts';
import { haveV3Fixtures, readV3Fixture, v3FixtureFiles, v3Resources } from '../helpers/v3-fixtures.ts';

const ADJUDICATION = 'https://bluebutton.cms.gov/fhir/CodeSystem/Adjudication';
const EOB_TYPE = 'https://bluebutton.cms.gov/fhir/CodeSystem/EOB-TYPE';
const PRIOR_AUTH = 'http://hl7.org/fhir/us/davinci-pdex/StructureDefinition/pdex-priorauthorization';

/** The IDR name of an adjudication/total entry. */
const idrOf = (entry: Json): string | undefined =>
  (entry.category?.coding as Json[] | undefined)?.find((c) => c.system === ADJUDICATION)?.code;

/** An amount of `list` by IDR name, as numeric(14,2) text; null when absent. */
function amountText(list: Json[] | undefined, ...idrs: string[]): string | null {
  for (const idr of idrs) {
    const hit = (list ?? []).find((e) => idrOf(e) === idr && e.amount?.value !== undefined);
    if (hit) return Number(hit.amount.value).toFixed(2);
  }
  return null;
}

function claimEobs(): { file: string; eob: Json }[] {
  const out: { file: string; eob: Json }[] = [];
  for (const file of v3FixtureFiles()) {
    for (const r of v3Resources(file)) {
      if (r.resourceType === 'ExplanationOfBenefit' && !r.meta?.profile?.includes(PRIOR_AUTH)) {
        out.push({ file, eob: r });
      }
    }
  }
  return out;
}

function only<T>(list: T[]): T {
  expect(list).toHaveLength(1);
  return list[0]!;
}

describe.skipIf(!haveV3Fixtures)(
  'v3 claims, checked against their raw JSON (needs ../shared/fixtures/bb2/v3)',
  () => {
    it('maps every v3 claim of every claim type, with its type, dates, payment, lines and diagnoses', () => {
      const types = new Set<string>();
      const eobs = claimEobs();
      expect(eobs.length).toBeGreaterThanOrEqual(13);
      for (const { file, eob } of eobs) {
        const n = normalizeResource(eob);
        expect(n.apiVersion, file).toBe('v3');
        const claim = only(n.rows.claims);
        const eobType = (eob.type.coding as Json[]).find((c) => c.system === EOB_TYPE)!.code as string;
        types.add(claim.claim_type);
        expect(claim, file).toMatchObject({
          claim_id: eob.id,
          patient_id: (eob.patient.reference as string).replace('Patient/', ''),
          claim_type: eobType.toLowerCase(),
          billable_start: eob.billablePeriod.start,
          billable_end: eob.billablePeriod.end,
          status: eob.status,
          outcome: eob.outcome,
          line_count: eob.item.length,
        });
        if (claim.claim_type !== 'pde') {
          expect(claim.payment_amount, file).toBe(Number(eob.payment.amount.value).toFixed(2));
          expect(claim.submitted_amount, file).toBe(amountText(eob.total, 'CLM_SBMT_CHRG_AMT'));
        }
        for (const item of eob.item as Json[]) {
          const line = n.rows.claim_lines.find((l) => l.line_number === item.sequence)!;
          expect(line, `${file} line ${item.sequence}`).toMatchObject({
            submitted_amount: amountText(item.adjudication, 'CLM_LINE_SBMT_CHRG_AMT', 'TOT_RX_CST_AMT'),
            allowed_amount: amountText(item.adjudication, 'CLM_LINE_ALOWD_CHRG_AMT'),
            paid_amount: amountText(item.adjudication, 'CLM_LINE_CVRD_PD_AMT'),
            noncovered_amount: amountText(item.adjudication, 'CLM_LINE_NCVRD_CHRG_AMT'),
          });
          expect(adjudicationEntries([line])).toHaveLength((item.adjudication ?? []).length);
        }
        expect(
          n.rows.claim_diagnoses.map((d) => [d.sequence, d.code, d.system]),
          file,
        ).toEqual(
          ((eob.diagnosis ?? []) as Json[]).map((d) => [
            d.sequence,
            d.diagnosisCodeableConcept.coding[0].code,
            d.diagnosisCodeableConcept.coding[0].system,
          ]),
        );
        expect(
          n.rows.claim_procedures.map((p) => [p.sequence, p.code, p.performed_on]),
          file,
        ).toEqual(
          ((eob.procedure ?? []) as Json[]).map((p) => [
            p.sequence,
            p.procedureCodeableConcept.coding[0].code,
            p.date ?? null,
          ]),
        );
      }
      // Hospice exists only among the model examples (tested below), not in server output.
      expect([...types].sort()).toEqual(['carrier', 'dme', 'hha', 'inpatient', 'outpatient', 'pde', 'snf']);
    });

    it('sums a professional claim’s patient share from line deductible and coinsurance', () => {
      const eob = readV3Fixture('eob-carrier.json');
      const n = normalizeResource(eob);
      const item = eob.item[0] as Json;
      const expected =
        Number(amountText(item.adjudication, 'CLM_LINE_MDCR_DDCTBL_AMT')) +
        Number(amountText(item.adjudication, 'CLM_LINE_MDCR_COINSRNC_AMT'));
      const claim = only(n.rows.claims);
      expect(claim.patient_responsibility_amount).toBe(expected.toFixed(2));
      expect(claim.allowed_amount).toBe(amountText(eob.total, 'CLM_ALOWD_CHRG_AMT'));
      expect(claim.primary_payer_paid_amount).toBe(
        amountText(eob.adjudication, 'CLM_MDCR_PRFNL_PRMRY_PYR_AMT'),
      );
      expect(claim.nch_claim_type_code).toBe('71');
      expect(claim.provider_npi).toBe(eob.provider.reference.slice(1)); // contained Practitioner's NPI = its id here
      expect(n.rows.claim_lines[0]!.modifiers).toEqual(item.modifier[0].coding.map((c: Json) => c.code));
    });

    it('takes an inpatient claim’s patient share from the Part A deductible, coinsurance and blood deductible', () => {
      const eob = readV3Fixture('eob-inpatient.json');
      const claim = only(normalizeResource(eob).rows.claims);
      const expected = ['CLM_MDCR_IP_BENE_DDCTBL_AMT', 'CLM_BLOOD_LBLTY_AMT']
        .map((c) => Number(amountText(eob.adjudication, c) ?? 0))
        .reduce((a, b) => a + b, Number(amountText(eob.total, 'CLM_MDCR_COINSRNC_AMT')));
      expect(claim.patient_responsibility_amount).toBe(expected.toFixed(2));
      expect(claim.primary_payer_paid_amount).toBe(
        amountText(eob.adjudication, 'CLM_MDCR_INSTNL_PRMRY_PYR_AMT'),
      );
      const drg = (eob.supportingInfo as Json[]).find((s) => s.category.coding[0].code === 'drg');
      expect(claim.drg_code).toBe(drg?.code.coding[0].code ?? null);
    });

    it('keeps header amounts and day counts in claim_financials, totals first', () => {
      const eob = readV3Fixture('eob-snf-swing-bed.json');
      const n = normalizeResource(eob);
      const totals = n.rows.claim_financials.filter((f) => f.source === 'total');
      expect(totals.map((t) => [t.variable, t.amount])).toEqual(
        (eob.total as Json[]).map((t) => [idrOf(t), Number(t.amount.value).toFixed(2)]),
      );
      const days = n.rows.claim_financials.find((f) => f.variable === 'CLM_INSTNL_CVRD_DAY_CNT');
      const rawDays = (eob.adjudication as Json[]).find((a) => idrOf(a) === 'CLM_INSTNL_CVRD_DAY_CNT');
      expect(days).toMatchObject({ source: 'adjudication', count_value: rawDays!.value, amount: null });
    });

    it('maps a compound PDE to its first ingredient’s NDC, with days supply, fill number and prescriber', () => {
      const eob = readV3Fixture('eob-pharmacy.json');
      const n = normalizeResource(eob);
      const info = (code: string) =>
        (eob.supportingInfo as Json[]).find((s) => s.category.coding.some((c: Json) => c.code === code));
      const claim = only(n.rows.claims);
      expect(claim).toMatchObject({
        claim_type: 'pde',
        days_supply: info('dayssupply')!.valueQuantity.value,
        fill_number: info('refillnum')!.valueQuantity.value,
        prescriber_npi: eob.careTeam.find((c: Json) => c.role.coding[0].code === 'prescribing').provider
          .identifier.value,
        submitted_amount: amountText(eob.total, 'TOT_RX_CST_AMT'),
        patient_responsibility_amount: amountText(eob.total, 'CLM_BENE_PMT_AMT'),
        paid_date: eob.payment.date,
        part: 'D',
      });
      const line = only(n.rows.claim_lines);
      expect(eob.item[0].productOrService.coding[0].code).toBe('compound');
      expect(line.product_code).toBe(eob.item[0].detail[0].productOrService.coding[0].code);
      expect(line.product_system).toBe('http://hl7.org/fhir/sid/ndc');
      expect(line.service_start).toBe(eob.item[0].servicedDate);
    });

    it('reports the final-action status, the superseded control number and the SAMHSA label', () => {
      const phase1 = normalizeResource(readV3Fixture('eob-outpatient-fiss-phase1-not-final.json'));
      const phase2Raw = readV3Fixture('eob-outpatient-fiss-phase2-final.json');
      const phase2 = normalizeResource(phase2Raw);
      const samhsa = normalizeResource(readV3Fixture('eob-snf-fiss-samhsa-labelled.json'));
      expect(phase1.claimVersion).toMatchObject({
        source: 'FISS',
        systemType: 'SharedSystem',
        finalAction: false,
      });
      expect(phase2.claimVersion).toMatchObject({
        finalAction: true,
        controlNumber: phase2Raw.identifier.find((i: Json) => i.system?.endsWith('CLM-CNTL-NUM')).value,
        priorControlNumbers: [phase2Raw.related[0].reference.value],
      });
      expect(samhsa.claimVersion?.samhsa).toBe(true);
      // ... and into the analytics layer's version columns.
      expect(phase1.rows.claims[0]).toMatchObject({ final_action: false });
      expect(phase2.rows.claims[0]).toMatchObject({ final_action: true });
      const voided = normalizeResource(readV3Fixture('eob-pharmacy-with-organization.json')).rows.claims[0];
      expect(voided).toMatchObject({ final_action: true, pde_adjustment_code: 'D' }); // CLM_ADJSTMT_TYPE_CD 1 VOID
      expect(normalizeResource(readV3Fixture('eob-snf.json')).claimVersion?.samhsa).toBe(false);
    });

    it('keeps a prior authorization raw without claim rows', () => {
      for (const eob of v3Resources('eob-bundle-prior-authorization-2.json')) {
        const n = normalizeResource(eob);
        expect(n.rows.claims).toEqual([]);
        expect(n.patientId).toBe(eob.patient.reference.replace('Patient/', ''));
        expect(n.warnings.join()).toMatch(/prior authorization/);
      }
    });

    it('maps the model examples too (not server output), which hold the only v3 hospice claim', () => {
      for (const file of ['eob-hospice.json', 'eob-outpatient-nch.json', 'eob-carrier-mcs.json']) {
        const eob: Json = { ...readV3Fixture(`model-examples/${file}`), id: 'model-example' };
        const claim = only(normalizeResource(eob).rows.claims);
        expect(claim.claim_type).toBe(
          (eob.type.coding as Json[]).find((c) => c.system === EOB_TYPE)!.code.toLowerCase(),
        );
        expect(claim.payment_amount).toBe(Number(eob.payment.amount.value).toFixed(2));
      }
    });
  },
);

describe.skipIf(!haveV3Fixtures)('v3 Coverage and Patient (needs ../shared/fixtures/bb2/v3)', () => {
  const ext = (r: Json, name: string) =>
    (r.extension as Json[]).find((e) => e.url.endsWith(`/${name}`)) as Json | undefined;

  it('maps every Coverage of the search Bundle with its part, period and plan', () => {
    for (const r of v3Resources('coverage-bundle.json')) {
      const row = only(normalizeResource(r).rows.coverages);
      const plan = (r.class as Json[]).find((c) => c.type.coding[0].code === 'plan')!.value as string;
      expect(row).toMatchObject({
        coverage_id: r.id,
        patient_id: r.beneficiary.reference.replace('Patient/', ''),
        part: /^Part ([A-D])$/.exec(plan)?.[1] ?? null,
        status: r.status,
        period_start: r.period?.start ?? null,
        period_end: r.period?.end ?? null,
        subscriber_id: r.subscriberId,
        contract_id: ext(r, 'BENE-CNTRCT-NUM')?.valueString ?? null,
        plan_id: ext(r, 'BENE-PBP-NUM')?.valueString ?? null,
        dual_status_code: ext(r, 'BENE-DUAL-STUS-CD')?.valueCoding.code ?? null,
      });
    }
  });

  it('maps a Patient with two MBIs to the one without an end date', () => {
    const raw = readV3Fixture('patient-two-mbis-replaces.json');
    const row = only(normalizeResource(raw).rows.patients);
    const current = (raw.identifier as Json[]).filter((i) => !i.period?.end);
    expect(row).toMatchObject({
      patient_id: raw.id,
      mbi: only(current).value,
      birth_date: raw.birthDate,
      family_name: raw.name[0].family,
      given_name: raw.name[0].given[0],
      state: raw.address[0].state,
      race_code: null,
    });
  });

  it('stores a merged-away Patient and an empty Coverage read without rows, saying why', () => {
    const merged = normalizeResource(readV3Fixture('patient-merged-replaced-by.json'));
    expect(merged.rows.patients).toEqual([]);
    expect(merged.warnings.join()).toMatch(/merged into Patient\/517782585/);
    const empty = normalizeResource(readV3Fixture('coverage-read-no-coverage.json'));
    expect(empty.rows.coverages).toEqual([]);
    expect(empty.patientId).toBe('289169129');
  });
});

describe('version detection', () => {
  it('reads every v2 fixture as v2', () => {
    for (const file of allFixtureFiles()) {
      for (const r of fixtureResources(file)) {
        if (!['Patient', 'Coverage', 'ExplanationOfBenefit'].includes(r.resourceType)) continue;
        expect((normalizeResource(r) as NormalizedResource).apiVersion, file).toBe('v2');
      }
    }
  });
});
