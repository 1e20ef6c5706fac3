import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  compareEobIds,
  createFixtureStore,
  type DataStore,
  type FhirResource,
  type PatientRecord,
} from '../../src/emulator/data/index.ts';
import { FIXTURES_V2, asArray, moneyValues, type Json } from './data-helpers.ts';
import { describeWithFixtures } from '../helpers/fixtures.ts';

const ANCHOR = '2026-11-01T04:00:00.000Z';
let store: DataStore;

function record(patientId: string): PatientRecord {
  const r = store.record(patientId);
  if (!r) throw new Error(`no record for ${patientId}`);
  return r;
}

describeWithFixtures('fixture store over the real fixtures (v2)', () => {
  beforeAll(() => {
    store = createFixtureStore({ dir: FIXTURES_V2, now: () => new Date('2027-02-01T00:00:00Z') });
  });

  it('finds the five fixture patients and logs users in by sorted patient id', () => {
    expect(store.userCount).toBe(5);
    const users = Array.from({ length: store.userCount }, (_, i) => store.userByIndex(i));
    expect(users.map((u) => u?.patientId)).toEqual([
      '-10000010254647',
      '-19990000000001',
      '-20140000008325',
      '-20140000010000',
      '567834',
    ]);
    expect(users.map((u) => u?.username)).toEqual([
      'BBUser00000',
      'BBUser00001',
      'BBUser00002',
      'BBUser00003',
      'BBUser00004',
    ]);
    expect(store.userByUsername('BBUser00003')).toEqual({
      username: 'BBUser00003',
      password: 'PW00003!',
      index: 3,
      patientId: '-20140000010000',
    });
    expect(store.userByPatientId('567834')?.index).toBe(4);
    expect(store.userByIndex(5)).toBeUndefined();
    expect(store.userByPatientId('-19990000000002')).toBeUndefined();
  });

  it('serves the 52 EOBs of the six sandbox pages for -19990000000001, with a synthesized Patient', () => {
    const r = record('-19990000000001');
    expect(r.eobs).toHaveLength(52);
    expect(new Set(r.eobs.map((e) => e.id)).size).toBe(52);
    expect(r.patient).toMatchObject({ resourceType: 'Patient', id: '-19990000000001' });
    expect(asArray(r.patient['identifier'])[0]?.['value']).toBe('-19990000000001');
    expect(r.coverages).toHaveLength(0);
  });

  it('serves the sandbox sample bbuser29999: Patient, four Coverages part-a..part-d and the PDE page', () => {
    const r = record('-20140000010000');
    expect(r.patient['name']).toEqual([{ use: 'usual', family: 'Doe', given: ['John', 'X'] }]);
    expect(r.coverages.map((c) => c.id)).toEqual([
      'part-a--20140000010000',
      'part-b--20140000010000',
      'part-c--20140000010000',
      'part-d--20140000010000',
    ]);
    expect(r.eobs).toHaveLength(10);
    expect(r.eobs.every((e) => e.id.startsWith('pde--'))).toBe(true);
  });

  it('serves BFD golden patient 567834 with one EOB of every claim type, deduplicated across the BFD files', () => {
    const r = record('567834');
    const types = new Set(r.eobs.map((e) => e.id.slice(0, e.id.indexOf('-'))));
    expect([...types].sort()).toEqual([
      'carrier',
      'dme',
      'hha',
      'hospice',
      'inpatient',
      'outpatient',
      'pde',
      'snf',
    ]);
    expect(r.eobs.map((e) => e.id)).toEqual([
      'outpatient-1234567890',
      'dme-2188888888',
      'hha-2925555555',
      'inpatient-333333222222',
      'snf-777777777',
      'pde-89',
      'carrier-9991831000',
      'carrier-9991831999',
      'hospice-9992223422',
    ]);
    expect(r.coverages.map((c) => c.id)).toEqual([
      'part-a-567834',
      'part-b-567834',
      'part-c-567834',
      'part-d-567834',
    ]);
  });

  it('replaces every IGNORED_FIELD placeholder with the anchor time', () => {
    for (let i = 0; i < store.userCount; i++) {
      const r = record(store.userByIndex(i)?.patientId as string);
      expect(JSON.stringify(r)).not.toContain('IGNORED_FIELD');
    }
    const golden = record('567834');
    expect(golden.patient.meta?.lastUpdated).toBe(ANCHOR);
    for (const eob of golden.eobs) {
      expect(eob.meta?.lastUpdated).toBe(ANCHOR);
      expect(eob['created']).toBe(ANCHOR);
    }
  });

  it('keeps the EOBs of every patient in BB2 order', () => {
    for (let i = 0; i < store.userCount; i++) {
      const ids = record(store.userByIndex(i)?.patientId as string).eobs.map((e) => e.id);
      expect(ids).toEqual([...ids].sort(compareEobIds));
    }
  });

  it('lists resources stamped with the 2020-01-01 fallback as loaded before 2020-02-12, and keeps both pde-N and pde--N', () => {
    const r = record('-20140000008325');
    const legacy = r.eobs.filter((e) => r.legacyIds.has(e.id));
    expect(legacy.map((e) => e.id).sort()).toEqual([
      'pde--3269834580',
      'pde--4894712975',
      'pde--5764339373',
      'pde--7060841642',
      'pde--930361669',
    ]);
    for (const e of legacy) {
      expect(Date.parse(e.meta?.lastUpdated as string)).toBe(Date.parse('2020-01-01T00:00:00Z'));
    }
    expect(r.eobs.some((e) => e.id === 'pde-3269834580')).toBe(true);
    expect(r.legacyIds.has('pde-3269834580')).toBe(false);
  });

  it('starts at the anchor transaction time (newer than every fixture load)', () => {
    expect(createFixtureStore({ dir: FIXTURES_V2 }).transactionTime()).toBe(ANCHOR);
  });
});

