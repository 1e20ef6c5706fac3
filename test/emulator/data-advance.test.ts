import { describe, expect, it } from 'vitest';

import {
  compareEobIds,
  createSyntheticStore,
  patientIdForUser,
  type AdvanceResult,
  type DataStore,
  type FhirResource,
  type PatientRecord,
} from '../../src/emulator/data/index.ts';
import { moneyValues, type Json } from './data-helpers.ts';

const DAY = 86_400_000;

function clock(...isoTimes: string[]): () => Date {
  let i = 0;
  return () => new Date(isoTimes[Math.min(i++, isoTimes.length - 1)] as string);
}

function snapshot(store: DataStore, users: number): Map<string, PatientRecord> {
  const out = new Map<string, PatientRecord>();
  for (let i = 0; i < users; i++) {
    const pid = patientIdForUser(i);
    out.set(pid, store.record(pid) as PatientRecord);
  }
  return out;
}

function byId(record: PatientRecord): Map<string, FhirResource> {
  return new Map(record.eobs.map((e) => [e.id, e]));
}

function amounts(eob: FhirResource): number[] {
  return moneyValues(eob).map(([, v]) => v);
}

function ids(groups: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.values(groups).flat();
}

describe('advance(): a simulated weekly BFD load', () => {
  const USERS = 60;
  const store = createSyntheticStore({ users: USERS, seed: 8, now: clock('2027-01-05T10:00:00.123Z') });
  const before = snapshot(store, USERS);
  const result = store.advance({ newClaimsFraction: 0.5, changedFraction: 0.1, removedFraction: 0.05 });
  const after = snapshot(store, USERS);
  const tx = result.transactionTime;

  it('sets the transaction time from the clock, with milliseconds and Z', () => {
    expect(tx).toBe('2027-01-05T10:00:00.123Z');
    expect(store.transactionTime()).toBe(tx);
  });

  it('reports added, changed and removed ids, grouped by patient id', () => {
    expect(ids(result.added).length).toBeGreaterThan(10);
    expect(ids(result.changed).length).toBeGreaterThan(10);
    expect(ids(result.removed).length).toBeGreaterThan(5);
    for (const group of [result.added, result.changed, result.removed]) {
      for (const [pid, list] of Object.entries(group)) {
        expect(before.has(pid)).toBe(true);
        expect(list.length).toBeGreaterThan(0);
      }
    }
  });

  it('makes added claims present, loaded at the new transaction time, with service dates in the two weeks before it', () => {
    const txDay = Math.floor(Date.parse(tx) / DAY);
    for (const [pid, added] of Object.entries(result.added)) {
      expect(added.length).toBeGreaterThanOrEqual(1);
      expect(added.length).toBeLessThanOrEqual(3);
      const now = byId(after.get(pid) as PatientRecord);
      const old = byId(before.get(pid) as PatientRecord);
      for (const id of added) {
        const eob = now.get(id) as FhirResource;
        expect(old.has(id)).toBe(false);
        expect(eob.meta?.lastUpdated).toBe(tx);
        expect(eob['created']).toBe(tx);
        const period = eob['billablePeriod'] as Json;
        const start = Math.floor(Date.parse(period['start'] as string) / DAY);
        const end = Math.floor(Date.parse(period['end'] as string) / DAY);
        expect(start).toBeGreaterThanOrEqual(txDay - 14);
        expect(end).toBeLessThan(txDay);
        expect(id.slice(id.indexOf('-') + 1)).toMatch(/^-\d+$/);
      }
    }
  });

  it('gives changed claims the new lastUpdated and changed amounts, keeping their id', () => {
    for (const [pid, changed] of Object.entries(result.changed)) {
      const now = byId(after.get(pid) as PatientRecord);
      const old = byId(before.get(pid) as PatientRecord);
      for (const id of changed) {
        const was = old.get(id) as FhirResource;
        const is = now.get(id) as FhirResource;
        expect(is.meta?.lastUpdated).toBe(tx);
        expect(was.meta?.lastUpdated).not.toBe(tx);
        expect(amounts(is)).not.toEqual(amounts(was));
        expect(is['billablePeriod']).toEqual(was['billablePeriod']);
        expect((after.get(pid) as PatientRecord).legacyIds.has(id)).toBe(false);
      }
    }
  });

  it('removes removed claims', () => {
    for (const [pid, removed] of Object.entries(result.removed)) {
      const now = byId(after.get(pid) as PatientRecord);
      for (const id of removed) {
        expect((before.get(pid) as PatientRecord).eobs.some((e) => e.id === id)).toBe(true);
        expect(now.has(id)).toBe(false);
        expect((after.get(pid) as PatientRecord).legacyIds.has(id)).toBe(false);
      }
    }
  });

  it('leaves everything else byte-identical, and keeps EOBs in BB2 order', () => {
    const touched = new Set([
      ...ids(result.added),
      ...ids(result.changed),
      ...ids(result.removed),
      ...ids(result.versioned),
      ...ids(result.cancelled),
    ]);
    for (const [pid, rec] of after) {
      const old = byId(before.get(pid) as PatientRecord);
      for (const eob of rec.eobs) {
        if (!touched.has(eob.id)) expect(JSON.stringify(eob)).toBe(JSON.stringify(old.get(eob.id)));
      }
      expect(rec.eobs.map((e) => e.id)).toEqual(rec.eobs.map((e) => e.id).sort(compareEobIds));
      expect(JSON.stringify(rec.patient)).toBe(JSON.stringify((before.get(pid) as PatientRecord).patient));
    }
  });

  it('bumps the version of exactly the patients whose data changed', () => {
    const changedPatients = new Set([
      ...Object.keys(result.added),
      ...Object.keys(result.changed),
      ...Object.keys(result.removed),
      ...Object.keys(result.versioned),
      ...Object.keys(result.cancelled),
    ]);
    expect(changedPatients.size).toBeGreaterThan(0);
    for (const [pid, rec] of after) {
      const was = (before.get(pid) as PatientRecord).version;
      expect(rec.version).toBe(changedPatients.has(pid) ? was + 1 : was);
    }
  });
});

