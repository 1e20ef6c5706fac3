/**
 * The categories BFD puts on amounts and supporting information, by CCW variable: adjudication
 * (line amounts, `total[]`, denial reasons), benefit balance (claim-level amounts and counts) and
 * supportingInfo. Each pairs a generic CARIN/HL7 code with the CCW variable and its display; the
 * categories are built once, frozen and shared (see fhir-builders.ts).
 */
import {
  C4BB,
  CS_ADJUDICATION,
  CS_BENEFIT_BALANCE,
  CS_INFORMATION,
  Memo,
  THO,
  VAR,
  codeable,
  coding,
  deepFreeze,
  money,
  shared,
  sharedCodeable,
  type Obj,
} from './fhir-builders.ts';

const ADJ_THO = `${THO}adjudication`;
const ADJ_C4BB = `${C4BB}C4BBAdjudication`;
/** Generic adjudication categories: HL7's (`submitted` ...) and CARIN's (`paidtoprovider` ...), by display. */
const HL7_GENERIC = {
  submitted: 'Submitted Amount',
  eligible: 'Eligible Amount',
  deductible: 'Deductible',
  benefit: 'Benefit Amount',
} as const;
const CARIN_GENERIC = {
  paidtoprovider: 'Paid to provider',
  paidtopatient: 'Paid to patient',
  paidbypatient: 'Paid by patient',
  coinsurance: 'Co-insurance',
  priorpayerpaid: 'Prior payer paid',
  noncovered: 'Noncovered',
  discount: 'Discount',
  drugcost: 'Drug Cost',
} as const;
export type GenericCategory = keyof typeof HL7_GENERIC | keyof typeof CARIN_GENERIC;

function genericCoding(generic: GenericCategory): Obj {
  return generic in HL7_GENERIC
    ? coding(ADJ_THO, generic, HL7_GENERIC[generic as keyof typeof HL7_GENERIC])
    : coding(ADJ_C4BB, generic, CARIN_GENERIC[generic as keyof typeof CARIN_GENERIC]);
}

/** CCW adjudication variable -> [generic category, display]. */
const ADJUDICATION_VARS = {
  line_nch_pmt_amt: ['benefit', 'Line NCH Medicare Payment Amount'],
  line_bene_pmt_amt: ['paidtopatient', 'Line Payment Amount to Beneficiary'],
  line_prvdr_pmt_amt: ['paidtoprovider', 'Line Provider Payment Amount'],
  line_bene_ptb_ddctbl_amt: ['deductible', 'Line Beneficiary Part B Deductible Amount'],
  line_bene_prmry_pyr_pd_amt: ['priorpayerpaid', 'Line Primary Payer (if not Medicare) Paid Amount'],
  line_coinsrnc_amt: ['coinsurance', 'Line Beneficiary Coinsurance Amount'],
  line_sbmtd_chrg_amt: ['submitted', 'Line Submitted Charge Amount'],
  line_alowd_chrg_amt: ['eligible', 'Line Allowed Charge Amount'],
  line_prmry_alowd_chrg_amt: ['eligible', 'Line Primary Payer Allowed Charge Amount'],
  line_dme_prchs_price_amt: ['submitted', 'Line DME Purchase Price Amount'],
  rev_cntr_rate_amt: ['submitted', 'Revenue Center Rate Amount'],
  rev_cntr_tot_chrg_amt: ['submitted', 'Revenue Center Total Charge Amount'],
  rev_cntr_ncvrd_chrg_amt: ['noncovered', 'Revenue Center Non-Covered Charge Amount'],
  rev_cntr_blood_ddctbl_amt: ['deductible', 'Revenue Center Blood Deductible Amount'],
  rev_cntr_cash_ddctbl_amt: ['deductible', 'Revenue Center Cash Deductible Amount'],
  rev_cntr_coinsrnc_wge_adjstd_c: [
    'coinsurance',
    'Revenue Center Coinsurance/Wage Adjusted Coinsurance Amount',
  ],
  rev_cntr_rdcd_coinsrnc_amt: ['coinsurance', 'Revenue Center Reduced Coinsurance Amount'],
  rev_cntr_1st_msp_pd_amt: [
    'priorpayerpaid',
    'Revenue Center 1st Medicare Secondary Payer (MSP) Paid Amount',
  ],
  rev_cntr_2nd_msp_pd_amt: [
    'priorpayerpaid',
    'Revenue Center 2nd Medicare Secondary Payer (MSP) Paid Amount',
  ],
  rev_cntr_prvdr_pmt_amt: ['paidtoprovider', 'Revenue Center (Medicare) Provider Payment Amount'],
  rev_cntr_bene_pmt_amt: ['paidtopatient', 'Revenue Center Payment Amount to Beneficiary'],
  rev_cntr_ptnt_rspnsblty_pmt: ['paidbypatient', 'Revenue Center Patient Responsibility Payment Amount'],
  rev_cntr_pmt_amt_amt: ['submitted', 'Revenue Center (Medicare) Payment Amount'],
  clm_tot_chrg_amt: ['submitted', 'Claim Total Charge Amount'],
  cvrd_d_plan_pd_amt: ['benefit', 'Amount paid by Part D plan for the PDE (drug is covered by Part D)'],
  gdc_blw_oopt_amt: ['coinsurance', 'Gross Drug Cost Below Part D Out-of-Pocket Threshold (GDCB)'],
  gdc_abv_oopt_amt: ['coinsurance', 'Gross Drug Cost Above Part D Out-of-Pocket Threshold (GDCA)'],
  ptnt_pay_amt: ['paidbypatient', 'Amount Paid by Patient'],
  othr_troop_amt: ['priorpayerpaid', 'Other True Out-of-Pocket (TrOOP) Amount'],
  lics_amt: ['discount', 'Amount paid for the PDE by Part D low income subsidy'],
  plro_amt: ['priorpayerpaid', 'Reduction in patient liability due to payments by other payers (PLRO)'],
  tot_rx_cst_amt: ['drugcost', 'Total drug cost (Part D)'],
  rptd_gap_dscnt_num: ['discount', 'Gap Discount Amount'],
} as const satisfies Record<string, readonly [GenericCategory, string]>;
export type AdjudicationVar = keyof typeof ADJUDICATION_VARS;

