/**
 * Reading the raw store for `bbsync renormalize` (src/import/renormalize.ts): the resources a
 * normalizer older than the current one wrote, in key order, a batch at a time.
 */
import type { Db } from './client.ts';

export interface StoredResource {
  resource_type: string;
  resource_id: string;
  /** Where the row is filed now; differs from the raw resource's patient after a v2 -> v3 fold. */
  patient_id: string;
  content_hash: string;
  /** The resource's JSON text as it was received. */
  text: string;
}

export type ResourceKey = Pick<StoredResource, 'resource_type' | 'resource_id'>;

/** How many stored resources an older normalizer wrote. */
export async function countOlderThan(db: Db, version: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM fhir_resources WHERE normalizer_version < $1',
    [version],
  );
  return rows[0]?.n ?? 0;
}

/** The next `limit` resources an older normalizer wrote, after `after` in key order. */
export async function readOlderThan(
  db: Db,
  version: number,
  after: ResourceKey | null,
  limit: number,
): Promise<StoredResource[]> {
  const { rows } = await db.query<StoredResource>(
    `SELECT resource_type, resource_id, patient_id, content_hash, resource::text AS text
       FROM fhir_resources
      WHERE normalizer_version < $1 AND (resource_type, resource_id) > ($2, $3)
      ORDER BY resource_type, resource_id
      LIMIT $4`,
    [version, after?.resource_type ?? '', after?.resource_id ?? '', limit],
  );
  return rows;
}
