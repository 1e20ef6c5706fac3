/** v3 EOB items -> claim_lines, each with its adjudication entries. */
import type { MapContext } from '../map-context.ts';
import { PROFESSIONAL, type ClaimType } from '../eob/claim-type.ts';
import { arr, codingBySystem, codings, obj, str, type Coding, type JsonObject } from '../read.ts';
import type { ClaimLineRow } from '../../model/analytics-rows.ts';
import { sumCents } from '../values.ts';
import { COMPOUND_SYSTEM, NUBC_REVENUE_SYSTEM, PRODUCT_SYSTEMS, REV_CNTR_SYSTEM } from './codes.ts';
import { amountOf, readMoneyEntries, type V3MoneyEntry } from './money.ts';
import { lineBasics } from '../eob/lines.ts';
import { addAdjudication, newAdjudicationLists, text } from '../eob/money.ts';
import { SequenceReader } from '../eob/sequence.ts';

export interface V3Lines {
  lines: ClaimLineRow[];
  /** Each line's money entries, for the claim-level sums. */
  entries: V3MoneyEntry[][];
}

export function mapV3Lines(
  resource: JsonObject,
  claimType: ClaimType,
  billable: { start: string | null; end: string | null },
  ctx: MapContext,
): V3Lines {
  const out: V3Lines = { lines: [], entries: [] };
  const sequences = new SequenceReader(ctx, { list: 'item', noun: 'line' });
  arr(resource.item).forEach((item, i) => {
    const path = `item[${i}]`;
    const lineNumber = sequences.read(item, i);

    const entries = readMoneyEntries(item.adjudication, ctx, `${path}.adjudication`);
    out.entries.push(entries);
    const adjudications = newAdjudicationLists();
    arr(item.adjudication).forEach((adj, j) => {
      const entry = entries[j]!;
      const reason = codings(adj.reason)[0];
      addAdjudication(
        adjudications,
        entry.generic?.code ?? null,
        entry.generic?.system ?? null,
        entry.idr ?? null,
        text(entry.cents),
        str(obj(adj.amount)?.currency) ?? null,
        reason?.code ?? null,
        reason?.system ?? null,
      );
    });

    const amount = (idrs: string[], generic?: string) => text(amountOf(entries, idrs, generic));
    out.lines.push({
      ...lineBasics(item, path, lineNumber, productOf(item), billable, ctx),
      modifiers: modifierCodes(item),
      revenue_code:
        (codingBySystem(item.revenue, REV_CNTR_SYSTEM) ?? codingBySystem(item.revenue, NUBC_REVENUE_SYSTEM))
          ?.code ?? null,
      place_of_service: codings(item.locationCodeableConcept)[0]?.code ?? null,
      submitted_amount: amount(['CLM_LINE_SBMT_CHRG_AMT', 'TOT_RX_CST_AMT'], 'submitted'),
      allowed_amount: amount(['CLM_LINE_ALOWD_CHRG_AMT']),
      paid_amount: amount(['CLM_LINE_CVRD_PD_AMT'], 'benefit'),
      patient_responsibility_amount: PROFESSIONAL.has(claimType)
        ? text(
            sumCents([
              amountOf(entries, ['CLM_LINE_MDCR_DDCTBL_AMT']),
              amountOf(entries, ['CLM_LINE_MDCR_COINSRNC_AMT']),
            ]),
          )
        : amount(['CLM_LINE_BENE_PMT_AMT']),
      noncovered_amount: amount(['CLM_LINE_NCVRD_CHRG_AMT']),
      rendering_npi: renderingNpi(resource, item),
      last_updated: ctx.lastUpdated,
      ...adjudications,
    });
  });
  return out;
}

/** The line's rendering provider: the careTeam entry its careTeamSequence names with role rendering/performing, else the first named. */
function renderingNpi(resource: JsonObject, item: JsonObject): string | null {
  const named = Array.isArray(item.careTeamSequence) ? item.careTeamSequence : [];
  const members = arr(resource.careTeam).filter((m) => named.includes(m.sequence));
  const rendering =
    members.find((m) => codings(m.role).some((c) => c.code === 'rendering' || c.code === 'performing')) ??
    members[0];
  return str(obj(obj(rendering?.provider)?.identifier)?.value) ?? null;
}

/**
 * The line's product: NDC, then HCPCS, then CPT. A PDE compound (`productOrService` coded
 * `compound`) names its drugs in `detail[]`: the first ingredient's NDC stands for the line.
 */
function productOf(item: JsonObject): Coding | undefined {
  const all = codings(item.productOrService).filter((c) => c.code);
  if (all.some((c) => c.system === COMPOUND_SYSTEM)) {
    const ingredient = arr(item.detail)
      .map((d) => preferred(codings(d.productOrService)))
      .find(Boolean);
    if (ingredient) return ingredient;
  }
  return preferred(all);
}

function preferred(all: Coding[]): Coding | undefined {
  for (const system of PRODUCT_SYSTEMS) {
    const hit = all.find((c) => c.system === system && c.code);
    if (hit) return hit;
  }
  return all.find((c) => c.code);
}

/** v3 packs a line's modifiers as codings of one concept (HCPCS and CPT alike): every code, once. */
function modifierCodes(item: JsonObject): string[] | null {
  const codes: string[] = [];
  for (const m of arr(item.modifier)) {
    for (const c of codings(m)) if (c.code && !codes.includes(c.code)) codes.push(c.code);
  }
  return codes.length ? codes : null;
}
