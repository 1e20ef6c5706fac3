/**
 * The enrollments list (`/enrollments`): filters, sortable columns and pages, all through
 * allowlists (the route validates the query before it reaches here).
 */
import { ENROLLMENT_STATUSES, type EnrollmentRow } from '../../../db/dashboard.ts';
import { ERROR_CATEGORIES } from '../../../errors.ts';
import { html, type Html } from '../../html.ts';
import {
  dataTable,
  enrollmentLink,
  errorCell,
  EXPIRY_WARNING_DAYS,
  expiryCell,
  heldText,
} from '../components.ts';
import { daysUntil, formatAge, formatCount, formatTime } from '../format.ts';
import { pager, sortHeader, statusPill } from '../layout.ts';

export interface EnrollmentListData {
  now: Date;
  rows: EnrollmentRow[];
  total: number;
  page: number;
  pageSize: number;
  /** The query as given (validated), for links. */
  query: Record<string, string | undefined>;
  sort: { key: string; dir: 'asc' | 'desc' };
  /** Where a beneficiary connects again (this server's /enroll). */
  enrollUrl: string;
}

/** Statuses that wait for the beneficiary to connect again. */
const RECONNECT = new Set(['reauth_required', 'expired', 'completed']);

/** Above a list of enrollments waiting for their beneficiary: where to send them. */
function reconnectNote(status: string | undefined, enrollUrl: string): Html | string {
  if (!status || !RECONNECT.has(status)) return '';
  const why =
    status === 'expired'
      ? 'Their data access grant has ended: nothing is requested from Blue Button for them.'
      : status === 'completed'
        ? 'Their one-time grant was synced once; a one-time application cannot sync them again.'
        : 'Blue Button no longer accepts their grant.';
  return html`<div class="notice warn">
    ${why} Ask them to connect again at <a href="${enrollUrl}">${enrollUrl}</a>; their enrollment then becomes
    active and syncs at once.
  </div>`;
}

function filtersForm(q: Record<string, string | undefined>): Html {
  return html`<form class="filters" method="get" action="/enrollments">
    <label
      >Status
      <select name="status">
        <option value="">any</option>
        ${ENROLLMENT_STATUSES.map((s) => html`<option value="${s}" ${q.status === s ? 'selected' : ''}>${s}</option>`)}
      </select>
    </label>
    <label
      >Last error
      <select name="category">
        <option value="">any or none</option>
        <option value="any" ${q.category === 'any' ? 'selected' : ''}>any error</option>
        ${ERROR_CATEGORIES.map(
          (c) => html`<option value="${c}" ${q.category === c ? 'selected' : ''}>${c}</option>`,
        )}
      </select>
    </label>
    <label
      >Grant ends
      <select name="expiring">
        <option value="">any time</option>
        <option value="1" ${q.expiring === '1' ? 'selected' : ''}>within ${EXPIRY_WARNING_DAYS} days</option>
      </select>
    </label>
    <label
      >Condition
      <select name="condition">
        <option value="">any</option>
        <option value="eob_forbidden" ${q.condition === 'eob_forbidden' ? 'selected' : ''}>
          EOB refused by BB2
        </option>
      </select>
    </label>
    <label>Enrollment or patient id <input name="id" value="${q.id ?? ''}" size="22" /></label>
    ${q.sort ? html`<input type="hidden" name="sort" value="${q.sort}" />` : ''}
    ${q.dir ? html`<input type="hidden" name="dir" value="${q.dir}" />` : ''}
    <button type="submit">Filter</button>
    ${q.status || q.category || q.expiring || q.id || q.condition ? html`<a href="/enrollments">Clear</a>` : ''}
  </form>`;
}

function enrollmentRow(e: EnrollmentRow, now: Date): Html {
  const days = daysUntil(e.access_grant_expiration, now);
  const soon = e.status === 'active' && days !== undefined && days >= 0 && days <= EXPIRY_WARNING_DAYS;
  return html`<tr class="${soon ? 'soon' : ''}">
    <td>${enrollmentLink(e.enrollment_id)}</td>
    <td class="wide-only">${e.patient_id}</td>
    <td>
      ${statusPill(e.status)}
      ${e.eob_forbidden ? html`<span class="pill warn" title="BB2 refuses ExplanationOfBenefit to this token; Patient and Coverage still sync (its page’s Clear EOB-forbidden button, or bbsync clear-eob-forbidden, asks again)">EOB refused</span>` : ''}
    </td>
    <td>${formatTime(e.last_success_at)}</td>
    <td class="num">${formatAge(e.last_success_at, now)}</td>
    <td class="num ${e.consecutive_failures > 0 ? 'bad' : ''}">${e.consecutive_failures}</td>
    ${errorCell(e.last_error_category, e.last_error_message)} ${expiryCell(e.access_grant_expiration, now)}
    <td class="num" title="${heldText(e.resources_held)}">${formatCount(e.held_total)}</td>
  </tr>`;
}

export function enrollmentsPage(d: EnrollmentListData): Html {
  const q = d.query;
  const path = '/enrollments';
  const h = (
    label: string,
    key: string,
    opts: { num?: boolean; firstDir?: 'asc' | 'desc'; className?: string } = {},
  ) => sortHeader(label, key, path, q, d.sort, opts);
  return html`<h1>Enrollments</h1>
    ${filtersForm(q)} ${reconnectNote(q.status, d.enrollUrl)}
    ${dataTable(
      html`${h('Enrollment', 'enrollment')} ${h('Patient', 'patient', { className: 'wide-only' })}
      ${h('Status', 'status')} ${h('Last success', 'last_success', { firstDir: 'desc' })}
      ${h('Lag', 'lag', { num: true, firstDir: 'desc' })}
      ${h('Failures', 'failures', { num: true, firstDir: 'desc' })} ${h('Last error', 'error')}
      ${h('Grant ends', 'expiry')} ${h('Held', 'held', { num: true, firstDir: 'desc' })}`,
      d.rows.length === 0
        ? [
            html`<tr>
              <td colspan="9" class="muted">No enrollment matches.</td>
            </tr>`,
          ]
        : d.rows.map((e) => enrollmentRow(e, d.now)),
    )}
    ${pager(path, q, { page: d.page, pageSize: d.pageSize, total: d.total })}`;
}
