/**
 * A v2 Coverage's monthly series -> coverage_monthly rows: one per calendar month of its
 * reference year (rfrnc_yr) that carries at least one monthly value. BB2 v2 sends, per month NN:
 * buyinNN (Medicare entitlement/buy-in), hmo_ind_NN, ptc_cntrct_id_NN / ptc_pbp_id_NN /
 * ptc_plan_type_cd_NN (Part C), ptdcntrctNN / ptdpbpidNN / sgmtidNN / cstshrNN / rdsindNN
 * (Part D) and dual_NN.
 *
 * Enrolled (the rule of Tuva's Medicare LDS connector, which unpivots the same flags): Part A
 * when buyinNN is 1, 3, A or C; Part B when it is 2, 3, B or C (CCW BENE_MDCR_ENTLMT_BUYIN_IND);
 * Part C when ptc_cntrct_id_NN names a contract or hmo_ind_NN is not 0; Part D when ptdcntrctNN
 * names a contract (not 0, N, X, * or blank).
 */
import type { CoverageMonthRow, CoverageRow } from '../model/analytics-rows.ts';
import type { MapContext } from './map-context.ts';

/** Codes that mean "no contract this month" in the monthly Part C/D series. */
export const NO_CONTRACT = new Set(['0', 'N', 'X', '*', '']);

const SERIES = {
  buyin: 'buyin',
  hmo: 'hmo_ind_',
  cContract: 'ptc_cntrct_id_',
  cPlan: 'ptc_pbp_id_',
  cPlanType: 'ptc_plan_type_cd_',
  dContract: 'ptdcntrct',
  dPlan: 'ptdpbpid',
  dSegment: 'sgmtid',
  dCostShare: 'cstshr',
  dRetireeSubsidy: 'rdsind',
  dual: 'dual_',
} as const;

/**
 * `values`: the Coverage's CMS variables by name (coverage.ts `monthlyExtensions`). No rows when
 * the part or the reference year is unknown: the months cannot be placed.
 */
export function mapCoverageMonths(
  values: ReadonlyMap<string, string>,
  coverage: CoverageRow,
  ctx: MapContext,
): CoverageMonthRow[] {
  const part = coverage.part;
  const year = coverage.reference_year;
  if (!part || year == null || year < 1) return [];
  if (year > 9999) {
    ctx.warn(`reference year ${year} is not a calendar year: no coverage months`);
    return [];
  }
  const rows: CoverageMonthRow[] = [];
  for (let m = 1; m <= 12; m++) {
    const mm = String(m).padStart(2, '0');
    const get = (series: string) => values.get(`${series}${mm}`) ?? null;
    const v = Object.fromEntries(Object.entries(SERIES).map(([k, s]) => [k, get(s)])) as Record<
      keyof typeof SERIES,
      string | null
    >;
    if (Object.values(v).every((code) => code === null)) continue;
    rows.push({
      coverage_id: coverage.coverage_id,
      patient_id: coverage.patient_id,
      month: `${String(year).padStart(4, '0')}-${mm}-01`,
      enrolled: enrolledIn(part, v),
      buyin_code: v.buyin,
      hmo_indicator: v.hmo,
      contract_id: part === 'C' ? v.cContract : part === 'D' ? v.dContract : null,
      plan_id: part === 'C' ? v.cPlan : part === 'D' ? v.dPlan : null,
      part_c_plan_type_code: v.cPlanType,
      part_d_segment_id: v.dSegment,
      part_d_cost_share_code: v.dCostShare,
      part_d_retiree_subsidy_code: v.dRetireeSubsidy,
      dual_status_code: v.dual,
      last_updated: coverage.last_updated ?? null,
    });
  }
  return rows;
}

function enrolledIn(part: string, v: Record<keyof typeof SERIES, string | null>): boolean {
  switch (part) {
    case 'A':
      return ['1', '3', 'A', 'C'].includes(v.buyin ?? '');
    case 'B':
      return ['2', '3', 'B', 'C'].includes(v.buyin ?? '');
    case 'C':
      return !NO_CONTRACT.has(v.cContract ?? '') || !['', '0'].includes(v.hmo ?? '0');
    case 'D':
      return !NO_CONTRACT.has(v.dContract ?? '');
    default:
      return false;
  }
}
