/**
 * The Digital Insurance Card reader against BB2's real cards (../shared/fixtures/bb2/v3), each
 * value checked against the raw JSON read here; and the dashboard section that shows it without
 * the name or the MBI.
 */
import { describe, expect, it } from 'vitest';

import { Bb2Error } from '../../src/errors.ts';
import { parseInsuranceCard, readInsuranceCard } from '../../src/fhir/v3/insurance-card.ts';
import { insuranceCardSection } from '../../src/server/dashboard/pages/insurance-card.ts';
import { formatCard } from '../../src/commands/insurance-card.ts';
import { haveV3Fixtures, readV3Fixture } from '../helpers/v3-fixtures.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CARDS = ['insurance-card-bundle.json', 'insurance-card-bundle-part-a.json'];

describe.skipIf(!haveV3Fixtures)('a Digital Insurance Card from BB2 (fixtures)', () => {
  for (const file of CARDS) {
    it(`reads every plan of ${file} as the raw Coverages say`, () => {
      const raw = readV3Fixture(file);
      const received = parseInsuranceCard(JSON.stringify(raw), '/v3/fhir/Patient/$generate-insurance-card');
      const coverages = (raw.entry as Json[]).filter((e) => e.resource.resourceType === 'Coverage');
      expect(received.card.plans).toHaveLength(coverages.length);
      for (const [i, entry] of coverages.entries()) {
        const c = entry.resource;
        const cls = (code: string) =>
          (c.class as Json[]).find((k) => k.type.coding[0].code === code)?.value ?? null;
        expect(received.card.plans[i]).toMatchObject({
          plan: cls('plan'),
          status: c.status,
          start: c.period?.start ?? null,
          end: c.period?.end ?? null,
          payerType: c.type.coding[0].display,
          subscriberId: c.subscriberId,
          rxBin: cls('rxbin'),
          rxPcn: cls('rxpcn'),
          rxGroup: cls('rxgroup'),
          rxId: cls('rxid'),
        });
        const m = /^urn:uuid:part-[cd]-\d+-(.+)-(.+)$/.exec(entry.fullUrl);
        expect(received.card.plans[i]!.contractId).toBe(m?.[1] ?? null);
      }
      const patient = (raw.entry as Json[]).find((e) => e.resource.resourceType === 'Patient')!.resource;
      expect(received.card.name).toBe([...patient.name[0].given, patient.name[0].family].join(' '));
      const org = (raw.entry as Json[]).find((e) => e.resource.resourceType === 'Organization')!.resource;
      expect(received.card.contacts).toEqual(org.contact[0].telecom.map((t: Json) => t.value));
    });
  }

  it('hashes a card the same whatever its meta.lastUpdated says', () => {
    const raw = readV3Fixture('insurance-card-bundle.json');
    const a = parseInsuranceCard(JSON.stringify(raw), 'x');
    const b = parseInsuranceCard(
      JSON.stringify({ ...raw, meta: { lastUpdated: '2026-11-30T00:00:00Z' } }),
      'x',
    );
    const c = parseInsuranceCard(JSON.stringify({ ...raw, entry: raw.entry.slice(1) }), 'x');
    expect(b.contentHash).toBe(a.contentHash);
    expect(c.contentHash).not.toBe(a.contentHash);
  });

  it('shows plans, periods and plan numbers on the dashboard, never the name, the MBI or the rx id', () => {
    const raw = readV3Fixture('insurance-card-bundle.json');
    const card = readInsuranceCard(raw);
    const page = String(
      insuranceCardSection('v3', {
        patient_id: '-1',
        enrollment_id: 'e-1',
        card: raw,
        plans: card.plans.map((p) => p.plan),
        fetched_at: '2026-11-30T10:00:00Z',
        changed_at: '2026-11-30T10:00:00Z',
      }),
    );
    for (const p of card.plans) expect(page).toContain(p.plan.replace('/', '&#x2F;').split('&')[0]!);
    expect(page).toContain('H1234');
    const mbi = card.plans[0]!.subscriberId!;
    const rxId = card.plans.find((p) => p.rxId)!.rxId!;
    for (const secret of [mbi, rxId, card.name!, ...card.name!.split(' ')])
      expect(page).not.toContain(secret);
    // The terminal command prints them.
    const printed = formatCard(card, '2026-11-30T10:00:00Z');
    expect(printed).toContain(mbi);
    expect(printed).toContain(card.name!);
  });
});

describe('a body that is not a Digital Insurance Card', () => {
  it('is a malformed response, whatever it is', () => {
    for (const text of [
      '{',
      '[]',
      '{"resourceType":"Bundle","type":"searchset"}',
      '{"resourceType":"Patient"}',
    ]) {
      expect(() => parseInsuranceCard(text, '/v3/fhir/Patient/$generate-insurance-card')).toThrow(Bb2Error);
    }
  });

  it('reads odd entries as missing values instead of failing', () => {
    const card = readInsuranceCard({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [null, 7, { resource: { resourceType: 'Coverage', class: 'x', period: [] } }],
    });
    expect(card.plans).toEqual([
      expect.objectContaining({ plan: 'unknown', start: null, subscriberId: null }),
    ]);
    expect(card.name).toBeNull();
  });
});