/** The two codings of an adjudication category: generic CARIN/HL7 code + the CCW variable. */
function makeCategory(name: AdjudicationVar, generic: GenericCategory): Obj {
  return deepFreeze({
    coding: [genericCoding(generic), coding(CS_ADJUDICATION, VAR + name, ADJUDICATION_VARS[name][1])],
  });
}
/** Category (and zero-amount adjudication) per variable, with the variable's usual generic code. */
const DEFAULT_CATEGORY = new Map<AdjudicationVar, { category: Obj; zero: Obj }>();
const OTHER_CATEGORY = new Memo<Obj>();

function defaultCategory(name: AdjudicationVar): { category: Obj; zero: Obj } {
  let hit = DEFAULT_CATEGORY.get(name);
  if (!hit) {
    const category = makeCategory(name, ADJUDICATION_VARS[name][0]);
    hit = { category, zero: deepFreeze({ category, amount: money(0) }) };
    DEFAULT_CATEGORY.set(name, hit);
  }
  return hit;
}

export function adjudicationCategory(name: AdjudicationVar, generic?: GenericCategory): Obj {
  if (generic === undefined || generic === ADJUDICATION_VARS[name][0]) return defaultCategory(name).category;
  return OTHER_CATEGORY.get(name, generic, '', () => makeCategory(name, generic));
}

export function adjudication(name: AdjudicationVar, cents: number, extension?: readonly Obj[]): Obj {
  const hit = defaultCategory(name);
  if (cents === 0 && !extension) return hit.zero;
  const amount = money(cents);
  return extension ? { extension, category: hit.category, amount } : { category: hit.category, amount };
}

/** A `total[]` entry. Carrier/DME use priorpayerpaid + clm_tot_chrg_amt (the BFD quirk). */
export function totalEntry(name: AdjudicationVar, cents: number, generic?: GenericCategory): Obj {
  return { category: adjudicationCategory(name, generic), amount: money(cents) };
}

/** A generic-only total category (PDE): `drugcost`, or C4BBPayerAdjudicationStatus `other`. */
export function genericTotal(kind: 'drugcost' | 'other', cents: number): Obj {
  const category =
    kind === 'drugcost'
      ? shared('total|drugcost', () => ({ coding: [coding(ADJ_C4BB, 'drugcost', 'Drug Cost')] }))
      : shared('total|other', () => ({
          coding: [coding(`${C4BB}C4BBPayerAdjudicationStatus`, 'other', 'Other')],
        }));
  return { category, amount: kind === 'other' ? { value: cents, currency: 'USD' } : money(cents) };
}

