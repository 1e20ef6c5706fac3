/**
 * Carrier (Part B professional) and DME claims, modelled on bfd/eob-carrier.json and
 * bfd/eob-dme.json. Money: see proLineMoney; the claim-level amounts are sums of the lines.
 */
import {
  DME_ITEMS,
  ICD10_DX,
  PART_B_DEDUCTIBLE,
  PLACE_OF_SERVICE,
  PRO_SERVICES,
  STATE_NAMES,
  type ProService,
} from './codes.ts';
import {
  type Ctx,
  INSURER,
  eobTypeCodeable,
  insurance,
  claimIdentifiers,
  patientRef,
  weeklyProcessingDay,
  recvdDateInfo,
  diagnosis,
  distinct,
  qualification,
  sequenceArray,
  quantityOf,
  quantityExt,
  dayIn,
  sum,
  hcpcsModifier,
  newEob,
} from './eob-common.ts';
import {
  CS_HCPCS,
  NDC,
  NPI,
  NUCC,
  PROFILE,
  THO,
  VAR,
  adjudication,
  benefitBalance,
  careTeamRole,
  coding,
  denialReason,
  extCoding,
  extIdentifier,
  financialMoney,
  infoCategory,
  money,
  npiTypedIdentifier,
  shared,
  sharedCodeable,
  totalEntry,
  varCodeable,
  varCoding,
  type Obj,
} from './fhir.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Carrier (Part B professional) and DME

const CARRIER_LINE_COUNTS = [
  [1, 30],
  [2, 25],
  [3, 17],
  [4, 11],
  [5, 7],
  [6, 5],
  [7, 3],
  [8, 2],
] as const;
const VISITS = PRO_SERVICES.filter((s) => s.betos[0].startsWith('M'));
const MODIFIERS = ['25', '59', 'LT', 'RT', 'GP', '26', 'TC', 'QW', 'GA'] as const;

interface ProLineMoney {
  submitted: number;
  allowed: number;
  deductible: number;
  priorPayer: number;
  coinsurance: number;
  payment: number;
  toProvider: number;
  toPatient: number;
  full: boolean;
  denied: boolean;
}

/**
 * Professional line money: allowed <= submitted; payment = allowed - deductible - prior payer -
 * coinsurance (20% of what is left; 0 for labs and vaccines, paid at 100%); paid to the provider
 * when assigned, else to the beneficiary. Claim sums are the sums of these (see buildCarrier).
 */
function proLineMoney(
  c: Ctx,
  fee: number,
  units: number,
  full: boolean,
  state: { deductibleLeft: number; msp: boolean; assigned: boolean },
): ProLineMoney {
  const m = c.money;
  const submitted = Math.max(100, Math.round(m.cents(fee * units * 1.3, fee * units * 3.2, 0.4) * c.scale));
  const denied = m.chance(0.03);
  const allowedBase = Math.round(fee * units * 100 * (0.85 + m.next() * 0.3) * c.scale);
  const allowed = denied ? 0 : Math.min(submitted, allowedBase);
  const deductible = full ? 0 : Math.min(allowed, state.deductibleLeft);
  state.deductibleLeft -= deductible;
  const priorPayer = state.msp ? Math.round((allowed - deductible) * (0.4 + m.next() * 0.5)) : 0;
  const coinsurance = full ? 0 : Math.round((allowed - deductible - priorPayer) * 0.2);
  const payment = allowed - deductible - priorPayer - coinsurance;
  return {
    submitted,
    allowed,
    deductible,
    priorPayer,
    coinsurance,
    payment,
    toProvider: state.assigned ? payment : 0,
    toPatient: state.assigned ? 0 : payment,
    full,
    denied,
  };
}

function pmt80100(full: boolean): Obj[] {
  return [full ? extCoding('line_pmt_80_100_cd', '1', '100%') : extCoding('line_pmt_80_100_cd', '0', '80%')];
}

