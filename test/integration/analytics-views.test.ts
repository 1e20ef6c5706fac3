/**
 * The analytics views over the real fixtures, loaded the way `bbsync import` loads them. Every
 * number is checked against values computed in the test from the raw JSON (test/helpers/
 * raw-fixtures.ts), never from the normalized tables.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';

import { importFiles } from '../../src/import/import-files.ts';
import { listInputFiles } from '../../src/import/read-files.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { describeWithFixtures, FIXTURES_DIR, fixturesPresent } from '../helpers/fixtures.ts';
import {
  beneficiaryOf,
  dbCents,
  instant,
  monthOf,
  rawClaim,
  rawCoverage,
  rawDiagnoses,
  rawFills,
  rawFixtures,
  rawPatient,
  sum,
  type RawClaim,
  type RawFixtures,
} from '../helpers/raw-fixtures.ts';

let tdb: TestDatabase;
let raw: RawFixtures;
let claims: RawClaim[];
let loadStarted: number;

beforeAll(async () => {
  if (!fixturesPresent) return; // every test here reads the fixtures, and is skipped
  tdb = await createTestDatabase('analytics');
  loadStarted = Date.now();
  const summary = await importFiles(tdb.pool, await listInputFiles([FIXTURES_DIR]));
  expect(summary.rejected).toEqual([]);
  raw = await rawFixtures();
  claims = raw.eobs.map(rawClaim);
});
afterAll(async () => {
  await tdb?.drop();
});

const byKey = <T>(rows: T[], key: (row: T) => string) =>
  [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

describeWithFixtures('the fixtures', () => {
  it('cover the cases the views must handle: undated PDEs, claims without a Patient, cancelled parts', () => {
    expect(claims.length).toBeGreaterThan(90);
    expect(claims.filter((c) => c.type === 'pde' && c.serviceDate !== null).length).toBeGreaterThan(0);
    // 2020-era PDEs have no billablePeriod: they are dated by their line.
    const undated = raw.eobs.filter((e) => e.billablePeriod === undefined);
    expect(undated.length).toBeGreaterThanOrEqual(10);
    expect(new Set(claims.map((c) => c.type)).size).toBe(8);
    const withPatient = new Set(raw.patients.map((p) => p.id as string));
    expect(claims.some((c) => !withPatient.has(c.patientId))).toBe(true);
    expect(raw.coverages.some((c) => c.status === 'cancelled')).toBe(true);
  });
});

describeWithFixtures('claims_monthly', () => {
  it('matches claim counts and money summed from the raw EOB JSON per beneficiary, month and type', async () => {
    const expected = new Map<string, RawClaim[]>();
    for (const c of claims) {
      const key = `${c.patientId}|${monthOf(c.serviceDate)}|${c.type}`;
      expected.set(key, [...(expected.get(key) ?? []), c]);
    }
    const { rows } = await tdb.pool.query(
      `SELECT patient_id, to_char(month, 'YYYY-MM-DD') AS month, claim_type, claim_count, submitted_amount,
              allowed_amount, medicare_paid_amount, patient_responsibility_amount
       FROM claims_monthly`,
    );
    const actual = byKey(
      rows.map((r) => ({
        key: `${r.patient_id}|${r.month}|${r.claim_type}`,
        claim_count: r.claim_count,
        submitted: dbCents(r.submitted_amount),
        allowed: dbCents(r.allowed_amount),
        paid: dbCents(r.medicare_paid_amount),
        patient: dbCents(r.patient_responsibility_amount),
      })),
      (r) => r.key,
    );
    const wanted = byKey(
      [...expected].map(([key, group]) => ({
        key,
        claim_count: group.length,
        submitted: sum(group.map((c) => c.submitted)),
        allowed: sum(group.map((c) => c.allowed)),
        paid: sum(group.map((c) => c.payment)),
        patient: sum(group.map((c) => c.patientResponsibility)),
      })),
      (r) => r.key,
    );
    expect(actual).toEqual(wanted);
    // Every claim has a month (the undated PDEs count in the month of their fill).
    expect(actual.some((r) => r.key.includes('|null|'))).toBe(false);
    expect(actual.reduce((n, r) => n + r.claim_count, 0)).toBe(claims.length);
  });

  it('sums what Medicare paid per month the way an analyst would from payment.amount and PDE plan paid', async () => {
    // The headline number, spelled out from the JSON once more: payment.amount.value for every
    // non-PDE EOB, the line cvrd_d_plan_pd_amt for PDEs.
    const perMonth = new Map<string, number>();
    for (const eob of raw.eobs) {
      const c = rawClaim(eob);
      let paid = 0;
      if (c.type === 'pde') {
        for (const item of eob.item ?? []) {
          for (const a of item.adjudication ?? []) {
            if (
              (a.category?.coding ?? []).some((x: { code?: string }) =>
                x.code?.endsWith('/cvrd_d_plan_pd_amt'),
              )
            ) {
              paid += Math.round(a.amount.value * 100);
            }
          }
        }
      } else {
        paid = Math.round((eob.payment?.amount?.value ?? 0) * 100);
      }
      const month = monthOf(c.serviceDate)!.slice(0, 7);
      perMonth.set(month, (perMonth.get(month) ?? 0) + paid);
    }
    const { rows } = await tdb.pool.query(
      `SELECT to_char(month, 'YYYY-MM') AS month, sum(medicare_paid_amount)::text AS paid
       FROM claims_monthly GROUP BY 1 ORDER BY 1`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.month, dbCents(r.paid)]))).toEqual(
      Object.fromEntries([...perMonth].sort()),
    );
  });
});

describeWithFixtures('drug_fills', () => {
  it('has one row per PDE with the fill date, drug, quantity and money read from the raw JSON', async () => {
    const expected = raw.eobs.filter((e) => rawClaim(e).type === 'pde').flatMap(rawFills);
    expect(expected.length).toBe(claims.filter((c) => c.type === 'pde').length);
    const { rows } = await tdb.pool.query(`SELECT * FROM drug_fills`);
    const actual = rows.map((r) => ({
      claim_id: r.claim_id,
      patient_id: r.patient_id,
      fill_date: r.fill_date,
      ndc: r.ndc,
      drug_name: r.drug_name,
      quantity: r.quantity === null ? null : Number(r.quantity),
      days_supply: r.days_supply,
      fill_number: r.fill_number,
      total_cost: dbCents(r.total_cost),
      plan_paid: dbCents(r.plan_paid),
      patient_paid: dbCents(r.patient_paid),
      prescriber_npi: r.prescriber_npi,
      pharmacy_npi: r.pharmacy_npi,
    }));
    expect(byKey(actual, (r) => r.claim_id)).toEqual(byKey(expected, (r) => r.claim_id));
    expect(actual.every((r) => r.fill_date !== null)).toBe(true);
  });

  it('agrees with claims_monthly on what Part D plans paid', async () => {
    const { rows } = await tdb.pool.query(
      `SELECT (SELECT sum(plan_paid) FROM drug_fills)::text AS fills,
              (SELECT sum(medicare_paid_amount) FROM claims_monthly WHERE claim_type = 'pde')::text AS monthly`,
    );
    expect(rows[0].fills).toBe(rows[0].monthly);
    expect(dbCents(rows[0].fills)).toBe(sum(claims.filter((c) => c.type === 'pde').map((c) => c.payment)));
  });
});

describeWithFixtures('diagnoses_by_patient', () => {
  it('counts the claims of each code and role and when it was first and last seen, as in the raw JSON', async () => {
    const groups = new Map<
      string,
      {
        claims: Set<string>;
        dates: string[];
        display: string | null;
        row: { patient_id: string; code: string; system: string; role: string };
      }
    >();
    for (const eob of raw.eobs) {
      const claim = rawClaim(eob);
      for (const dx of rawDiagnoses(eob)) {
        const role = dx.principal ? 'principal' : 'secondary';
        const key = `${claim.patientId}|${dx.code}|${dx.system}|${role}`;
        const g = groups.get(key) ?? {
          claims: new Set<string>(),
          dates: [],
          display: null,
          row: { patient_id: claim.patientId, code: dx.code, system: dx.system, role },
        };
        g.claims.add(claim.id);
        if (claim.serviceDate) g.dates.push(claim.serviceDate);
        if (dx.display !== null && (g.display === null || dx.display > g.display)) g.display = dx.display;
        groups.set(key, g);
      }
    }
    const wanted = [...groups.values()].map((g) => ({
      ...g.row,
      display: g.display,
      claim_count: g.claims.size,
      first_seen: g.dates.sort()[0] ?? null,
      last_seen: g.dates.sort().at(-1) ?? null,
    }));
    const { rows } = await tdb.pool.query(
      `SELECT patient_id, code, system, role, display, claim_count, first_seen, last_seen FROM diagnoses_by_patient`,
    );
    const key = (r: { patient_id: string; code: string; system: string; role: string }) =>
      `${r.patient_id}|${r.code}|${r.system}|${r.role}`;
    expect(byKey(rows, key)).toEqual(byKey(wanted, key));
    expect(rows.some((r) => r.role === 'principal')).toBe(true);
    expect(rows.some((r) => r.role === 'secondary')).toBe(true);
  });
});

describeWithFixtures('coverage_periods', () => {
  it('has one row per Coverage with its part, status, period and latest contract as in the raw JSON', async () => {
    const { rows } = await tdb.pool.query(
      `SELECT coverage_id, patient_id, part, status, period_start, period_end, contract_id, plan_id,
              dual_status_code, medicare_status_code, termination_code, reference_year
       FROM coverage_periods`,
    );
    const wanted = raw.coverages.map(rawCoverage);
    expect(byKey(rows, (r) => r.coverage_id)).toEqual(byKey(wanted, (r) => r.coverage_id));
    expect(rows.filter((r) => r.part === 'D' && r.contract_id !== null).length).toBeGreaterThan(0);
  });
});

describeWithFixtures('patient_summary', () => {
  it('has one row per beneficiary seen anywhere, with demographics, parts, claims by type, money and dates from the raw JSON', async () => {
    const ids = new Set([...raw.patients, ...raw.coverages, ...raw.eobs].map(beneficiaryOf));
    const wanted = [...ids].map((id) => {
      const patient = raw.patients.find((p) => p.id === id);
      const own = claims.filter((c) => c.patientId === id);
      const count = (type: string) => own.filter((c) => c.type === type).length;
      const resources = [...raw.patients, ...raw.coverages, ...raw.eobs].filter(
        (r) => beneficiaryOf(r) === id,
      );
      const updated = resources.map(instant).filter((ms): ms is number => ms !== null);
      const dates = own.map((c) => c.serviceDate).filter((d): d is string => d !== null);
      const thru = own.map((c) => c.thruDate).filter((d): d is string => d !== null);
      return {
        ...(patient
          ? rawPatient(patient)
          : {
              patient_id: id,
              birth_date: null,
              gender: null,
              race_code: null,
              race_display: null,
              state: null,
              postal_code: null,
              deceased_at: null,
            }),
        has_patient_record: patient !== undefined,
        coverage_parts: raw.coverages
          .filter((c) => beneficiaryOf(c) === id && c.status === 'active')
          .map((c) => rawCoverage(c).part)
          .sort(),
        claim_count: own.length,
        carrier_claims: count('carrier'),
        dme_claims: count('dme'),
        hha_claims: count('hha'),
        hospice_claims: count('hospice'),
        inpatient_claims: count('inpatient'),
        outpatient_claims: count('outpatient'),
        pde_claims: count('pde'),
        snf_claims: count('snf'),
        medicare_paid: sum(own.filter((c) => c.type !== 'pde').map((c) => c.payment)) ?? 0,
        part_d_paid: sum(own.filter((c) => c.type === 'pde').map((c) => c.payment)) ?? 0,
        total_paid: sum(own.map((c) => c.payment)) ?? 0,
        patient_owed: sum(own.map((c) => c.patientResponsibility)) ?? 0,
        first_service_date: dates.sort()[0] ?? null,
        last_service_date: thru.sort().at(-1) ?? null,
        last_updated: updated.length ? new Date(Math.max(...updated)).toISOString() : null,
      };
    });
    const { rows } = await tdb.pool.query(`SELECT * FROM patient_summary`);
    const actual = rows.map((r) => {
      const {
        medicare_paid_amount,
        part_d_plan_paid_amount,
        total_paid_amount,
        patient_responsibility_amount,
        last_loaded_at,
        ...rest
      } = r;
      expect(Date.parse(last_loaded_at)).toBeGreaterThanOrEqual(loadStarted - 1000);
      expect(Date.parse(last_loaded_at)).toBeLessThanOrEqual(Date.now() + 1000);
      return {
        ...rest,
        medicare_paid: dbCents(medicare_paid_amount),
        part_d_paid: dbCents(part_d_plan_paid_amount),
        total_paid: dbCents(total_paid_amount),
        patient_owed: dbCents(patient_responsibility_amount),
      };
    });
    expect(byKey(actual, (r) => r.patient_id)).toEqual(byKey(wanted, (r) => r.patient_id));
    expect(actual.some((r) => !r.has_patient_record)).toBe(true);
  });
});

describeWithFixtures('current data only', () => {
  it('drops a claim from every view once the sync deletes it', async () => {
    const pde = claims.find((c) => c.type === 'pde' && c.payment !== null && c.payment > 0)!;
    const monthly = async () =>
      (
        await tdb.pool.query(
          `SELECT claim_count, medicare_paid_amount FROM claims_monthly
           WHERE patient_id = $1 AND month = $2 AND claim_type = 'pde'`,
          [pde.patientId, monthOf(pde.serviceDate)],
        )
      ).rows[0] as { claim_count: number; medicare_paid_amount: string } | undefined;
    const before = await monthly();
    const summaryBefore = (
      await tdb.pool.query(
        `SELECT pde_claims, total_paid_amount FROM patient_summary WHERE patient_id = $1`,
        [pde.patientId],
      )
    ).rows[0];

    // What the sync does when BB2 no longer returns a claim (children go with ON DELETE CASCADE).
    await tdb.pool.query('DELETE FROM claims WHERE claim_id = $1', [pde.id]);

    const after = await monthly();
    expect((after?.claim_count ?? 0) + 1).toBe(before!.claim_count);
    expect(dbCents(after?.medicare_paid_amount ?? '0') ?? 0).toBe(
      dbCents(before!.medicare_paid_amount)! - pde.payment!,
    );
    expect((await tdb.pool.query('SELECT 1 FROM drug_fills WHERE claim_id = $1', [pde.id])).rowCount).toBe(0);
    const summaryAfter = (
      await tdb.pool.query(
        `SELECT pde_claims, total_paid_amount FROM patient_summary WHERE patient_id = $1`,
        [pde.patientId],
      )
    ).rows[0];
    expect(summaryAfter.pde_claims).toBe(summaryBefore.pde_claims - 1);
    expect(dbCents(summaryAfter.total_paid_amount)).toBe(
      dbCents(summaryBefore.total_paid_amount)! - pde.payment!,
    );
  });
});
