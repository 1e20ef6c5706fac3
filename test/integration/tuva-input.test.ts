/**
 * The Tuva input layer (schema tuva_input): its views' columns and types against Tuva's contract,
 * written out here, and their rows against the raw EOB JSON: every line of every final claim is a
 * row, no other claim is, and the paid amounts add up to what each final claim paid. Once over the
 * real fixtures (loaded as `bbsync import` loads them), once over the emulator's synthetic data
 * with adjustment chains, cancellations and PDE deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ingestBatch } from '../../src/db/ingest.ts';
import { createSyntheticStore, patientIdForUser } from '../../src/emulator/data/index.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import { importFiles } from '../../src/import/import-files.ts';
import { listInputFiles } from '../../src/import/read-files.ts';
import type { Pool } from '../../src/db/client.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { describeWithFixtures, FIXTURES_DIR, fixturesPresent, type Json } from '../helpers/fixtures.ts';
import { rawClaim, rawFixtures } from '../helpers/raw-fixtures.ts';

/**
 * The Tuva Project v0.18.0 (tuva-health/tuva tag v0.18.0, commit
 * da0b493eed30a21482cb69ca02b6da57b4676a7d): the columns of models/input_layer/
 * input_layer__{medical_claim,pharmacy_claim,eligibility}.yml in their order, each with its
 * `meta.data_type`. The five eligibility columns whose yml names no type take the type Tuva's core
 * staging casts them to (models/core/staging/core__stg_claims_eligibility.sql: string or int).
 */
const TUVA_RELEASE = 'v0.18.0';
const slots = (prefix: string, type: string, n = 25): [string, string][] =>
  Array.from({ length: n }, (_, i) => [`${prefix}${i + 1}`, type]);