describe('fixture loading rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bb2-fixtures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const eob = (id: string, patient: string, lastUpdated: string, extra: Json = {}): Json => ({
    resourceType: 'ExplanationOfBenefit',
    id,
    meta: { lastUpdated },
    patient: { reference: `Patient/${patient}` },
    identifier: [
      {
        system: 'https://bluebutton.cms.gov/resources/variables/clm_id',
        value: id.slice(id.indexOf('-') + 1),
      },
    ],
    billablePeriod: { start: '2024-01-02', end: '2024-01-04' },
    item: [
      {
        sequence: 1,
        servicedDate: '2024-01-03',
        adjudication: [{ amount: { value: 12.5, currency: 'USD' } }],
      },
    ],
    payment: { amount: { value: 10, currency: 'USD' } },
    ...extra,
  });
  mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
  writeFileSync(
    join(dir, 'a-bundle.json'),
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: eob('carrier--100', '-7', '2024-02-01T00:00:00Z', {
            payment: { amount: { value: 1, currency: 'USD' } },
          }),
        },
        { resource: { resourceType: 'OperationOutcome', id: 'x' } },
        {
          resource: {
            resourceType: 'Coverage',
            id: 'part-b--7',
            meta: { lastUpdated: 'IGNORED_FIELD' },
            beneficiary: { reference: 'Patient/-7' },
          },
        },
        {
          resource: {
            resourceType: 'Coverage',
            id: 'part-a--7',
            meta: { lastUpdated: '2024-01-01T00:00:00Z' },
            beneficiary: { reference: 'Patient/-7' },
          },
        },
      ],
    }),
  );
  // A newer copy of carrier--100 in a nested ndjson file wins; a Bundle on one line works too.
  writeFileSync(
    join(dir, 'nested', 'deeper', 'b.ndjson'),
    [
      JSON.stringify(eob('carrier--100', '-7', '2024-03-01T00:00:00-05:00')),
      '',
      JSON.stringify({
        resourceType: 'Bundle',
        entry: [{ resource: eob('pde--5', '-7', 'IGNORED_FIELD', { created: 'IGNORED_FIELD' }) }],
      }),
      JSON.stringify(eob('outpatient--100', '-7', '2020-01-01T00:00:00.000+00:00')),
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'nested', 'patient.json'),
    JSON.stringify({ resourceType: 'Patient', id: '42', meta: { lastUpdated: '2024-01-01T00:00:00Z' } }),
  );
  writeFileSync(join(dir, 'nested', 'userinfo.json'), JSON.stringify({ sub: '42', patient: '42' }));
  writeFileSync(join(dir, 'notes.txt'), 'not json');
  const fx = createFixtureStore({ dir });

  it('reads .json and .ndjson files recursively, keeping only Patient, Coverage and ExplanationOfBenefit', () => {
    expect(fx.userCount).toBe(2);
    expect(fx.userByIndex(0)?.patientId).toBe('-7');
    expect(fx.userByIndex(1)?.patientId).toBe('42');
    const r = fx.record('-7') as PatientRecord;
    expect(r.eobs.map((e) => e.id)).toEqual(['carrier--100', 'outpatient--100', 'pde--5']);
    expect(r.coverages.map((c) => c.id)).toEqual(['part-a--7', 'part-b--7']);
  });

  it('keeps the copy with the newest meta.lastUpdated when a resource appears twice', () => {
    const r = fx.record('-7') as PatientRecord;
    const carrier = r.eobs.find((e) => e.id === 'carrier--100') as FhirResource;
    expect(carrier.meta?.lastUpdated).toBe('2024-03-01T00:00:00-05:00');
    expect((carrier['payment'] as Json)['amount']).toEqual({ value: 10, currency: 'USD' });
  });

  it('synthesizes a minimal Patient for a patient that only has Coverage or EOBs', () => {
    const r = fx.record('-7') as PatientRecord;
    expect(r.patient.resourceType).toBe('Patient');
    expect(r.patient.id).toBe('-7');
    expect(asArray(r.patient['identifier'])[0]).toMatchObject({
      system: 'https://bluebutton.cms.gov/resources/variables/bene_id',
      value: '-7',
    });
  });

  it('replaces IGNORED_FIELD in lastUpdated and created, and flags fallback-dated resources as legacy', () => {
    const r = fx.record('-7') as PatientRecord;
    const pde = r.eobs.find((e) => e.id === 'pde--5') as FhirResource;
    expect(pde.meta?.lastUpdated).toBe(ANCHOR);
    expect(pde['created']).toBe(ANCHOR);
    expect(r.coverages.find((c) => c.id === 'part-b--7')?.meta?.lastUpdated).toBe(ANCHOR);
    expect([...r.legacyIds]).toEqual(['outpatient--100']);
  });
});

