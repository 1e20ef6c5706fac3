/**
 * One enrollment (`/enrollments/:id`): its facts, actions, cursors, attempts, quarantined
 * resources and runs; and the revoke confirmation page. Quarantined resources are listed by id and
 * reason only, never their content.
 */
import type {
  AttemptRow,
  CursorRow,
  EnrollmentDetail,
  MembershipRow,
  QuarantineRow,
} from '../../../db/dashboard.ts';
import type { StoredInsuranceCard } from '../../../db/insurance-cards.ts';
import { html, type Html } from '../../html.ts';
import { dataTable, errorCell, EXPIRY_WARNING_DAYS, heldText, runLink } from '../components.ts';
import { daysUntil, formatAge, formatCount, formatDuration, formatTime } from '../format.ts';
import { csrfField, statusPill, type Viewer } from '../layout.ts';
import { insuranceCardSection } from './insurance-card.ts';

export interface EnrollmentPageData {
  now: Date;
  enrollment: EnrollmentDetail;
  attempts: AttemptRow[];
  quarantined: QuarantineRow[];
  cursors: CursorRow[];
  runs: MembershipRow[];
  card?: StoredInsuranceCard | undefined;
  viewer: Viewer;
}

function factsCard(e: EnrollmentDetail, now: Date): Html {
  const days = daysUntil(e.access_grant_expiration, now);
  return html`<div class="card">
    <dl class="facts">
      <dt>Patient id</dt>
      <dd>${e.patient_id}</dd>
      <dt>Status</dt>
      <dd>${e.status}${e.revoked_at ? html` since ${formatTime(e.revoked_at)}` : ''}</dd>
      <dt>Enrolled</dt>
      <dd>${formatTime(e.enrolled_at)}</dd>
      <dt>Grant ends</dt>
      <dd class="${days !== undefined && days <= EXPIRY_WARNING_DAYS ? 'warn' : ''}">
        ${e.access_grant_expiration ? html`${formatTime(e.access_grant_expiration)} (${days! < 0 ? 'ended' : `in ${Math.floor(days!)} days`})` : 'never'}
      </dd>
      <dt>Scopes</dt>
      <dd>${e.scope}</dd>
      <dt>Last success</dt>
      <dd>${formatTime(e.last_success_at, { seconds: true })} (lag ${formatAge(e.last_success_at, now)})</dd>
      <dt>Last attempt</dt>
      <dd>${formatTime(e.last_attempt_at, { seconds: true })}</dd>
      <dt>Consecutive failures</dt>
      <dd class="${e.consecutive_failures > 0 ? 'bad' : ''}">${e.consecutive_failures}</dd>
      <dt>Last error</dt>
      <dd>
        ${e.last_error_category ? html`<span class="bad">${e.last_error_category}</span> ${formatTime(e.last_error_at)}<br /><span class="muted">${e.last_error_message ?? ''}</span>` : '—'}
      </dd>
      <dt>Syncs completed</dt>
      <dd>${e.syncs_completed} (last full ${formatTime(e.last_full_sync_at)})</dd>
      <dt>Resources held</dt>
      <dd>
        ${formatCount(e.held_total)}
        ${e.resources_held ? html`<span class="muted">(${heldText(e.resources_held)})</span>` : ''}
      </dd>
      <dt>Rows written by last sync</dt>
      <dd>${formatCount(e.last_rows_written)}</dd>
      <dt>Last token refresh</dt>
      <dd>${formatTime(e.last_refresh_at)}</dd>
    </dl>
  </div>`;
}

function cursorsTable(cursors: readonly CursorRow[]): Html {
  return cursors.length === 0
    ? html`<p class="muted">None yet: the next sync is a full pull.</p>`
    : dataTable(
        html`<th>Resource</th>
          <th>Cursor (_lastUpdated)</th>
          <th>Walk in progress</th>`,
        cursors.map(
          (c) =>
            html`<tr>
              <td>${c.resource_type}</td>
              <td>${c.cursor ?? '—'}</td>
              <td>
                ${c.walk_pages_done !== null ? html`${c.walk_pages_done} page(s)${c.walk_full ? ' (full)' : ''}, ${formatTime(c.walk_updated_at)}` : '—'}
              </td>
            </tr>`,
        ),
      );
}

function actionsCard(e: EnrollmentDetail, viewer: Viewer, cursors: readonly CursorRow[]): Html {
  return html`<div class="card">
    <h2 style="margin-top:0">Actions</h2>
    ${
      e.status === 'active'
        ? html`<form
            method="post"
            action="/enrollments/${encodeURIComponent(e.enrollment_id)}/sync"
            class="actions"
          >
            ${csrfField(viewer)}
            <button type="submit" name="full" value="0">Sync now</button>
            <button type="submit" name="full" value="1" class="secondary">Full reconcile now</button>
          </form>`
        : html`<p class="muted">
            Only active enrollments can be synced; this one needs the beneficiary to connect again (/enroll).
          </p>`
    }
    ${e.eob_forbidden ? clearEobForm(e, viewer) : ''}
    ${
      e.status !== 'revoked'
        ? html`<p>
            <a class="button outline-bad" href="/enrollments/${encodeURIComponent(e.enrollment_id)}/revoke"
              >Revoke…</a
            >
          </p>`
        : ''
    }
    <h2>Cursors</h2>
    ${cursorsTable(cursors)}
  </div>`;
}

