/**
 * The coverage_monthly rows the normalizer maps from the real BFD v2 Coverage fixtures: one per
 * month of the reference year, the enrolled rule per part, Part D's year-month copies skipped,
 * and none for a v3 Coverage (its months come from its period, in the view).
 */
import { expect, it } from 'vitest';

import { normalizeResource } from '../../src/fhir/normalize.ts';
import { describeWithFixtures, fixtureResource } from '../helpers/fixtures.ts';
import { haveV3Fixtures, readV3Fixture } from '../helpers/v3-fixtures.ts';

const months = (id: string) =>
  normalizeResource(fixtureResource('bfd/coverage-bundle.json', id)).rows.coverage_monthly;

describeWithFixtures('coverage months of the real v2 Coverage fixtures', () => {
  it('gives each part twelve months of its reference year, enrolled by the part rule', () => {
    for (const part of ['a', 'b', 'c', 'd']) {
      const rows = months(`part-${part}-567834`);
      expect(rows.map((r) => r.month)).toEqual(
        Array.from({ length: 12 }, (_, i) => `2018-${String(i + 1).padStart(2, '0')}-01`),
      );
      expect(rows.every((r) => r.patient_id === '567834')).toBe(true);
    }
    // buyinNN "C" (A and B with state buy-in) in every month.
    expect(months('part-a-567834').every((r) => r.enrolled && r.buyin_code === 'C')).toBe(true);
    expect(months('part-b-567834').every((r) => r.enrolled)).toBe(true);
    // ptc_cntrct_id_11 and _12 are "0": not enrolled in November and December.
    expect(months('part-c-567834').map((r) => r.enrolled)).toEqual([...Array(10).fill(true), false, false]);
    expect(months('part-c-567834')[0]).toMatchObject({ contract_id: 'H1225', plan_id: '003' });
  });

  it('reads the Part D contract from ptdcntrctNN, not from its .../ptdcntrctNN/2018-N copies', () => {
    const d = months('part-d-567834');
    expect(d.map((r) => r.contract_id)).toEqual([...Array(11).fill('S4607'), '0']);
    expect(d.map((r) => r.enrolled)).toEqual([...Array(11).fill(true), false]);
  });
});

it.skipIf(!haveV3Fixtures)('writes no stored months for a v3 Coverage, which has no monthly series', () => {
  const n = normalizeResource(readV3Fixture('coverage-part-a.json'));
  expect(n.rows.coverages).toHaveLength(1);
  expect(n.rows.coverage_monthly).toEqual([]);
});
