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
  adjudication,
  careTeamRole,
  carinInfoCategory,
  claimIdentifier,
  codeable,
  extCoding,
  extIdentifier,
  genericTotal,
  infoCategory,
  npiTypedIdentifier,
  sharedCodeable,
  varCodeable,
  type Obj,
  Memo,
} from './fhir.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

// ---------------------------------------------------------------------------------------------
// PDE (Part D event)

const NDC_CONCEPT = new Memo<Obj>();

export function buildPde(c: Ctx): FhirResource {
  const { rng, plan, person } = c;
  const m = c.money;
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

  // Money: tot_rx_cst_amt = plan paid + patient paid + LIS + other TrOOP + PLRO + gap discount.
  const total = Math.max(
    100,
    Math.round(drug.cost30 * 100 * (daysSupply / 30) * (0.8 + m.next() * 0.5) * c.scale),
  );
  let patient = drug.generic
    ? Math.min(total, m.int(0, 15) * 100 + (m.chance(0.5) ? 0 : m.int(0, 99)))
    : Math.round(total * (0.15 + m.next() * 0.15));
  const lics = person.lowIncomeSubsidy ? Math.round(patient * (0.6 + m.next() * 0.4)) : 0;
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
  const below = total - above;

  const prescriber = rng.pick(person.practitioners);
  const info: Obj[] = [];
  const compound = rng.chance(0.02);
  info.push({
    sequence: info.length + 1,
    category: carinInfoCategory('compoundcode', 'Compound Code'),
    code: compound
      ? sharedCodeable(`${THO}v3-ActCode`, 'RXCINV', 'Rx compound invoice')
      : sharedCodeable(`${THO}v3-ActCode`, 'RXDINV', 'Rx dispense invoice'),
  });
  info.push({
    sequence: info.length + 1,
    category: carinInfoCategory('refillnum', 'Refill Number'),
    valueQuantity: { value: rng.int(0, 11) },
  });
  info.push({
    sequence: info.length + 1,
    category: carinInfoCategory('dayssupply', 'Days Supply'),
    valueQuantity: { value: daysSupply },
  });
  info.push({
    sequence: info.length + 1,
    category: infoCategory('drug_cvrg_stus_cd'),
    code: varCodeable('drug_cvrg_stus_cd', 'C', 'Covered'),
  });
  info.push({
    sequence: info.length + 1,
    category: infoCategory('daw_prod_slctn_cd'),
    code: rng.chance(0.9)
      ? varCodeable('daw_prod_slctn_cd', '0', 'No Product Selection Indicated (may also have missing values)')
      : varCodeable('daw_prod_slctn_cd', '1', 'Substitution Not Allowed by Prescriber'),
  });
  if (rng.chance(0.03)) {
    info.push({
      sequence: info.length + 1,
      category: infoCategory('dspnsng_stus_cd'),
      code: varCodeable('dspnsng_stus_cd', 'P', 'Partial fill'),
    });
  }
  const adjusted = rng.chance(0.03);
  if (plan.pdeCode === 'D') {
    info.push({
      sequence: info.length + 1,
      category: infoCategory('adjstmt_dltn_cd'),
      code: varCodeable('adjstmt_dltn_cd', 'D', 'Deletion'),
    });
  } else if (plan.revision > 0 || plan.pdeCode === 'A' || adjusted) {
    info.push({
      sequence: info.length + 1,
      category: infoCategory('adjstmt_dltn_cd'),
      code: varCodeable('adjstmt_dltn_cd', 'A', 'Adjustment'),
    });
  }
  if (rng.chance(0.05)) {
    info.push({
      sequence: info.length + 1,
      category: infoCategory('nstd_frmt_cd'),
      code: varCodeable('nstd_frmt_cd', 'X', 'X12 837'),
    });
  }
  if (plro > 0) {
    info.push({
      sequence: info.length + 1,
      category: infoCategory('prcng_excptn_cd'),
      code: varCodeable('prcng_excptn_cd', 'M', 'Medicare is a secondary payer (MSP)'),
    });
  }
  if (catastrophic) {
    info.push({
      sequence: info.length + 1,
      category: infoCategory('ctstrphc_cvrg_cd'),
      code: varCodeable('ctstrphc_cvrg_cd', 'C', 'Above attachment point'),
    });
  }
  const origin = rng.weighted([
    [['3', 'Electronic'], 70],
    [['1', 'Written'], 15],
    [['2', 'Telephone'], 10],
    [['4', 'Facsimile'], 5],
  ] as const);
  info.push({
    sequence: info.length + 1,
    category: carinInfoCategory('rxorigincode', 'Rx Origin Code'),
    code: varCodeable('rx_orgn_cd', origin[0], origin[1]),
  });
  info.push({
    sequence: info.length + 1,
    category: carinInfoCategory('brandgenericindicator', 'Brand Generic Indicator'),
    code: drug.generic
      ? varCodeable('brnd_gnrc_cd', 'G', 'Generic Null/missing')
      : varCodeable('brnd_gnrc_cd', 'B', 'Brand'),
  });
  const residence = rng.weighted([
    [['01', 'Home'], 90],
    [['03', 'Nursing Facility (Long-term care facility)'], 6],
    [['02', 'Skilled Nursing Facility'], 4],
  ] as const);
  info.push({
    sequence: info.length + 1,
    category: infoCategory('ptnt_rsdnc_cd'),
    code: varCodeable('ptnt_rsdnc_cd', residence[0], residence[1]),
  });
  if (rng.chance(0.04)) {
    info.push({
      sequence: info.length + 1,
      category: infoCategory('submsn_clr_cd'),
      code: varCodeable('submsn_clr_cd', '08', 'Process compound for approved ingredients'),
    });
  }

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
  eob['item'] = [
    {
      sequence: 1,
      careTeamSequence: [1],
      productOrService: placeholder
        ? sharedCodeable(NDC, '000000000', 'Fake Diluent - WATER')
        : NDC_CONCEPT.get(drug.ndc, '', '', () => codeable(NDC, drug.ndc, drug.display)),
      servicedDate: ymd(fill),
      quantity: { value: quantity },
      adjudication: [
        adjudication('cvrd_d_plan_pd_amt', planPaid),
        adjudication('gdc_blw_oopt_amt', below),
        adjudication('gdc_abv_oopt_amt', above),
        adjudication('ptnt_pay_amt', patient),
        adjudication('othr_troop_amt', troop),
        adjudication('lics_amt', lics),
        adjudication('plro_amt', plro),
        adjudication('tot_rx_cst_amt', total),
        adjudication('rptd_gap_dscnt_num', gap),
      ],
    },
  ];
  eob['total'] = [genericTotal('drugcost', total), genericTotal('other', 0)];
  if (rng.chance(0.65)) {
    eob['payment'] = { date: ymd(Math.min(fill + rng.int(3, 14), plan.firstLoadDay - 1)) };
  }
  return eob;
}