describe('advance() determinism and options', () => {
  function run(readFirst: boolean): AdvanceResult[] {
    const store = createSyntheticStore({ users: 300, seed: 31, now: () => new Date('2026-01-01T00:00:00Z') });
    if (readFirst) for (let i = 0; i < 300; i += 7) store.record(patientIdForUser(i));
    return [
      store.advance({ newClaimsFraction: 0.3, changedFraction: 0.05, removedFraction: 0.02 }),
      store.advance({}),
      store.advance({ changedFraction: 0.5, newClaimsFraction: 0, removedFraction: 0 }),
    ];
  }

  it('gives the same results for the same seed and call sequence, whatever was read before', () => {
    expect(run(false)).toEqual(run(true));
  });

  it('gives the same records after the same loads, byte for byte', () => {
    const make = (): DataStore => {
      const s = createSyntheticStore({ users: 50, seed: 4, now: () => new Date('2027-03-01T00:00:00Z') });
      s.advance({ newClaimsFraction: 0.4, changedFraction: 0.1, removedFraction: 0.05 });
      s.advance({ newClaimsFraction: 0.4, changedFraction: 0.1, removedFraction: 0.05 });
      return s;
    };
    const a = make();
    const b = make();
    for (let i = 0; i < 50; i++) {
      expect(JSON.stringify(b.record(patientIdForUser(i)))).toBe(
        JSON.stringify(a.record(patientIdForUser(i))),
      );
    }
  });

  it('keeps changed records when the cache evicts them', () => {
    const store = createSyntheticStore({
      users: 40,
      seed: 6,
      cacheSize: 3,
      now: () => new Date('2027-03-01T00:00:00Z'),
    });
    const result = store.advance({ newClaimsFraction: 1, changedFraction: 0.2, removedFraction: 0.1 });
    const snap = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      snap.set(patientIdForUser(i), JSON.stringify(store.record(patientIdForUser(i))));
    }
    for (let i = 0; i < 40; i++) {
      const pid = patientIdForUser(i);
      const rec = store.record(pid) as PatientRecord;
      expect(JSON.stringify(rec)).toBe(snap.get(pid));
      for (const id of result.added[pid] ?? []) expect(rec.eobs.some((e) => e.id === id)).toBe(true);
    }
  });

  it('decides each user the same way whether the load covers all users or only some', () => {
    const full = createSyntheticStore({ users: 100, seed: 12, now: () => new Date('2027-02-01T00:00:00Z') });
    const part = createSyntheticStore({ users: 100, seed: 12, now: () => new Date('2027-02-01T00:00:00Z') });
    const options = { newClaimsFraction: 0.5, changedFraction: 0.1, removedFraction: 0.05 };
    const all = full.advance(options);
    const some = part.advance({ ...options, userIndexes: [3, 17, 42, 17] });
    const pick = (g: Readonly<Record<string, readonly string[]>>): Record<string, readonly string[]> =>
      Object.fromEntries(
        Object.entries(g).filter(([pid]) => [3, 17, 42].map(patientIdForUser).includes(pid)),
      );
    expect(some.added).toEqual(pick(all.added));
    expect(some.changed).toEqual(pick(all.changed));
    expect(some.removed).toEqual(pick(all.removed));
    expect(part.record(patientIdForUser(5))?.version).toBe(1);
  });

  it('moves the transaction time forward by at least one second when the clock does not', () => {
    const store = createSyntheticStore({
      users: 5,
      seed: 1,
      now: clock('2020-01-01T00:00:00Z', '2027-06-01T12:00:00.500Z', '2027-06-01T12:00:00.700Z'),
    });
    expect(store.advance({}).transactionTime).toBe('2026-11-01T04:00:01.000Z');
    expect(store.advance({}).transactionTime).toBe('2027-06-01T12:00:00.500Z');
    expect(store.advance({}).transactionTime).toBe('2027-06-01T12:00:01.500Z');
  });

  it('adds new claims to about newClaimsFraction of users, over 10,000 users, without reading them first', () => {
    const store = createSyntheticStore({
      users: 10_000,
      seed: 77,
      now: () => new Date('2027-01-01T00:00:00Z'),
    });
    const result = store.advance({ newClaimsFraction: 0.25, changedFraction: 0, removedFraction: 0 });
    const share = Object.keys(result.added).length / 10_000;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);
    expect(Object.keys(result.changed)).toHaveLength(0);
    const [pid, added] = Object.entries(result.added)[0] as [string, string[]];
    const rec = store.record(pid) as PatientRecord;
    for (const id of added) {
      expect(rec.eobs.find((e) => e.id === id)?.meta?.lastUpdated).toBe(result.transactionTime);
    }
  });

  it('changes and removes about the requested fraction of existing claims', () => {
    const store = createSyntheticStore({ users: 600, seed: 78, now: () => new Date('2027-01-01T00:00:00Z') });
    const total = Array.from(
      { length: 600 },
      (_, i) => (store.record(patientIdForUser(i)) as PatientRecord).eobs.length,
    ).reduce((a, b) => a + b, 0);
    const result = store.advance({ newClaimsFraction: 0, changedFraction: 0.1, removedFraction: 0.05 });
    expect(ids(result.changed).length / total).toBeGreaterThan(0.08);
    expect(ids(result.changed).length / total).toBeLessThan(0.12);
    expect(ids(result.removed).length / total).toBeGreaterThan(0.035);
    expect(ids(result.removed).length / total).toBeLessThan(0.065);
  });

  it('rejects fractions outside 0..1 and unknown user indexes', () => {
    const store = createSyntheticStore({ users: 5, seed: 1 });
    expect(() => store.advance({ newClaimsFraction: 1.5 })).toThrow(RangeError);
    expect(() => store.advance({ changedFraction: -0.1 })).toThrow(RangeError);
    expect(() => store.advance({ removedFraction: Number.NaN })).toThrow(RangeError);
    expect(() => store.advance({ userIndexes: [5] })).toThrow(RangeError);
    expect(store.transactionTime()).toBe('2026-11-01T04:00:00.000Z');
  });

  it('un-lists a legacy claim from legacyIds once a load rewrites it', () => {
    const store = createSyntheticStore({ users: 400, seed: 21, now: () => new Date('2027-01-01T00:00:00Z') });
    const legacyUser = Array.from({ length: 400 }, (_, i) => i).find((i) =>
      (store.record(patientIdForUser(i)) as PatientRecord).eobs.some((e) =>
        (store.record(patientIdForUser(i)) as PatientRecord).legacyIds.has(e.id),
      ),
    );
    expect(legacyUser).toBeDefined();
    const pid = patientIdForUser(legacyUser as number);
    const legacyClaims = (store.record(pid) as PatientRecord).eobs
      .filter((e) => (store.record(pid) as PatientRecord).legacyIds.has(e.id))
      .map((e) => e.id);
    const result = store.advance({
      userIndexes: [legacyUser as number],
      changedFraction: 1,
      removedFraction: 0,
      newClaimsFraction: 0,
    });
    expect(result.changed[pid]).toEqual(expect.arrayContaining(legacyClaims));
    const rec = store.record(pid) as PatientRecord;
    for (const id of legacyClaims) {
      expect(rec.legacyIds.has(id)).toBe(false);
      expect(rec.eobs.find((e) => e.id === id)?.meta?.lastUpdated).toBe(result.transactionTime);
    }
    expect(rec.eobs).toHaveLength((result.changed[pid] ?? []).length);
  });
});

