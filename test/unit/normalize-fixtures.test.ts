/**
 * Conformance of the normalizer with real BB2/BFD responses. Every expected value below was read
 * by hand from the JSON files in ../shared/fixtures/bb2/v2 (the comment names the element).
 */
import { expect, it } from 'vitest';

import { NormalizeError } from '../../src/errors.ts';
import { normalizeResource } from '../../src/fhir/normalize.ts';
import type { NormalizedResource } from '../../src/model/resources.ts';
import { adjudicationEntries } from '../helpers/tables.ts';
import {
  allFixtureFiles,
  describeWithFixtures,
  fixtureResource,
  fixtureResources,
} from '../helpers/fixtures.ts';

function normalize(file: string, id: string): NormalizedResource {
  return normalizeResource(fixtureResource(file, id));
}

function claimOf(n: NormalizedResource) {
  const claim = n.rows.claims[0];
  if (!claim) throw new Error('no claim row');
  return claim;
}

function line(n: NormalizedResource, lineNumber: number) {
  const found = n.rows.claim_lines.find((l) => l.line_number === lineNumber);
  if (!found) throw new Error(`no line ${lineNumber}`);
  return found;
}

function adjudication(n: NormalizedResource, lineNumber: number, variable: string) {
  return adjudicationEntries(n.rows.claim_lines).filter(
    (a) => a.line_number === lineNumber && a.variable === variable,
  );
}

