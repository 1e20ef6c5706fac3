/** The parties of a claim: billing provider, care team, and the coverage it was paid under. */
import type { MapContext } from '../map-context.ts';
import { arr, CMS_VARIABLES, firstCoding, obj, referenceId, str, type JsonObject } from '../read.ts';
import type { ClaimCareTeamRow } from '../../model/analytics-rows.ts';
import { int32 } from '../values.ts';
import type { Lineage } from './money.ts';
import { SequenceReader } from './sequence.ts';

const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

/**
 * The billing provider: carrier names its NPI with `carr_clm_blg_npi_num`, DME and PDE with
 * us-npi (2022 sandbox PDEs use `prvdr_num`, which is not an NPI), institutional claims point to a
 * contained Organization carrying the NPI, the CCN (PRN) and the name.
 */
export function providerOf(resource: JsonObject): { npi?: string; ccn?: string; name?: string } {
  const provider = obj(resource.provider);
  const reference = str(provider?.reference);
  if (reference?.startsWith('#')) {
    const org = arr(resource.contained).find((c) => c.id === reference.slice(1));
    if (!org) return {};
    let npi: string | undefined;
    let ccn: string | undefined;
    for (const id of arr(org.identifier)) {
      const type = firstCoding(id.type)?.code;
      if (id.system === NPI_SYSTEM || type === 'npi') npi ??= str(id.value);
      else if (type === 'PRN') ccn ??= str(id.value);
    }
    return { npi, ccn, name: str(org.name) };
  }
  const identifier = obj(provider?.identifier);
  const system = str(identifier?.system);
  const npi =
    system === NPI_SYSTEM || system === `${CMS_VARIABLES}carr_clm_blg_npi_num`
      ? str(identifier?.value)
      : undefined;
  return { npi, name: str(provider?.display) };
}

/** The coverage the claim was paid under (the focal insurance first) and its Medicare part. */
export function coverageOf(resource: JsonObject): { coverageId: string | null; part: string | null } {
  const coverageId = arr(resource.insurance)
    .map((ins) => ({ focal: ins.focal === true, id: referenceId(ins.coverage, 'Coverage') }))
    .sort((a, b) => Number(b.focal) - Number(a.focal))[0]?.id;
  if (!coverageId) return { coverageId: null, part: null };
  return {
    coverageId,
    part: /^(?:c4dic-)?part-([a-d])-/.exec(coverageId)?.[1]?.toUpperCase() ?? null,
  };
}

/** v2 names the kind of a member's identifier by its type code (`npi`), else by the us-npi system. */
function v2IdentifierType(identifier: JsonObject | undefined): string | null {
  return firstCoding(identifier?.type)?.code ?? (identifier?.system === NPI_SYSTEM ? 'npi' : null);
}

/**
 * The care team. `identifierType` names the kind of a member's identifier, which v2 and v3 write
 * differently (v3: ../v3/eob-parts.ts).
 */
export function mapCareTeam(
  resource: JsonObject,
  lineage: Lineage,
  ctx: MapContext,
  identifierType: (identifier: JsonObject | undefined) => string | null = v2IdentifierType,
): ClaimCareTeamRow[] {
  const sequences = new SequenceReader(ctx, { list: 'careTeam', noun: 'careTeam', orPosition: true });
  const members = arr(resource.careTeam);
  const rows: ClaimCareTeamRow[] = [];
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    const provider = obj(member.provider);
    const identifier = obj(provider?.identifier);
    rows.push({
      claim_id: lineage.claim_id,
      last_updated: lineage.last_updated,
      sequence: sequences.read(member, i),
      role: firstCoding(member.role)?.code ?? null,
      provider_id: str(identifier?.value) ?? null,
      provider_id_type: identifierType(identifier),
      provider_name: str(provider?.display) ?? null,
      qualification_code: firstCoding(member.qualification)?.code ?? null,
    });
  }
  return rows;
}

/** careTeam roles that name who rendered a line (CARIN C4BBClaimCareTeamRole performing). */
const RENDERING_ROLES = new Set(['performing', 'rendering']);

/**
 * A line's rendering provider: of the careTeam entries its careTeamSequence names, the one with
 * a performing role, else the first one named. The careTeam is read once per claim. (A class, not
 * a closure made per claim: see SequenceReader in sequence.ts.)
 */
export class RenderingProviders {
  readonly #team = new Map<number, { role: string | undefined; id: string | undefined }>();

  constructor(resource: JsonObject) {
    const members = arr(resource.careTeam);
    for (let i = 0; i < members.length; i++) {
      const member = members[i]!;
      const sequence = int32(member.sequence) ?? i + 1;
      if (this.#team.has(sequence)) continue;
      this.#team.set(sequence, {
        role: firstCoding(member.role)?.code,
        id: str(obj(obj(member.provider)?.identifier)?.value),
      });
    }
  }

  of(item: JsonObject): string | null {
    const named = Array.isArray(item.careTeamSequence) ? item.careTeamSequence : [];
    let first: string | undefined;
    for (const value of named) {
      const member = this.#team.get(int32(value) ?? Number.NaN);
      if (!member) continue;
      if (member.role && RENDERING_ROLES.has(member.role)) return member.id ?? null;
      first ??= member.id;
    }
    return first ?? null;
  }
}
