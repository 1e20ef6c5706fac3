/**
 * The generated resources are checked against the real BB2/BFD responses in shared/fixtures:
 * same key paths, code systems and extension URLs per claim type, and the money adds up the way
 * CMS data does.
 */
import { describe, expect, it } from 'vitest';

import {
  CLAIM_TYPES,
  createSyntheticStore,
  patientIdForUser,
  type FhirResource,
} from '../../src/emulator/data/index.ts';
import {
  ADJ,
  VAR,
  asArray,
  cents,
  codeSystems,
  codings,
  extensionUrls,
  financial,
  keyPaths,
  kindOf,
  lineSum,
  loadFixtureResources,
  moneyValues,
  type Json,
} from './data-helpers.ts';
import { describeWithFixtures } from '../helpers/fixtures.ts';

const store = createSyntheticStore({ users: 10_000, seed: 2024 });
const generated = new Map<string, FhirResource[]>();
for (let i = 0; i < 250; i++) {
  const r = store.record(patientIdForUser(i));
  if (!r) throw new Error('missing record');
  for (const res of [r.patient, ...r.coverages, ...r.eobs]) {
    const list = generated.get(kindOf(res)) ?? [];
    list.push(res);
    generated.set(kindOf(res), list);
  }
}

interface Reference {
  paths: Set<string>;
  systems: Set<string>;
  urls: Set<string>;
  /** Key paths of the newest-shape BFD golden file for the kind. */
  golden: Set<string>;
}

const GOLDEN_FILE: Record<string, string> = {
  Patient: 'bfd/patient.json',
  Coverage: 'bfd/coverage-bundle.json',
};
for (const t of CLAIM_TYPES) GOLDEN_FILE[t] = `bfd/eob-${t}.json`;

const reference = new Map<string, Reference>();
for (const { file, resource } of loadFixtureResources()) {
  const kind = kindOf(resource);
  let ref = reference.get(kind);
  if (!ref) {
    ref = { paths: new Set(), systems: new Set(), urls: new Set(), golden: new Set() };
    reference.set(kind, ref);
  }
  keyPaths(resource, ref.paths);
  codeSystems(resource, ref.systems);
  extensionUrls(resource, ref.urls);
  if (file.endsWith(GOLDEN_FILE[kind] ?? '-')) keyPaths(resource, ref.golden);
}

/**
 * Allowed although absent from that kind's fixtures. The only SNF fixture (BFD's golden file)
 * predates ICD-10 and codes its diagnoses and procedure in ICD-9; generated SNF claims are recent,
 * so they use the ICD-10-CM/ICD-10 diagnosis codings and ICD-10-PCS procedure codings that the
 * other institutional golden files (inpatient, outpatient) carry in exactly the same places.
 */
const SYSTEM_ALLOW_LIST: Record<string, readonly string[]> = {
  snf: [
    'http://hl7.org/fhir/sid/icd-10-cm',
    'http://hl7.org/fhir/sid/icd-10',
    'http://www.cms.gov/Medicare/Coding/ICD10',
  ],
};

function union(
  resources: readonly FhirResource[],
  collect: (r: FhirResource, out: Set<string>) => Set<string>,
): Set<string> {
  const out = new Set<string>();
  for (const r of resources) collect(r, out);
  return out;
}

function eobsOf(type: string): FhirResource[] {
  return generated.get(type) ?? [];
}

describeWithFixtures('structure conformance with the real BB2/BFD fixtures', () => {
  for (const kind of [...CLAIM_TYPES, 'Patient', 'Coverage']) {
    describe(kind, () => {
      const resources = generated.get(kind) ?? [];
      const ref = reference.get(kind);

      it(`generates ${kind} resources for the sample and has real fixtures to compare with`, () => {
        expect(resources.length).toBeGreaterThan(5);
        expect(ref?.golden.size).toBeGreaterThan(20);
      });

      it(`uses only key paths that occur in real ${kind} fixtures`, () => {
        const extra = [...union(resources, (r, out) => keyPaths(r, out))].filter((p) => !ref?.paths.has(p));
        expect(extra).toEqual([]);
      });

      it(`uses only code systems that occur in real ${kind} fixtures`, () => {
        const allowed = new Set(SYSTEM_ALLOW_LIST[kind] ?? []);
        const extra = [...union(resources, (r, out) => codeSystems(r, out))].filter(
          (s) => !ref?.systems.has(s) && !allowed.has(s),
        );
        expect(extra).toEqual([]);
      });

      it(`uses only extension URLs that occur in real ${kind} fixtures`, () => {
        const extra = [...union(resources, (r, out) => extensionUrls(r, out))].filter(
          (u) => !ref?.urls.has(u),
        );
        expect(extra).toEqual([]);
      });

      it(`produces every key path of the BFD golden ${kind} file`, () => {
        const generatedPaths = union(resources, (r, out) => keyPaths(r, out));
        const missing = [...(ref?.golden ?? [])].filter((p) => !generatedPaths.has(p));
        expect(missing).toEqual([]);
      });
    });
  }
});