function primaryPayerExtension(c: Ctx, msp: boolean): Obj | undefined {
  if (msp) {
    return extCoding(
      'line_bene_prmry_pyr_cd',
      'A',
      'Working aged bene/spouse with employer group health plan (EGHP)',
    );
  }
  // Medicare primary: the CCW field is blank; newer BFD output carries a coding with only a system.
  return c.rng.chance(0.5)
    ? shared('ext|line_bene_prmry_pyr_cd|blank', () => ({
        url: `${VAR}line_bene_prmry_pyr_cd`,
        valueCoding: { system: `${VAR}line_bene_prmry_pyr_cd` },
      }))
    : undefined;
}

function observation(c: Ctx, lineSeq: number): Obj {
  const hemoglobin = c.rng.chance(0.6);
  return {
    resourceType: 'Observation',
    id: `line-observation-${lineSeq}`,
    status: 'unknown',
    code: hemoglobin
      ? varCodeable('line_hct_hgb_type_cd', 'R1', 'Hemoglobin Test')
      : varCodeable('line_hct_hgb_type_cd', 'R2', 'Hematocrit Test'),
    valueQuantity: { value: hemoglobin ? c.rng.int(90, 165) / 10 : c.rng.int(300, 500) / 10 },
  };
}

function observationInfo(sequence: number, lineSeq: number): Obj {
  return {
    sequence,
    category: infoCategory('line_hct_hgb_rslt_num'),
    valueReference: { reference: `#line-observation-${lineSeq}` },
  };
}

function carrierHeaderExtensions(c: Ctx, nearLine: 'O' | 'M', assigned: boolean): Obj[] {
  const rng = c.rng;
  const ext: Obj[] = [
    nearLine === 'O'
      ? extCoding(
          'nch_near_line_rec_ident_cd',
          'O',
          'Part B physician/supplier claim record (processed by local carriers; can include DMEPOS services)',
        )
      : extCoding(
          'nch_near_line_rec_ident_cd',
          'M',
          'Part B DMEPOS claim record (processed by DME Regional Carrier)',
        ),
    extIdentifier(
      'carr_num',
      nearLine === 'O' ? c.person.carrierNumber : String(rng.pick([17013, 18003, 19003, 16013])),
    ),
    extIdentifier(
      'carr_clm_cntl_num',
      rng.chance(0.3) ? `-${rng.int(100_000_000, 999_999_999)}` : rng.digits(14),
    ),
    assigned
      ? extCoding('carr_clm_pmt_dnl_cd', '1', 'Physician/supplier')
      : extCoding('carr_clm_pmt_dnl_cd', '2', 'Beneficiary'),
    assigned
      ? extCoding('asgmntcd', 'A', 'Assigned claim')
      : extCoding('asgmntcd', 'N', 'Non-assigned claim'),
  ];
  if (rng.chance(0.5)) ext.push(extIdentifier('clm_clncl_tril_num', '0'));
  ext.push(
    extCoding(
      'carr_clm_entry_cd',
      '1',
      'Original debit; void of original debit (If CLM_DISP_CD = 3, code 1 means voided original debit)',
    ),
  );
  return ext;
}

/** carrier/DME benefitBalance: claim-level sums of the line amounts. */
function professionalBenefitBalance(lines: readonly ProLineMoney[]): Obj[] {
  return benefitBalance([
    financialMoney('carr_clm_cash_ddctbl_apld_amt', sum(lines.map((l) => l.deductible))),
    financialMoney('nch_clm_prvdr_pmt_amt', sum(lines.map((l) => l.toProvider))),
    financialMoney('nch_clm_bene_pmt_amt', sum(lines.map((l) => l.toPatient))),
    financialMoney('nch_carr_clm_sbmtd_chrg_amt', sum(lines.map((l) => l.submitted))),
    financialMoney('nch_carr_clm_alowd_amt', sum(lines.map((l) => l.allowed))),
  ]);
}