const CONTRACT: Record<string, [string, string][]> = {
  medical_claim: [
    ['claim_id', 'varchar'],
    ['claim_line_number', 'integer'],
    ['claim_type', 'varchar'],
    ['person_id', 'varchar'],
    ['member_id', 'varchar'],
    ['payer', 'varchar'],
    ['plan', 'varchar'],
    ['claim_start_date', 'date'],
    ['claim_end_date', 'date'],
    ['claim_line_start_date', 'date'],
    ['claim_line_end_date', 'date'],
    ['admission_date', 'date'],
    ['discharge_date', 'date'],
    ['admit_source_code', 'varchar'],
    ['admit_type_code', 'varchar'],
    ['discharge_disposition_code', 'varchar'],
    ['place_of_service_code', 'varchar'],
    ['bill_type_code', 'varchar'],
    ['drg_code_type', 'varchar'],
    ['drg_code', 'varchar'],
    ['revenue_center_code', 'varchar'],
    ['service_unit_quantity', 'number'],
    ['hcpcs_code', 'varchar'],
    ...slots('hcpcs_modifier_', 'varchar', 5),
    ['rendering_npi', 'varchar'],
    ['rendering_tin', 'varchar'],
    ['billing_npi', 'varchar'],
    ['billing_tin', 'varchar'],
    ['facility_npi', 'varchar'],
    ['paid_date', 'date'],
    ['paid_amount', 'float'],
    ['allowed_amount', 'float'],
    ['charge_amount', 'float'],
    ['coinsurance_amount', 'float'],
    ['copayment_amount', 'float'],
    ['deductible_amount', 'float'],
    ['total_cost_amount', 'float'],
    ['diagnosis_code_type', 'varchar'],
    ...slots('diagnosis_code_', 'varchar'),
    ...slots('diagnosis_poa_', 'varchar'),
    ['procedure_code_type', 'varchar'],
    ...slots('procedure_code_', 'varchar'),
    ...slots('procedure_date_', 'date'),
    ['in_network_flag', 'boolean'],
    ['data_source', 'varchar'],
    ['file_name', 'varchar'],
    ['file_date', 'date'],
    ['ingest_datetime', 'timestamp'],
  ],
  pharmacy_claim: [
    ['claim_id', 'varchar'],
    ['claim_line_number', 'integer'],
    ['person_id', 'varchar'],
    ['member_id', 'varchar'],
    ['payer', 'varchar'],
    ['plan', 'varchar'],
    ['prescribing_provider_npi', 'varchar'],
    ['dispensing_provider_npi', 'varchar'],
    ['dispensing_date', 'date'],
    ['ndc_code', 'varchar'],
    ['quantity', 'integer'],
    ['days_supply', 'integer'],
    ['refills', 'integer'],
    ['paid_date', 'date'],
    ['paid_amount', 'float'],
    ['allowed_amount', 'float'],
    ['charge_amount', 'float'],
    ['coinsurance_amount', 'float'],
    ['copayment_amount', 'float'],
    ['deductible_amount', 'float'],
    ['in_network_flag', 'boolean'],
    ['data_source', 'varchar'],
    ['file_name', 'varchar'],
    ['file_date', 'date'],
    ['ingest_datetime', 'timestamp'],
  ],
  eligibility: [
    ['person_id', 'varchar'],
    ['member_id', 'varchar'],
    ['subscriber_id', 'varchar'],
    ['gender', 'varchar'],
    ['race', 'varchar'],
    ['birth_date', 'date'],
    ['death_date', 'date'],
    ['death_flag', 'boolean'],
    ['enrollment_start_date', 'date'],
    ['enrollment_end_date', 'date'],
    ['payer', 'varchar'],
    ['payer_type', 'varchar'],
    ['plan', 'varchar'],
    ['original_reason_entitlement_code', 'varchar'],
    ['dual_status_code', 'varchar'],
    ['medicare_status_code', 'varchar'], // no type in the yml; core staging: string
    ['enrollment_status', 'varchar'], // no type in the yml; core staging: string
    ['hospice_flag', 'integer'], // no type in the yml; core staging: int
    ['institutional_snp_flag', 'integer'], // no type in the yml; core staging: int
    ['long_term_institutional_flag', 'integer'], // no type in the yml; core staging: int
    ['group_id', 'varchar'],
    ['group_name', 'varchar'],
    ['name_suffix', 'varchar'],
    ['first_name', 'varchar'],
    ['middle_name', 'varchar'],
    ['last_name', 'varchar'],
    ['social_security_number', 'varchar'],
    ['subscriber_relation', 'varchar'],
    ['address', 'varchar'],
    ['city', 'varchar'],
    ['state', 'varchar'],
    ['zip_code', 'varchar'],
    ['phone', 'varchar'],
    ['email', 'varchar'],
    ['ethnicity', 'varchar'],
    ['data_source', 'varchar'],
    ['file_name', 'varchar'],
    ['file_date', 'date'],
    ['ingest_datetime', 'timestamp'],
  ],
};

/** Tuva's type names and the Postgres type each becomes (dbt-postgres's own spelling of them). */
const POSTGRES_TYPE: Record<string, string> = {
  varchar: 'character varying',
  integer: 'integer',
  number: 'numeric',
  float: 'double precision',
  date: 'date',
  timestamp: 'timestamp without time zone',
  boolean: 'boolean',
};

const VAR = 'https://bluebutton.cms.gov/resources/variables/';

/** A final version: status active and not a PDE deletion (adjstmt_dltn_cd D). */
function isFinal(eob: Json): boolean {
  const deletion = ((eob.supportingInfo ?? []) as Json[]).some(
    (si) =>
      JSON.stringify(si.category ?? '').includes(`${VAR}adjstmt_dltn_cd`) &&
      ((si.code?.coding ?? []) as Json[]).some((c) => c.code === 'D'),
  );
  return eob.status === 'active' && !deletion;
}

interface Row {
  claim_id: string;
  claim_line_number: number;
  paid_amount: number | null;
}

async function rowsOf(pool: Pool, view: 'medical_claim' | 'pharmacy_claim'): Promise<Row[]> {
  const { rows } = await pool.query<Row>(
    `SELECT claim_id, claim_line_number, paid_amount FROM tuva_input.${view} ORDER BY claim_id, claim_line_number`,
  );
  return rows;
}

/**
 * The view rows against the raw EOBs: one row per item of every final EOB (one row when it has
 * none) numbered 1..n, no row of any other EOB, and per claim the paid amounts add up to the
 * payment computed from the raw JSON.
 */
