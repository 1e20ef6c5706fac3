/**
 * What carrier (Part B professional) and DME claims share, modelled on bfd/eob-carrier.json and
 * bfd/eob-dme.json: line money (see proLineMoney; the claim-level amounts are sums of the lines),
 * line adjudication, the contained lab Observation, the carrier header extensions and the EOB
 * around the lines (professionalEob). The claims themselves are built in eob-carrier.ts and eob-dme.ts.
 */
import { PART_B_DEDUCTIBLE } from './codes.ts';
import { type Ctx, INSURER, claimIdentifiers, newEob, patientRef, sum } from './eob-common.ts';
import {
  VAR,
  extCoding,
  extEither,
  extIdentifier,
  money,
  shared,
  varCodeable,
  type Obj,
} from './fhir-builders.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';
import {
  adjudication,
  totalEntry,
  benefitBalance,
  denialReason,
  financialMoney,
  infoCategory,
} from './ccw-categories.ts';

/** What a claim's lines share while their money is drawn: the deductible left to meet, MSP, assignment. */
export interface ProLineState {
  deductibleLeft: number;
  msp: boolean;
  assigned: boolean;
}

/**
 * A claim's line state: with probability `deductibleChance` some of the year's Part B deductible
 * is still to meet (a share drawn in [minShare, minShare + spread]); 4% of claims have MSP.
 */
export function proLineState(
  c: Ctx,
  assigned: boolean,
  deductibleChance: number,
  minShare: number,
  spread: number,
): ProLineState {
  return {
    deductibleLeft: c.money.chance(deductibleChance)
      ? Math.round((PART_B_DEDUCTIBLE[c.year] ?? 240) * 100 * (minShare + c.money.next() * spread))
      : 0,
    msp: c.money.chance(0.04),
    assigned,
  };
}

/** What the lines of one carrier or DME claim accumulate while they are built. */
export interface ProfessionalLines {
  readonly state: ProLineState;
  readonly diagnosisCount: number;
  readonly contained: Obj[];
  readonly supportingInfo: Obj[];
  readonly items: Obj[];
  readonly money: ProLineMoney[];
}

export interface ProLineMoney {
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
export function proLineMoney(
  c: Ctx,
  fee: number,
  units: number,
  full: boolean,
  state: ProLineState,
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

export function primaryPayerExtension(c: Ctx, msp: boolean): Obj | undefined {
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

export function observation(c: Ctx, lineSeq: number): Obj {
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

export function observationInfo(sequence: number, lineSeq: number): Obj {
  return {
    sequence,
    category: infoCategory('line_hct_hgb_rslt_num'),
    valueReference: { reference: `#line-observation-${lineSeq}` },
  };
}

export function carrierHeaderExtensions(c: Ctx, nearLine: 'O' | 'M', assigned: boolean): Obj[] {
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
export function professionalBenefitBalance(lines: readonly ProLineMoney[]): Obj[] {
  return benefitBalance([
    financialMoney('carr_clm_cash_ddctbl_apld_amt', sum(lines.map((l) => l.deductible))),
    financialMoney('nch_clm_prvdr_pmt_amt', sum(lines.map((l) => l.toProvider))),
    financialMoney('nch_clm_bene_pmt_amt', sum(lines.map((l) => l.toPatient))),
    financialMoney('nch_carr_clm_sbmtd_chrg_amt', sum(lines.map((l) => l.submitted))),
    financialMoney('nch_carr_clm_alowd_amt', sum(lines.map((l) => l.allowed))),
  ]);
}

export function professionalLineAdjudication(l: ProLineMoney, withDenialReason: boolean): Obj[] {
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

/** Line `lineSeq`'s lab result: a contained Observation and the supportingInfo entry naming it. */
export function addObservation(c: Ctx, lines: ProfessionalLines, lineSeq: number): number[] {
  lines.contained.push(observation(c, lineSeq));
  const infoSeq = lines.supportingInfo.length + 1;
  lines.supportingInfo.push(observationInfo(infoSeq, lineSeq));
  return [infoSeq];
}

/** The last line extensions: primary payer (when any), processing indicator, deductible. */
export function pushLineOutcome(c: Ctx, lineExt: Obj[], money: ProLineMoney, msp: boolean): void {
  const payer = primaryPayerExtension(c, msp);
  if (payer) lineExt.push(payer);
  lineExt.push(
    extEither('line_prcsg_ind_cd', money.denied, ['C', 'Noncovered care'], ['A', 'Allowed']),
    extEither(
      'line_service_deductible',
      money.full,
      ['1', 'Service Not Subject to Deductible'],
      ['0', 'Service Subject to Deductible'],
    ),
  );
}

export function participation(assigned: boolean): Obj {
  return assigned
    ? extCoding('prtcptng_ind_cd', '1', 'Participating')
    : extCoding('prtcptng_ind_cd', '4', 'Non-participating');
}

/** The parts of a carrier or DME EOB that differ between the two; the rest is the same. */
export interface ProfessionalClaim {
  readonly profile: string;
  /** Carrier leaves `contained` out when no line has a lab result; DME always has it. */
  readonly contained: Obj[] | undefined;
  readonly extension: Obj[];
  readonly type: Obj;
  readonly provider: Obj | undefined;
  readonly referral: Obj | undefined;
  readonly disposition: string;
  readonly careTeam: Obj[];
  readonly diagnosis: Obj[];
  readonly insurance: Obj[];
  readonly lines: ProfessionalLines;
}

/** A carrier or DME EOB in BFD's key order; its claim-level amounts are the sums of its lines. */
export function professionalEob(c: Ctx, claim: ProfessionalClaim): FhirResource {
  const eob = newEob(c, claim.profile);
  if (claim.contained) eob['contained'] = claim.contained;
  eob['extension'] = claim.extension;
  eob['identifier'] = claimIdentifiers(c, `${VAR}clm_id`);
  eob['status'] = c.plan.status;
  eob['type'] = claim.type;
  eob['use'] = 'claim';
  eob['patient'] = patientRef(c);
  eob['billablePeriod'] = { start: ymd(c.plan.from), end: ymd(c.plan.thru) };
  eob['created'] = c.lastUpdated;
  eob['insurer'] = INSURER;
  if (claim.provider) eob['provider'] = claim.provider;
  if (claim.referral) eob['referral'] = claim.referral;
  eob['outcome'] = 'complete';
  eob['disposition'] = claim.disposition;
  eob['careTeam'] = claim.careTeam;
  eob['supportingInfo'] = claim.lines.supportingInfo;
  eob['diagnosis'] = claim.diagnosis;
  eob['insurance'] = claim.insurance;
  eob['item'] = claim.lines.items;
  const lineMoney = claim.lines.money;
  // BFD quirk: the one `total` is CARR_CLM_PRMRY_PYR_PD_AMT labelled clm_tot_chrg_amt.
  eob['total'] = [totalEntry('clm_tot_chrg_amt', sum(lineMoney.map((l) => l.priorPayer)), 'priorpayerpaid')];
  eob['payment'] = { amount: money(sum(lineMoney.map((l) => l.payment))) };
  eob['benefitBalance'] = professionalBenefitBalance(lineMoney);
  return eob;
}