describeWithFixtures('every real fixture', () => {
  it('normalizes every Patient, Coverage and ExplanationOfBenefit without a rejection', () => {
    let count = 0;
    const types = new Set<string>();
    for (const file of allFixtureFiles()) {
      for (const resource of fixtureResources(file)) {
        if (!['Patient', 'Coverage', 'ExplanationOfBenefit'].includes(resource.resourceType)) continue;
        const n = normalizeResource(resource);
        count++;
        if (n.resourceType === 'ExplanationOfBenefit') types.add(claimOf(n).claim_type);
        expect(n.contentHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // The stored text is the resource exactly as received.
        expect(n.json).toBe(JSON.stringify(resource));
      }
    }
    expect(count).toBe(146);
    expect([...types].sort()).toEqual([
      'carrier',
      'dme',
      'hha',
      'hospice',
      'inpatient',
      'outpatient',
      'pde',
      'snf',
    ]);
  });

  it('gives every line its own row and keeps every adjudication entry of the line, in list order', () => {
    for (const file of allFixtureFiles()) {
      for (const resource of fixtureResources(file)) {
        if (resource.resourceType !== 'ExplanationOfBenefit') continue;
        const n = normalizeResource(resource);
        const items = (resource.item ?? []) as { adjudication?: { amount?: { value?: number } }[] }[];
        expect(n.rows.claim_lines).toHaveLength(items.length);
        n.rows.claim_lines.forEach((line, i) => {
          const amounts = adjudicationEntries([line]).map((a) =>
            a.amount === null ? null : Number(a.amount),
          );
          expect(amounts, `${file} item[${i}]`).toEqual(
            (items[i]!.adjudication ?? []).map((a) => a.amount?.value ?? null),
          );
        });
      }
    }
  });
});

describeWithFixtures('carrier claims', () => {
  it('maps the BFD carrier claim, reading money from CMS variables and not from the mislabelled total', () => {
    const n = normalize('bfd/eob-carrier.json', 'carrier-9991831999');
    expect(claimOf(n)).toMatchObject({
      claim_type: 'carrier',
      patient_id: '567834', // patient.reference
      claim_number: '9991831999', // identifier clm_id
      claim_group: '900',
      nch_claim_type_code: '71',
      billable_start: '1999-10-27',
      billable_end: '1999-10-27',
      received_date: '1999-11-06', // supportingInfo clmrecvddate
      payment_amount: '199.99', // payment.amount
      submitted_amount: '245.04', // benefitBalance nch_carr_clm_sbmtd_chrg_amt
      allowed_amount: '166.23', // benefitBalance nch_carr_clm_alowd_amt
      primary_payer_paid_amount: '0.00', // total "clm_tot_chrg_amt" (really carr_clm_prmry_pyr_pd_amt)
      provider_npi: '1234567890', // provider.identifier carr_clm_blg_npi_num
      coverage_id: 'part-b-567834',
      part: 'B',
      line_count: 1,
    });
    // The only item has sequence 6.
    expect(line(n, 6)).toMatchObject({
      product_code: '92999',
      product_system: 'https://bluebutton.cms.gov/resources/codesystem/hcpcs',
      modifiers: ['LT'],
      place_of_service: '11',
      service_start: '1999-10-27',
      submitted_amount: '75.00', // line_sbmtd_chrg_amt
      allowed_amount: '47.84', // line_alowd_chrg_amt
      paid_amount: '37.50', // line_nch_pmt_amt
      patient_responsibility_amount: '9.57', // line_bene_ptb_ddctbl_amt 0 + line_coinsrnc_amt 9.57
    });
    expect(adjudication(n, 6, 'line_coinsrnc_amt')).toEqual([
      expect.objectContaining({ category: 'coinsurance', amount: '9.57', currency: 'USD' }),
    ]);
    expect(n.rows.claim_diagnoses.map((d) => [d.sequence, d.code, d.system, d.diagnosis_type])).toEqual([
      [1, 'A02', 'http://hl7.org/fhir/sid/icd-10-cm', 'principal'],
      [2, 'A06', 'http://hl7.org/fhir/sid/icd-10-cm', 'secondary'],
      [3, 'B04', 'http://hl7.org/fhir/sid/icd-10-cm', 'secondary'],
      [4, 'B05', 'http://hl7.org/fhir/sid/icd-10-cm', 'secondary'],
      [5, 'A52', 'http://hl7.org/fhir/sid/icd-10-cm', 'secondary'],
    ]);
  });

  it('keeps a denial reason as an adjudication row with its reason code and no amount', () => {
    const n = normalize('bfd/eob-carrier.json', 'carrier-9991831999');
    const denial = adjudicationEntries(n.rows.claim_lines).find((a) => a.category === 'denialreason');
    expect(denial).toMatchObject({
      amount: null,
      variable: 'carr_line_rdcd_pmt_phys_astn_c',
      reason_code: '0',
    });
  });

  it('maps a sandbox carrier claim with a negative id, integer amounts and ICD-9 codes', () => {
    const n = normalize('sandbox/eob-paging-bene-19990000000001/eob-page-0.json', 'carrier--10344810963');
    expect(claimOf(n)).toMatchObject({
      claim_id: 'carrier--10344810963',
      claim_type: 'carrier',
      claim_number: '-10344810963',
      patient_id: '-19990000000001',
      billable_start: '2000-08-01',
      payment_amount: '60.00', // written as 60
      submitted_amount: '90.00',
      allowed_amount: '80.00',
    });
    expect(line(n, 1)).toMatchObject({
      product_code: '88305',
      paid_amount: '60.00',
      submitted_amount: '90.00',
    });
    expect(n.rows.claim_diagnoses.map((d) => [d.code, d.system])).toEqual([
      ['2113', 'http://hl7.org/fhir/sid/icd-9-cm'],
      ['9999999', 'http://hl7.org/fhir/sid/icd-9-cm'],
    ]);
    // careTeam NPIs have no system since 2021 and are not always 10 digits.
    expect(n.rows.claim_care_team.map((c) => [c.role, c.provider_id, c.provider_id_type])).toEqual([
      ['referring', '999999999999', 'UPIN'],
      ['referring', '99999999999999', 'npi'],
      ['performing', '999999999999', 'UPIN'],
    ]);
  });

  it('maps the 12-line test-environment carrier claim and drops data-absent product codes', () => {
    const n = normalize('test-env/eob-bundle-bene-10000010254647-page1.json', 'carrier--10000930038026');
    expect(claimOf(n)).toMatchObject({
      payment_amount: '817.41',
      submitted_amount: '1021.76',
      allowed_amount: '817.41',
      line_count: 12,
    });
    expect(line(n, 1)).toMatchObject({
      product_code: null,
      paid_amount: '91.04',
      submitted_amount: '113.80',
    });
    expect(line(n, 2)).toMatchObject({ paid_amount: '108.80', submitted_amount: '136.00' });
  });

  it('uses the claim-level allowed amount of a 2020 carrier claim even where the line disagrees', () => {
    const n = normalize('bb2-server-tests/eob-carrier.json', 'carrier-22639159481');
    expect(claimOf(n)).toMatchObject({
      payment_amount: '50.00',
      submitted_amount: '250.00',
      allowed_amount: '60.00', // nch_carr_clm_alowd_amt; the line's line_alowd_chrg_amt says 250
      patient_responsibility_amount: '10.00',
    });
    expect(line(n, 1).allowed_amount).toBe('250.00');
    expect(n.rows.claim_diagnoses.map((d) => d.code)).toEqual(['M810', '9999999']);
  });
});

describeWithFixtures('institutional claims', () => {
  it('maps the BFD inpatient claim with its procedures, DRG, admission and contained provider', () => {
    const n = normalize('bfd/eob-inpatient.json', 'inpatient-333333222222');
    expect(claimOf(n)).toMatchObject({
      claim_type: 'inpatient',
      billable_start: '2016-01-15',
      billable_end: '2016-01-27',
      payment_amount: '7699.48',
      submitted_amount: '84999.37', // total clm_tot_chrg_amt
      patient_responsibility_amount: '123.00', // ip deductible 112 + coinsurance 5 + blood deductible 6
      primary_payer_paid_amount: '11.00', // prpayamt
      drg_code: '695',
      admission_start: '2016-01-15',
      admission_end: '2016-01-27',
      discharge_status: '51',
      claim_frequency_code: '1',
      facility_type_code: '1',
      provider_npi: '0000000000', // contained Organization, us-npi
      provider_ccn: '777776', // contained Organization, PRN
      provider_name: 'Fake ORG Name',
      attending_npi: '161999999',
      part: 'A',
    });
    expect(n.rows.claim_procedures.map((p) => [p.sequence, p.code, p.performed_on])).toEqual([
      [1, 'BQ0HZZZ', '2016-01-16'],
      [2, 'CD1YYZZ', '2016-01-16'],
      [3, '2W52X6Z', '2016-01-15'],
      [4, 'BP17ZZZ', '2016-01-17'],
      [5, 'D9YD8ZZ', '2016-01-24'],
      [6, 'F00ZCKZ', '2016-01-24'],
    ]);
    expect(n.rows.claim_procedures[0]?.system).toBe('http://www.cms.gov/Medicare/Coding/ICD10');
    expect(n.rows.claim_diagnoses[0]).toMatchObject({ code: 'A37', diagnosis_type: 'admitting' });
    // The line has no date of its own: it takes the billing period, and says so.
    expect(line(n, 1)).toMatchObject({
      submitted_amount: '84888.88', // rev_cntr_tot_chrg_amt
      noncovered_amount: '3699.00',
      service_start: '2016-01-15',
      service_end: '2016-01-27',
      service_dates_from_claim: 1,
    });
    const utilization = n.rows.claim_financials.find((f) => f.variable === 'clm_utlztn_day_cnt');
    expect(utilization).toMatchObject({ source: 'benefit_balance', count_value: 12, amount: null });
  });

  it('reads a 2020 inpatient claim: uncategorized total, variable-only adjudications and the DRG in a diagnosis', () => {
    const n = normalize('bb2-server-tests/eob-inpatient.json', 'inpatient-4436342082');
    expect(claimOf(n)).toMatchObject({
      payment_amount: '10000.00',
      submitted_amount: '10000.00', // the single total, which has no category
      drg_code: '191', // diagnosis[0].packageCode clm_drg_cd
      line_count: 11,
    });
    expect(adjudication(n, 1, 'rev_cntr_tot_chrg_amt')).toEqual([
      expect.objectContaining({ category: null, amount: '4000.00' }),
    ]);
    // diagnosis[0] only carried the DRG; the real diagnoses start at sequence 2.
    expect(n.rows.claim_diagnoses[0]).toMatchObject({
      sequence: 2,
      code: '49392',
      diagnosis_type: 'admitting',
    });
    expect(n.rows.claim_diagnoses.find((d) => d.sequence === 3)).toMatchObject({
      code: '4940',
      diagnosis_type: 'principal',
      present_on_admission: 'Y',
    });
  });

  it('maps a sandbox outpatient claim whose lines have no dates', () => {
    const n = normalize('sandbox/eob-paging-bene-19990000000001/eob-page-0.json', 'outpatient--1147969185');
    expect(claimOf(n)).toMatchObject({ payment_amount: '30.00', submitted_amount: '100.00', line_count: 5 });
    expect(line(n, 1)).toMatchObject({
      product_code: '80061',
      submitted_amount: '60.00',
      service_start: '2000-04-01',
      service_dates_from_claim: 1,
    });
    expect(line(n, 2)).toMatchObject({ product_code: '82550', submitted_amount: '10.00' });
  });

  it('maps a test-environment outpatient claim with an unknown-ICD-version diagnosis', () => {
    const n = normalize('test-env/eob-bundle-bene-10000010254647-page1.json', 'outpatient--10000930038021');
    expect(claimOf(n)).toMatchObject({
      payment_amount: '60.70',
      submitted_amount: '60.70',
      patient_responsibility_amount: '10.00', // ptb deductible 0 + coinsurance 10 + blood 0
      provider_ccn: '014018',
      provider_name: 'BEHAVIORAL HEALTHCARE CENTER AT HUNTSVILLE, LLC',
    });
    expect(line(n, 1)).toMatchObject({
      revenue_code: '0001',
      paid_amount: '60.70',
      noncovered_amount: '60.70',
    });
    expect(n.rows.claim_diagnoses).toHaveLength(9);
    // The trailing space of BB2's "unknown-icd-version/ " system is trimmed; there is no code.
    expect(n.rows.claim_diagnoses[8]).toMatchObject({
      sequence: 9,
      code: null,
      system: 'http://hl7.org/fhir/sid/unknown-icd-version/',
    });
  });

  it('maps SNF, hospice and HHA claims by their id prefix, whatever their profile says', () => {
    const snf = normalize('bfd/eob-snf.json', 'snf-777777777');
    expect(claimOf(snf)).toMatchObject({
      claim_type: 'snf',
      billable_start: '2013-12-01',
      billable_end: '2013-12-18',
      payment_amount: '3333.33',
      submitted_amount: '5555.03',
    });
    expect(line(snf, 1)).toMatchObject({
      quantity: '234.567',
      submitted_amount: '95.00',
      noncovered_amount: '88.00',
    });
    expect(snf.rows.claim_procedures.map((p) => p.code)).toEqual(['9214']);

    const hospice = normalize('bfd/eob-hospice.json', 'hospice-9992223422');
    expect(claimOf(hospice)).toMatchObject({
      claim_type: 'hospice',
      payment_amount: '130.32',
      submitted_amount: '199.99',
    });
    expect(line(hospice, 1)).toMatchObject({
      service_start: '2014-09-01',
      paid_amount: '26.00',
      service_dates_from_claim: 0,
    });

    // HHA carries a professional profile in BFD's output but is an institutional claim.
    const hha = normalize('bfd/eob-hha.json', 'hha-2925555555');
    expect(claimOf(hha)).toMatchObject({
      claim_type: 'hha',
      payment_amount: '188.00',
      submitted_amount: '199.99',
    });
    expect(line(hha, 1)).toMatchObject({
      submitted_amount: '25.00',
      noncovered_amount: '24.00',
      paid_amount: '26.00',
    });
  });
});

describeWithFixtures('DME and PDE claims', () => {
  it('maps a DME claim, keeping both entries of the variable BFD writes twice', () => {
    const n = normalize('bfd/eob-dme.json', 'dme-2188888888');
    expect(claimOf(n)).toMatchObject({
      claim_type: 'dme',
      payment_amount: '777.75',
      submitted_amount: '1752.75',
      allowed_amount: '754.79',
      billable_start: '2014-02-03',
    });
    expect(line(n, 1)).toMatchObject({
      product_code: '345',
      submitted_amount: '130.45',
      allowed_amount: '129.45',
      paid_amount: '123.45',
      quantity: '60',
    });
    expect(adjudication(n, 1, 'line_bene_pmt_amt').map((a) => [a.category, a.amount])).toEqual([
      ['paidtopatient', '11.00'],
      ['paidtoprovider', '82.29'],
    ]);
  });

  it('maps the BFD PDE with plan paid, patient paid, days supply and prescriber', () => {
    const n = normalize('bfd/eob-pde.json', 'pde-89');
    expect(claimOf(n)).toMatchObject({
      claim_type: 'pde',
      claim_number: '89', // identifier pde_id
      nch_claim_type_code: null,
      billable_start: '2015-05-12',
      paid_date: '2015-05-27', // payment.date
      payment_amount: '126.99', // cvrd_d_plan_pd_amt
      submitted_amount: '550.00', // total drugcost
      patient_responsibility_amount: '235.85', // ptnt_pay_amt
      primary_payer_paid_amount: '59.72', // othr_troop_amt 17.30 + plro_amt 42.42
      days_supply: 30,
      fill_number: 3,
      prescriber_npi: '1750384806',
      provider_npi: '1023011079',
      part: 'D',
    });
    expect(line(n, 1)).toMatchObject({
      product_system: 'http://hl7.org/fhir/sid/ndc',
      product_code: '000000000',
      product_display: 'Fake Diluent - WATER',
      quantity: '60',
      service_start: '2015-05-12',
    });
    expect(n.rows.claim_diagnoses).toEqual([]);
  });

  it('maps 2020 PDEs whose amounts have no currency and keeps pde-X and pde--X apart', () => {
    const negative = normalize('bb2-server-tests/eob-bundle-pde.json', 'pde--3269834580');
    const positive = normalize('bb2-server-tests/eob-bundle-pde.json', 'pde-3269834580');
    expect(claimOf(negative).claim_number).toBe('-3269834580');
    expect(claimOf(positive).claim_number).toBe('3269834580');
    expect(adjudication(negative, 1, 'gdc_blw_oopt_amt')).toEqual([
      expect.objectContaining({ amount: '10.00', currency: null, category: 'coinsurance' }),
    ]);
    // The 2020 covered-status reason sits on the benefit entry, next to its amount.
    expect(adjudication(negative, 1, 'cvrd_d_plan_pd_amt')).toEqual([
      expect.objectContaining({ amount: '0.00', reason_code: 'C', category: 'benefit' }),
    ]);
    expect(claimOf(negative).submitted_amount).toBe('10.00'); // no total: line tot_rx_cst_amt
  });
});

describeWithFixtures('coverage and patients', () => {
  it('maps the four BFD coverages with their part, status, period and Part C/D contract', () => {
    const byId = (id: string) => normalize('bfd/coverage-bundle.json', id).rows.coverages[0];
    expect(byId('part-a-567834')).toMatchObject({
      part: 'A',
      status: 'cancelled',
      period_start: '2020-03-17',
      period_end: '2020-06-17',
      patient_id: '567834',
      reference_year: 2018,
    });
    expect(byId('part-b-567834')).toMatchObject({ part: 'B', status: 'active', period_start: '2021-07-17' });
    // ptc_cntrct_id_11 and _12 are "0": the latest month with a contract is October.
    expect(byId('part-c-567834')).toMatchObject({
      part: 'C',
      contract_id: 'H1225',
      plan_id: '003',
      period_start: null,
    });
    expect(byId('part-d-567834')).toMatchObject({
      part: 'D',
      contract_id: 'S4607',
      plan_id: '003',
      medicare_status_code: '20',
    });
  });

  it('maps a coverage without a reference year, whose Part C has no extensions at all', () => {
    const n = normalize('bfd/coverage-bundle-without-reference-year.json', 'part-c-567834');
    expect(n.rows.coverages[0]).toMatchObject({
      part: 'C',
      contract_id: null,
      reference_year: null,
      status: 'active',
    });
  });

  it('maps the sandbox patient, keeping its SSA state code and a death date before its birth date', () => {
    const n = normalize('sandbox/patient-bbuser29999.json', '-20140000010000');
    expect(n.rows.patients[0]).toMatchObject({
      patient_id: '-20140000010000',
      birth_date: '2014-06-01',
      deceased_at: '1981-03-17',
      gender: 'male',
      state: '05',
      postal_code: '99999',
      race_code: '2',
      mbi: '3S31P00AA00',
      given_name: 'John',
      middle_initial: 'X',
      reference_year: 3, // rfrnc_yr "0003"
    });
    expect(n.lastUpdated).toBe('2021-06-08T01:51:07.769Z'); // 2021-06-07T21:51:07.769-04:00
  });

  it('picks the current MBI among historic ones, and none when a 2020 patient has no MBI', () => {
    expect(normalize('bfd/patient.json', '567834').rows.patients[0]?.mbi).toBe('3456789');
    expect(
      normalize('bb2-server-tests/patient-read.json', '-20140000008325').rows.patients[0]?.mbi,
    ).toBeNull();
  });
});

describeWithFixtures('volatile and invalid values', () => {
  it('warns about BFD placeholder timestamps and stores them as unknown', () => {
    const n = normalize('bfd/eob-carrier.json', 'carrier-9991831999');
    expect(n.lastUpdated).toBeNull();
    expect(n.warnings).toEqual([
      'ExplanationOfBenefit/carrier-9991831999: meta.lastUpdated "IGNORED_FIELD" is not a timestamp; stored as NULL',
    ]);
  });

  it('hashes content without created and meta.lastUpdated, and changes the hash when an amount changes', () => {
    const original = fixtureResource('bfd/eob-carrier.json', 'carrier-9991831999');
    const again = structuredClone(original);
    again.created = '2030-01-01T00:00:00Z';
    again.meta.lastUpdated = '2030-01-01T00:00:00Z';
    expect(normalizeResource(again).contentHash).toBe(normalizeResource(original).contentHash);
    again.payment.amount.value = 200;
    expect(normalizeResource(again).contentHash).not.toBe(normalizeResource(original).contentHash);
  });

  it('rejects an amount that is not a number, naming the resource and the element', () => {
    const bad = structuredClone(fixtureResource('bfd/eob-carrier.json', 'carrier-9991831999'));
    bad.item[0].adjudication[1].amount.value = 'lots';
    expect(() => normalizeResource(bad)).toThrow(
      new NormalizeError(
        'ExplanationOfBenefit',
        'carrier-9991831999',
        '"lots" is not a number',
        'item[0].adjudication[1].amount.value',
      ),
    );
  });

  it('rejects an EOB without a patient, one with repeated line numbers, and one of unknown type', () => {
    const base = fixtureResource('bfd/eob-carrier.json', 'carrier-9991831999');
    const noPatient = { ...structuredClone(base), patient: undefined };
    expect(() => normalizeResource(noPatient)).toThrow(/has no patient reference/);
    const twice = structuredClone(base);
    twice.item.push(structuredClone(twice.item[0]));
    expect(() => normalizeResource(twice)).toThrow(/line sequence 6 appears twice/);
    const unknown = { ...structuredClone(base), id: 'claim-1', type: { coding: [] } };
    expect(() => normalizeResource(unknown)).toThrow(/claim type is neither in the id prefix/);
  });

  it('rejects an amount too large for numeric(14,2) instead of failing the database batch', () => {
    const big = structuredClone(fixtureResource('bfd/eob-carrier.json', 'carrier-9991831999'));
    big.payment.amount.value = 1e13;
    expect(() => normalizeResource(big)).toThrow(/too large for an amount/);
  });
});

describeWithFixtures('claim versions and the facts analysts filter on', () => {
  it('reads the final-action status and the PDE adjustment code (bfd/eob-pde.json adjstmt_dltn_cd A)', () => {
    const pde = claimOf(normalize('bfd/eob-pde.json', 'pde-89'));
    expect(pde.status).toBe('active');
    expect(pde.final_action).toBe(true);
    expect(pde.pde_adjustment_code).toBe('A');
    const carrier = claimOf(normalize('bfd/eob-carrier.json', 'carrier-9991831999'));
    expect(carrier.final_action).toBe(true);
    expect(carrier.pde_adjustment_code).toBeNull();
  });

  it('marks a cancelled version as not final', () => {
    const resource = {
      ...fixtureResource('bfd/eob-carrier.json', 'carrier-9991831999'),
      status: 'cancelled',
    };
    expect(claimOf(normalizeResource(resource)).final_action).toBe(false);
  });

  it('builds the full type of bill and reads admission type and source (bfd/eob-inpatient.json, eob-snf.json)', () => {
    // clm_fac_type_cd 1 + clm_srvc_clsfctn_type_cd 1 + clm_freq_cd 1; admtype 1; clm_src_ip_admsn_cd 4.
    const inpatient = claimOf(normalize('bfd/eob-inpatient.json', 'inpatient-333333222222'));
    expect(inpatient.bill_type_code).toBe('111');
    expect(inpatient.admission_type_code).toBe('1');
    expect(inpatient.admission_source_code).toBe('4');
    expect(inpatient.non_payment_reason_code).toBe('A');
    const snf = claimOf(normalize('bfd/eob-snf.json', 'snf-777777777'));
    expect(snf.bill_type_code).toBe('211');
  });

  it('reads the carrier payment denial code (carr_clm_pmt_dnl_cd) and the line rendering provider through careTeamSequence', () => {
    const n = normalize('bfd/eob-carrier.json', 'carrier-9991831999');
    expect(claimOf(n).payment_denial_code).toBe('1');
    // item.careTeamSequence [3, 4]: 3 is the performing provider 1923124, 4 the primary (billing) one.
    expect(line(n, 6).rendering_npi).toBe('1923124');
  });
});
