/**
 * The v3 FHIR endpoints: search and read of Patient, Coverage and ExplanationOfBenefit, and
 * `Patient/$generate-insurance-card`, for the same synthetic beneficiaries as v2 (records.ts).
 * Bearer authentication and scopes are v2's; errors BFD raises come back as OperationOutcome with
 * BFD's status, errors BB2 raises itself as `{"detail": ...}` (bb2-v3.md section 5). Fault
 * injection is v2's, with v3's 5xx bodies (fhir-faults.ts); hostile `next` links replace the
 * `_offset` link of a search page.
 */
import { randomUUID } from 'node:crypto';

import { authenticate, NOT_FOUND, requireAnyScope, scopesFor } from '../auth.ts';
import type { Core, Ctx } from '../core.ts';
import { injectFaults, sendBodyFault, writeBody, type FaultAnswer } from '../fhir-faults.ts';
import { HttpError } from '../http-util.ts';
import type { AccessTokenRecord } from '../oauth/records.ts';
import { includesSamhsa } from './consents.ts';
import { insuranceCard } from './patient.ts';
import { v3Record, type V3Record } from './records.ts';
import { operationOutcome, parseV3Search, v3Bundle, v3Matches, type V3Type } from './search.ts';

const FHIR_JSON = { 'Content-Type': 'application/fhir+json' };

function bfdTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function recordOf(core: Core, token: AccessTokenRecord): V3Record {
  const record = core.store.record(token.patientId);
  if (!record) throw new HttpError(404, { detail: NOT_FOUND });
  return v3Record(record);
}

function resourcesOf(record: V3Record, type: V3Type) {
  return type === 'Patient' ? [record.patient] : type === 'Coverage' ? record.coverages : record.eobs;
}

/** Sends a v3 resource or Bundle, unless the drawn fault answers instead. */
function sendFhir(ctx: Ctx, core: Core, fault: Exclude<FaultAnswer, 'handled'>, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  if (sendBodyFault(ctx, core, fault, FHIR_JSON['Content-Type'], () => body)) return;
  writeBody(ctx.res, 200, [body], FHIR_JSON);
}

export async function handleV3Search(ctx: Ctx, core: Core, type: V3Type): Promise<void> {
  const token = authenticate(ctx, core);
  requireAnyScope(token, scopesFor(type, 'search'));
  core.stats.fhirRequest(token.patientId);
  const fault = await injectFaults(ctx, core, 'v3');
  if (fault === 'handled') return;
  const record = recordOf(core, token);
  const search = parseV3Search(type, ctx.query, {
    patientId: record.patientId,
    strict: ctx.req.headers.prefer === 'handling=strict',
    includeSamhsa: includesSamhsa(core, token.clientId, token.patientId),
  });
  let candidates = resourcesOf(record, type);
  if (type === 'Patient') {
    const id = ctx.query.get('_id');
    const identifier = ctx.query.get('identifier');
    if (id !== null && id !== record.patientId) candidates = [];
    if (identifier !== null) {
      const mbi = identifier.slice(identifier.indexOf('|') + 1);
      const ids = (record.patient.identifier ?? []) as { value?: string }[];
      if (!ids.some((i) => i.value === mbi)) candidates = [];
    }
  }
  const matches = v3Matches(search, candidates);
  const bundle = v3Bundle(
    search,
    matches,
    ctx.base,
    core.store.transactionTime(),
    bfdTimestamp(core.clock()),
  );
  sendFhir(ctx, core, fault, { resourceType: 'Bundle', id: randomUUID(), ...bundle });
}

export async function handleV3Read(ctx: Ctx, core: Core, type: V3Type, id: string): Promise<void> {
  const token = authenticate(ctx, core);
  requireAnyScope(token, scopesFor(type, 'read'));
  core.stats.fhirRequest(token.patientId);
  const fault = await injectFaults(ctx, core, 'v3');
  if (fault === 'handled') return;
  if (type === 'ExplanationOfBenefit' && !/^-?\d+$/.test(id))
    throw operationOutcome(400, 'ID is not a valid number');
  if (type === 'Coverage' && !/^(part-[a-d]|dual)-(-?\d+)(-[A-Z0-9]+-[A-Z0-9]+)?$/i.test(id)) {
    throw operationOutcome(
      400,
      "Invalid Coverage ID format. Expected pattern like 'part-c-12345-H1234-001'.",
    );
  }
  const record = recordOf(core, token);
  const resource = resourcesOf(record, type).find((r) => r.id === id);
  if (!resource) throw new HttpError(404, { detail: NOT_FOUND });
  const samhsa = ((resource.meta as { security?: { code?: string }[] } | undefined)?.security ?? []).some(
    (s) => s.code === '42CFRPart2',
  );
  if (samhsa && !includesSamhsa(core, token.clientId, token.patientId))
    throw new HttpError(404, { detail: NOT_FOUND });
  const body =
    type === 'ExplanationOfBenefit' ? { ...resource, created: bfdTimestamp(core.clock()) } : resource;
  sendFhir(ctx, core, fault, body);
}

/** `GET /v3/fhir/Patient/$generate-insurance-card`: needs a Patient and a Coverage read scope. */
export async function handleInsuranceCard(ctx: Ctx, core: Core): Promise<void> {
  const token = authenticate(ctx, core);
  const patientScope = ['patient/Patient.read', 'patient/Patient.r', 'patient/Patient.rs'];
  const coverageScope = ['patient/Coverage.read', 'patient/Coverage.s', 'patient/Coverage.rs'];
  if (
    !patientScope.some((s) => token.scopes.includes(s)) ||
    !coverageScope.some((s) => token.scopes.includes(s))
  ) {
    throw new HttpError(403, {
      detail: `This application, ${token.clientId}, does not have access to make any calls for digital insurance card resources.`,
    });
  }
  core.stats.fhirRequest(token.patientId);
  const fault = await injectFaults(ctx, core, 'v3');
  if (fault === 'handled') return;
  const record = recordOf(core, token);
  sendFhir(ctx, core, fault, insuranceCard(record.patient, record.coverages, core.store.transactionTime()));
}