const DENIAL_REASON = new Memo<Obj>();
/** A denial-reason adjudication (no amount); shared, since the reason codes come from small tables. */
export function denialReason(name: string, code: string, display?: string): Obj {
  return DENIAL_REASON.get(name, code, display ?? '', () => ({
    category: { coding: [coding(`${C4BB}C4BBAdjudicationDiscriminator`, 'denialreason', 'Denial Reason')] },
    reason: codeable(VAR + name, code, display),
  }));
}

const BENEFIT_BALANCE_VARS = {
  carr_clm_cash_ddctbl_apld_amt:
    'Carrier Claim Cash Deductible Applied Amount (sum of all line-level deductible amounts)',
  nch_clm_prvdr_pmt_amt: 'NCH Claim Provider Payment Amount',
  nch_clm_bene_pmt_amt: 'NCH Claim Payment Amount to Beneficiary',
  nch_carr_clm_sbmtd_chrg_amt:
    'NCH Carrier Claim Submitted Charge Amount (sum of all line-level submitted charges)',
  nch_carr_clm_alowd_amt: 'NCH Carrier Claim Allowed Charge Amount (sum of all line-level allowed charges)',
  clm_pass_thru_per_diem_amt: 'Claim Pass Thru Per Diem Amount',
  nch_profnl_cmpnt_chrg_amt: 'Professional Component Charge Amount',
  clm_tot_pps_cptl_amt: 'Claim Total PPS Capital Amount',
  bene_tot_coinsrnc_days_cnt: 'Beneficiary Total Coinsurance Days Count',
  clm_non_utlztn_days_cnt: 'Claim Medicare Non Utilization Days Count',
  nch_bene_ip_ddctbl_amt: 'NCH Beneficiary Inpatient (or other Part A) Deductible Amount',
  nch_bene_pta_coinsrnc_lblty_amt: 'NCH Beneficiary Part A Coinsurance Liability Amount',
  nch_ip_ncvrd_chrg_amt: 'NCH Inpatient(or other Part A) Non-covered Charge Amount',
  nch_ip_tot_ddctn_amt: 'NCH Inpatient (or other Part A) Total Deductible/Coinsurance Amount',
  clm_pps_cptl_dsprprtnt_shr_amt: 'Claim PPS Capital Disproportionate Share Amount',
  clm_pps_cptl_excptn_amt: 'Claim PPS Capital Exception Amount',
  clm_pps_cptl_fsp_amt: 'Claim PPS Capital Federal Specific Portion (FSP) Amount',
  clm_pps_cptl_ime_amt: 'Claim PPS Capital Indirect Medical Education (IME) Amount',
  clm_pps_cptl_outlier_amt: 'Claim PPS Capital Outlier Amount',
  clm_pps_old_cptl_hld_hrmls_amt: 'Claim PPS Old Capital Hold Harmless Amount',
  nch_drg_outlier_aprvd_pmt_amt: 'NCH DRG Outlier Approved Payment Amount',
  nch_bene_blood_ddctbl_lblty_am: 'NCH Beneficiary Blood Deductible Liability Amount',
  prpayamt: 'NCH Primary Payer (if not Medicare) Claim Paid Amount',
  clm_utlztn_day_cnt: 'Claim Medicare Utilization Day Count',
  clm_pps_cptl_drg_wt_num: 'Claim PPS Capital DRG Weight Number',
  bene_lrd_used_cnt: 'Beneficiary Medicare Lifetime Reserve Days (LRD) Used Count',
  nch_bene_ptb_ddctbl_amt: 'NCH Beneficiary Part B Deductible Amount',
  nch_bene_ptb_coinsrnc_amt: 'NCH Beneficiary Part B Coinsurance Amount',
  clm_op_prvdr_pmt_amt: 'Claim Outpatient Provider Payment Amount',
  clm_op_bene_pmt_amt: 'Claim Outpatient Payment Amount to Beneficiary',
} as const;
export type BenefitBalanceVar = keyof typeof BENEFIT_BALANCE_VARS;

