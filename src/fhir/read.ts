/**
 * Defensive readers for FHIR JSON. BB2 data comes in four vintages with missing elements, wrong
 * systems and values of unexpected types, so the mappers never trust a shape: they read through
 * these helpers, which return undefined instead of throwing.
 */

export type JsonObject = Record<string, unknown>;

export const CMS_VARIABLES = 'https://bluebutton.cms.gov/resources/variables/';
export const CMS_CODESYSTEM = 'https://bluebutton.cms.gov/resources/codesystem/';

export function obj(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

const EMPTY: JsonObject[] = [];

/** The object elements of an array (the array itself when all are objects, the common case). */
export function arr(value: unknown): JsonObject[] {
  if (!Array.isArray(value)) return EMPTY;
  for (const v of value) {
    if (obj(v) === undefined) return value.filter((x): x is JsonObject => obj(x) !== undefined);
  }
  return value as JsonObject[];
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export interface Coding {
  system: string | undefined;
  code: string | undefined;
  display: string | undefined;
}

/** The codings of a CodeableConcept. */
export function codings(concept: unknown): Coding[] {
  return arr(obj(concept)?.coding).map(toCoding);
}

/** A coding element as read (its system, code and display when they are strings). */
export function toCoding(c: JsonObject): Coding {
  return { system: str(c.system), code: str(c.code), display: str(c.display) };
}

/** The first coding of a concept (or undefined). */
export function firstCoding(concept: unknown): Coding | undefined {
  const first = arr(obj(concept)?.coding)[0];
  return first ? toCoding(first) : undefined;
}

/** The first coding of a concept whose system matches (exactly, or by a predicate). */
export function codingBySystem(
  concept: unknown,
  system: string | ((s: string) => boolean),
): Coding | undefined {
  for (const c of arr(obj(concept)?.coding)) {
    const s = str(c.system);
    if (s !== undefined && (typeof system === 'string' ? s === system : system(s))) return toCoding(c);
  }
  return undefined;
}

/** Strips BB2's variable URL prefix: `https://bluebutton.cms.gov/resources/variables/clm_id` -> `clm_id`. */
export function variableName(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return url.startsWith(CMS_VARIABLES) ? url.slice(CMS_VARIABLES.length) : undefined;
}

/** Finds an extension by its URL (exact) and returns it. */
export function extension(element: unknown, url: string): JsonObject | undefined {
  return arr(obj(element)?.extension).find((e) => e.url === url);
}

/** The `value[x]` of an extension as a code/string: valueCoding.code, valueCode, valueString, valueIdentifier.value, valueDate... */
export function extensionCode(ext: JsonObject | undefined): string | undefined {
  if (!ext) return undefined;
  return (
    str(obj(ext.valueCoding)?.code) ??
    str(ext.valueCode) ??
    str(ext.valueString) ??
    str(obj(ext.valueIdentifier)?.value) ??
    str(ext.valueDate) ??
    str(obj(ext.valueQuantity)?.value)
  );
}

/** `Patient/-19990000000001` -> `-19990000000001`. */
export function referenceId(reference: unknown, type: string): string | undefined {
  const ref = str(obj(reference)?.reference);
  if (!ref) return undefined;
  const prefix = `${type}/`;
  if (!ref.startsWith(prefix)) return undefined;
  const id = ref.slice(prefix.length);
  return id.length > 0 ? id : undefined;
}
