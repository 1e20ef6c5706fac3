/** Header facts carried in `supportingInfo[]` and `identifier[]`. */
import { arr, codings, firstCoding, str, variableName, type JsonObject } from '../read.ts';

/**
 * supportingInfo by what it is: the CARIN category code (clmrecvddate, admissionperiod,
 * typeofbill, dayssupply, ...) and, for generic `info` entries, the CMS variable (clm_drg_cd).
 */
export function supportingInfoIndex(resource: JsonObject): Map<string, JsonObject> {
  const index = new Map<string, JsonObject>();
  for (const info of arr(resource.supportingInfo)) {
    for (const c of codings(info.category)) {
      const key = variableName(c.code) ?? c.code;
      if (key && key !== 'info' && !index.has(key)) index.set(key, info);
    }
  }
  return index;
}

export function supportingCode(info: JsonObject | undefined): string | null {
  return firstCoding(info?.code)?.code ?? null;
}

export function identifierValue(resource: JsonObject, system: (s: string) => boolean): string | null {
  const hit = arr(resource.identifier).find((i) => typeof i.system === 'string' && system(i.system));
  return str(hit?.value) ?? null;
}
