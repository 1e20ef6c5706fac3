/**
 * The README and what it promises a newcomer: nothing outside the repository, and a Node version
 * every installed package supports (`npm ci` prints no EBADENGINE warning).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${ROOT}/README.md`, 'utf8');

type Version = [number, number, number];

/**
 * Whether `version` satisfies an npm `engines.node` range, for the forms the lockfile holds:
 * alternatives joined by `||`, each a space-separated list of `>=`, `>`, `<`, `<=`, `^`, `~` or
 * bare (possibly partial, possibly `x`/`*`) versions.
 */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => holds(version, comparator)),
  );
}

function holds(v: Version, comparator: string): boolean {
  if (comparator === '*' || comparator === 'x') return true;
  const m = /^(>=|<=|>|<|=|\^|~)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
  if (!m) throw new Error(`cannot read the engines comparator "${comparator}"`);
  const op = m[1] ?? '';
  const given = [m[2], m[3], m[4]].map((p) =>
    p === undefined || p === 'x' || p === '*' ? undefined : Number(p),
  );
  const floor = given.map((p) => p ?? 0) as Version;
  const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const samePrefix = given.every((p, i) => p === undefined || p === v[i]);
  switch (op) {
    case '>=':
      return cmp(v, floor) >= 0;
    case '>':
      return cmp(v, floor) > 0 && !samePrefix;
    case '<':
      return cmp(v, floor) < 0;
    case '<=':
      return cmp(v, floor) <= 0 || samePrefix;
    case '^':
      return cmp(v, floor) >= 0 && v[0] === floor[0];
    case '~':
      return cmp(v, floor) >= 0 && v[0] === floor[0] && v[1] === floor[1];
    default:
      return samePrefix;
  }
}

describe('the README', () => {
  it('needs nothing outside the repository before its Development section', () => {
    const forUsers = readme.slice(0, readme.indexOf('## Development'));
    expect(forUsers).not.toMatch(/\.\.\/shared|\.\.\/\.\./);
  });

  it('names a Node version that package.json and every installed package support', () => {
    const stated = /You need Node\.js (\d+)\.(\d+) or newer/.exec(readme);
    expect(stated, 'the quick start names the Node version').not.toBeNull();
    const version: Version = [Number(stated![1]), Number(stated![2]), 0];
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${version[0]}.${version[1]}`);
    const lock = JSON.parse(readFileSync(`${ROOT}/package-lock.json`, 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
    };
    const unsupported = Object.entries(lock.packages)
      .map(([path, p]) => [path, Array.isArray(p.engines) ? undefined : p.engines?.node] as const)
      .filter(([, range]) => range !== undefined && !satisfies(version, range))
      .map(([path, range]) => `${path.replace(/^.*node_modules\//, '')} wants node ${range}`);
    expect(unsupported).toEqual([]);
  });

  it('reads engines ranges as npm does', () => {
    expect(satisfies([20, 19, 0], '>=22')).toBe(false);
    expect(satisfies([20, 19, 0], '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies([20, 19, 0], '>=20.18.1')).toBe(true);
    expect(satisfies([20, 19, 0], '18 || 20 || >=22')).toBe(true);
    expect(satisfies([20, 19, 0], '6.* || 8.* || >= 10.*')).toBe(true);
    expect(satisfies([20, 19, 0], '^18.18.0 || ^20.9.0 || >=21.1.0')).toBe(true);
    expect(satisfies([20, 19, 0], '^20.20.0')).toBe(false);
  });
});
