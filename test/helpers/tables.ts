/** Reading whole analytics tables back, for comparing database states. */
import { ADJUDICATION_COLUMNS, ANALYTICS_TABLES, type ClaimLineRow } from '../../src/model/analytics-rows.ts';
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

/** One row of the view claim_line_adjudications, as the mapper's lines hold it. */
export interface AdjudicationEntry {
  claim_id: string;
  line_number: number;
  entry_index: number;
  category: string | null;
  category_system: string | null;
  variable: string | null;
  amount: string | null;
  currency: string | null;
  reason_code: string | null;
  reason_system: string | null;
}

/**
 * The adjudication entries of mapped lines, one per entry, as the view claim_line_adjudications
 * unnests them from the lines' parallel arrays.
 */
export function adjudicationEntries(lines: readonly ClaimLineRow[]): AdjudicationEntry[] {
  const out: AdjudicationEntry[] = [];
  for (const l of lines) {
    const lists = ADJUDICATION_COLUMNS.map((c) => l[c] ?? []);
    const length = lists[0]!.length;
    if (lists.some((list) => list.length !== length)) {
      throw new Error(`line ${l.claim_id}/${l.line_number}: adjudication lists of different lengths`);
    }
    for (let i = 0; i < length; i++) {
      const [category, category_system, variable, amount, currency, reason_code, reason_system] = lists.map(
        (list) => list[i] ?? null,
      );
      out.push({
        claim_id: l.claim_id,
        line_number: l.line_number,
        entry_index: i,
        category: category!,
        category_system: category_system!,
        variable: variable!,
        amount: amount!,
        currency: currency!,
        reason_code: reason_code!,
        reason_system: reason_system!,
      });
    }
  }
  return out;
}