async function expectLinesAndMoney(pool: Pool, eobs: Json[]): Promise<void> {
  const rows = [...(await rowsOf(pool, 'medical_claim')), ...(await rowsOf(pool, 'pharmacy_claim'))];
  const byClaim = new Map<string, Row[]>();
  for (const r of rows) byClaim.set(r.claim_id, [...(byClaim.get(r.claim_id) ?? []), r]);
  const finals = eobs.filter(isFinal);
  expect(new Set(byClaim.keys())).toEqual(new Set(finals.map((e) => e.id as string)));
  for (const eob of finals) {
    const lines = byClaim.get(eob.id as string)!;
    const items = ((eob.item ?? []) as Json[]).length;
    expect(lines.map((l) => l.claim_line_number)).toEqual(
      Array.from({ length: Math.max(1, items) }, (_, i) => i + 1),
    );
    const paid = lines.reduce(
      (a, l) => a + (l.paid_amount === null ? 0 : Math.round(l.paid_amount * 100)),
      0,
    );
    expect({ claim: eob.id, paid }).toEqual({ claim: eob.id, paid: rawClaim(eob).payment ?? 0 });
  }
}

/** sum(paid_amount) of medical_claim and pharmacy_claim against claims.payment_amount of final claims, in cents. */
async function expectTotalsMatchClaims(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{
    medical: string;
    pharmacy: string;
    claims_medical: string;
    claims_pde: string;
  }>(
    `SELECT (SELECT round(sum(paid_amount)::numeric * 100) FROM tuva_input.medical_claim) AS medical,
            (SELECT round(sum(paid_amount)::numeric * 100) FROM tuva_input.pharmacy_claim) AS pharmacy,
            (SELECT sum(payment_amount) * 100 FROM claims WHERE is_final AND claim_type <> 'pde') AS claims_medical,
            (SELECT sum(payment_amount) * 100 FROM claims WHERE is_final AND claim_type = 'pde') AS claims_pde`,
  );
  const t = rows[0]!;
  expect(Number(t.medical)).toBe(Number(t.claims_medical));
  expect(Number(t.pharmacy)).toBe(Number(t.claims_pde));
  expect(Number(t.medical)).toBeGreaterThan(0);
}

async function expectUniqueKeys(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ view: string; dupes: number }>(
    `SELECT 'medical_claim' AS view, count(*) - count(DISTINCT (claim_id, claim_line_number, data_source))::int AS dupes
       FROM tuva_input.medical_claim
     UNION ALL
     SELECT 'pharmacy_claim', count(*) - count(DISTINCT (claim_id, claim_line_number, data_source))::int
       FROM tuva_input.pharmacy_claim
     UNION ALL
     SELECT 'eligibility', count(*) - count(DISTINCT (person_id, member_id, enrollment_start_date,
                                                      enrollment_end_date, payer, plan, data_source))::int
       FROM tuva_input.eligibility`,
  );
  for (const r of rows) expect({ view: r.view, dupes: Number(r.dupes) }).toEqual({ view: r.view, dupes: 0 });
}

