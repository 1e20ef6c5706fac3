/**
 * Which BB2 API version a resource comes from. v3 resources say so in several places (any one
 * is enough): versioned CARIN BB 2.2.0 / US Core 7.0.0 profiles (v2 profiles carry no version),
 * the C4DIC or PDex prior-authorization profiles, `https://bluebutton.cms.gov/fhir/CodeSystem/*`
 * tags and type codes, or the CLM-CNTL-NUM identifier. None of these occurs in any v2 response
 * (checked against every v2 fixture).
 */
import type { ApiVersion } from '../../model/resources.ts';
import { arr, obj, str, type JsonObject } from '../read.ts';
import { CLAIM_CONTROL_NUMBER_SYSTEM, PDEX_PRIOR_AUTHORIZATION_PROFILE, V3_CODESYSTEM } from './codes.ts';

const V3_PROFILE =
  /\|(2\.2\.0|7\.0\.0)$|\/C4DIC-|^https:\/\/bluebutton\.cms\.gov\/fhir\/StructureDefinition\//;

export function apiVersionOf(resource: JsonObject): ApiVersion {
  const meta = obj(resource.meta);
  if (Array.isArray(meta?.profile)) {
    for (const p of meta.profile) {
      const profile = str(p);
      if (profile && (V3_PROFILE.test(profile) || profile === PDEX_PRIOR_AUTHORIZATION_PROFILE)) return 'v3';
    }
  }
  for (const tag of arr(meta?.tag)) if (str(tag.system)?.startsWith(V3_CODESYSTEM)) return 'v3';
  for (const c of arr(obj(resource.type)?.coding)) if (str(c.system)?.startsWith(V3_CODESYSTEM)) return 'v3';
  for (const id of arr(resource.identifier)) if (id.system === CLAIM_CONTROL_NUMBER_SYSTEM) return 'v3';
  return 'v2';
}