describeWithFixtures('advance() on fixture data', () => {
  let fx: DataStore;
  let before: Map<string, PatientRecord>;
  let result: ReturnType<DataStore['advance']>;
  // Each test reads the same one load, made afresh here (advance() only changes this store).
  beforeEach(() => {
    fx = createFixtureStore({ dir: FIXTURES_V2, now: () => new Date('2027-02-01T00:00:00Z'), seed: 3 });
    before = new Map(
      Array.from({ length: fx.userCount }, (_, i) => fx.userByIndex(i)?.patientId as string).map((pid) => [
        pid,
        fx.record(pid) as PatientRecord,
      ]),
    );
    result = fx.advance({ newClaimsFraction: 1, changedFraction: 0.3, removedFraction: 0.1 });
  });

  it('changes, removes and clones existing claims, and reports exactly those ids', () => {
    expect(result.transactionTime).toBe('2027-02-01T00:00:00.000Z');
    for (const [pid, was] of before) {
      const now = fx.record(pid) as PatientRecord;
      const added = result.added[pid] ?? [];
      const changed = result.changed[pid] ?? [];
      const removed = result.removed[pid] ?? [];
      expect(added.length).toBeGreaterThanOrEqual(1);
      expect(now.version).toBe(was.version + 1);
      const nowIds = new Set(now.eobs.map((e) => e.id));
      const wasById = new Map(was.eobs.map((e) => [e.id, e]));
      for (const id of removed) expect(nowIds.has(id)).toBe(false);
      for (const id of [...added, ...changed]) {
        expect(now.eobs.find((e) => e.id === id)?.meta?.lastUpdated).toBe(result.transactionTime);
      }
      for (const id of added) expect(wasById.has(id)).toBe(false);
      for (const id of changed) {
        const a = moneyValues(wasById.get(id)).map(([, v]) => v);
        const b = moneyValues(now.eobs.find((e) => e.id === id)).map(([, v]) => v);
        if (a.some((v) => v >= 0.5)) expect(b).not.toEqual(a);
      }
      expect(now.eobs).toHaveLength(was.eobs.length - removed.length + added.length);
      expect(now.eobs.map((e) => e.id)).toEqual(now.eobs.map((e) => e.id).sort(compareEobIds));
    }
  });

  it('gives cloned claims a new claim id in the id and identifier, and service dates in the two weeks before the load', () => {
    for (const [pid, added] of Object.entries(result.added)) {
      for (const id of added) {
        const eob = (fx.record(pid) as PatientRecord).eobs.find((e) => e.id === id) as FhirResource;
        const claimId = id.slice(id.indexOf('-') + 1);
        const idSystems = asArray(eob['identifier']).filter((i) =>
          /\/(clm_id|pde_id)$/.test(String(i['system'])),
        );
        for (const ident of idSystems) expect(ident['value']).toBe(claimId);
        const end = (eob['billablePeriod'] as Json | undefined)?.['end'];
        if (typeof end === 'string') {
          expect(end < '2027-02-01').toBe(true);
          expect(end >= '2027-01-18').toBe(true);
        }
      }
    }
  });
});