describe('advance(): claim versions (adjustments, cancellations, PDE deletions)', () => {
  const USERS = 40;
  const GROUP = 'https://bluebutton.cms.gov/resources/identifier/claim-group';
  const groupOf = (eob: FhirResource) =>
    ((eob['identifier'] as Json[]).find((i) => i['system'] === GROUP) as Json)['value'];
  const adjustmentCode = (eob: FhirResource) =>
    ((eob['supportingInfo'] as Json[] | undefined) ?? [])
      .filter((si) => JSON.stringify(si['category']).includes('adjstmt_dltn_cd'))
      .map((si) => ((si['code'] as Json)['coding'] as Json[])[0]?.['code']);
  const store = createSyntheticStore({ users: USERS, seed: 21, now: clock('2027-02-01T00:00:00.000Z') });
  const before = snapshot(store, USERS);
  const result = store.advance({
    newClaimsFraction: 0,
    changedFraction: 0,
    removedFraction: 0,
    adjustedFraction: 0.2,
    cancelledFraction: 0.05,
  });
  const after = snapshot(store, USERS);

  it('adds each new version in the claim group of a version it cancels, with the same service dates', () => {
    expect(ids(result.versioned).length).toBeGreaterThan(20);
    for (const [pid, versions] of Object.entries(result.versioned)) {
      const now = byId(after.get(pid) as PatientRecord);
      const old = byId(before.get(pid) as PatientRecord);
      const cancelledNow = (result.cancelled[pid] ?? []).map((id) => now.get(id) as FhirResource);
      for (const id of versions) {
        const version = now.get(id) as FhirResource;
        expect(old.has(id)).toBe(false);
        expect(version['status']).toBe('active');
        const predecessor = cancelledNow.find((c) => groupOf(c) === groupOf(version));
        expect(predecessor?.['status']).toBe('cancelled');
        expect(version['billablePeriod']).toEqual(predecessor?.['billablePeriod']);
        if (id.startsWith('pde-')) expect(['A', 'D']).toContain(adjustmentCode(version)[0]);
      }
    }
  });

  it('turns superseded and cancelled claims cancelled, keeping their id, content and claim group', () => {
    expect(ids(result.cancelled).length).toBeGreaterThan(ids(result.versioned).length);
    for (const [pid, list] of Object.entries(result.cancelled)) {
      const now = byId(after.get(pid) as PatientRecord);
      const old = byId(before.get(pid) as PatientRecord);
      for (const id of list) {
        const was = old.get(id) as FhirResource;
        const is = now.get(id) as FhirResource;
        expect(was['status']).toBe('active');
        expect(is['status']).toBe('cancelled');
        expect(groupOf(is)).toBe(groupOf(was));
        expect(amounts(is)).toEqual(amounts(was));
      }
    }
  });

  it('makes PDE deletions: an active record coded D in the group of a cancelled event', () => {
    const many = createSyntheticStore({ users: 300, seed: 5, now: clock('2027-02-01T00:00:00.000Z') });
    const r = many.advance({
      newClaimsFraction: 0,
      changedFraction: 0,
      removedFraction: 0,
      adjustedFraction: 0.5,
    });
    const codes = Object.entries(r.versioned).flatMap(([pid, list]) => {
      const now = byId(many.record(pid) as PatientRecord);
      return list
        .filter((id) => id.startsWith('pde-'))
        .map((id) => adjustmentCode(now.get(id) as FhirResource)[0]);
    });
    expect(codes).toContain('D');
    expect(codes).toContain('A');
  });

  it('has adjusted and cancelled claims in the initial data too', () => {
    const statuses = [...before.values()].flatMap((r) => r.eobs.map((e) => e['status']));
    expect(statuses.filter((s) => s === 'cancelled').length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 'active').length).toBeGreaterThan(statuses.length * 0.9);
  });
});

describe('a record’s version without its record', () => {
  it('is the version the record carries, for every user, before and after loads that change some of them', () => {
    const store = createSyntheticStore({ users: 12, seed: 5, now: clock('2026-03-01T00:00:00Z') });
    const versions = () =>
      Array.from({ length: 12 }, (_, i) => {
        const pid = patientIdForUser(i);
        return [store.recordVersion(pid), store.record(pid)!.version];
      });
    for (const [fast, built] of versions()) expect(fast).toBe(built);
    // New claims for about a quarter of the users, then for about a quarter again: users at
    // versions 1, 2 and perhaps 3.
    for (let load = 0; load < 2; load++) {
      store.advance({ newClaimsFraction: 0.25, changedFraction: 0, removedFraction: 0, adjustedFraction: 0 });
    }
    const after = versions();
    for (const [fast, built] of after) expect(fast).toBe(built);
    // The loads changed some users and not others: both kinds were checked.
    expect(new Set(after.map(([, built]) => built)).size).toBeGreaterThan(1);
    expect(store.recordVersion('no-such-patient')).toBeUndefined();
  });
});
