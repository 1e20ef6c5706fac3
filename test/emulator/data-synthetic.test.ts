import { describe, expect, it } from 'vitest';

import {
  ANCHOR_ISO,
  CLAIM_TYPES,
  LEGACY_LAST_UPDATED,
  compareEobIds,
  createSyntheticStore,
  indexForUsername,
  patientIdForUser,
  userIndexForPatientId,
  type FhirResource,
  type PatientRecord,
} from '../../src/emulator/data/index.ts';
import { asArray, kindOf, type Json } from './data-helpers.ts';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const ANCHOR_MS = Date.parse(ANCHOR_ISO);

function records(count: number, seed = 11): PatientRecord[] {
  const store = createSyntheticStore({ users: 10_000, seed });
  return Array.from({ length: count }, (_, i) => store.record(patientIdForUser(i)) as PatientRecord);
}

const sample = records(200);
const sampleEobs = sample.flatMap((r) => r.eobs);
/** A larger sample with another seed, for rates (legacy users) and cross-resource rules. */
let wide: PatientRecord[] | undefined;
function wideSample(): PatientRecord[] {
  wide ??= records(500, 21);
  return wide;
}

function claimIdOf(eob: FhirResource): string {
  return eob.id.slice(eob.id.indexOf('-') + 1);
}

function day(date: string): number {
  return Math.floor(Date.parse(date) / DAY);
}

describe('synthetic users and patient ids', () => {
  it('maps BBUser00000 to -19990000000001 and BBUser29999 to -20140000010000, like BB2', () => {
    expect(patientIdForUser(0)).toBe('-19990000000001');
    expect(patientIdForUser(9_999)).toBe('-19990000010000');
    expect(patientIdForUser(10_000)).toBe('-20000000000001');
    expect(patientIdForUser(20_000)).toBe('-20140000000001');
    expect(patientIdForUser(29_999)).toBe('-20140000010000');
  });

  it('inverts the mapping for every block, including indexes beyond 29999', () => {
    for (const index of [
      0, 1, 9_999, 10_000, 15_432, 19_999, 20_000, 29_999, 30_000, 54_321, 99_999, 100_000,
    ]) {
      const id = patientIdForUser(index);
      expect(id.startsWith('-')).toBe(true);
      expect(userIndexForPatientId(id)).toBe(index);
    }
    const ids = new Set(Array.from({ length: 40_000 }, (_, i) => patientIdForUser(i)));
    expect(ids.size).toBe(40_000);
  });

  it('rejects patient ids that are not canonical synthetic ids', () => {
    for (const id of [
      '567834',
      '-1999000000001',
      '-19990000000000',
      '-19990000010001',
      ' -19990000000001',
      '-1999000000000x',
      '-30000000000005',
      '',
    ]) {
      expect(userIndexForPatientId(id)).toBeUndefined();
    }
  });

  it('logs users in as BBUserNNNNN with password PWNNNNN!', () => {
    const store = createSyntheticStore({ users: 10_000, seed: 1 });
    expect(store.userByUsername('BBUser00042')).toEqual({
      username: 'BBUser00042',
      password: 'PW00042!',
      index: 42,
      patientId: '-19990000000043',
    });
    expect(store.userByPatientId('-19990000010000')?.username).toBe('BBUser09999');
    expect(store.userByIndex(9_999)?.patientId).toBe('-19990000010000');
    expect(indexForUsername('BBUser0042')).toBeUndefined();
  });

  it('knows exactly userCount users', () => {
    const store = createSyntheticStore({ users: 10_000, seed: 1 });
    expect(store.userCount).toBe(10_000);
    expect(store.userByIndex(10_000)).toBeUndefined();
    expect(store.userByIndex(-1)).toBeUndefined();
    expect(store.userByUsername('BBUser10000')).toBeUndefined();
    expect(store.userByPatientId(patientIdForUser(10_000))).toBeUndefined();
    expect(store.record(patientIdForUser(10_000))).toBeUndefined();
    expect(store.record('567834')).toBeUndefined();
  });
});