const BENEFIT_TYPE = new Map<BenefitBalanceVar, Obj>();
function benefitType(name: BenefitBalanceVar): Obj {
  let v = BENEFIT_TYPE.get(name);
  if (!v) {
    v = deepFreeze(codeable(CS_BENEFIT_BALANCE, VAR + name, BENEFIT_BALANCE_VARS[name]));
    BENEFIT_TYPE.set(name, v);
  }
  return v;
}

export function financialMoney(name: BenefitBalanceVar, cents: number): Obj {
  return { type: benefitType(name), usedMoney: money(cents) };
}

export function financialCount(name: BenefitBalanceVar, count: number): Obj {
  return { type: benefitType(name), usedUnsignedInt: count };
}

export function benefitBalance(financial: readonly Obj[]): Obj[] {
  return [
    {
      category: sharedCodeable(`${THO}ex-benefitcategory`, '1', 'Medical Care'),
      financial,
    },
  ];
}

const INFO_VARS = {
  nch_wkly_proc_dt: 'NCH Weekly Claim Processing Date',
  line_hct_hgb_rslt_num: 'Hematocrit / Hemoglobin Test Results',
  nch_ptnt_stus_ind_cd: 'NCH Patient Status Indicator Code',
  clm_ip_admsn_type_cd: 'Claim Inpatient Admission Type Code',
  clm_src_ip_admsn_cd: 'Claim Source Inpatient Admission Code',
  clm_drg_cd: 'Claim Diagnosis Related Group Code (or MS-DRG Code)',
  nch_blood_pnts_frnshd_qty: 'NCH Blood Pints Furnished Quantity',
  clm_mco_pd_sw: 'Claim MCO Paid Switch',
  nch_prmry_pyr_cd: 'NCH Primary Payer Code (if not Medicare)',
  nch_vrfd_ncvrd_stay_from_dt: 'NCH Verified Non-covered Stay From Date',
  nch_bene_mdcr_bnfts_exhtd_dt_i: 'NCH Beneficiary Medicare Benefits Exhausted Date',
  nch_qlfyd_stay_from_dt: 'NCH Qualified Stay From Date',
  clm_pps_ind_cd: 'Claim PPS Indicator Code',
  clm_hha_lupa_ind_cd: 'Claim HHA Low Utilization Payment Adjustment (LUPA) Indicator Code',
  clm_hha_rfrl_cd: 'Claim HHA Referral Code',
  clm_hha_tot_visit_cnt: 'Claim HHA Total Visit Count',
  drug_cvrg_stus_cd: 'Drug Coverage Status Code',
  daw_prod_slctn_cd: 'Dispense as Written (DAW) Product Selection Code',
  dspnsng_stus_cd: 'Dispensing Status Code',
  adjstmt_dltn_cd: 'Adjustment Deletion Code',
  nstd_frmt_cd: 'Non-Standard Format Code',
  prcng_excptn_cd: 'Pricing Exception Code',
  ctstrphc_cvrg_cd: 'Catastrophic Coverage Code',
  ptnt_rsdnc_cd: 'Patient Residence Code',
  submsn_clr_cd: 'Submission clarification code',
} as const;
export type InfoVar = keyof typeof INFO_VARS;

function ccwInfoCoding(name: InfoVar): Obj {
  return coding(CS_INFORMATION, VAR + name, INFO_VARS[name]);
}

/** supportingInfo category `info` + the CCW variable. */
const INFO_CATEGORY = new Memo<Obj>();
export function infoCategory(name: InfoVar): Obj {
  return INFO_CATEGORY.get(name, '', '', () => ({
    coding: [coding(`${THO}claiminformationcategory`, 'info', 'Information'), ccwInfoCoding(name)],
  }));
}

/** supportingInfo category with a CARIN C4BBSupportingInfoType code (plus the CCW variable if any). */
const CARIN_INFO_CATEGORY = new Memo<Obj>();
export function carinInfoCategory(code: string, display: string, name?: InfoVar): Obj {
  return CARIN_INFO_CATEGORY.get(code, display, name ?? '', () => ({
    coding:
      name === undefined
        ? [coding(`${C4BB}C4BBSupportingInfoType`, code, display)]
        : [coding(`${C4BB}C4BBSupportingInfoType`, code, display), ccwInfoCoding(name)],
  }));
}
