/** Institutional claim payment and `benefitBalance`, per claim type. */
import { PART_A_DEDUCTIBLE, SNF_DAILY_COINSURANCE } from './codes.ts';
import { type Ctx, sum } from './eob-common.ts';
import { type Obj } from './fhir-builders.ts';
import { financialCount, financialMoney } from './ccw-categories.ts';
import type { InstLine, Institutional } from './eob-institutional-lines.ts';

/** Claim payment and benefitBalance. */
export function institutionalMoney(
  c: Ctx,
  kind: Institutional,
  lines: readonly InstLine[],
  msp: boolean,
  inpatientPayment: number,
): { payment: number; financial: Obj[] } {
  const days = c.plan.thru - c.plan.from + 1;
  const totalCharge = sum(lines.map((l) => l.charge));
  switch (kind) {
    case 'inpatient':
      return inpatientMoney(c, lines, msp, inpatientPayment);
    case 'snf':
      return snfMoney(c, lines, msp);
    case 'hha':
      return {
        payment: sum(lines.map((l) => l.payment)),
        financial: [financialMoney('prpayamt', msp ? Math.round(totalCharge * 0.2) : 0)],
      };
    case 'hospice':
      return {
        payment: sum(lines.map((l) => l.payment)),
        financial: [financialCount('clm_utlztn_day_cnt', days), financialMoney('prpayamt', 0)],
      };
    case 'outpatient':
      return outpatientMoney(c, lines);
  }
}

/** Outpatient: the claim sums of the line amounts. */
function outpatientMoney(c: Ctx, lines: readonly InstLine[]): { payment: number; financial: Obj[] } {
  const m = c.money;
  const totalCharge = sum(lines.map((l) => l.charge));
  const payment = sum(lines.map((l) => l.payment));
  const financial = [
    financialMoney(
      'nch_profnl_cmpnt_chrg_amt',
      m.chance(0.3) ? Math.round(totalCharge * (0.05 + m.next() * 0.1)) : 0,
    ),
    financialMoney('nch_bene_ptb_ddctbl_amt', sum(lines.map((l) => l.cashDeductible))),
    financialMoney('nch_bene_ptb_coinsrnc_amt', sum(lines.map((l) => l.coinsurance))),
    financialMoney('clm_op_prvdr_pmt_amt', sum(lines.map((l) => l.toProvider))),
    financialMoney('clm_op_bene_pmt_amt', sum(lines.map((l) => l.toPatient))),
    financialMoney('nch_bene_blood_ddctbl_lblty_am', sum(lines.map((l) => l.bloodDeductible))),
    financialMoney('prpayamt', sum(lines.map((l) => l.msp1 + l.msp2))),
  ];
  return { payment, financial };
}