describe(`tuva_input views against the Tuva ${TUVA_RELEASE} input-layer contract`, () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase('tuva_contract');
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  for (const [view, columns] of Object.entries(CONTRACT)) {
    it(`gives ${view} exactly the contract's columns, in its order, with its types`, async () => {
      const { rows } = await tdb.pool.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'tuva_input' AND table_name = $1 ORDER BY ordinal_position`,
        [view],
      );
      expect(rows.map((r) => [r.column_name, r.data_type])).toEqual(
        columns.map(([name, type]) => [name, POSTGRES_TYPE[type]]),
      );
    });
  }

  it('describes every tuva_input view and column with a comment', async () => {
    const { rows } = await tdb.pool.query<{ name: string }>(
      `SELECT c.relname || COALESCE('.' || a.attname, '') AS name
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'tuva_input'
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
       WHERE (a.attname IS NULL AND obj_description(c.oid, 'pg_class') IS NULL)
          OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL)`,
    );
    expect(rows.map((r) => r.name)).toEqual([]);
  });
});

describeWithFixtures('tuva_input over the real fixtures', () => {
  let tdb: TestDatabase;
  let eobs: Json[];
  beforeAll(async () => {
    if (!fixturesPresent) return;
    tdb = await createTestDatabase('tuva_fixtures');
    const summary = await importFiles(tdb.pool, await listInputFiles([FIXTURES_DIR]));
    expect(summary.rejected).toEqual([]);
    eobs = (await rawFixtures()).eobs;
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('hold every line of every final claim of all eight claim types, numbered from 1, with the claim payment', async () => {
    expect(new Set(eobs.map((e) => (e.id as string).split('-')[0])).size).toBe(8);
    await expectLinesAndMoney(tdb.pool, eobs);
  });

  it('add paid amounts up to claims.payment_amount over final claims', async () => {
    await expectTotalsMatchClaims(tdb.pool);
  });

  it('keep the grain Tuva tests: claim line per data source, and one eligibility row per span and plan', async () => {
    await expectUniqueKeys(tdb.pool);
    const { rows } = await tdb.pool.query<{ spans: number; rows: number }>(
      `SELECT (SELECT count(*)::int FROM enrollment_spans) AS spans, (SELECT count(*)::int FROM tuva_input.eligibility) AS rows`,
    );
    expect(rows[0]!.rows).toBe(rows[0]!.spans);
    expect(rows[0]!.rows).toBeGreaterThan(0);
  });

  it('classify claims as Tuva does: institutional claims with bill type and revenue codes, professional with place of service', async () => {
    const { rows } = await tdb.pool.query<{ claim_type: string; bad: number }>(
      `SELECT claim_type,
              count(*) FILTER (WHERE claim_type = 'institutional' AND place_of_service_code IS NOT NULL
                                 OR claim_type = 'professional' AND (revenue_center_code IS NOT NULL
                                                                    OR bill_type_code IS NOT NULL))::int AS bad
       FROM tuva_input.medical_claim GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { claim_type: 'institutional', bad: 0 },
      { claim_type: 'professional', bad: 0 },
    ]);
  });
});

describe('tuva_input over synthetic claim versions from the emulator', () => {
  let tdb: TestDatabase;
  const eobs: Json[] = [];
  const USERS = 15;
  beforeAll(async () => {
    tdb = await createTestDatabase('tuva_synthetic');
    const store = createSyntheticStore({
      users: USERS,
      seed: 16,
      now: () => new Date('2027-03-01T00:00:00Z'),
    });
    store.advance({
      newClaimsFraction: 0.2,
      changedFraction: 0,
      removedFraction: 0,
      adjustedFraction: 0.25,
      cancelledFraction: 0.05,
    });
    const batch = [];
    for (let i = 0; i < USERS; i++) {
      const record = store.record(patientIdForUser(i))!;
      for (const r of [record.patient, ...record.coverages, ...record.eobs]) batch.push(normalizeResource(r));
      eobs.push(...(record.eobs as unknown as Json[]));
    }
    await ingestBatch(tdb.pool, batch, { normalizerVersion: NORMALIZER_VERSION });
  }, 120_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('include superseded, cancelled and deleted versions among the loaded claims (so the filter is exercised)', () => {
    expect(eobs.filter((e) => !isFinal(e)).length).toBeGreaterThan(5);
  });

  it('hold every line of every final claim and no line of any other version, with the claim payment', async () => {
    await expectLinesAndMoney(tdb.pool, eobs);
  });

  it('add paid amounts up to claims.payment_amount over final claims', async () => {
    await expectTotalsMatchClaims(tdb.pool);
  });

  it('keep the grain Tuva tests, and cover every enrolled span', async () => {
    await expectUniqueKeys(tdb.pool);
    const { rows } = await tdb.pool.query<{ missing: number }>(
      `SELECT count(*)::int AS missing FROM enrollment_spans s
       WHERE NOT EXISTS (SELECT 1 FROM tuva_input.eligibility e
                         WHERE e.person_id = s.patient_id AND e.enrollment_start_date = s.span_start
                           AND e.enrollment_end_date = s.span_end AND e.plan = 'medicare part ' || lower(s.part))`,
    );
    expect(rows[0]!.missing).toBe(0);
  });
});
