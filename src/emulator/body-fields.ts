/**
 * Reading a control-API JSON body field by field: a key the body may not have is refused with the
 * list of known ones; each known key present is checked by its reader; absent keys stay absent.
 */
import { HttpError } from './http-util.ts';

export function badRequest(detail: string): HttpError {
  return new HttpError(400, { error: 'bad_request', detail });
}

/** Checks one present value (never undefined); throws a 400 naming `key` when it is wrong. */
export type FieldReader<T> = (value: unknown, key: string) => T;

/**
 * The fields of `body` read in the order `readers` lists them (so the result's key order does not
 * follow the client's). `noun` names a field in the refusal: `unknown setting "x"; known: ...`.
 */
export function readFields<T extends object>(
  body: Record<string, unknown>,
  noun: string,
  readers: { readonly [K in keyof T]-?: FieldReader<T[K]> },
): T {
  const known = Object.keys(readers);
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) throw badRequest(`unknown ${noun} "${key}"; known: ${known.join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, read] of Object.entries<FieldReader<unknown>>(readers)) {
    if (body[key] !== undefined) out[key] = read(body[key], key);
  }
  return out as T;
}

export const booleanField: FieldReader<boolean> = (value, key) => {
  if (typeof value !== 'boolean') throw badRequest(`${key} must be true or false`);
  return value;
};

export const fractionField: FieldReader<number> = (value, key) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw badRequest(`${key} must be a number between 0 and 1`);
  }
  return value;
};
