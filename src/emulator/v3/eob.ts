/**
 * A synthetic v3 ExplanationOfBenefit made from the emulator's v2 one, shaped like BFD
 * server-ng's output (../shared/fixtures/bb2/v3, e.g. eob-carrier.json): bare numeric id, CLM-TYPE-CD
 * and EOB-TYPE codes, meta.source and System-Type/Final-Action tags, CLM-CNTL-NUM, contained
 * insurer and provider, IDR-named amounts in item/header adjudication and total, no
 * benefitBalance. The amounts are v2's, moved, so both versions of one claim add up the same.
 */
import type { FhirResource } from '../data/types.ts';
import { v3ClaimId } from './ids.ts';
import { CLAIM_IDR, GENERIC_OF, LINE_IDR } from './money.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CS = 'https://bluebutton.cms.gov/fhir/CodeSystem/';
const CCW = 'https://bluebutton.cms.gov/resources/variables/';
const C4BB = 'http://hl7.org/fhir/us/carin-bb/StructureDefinition/';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
export const CONTROL_NUMBER_SYSTEM = 'https://bluebutton.cms.gov/identifiers/CLM-CNTL-NUM';

const PROFILE: Record<string, string> = {
  carrier: 'C4BB-ExplanationOfBenefit-Professional-NonClinician',
  dme: 'C4BB-ExplanationOfBenefit-Professional-NonClinician',
  outpatient: 'C4BB-ExplanationOfBenefit-Outpatient-Institutional',
  pde: 'C4BB-ExplanationOfBenefit-Pharmacy',
};
const PART_OF: Record<string, string> = { carrier: 'B', dme: 'B', outpatient: 'B', hha: 'B', pde: 'D' };

export interface V3Origin {
  source: 'NCH' | 'DDPS' | 'FISS' | 'MCS' | 'VMS';
  finalAction: boolean;
  /** Shared-system bills use 1xxx (phase 1) and 2xxx codes. */
  typeCode?: string;
  samhsa?: boolean;
  id?: string;
  priorControlNumber?: string;
}

const variableOf = (coding: Json | undefined): string | undefined => {
  const code = typeof coding?.code === 'string' ? (coding.code as string) : '';
  return code.startsWith(CCW) ? code.slice(CCW.length) : undefined;
};

function categoryVariable(category: Json | undefined): { generic?: Json; variable?: string } {
  let generic: Json | undefined;
  let variable: string | undefined;
  for (const c of (category?.coding ?? []) as Json[]) {
    const v = variableOf(c);
    if (v) variable ??= v;
    else generic ??= c;
  }
  return { generic, variable };
}

function money(idr: string, value: unknown, generic?: string): Json {
  const coding: Json[] = [];
  const g = generic ?? GENERIC_OF[idr];
  if (g) coding.push({ code: g, system: 'http://terminology.hl7.org/CodeSystem/adjudication' });
  coding.push({ code: idr, system: `${CS}Adjudication` });
  return { amount: { currency: 'USD', value }, category: { coding } };
}

/** The v2 claim control number (carrier/DME `carr_clm_cntl_num`, institutional `fi_doc_clm_cntl_num`). */
export function v2ControlNumber(eob: Json): string | undefined {
  for (const e of (eob.extension ?? []) as Json[]) {
    if (e.url === `${CCW}carr_clm_cntl_num` || e.url === `${CCW}fi_doc_clm_cntl_num`) {
      return e.valueIdentifier?.value as string | undefined;
    }
  }
  return undefined;
}

export function claimTypeOfV2(eob: FhirResource): string {
  return eob.id.slice(0, eob.id.indexOf('-'));
}