/** Blue Button refused ExplanationOfBenefit to this enrollment: the button that asks for it again. */
function clearEobForm(e: EnrollmentDetail, viewer: Viewer): Html {
  return html`<form
    method="post"
    action="/enrollments/${encodeURIComponent(e.enrollment_id)}/clear-eob-forbidden"
    class="actions"
  >
    <p class="muted">
      <span class="pill warn">EOB refused</span> Blue Button answered 403 to ExplanationOfBenefit (a
      Part-D-only application, or no SAMHSA consent), so the sync does not ask for it. Clear it once that
      changed: the next sync asks again.
    </p>
    ${csrfField(viewer)}
    <button type="submit" class="secondary">Clear EOB-forbidden</button>
  </form>`;
}

function attemptsTable(attempts: readonly AttemptRow[]): Html {
  return attempts.length === 0
    ? html`<p class="muted">No attempts yet.</p>`
    : dataTable(
        html`<th>Started</th>
          <th>Run</th>
          <th>Status</th>
          <th class="num">Duration</th>
          <th class="num">Requests</th>
          <th class="num">Retries</th>
          <th class="num">Changed</th>
          <th class="num">Rows</th>
          <th class="num">Removed</th>
          <th class="num">Quarantined</th>
          <th>Error</th>`,
        attempts.map(
          (a) =>
            html`<tr>
              <td>${formatTime(a.started_at, { seconds: true })}</td>
              <td>${a.run_id ? runLink(a.run_id) : '—'}</td>
              <td>${statusPill(a.status)}${a.full_sync ? ' full' : ''}</td>
              <td class="num">${formatDuration(a.duration_ms)}</td>
              <td class="num">${a.requests}</td>
              <td class="num">${a.retries}</td>
              <td class="num">${a.resources_changed}</td>
              <td class="num">${a.rows_written}</td>
              <td class="num">${a.resources_removed}</td>
              <td class="num ${a.resources_quarantined ? 'warn' : ''}">${a.resources_quarantined}</td>
              ${errorCell(a.error_category, a.error_message)}
            </tr>`,
        ),
      );
}

function quarantineTable(quarantined: readonly QuarantineRow[]): Html {
  return quarantined.length === 0
    ? html`<p class="muted">None.</p>`
    : dataTable(
        html`<th>Type</th>
          <th>Id</th>
          <th>Reason</th>
          <th>First seen</th>
          <th>Last seen</th>
          <th class="num">Times</th>`,
        quarantined.map(
          (r) =>
            html`<tr>
              <td>${r.resource_type}</td>
              <td>${r.resource_id}</td>
              <td class="wrap">${r.reason}</td>
              <td>${formatTime(r.first_seen_at)}</td>
              <td>${formatTime(r.last_seen_at)}</td>
              <td class="num">${r.occurrences}</td>
            </tr>`,
        ),
      );
}

function membershipsTable(runs: readonly MembershipRow[]): Html {
  return runs.length === 0
    ? html`<p class="muted">Not in any run yet.</p>`
    : dataTable(
        html`<th>Run</th>
          <th>Trigger</th>
          <th>Started</th>
          <th>Outcome</th>
          <th>Finished</th>`,
        runs.map(
          (m) =>
            html`<tr>
              <td>${runLink(m.run_id)}</td>
              <td>${m.trigger}</td>
              <td>${formatTime(m.started_at)}</td>
              <td>${m.outcome ? statusPill(m.outcome) : html`<span class="muted">pending</span>`}</td>
              <td>${formatTime(m.finished_at)}</td>
            </tr>`,
        ),
      );
}

export function enrollmentPage(d: EnrollmentPageData): Html {
  const e = d.enrollment;
  return html`<p class="muted"><a href="/enrollments">← Enrollments</a></p>
    <h1>Enrollment ${e.enrollment_id} ${statusPill(e.status)}</h1>
    <div class="split">${factsCard(e, d.now)} ${actionsCard(e, d.viewer, d.cursors)}</div>
    ${insuranceCardSection(e.api_version, d.card)}

    <h2>Recent sync attempts</h2>
    ${attemptsTable(d.attempts)}

    <h2>Quarantined resources</h2>
    ${quarantineTable(d.quarantined)}

    <h2>Runs</h2>
    ${membershipsTable(d.runs)}`;
}

export function revokePage(d: {
  enrollment: EnrollmentDetail;
  purgeOnRevoke: boolean;
  viewer: Viewer;
}): Html {
  const e = d.enrollment;
  return html`<p class="muted">
      <a href="/enrollments/${encodeURIComponent(e.enrollment_id)}">← Enrollment ${e.enrollment_id}</a>
    </p>
    <h1>Revoke enrollment ${e.enrollment_id}?</h1>
    <div class="notice warn">
      <p>
        This revokes the beneficiary's grant at Blue Button and deletes the stored tokens at once. It cannot
        be undone: the beneficiary would have to connect again.
      </p>
      <p>
        ${
          d.purgeOnRevoke
            ? html`<strong>PURGE_ON_REVOKE is on:</strong> all of this beneficiary's data (claims, coverages,
                patient, raw and quarantined resources, sync progress) will be deleted too.`
            : html`The claims already loaded are kept (PURGE_ON_REVOKE is off), unless you also ask for them
              to be deleted below.`
        }
      </p>
    </div>
    <form method="post" action="/enrollments/${encodeURIComponent(e.enrollment_id)}/revoke" class="card">
      ${csrfField(d.viewer)}
      <input type="hidden" name="confirm" value="yes" />
      ${
        d.purgeOnRevoke
          ? ''
          : html`<p>
              <label
                ><input type="checkbox" name="purge" value="1" /> Also delete all of this beneficiary's data
                (a deletion request)</label
              >
            </p>`
      }
      <div class="actions">
        <button type="submit" class="danger">Revoke enrollment</button>
        <a href="/enrollments/${encodeURIComponent(e.enrollment_id)}">Cancel</a>
      </div>
    </form>`;
}
