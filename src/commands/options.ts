/**
 * Parsers for option values (commander's `argParser`), so a value that cannot be meant is refused
 * while the command line is read, before a command opens anything. Each one throws commander's
 * InvalidArgumentError with what is expected; commander names the option and the value.
 */
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

import { KEY_ID_PATTERN, KEY_ID_RULE } from '../config/secrets.ts';

function parseWith<T>(schema: z.ZodType<T>, value: string, expected: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidArgumentError(`expected ${expected}`);
  return result.data;
}

/** A whole number in [min, max], written as digits only ("8", not "8.5", "0x8" or "1e3"). */
export function wholeNumber(min: number, max: number): (value: string) => number {
  const schema = z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
  return (value) => parseWith(schema, value, `a whole number from ${min} to ${max}`);
}

/** A TCP port; 0 asks the system for a free one. */
export const port = wholeNumber(0, 65_535);

/** A key id, by the rule TOKEN_ENCRYPTION_KEY applies (so a printed key is always accepted). */
export function keyId(value: string): string {
  return parseWith(z.string().regex(KEY_ID_PATTERN), value, KEY_ID_RULE);
}

/** A name for a database or a queue prefix: letters, digits, _ and - only. */
export function plainName(value: string): string {
  return parseWith(z.string().regex(/^[A-Za-z0-9_-]{1,63}$/), value, '1-63 letters, digits, _ or -');
}

/** Synthetic user numbers ("0-99", "1,5,10-12"): BBUser00000 to BBUser99999, each once. */
export function userRange(value: string): number[] {
  // Checked before expanding, so "0-99999999" is refused instead of allocating a hundred million numbers.
  const highest = Math.max(-1, ...(value.match(/\d+/g) ?? []).map(Number));
  if (highest > 99_999) {
    throw new InvalidArgumentError(`user numbers go up to 99999 (BBUser99999), not ${highest}`);
  }
  let users: number[];
  try {
    users = parseUserRange(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (users.length === 0) throw new InvalidArgumentError('expected user numbers like 0-99 or 1,5,10-12');
  return [...new Set(users)];
}

/** Parses "0-99", "5", "1,3,10-12" into user numbers. */
function parseUserRange(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a user number or range like 0-99`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`range "${part}" ends before it starts`);
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

/** An enrollment id as bbsync makes them (enr_ and 20 hex digits), so a typo is caught before any lookup. */
export function enrollmentId(value: string): string {
  if (!/^enr_[A-Za-z0-9]{1,64}$/.test(value)) {
    throw new InvalidArgumentError('expected an enrollment id like enr_0123456789abcdef0123');
  }
  return value;
}

/** Collects a repeatable option; used without a default so --help does not print "(default: [])". */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
