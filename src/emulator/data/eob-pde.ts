/**
 * Part D events, modelled on bfd/eob-pde.json. Money: tot_rx_cst_amt = plan paid + patient paid +
 * LIS + other TrOOP + PLRO + gap discount, and the below/above out-of-pocket-threshold bands add up
 * to it. No diagnosis, no benefitBalance; `payment` carries only a date, and only sometimes.
 */
import { DRUGS } from './codes.ts';
import {
  type Ctx,
  INSURER,
  eobTypeCodeable,
  insurance,
  patientRef,
  qualification,
  newEob,
  claimIdentifiers,
} from './eob-common.ts';
import {
  C4BB,
  NDC,
  NPI,
  PROFILE,
  THO,
  VAR,
  careTeamRole,
  claimIdentifier,
  codeable,
  extCoding,
  extIdentifier,
  npiTypedIdentifier,
  sharedCodeable,
  varCodeable,
  type Obj,
  Memo,
} from './fhir-builders.ts';
import { adjudication, carinInfoCategory, genericTotal, infoCategory } from './ccw-categories.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

// ---------------------------------------------------------------------------------------------
// PDE (Part D event)

const NDC_CONCEPT = new Memo<Obj>();

/** The money of one fill; every band adds up to `total` (see the header). */
interface PdeMoney {
  total: number;
  patient: number;
  lics: number;
  troop: number;
  plro: number;
  gap: number;
  planPaid: number;
  catastrophic: boolean;
  above: number;
  below: number;
}

type Drug = (typeof DRUGS)[number];

export function buildPde(c: Ctx): FhirResource {
  const { rng, plan, person } = c;
  const placeholder = rng.chance(0.01);
  const drug = rng.pick(DRUGS);
  const daysSupply = rng.weighted([
    [30, 60],
    [90, 32],
    [28, 5],
    [14, 3],
  ] as const);
  const quantity = daysSupply * rng.pick([1, 1, 2, 0.5]);
  const fill = plan.thru;
  const money = pdeMoney(c, drug, daysSupply);
  const prescriber = rng.pick(person.practitioners);
  const info = pdeSupportingInfo(c, drug, daysSupply, money);
  const mailOrder = daysSupply === 90 && rng.chance(0.4);
  const pharmacy = person.pharmacy;
  const eob = newEob(c, PROFILE.pharmacy);
  eob['identifier'] = [
    ...claimIdentifiers(c, `${VAR}pde_id`),
    claimIdentifier(`${VAR}rx_srvc_rfrnc_num`, String(rng.int(100_000, 999_999_999_999))),
  ];
  eob['status'] = c.plan.status;
  eob['type'] = eobTypeCodeable(undefined, 'PDE', 'pharmacy');
  eob['use'] = 'claim';
  eob['patient'] = patientRef(c);
  eob['billablePeriod'] = { start: ymd(fill), end: ymd(fill) };
  eob['created'] = c.lastUpdated;
  eob['insurer'] = INSURER;
  if (rng.chance(0.8)) eob['provider'] = { identifier: { system: NPI, value: pharmacy.npi } };
  eob['facility'] = {
    extension: [
      mailOrder
        ? extCoding('phrmcy_srvc_type_cd', '07', 'Mail order')
        : extCoding('phrmcy_srvc_type_cd', '01', 'Community/retail pharmacy'),
    ],
    identifier: { type: sharedCodeable(`${C4BB}C4BBIdentifierType`, 'npi'), value: pharmacy.npi },
    display: pharmacy.name,
  };
  eob['outcome'] = 'complete';
  eob['careTeam'] = [
    {
      sequence: 1,
      provider: { identifier: npiTypedIdentifier(prescriber.npi), display: prescriber.name },
      role: careTeamRole('prescribing', 'Prescribing provider'),
      qualification: qualification(prescriber.specialty, false),
    },
  ];
  eob['supportingInfo'] = info;
  eob['insurance'] = insurance('d', person.patientId, [
    extIdentifier('plan_cntrct_rec_id', person.partDContract),
    extIdentifier('plan_pbp_rec_num', person.partDPlan),
  ]);
  eob['item'] = [pdeItem(drug, placeholder, fill, quantity, money)];
  eob['total'] = [genericTotal('drugcost', money.total), genericTotal('other', 0)];
  if (rng.chance(0.65)) {
    eob['payment'] = { date: ymd(Math.min(fill + rng.int(3, 14), plan.firstLoadDay - 1)) };
  }
  return eob;
}