/** Inpatient: a DRG-like payment with PPS capital parts, the Part A deductible and coinsurance days. */
function inpatientMoney(
  c: Ctx,
  lines: readonly InstLine[],
  msp: boolean,
  inpatientPayment: number,
): { payment: number; financial: Obj[] } {
  const { rng } = c;
  const m = c.money;
  const los = Math.max(1, c.plan.thru - c.plan.from);
  const totalCharge = sum(lines.map((l) => l.charge));
  const noncovered = sum(lines.map((l) => l.noncovered));
  const payment = inpatientPayment;
  const fsp = Math.round(payment * (0.05 + m.next() * 0.03));
  const ime = m.chance(0.3) ? Math.round(fsp * (0.05 + m.next() * 0.1)) : 0;
  const dsh = m.chance(0.4) ? Math.round(fsp * (0.02 + m.next() * 0.08)) : 0;
  const outlier = m.chance(0.04) ? Math.round(fsp * 0.2) : 0;
  const deductible = m.chance(0.75) ? (PART_A_DEDUCTIBLE[c.year] ?? 1600) * 100 : 0;
  const coinsuranceDays = Math.max(0, los - 60);
  const coinsurance = coinsuranceDays * Math.round((PART_A_DEDUCTIBLE[c.year] ?? 1600) * 25);
  const blood = 0;
  const financial = [
    financialMoney('clm_pass_thru_per_diem_amt', m.chance(0.5) ? Math.round(m.cents(20, 450) * c.scale) : 0),
    financialMoney('nch_profnl_cmpnt_chrg_amt', m.chance(0.2) ? Math.round(m.cents(50, 900) * c.scale) : 0),
    financialMoney('clm_tot_pps_cptl_amt', fsp + ime + dsh + outlier),
    financialCount('bene_tot_coinsrnc_days_cnt', coinsuranceDays),
    financialCount('clm_non_utlztn_days_cnt', 0),
    financialMoney('nch_bene_ip_ddctbl_amt', deductible),
    financialMoney('nch_bene_pta_coinsrnc_lblty_amt', coinsurance),
    financialMoney('nch_ip_ncvrd_chrg_amt', noncovered),
    financialMoney('nch_ip_tot_ddctn_amt', deductible + coinsurance + blood),
    financialMoney('clm_pps_cptl_dsprprtnt_shr_amt', dsh),
    financialMoney('clm_pps_cptl_excptn_amt', 0),
    financialMoney('clm_pps_cptl_fsp_amt', fsp),
    financialMoney('clm_pps_cptl_ime_amt', ime),
    financialMoney('clm_pps_cptl_outlier_amt', outlier),
    financialMoney('clm_pps_old_cptl_hld_hrmls_amt', 0),
    financialMoney('nch_drg_outlier_aprvd_pmt_amt', m.chance(0.04) ? Math.round(payment * 0.15) : 0),
    financialMoney('nch_bene_blood_ddctbl_lblty_am', blood),
    financialMoney('prpayamt', msp ? Math.round(totalCharge * 0.2) : 0),
    financialCount('clm_utlztn_day_cnt', los),
    financialCount('clm_pps_cptl_drg_wt_num', rng.int(1, 3)),
    financialCount('bene_lrd_used_cnt', 0),
  ];
  return { payment, financial };
}

/** SNF: coinsurance from day 21 of the benefit period, a share of covered charges paid. */
function snfMoney(c: Ctx, lines: readonly InstLine[], msp: boolean): { payment: number; financial: Obj[] } {
  const { rng } = c;
  const m = c.money;
  const los = Math.max(1, c.plan.thru - c.plan.from);
  const totalCharge = sum(lines.map((l) => l.charge));
  const noncovered = sum(lines.map((l) => l.noncovered));
  const dayInPeriod = rng.chance(0.6) ? 1 : rng.int(2, 80);
  let coinsuranceDays = 0;
  for (let d = dayInPeriod; d < dayInPeriod + los; d++) if (d >= 21 && d <= 100) coinsuranceDays++;
  const coinsurance = coinsuranceDays * Math.round((SNF_DAILY_COINSURANCE[c.year] ?? 200) * 100);
  const gross = Math.round((totalCharge - noncovered) * (0.45 + m.next() * 0.3));
  const payment = Math.max(0, gross - coinsurance);
  const financial = [
    financialCount('clm_utlztn_day_cnt', los),
    financialCount('bene_tot_coinsrnc_days_cnt', coinsuranceDays),
    financialCount('clm_non_utlztn_days_cnt', 0),
    financialMoney('nch_bene_ip_ddctbl_amt', 0),
    financialMoney('nch_bene_pta_coinsrnc_lblty_amt', coinsurance),
    financialMoney('nch_ip_ncvrd_chrg_amt', noncovered),
    financialMoney('nch_ip_tot_ddctn_amt', coinsurance),
    financialMoney('clm_pps_cptl_dsprprtnt_shr_amt', 0),
    financialMoney('clm_pps_cptl_excptn_amt', 0),
    financialMoney('clm_pps_cptl_fsp_amt', 0),
    financialMoney('clm_pps_cptl_ime_amt', 0),
    financialMoney('clm_pps_cptl_outlier_amt', 0),
    financialMoney('clm_pps_old_cptl_hld_hrmls_amt', 0),
    financialMoney('nch_bene_blood_ddctbl_lblty_am', 0),
    financialMoney('prpayamt', msp ? Math.round(totalCharge * 0.2) : 0),
  ];
  return { payment, financial };
}