function professionalLineAdjudication(l: ProLineMoney, withDenialReason: boolean): Obj[] {
  const adj: Obj[] = [];
  if (withDenialReason) adj.push(denialReason('carr_line_rdcd_pmt_phys_astn_c', '0', 'N/A'));
  adj.push(
    adjudication('line_nch_pmt_amt', l.payment, pmt80100(l.full)),
    adjudication('line_bene_pmt_amt', l.toPatient),
    adjudication('line_prvdr_pmt_amt', l.toProvider),
    adjudication('line_bene_ptb_ddctbl_amt', l.deductible),
    adjudication('line_bene_prmry_pyr_pd_amt', l.priorPayer),
    adjudication('line_coinsrnc_amt', l.coinsurance),
    adjudication('line_sbmtd_chrg_amt', l.submitted),
    adjudication('line_alowd_chrg_amt', l.allowed),
  );
  return adj;
}

export function buildCarrier(c: Ctx): FhirResource {
  const { rng, plan, person } = c;
  const assigned = rng.chance(0.93);
  const state = {
    deductibleLeft: c.money.chance(0.14)
      ? Math.round((PART_B_DEDUCTIBLE[c.year] ?? 240) * 100 * (0.15 + c.money.next() * 0.85))
      : 0,
    msp: c.money.chance(0.04),
    assigned,
  };
  const performer = rng.pick(person.practitioners);
  const referrer = rng.chance(0.55) ? rng.pick(person.practitioners) : undefined;
  const billing = person.group;

  const careTeam: Obj[] = [];
  if (referrer) {
    careTeam.push({
      sequence: careTeam.length + 1,
      provider: { identifier: npiTypedIdentifier(referrer.npi) },
      role: careTeamRole('referring', 'Referring'),
    });
  }
  const performingSeq = careTeam.length + 1;
  careTeam.push({
    extension: [
      extCoding('carr_line_prvdr_type_cd', '0'),
      assigned
        ? extCoding('prtcptng_ind_cd', '1', 'Participating')
        : extCoding('prtcptng_ind_cd', '4', 'Non-participating'),
    ],
    sequence: performingSeq,
    provider: { identifier: npiTypedIdentifier(performer.npi) },
    responsible: true,
    role: careTeamRole('performing', 'Performing provider'),
    qualification: qualification(performer.specialty, true),
  });
  const primarySeq = careTeam.length + 1;
  careTeam.push({
    sequence: primarySeq,
    provider: { identifier: npiTypedIdentifier(billing.npi), display: billing.name },
    role: careTeamRole('primary', 'Primary provider', `${THO}claimcareteamrole`),
  });

  const dxCodes = distinct(
    rng,
    ICD10_DX,
    1 +
      rng.weighted([
        [0, 25],
        [1, 30],
        [2, 20],
        [3, 15],
        [4, 10],
      ] as const),
  );
  const diagnoses = dxCodes.map((code, i) => diagnosis(c, i + 1, code, i === 0 ? 'principal' : 'secondary'));

  const nLines = rng.weighted(CARRIER_LINE_COUNTS);
  const contained: Obj[] = [];
  const supportingInfo: Obj[] = [recvdDateInfo(1, weeklyProcessingDay(c))];
  const items: Obj[] = [];
  const lineMoney: ProLineMoney[] = [];
  const pos = rng.chance(0.8) ? '11' : '22';
  const locality = String(rng.int(1, 99)).padStart(2, '0');
  // CCW labels the pricing locality with the state name.
  const localityName = STATE_NAMES[person.statePostal];
  const zipExt = {
    url: `${VAR}prvdr_zip`,
    valueCoding: varCoding('prvdr_zip', `${person.zip5}${rng.digits(4)}`),
  };
  const cliaExt = extIdentifier('carr_line_clia_lab_num', `${person.statePostal}D${rng.digits(7)}`);
  // Fragments identical across the claim's lines are built once per claim.
  const careTeamSequence = [performingSeq, primarySeq];
  const locations = new Map<string, Obj>();
  const periods = new Map<number, Obj>();
  for (let i = 1; i <= nLines; i++) {
    const service: ProService = i === 1 && rng.chance(0.7) ? rng.pick(VISITS) : rng.pick(PRO_SERVICES);
    const isLab = service.typeOfService[0] === '5';
    const full = isLab || service.typeOfService[0] === 'V';
    const units = isLab || rng.chance(0.85) ? 1 : rng.int(2, 4);
    const money = proLineMoney(c, service.fee, units, full, state);
    lineMoney.push(money);

    let informationSequence: number[] | undefined;
    if ((isLab && rng.chance(0.5)) || rng.chance(0.04)) {
      contained.push(observation(c, i));
      const infoSeq = supportingInfo.length + 1;
      supportingInfo.push(observationInfo(infoSeq, i));
      informationSequence = [infoSeq];
    }
    const day = dayIn(rng, plan.from, plan.thru);
    const lineExt: Obj[] = [quantityExt('carr_line_mtus_cnt', units)];
    if (rng.chance(0.3)) lineExt.push(extCoding('carr_line_mtus_cnt', '3'));
    lineExt.push(
      extCoding('carr_line_mtus_cd', '3', 'Services'),
      extCoding('betos_cd', service.betos[0], service.betos[1]),
    );
    const payer = primaryPayerExtension(c, state.msp);
    if (payer) lineExt.push(payer);
    lineExt.push(
      money.denied
        ? extCoding('line_prcsg_ind_cd', 'C', 'Noncovered care')
        : extCoding('line_prcsg_ind_cd', 'A', 'Allowed'),
      full
        ? extCoding('line_service_deductible', '1', 'Service Not Subject to Deductible')
        : extCoding('line_service_deductible', '0', 'Service Subject to Deductible'),
    );
    const item: Obj = {
      extension: lineExt,
      sequence: i,
      careTeamSequence,
      diagnosisSequence: sequenceArray(rng.int(1, diagnoses.length)),
    };
    if (informationSequence) item['informationSequence'] = informationSequence;
    item['category'] = varCodeable(
      'line_cms_type_srvc_cd',
      service.typeOfService[0],
      service.typeOfService[1],
    );
    item['productOrService'] =
      service.hcpcs.startsWith('J') && rng.chance(0.7)
        ? {
            extension: [
              {
                url: NDC,
                valueCoding: coding(NDC, '00703031501', 'Triamcinolone Acetonide - TRIAMCINOLONE ACETONIDE'),
              },
            ],
            coding: [coding(CS_HCPCS, service.hcpcs)],
          }
        : sharedCodeable(CS_HCPCS, service.hcpcs);
    if (rng.chance(0.35)) item['modifier'] = [hcpcsModifier(rng.pick(MODIFIERS), c.year)];
    let period = periods.get(day);
    if (!period) {
      period = { start: ymd(day), end: ymd(day) };
      periods.set(day, period);
    }
    item['servicedPeriod'] = period;
    const linePos = service.placeOfService ?? pos;
    const locationKey = isLab ? `${linePos}L` : linePos;
    let location = locations.get(locationKey);
    if (!location) {
      const locExt: Obj[] = [
        extCoding('prvdr_state_cd', person.statePostal),
        zipExt,
        extCoding('carr_line_prcng_lclty_cd', locality, localityName),
      ];
      if (isLab) locExt.push(cliaExt);
      location = {
        extension: locExt,
        coding: [varCoding('line_place_of_srvc_cd', linePos, PLACE_OF_SERVICE[linePos])],
      };
      locations.set(locationKey, location);
    }
    item['locationCodeableConcept'] = location;
    item['quantity'] = quantityOf(units);
    item['adjudication'] = professionalLineAdjudication(money, true);
    items.push(item);
  }

  const eob = newEob(c, PROFILE.professional);
  if (contained.length > 0) eob['contained'] = contained;
  eob['extension'] = carrierHeaderExtensions(c, 'O', assigned);
  eob['identifier'] = claimIdentifiers(c, `${VAR}clm_id`);
  eob['status'] = 'active';
  eob['type'] = eobTypeCodeable(
    [
      '71',
      'Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim',
    ],
    'CARRIER',
    'professional',
  );
  eob['use'] = 'claim';
  eob['patient'] = patientRef(c);
  eob['billablePeriod'] = { start: ymd(plan.from), end: ymd(plan.thru) };
  eob['created'] = c.lastUpdated;
  eob['insurer'] = INSURER;
  if (rng.chance(0.85)) {
    eob['provider'] = { identifier: { system: `${VAR}carr_clm_blg_npi_num`, value: billing.npi } };
  }
  if (referrer) eob['referral'] = { identifier: npiTypedIdentifier(referrer.npi) };
  eob['outcome'] = 'complete';
  eob['disposition'] = '1';
  eob['careTeam'] = careTeam;
  eob['supportingInfo'] = supportingInfo;
  eob['diagnosis'] = diagnoses;
  eob['insurance'] = insurance('b', person.patientId);
  eob['item'] = items;
  // BFD quirk: the one `total` is CARR_CLM_PRMRY_PYR_PD_AMT labelled clm_tot_chrg_amt.
  eob['total'] = [totalEntry('clm_tot_chrg_amt', sum(lineMoney.map((l) => l.priorPayer)), 'priorpayerpaid')];
  eob['payment'] = { amount: money(sum(lineMoney.map((l) => l.payment))) };
  eob['benefitBalance'] = professionalBenefitBalance(lineMoney);
  return eob;
}

