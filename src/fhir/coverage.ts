import type { MapContext } from './map-context.ts';
import {
  arr,
  CMS_VARIABLES,
  codings,
  extensionCode,
  obj,
  referenceId,
  str,
  type JsonObject,
} from './read.ts';
import type { CoverageRow } from '../model/analytics-rows.ts';
import { mapCoverageMonths, NO_CONTRACT } from './coverage-months.ts';
import type { MappedCoverage } from './mapped.ts';
import { year } from './values.ts';

const PART_FROM_ID = /^(?:c4dic-)?part-([a-d])-/;

/** The coverages row and its months (coverage-months.ts). */
export function mapCoverage(resource: JsonObject, ctx: MapContext): MappedCoverage {
  const monthly = monthlyExtensions(resource);
  const row = mapCoverageRow(resource, monthly, ctx);
  return { row, months: mapCoverageMonths(monthly, row, ctx) };
}

function mapCoverageRow(resource: JsonObject, monthly: Map<string, string>, ctx: MapContext): CoverageRow {
  const patientId = coveragePatientId(resource, ctx);
  const part = coveragePart(resource, ctx.resourceId);
  if (!part) ctx.warn('the Medicare part could not be read from the id or class; part is NULL');

  let contract: string | undefined;
  let plan: string | undefined;
  if (part === 'C') {
    const month = latestMonth(monthly, 'ptc_cntrct_id_');
    contract = month ? monthly.get(`ptc_cntrct_id_${month}`) : undefined;
    plan = month ? monthly.get(`ptc_pbp_id_${month}`) : undefined;
  } else if (part === 'D') {
    const month = latestMonth(monthly, 'ptdcntrct');
    contract = month ? monthly.get(`ptdcntrct${month}`) : undefined;
    plan = month ? monthly.get(`ptdpbpid${month}`) : undefined;
  }
  const dualMonth = latestMonth(monthly, 'dual_', (code) => code !== '');

  return {
    ...commonCoverageColumns(resource, patientId, part, ctx),
    medicare_status_code: monthly.get('ms_cd') ?? null,
    termination_code: monthly.get(part === 'A' ? 'a_trm_cd' : 'b_trm_cd') ?? null,
    contract_id: contract ?? null,
    plan_id: plan ?? null,
    dual_status_code: dualMonth ? (monthly.get(`dual_${dualMonth}`) ?? null) : null,
    reference_year: year(monthly.get('rfrnc_yr')) ?? null,
  };
}

/** The beneficiary the coverage is of; a Coverage without one cannot be loaded. */
export function coveragePatientId(resource: JsonObject, ctx: MapContext): string {
  const patientId = referenceId(resource.beneficiary, 'Patient');
  if (!patientId) ctx.fail('has no beneficiary reference to a Patient', 'Coverage.beneficiary');
  return patientId;
}

/** The coverages columns v2 and v3 read alike (the plan details differ: v3/coverage.ts). */
export function commonCoverageColumns(
  resource: JsonObject,
  patientId: string,
  part: string | undefined,
  ctx: MapContext,
): Pick<
  CoverageRow,
  | 'coverage_id'
  | 'patient_id'
  | 'part'
  | 'status'
  | 'period_start'
  | 'period_end'
  | 'subscriber_id'
  | 'last_updated'
> {
  const period = obj(resource.period);
  return {
    coverage_id: ctx.resourceId,
    patient_id: patientId,
    part: part ?? null,
    status: str(resource.status) ?? null,
    period_start: ctx.date(period?.start, 'Coverage.period.start'),
    period_end: ctx.date(period?.end, 'Coverage.period.end'),
    subscriber_id: str(resource.subscriberId) ?? null,
    last_updated: ctx.lastUpdated,
  };
}

/** 'A'..'D': from the id prefix (reliable), else from the class `plan` value ("Part A"). */
export function coveragePart(resource: JsonObject, id: string): string | undefined {
  const fromId = PART_FROM_ID.exec(id)?.[1];
  if (fromId) return fromId.toUpperCase();
  for (const cls of arr(resource.class)) {
    const isPlan = codings(cls.type).some((c) => c.code === 'plan');
    const value = str(cls.value);
    const m = isPlan && value ? /^Part ([A-D])$/i.exec(value) : null;
    if (m?.[1]) return m[1].toUpperCase();
  }
  return undefined;
}

/**
 * The CMS variable extensions by variable name. Part D repeats the monthly contract ids under
 * URLs that embed the year (`.../ptdcntrct01/2018-1`); only the plain variable URLs are kept.
 */
function monthlyExtensions(resource: JsonObject): Map<string, string> {
  const values = new Map<string, string>();
  for (const ext of arr(resource.extension)) {
    const url = str(ext.url);
    if (!url?.startsWith(CMS_VARIABLES)) continue;
    const name = url.slice(CMS_VARIABLES.length);
    if (name.includes('/')) continue;
    const code = extensionCode(ext);
    if (code !== undefined && !values.has(name)) values.set(name, code);
  }
  return values;
}

/** The latest month ('01'..'12') whose `<prefix><month>` value counts as present. */
function latestMonth(
  values: Map<string, string>,
  prefix: string,
  present: (code: string) => boolean = (code) => !NO_CONTRACT.has(code),
): string | undefined {
  for (let m = 12; m >= 1; m--) {
    const month = String(m).padStart(2, '0');
    const code = values.get(`${prefix}${month}`);
    if (code !== undefined && present(code)) return month;
  }
  return undefined;
}
