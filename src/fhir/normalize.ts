/**
 * The normalizer: one FHIR resource in, the rows it maps to out. Pure: no I/O, no clock, no
 * environment. A resource that cannot be mapped throws a NormalizeError naming it and the reason;
 * a value that had to be dropped becomes a warning and the row still loads.
 */
import { createHash } from 'node:crypto';

import { NormalizeError } from '../errors.ts';
import {
  SUPPORTED_RESOURCE_TYPES,
  type NormalizedResource,
  type SupportedResourceType,
} from '../model/resources.ts';
import { MapContext } from './map-context.ts';
import { mapCoverage } from './coverage.ts';
import { mapExplanationOfBenefit } from './eob.ts';
import { mapPatient } from './patient.ts';
import {
  CREATED_STAND_IN,
  LAST_UPDATED_STAND_IN,
  type ResourceBytes,
  type ResourceText,
} from './raw-text.ts';
import { obj, str, type JsonObject } from './read.ts';
import { mapResourceWith, type MappedResource, type ResourceMappers } from './mapped.ts';
import { apiVersionOf, mapV3Resource, placeholderOf } from './v3/index.ts';
import { instant } from './values.ts';

/**
 * Bumped whenever a change to the mapping changes the rows it produces, so stored raw resources
 * can be re-normalized (`fhir_resources.normalizer_version` records which version wrote them):
 * `bbsync renormalize` rebuilds them from the raw store, and a sync rewrites any it receives.
 * 3: claims.claim_link_key (migration 0015) and the v3 mapping.
 */
export const NORMALIZER_VERSION = 3;

export function isSupportedResourceType(type: unknown): type is SupportedResourceType {
  return (SUPPORTED_RESOURCE_TYPES as readonly unknown[]).includes(type);
}

export function normalizeResource(input: unknown): NormalizedResource {
  return normalize(input, undefined);
}

/**
 * The same, given the resource's text (or bytes) as received and its content hash (from
 * raw-text.ts): they are stored and used as they are, instead of serializing the parsed resource
 * again.
 */
export function normalizeResourceWithText(
  input: unknown,
  raw: ResourceText | ResourceBytes,
): NormalizedResource {
  return normalize(input, raw);
}

function normalize(input: unknown, raw: ResourceText | ResourceBytes | undefined): NormalizedResource {
  const resource = obj(input);
  const resourceType = str(resource?.resourceType) ?? '(unknown type)';
  const resourceId = str(resource?.id) ?? '';
  if (!resource || !isSupportedResourceType(resourceType)) {
    throw new NormalizeError(resourceType, resourceId, 'is not a Patient, Coverage or ExplanationOfBenefit');
  }
  if (!resourceId) throw new NormalizeError(resourceType, resourceId, 'has no id', `${resourceType}.id`);

  const rawLastUpdated = obj(resource.meta)?.lastUpdated;
  const lastUpdated = instant(rawLastUpdated) ?? null;
  const ctx = new MapContext(resourceType, resourceId, lastUpdated);
  if (rawLastUpdated !== undefined && lastUpdated === null) {
    // BFD's golden files hold the literal "IGNORED_FIELD" here. The row loads with an unknown
    // lastUpdated: it is then always accepted (no stale check is possible) and never moves a cursor.
    ctx.warn(`meta.lastUpdated ${JSON.stringify(rawLastUpdated)} is not a timestamp; stored as NULL`);
  }

  const { json, contentHash } = raw ?? serialize(resource);
  if (hasNulEscape(json)) ctx.fail('contains a NUL character, which Postgres cannot store');

  const apiVersion = apiVersionOf(resource);
  const mapped =
    placeholderOf(resource, resourceType, ctx) ??
    (apiVersion === 'v3' ? mapV3Resource(resource, resourceType, ctx) : undefined);
  const { rows, patientId, claimVersion } = mapped ?? mapV2Resource(resource, resourceType, ctx);

  return {
    resourceType,
    resourceId,
    patientId,
    lastUpdated,
    contentHash,
    json,
    rows,
    warnings: ctx.warnings,
    apiVersion,
    ...(claimVersion ? { claimVersion } : {}),
  };
}

const V2_MAPPERS: ResourceMappers = {
  patient: mapPatient,
  coverage: mapCoverage,
  explanationOfBenefit(resource, ctx) {
    const rows = mapExplanationOfBenefit(resource, ctx);
    return { rows, patientId: rows.claims[0]!.patient_id };
  },
};

function mapV2Resource(
  resource: JsonObject,
  resourceType: SupportedResourceType,
  ctx: MapContext,
): MappedResource {
  return mapResourceWith(V2_MAPPERS, resource, resourceType, ctx);
}

const NUL_ESCAPE = Buffer.from('\\u0000', 'latin1');

/** Whether JSON (text or UTF-8 bytes) holds `\u0000`, a NUL that Postgres cannot store. */
function hasNulEscape(json: string | Uint8Array): boolean {
  if (typeof json === 'string') return json.includes('\\u0000');
  return Buffer.from(json.buffer, json.byteOffset, json.byteLength).includes(NUL_ESCAPE);
}

/**
 * Hash of the resource without the fields that change on every response: `created` (BFD sets it
 * to the time it built the response) and `meta.lastUpdated`. Keys keep the order BB2 sent them in;
 * BB2 serializes deterministically, and a reordering would only cost one harmless rewrite.
 */
export function contentHash(resource: JsonObject): string {
  return serialize(resource).contentHash;
}

/**
 * The resource as JSON text and its content hash, from a single serialization (this is the hot
 * path of every sync: serializing twice cost more than the whole mapping). The volatile values are
 * replaced by stand-ins, the text is hashed, then the real values are put back.
 */
function serialize(resource: JsonObject): { json: string; contentHash: string } {
  const meta = obj(resource.meta);
  const hasCreated = 'created' in resource;
  const hasLastUpdated = meta !== undefined && 'lastUpdated' in meta;
  const stable = {
    ...resource,
    ...(hasCreated ? { created: CREATED_STAND_IN } : {}),
    ...(hasLastUpdated ? { meta: { ...meta, lastUpdated: LAST_UPDATED_STAND_IN } } : {}),
  };
  let json = JSON.stringify(stable);
  const contentHash = createHash('sha256').update(json).digest('base64url');
  if (hasCreated)
    json = json.replace(JSON.stringify(CREATED_STAND_IN), () => JSON.stringify(resource.created) ?? 'null');
  if (hasLastUpdated)
    json = json.replace(
      JSON.stringify(LAST_UPDATED_STAND_IN),
      () => JSON.stringify(meta.lastUpdated) ?? 'null',
    );
  return { json, contentHash };
}