describe('claim-type quirks of the generated resources', () => {
  it('keeps the BFD profile and claim-type quirks per type (DME institutional, HHA professional)', () => {
    const typeCodes = (e: FhirResource): unknown[] => codings(e['type']).map((c) => c['code']);
    expect(typeCodes(eobsOf('dme')[0] as FhirResource)).toEqual(['82', 'DME', 'institutional']);
    expect(typeCodes(eobsOf('hha')[0] as FhirResource)).toEqual(['10', 'HHA', 'professional']);
    expect(typeCodes(eobsOf('pde')[0] as FhirResource)).toEqual(['PDE', 'pharmacy']);
    expect(typeCodes(eobsOf('carrier')[0] as FhirResource)).toEqual(['71', 'CARRIER', 'professional']);
    expect((eobsOf('hha')[0]?.meta as Json)['profile']).toEqual([
      'http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Professional-NonClinician',
    ]);
    expect((eobsOf('dme')[0]?.meta as Json)['profile']).toEqual([
      'http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional',
    ]);
  });

  it('contains an Organization on institutional claims and Observations on carrier/DME claims, referenced locally', () => {
    for (const type of ['inpatient', 'outpatient', 'snf', 'hha', 'hospice']) {
      for (const eob of eobsOf(type)) {
        expect(asArray(eob['contained']).map((c) => c['resourceType'])).toEqual(['Organization']);
        expect((eob['provider'] as Json)['reference']).toBe('#provider-org');
      }
    }
    for (const eob of [...eobsOf('carrier'), ...eobsOf('dme')]) {
      const ids = new Set(asArray(eob['contained']).map((c) => `#${String(c['id'])}`));
      const refs = asArray(eob['supportingInfo']).flatMap((s) =>
        s['valueReference'] ? [(s['valueReference'] as Json)['reference']] : [],
      );
      expect(new Set(refs)).toEqual(ids);
    }
    expect(eobsOf('dme').every((e) => asArray(e['contained']).length > 0)).toBe(true);
  });
});

