/**
 * The Digital Insurance Card (`GET /v3/fhir/Patient/$generate-insurance-card`): a collection
 * Bundle of one C4DIC-Patient, one C4DIC-Organization (CMS) and one C4DIC-Coverage per part
 * (../shared/reference/bb2-v3.md section 8; FX insurance-card-bundle.json). Pure: the card's text
 * to what bbsync stores and shows. Every byte is BB2's, so nothing is trusted: anything that is not
 * a collection Bundle is refused; odd entries read as missing values.
 */
import { createHash } from 'node:crypto';

import { Bb2Error } from '../../errors.ts';
import { parseBb2Json } from '../page.ts';
import { arr, obj, str, type JsonObject } from '../read.ts';

const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';
const C4DIC = 'http://hl7.org/fhir/us/insurance-card/StructureDefinition/C4DIC-';

export interface InsuranceCardPlan {
  /** The plan class: 'Part A', 'Part B', 'Part C', 'Part D', 'Dual Medicare/Medicaid'. */
  plan: string;
  status: string | null;
  start: string | null;
  end: string | null;
  /** Source of payment typology (`Coverage.type`), e.g. 'MEDICARE FFS'. */
  payerType: string | null;
  /** Part C/D contract and plan (PBP), from the entry's `urn:uuid:part-c-<bene>-<contract>-<pbp>`. */
  contractId: string | null;
  planId: string | null;
  /** The MBI (`subscriberId`). PHI: never on a page or in a log. */
  subscriberId: string | null;
  /** Part D pharmacy routing: BIN, PCN, group (not PHI) and the member's rx id (PHI). */
  rxBin: string | null;
  rxPcn: string | null;
  rxGroup: string | null;
  rxId: string | null;
}

export interface InsuranceCard {
  plans: InsuranceCardPlan[];
  /** The CMS Organization's contact numbers and site, as printed on the card. */
  contacts: string[];
  /** The beneficiary's name as on the card. PHI: never on a page or in a log. */
  name: string | null;
}

export interface ReceivedInsuranceCard {
  /** The Bundle as BB2 sent it. */
  bundle: JsonObject;
  contentHash: string;
  card: InsuranceCard;
}

/** Parses BB2's answer; a body that is not a collection Bundle is a `malformed_response`. */
export function parseInsuranceCard(text: string, source: string): ReceivedInsuranceCard {
  const bundle = obj(parseBb2Json(text, source));
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'collection') {
    throw new Bb2Error(
      `BB2 sent JSON that is not an insurance card (a collection Bundle) on ${source}`,
      'malformed_response',
      200,
    );
  }
  return {
    bundle,
    // Like every content hash here, without meta.lastUpdated (it moves with every answer).
    contentHash: createHash('sha256')
      .update(JSON.stringify({ ...bundle, meta: { ...obj(bundle.meta), lastUpdated: null } }))
      .digest('base64url'),
    card: readInsuranceCard(bundle),
  };
}

/** What a stored or received card says, read defensively. */
export function readInsuranceCard(bundle: unknown): InsuranceCard {
  const plans: InsuranceCardPlan[] = [];
  const contacts: string[] = [];
  let name: string | null = null;
  for (const entry of arr(obj(bundle)?.entry)) {
    const resource = obj(entry.resource);
    if (!resource) continue;
    if (resource.resourceType === 'Coverage') plans.push(readPlan(resource, str(entry.fullUrl) ?? ''));
    else if (resource.resourceType === 'Organization' && hasProfile(resource, 'Organization')) {
      const telecoms = [...arr(resource.telecom), ...arr(resource.contact).flatMap((c) => arr(c.telecom))];
      for (const t of telecoms) if (str(t.value)) contacts.push(str(t.value)!);
    } else if (resource.resourceType === 'Patient') {
      const n = arr(resource.name)[0];
      const given = Array.isArray(n?.given) ? n.given.map(str).filter(Boolean) : [];
      const full = [...given, str(n?.family)].filter(Boolean).join(' ');
      name = full || null;
    }
  }
  return { plans, contacts, name };
}

function readPlan(coverage: JsonObject, fullUrl: string): InsuranceCardPlan {
  const classes = new Map<string, string>();
  for (const c of arr(coverage.class)) {
    const code = arr(obj(c.type)?.coding).find((x) => x.system === COVERAGE_CLASS)?.code;
    const value = str(c.value);
    if (typeof code === 'string' && value !== undefined && !classes.has(code)) classes.set(code, value);
  }
  const period = obj(coverage.period);
  const typeCoding = arr(obj(coverage.type)?.coding)[0];
  const composite = /^urn:uuid:part-[cd]--?\d+-([^-]+)-([^-]+)$/.exec(fullUrl);
  return {
    plan: classes.get('plan') ?? 'unknown',
    status: str(coverage.status) ?? null,
    start: str(period?.start) ?? null,
    end: str(period?.end) ?? null,
    payerType: str(typeCoding?.display) ?? str(typeCoding?.code) ?? null,
    contractId: composite?.[1] ?? null,
    planId: composite?.[2] ?? null,
    subscriberId: str(coverage.subscriberId) ?? null,
    rxBin: classes.get('rxbin') ?? null,
    rxPcn: classes.get('rxpcn') ?? null,
    rxGroup: classes.get('rxgroup') ?? null,
    rxId: classes.get('rxid') ?? null,
  };
}

function hasProfile(resource: JsonObject, kind: string): boolean {
  const profiles = obj(resource.meta)?.profile;
  return Array.isArray(profiles) && profiles.some((p) => typeof p === 'string' && p.startsWith(C4DIC + kind));
}
