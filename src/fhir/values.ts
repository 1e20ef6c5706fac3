/**
 * Parsing of the scalar values that go into typed columns. Every value is checked here, so that
 * one bad resource is rejected on its own instead of failing a whole database batch.
 */

/** Postgres numeric(14,2) holds up to 12 integer digits. */
const MAX_MONEY_INTEGER_DIGITS = 12;

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A FHIR decimal (written `60`, `60.0` or `60.25` in BB2 data, sometimes as a string) as an exact
 * decimal string, or undefined when absent. Throws on something that is not a number.
 */
export function decimalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValueError(`${value} is not a finite number`);
    // JSON numbers arrive as doubles; the shortest round-trip text is what the sender wrote.
    text = exponentFree(value);
  } else if (typeof value === 'string' && DECIMAL.test(value.trim())) {
    text = value.trim();
  } else {
    throw new ValueError(`${JSON.stringify(value)} is not a number`);
  }
  return text;
}

/** Money is held as integer cents in a JS number: exact up to 2^53, far beyond numeric(14,2). */
const MAX_MONEY = 10 ** MAX_MONEY_INTEGER_DIGITS;

/**
 * A money amount in integer cents, rounded half away from zero to 2 decimals as numeric(14,2)
 * does, computed from the decimal text so that 0.1 + 0.2 style float errors never enter.
 */
export function moneyCents(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (Math.abs(value) >= MAX_MONEY) throw new ValueError(`${value} is too large for an amount`);
    return value * 100;
  }
  if (typeof value === 'number' && Math.abs(value) < MAX_MONEY) {
    // Most amounts (12.34): when value * 100, rounded, divided by 100 gives back exactly value,
    // value's shortest decimal text (what the exact reading below starts from) has at most two
    // decimals and is that many cents, since below 10^12 two such decimals cannot round to the
    // same double. Anything else (12.345, 1e-7) is read from its text.
    const cents = Math.round(value * 100);
    if (cents / 100 === value) return cents;
  }
  const text = decimalString(value);
  if (text === undefined) return undefined;
  const m = DECIMAL.exec(text);
  if (!m) throw new ValueError(`${text} is not a decimal`);
  const [, sign, whole = '0', fraction = ''] = m;
  if (whole.replace(/^0+/, '').length > MAX_MONEY_INTEGER_DIGITS) {
    throw new ValueError(`${text} is too large for an amount`);
  }
  let cents = Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
  if ((fraction[2] ?? '0') >= '5') cents += 1;
  return sign === '-' && cents !== 0 ? -cents : cents;
}

export function centsToString(cents: number): string {
  const abs = Math.abs(cents);
  const fraction = abs % 100;
  return `${cents < 0 ? '-' : ''}${(abs - fraction) / 100}.${fraction < 10 ? '0' : ''}${fraction}`;
}

export function money(value: unknown): string | undefined {
  const cents = moneyCents(value);
  return cents === undefined ? undefined : centsToString(cents);
}

/** Sums amounts given as cents; undefined when none is present. */
export function sumCents(values: Iterable<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const v of values) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/**
 * A FHIR date or dateTime as the calendar date written in it (`2016-01-16T00:00:00+00:00` ->
 * `2016-01-16`): the claim's date, not converted through any time zone. Undefined when absent or
 * not a real date (the caller decides whether that is a warning).
 */
export function dateOnly(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d] = m;
  const year = Number(y);
  const month = Number(mo);
  const dayOfMonth = Number(d);
  if (year < 1 || month < 1 || month > 12 || dayOfMonth < 1) return undefined;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (dayOfMonth > days) return undefined;
  return `${y}-${mo}-${d}`;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A FHIR instant (with a zone) normalized to ISO-8601 UTC, or undefined when it is not one. */
export function instant(value: unknown): string | undefined {
  if (typeof value !== 'string' || !INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A whole number that fits a Postgres integer. */
export function int32(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > 2_147_483_647) return undefined;
  return n;
}

/** A year such as BB2's `rfrnc_yr` valueDate `"2018"` (or the synthetic `"0003"`). */
export function year(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}$/.test(value)) return undefined;
  return Number(value);
}

export class ValueError extends Error {}

function exponentFree(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // 1e-7 style: expand with enough digits to keep the value; money never needs more than 2.
  return n.toFixed(20).replace(/\.?0+$/, '');
}
