/**
 * The quarantine: resources that could not be normalized, kept raw with the reason, for operators.
 * A sync commits it with the page it came in (quarantineWrite); `bbsync import` writes it alone.
 */
import type { QuarantineEntry } from '../model/resources.ts';
import type { Db } from './client.ts';
import { Statement } from './statement.ts';

/** Keeps resources that could not be normalized, raw and with the reason, for operators. */
export async function quarantine(client: Db, entries: readonly QuarantineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const w = new Statement();
  quarantineWrite(w, entries);
  await client.query(w.text(), w.values);
}

/** The quarantine upsert as one write of a Statement (to commit it with other writes). */
export function quarantineWrite(w: Statement, entries: readonly QuarantineEntry[]): void {
  if (entries.length === 0) return;
  const rows = JSON.stringify(
    dedupeQuarantine(entries).map((e) => ({
      resource_type: e.resourceType,
      resource_id: e.resourceId,
      patient_id: e.patientId ?? null,
      source: e.source,
      reason: e.reason,
      resource: e.json ?? null,
    })),
  );
  w.write(
    `INSERT INTO quarantined_resources (resource_type, resource_id, patient_id, source, reason, resource)
     SELECT r.resource_type, r.resource_id, r.patient_id, r.source, r.reason, r.resource::jsonb
       FROM json_to_recordset(${w.param(rows)}::json)
         AS r(resource_type text, resource_id text, patient_id text, source text, reason text, resource text)
     ON CONFLICT (resource_type, resource_id) DO UPDATE SET
       patient_id = coalesce(excluded.patient_id, quarantined_resources.patient_id),
       source = excluded.source, reason = excluded.reason, resource = excluded.resource,
       last_seen_at = now(), occurrences = quarantined_resources.occurrences + 1`,
  );
}

function dedupeQuarantine(entries: readonly QuarantineEntry[]): QuarantineEntry[] {
  const byKey = new Map<string, QuarantineEntry>();
  for (const e of entries) byKey.set(`${e.resourceType}/${e.resourceId}`, e);
  return [...byKey.values()];
}
