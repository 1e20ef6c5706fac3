/**
 * Data quality checks a claims analyst runs first, over final claim versions. Structural checks
 * find a broken data model (should always be 0); logical checks find claims that say something
 * implausible (worth a look, not necessarily wrong: real BB2 data is synthetic and full of
 * placeholders). Every run is kept in quality_runs / quality_results, so a dashboard can show the
 * history. Anchor: the first checks of Tuva's data_quality package.
 */
import { ADJUDICATION_COLUMNS } from '../model/analytics-rows.ts';
import type { Pool } from './client.ts';
import { withTransaction } from './transaction.ts';

export type QualityKind = 'structural' | 'logical';

export interface QualityCheck {
  name: string;
  kind: QualityKind;
  description: string;
  /** SELECT returning one row: failures and checked (both integers). */
  sql: string;
}

const orphan = (table: string): QualityCheck => ({
  name: `orphan_${table}`,
  kind: 'structural',
  description: `${table} rows whose claim is not in claims`,
  sql: `SELECT count(*) FILTER (WHERE c.claim_id IS NULL)::int AS failures, count(*)::int AS checked
        FROM ${table} t LEFT JOIN claims c ON c.claim_id = t.claim_id`,
});

/** Every adjudication array of a line as long as its first. */
const sameLength = ADJUDICATION_COLUMNS.map(
  (c) => `cardinality(${c}) = cardinality(${ADJUDICATION_COLUMNS[0]})`,
).join(' AND ');

export const QUALITY_CHECKS: readonly QualityCheck[] = [
  orphan('claim_lines'),
  orphan('claim_financials'),
  orphan('claim_diagnoses'),
  orphan('claim_procedures'),
  orphan('claim_care_team'),
  {
    name: 'adjudication_lists_misaligned',
    kind: 'structural',
    description: 'claim lines whose adjudication_* arrays differ in length (entries would not line up)',
    sql: `SELECT count(*) FILTER (WHERE NOT (${sameLength}))::int AS failures,
                 count(*)::int AS checked
          FROM claim_lines`,
  },
  {
    name: 'line_count_mismatch',
    kind: 'structural',
    description: 'claims whose line_count differs from their claim_lines rows',
    sql: `SELECT count(*) FILTER (WHERE c.line_count <> COALESCE(l.n, 0))::int AS failures, count(*)::int AS checked
          FROM claims c LEFT JOIN (SELECT claim_id, count(*) AS n FROM claim_lines GROUP BY claim_id) l
            ON l.claim_id = c.claim_id`,
  },
  {
    name: 'claims_without_service_date',
    kind: 'structural',
    description:
      'claims with neither a billable period nor a dated line (they fall out of every monthly view)',
    sql: `SELECT count(*) FILTER (WHERE c.billable_start IS NULL AND l.d IS NULL)::int AS failures,
                 count(*)::int AS checked
          FROM claims c LEFT JOIN (SELECT claim_id, min(service_start) AS d FROM claim_lines GROUP BY claim_id) l
            ON l.claim_id = c.claim_id`,
  },
  {
    name: 'negative_paid_final_claims',
    kind: 'logical',
    description: 'final claims with a negative payment_amount',
    sql: `SELECT count(*) FILTER (WHERE payment_amount < 0)::int AS failures, count(*)::int AS checked
          FROM claims WHERE is_final`,
  },
  {
    name: 'line_paid_not_claim_paid',
    kind: 'logical',
    description:
      'final carrier, DME and outpatient claims whose line paid amounts do not add up to the claim payment (where BFD says they should)',
    sql: `SELECT count(*) FILTER (WHERE l.paid IS DISTINCT FROM c.payment_amount)::int AS failures, count(*)::int AS checked
          FROM claims c JOIN (SELECT claim_id, sum(paid_amount) AS paid FROM claim_lines GROUP BY claim_id) l
            ON l.claim_id = c.claim_id
          WHERE c.is_final AND c.claim_type IN ('carrier', 'dme', 'outpatient')`,
  },
  {
    name: 'claims_outside_coverage',
    kind: 'logical',
    description:
      'final claims dated in a month the beneficiary has no member month, in a year their Coverage describes (BB2 sends the monthly series of the current reference year only)',
    sql: `SELECT count(*) FILTER (WHERE m.patient_id IS NULL)::int AS failures, count(*)::int AS checked
          FROM claims c
          LEFT JOIN member_months m
            ON m.patient_id = c.patient_id AND m.month = date_trunc('month', c.billable_start)::date
          WHERE c.is_final AND c.billable_start IS NOT NULL
            AND EXISTS (SELECT 1 FROM coverage_months cm
                        WHERE cm.patient_id = c.patient_id
                          AND date_trunc('year', cm.month) = date_trunc('year', c.billable_start::timestamp))`,
  },
  {
    name: 'versions_without_final',
    kind: 'logical',
    description:
      'claim groups with several versions of one claim type and none final (cancelled or deleted claims)',
    sql: `SELECT count(*) FILTER (WHERE NOT any_final)::int AS failures, count(*)::int AS checked
          FROM (SELECT bool_or(is_final) AS any_final FROM claims
                WHERE claim_group IS NOT NULL
                GROUP BY patient_id, claim_type, claim_group HAVING count(*) > 1) g`,
  },
  {
    name: 'denied_claims_with_payment',
    kind: 'logical',
    description:
      'final claims marked denied (is_denied: carrier/DME payment denial code 0, or an unpaid institutional claim with a non-payment reason) that still show a payment',
    sql: `SELECT count(*) FILTER (WHERE is_denied AND payment_amount > 0)::int AS failures, count(*)::int AS checked
          FROM claims WHERE is_final`,
  },
];