export function buildDme(c: Ctx): FhirResource {
  const { rng, plan, person } = c;
  const assigned = rng.chance(0.9);
  const state = {
    deductibleLeft: c.money.chance(0.1)
      ? Math.round((PART_B_DEDUCTIBLE[c.year] ?? 240) * 100 * (0.2 + c.money.next() * 0.8))
      : 0,
    msp: c.money.chance(0.04),
    assigned,
  };
  const supplier = person.dmeSupplier;
  const referrer = rng.pick(person.practitioners);
  const careTeam: Obj[] = [
    {
      sequence: 1,
      provider: { identifier: npiTypedIdentifier(referrer.npi), display: referrer.name },
      role: careTeamRole('referring', 'Referring'),
      qualification: qualification(referrer.specialty, false),
    },
    {
      extension: [
        assigned
          ? extCoding('prtcptng_ind_cd', '1', 'Participating')
          : extCoding('prtcptng_ind_cd', '4', 'Non-participating'),
      ],
      sequence: 2,
      provider: { identifier: npiTypedIdentifier(supplier.npi), display: supplier.name },
      responsible: true,
      role: careTeamRole('performing', 'Performing provider'),
      qualification: shared('qual|dme-supplier', () => ({
        coding: [
          coding(NUCC, '332B00000X', 'Durable Medical Equipment & Medical Supplies'),
          varCoding('prvdr_spclty', 'A5', 'Pharmacy (DMERC)'),
        ],
      })),
    },
  ];
  const dxCodes = distinct(rng, ICD10_DX, rng.int(1, 3));
  const diagnoses = dxCodes.map((code, i) =>
    diagnosis(c, i + 1, code, i === 0 ? 'principalFull' : rng.chance(0.5) ? 'other' : 'secondary'),
  );
  const nLines = rng.weighted([
    [1, 50],
    [2, 30],
    [3, 15],
    [4, 5],
  ] as const);
  const contained: Obj[] = [];
  const supportingInfo: Obj[] = [recvdDateInfo(1, weeklyProcessingDay(c))];
  const items: Obj[] = [];
  const lineMoney: ProLineMoney[] = [];
  for (let i = 1; i <= nLines; i++) {
    const dme = rng.pick(DME_ITEMS);
    const money = proLineMoney(c, dme.fee, dme.units, false, state);
    lineMoney.push(money);
    let informationSequence: number[] | undefined;
    if (i === 1 || rng.chance(0.2)) {
      contained.push(observation(c, i));
      const infoSeq = supportingInfo.length + 1;
      supportingInfo.push(observationInfo(infoSeq, i));
      informationSequence = [infoSeq];
    }
    const lineExt: Obj[] = [
      extIdentifier('suplrnum', supplier.npi),
      { url: `${VAR}dmerc_line_scrn_svgs_amt`, valueQuantity: { value: 0 } },
      {
        url: `${VAR}dmerc_line_mtus_cnt`,
        valueQuantity: {
          value: dme.units,
          unit: 'Number of services',
          system: `${VAR}dmerc_line_mtus_cd`,
          code: '3',
        },
      },
      extCoding('dmerc_line_prcng_state_cd', person.statePostal),
      extCoding(
        'dmerc_line_supplr_type_cd',
        '3',
        'Suppliers (other than sole proprietorship) for whom employer identification (EI) numbers are used in coding the ID field.',
      ),
      extCoding('betos_cd', dme.betos),
    ];
    const payer = primaryPayerExtension(c, state.msp);
    if (payer) lineExt.push(payer);
    lineExt.push(
      money.denied
        ? extCoding('line_prcsg_ind_cd', 'C', 'Noncovered care')
        : extCoding('line_prcsg_ind_cd', 'A', 'Allowed'),
      extCoding('line_service_deductible', '0', 'Service Subject to Deductible'),
    );
    const item: Obj = {
      extension: lineExt,
      sequence: i,
      careTeamSequence: [2],
      diagnosisSequence: [rng.int(1, diagnoses.length)],
    };
    if (informationSequence) item['informationSequence'] = informationSequence;
    item['category'] = varCodeable('line_cms_type_srvc_cd', dme.typeOfService[0], dme.typeOfService[1]);
    item['productOrService'] = dme.ndc
      ? {
          extension: [{ url: NDC, valueCoding: coding(NDC, dme.ndc[0], dme.ndc[1]) }],
          coding: [coding(CS_HCPCS, dme.hcpcs)],
        }
      : sharedCodeable(CS_HCPCS, dme.hcpcs);
    if (dme.typeOfService[0] === 'R' || rng.chance(0.3)) {
      item['modifier'] = [
        hcpcsModifier(
          dme.typeOfService[0] === 'R' ? rng.pick(['RR', 'KH', 'KI']) : rng.pick(['NU', 'KX', 'RT', 'LT']),
          c.year,
        ),
      ];
    }
    item['servicedPeriod'] = { start: ymd(plan.from), end: ymd(plan.thru) };
    item['locationCodeableConcept'] = {
      extension: [extCoding('prvdr_state_cd', person.statePostal)],
      coding: [varCoding('line_place_of_srvc_cd', '12', PLACE_OF_SERVICE['12'])],
    };
    item['quantity'] = { value: dme.units };
    item['adjudication'] = [
      adjudication('rev_cntr_prvdr_pmt_amt', money.toProvider),
      adjudication('line_prmry_alowd_chrg_amt', state.msp ? money.allowed : 0),
      adjudication('line_dme_prchs_price_amt', Math.round(dme.fee * dme.units * 100 * c.scale)),
      ...professionalLineAdjudication(money, false),
    ];
    items.push(item);
  }
  const eob = newEob(c, PROFILE.inpatient);
  eob['contained'] = contained;
  eob['extension'] = carrierHeaderExtensions(c, 'M', assigned);
  eob['identifier'] = claimIdentifiers(c, `${VAR}clm_id`);
  eob['status'] = 'active';
  // BFD quirks kept: DME is typed institutional and carries the inpatient-institutional profile.
  eob['type'] = eobTypeCodeable(['82', 'DMERC; DMEPOS claim'], 'DME', 'institutional');
  eob['use'] = 'claim';
  eob['patient'] = patientRef(c);
  eob['billablePeriod'] = { start: ymd(plan.from), end: ymd(plan.thru) };
  eob['created'] = c.lastUpdated;
  eob['insurer'] = INSURER;
  eob['provider'] = {
    type: 'Practitioner',
    identifier: { system: NPI, value: supplier.npi },
    display: supplier.name,
  };
  eob['referral'] = { identifier: npiTypedIdentifier(referrer.npi), display: referrer.name };
  eob['outcome'] = 'complete';
  eob['disposition'] = '01';
  eob['careTeam'] = careTeam;
  eob['supportingInfo'] = supportingInfo;
  eob['diagnosis'] = diagnoses;
  // BFD golden file: DME references the Part A coverage.
  eob['insurance'] = insurance('a', person.patientId);
  eob['item'] = items;
  eob['total'] = [totalEntry('clm_tot_chrg_amt', sum(lineMoney.map((l) => l.priorPayer)), 'priorpayerpaid')];
  eob['payment'] = { amount: money(sum(lineMoney.map((l) => l.payment))) };
  eob['benefitBalance'] = professionalBenefitBalance(lineMoney);
  return eob;
}