export function toV3Eob(eob: FhirResource, v3Patient: string, origin: V3Origin): FhirResource {
  const v2 = eob as Json;
  const type = claimTypeOfV2(eob);
  const id = origin.id ?? v3ClaimId(eob.id);
  const nchType = ((v2.type?.coding ?? []) as Json[]).find((c) => c.system === `${CCW}nch_clm_type_cd`)?.code;
  const rxNumber = ((v2.identifier ?? []) as Json[]).find(
    (i) => i.system === `${CCW}rx_srvc_rfrnc_num`,
  )?.value;
  const control = v2ControlNumber(v2) ?? (rxNumber ? `RX${rxNumber}` : `CN${id}`);
  const meta = v3Meta(v2, type, origin);
  const out: Json = {
    resourceType: 'ExplanationOfBenefit',
    id,
    meta,
    contained: [
      {
        id: 'insurer-org',
        name: 'Centers for Medicare and Medicaid Services',
        resourceType: 'Organization',
        active: true,
      },
    ],
    identifier: [
      {
        type: {
          coding: [{ code: 'uc', system: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType' }],
        },
        value: id,
      },
      { system: CONTROL_NUMBER_SYSTEM, value: control },
    ],
    status: 'active',
    type: {
      coding: [
        { code: origin.typeCode ?? nchType ?? '1', system: `${CS}CLM-TYPE-CD` },
        ...((v2.type?.coding ?? []) as Json[]).filter(
          (c) => c.system === 'http://terminology.hl7.org/CodeSystem/claim-type',
        ),
        { code: type.toUpperCase(), system: `${CS}EOB-TYPE` },
      ],
    },
    use: 'claim',
    patient: { reference: `Patient/${v3Patient}` },
    billablePeriod: v2.billablePeriod,
    created: v2.created,
    insurer: { reference: '#insurer-org' },
    outcome: origin.finalAction ? 'complete' : 'partial',
    insurance: [{ coverage: { display: `Part ${PART_OF[type] ?? 'A'}` }, focal: true }],
  };
  if (v2.subType) out.subType = v2.subType;
  if (origin.priorControlNumber) out.related = [priorClaim(origin.priorControlNumber)];
  addProvider(v2, out);
  out.careTeam = ((v2.careTeam ?? []) as Json[]).map((m) => ({
    sequence: m.sequence,
    role: m.role,
    provider: { identifier: { system: NPI, value: m.provider?.identifier?.value } },
    ...(m.qualification ? { qualification: { coding: [m.qualification.coding[0]] } } : {}),
  }));
  out.supportingInfo = supportingInfo(v2, rxNumber);
  if (v2.diagnosis)
    out.diagnosis = (v2.diagnosis as Json[]).filter((d) => d.diagnosisCodeableConcept).map(diagnosis);
  if (v2.procedure) {
    out.procedure = (v2.procedure as Json[]).map((p) => ({
      sequence: p.sequence,
      ...(p.date ? { date: String(p.date).slice(0, 10) } : {}),
      procedureCodeableConcept: { coding: [p.procedureCodeableConcept.coding[0]] },
    }));
  }
  out.item = ((v2.item ?? []) as Json[]).map(item);
  Object.assign(out, claimMoney(v2, type));
  if (v2.payment) out.payment = v2.payment;
  return out as FhirResource;
}

/** meta: lastUpdated, the C4BB profile, the source system and its tags, SAMHSA's label. */
function v3Meta(v2: Json, type: string, origin: V3Origin): Json {
  const systemType =
    origin.source === 'NCH' ? 'NationalClaimsHistory' : origin.source === 'DDPS' ? 'DDPS' : 'SharedSystem';
  const meta: Json = {
    lastUpdated: v2.meta?.lastUpdated,
    profile: [`${C4BB}${PROFILE[type] ?? 'C4BB-ExplanationOfBenefit-Inpatient-Institutional'}|2.2.0`],
    source: origin.source,
    tag: [
      { code: systemType, system: `${CS}System-Type` },
      { code: origin.finalAction ? 'FinalAction' : 'NotFinalAction', system: `${CS}Final-Action` },
    ],
  };
  if (origin.samhsa) {
    meta.security = [
      {
        code: '42CFRPart2',
        display: '42 CFR Part 2',
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
      },
    ];
  }
  return meta;
}

/** related[]: the prior version of the claim, by its control number. */
function priorClaim(controlNumber: string): Json {
  return {
    reference: { system: CONTROL_NUMBER_SYSTEM, value: controlNumber },
    relationship: {
      coding: [
        { code: 'prior', system: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship' },
      ],
    },
  };
}

function addProvider(v2: Json, out: Json): void {
  let npi: string | undefined;
  let name: string | undefined;
  const ref = v2.provider?.reference as string | undefined;
  if (ref?.startsWith('#')) {
    const org = ((v2.contained ?? []) as Json[]).find((c) => c.id === ref.slice(1));
    npi = ((org?.identifier ?? []) as Json[]).find((i) => i.system === NPI)?.value;
    name = org?.name;
  } else {
    npi = v2.provider?.identifier?.value;
  }
  if (!npi) {
    out.provider = {
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
      ],
    };
    return;
  }
  out.contained.push({
    resourceType: 'Organization',
    id: npi,
    identifier: [{ system: NPI, value: npi }],
    ...(name ? { name } : {}),
  });
  out.provider = { reference: `#${npi}` };
}

const C4BB_INFO = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType';

/**
 * v2's PDE adjstmt_dltn_cd (D deletion, A adjustment) as v3's CLM_ADJSTMT_TYPE_CD, coded like
 * the fixtures (FX eob-pharmacy-with-organization.json `1` VOID, eob-pharmacy.json `4`).
 */
function adjustmentType(sequence: number, info: Json): Json {
  const v2Code = ((info.code?.coding ?? []) as Json[])[0]?.code;
  const [code, display] = v2Code === 'D' ? ['1', 'VOID'] : ['4', 'DEBIT ADJUSTMENT (POSITIVE SUPPLEMENTAL)'];
  return {
    sequence,
    category: {
      coding: [
        { code: 'CLM_ADJSTMT_TYPE_CD', system: `${CS}Supporting-Information` },
        { code: 'info', system: 'http://terminology.hl7.org/CodeSystem/claiminformationcategory' },
      ],
    },
    code: { coding: [{ code, display, system: `${CS}CLM-ADJSTMT-TYPE-CD` }] },
  };
}

function supportingInfo(v2: Json, rxNumber: string | undefined): Json[] {
  const out: Json[] = [];
  for (const info of (v2.supportingInfo ?? []) as Json[]) {
    const codings = (info.category?.coding ?? []) as Json[];
    const variable = codings.map(variableOf).find(Boolean);
    const carin = codings.find((c) => c.system === C4BB_INFO);
    let category: Json;
    if (variable === 'adjstmt_dltn_cd') {
      out.push(adjustmentType(out.length + 1, info));
      continue;
    }
    if (variable === 'clm_drg_cd') category = { coding: [{ code: 'drg', system: C4BB_INFO }] };
    else if (carin) category = { coding: [{ code: carin.code, system: C4BB_INFO }] };
    else if (variable)
      category = { coding: [{ code: variable.toUpperCase(), system: `${CS}Supporting-Information` }] };
    else continue;
    const entry: Json = { sequence: out.length + 1, category };
    for (const k of ['timingDate', 'timingPeriod', 'valueQuantity', 'valueString'])
      if (info[k] !== undefined) entry[k] = info[k];
    if (info.code) {
      entry.code = {
        coding: ((info.code.coding ?? []) as Json[]).map((c) => {
          const v =
            typeof c.system === 'string' && c.system.startsWith(CCW) ? c.system.slice(CCW.length) : undefined;
          return v ? { ...c, system: `${CS}${v.toUpperCase().replace(/_/g, '-')}` } : c;
        }),
      };
    }
    out.push(entry);
  }
  if (rxNumber) {
    out.push({
      sequence: out.length + 1,
      category: { coding: [{ code: 'CLM_LINE_RX_NUM', system: `${CS}Supporting-Information` }] },
      valueString: rxNumber,
    });
  }
  return out;
}

function diagnosis(d: Json): Json {
  const coding =
    ((d.diagnosisCodeableConcept.coding ?? []) as Json[]).find(
      (c) => c.system !== 'http://hl7.org/fhir/sid/icd-10',
    ) ?? d.diagnosisCodeableConcept.coding[0];
  const poa = ((d.extension ?? []) as Json[]).find((e) => /clm_e?_?poa_ind_sw\d+$/.test(String(e.url)));
  return {
    sequence: d.sequence,
    diagnosisCodeableConcept: {
      coding: [
        { code: coding.code, system: coding.system, ...(coding.display ? { display: coding.display } : {}) },
      ],
    },
    ...(d.type ? { type: d.type } : {}),
    ...(poa ? { onAdmission: { coding: [{ code: poa.valueCoding?.code }] } } : {}),
  };
}

function item(line: Json): Json {
  const out: Json = { sequence: line.sequence };
  const product = ((line.productOrService?.coding ?? []) as Json[]).map((c) =>
    String(c.system).includes('hcpcs')
      ? { code: c.code, system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets' }
      : c,
  );
  if (product.length) out.productOrService = { coding: product };
  if (line.modifier) out.modifier = line.modifier;
  const rev = ((line.revenue?.coding ?? []) as Json[])[0];
  if (rev?.code) out.revenue = { coding: [{ code: rev.code, system: `${CS}CLM-REV-CNTR-CD` }] };
  const pos = ((line.locationCodeableConcept?.coding ?? []) as Json[])[0];
  if (pos?.code) {
    out.locationCodeableConcept = {
      coding: [
        {
          code: pos.code,
          system: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
        },
      ],
    };
  }
  for (const k of ['careTeamSequence', 'servicedDate', 'servicedPeriod', 'quantity'])
    if (line[k] !== undefined) out[k] = line[k];
  const adjudication: Json[] = [];
  for (const adj of (line.adjudication ?? []) as Json[]) {
    const { generic, variable } = categoryVariable(adj.category);
    const idr = variable ? LINE_IDR[variable] : undefined;
    if (idr && adj.amount?.value !== undefined)
      adjudication.push(money(idr, adj.amount.value, GENERIC_OF[idr] ? undefined : generic?.code));
  }
  if (adjudication.length) out.adjudication = adjudication;
  return out;
}

/** v2 claim-level amounts (`total`, `benefitBalance`) -> v3 `total` and header `adjudication`. */
function claimMoney(v2: Json, type: string): { total?: Json[]; adjudication?: Json[] } {
  const total: Json[] = [];
  const header: Json[] = [];
  const put = (variable: string, value: unknown, count = false) => {
    const target = CLAIM_IDR[variable];
    if (!target || value === undefined) return;
    if (count)
      header.push({ category: { coding: [{ code: target.idr, system: `${CS}Adjudication` }] }, value });
    else (target.in === 'total' ? total : header).push(money(target.idr, value));
  };
  for (const t of (v2.total ?? []) as Json[]) {
    const { generic, variable } = categoryVariable(t.category);
    const value = t.amount?.value;
    if (type === 'pde') {
      if (generic?.code === 'drugcost') total.push(money('TOT_RX_CST_AMT', value));
      continue;
    }
    // BFD's carrier/DME total labelled clm_tot_chrg_amt holds carr_clm_prmry_pyr_pd_amt.
    if ((type === 'carrier' || type === 'dme') && variable === 'clm_tot_chrg_amt')
      put('carr_clm_prmry_pyr_pd_amt', value);
    else if (variable) put(variable, value);
    else if (generic?.code === 'submitted' || t.category === undefined) put('clm_tot_chrg_amt', value);
  }
  for (const balance of (v2.benefitBalance ?? []) as Json[]) {
    for (const f of (balance.financial ?? []) as Json[]) {
      const variable = variableOf(f.type?.coding?.[0]);
      if (!variable) continue;
      if (f.usedMoney?.value !== undefined) put(variable, f.usedMoney.value);
      else if (f.usedUnsignedInt !== undefined) put(variable, f.usedUnsignedInt, true);
    }
  }
  if (type === 'pde') {
    let paid = 0;
    let any = false;
    for (const line of (v2.item ?? []) as Json[]) {
      for (const adj of (line.adjudication ?? []) as Json[]) {
        if (
          categoryVariable(adj.category).variable === 'ptnt_pay_amt' &&
          typeof adj.amount?.value === 'number'
        ) {
          paid += adj.amount.value as number;
          any = true;
        }
      }
    }
    if (any) total.push(money('CLM_BENE_PMT_AMT', Math.round(paid * 100) / 100));
  }
  return { ...(total.length ? { total } : {}), ...(header.length ? { adjudication: header } : {}) };
}
