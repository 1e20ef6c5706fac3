/** Header facts carried in `supportingInfo[]` and `identifier[]`. */
import { arr, codingBySystem, firstCoding, obj, str, variableName, type JsonObject } from '../read.ts';

/**
 * supportingInfo by what it is: the CARIN category code (clmrecvddate, admissionperiod,
 * typeofbill, dayssupply, ...) and, for generic `info` entries, the CMS variable (clm_drg_cd).
 */
export function supportingInfoIndex(resource: JsonObject): Map<string, JsonObject> {
  const index = new Map<string, JsonObject>();
  for (const info of arr(resource.supportingInfo)) {
    for (const c of arr(obj(info.category)?.coding)) {
      const code = str(c.code);
      const key = variableName(code) ?? code;
      if (key && key !== 'info' && !index.has(key)) index.set(key, info);
    }
  }
  return index;
}

/** The code of a supportingInfo entry: its coding of `system` when given, else its first. */
export function supportingCode(info: JsonObject | undefined, system?: string): string | null {
  if (!info) return null;
  const coding = system ? codingBySystem(info.code, system) : firstCoding(info.code);
  return coding?.code ?? null;
}

export function identifierValue(resource: JsonObject, system: (s: string) => boolean): string | null {
  const hit = arr(resource.identifier).find((i) => typeof i.system === 'string' && system(i.system));
  return str(hit?.value) ?? null;
}