export interface QualityResult {
  check_name: string;
  kind: QualityKind;
  description: string;
  failures: number;
  checked: number;
}

export interface QualityRun {
  run_id: number;
  started_at: string;
  structural_failures: number;
  logical_failures: number;
  results: QualityResult[];
}

/** Runs every check in one snapshot and records the run; returns it. */
export async function runQualityChecks(pool: Pool): Promise<QualityRun> {
  return withTransaction(
    pool,
    async (client) => {
      const results: QualityResult[] = [];
      for (const check of QUALITY_CHECKS) {
        const { rows } = await client.query<{ failures: number; checked: number }>(check.sql);
        const { failures, checked } = rows[0] ?? { failures: 0, checked: 0 };
        results.push({
          check_name: check.name,
          kind: check.kind,
          description: check.description,
          failures,
          checked,
        });
      }
      const total = (kind: QualityKind) =>
        results.filter((r) => r.kind === kind).reduce((n, r) => n + r.failures, 0);
      const { rows } = await client.query<{ run_id: number; started_at: string }>(
        `INSERT INTO quality_runs (structural_failures, logical_failures) VALUES ($1, $2)
         RETURNING run_id, started_at`,
        [total('structural'), total('logical')],
      );
      const run = rows[0]!;
      await client.query(
        `INSERT INTO quality_results (run_id, check_name, kind, failures, checked)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::int[])`,
        [
          run.run_id,
          results.map((r) => r.check_name),
          results.map((r) => r.kind),
          results.map((r) => r.failures),
          results.map((r) => r.checked),
        ],
      );
      return {
        run_id: Number(run.run_id),
        started_at: run.started_at,
        structural_failures: total('structural'),
        logical_failures: total('logical'),
        results,
      };
    },
    { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ' },
  );
}

/** The latest runs, newest first, for a dashboard page: totals per run. */
export async function qualityHistory(pool: Pool, limit = 20): Promise<Omit<QualityRun, 'results'>[]> {
  const { rows } = await pool.query<Omit<QualityRun, 'results'>>(
    `SELECT run_id::int AS run_id, started_at, structural_failures, logical_failures
     FROM quality_runs ORDER BY run_id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

/** The newest run with every check's result (described from QUALITY_CHECKS), or null before the first run. */
export async function latestQualityRun(pool: Pool): Promise<QualityRun | null> {
  const [run] = await qualityHistory(pool, 1);
  if (!run) return null;
  const { rows } = await pool.query<{
    check_name: string;
    kind: QualityKind;
    failures: number;
    checked: number;
  }>(`SELECT check_name, kind, failures, checked FROM quality_results WHERE run_id = $1`, [run.run_id]);
  const order = new Map(QUALITY_CHECKS.map((c, i) => [c.name, i]));
  const results = rows
    .map((r) => ({
      ...r,
      description:
        QUALITY_CHECKS.find((c) => c.name === r.check_name)?.description ?? '(a check no longer run)',
    }))
    .sort((a, b) => (order.get(a.check_name) ?? order.size) - (order.get(b.check_name) ?? order.size));
  return { ...run, results };
}
