/** Helpers for the emulator data-layer tests: the real fixtures, key paths, code systems, money. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { FhirResource } from '../../src/emulator/data/index.ts';
import { FIXTURES_DIR as FIXTURES_V2, fixturesPresent } from '../helpers/fixtures.ts';

export { FIXTURES_V2 };

export type Json = Record<string, unknown>;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? jsonFiles(path) : path.endsWith('.json') ? [path] : [];
    });
}

export interface FixtureResource {
  readonly file: string;
  readonly resource: FhirResource;
}

/**
 * Every resource in the v2 fixtures (Bundle entries unwrapped), with the file it came from; none
 * when the fixtures are absent (their tests are skipped then).
 */
export function loadFixtureResources(): FixtureResource[] {
  if (!fixturesPresent) return [];
  return jsonFiles(FIXTURES_V2).flatMap((file) => {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const resources =
      doc['resourceType'] === 'Bundle'
        ? ((doc['entry'] as Json[] | undefined) ?? []).map((e) => e['resource'])
        : [doc];
    return resources
      .filter((r): r is FhirResource => typeof r === 'object' && r !== null && 'resourceType' in r)
      .map((resource) => ({ file, resource }));
  });
}

/** `carrier` etc. for EOBs (from the id prefix), else the resourceType. */
export function kindOf(r: FhirResource): string {
  return r.resourceType === 'ExplanationOfBenefit' ? r.id.slice(0, r.id.indexOf('-')) : r.resourceType;
}

/** Key paths with array indexes collapsed, e.g. `item[].adjudication[].category.coding[].system`. */
export function keyPaths(value: unknown, out = new Set<string>(), prefix = ''): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) keyPaths(v, out, `${prefix}[]`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.add(path);
      keyPaths(v, out, path);
    }
  }
  return out;
}

/** Every `system` value anywhere in the value. */
export function codeSystems(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) codeSystems(v, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'system' && typeof v === 'string') out.add(v);
      else codeSystems(v, out);
    }
  }
  return out;
}

/** Every extension `url`, with the year-month suffix of Part D contract URLs normalised. */
export function extensionUrls(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) extensionUrls(v, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'url' && typeof v === 'string') out.add(v.replace(/\/\d+-\d+$/, '/YYYY-M'));
      else extensionUrls(v, out);
    }
  }
  return out;
}

export const VAR = 'https://bluebutton.cms.gov/resources/variables/';
export const ADJ = 'https://bluebutton.cms.gov/resources/codesystem/adjudication';

export function asArray(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

export function codings(concept: unknown): Json[] {
  return typeof concept === 'object' && concept !== null ? asArray((concept as Json)['coding']) : [];
}

/** Cents of a Money value. */
export function cents(money: unknown): number {
  const value = typeof money === 'object' && money !== null ? (money as Json)['value'] : undefined;
  if (typeof value !== 'number') throw new Error(`not a Money: ${JSON.stringify(money)}`);
  return Math.round(value * 100);
}

/** The CCW variable name of an adjudication/total entry (from its adjudication-codesystem coding). */
export function ccwVariable(entry: Json): string | undefined {
  const c = codings(entry['category']).find((x) => x['system'] === ADJ);
  return typeof c?.['code'] === 'string' ? c['code'].replace(VAR, '') : undefined;
}

/** Sum, in cents, of the line adjudications with this CCW variable. */
export function lineSum(eob: FhirResource, variable: string): number {
  let total = 0;
  for (const item of asArray(eob['item'])) {
    for (const adj of asArray(item['adjudication'])) {
      if (ccwVariable(adj) === variable) total += cents(adj['amount']);
    }
  }
  return total;
}

/** A benefitBalance financial amount (cents) or count, by CCW variable. */
export function financial(eob: FhirResource, variable: string): number | undefined {
  for (const bb of asArray(eob['benefitBalance'])) {
    for (const f of asArray(bb['financial'])) {
      const code = codings(f['type'])[0]?.['code'];
      if (code === VAR + variable) {
        return 'usedMoney' in f ? cents(f['usedMoney']) : (f['usedUnsignedInt'] as number);
      }
    }
  }
  return undefined;
}

/** Every Money value in a resource, as `[path, value]`. */
export function moneyValues(value: unknown, prefix = '', out: [string, number][] = []): [string, number][] {
  if (Array.isArray(value)) {
    for (const v of value) moneyValues(v, `${prefix}[]`, out);
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Json;
    if (o['currency'] === 'USD' && typeof o['value'] === 'number') out.push([prefix, o['value']]);
    for (const [k, v] of Object.entries(o)) moneyValues(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}
