/** Reading whole analytics tables back, for comparing database states. */
import { ANALYTICS_TABLES } from '../../src/model/analytics-rows.ts';
import type { Pool } from '../../src/db/client.ts';

/**
 * Every analytics table's rows and the raw resources, in key order, without what records when
 * rather than what (`loaded_at`, `first_seen_at`). With `withoutRawJson`, raw resources are
 * compared by content hash only: BB2 changes `created` on every response.
 */
export async function dumpAnalytics(
  pool: Pool,
  options: { withoutRawJson?: boolean } = {},
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of [...ANALYTICS_TABLES, 'fhir_resources']) {
    const { rows } = await pool.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3`);
    out[table] = rows.map((r: Record<string, unknown>) => {
      const { loaded_at: _l, first_seen_at: _f, ...rest } = r;
      if (options.withoutRawJson && table === 'fhir_resources') delete rest.resource;
      return rest;
    });
  }
  return out;
}

export async function countRows(
  pool: Pool,
  table: string,
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

/**
 * The physical version of every row (its xmin and ctid). Postgres gives a row a new version on any
 * write, so equal results before and after an operation prove it wrote nothing.
 */
export async function rowVersions(pool: Pool): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of [...ANALYTICS_TABLES, 'fhir_resources']) {
    const { rows } = await pool.query<{ v: string }>(
      `SELECT xmin::text || ':' || ctid::text AS v FROM ${table} ORDER BY 1`,
    );
    out[table] = rows.map((r) => r.v);
  }
  return out;
}

/** A patient's rows in every analytics table (child tables through their claims), loaded_at aside. */
export async function patientTables(pool: Pool, patientId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ANALYTICS_TABLES) {
    const where =
      table === 'patients' || table === 'coverages' || table === 'coverage_monthly' || table === 'claims'
        ? 'patient_id = $1'
        : 'claim_id IN (SELECT claim_id FROM claims WHERE patient_id = $1)';
    const { rows } = await pool.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY 1, 2, 3`, [patientId]);
    out[table] = rows.map((r: Record<string, unknown>) => {
      const { loaded_at: _l, first_seen_at: _f, ...rest } = r;
      return rest;
    });
  }
  return out;
}

/** An enrollment's last error, as the sync recorded it. */
export async function lastError(pool: Pool, enrollmentId: string) {
  const { rows } = await pool.query<{ category: string | null; message: string | null }>(
    'SELECT last_error_category AS category, last_error_message AS message FROM enrollments WHERE enrollment_id = $1',
    [enrollmentId],
  );
  return rows[0];
}
