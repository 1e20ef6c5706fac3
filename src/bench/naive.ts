/**
 * The naive baseline: the same pages fetched and stored the way a team would write it with the
 * official CMS SDK and an ORM (the SDK README's shape: 8 beneficiaries at a time, 50 resources a
 * page, following `next` links), each resource upserted raw, one `INSERT ... ON CONFLICT DO
 * UPDATE` through drizzle, into a single jsonb table. No normalization, no change detection, no
 * paging progress: what the pipeline is measured against.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import pg from 'pg';

import type { FhirClient } from '../bluebutton/fhir-reads.ts';
import { forEveryPage } from './every-page.ts';

const naiveResources = pgTable(
  'naive_resources',
  {
    resource_type: text('resource_type').notNull(),
    id: text('id').notNull(),
    resource: jsonb('resource').notNull(),
    updated_at: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.resource_type, t.id] })],
);

export const NAIVE_CONCURRENCY = 8;

/** Creates the naive table in an empty database. */
export async function prepareNaive(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE naive_resources (
      resource_type text NOT NULL, id text NOT NULL, resource jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (resource_type, id))`);
  } finally {
    await client.end();
  }
}

/**
 * Walks every beneficiary's Patient, Coverage and EOB pages, NAIVE_CONCURRENCY beneficiaries at a
 * time, upserting each resource as it comes; resolves to the EOBs stored.
 */
export async function naiveSync(
  fhir: FhirClient,
  tokens: readonly string[],
  databaseUrl: string,
): Promise<{ eobs: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: NAIVE_CONCURRENCY });
  const db = drizzle(pool);
  let eobs = 0;
  try {
    await forEveryPage(fhir, tokens, NAIVE_CONCURRENCY, async (type, { bundle }) => {
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource as { id: string };
        await db
          .insert(naiveResources)
          .values({ resource_type: type, id: resource.id, resource })
          .onConflictDoUpdate({
            target: [naiveResources.resource_type, naiveResources.id],
            set: { resource, updated_at: sql`now()` },
          });
        if (type === 'ExplanationOfBenefit') eobs++;
      }
    });
  } finally {
    await pool.end();
  }
  return { eobs };
}