/** tot_rx_cst_amt = plan paid + patient paid + LIS + other TrOOP + PLRO + gap discount. */
function pdeMoney(c: Ctx, drug: Drug, daysSupply: number): PdeMoney {
  const m = c.money;
  const total = Math.max(
    100,
    Math.round(drug.cost30 * 100 * (daysSupply / 30) * (0.8 + m.next() * 0.5) * c.scale),
  );
  let patient = drug.generic
    ? Math.min(total, m.int(0, 15) * 100 + (m.chance(0.5) ? 0 : m.int(0, 99)))
    : Math.round(total * (0.15 + m.next() * 0.15));
  const lics = c.person.lowIncomeSubsidy ? Math.round(patient * (0.6 + m.next() * 0.4)) : 0;
  patient -= lics;
  const troop = m.chance(0.05) ? Math.round(patient * 0.3) : 0;
  patient -= troop;
  let remaining = total - patient - lics - troop;
  const plro = Math.min(remaining, m.chance(0.03) ? Math.round(total * (0.05 + m.next() * 0.15)) : 0);
  remaining -= plro;
  const gap = Math.min(
    remaining,
    !drug.generic && c.year <= 2024 && m.chance(0.25) ? Math.round(total * (0.2 + m.next() * 0.4)) : 0,
  );
  const planPaid = remaining - gap;
  const catastrophic = m.chance(0.03);
  const above = catastrophic ? Math.round(total * (0.3 + m.next() * 0.7)) : 0;
  return { total, patient, lics, troop, plro, gap, planPaid, catastrophic, above, below: total - above };
}

/** The PDE's supportingInfo, numbered in order; random draws in a fixed order (reproducible data). */
function pdeSupportingInfo(c: Ctx, drug: Drug, daysSupply: number, money: PdeMoney): Obj[] {
  const { rng, plan } = c;
  const info: Obj[] = [];
  const add = (category: Obj, value: Obj): void => {
    info.push({ sequence: info.length + 1, category, ...value });
  };
  const coded = (variable: Parameters<typeof infoCategory>[0], code: string, display: string): void =>
    add(infoCategory(variable), { code: varCodeable(variable, code, display) });
  const compound = rng.chance(0.02);
  add(carinInfoCategory('compoundcode', 'Compound Code'), {
    code: compound
      ? sharedCodeable(`${THO}v3-ActCode`, 'RXCINV', 'Rx compound invoice')
      : sharedCodeable(`${THO}v3-ActCode`, 'RXDINV', 'Rx dispense invoice'),
  });
  add(carinInfoCategory('refillnum', 'Refill Number'), { valueQuantity: { value: rng.int(0, 11) } });
  add(carinInfoCategory('dayssupply', 'Days Supply'), { valueQuantity: { value: daysSupply } });
  coded('drug_cvrg_stus_cd', 'C', 'Covered');
  if (rng.chance(0.9)) {
    coded('daw_prod_slctn_cd', '0', 'No Product Selection Indicated (may also have missing values)');
  } else coded('daw_prod_slctn_cd', '1', 'Substitution Not Allowed by Prescriber');
  if (rng.chance(0.03)) coded('dspnsng_stus_cd', 'P', 'Partial fill');
  const adjusted = rng.chance(0.03);
  if (plan.pdeCode === 'D') coded('adjstmt_dltn_cd', 'D', 'Deletion');
  else if (plan.revision > 0 || plan.pdeCode === 'A' || adjusted) coded('adjstmt_dltn_cd', 'A', 'Adjustment');
  if (rng.chance(0.05)) coded('nstd_frmt_cd', 'X', 'X12 837');
  if (money.plro > 0) coded('prcng_excptn_cd', 'M', 'Medicare is a secondary payer (MSP)');
  if (money.catastrophic) coded('ctstrphc_cvrg_cd', 'C', 'Above attachment point');
  const origin = rng.weighted([
    [['3', 'Electronic'], 70],
    [['1', 'Written'], 15],
    [['2', 'Telephone'], 10],
    [['4', 'Facsimile'], 5],
  ] as const);
  add(carinInfoCategory('rxorigincode', 'Rx Origin Code'), {
    code: varCodeable('rx_orgn_cd', origin[0], origin[1]),
  });
  add(carinInfoCategory('brandgenericindicator', 'Brand Generic Indicator'), {
    code: drug.generic
      ? varCodeable('brnd_gnrc_cd', 'G', 'Generic Null/missing')
      : varCodeable('brnd_gnrc_cd', 'B', 'Brand'),
  });
  const residence = rng.weighted([
    [['01', 'Home'], 90],
    [['03', 'Nursing Facility (Long-term care facility)'], 6],
    [['02', 'Skilled Nursing Facility'], 4],
  ] as const);
  coded('ptnt_rsdnc_cd', residence[0], residence[1]);
  if (rng.chance(0.04)) coded('submsn_clr_cd', '08', 'Process compound for approved ingredients');
  return info;
}

function pdeItem(drug: Drug, placeholder: boolean, fill: number, quantity: number, money: PdeMoney): Obj {
  return {
    sequence: 1,
    careTeamSequence: [1],
    productOrService: placeholder
      ? sharedCodeable(NDC, '000000000', 'Fake Diluent - WATER')
      : NDC_CONCEPT.get(drug.ndc, '', '', () => codeable(NDC, drug.ndc, drug.display)),
    servicedDate: ymd(fill),
    quantity: { value: quantity },
    adjudication: [
      adjudication('cvrd_d_plan_pd_amt', money.planPaid),
      adjudication('gdc_blw_oopt_amt', money.below),
      adjudication('gdc_abv_oopt_amt', money.above),
      adjudication('ptnt_pay_amt', money.patient),
      adjudication('othr_troop_amt', money.troop),
      adjudication('lics_amt', money.lics),
      adjudication('plro_amt', money.plro),
      adjudication('tot_rx_cst_amt', money.total),
      adjudication('rptd_gap_dscnt_num', money.gap),
    ],
  };
}