describe('codings', () => {
  it('gives every line adjudication category both codings: a generic CARIN/HL7 code and the CCW variable', () => {
    const generic =
      /^http:\/\/(terminology\.hl7\.org\/CodeSystem\/adjudication|hl7\.org\/fhir\/us\/carin-bb\/CodeSystem\/C4BBAdjudication)$/;
    const variable = /^https:\/\/bluebutton\.cms\.gov\/resources\/variables\/[a-z0-9_]+$/;
    const problems: string[] = [];
    let checked = 0;
    for (const eob of [...generated.entries()]
      .filter(([k]) => (CLAIM_TYPES as readonly string[]).includes(k))
      .flatMap(([, v]) => v)) {
      for (const item of asArray(eob['item'])) {
        for (const adj of asArray(item['adjudication'])) {
          const c = codings(adj['category']);
          if (c[0]?.['code'] === 'denialreason') {
            if (!adj['reason'] || 'amount' in adj) {
              problems.push(`${eob.id}: denialreason without reason or with amount`);
            }
            continue;
          }
          const ok =
            c.length === 2 &&
            generic.test(String(c[0]?.['system'])) &&
            c[1]?.['system'] === ADJ &&
            variable.test(String(c[1]?.['code']));
          if (!ok) problems.push(`${eob.id}: ${JSON.stringify(c)}`);
          checked++;
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('writes ICD-10 diagnoses as two codings (icd-10-cm and icd-10) of the same dotless code, and none on PDE', () => {
    for (const [kind, resources] of generated) {
      if (!(CLAIM_TYPES as readonly string[]).includes(kind)) continue;
      for (const eob of resources) {
        if (kind === 'pde') {
          expect(eob['diagnosis']).toBeUndefined();
          continue;
        }
        const dx = asArray(eob['diagnosis']);
        expect(dx.length).toBeGreaterThan(0);
        for (const d of dx) {
          const c = codings(d['diagnosisCodeableConcept']);
          expect(c.map((x) => x['system'])).toEqual([
            'http://hl7.org/fhir/sid/icd-10-cm',
            'http://hl7.org/fhir/sid/icd-10',
          ]);
          expect(c[0]?.['code']).toBe(c[1]?.['code']);
          expect(String(c[0]?.['code'])).toMatch(/^[A-Z][0-9A-Z]{2,6}$/);
        }
      }
    }
  });

  it('has procedures on inpatient claims and on some SNF and outpatient claims only', () => {
    const share = (type: string): number =>
      eobsOf(type).filter((e) => 'procedure' in e).length / eobsOf(type).length;
    expect(share('inpatient')).toBeGreaterThan(0.5);
    expect(share('outpatient')).toBeGreaterThan(0);
    expect(share('outpatient')).toBeLessThan(0.4);
    for (const type of ['carrier', 'dme', 'pde', 'hha', 'hospice']) expect(share(type)).toBe(0);
  });
});

describe('money is consistent the way CMS data is', () => {
  it('writes every amount in USD with at most two decimals, never negative', () => {
    const problems: string[] = [];
    for (const resources of generated.values()) {
      for (const r of resources) {
        for (const [path, value] of moneyValues(r)) {
          if (Math.abs(value * 100 - Math.round(value * 100)) > 1e-6 || value < 0) {
            problems.push(`${r.id} ${path}: ${value}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('includes whole-dollar amounts among the amounts, as real data does', () => {
    const values = eobsOf('carrier')
      .flatMap((e) => moneyValues(e).map(([, v]) => v))
      .filter((v) => v > 0);
    expect(values.some((v) => Number.isInteger(v))).toBe(true);
    expect(values.some((v) => !Number.isInteger(v))).toBe(true);
  });

  it('sums carrier and DME lines into the claim: payment, submitted, allowed, provider, beneficiary, deductible', () => {
    for (const eob of [...eobsOf('carrier'), ...eobsOf('dme')]) {
      expect(cents((eob['payment'] as Json)['amount'])).toBe(lineSum(eob, 'line_nch_pmt_amt'));
      expect(financial(eob, 'nch_carr_clm_sbmtd_chrg_amt')).toBe(lineSum(eob, 'line_sbmtd_chrg_amt'));
      expect(financial(eob, 'nch_carr_clm_alowd_amt')).toBe(lineSum(eob, 'line_alowd_chrg_amt'));
      expect(financial(eob, 'nch_clm_prvdr_pmt_amt')).toBe(lineSum(eob, 'line_prvdr_pmt_amt'));
      expect(financial(eob, 'nch_clm_bene_pmt_amt')).toBe(lineSum(eob, 'line_bene_pmt_amt'));
      expect(financial(eob, 'carr_clm_cash_ddctbl_apld_amt')).toBe(lineSum(eob, 'line_bene_ptb_ddctbl_amt'));
      // The BFD quirk: the single total is the primary-payer-paid amount, labelled clm_tot_chrg_amt.
      const total = asArray(eob['total']);
      expect(total).toHaveLength(1);
      expect(codings(total[0]?.['category']).map((c) => c['code'])).toEqual([
        'priorpayerpaid',
        `${VAR}clm_tot_chrg_amt`,
      ]);
      expect(cents(total[0]?.['amount'])).toBe(lineSum(eob, 'line_bene_prmry_pyr_pd_amt'));
      for (const item of asArray(eob['item'])) {
        const line = { ...eob, item: [item] } as FhirResource;
        expect(lineSum(line, 'line_alowd_chrg_amt')).toBeLessThanOrEqual(
          lineSum(line, 'line_sbmtd_chrg_amt'),
        );
        expect(lineSum(line, 'line_nch_pmt_amt')).toBe(
          lineSum(line, 'line_alowd_chrg_amt') -
            lineSum(line, 'line_bene_ptb_ddctbl_amt') -
            lineSum(line, 'line_coinsrnc_amt') -
            lineSum(line, 'line_bene_prmry_pyr_pd_amt'),
        );
      }
    }
    const totals = [...eobsOf('carrier'), ...eobsOf('dme')].map((e) =>
      cents(asArray(e['total'])[0]?.['amount']),
    );
    expect(totals.filter((t) => t === 0).length / totals.length).toBeGreaterThan(0.8);
  });

  it('makes the institutional total charge the sum of the lines’ revenue-center total charges', () => {
    for (const type of ['inpatient', 'outpatient', 'snf', 'hha', 'hospice']) {
      for (const eob of eobsOf(type)) {
        const total = asArray(eob['total']);
        expect(total).toHaveLength(1);
        expect(codings(total[0]?.['category']).map((c) => c['code'])).toEqual([
          'submitted',
          `${VAR}clm_tot_chrg_amt`,
        ]);
        expect(cents(total[0]?.['amount'])).toBe(lineSum(eob, 'rev_cntr_tot_chrg_amt'));
        expect(cents((eob['payment'] as Json)['amount'])).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('sums outpatient, HHA and hospice line payments into the claim payment, and outpatient deductible/coinsurance into benefitBalance', () => {
    for (const type of ['outpatient', 'hha', 'hospice']) {
      for (const eob of eobsOf(type)) {
        expect(cents((eob['payment'] as Json)['amount'])).toBe(lineSum(eob, 'rev_cntr_pmt_amt_amt'));
      }
    }
    for (const eob of eobsOf('outpatient')) {
      expect(financial(eob, 'nch_bene_ptb_ddctbl_amt')).toBe(lineSum(eob, 'rev_cntr_cash_ddctbl_amt'));
      expect(financial(eob, 'nch_bene_ptb_coinsrnc_amt')).toBe(
        lineSum(eob, 'rev_cntr_coinsrnc_wge_adjstd_c'),
      );
      expect(financial(eob, 'clm_op_prvdr_pmt_amt')).toBe(lineSum(eob, 'rev_cntr_prvdr_pmt_amt'));
    }
  });

  it('sums inpatient and SNF non-covered line charges and deductions into benefitBalance', () => {
    for (const eob of [...eobsOf('inpatient'), ...eobsOf('snf')]) {
      expect(financial(eob, 'nch_ip_ncvrd_chrg_amt')).toBe(lineSum(eob, 'rev_cntr_ncvrd_chrg_amt'));
      expect(financial(eob, 'nch_ip_tot_ddctn_amt')).toBe(
        (financial(eob, 'nch_bene_ip_ddctbl_amt') ?? 0) +
          (financial(eob, 'nch_bene_pta_coinsrnc_lblty_amt') ?? 0) +
          (financial(eob, 'nch_bene_blood_ddctbl_lblty_am') ?? 0),
      );
    }
    for (const eob of eobsOf('inpatient')) {
      const parts = [
        'clm_pps_cptl_fsp_amt',
        'clm_pps_cptl_ime_amt',
        'clm_pps_cptl_dsprprtnt_shr_amt',
        'clm_pps_cptl_outlier_amt',
        'clm_pps_cptl_excptn_amt',
        'clm_pps_old_cptl_hld_hrmls_amt',
      ];
      expect(financial(eob, 'clm_tot_pps_cptl_amt')).toBe(
        parts.reduce((s, p) => s + (financial(eob, p) ?? 0), 0),
      );
    }
  });

  it('makes the PDE total drug cost equal plan paid + patient paid + the other payers, and the cost bands add up', () => {
    for (const eob of eobsOf('pde')) {
      const tot = lineSum(eob, 'tot_rx_cst_amt');
      const parts = [
        'cvrd_d_plan_pd_amt',
        'ptnt_pay_amt',
        'othr_troop_amt',
        'lics_amt',
        'plro_amt',
        'rptd_gap_dscnt_num',
      ];
      expect(parts.reduce((s, p) => s + lineSum(eob, p), 0)).toBe(tot);
      expect(lineSum(eob, 'gdc_blw_oopt_amt') + lineSum(eob, 'gdc_abv_oopt_amt')).toBe(tot);
      const total = asArray(eob['total']);
      expect(codings(total[0]?.['category'])[0]?.['code']).toBe('drugcost');
      expect(cents(total[0]?.['amount'])).toBe(tot);
      expect(eob['benefitBalance']).toBeUndefined();
      const payment = eob['payment'] as Json | undefined;
      if (payment) expect(Object.keys(payment)).toEqual(['date']);
    }
    const withPayment = eobsOf('pde').filter((e) => 'payment' in e).length / eobsOf('pde').length;
    expect(withPayment).toBeGreaterThan(0.3);
    expect(withPayment).toBeLessThan(0.95);
  });
});
