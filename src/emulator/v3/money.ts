/**
 * Where each v2 CCW amount goes in v3 and under which IDR name (../shared/reference/bb2-v3.md
 * section 9, from the v3 data dictionary's `ccwMapping` column).
 */

/** Line amounts: CCW variable -> IDR name of `item.adjudication`. */
export const LINE_IDR: Readonly<Record<string, string>> = {
  line_sbmtd_chrg_amt: 'CLM_LINE_SBMT_CHRG_AMT',
  rev_cntr_tot_chrg_amt: 'CLM_LINE_SBMT_CHRG_AMT',
  line_alowd_chrg_amt: 'CLM_LINE_ALOWD_CHRG_AMT',
  line_nch_pmt_amt: 'CLM_LINE_CVRD_PD_AMT',
  rev_cntr_pmt_amt_amt: 'CLM_LINE_CVRD_PD_AMT',
  line_prvdr_pmt_amt: 'CLM_LINE_PRVDR_PMT_AMT',
  rev_cntr_prvdr_pmt_amt: 'CLM_LINE_PRVDR_PMT_AMT',
  line_bene_pmt_amt: 'CLM_LINE_BENE_PD_AMT',
  rev_cntr_bene_pmt_amt: 'CLM_LINE_BENE_PD_AMT',
  rev_cntr_ptnt_rspnsblty_pmt: 'CLM_LINE_BENE_PMT_AMT',
  line_bene_ptb_ddctbl_amt: 'CLM_LINE_MDCR_DDCTBL_AMT',
  rev_cntr_cash_ddctbl_amt: 'CLM_LINE_MDCR_DDCTBL_AMT',
  line_coinsrnc_amt: 'CLM_LINE_MDCR_COINSRNC_AMT',
  rev_cntr_coinsrnc_wge_adjstd_c: 'CLM_LINE_INSTNL_ADJSTD_AMT',
  rev_cntr_rdcd_coinsrnc_amt: 'CLM_LINE_INSTNL_RDCD_AMT',
  line_bene_prmry_pyr_pd_amt: 'CLM_BENE_PRMRY_PYR_PD_AMT',
  rev_cntr_1st_msp_pd_amt: 'CLM_LINE_INSTNL_MSP1_PD_AMT',
  rev_cntr_2nd_msp_pd_amt: 'CLM_LINE_INSTNL_MSP2_PD_AMT',
  rev_cntr_ncvrd_chrg_amt: 'CLM_LINE_NCVRD_CHRG_AMT',
  rev_cntr_rate_amt: 'CLM_LINE_INSTNL_RATE_AMT',
  rev_cntr_blood_ddctbl_amt: 'CLM_LINE_BLOOD_DDCTBL_AMT',
  cvrd_d_plan_pd_amt: 'CLM_LINE_CVRD_PD_AMT',
  ptnt_pay_amt: 'CLM_LINE_BENE_PMT_AMT',
  tot_rx_cst_amt: 'TOT_RX_CST_AMT',
  gdc_blw_oopt_amt: 'CLM_LINE_GRS_BLW_THRSHLD_AMT',
  gdc_abv_oopt_amt: 'CLM_LINE_GRS_ABOVE_THRSHLD_AMT',
  lics_amt: 'CLM_LINE_LIS_AMT',
  plro_amt: 'CLM_LINE_PLRO_AMT',
  othr_troop_amt: 'CLM_LINE_OTHR_TP_PD_AMT',
  rptd_gap_dscnt_num: 'CLM_LINE_RPTD_GAP_DSCNT_AMT',
};

/** The generic CARIN/HL7 code v3 pairs with an IDR name (v2's generic codes are kept otherwise). */
export const GENERIC_OF: Readonly<Record<string, string>> = {
  CLM_LINE_SBMT_CHRG_AMT: 'submitted',
  CLM_LINE_ALOWD_CHRG_AMT: 'eligible',
  CLM_LINE_CVRD_PD_AMT: 'benefit',
  CLM_LINE_PRVDR_PMT_AMT: 'paidtoprovider',
  CLM_LINE_BENE_PD_AMT: 'paidtopatient',
  CLM_LINE_BENE_PMT_AMT: 'paidbypatient',
  CLM_LINE_MDCR_DDCTBL_AMT: 'deductible',
  CLM_LINE_MDCR_COINSRNC_AMT: 'coinsurance',
  CLM_LINE_NCVRD_CHRG_AMT: 'noncovered',
  TOT_RX_CST_AMT: 'submitted',
  CLM_SBMT_CHRG_AMT: 'submitted',
  CLM_ALOWD_CHRG_AMT: 'eligible',
  CLM_PRVDR_PMT_AMT: 'paidtoprovider',
  CLM_MDCR_DDCTBL_AMT: 'deductible',
  CLM_MDCR_COINSRNC_AMT: 'coinsurance',
  CLM_NCVRD_CHRG_AMT: 'noncovered',
  CLM_BENE_PMT_AMT: 'paidbypatient',
};

/** Claim-level amounts: CCW variable -> where v3 puts it (`total` or header `adjudication`). */
export const CLAIM_IDR: Readonly<Record<string, { in: 'total' | 'adjudication'; idr: string }>> = {
  nch_carr_clm_sbmtd_chrg_amt: { in: 'total', idr: 'CLM_SBMT_CHRG_AMT' },
  clm_tot_chrg_amt: { in: 'total', idr: 'CLM_SBMT_CHRG_AMT' },
  nch_carr_clm_alowd_amt: { in: 'total', idr: 'CLM_ALOWD_CHRG_AMT' },
  nch_clm_prvdr_pmt_amt: { in: 'total', idr: 'CLM_PRVDR_PMT_AMT' },
  clm_op_prvdr_pmt_amt: { in: 'total', idr: 'CLM_PRVDR_PMT_AMT' },
  nch_ip_tot_ddctn_amt: { in: 'total', idr: 'CLM_MDCR_DDCTBL_AMT' },
  nch_bene_ptb_ddctbl_amt: { in: 'total', idr: 'CLM_MDCR_DDCTBL_AMT' },
  carr_clm_cash_ddctbl_apld_amt: { in: 'total', idr: 'CLM_MDCR_DDCTBL_AMT' },
  nch_bene_pta_coinsrnc_lblty_amt: { in: 'total', idr: 'CLM_MDCR_COINSRNC_AMT' },
  nch_bene_ptb_coinsrnc_amt: { in: 'total', idr: 'CLM_MDCR_COINSRNC_AMT' },
  nch_ip_ncvrd_chrg_amt: { in: 'total', idr: 'CLM_NCVRD_CHRG_AMT' },
  nch_bene_ip_ddctbl_amt: { in: 'adjudication', idr: 'CLM_MDCR_IP_BENE_DDCTBL_AMT' },
  carr_clm_prmry_pyr_pd_amt: { in: 'adjudication', idr: 'CLM_MDCR_PRFNL_PRMRY_PYR_AMT' },
  prpayamt: { in: 'adjudication', idr: 'CLM_MDCR_INSTNL_PRMRY_PYR_AMT' },
  nch_bene_blood_ddctbl_lblty_am: { in: 'adjudication', idr: 'CLM_BLOOD_LBLTY_AMT' },
  clm_utlztn_day_cnt: { in: 'adjudication', idr: 'CLM_INSTNL_CVRD_DAY_CNT' },
};
