/**
 * `bbsync quality` checks over synthetic data with claim versions: no structural failure, every
 * run kept as history, and a broken row (an orphan claim line) found by its check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ingestBatch } from '../../src/db/ingest.ts';
import { qualityHistory, QUALITY_CHECKS, runQualityChecks } from '../../src/db/quality.ts';
import { createSyntheticStore, patientIdForUser } from '../../src/emulator/data/index.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('quality');
  const store = createSyntheticStore({ users: 10, seed: 9, now: () => new Date('2027-01-01T00:00:00Z') });
  store.advance({ adjustedFraction: 0.2, cancelledFraction: 0.05 });
  const batch = [];
  for (let i = 0; i < 10; i++) {
    const r = store.record(patientIdForUser(i))!;
    for (const x of [r.patient, ...r.coverages, ...r.eobs]) batch.push(normalizeResource(x));
  }
  await ingestBatch(tdb.pool, batch, { normalizerVersion: NORMALIZER_VERSION });
}, 60_000);
afterAll(async () => {
  await tdb?.drop();
});

describe('bbsync quality', () => {
  it('finds no structural failure in synthetic data, and counts every check', async () => {
    const run = await runQualityChecks(tdb.pool);
    expect(run.structural_failures).toBe(0);
    expect(run.results.map((r) => r.check_name)).toEqual(QUALITY_CHECKS.map((c) => c.name));
    for (const r of run.results) expect(r.checked).toBeGreaterThan(0);
    // Cancelled claims without a replacement are versions with no final member.
    expect(run.results.find((r) => r.check_name === 'versions_without_final')?.failures).toBeGreaterThan(0);
  });

  it('keeps each run as history, and reports an orphan claim line as a structural failure', async () => {
    const before = await qualityHistory(tdb.pool);
    await tdb.pool.query(
      `INSERT INTO claim_lines (claim_id, line_number, service_dates_from_claim) VALUES ('carrier--1', 1, 0)`,
    );
    const run = await runQualityChecks(tdb.pool);
    expect(run.structural_failures).toBe(1);
    expect(run.results.find((r) => r.check_name === 'orphan_claim_lines')?.failures).toBe(1);
    const after = await qualityHistory(tdb.pool);
    expect(after.length).toBe(before.length + 1);
    expect(after[0]?.run_id).toBe(run.run_id);
    const { rows } = await tdb.pool.query(
      'SELECT count(*)::int AS n FROM quality_results WHERE run_id = $1',
      [run.run_id],
    );
    expect(rows[0].n).toBe(QUALITY_CHECKS.length);
  });

  it('reports a claim line whose adjudication arrays differ in length as a structural failure', async () => {
    const before = await runQualityChecks(tdb.pool);
    const { rows } = await tdb.pool.query<{ claim_id: string; line_number: number }>(
      `UPDATE claim_lines SET adjudication_amounts = adjudication_amounts || NULL::numeric
       WHERE (claim_id, line_number) = (SELECT claim_id, line_number FROM claim_lines
                                        WHERE cardinality(adjudication_amounts) > 0 LIMIT 1)
       RETURNING claim_id, line_number`,
    );
    try {
      const run = await runQualityChecks(tdb.pool);
      expect(run.results.find((r) => r.check_name === 'adjudication_lists_misaligned')?.failures).toBe(1);
      expect(run.structural_failures).toBe(before.structural_failures + 1);
    } finally {
      await tdb.pool.query(
        `UPDATE claim_lines SET adjudication_amounts = trim_array(adjudication_amounts, 1)
         WHERE claim_id = $1 AND line_number = $2`,
        [rows[0]!.claim_id, rows[0]!.line_number],
      );
    }
  });

  it('calls a claim denied only when Medicare paid nothing on it (BFD sends non-payment reasons on paid claims)', async () => {
    await tdb.pool.query(
      `INSERT INTO claims (claim_id, patient_id, claim_type, status, final_action, payment_amount,
                           non_payment_reason_code, payment_denial_code)
       VALUES ('hha-denied-1', 'p-denied', 'hha', 'active', true, 188.00, 'P', NULL),
              ('inpatient-denied-2', 'p-denied', 'inpatient', 'active', true, 0, 'B', NULL),
              ('inpatient-denied-3', 'p-denied', 'inpatient', 'active', true, 950.00, NULL, NULL),
              ('carrier-denied-4', 'p-denied', 'carrier', 'active', true, 0, NULL, '0'),
              ('carrier-denied-5', 'p-denied', 'carrier', 'active', true, 12.50, NULL, '0')`,
    );
    const { rows } = await tdb.pool.query<{ claim_id: string; is_denied: boolean }>(
      `SELECT claim_id, is_denied FROM claims WHERE patient_id = 'p-denied' ORDER BY claim_id`,
    );
    expect(rows).toEqual([
      { claim_id: 'carrier-denied-4', is_denied: true },
      { claim_id: 'carrier-denied-5', is_denied: true },
      { claim_id: 'hha-denied-1', is_denied: false },
      { claim_id: 'inpatient-denied-2', is_denied: true },
      { claim_id: 'inpatient-denied-3', is_denied: false },
    ]);
    const run = await runQualityChecks(tdb.pool);
    // Only the carrier claim whose denial code says 0 but which shows a payment contradicts itself.
    expect(run.results.find((r) => r.check_name === 'denied_claims_with_payment')?.failures).toBe(1);
  });
});
