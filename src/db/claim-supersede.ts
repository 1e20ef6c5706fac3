/**
 * v3 claim versions, at once. BFD serves a non-PDE claim only in its latest version
 * (../shared/reference/bb2-v3.md sections 3 and 6): when a claim is adjusted, the new version
 * (a new id, `Final-Action` FinalAction, its control number, and the control numbers it replaces
 * in `related[]` with relationship `prior`) arrives and the old version simply stops being
 * served. An incremental sync asks only for what changed since its cursor, so it never hears of
 * the old version again: without this step it kept counting (is_final) until the next full
 * reconcile removed it.
 *
 * Written in the same transaction as the new version: the stored NCH claims of the same patient
 * it supersedes are removed, as the full reconcile would remove them. Superseded means: a final,
 * non-PDE claim whose stored raw resource came from NCH, with another id, and either a control
 * number the new version lists as prior, or the same control number and an older lastUpdated.
 * PDEs are left alone (v3 serves every PDE version and re-tags the superseded one
 * NotFinalAction, which a sync receives); so are shared-system versions (FISS/MCS/VMS/CWF, served
 * beside the NCH one: BB2_V3_EOB_SOURCES) and v2 claims (no meta.source).
 */
import type { NormalizedResource } from '../model/resources.ts';
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';
import type { Statement } from './statement.ts';

interface Superseding {
  patient_id: string;
  claim_id: string;
  link_key: string | null;
  priors: string[];
  last_updated: string | null;
}

/** The batch's final NCH v3 claims (not PDE) that can supersede stored versions. */
function supersedingClaims(batch: readonly NormalizedResource[]): Superseding[] {
  const out: Superseding[] = [];
  for (const r of batch) {
    const facts = r.claimVersion;
    // A page read on a worker thread carries its claim row as COPY bytes, and these two beside them.
    const row = r.rows.claims[0];
    const claim = row ? { claimType: row.claim_type, linkKey: row.claim_link_key ?? null } : r.encoded?.claim;
    if (!facts || !claim || claim.claimType === 'pde') continue;
    if (facts.finalAction !== true || facts.source !== 'NCH') continue;
    if (!claim.linkKey && facts.priorControlNumbers.length === 0) continue;
    out.push({
      patient_id: r.patientId,
      claim_id: r.resourceId,
      link_key: claim.linkKey,
      priors: facts.priorControlNumbers,
      last_updated: r.lastUpdated,
    });
  }
  return out;
}

/**
 * Adds to `w` the removal of every stored claim the batch's v3 claims supersede (its rows in
 * every claim table and its raw resource). Nothing is added for a batch without such claims.
 */
export function supersededClaimsWrite(w: Statement, batch: readonly NormalizedResource[]): void {
  const superseding = supersedingClaims(batch);
  if (superseding.length === 0) return;
  const arriving = w.param(JSON.stringify(superseding));
  const batchIds = w.param(batch.map((r) => r.resourceId));
  w.write(
    `SELECT DISTINCT c.claim_id AS id
       FROM jsonb_to_recordset(${arriving}::jsonb)
              AS a(patient_id text, claim_id text, link_key text, priors text[], last_updated timestamptz)
       JOIN claims c ON c.patient_id = a.patient_id
      WHERE c.claim_id <> ALL(${batchIds}::text[])
        AND c.claim_type <> 'pde' AND c.final_action IS TRUE
        AND (c.claim_link_key = ANY(a.priors)
             OR (c.claim_link_key = a.link_key AND c.last_updated < a.last_updated))
        AND EXISTS (SELECT 1 FROM fhir_resources f
                     WHERE f.resource_type = 'ExplanationOfBenefit' AND f.resource_id = c.claim_id
                       AND f.resource->'meta'->>'source' = 'NCH')`,
  );
  const doomed = `w${w.count - 1}`;
  // A one-time filter: most pages supersede nothing, and then no delete reads its table (a scan
  // for an empty array still runs, and may be a sequential one).
  const any = `EXISTS (SELECT 1 FROM ${doomed})`;
  for (const table of [...CLAIM_CHILD_TABLES, 'claims']) {
    w.write(`DELETE FROM ${table} WHERE claim_id = ANY(ARRAY(SELECT id FROM ${doomed})) AND ${any}`);
  }
  w.write(
    `DELETE FROM fhir_resources
      WHERE resource_type = 'ExplanationOfBenefit' AND resource_id = ANY(ARRAY(SELECT id FROM ${doomed}))
        AND ${any}`,
  );
}