describe('deterministic generation', () => {
  it('builds byte-identical records for the same seed and user, whatever was read before', () => {
    const a = createSyntheticStore({ users: 10_000, seed: 99 });
    const b = createSyntheticStore({ users: 10_000, seed: 99 });
    for (let i = 0; i < 30; i++) b.record(patientIdForUser(i));
    for (const index of [5, 0, 29, 4_321, 9_999]) {
      expect(JSON.stringify(b.record(patientIdForUser(index)))).toBe(
        JSON.stringify(a.record(patientIdForUser(index))),
      );
    }
  });

  it('builds different data for a different seed', () => {
    const a = createSyntheticStore({ users: 100, seed: 1 }).record(patientIdForUser(3));
    const b = createSyntheticStore({ users: 100, seed: 2 }).record(patientIdForUser(3));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(a?.eobs.map((e) => e.id)).not.toEqual(b?.eobs.map((e) => e.id));
  });

  it('regenerates an evicted record with the same content', () => {
    const store = createSyntheticStore({ users: 100, seed: 5, cacheSize: 2 });
    const first = store.record(patientIdForUser(1));
    const json = JSON.stringify(first);
    for (const i of [2, 3, 4]) store.record(patientIdForUser(i));
    const again = store.record(patientIdForUser(1));
    expect(again).not.toBe(first);
    expect(JSON.stringify(again)).toBe(json);
  });

  it('returns the cached record object while it stays in the cache', () => {
    const store = createSyntheticStore({ users: 100, seed: 5 });
    expect(store.record(patientIdForUser(7))).toBe(store.record(patientIdForUser(7)));
  });
});

describe('record shape', () => {
  it('gives every user one Patient and the four Coverages part-a..part-d with BB2 ids', () => {
    for (const r of sample.slice(0, 50)) {
      expect(r.patient.resourceType).toBe('Patient');
      expect(r.patient.id).toBe(r.patientId);
      expect(r.coverages.map((c) => c.id)).toEqual(
        ['a', 'b', 'c', 'd'].map((p) => `part-${p}-${r.patientId}`),
      );
      expect(r.coverages[0]?.id.startsWith('part-a--')).toBe(true);
      for (const c of r.coverages) {
        expect((c['beneficiary'] as Json)['reference']).toBe(`Patient/${r.patientId}`);
      }
    }
  });

  it('gives each user between 3 and 80 EOBs, most of them between 10 and 40', () => {
    const counts = sample.map((r) => r.eobs.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...counts)).toBeLessThanOrEqual(80);
    const typical = counts.filter((n) => n >= 10 && n <= 40).length;
    expect(typical / counts.length).toBeGreaterThan(0.65);
  });

  it('spreads claims over all eight claim types, carrier first, then pde and outpatient', () => {
    const byType = new Map<string, number>();
    for (const eob of sampleEobs) byType.set(kindOf(eob), (byType.get(kindOf(eob)) ?? 0) + 1);
    expect([...byType.keys()].sort()).toEqual([...CLAIM_TYPES].sort());
    const n = (t: string): number => byType.get(t) ?? 0;
    expect(n('carrier')).toBeGreaterThan(n('pde'));
    expect(n('pde')).toBeGreaterThan(n('outpatient'));
    for (const rare of ['dme', 'inpatient', 'snf', 'hha', 'hospice']) {
      expect(n('outpatient')).toBeGreaterThan(n(rare));
    }
  });

  it('keeps EOBs in BB2 order: the unprefixed claim id as a string, then the claim type', () => {
    for (const r of sample) {
      const ids = r.eobs.map((e) => e.id);
      expect([...ids].sort(compareEobIds)).toEqual(ids);
      for (let i = 1; i < ids.length; i++) {
        const prev = claimIdOf(r.eobs[i - 1] as FhirResource);
        const cur = claimIdOf(r.eobs[i] as FhirResource);
        expect(prev <= cur).toBe(true);
      }
    }
  });

  it('uses unique negative claim ids, the clm_id or pde_id identifier, and a claim-group identifier', () => {
    const seen = new Set<string>();
    for (const eob of sampleEobs) {
      const type = kindOf(eob);
      const claimId = claimIdOf(eob);
      expect(claimId).toMatch(/^-\d{10,11}$/);
      expect(eob.id).toBe(`${type}--${claimId.slice(1)}`);
      expect(seen.has(claimId)).toBe(false);
      seen.add(claimId);
      const systems = asArray(eob['identifier']).map((i) => i['system']);
      const idSystem = `https://bluebutton.cms.gov/resources/variables/${type === 'pde' ? 'pde_id' : 'clm_id'}`;
      expect(asArray(eob['identifier']).find((i) => i['system'] === idSystem)?.['value']).toBe(claimId);
      expect(systems).toContain('https://bluebutton.cms.gov/resources/identifier/claim-group');
    }
  });

  it('points each claim at the Coverage part BB2 uses for its type', () => {
    const part: Record<string, string> = {
      carrier: 'b',
      outpatient: 'b',
      hha: 'b',
      inpatient: 'a',
      snf: 'a',
      hospice: 'a',
      dme: 'a',
      pde: 'd',
    };
    for (const r of sample.slice(0, 80)) {
      const coverageIds = new Set(r.coverages.map((c) => `Coverage/${c.id}`));
      for (const eob of r.eobs) {
        const ref = (asArray(eob['insurance'])[0]?.['coverage'] as Json)['reference'];
        expect(ref).toBe(`Coverage/part-${part[kindOf(eob)]}-${r.patientId}`);
        expect(coverageIds.has(ref as string)).toBe(true);
        expect((eob['patient'] as Json)['reference']).toBe(`Patient/${r.patientId}`);
      }
    }
  });

  it('bills claims within about three years before the load time, and dates lines inside the billing period', () => {
    for (const r of sample) {
      for (const eob of r.eobs) {
        const period = eob['billablePeriod'] as Json;
        const start = day(period['start'] as string);
        const end = day(period['end'] as string);
        expect(start).toBeLessThanOrEqual(end);
        if (!r.legacyIds.has(eob.id)) {
          expect(end).toBeLessThan(day(eob.meta?.lastUpdated as string));
          expect(start).toBeGreaterThan(Math.floor(ANCHOR_MS / DAY) - 3 * 365 - 90);
        }
        for (const item of asArray(eob['item'])) {
          const dates = [
            item['servicedDate'],
            (item['servicedPeriod'] as Json | undefined)?.['start'],
            (item['servicedPeriod'] as Json | undefined)?.['end'],
          ];
          for (const d of dates) {
            if (typeof d !== 'string') continue;
            expect(day(d)).toBeGreaterThanOrEqual(start);
            expect(day(d)).toBeLessThanOrEqual(end);
          }
        }
      }
    }
  });

  it('bills no claim before the beneficiary’s Part A/B coverage starts', () => {
    for (const r of wideSample()) {
      const start = ((r.coverages[0]?.['period'] as Json | undefined)?.['start'] ?? '') as string;
      expect(start).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const eob of r.eobs) {
        expect(((eob['billablePeriod'] as Json)['start'] as string) >= start).toBe(true);
      }
    }
  });

  it('leaves most institutional lines without servicedDate, and some without productOrService, as real data does', () => {
    const lines = (types: string[]): Json[] =>
      sampleEobs.filter((e) => types.includes(kindOf(e))).flatMap((e) => asArray(e['item']));
    const outpatient = lines(['outpatient']);
    expect(outpatient.filter((i) => 'servicedDate' in i).length / outpatient.length).toBeLessThan(0.2);
    expect(lines(['inpatient', 'snf']).every((i) => !('servicedDate' in i))).toBe(true);
    expect(lines(['hha', 'hospice']).every((i) => 'servicedDate' in i)).toBe(true);
    const institutional = lines(['inpatient', 'outpatient', 'snf', 'hha', 'hospice']);
    const withoutProduct = institutional.filter((i) => !('productOrService' in i)).length;
    expect(withoutProduct).toBeGreaterThan(0);
    expect(withoutProduct).toBeLessThan(institutional.length);
  });
});

