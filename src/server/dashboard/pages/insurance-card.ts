/**
 * The Digital Insurance Card section of an enrollment's page (v3). It shows the plans, their
 * periods and the plan and pharmacy routing numbers; never the name, the MBI or the rx member id
 * (PHI stays off pages: `bbsync insurance-card` prints the whole card to an operator's terminal).
 */
import type { StoredInsuranceCard } from '../../../db/insurance-cards.ts';
import { readInsuranceCard } from '../../../fhir/v3/insurance-card.ts';
import { html, type Html } from '../../html.ts';
import { dataTable } from '../components.ts';
import { formatTime } from '../format.ts';

export function insuranceCardSection(apiVersion: string, stored: StoredInsuranceCard | undefined): Html {
  if (!stored) {
    return apiVersion === 'v3'
      ? html`<h2>Digital Insurance Card</h2>
          <p class="muted">
            None yet: a v3 sync fetches it when the grant includes a Patient and a Coverage read scope.
          </p>`
      : html``;
  }
  const card = readInsuranceCard(stored.card);
  const dash = (v: string | null) => v ?? '—';
  return html`<h2>Digital Insurance Card</h2>
    <p class="muted">
      Fetched ${formatTime(stored.fetched_at)}, changed ${formatTime(stored.changed_at)}. Name and MBI are not
      shown here: <code>bbsync insurance-card ${stored.enrollment_id}</code> prints the whole card.
    </p>
    ${dataTable(
      html`<th>Plan</th>
        <th>Status</th>
        <th>From</th>
        <th>To</th>
        <th>Payer type</th>
        <th>Contract</th>
        <th>PBP</th>
        <th>Rx BIN / PCN / group</th>`,
      card.plans.map(
        (p) =>
          html`<tr>
            <td>${p.plan}</td>
            <td>${dash(p.status)}</td>
            <td>${dash(p.start)}</td>
            <td>${dash(p.end)}</td>
            <td class="wrap">${dash(p.payerType)}</td>
            <td>${dash(p.contractId)}</td>
            <td>${dash(p.planId)}</td>
            <td>
              ${p.rxBin || p.rxPcn || p.rxGroup ? `${dash(p.rxBin)} / ${dash(p.rxPcn)} / ${dash(p.rxGroup)}` : '—'}
            </td>
          </tr>`,
      ),
    )}
    ${card.contacts.length ? html`<p class="muted">Medicare: ${card.contacts.join(' · ')}</p>` : ''}`;
}
