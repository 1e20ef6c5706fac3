import { expect, it } from 'vitest';

import { ingestBatch, totalRowsWritten } from '../../src/db/ingest.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import type { NormalizedResource } from '../../src/model/resources.ts';
import { databasePerTest } from '../helpers/db.ts';
import { describeWithFixtures, fixtureResource, fixtureResources, type Json } from '../helpers/fixtures.ts';
import { adjudicationEntries, countRows, dumpAnalytics, rowVersions } from '../helpers/tables.ts';

const tdb = databasePerTest('ingest');

const options = { normalizerVersion: NORMALIZER_VERSION };
const page = () =>
  fixtureResources('sandbox/eob-paging-bene-19990000000001/eob-page-1.json').map(normalizeResource);

function withLastUpdated(resource: Json, lastUpdated: string): Json {
  const copy = structuredClone(resource);
  copy.meta = { ...copy.meta, lastUpdated };
  return copy;
}

describeWithFixtures('ingestBatch', () => {
  it('inserts a page of EOBs with all their rows, and a second identical load writes nothing', async () => {
    const first = await ingestBatch(tdb.pool, page(), options);
    expect(first).toMatchObject({ inserted: 10, updated: 0, unchanged: 0 });
    expect(first.rowsWritten.claims).toBe(10);
    expect(await countRows(tdb.pool, 'claims')).toBe(10);
    expect(await countRows(tdb.pool, 'claim_lines')).toBe(first.rowsWritten.claim_lines);
    // The view claim_line_adjudications gives back every entry of every line, as mapped.
    const byKey = (a: { claim_id: string; line_number: number; entry_index: number }) =>
      `${a.claim_id}/${String(a.line_number).padStart(6, '0')}/${String(a.entry_index).padStart(4, '0')}`;
    const sorted = <T extends Parameters<typeof byKey>[0]>(rows: T[]) =>
      rows.sort((x, y) => (byKey(x) < byKey(y) ? -1 : 1));
    const { rows: stored } = await tdb.pool.query(
      `SELECT claim_id, line_number, entry_index, category, category_system, variable, amount, currency,
              reason_code, reason_system
       FROM claim_line_adjudications`,
    );
    const mapped = adjudicationEntries(page().flatMap((r) => r.rows.claim_lines));
    expect(mapped.length).toBeGreaterThan(100);
    expect(sorted(stored)).toEqual(sorted(mapped));

    const tablesBefore = await dumpAnalytics(tdb.pool);
    const versionsBefore = await rowVersions(tdb.pool);
    const second = await ingestBatch(tdb.pool, page(), options);
    expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: 10 });
    expect(totalRowsWritten(second)).toBe(0);
    expect(await dumpAnalytics(tdb.pool)).toEqual(tablesBefore);
    expect(await rowVersions(tdb.pool)).toEqual(versionsBefore);
  });

  it('treats a change of created or meta.lastUpdated alone as no change at all', async () => {
    const eob = fixtureResource(
      'sandbox/eob-paging-bene-19990000000001/eob-page-0.json',
      'carrier--10344810963',
    );
    await ingestBatch(tdb.pool, [normalizeResource(eob)], options);
    const before = await rowVersions(tdb.pool);
    const touched = withLastUpdated({ ...eob, created: '2031-01-01T00:00:00+00:00' }, '2031-01-01T00:00:00Z');
    const outcome = await ingestBatch(tdb.pool, [normalizeResource(touched)], options);
    expect(outcome.unchanged).toBe(1);
    expect(await rowVersions(tdb.pool)).toEqual(before);
  });

  it('replaces a changed claim together with all of its child rows', async () => {
    const eob = fixtureResource(
      'test-env/eob-bundle-bene-10000010254647-page1.json',
      'carrier--10000930038026',
    );
    await ingestBatch(tdb.pool, [normalizeResource(eob)], options);
    expect(await countRows(tdb.pool, 'claim_lines')).toBe(12);

    const changed = withLastUpdated(eob, '2030-01-01T00:00:00Z');
    changed.item = changed.item.slice(0, 2);
    changed.diagnosis = changed.diagnosis.slice(0, 1);
    changed.payment.amount.value = 1.23;
    const outcome = await ingestBatch(tdb.pool, [normalizeResource(changed)], options);
    expect(outcome).toMatchObject({ updated: 1, inserted: 0 });
    expect(await countRows(tdb.pool, 'claim_lines')).toBe(2);
    expect(await countRows(tdb.pool, 'claim_diagnoses')).toBe(1);
    expect(await countRows(tdb.pool, 'claim_line_adjudications', 'line_number > 2')).toBe(0);
    const { rows } = await tdb.pool.query('SELECT payment_amount, last_updated FROM claims');
    expect(rows).toEqual([{ payment_amount: '1.23', last_updated: '2030-01-01T00:00:00.000Z' }]);
  });

  it('keeps the stored resource when the incoming one has an older meta.lastUpdated', async () => {
    const eob = fixtureResource(
      'sandbox/eob-paging-bene-19990000000001/eob-page-0.json',
      'carrier--10344810963',
    );
    const newer = withLastUpdated(eob, '2030-01-01T00:00:00Z');
    newer.payment.amount.value = 99;
    await ingestBatch(tdb.pool, [normalizeResource(newer)], options);
    const older = withLastUpdated(eob, '2025-01-01T00:00:00Z');
    const outcome = await ingestBatch(tdb.pool, [normalizeResource(older)], options);
    expect(outcome).toMatchObject({ stale: 1, updated: 0 });
    const { rows } = await tdb.pool.query('SELECT payment_amount FROM claims');
    expect(rows).toEqual([{ payment_amount: '99.00' }]);
  });

  it('writes Patient and Coverage rows and updates them in place', async () => {
    const patient = fixtureResource('sandbox/patient-bbuser29999.json', '-20140000010000');
    const coverages = fixtureResources('sandbox/coverage-bundle-bbuser29999.json');
    await ingestBatch(tdb.pool, [patient, ...coverages].map(normalizeResource), options);
    expect(await countRows(tdb.pool, 'coverages', 'patient_id = $1', ['-20140000010000'])).toBe(4);
    const moved = withLastUpdated(patient, '2030-01-01T00:00:00Z');
    moved.address = [{ state: 'MO', postalCode: '63101' }];
    const outcome = await ingestBatch(tdb.pool, [normalizeResource(moved)], options);
    expect(outcome.updated).toBe(1);
    const { rows } = await tdb.pool.query('SELECT state, postal_code FROM patients');
    expect(rows).toEqual([{ state: 'MO', postal_code: '63101' }]);
  });

  it('finds everything it stored in a batch of three resource types, ids that need quoting included', async () => {
    const patient = fixtureResource('sandbox/patient-bbuser29999.json', '-20140000010000');
    const coverages = fixtureResources('sandbox/coverage-bundle-bbuser29999.json');
    // Ids as SQL and array literals would misread them unquoted (FHIR allows none of these, BB2
    // sends none, but an id is still bytes from outside).
    const odd = [`o'brien`, 'a"b,c', 'back\\slash', '{brace} space', 'NULL'];
    const eobs = page().map((r, i) => (i < odd.length ? { ...r, resourceId: odd[i]! } : r));
    const batch = () => [...[patient, ...coverages].map(normalizeResource), ...eobs];
    const first = await ingestBatch(tdb.pool, batch(), options);
    expect(first).toMatchObject({ inserted: 15, updated: 0, unchanged: 0 });
    const { rows } = await tdb.pool.query<{ resource_id: string }>(
      `SELECT resource_id FROM fhir_resources WHERE resource_id = ANY($1) ORDER BY 1`,
      [odd],
    );
    expect(rows.map((r) => r.resource_id)).toEqual([...odd].sort());
    const versions = await rowVersions(tdb.pool);
    expect(await ingestBatch(tdb.pool, batch(), options)).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 15,
    });
    expect(await rowVersions(tdb.pool)).toEqual(versions);
  });

  it('commits nothing of a batch whose last write fails, progress included', async () => {
    const batch = page();
    // Corrupt the raw text of the last resource: the raw COPY, the batch's last write, fails.
    batch[batch.length - 1] = { ...batch[batch.length - 1]!, json: '{not json' };
    await expect(
      ingestBatch(tdb.pool, batch, {
        ...options,
        alsoWrite: (w) => {
          w.write(`INSERT INTO audit_log (actor, action) VALUES (${w.param('test')}, 'progress')`);
        },
      }),
    ).rejects.toThrow(/invalid input syntax for type json/);
    expect(await countRows(tdb.pool, 'claims')).toBe(0);
    expect(await countRows(tdb.pool, 'claim_lines')).toBe(0);
    expect(await countRows(tdb.pool, 'fhir_resources')).toBe(0);
    expect(await countRows(tdb.pool, 'audit_log')).toBe(0);
  });

  it('commits the writes of the caller together with the batch', async () => {
    await ingestBatch(tdb.pool, page(), {
      ...options,
      alsoWrite: (w) => {
        w.write(`INSERT INTO audit_log (actor, action) VALUES (${w.param('test')}, 'progress')`);
      },
    });
    expect(await countRows(tdb.pool, 'audit_log')).toBe(1);
    expect(await countRows(tdb.pool, 'claims')).toBe(10);
  });

  it('loads a batch far beyond the 65,535 bind-parameter limit in one transaction', async () => {
    // 1,500 distinct claims of 12 lines each: 18,000 lines and 162,000 adjudication rows, far more
    // values than 65,535 parameters could carry.
    const template = fixtureResource(
      'test-env/eob-bundle-bene-10000010254647-page1.json',
      'carrier--10000930038026',
    );
    const batch: NormalizedResource[] = [];
    for (let i = 0; i < 1500; i++) {
      batch.push(normalizeResource({ ...template, id: `carrier--${900000000 + i}` }));
    }
    const outcome = await ingestBatch(tdb.pool, batch, options);
    expect(outcome.inserted).toBe(1500);
    expect(await countRows(tdb.pool, 'claims')).toBe(1500);
    expect(await countRows(tdb.pool, 'claim_lines')).toBe(18_000);
    expect(await countRows(tdb.pool, 'fhir_resources')).toBe(1500);
  });

  it('counts a resource repeated within one batch once, keeping the newer copy', async () => {
    const eob = fixtureResource(
      'sandbox/eob-paging-bene-19990000000001/eob-page-0.json',
      'carrier--10344810963',
    );
    const newer = withLastUpdated(eob, '2030-01-01T00:00:00Z');
    newer.payment.amount.value = 42;
    const older = withLastUpdated(eob, '2029-01-01T00:00:00Z');
    const outcome = await ingestBatch(
      tdb.pool,
      [normalizeResource(newer), normalizeResource(older)],
      options,
    );
    expect(outcome.inserted).toBe(1);
    const { rows } = await tdb.pool.query('SELECT payment_amount FROM claims');
    expect(rows).toEqual([{ payment_amount: '42.00' }]);
  });
});