describe('load times and legacy data', () => {
  it('starts at the anchor transaction time, independent of the clock', () => {
    const store = createSyntheticStore({ users: 10, seed: 1, now: () => new Date('2001-01-01T00:00:00Z') });
    expect(store.transactionTime()).toBe('2026-11-01T04:00:00.000Z');
  });

  it('stamps each resource with the weekly load that last wrote it, never after the anchor', () => {
    for (const r of sample) {
      for (const res of [r.patient, ...r.coverages, ...r.eobs]) {
        const lu = res.meta?.lastUpdated as string;
        if (r.legacyIds.has(res.id)) continue;
        const ms = Date.parse(lu);
        expect(lu).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(ms).toBeLessThanOrEqual(ANCHOR_MS);
        expect((ANCHOR_MS - ms) % WEEK).toBe(0);
      }
      for (const eob of r.eobs) expect(eob['created']).toBe(eob.meta?.lastUpdated);
    }
  });

  it('gives about 5% of users claims loaded before 2020-02-12, shown with the 2020-01-01 fallback and listed in legacyIds', () => {
    const many = wideSample();
    const legacyUsers = many.filter((r) => r.legacyIds.size > 0);
    expect(legacyUsers.length / many.length).toBeGreaterThan(0.02);
    expect(legacyUsers.length / many.length).toBeLessThan(0.1);
    for (const r of many) {
      const all = [r.patient, ...r.coverages, ...r.eobs];
      for (const res of all) {
        expect(res.meta?.lastUpdated === LEGACY_LAST_UPDATED).toBe(r.legacyIds.has(res.id));
      }
      for (const eob of r.eobs.filter((e) => r.legacyIds.has(e.id))) {
        expect(((eob['billablePeriod'] as Json)['end'] as string) < '2020-02-12').toBe(true);
      }
    }
    expect(legacyUsers.some((r) => r.eobs.some((e) => r.legacyIds.has(e.id)))).toBe(true);
  });
});
