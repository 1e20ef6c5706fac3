/**
 * The dashboard's pages, rendered from plain data (the routes load it). No PHI beyond the BB2
 * patient id, no tokens, no raw resources; every value is escaped by `html`.
 */
import type { FailureGroup } from '../../db/runs.ts';
import {
  ENROLLMENT_STATUSES,
  type AttemptRow,
  type AuditRow,
  type CursorRow,
  type EnrollmentDetail,
  type EnrollmentRow,
  type MembershipRow,
  type QuarantineRow,
  type RequestCountRow,
  type RequestSummary,
  type RunRow,
} from '../../db/dashboard.ts';
import { ERROR_CATEGORIES } from '../../errors.ts';
import { html, type Html } from '../html.ts';
import { runChart } from './chart.ts';
import { daysUntil, formatAge, formatCount, formatDuration, formatPercent, formatTime } from './format.ts';
import { csrfField, pager, sortHeader, statusPill, type Viewer } from './layout.ts';

/** Grants ending within this many days are highlighted. */
export const EXPIRY_WARNING_DAYS = 30;

export type QueueCounts = { name: string; counts: Record<string, number> }[];
export type NextRun = { at: number | undefined; pattern: string | undefined; tz: string | undefined } | null;

export interface OverviewData {
  now: Date;
  runs: RunRow[];
  chartRuns: RunRow[];
  /** null: no scheduler; 'unavailable': Redis did not answer. */
  nextRun: NextRun | 'unavailable';
  statusCounts: Record<string, number>;
  expiring: number;
  queues: QueueCounts | 'unavailable';
  requests: RequestSummary;
  requestRows: RequestCountRow[];
  audit: AuditRow[];
}

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
];

function runLink(runId: string): Html {
  return html`<a href="/runs/${encodeURIComponent(runId)}">${runId}</a>`;
}

function enrollmentLink(id: string): Html {
  return html`<a href="/enrollments/${encodeURIComponent(id)}">${id}</a>`;
}

function metric(label: string, value: Html | string | number, sub?: Html | string): Html {
  return html`<div class="card metric">
    <div class="label">${label}</div>
    <div class="value">${value}</div>
    ${sub ? html`<div class="sub">${sub}</div>` : ''}
  </div>`;
}

/** The finish time, without the date when the run finished the day it started. */
function sameDayTime(started: string, finished: string | null): string {
  const f = formatTime(finished);
  return f.slice(0, 10) === formatTime(started).slice(0, 10) ? f.slice(11) : f;
}

export function runsTable(runs: readonly RunRow[]): Html {
  if (runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th>Run</th>
          <th class="wide-only">Trigger</th>
          <th>Started</th>
          <th class="wide-only">Finished</th>
          <th class="num">Duration</th>
          <th class="num">OK</th>
          <th class="num">Failed</th>
          <th class="num">Skipped</th>
          <th class="num" title="resources changed">Changed</th>
          <th class="num" title="analytics rows written">Rows</th>
          <th class="num" title="resources removed">Removed</th>
          <th class="num" title="requests to Blue Button">Requests</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (r) =>
            html`<tr>
              <td>${runLink(r.run_id)}</td>
              <td class="wide-only">${r.trigger}${r.full_sync ? ' (full)' : ''}</td>
              <td>${formatTime(r.started_at)}</td>
              <td class="wide-only">
                ${r.status === 'finished' ? sameDayTime(r.started_at, r.finished_at) : statusPill(r.status)}
              </td>
              <td class="num">${formatDuration(r.duration_ms)}</td>
              <td class="num">${formatCount(r.enrollments_ok)}</td>
              <td class="num ${r.enrollments_failed > 0 ? 'bad' : ''}">
                ${formatCount(r.enrollments_failed)}
              </td>
              <td class="num">${formatCount(r.enrollments_skipped)}</td>
              <td class="num">${formatCount(r.resources_changed)}</td>
              <td class="num">${formatCount(r.rows_written)}</td>
              <td class="num">${formatCount(r.resources_removed)}</td>
              <td class="num">${formatCount(r.requests)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function overviewPage(d: OverviewData): Html {
  const last = d.runs[0];
  const lastRun = last
    ? metric(
        'Last run',
        last.status === 'finished'
          ? last.enrollments_failed > 0
            ? html`<span class="bad">${last.enrollments_failed} failed</span>`
            : html`<span class="ok">all ok</span>`
          : html`<span class="warn">${last.status}</span>`,
        html`${runLink(last.run_id)} · ${formatAge(last.started_at, d.now)} ago ·
        ${last.enrollments_ok}/${last.enrollments_total} ok`,
      )
    : metric('Last run', '—', 'no run yet');
  const nextRun =
    d.nextRun === 'unavailable'
      ? metric('Next scheduled run', html`<span class="bad">?</span>`, 'Redis is unreachable')
      : d.nextRun?.at
        ? metric(
            'Next scheduled run',
            formatTime(new Date(d.nextRun.at).toISOString()).slice(11),
            html`${formatTime(new Date(d.nextRun.at).toISOString()).slice(0, 10)} · cron
              <code>${d.nextRun.pattern ?? '?'}</code> ${d.nextRun.tz ?? 'UTC'}`,
          )
        : metric('Next scheduled run', '—', 'not scheduled: start a worker (bbsync worker)');
  const totalEnrollments = Object.values(d.statusCounts).reduce((a, b) => a + b, 0);
  const queueTotals =
    d.queues === 'unavailable'
      ? undefined
      : d.queues.reduce(
          (acc, q) => {
            // The runs queue always holds the scheduler's next (delayed) job: not work waiting.
            if (q.name === 'sync') {
              acc.pending +=
                (q.counts.waiting ?? 0) +
                (q.counts.active ?? 0) +
                (q.counts.delayed ?? 0) +
                (q.counts.prioritized ?? 0);
            }
            acc.failed += q.counts.failed ?? 0;
            return acc;
          },
          { pending: 0, failed: 0 },
        );

  return html`<h1>Overview</h1>
    <section class="cards">
      ${lastRun} ${nextRun}
      ${metric(
        'Active enrollments',
        formatCount(d.statusCounts.active ?? 0),
        html`<a href="/enrollments?status=reauth_required"
            >${d.statusCounts.reauth_required ?? 0} need re-consent</a
          >
          · ${d.statusCounts.revoked ?? 0} revoked`,
      )}
      ${metric(
        `Grants ending ≤ ${EXPIRY_WARNING_DAYS} d`,
        html`<span class="${d.expiring > 0 ? 'warn' : ''}">${formatCount(d.expiring)}</span>`,
        html`<a href="/enrollments?expiring=1&sort=expiry&dir=asc">see who</a>`,
      )}
      ${metric(
        'Requests to BB2, 24 h',
        formatCount(d.requests.total),
        html`<span class="${d.requests.serverErrors > 0 ? 'bad' : ''}"
            >${formatPercent(d.requests.serverErrors, d.requests.total)} errors</span
          >
          ·
          <span class="${d.requests.rateLimited > 0 ? 'warn' : ''}"
            >${formatPercent(d.requests.rateLimited, d.requests.total)} 429</span
          >`,
      )}
      ${
        queueTotals
          ? metric(
              'Syncs queued or running',
              formatCount(queueTotals.pending),
              html`<span class="${queueTotals.failed > 0 ? 'bad' : ''}"
                  >${formatCount(queueTotals.failed)} failed jobs</span
                >
                · <a href="/admin/queues">queues</a>`,
            )
          : metric('Syncs queued or running', html`<span class="bad">?</span>`, 'Redis is unreachable')
      }
    </section>

    <h2>Last ${d.chartRuns.length} runs</h2>
    <div class="card">${runChart(d.chartRuns)}</div>

    <h2>Recent runs</h2>
    ${runsTable(d.runs)}
    <p><a href="/runs">All runs →</a></p>

    <div class="split">
      <section>
        <h2>Enrollments by status</h2>
        <div class="table-wrap">
          <table>
            <tbody>
              ${ENROLLMENT_STATUSES.map(
                (s) =>
                  html`<tr>
                    <td><a href="/enrollments?status=${s}">${s}</a></td>
                    <td class="num">${formatCount(d.statusCounts[s] ?? 0)}</td>
                  </tr>`,
              )}
              <tr>
                <td><strong>total</strong></td>
                <td class="num"><strong>${formatCount(totalEnrollments)}</strong></td>
              </tr>
            </tbody>
          </table>
        </div>
      </section>
      <section>
        <h2>Queues now</h2>
        ${
          d.queues === 'unavailable'
            ? html`<div class="notice bad">Redis is unreachable.</div>`
            : html`<div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>State</th>
                      ${d.queues.map((q) => html`<th class="num">${q.name}</th>`)}
                    </tr>
                  </thead>
                  <tbody>
                    ${QUEUE_STATES.map(
                      (state) =>
                        html`<tr>
                          <td>${state}</td>
                          ${(d.queues as QueueCounts).map(
                            (q) =>
                              html`<td
                                class="num ${state === 'failed' && (q.counts[state] ?? 0) > 0 ? 'bad' : ''}"
                              >
                                ${formatCount(q.counts[state] ?? 0)}
                              </td>`,
                          )}
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      </section>
      <section>
        <h2>Requests to Blue Button, last 24 h</h2>
        <div class="table-wrap">
          <table>
            <tbody>
              <tr>
                <td>2xx/3xx</td>
                <td class="num">${formatCount(d.requests.ok)}</td>
              </tr>
              <tr>
                <td>429 (rate limited)</td>
                <td class="num ${d.requests.rateLimited ? 'warn' : ''}">
                  ${formatCount(d.requests.rateLimited)}
                </td>
              </tr>
              <tr>
                <td>other 4xx</td>
                <td class="num">${formatCount(d.requests.clientErrors)}</td>
              </tr>
              <tr>
                <td>5xx or no answer</td>
                <td class="num ${d.requests.serverErrors ? 'bad' : ''}">
                  ${formatCount(d.requests.serverErrors)}
                </td>
              </tr>
              <tr>
                <td><strong>total</strong></td>
                <td class="num"><strong>${formatCount(d.requests.total)}</strong></td>
              </tr>
            </tbody>
          </table>
        </div>
        ${
          d.requestRows.length
            ? html`<details>
                <summary class="muted">By endpoint and status</summary>
                <div class="table-wrap">
                  <table>
                    <tbody>
                      ${d.requestRows.map(
                        (r) =>
                          html`<tr>
                            <td>${r.endpoint}</td>
                            <td>${r.status === 0 ? 'no answer' : r.status}</td>
                            <td class="num">${formatCount(r.count)}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>
              </details>`
            : ''
        }
      </section>
    </div>

    <h2>Recent operator actions</h2>
    ${auditTable(d.audit)}`;
}

function auditTable(rows: readonly AuditRow[]): Html {
  if (rows.length === 0) return html`<p class="muted">None yet.</p>`;
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th>When</th>
          <th>Who</th>
          <th>Action</th>
          <th>Target</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (a) =>
            html`<tr>
              <td>${formatTime(a.at, { seconds: true })}</td>
              <td>${a.actor}</td>
              <td>${a.action}</td>
              <td>
                ${a.target?.startsWith('enr_') ? enrollmentLink(a.target) : a.target?.startsWith('run_') ? runLink(a.target) : (a.target ?? '')}
                ${typeof a.details?.runId === 'string' ? html` → ${runLink(a.details.runId)}` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

// ---- enrollments ------------------------------------------------------------------------------

export interface EnrollmentListData {
  now: Date;
  rows: EnrollmentRow[];
  total: number;
  page: number;
  pageSize: number;
  /** The query as given (validated), for links. */
  query: Record<string, string | undefined>;
  sort: { key: string; dir: 'asc' | 'desc' };
}

function heldText(held: Record<string, number> | null): string {
  if (!held) return '';
  const short: Record<string, string> = { ExplanationOfBenefit: 'EOB', Coverage: 'Cov', Patient: 'Pat' };
  return Object.entries(held)
    .map(([k, v]) => `${short[k] ?? k} ${v}`)
    .join(' · ');
}

function expiryCell(iso: string | null, now: Date): Html {
  const days = daysUntil(iso, now);
  if (days === undefined) return html`<td class="muted">never</td>`;
  const cls = days < 0 ? 'bad' : days <= EXPIRY_WARNING_DAYS ? 'warn' : '';
  return html`<td class="${cls}" title="${days < 0 ? 'ended' : `in ${Math.floor(days)} days`}">
    ${iso!.slice(0, 10)}${days >= 0 && days <= EXPIRY_WARNING_DAYS ? html` <span class="pill warn">${Math.floor(days)} d</span>` : ''}
  </td>`;
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
    <form class="filters" method="get" action="/enrollments">
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
          <option value="1" ${q.expiring === '1' ? 'selected' : ''}>
            within ${EXPIRY_WARNING_DAYS} days
          </option>
        </select>
      </label>
      <label>Enrollment or patient id <input name="id" value="${q.id ?? ''}" size="22" /></label>
      ${q.sort ? html`<input type="hidden" name="sort" value="${q.sort}" />` : ''}
      ${q.dir ? html`<input type="hidden" name="dir" value="${q.dir}" />` : ''}
      <button type="submit">Filter</button>
      ${q.status || q.category || q.expiring || q.id ? html`<a href="/enrollments">Clear</a>` : ''}
    </form>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            ${h('Enrollment', 'enrollment')} ${h('Patient', 'patient', { className: 'wide-only' })}
            ${h('Status', 'status')} ${h('Last success', 'last_success', { firstDir: 'desc' })}
            ${h('Lag', 'lag', { num: true, firstDir: 'desc' })}
            ${h('Failures', 'failures', { num: true, firstDir: 'desc' })} ${h('Last error', 'error')}
            ${h('Grant ends', 'expiry')} ${h('Held', 'held', { num: true, firstDir: 'desc' })}
          </tr>
        </thead>
        <tbody>
          ${
            d.rows.length === 0
              ? html`<tr>
                  <td colspan="9" class="muted">No enrollment matches.</td>
                </tr>`
              : d.rows.map((e) => {
                  const days = daysUntil(e.access_grant_expiration, d.now);
                  const soon =
                    e.status === 'active' && days !== undefined && days >= 0 && days <= EXPIRY_WARNING_DAYS;
                  return html`<tr class="${soon ? 'soon' : ''}">
                    <td>${enrollmentLink(e.enrollment_id)}</td>
                    <td class="wide-only">${e.patient_id}</td>
                    <td>${statusPill(e.status)}</td>
                    <td>${formatTime(e.last_success_at)}</td>
                    <td class="num">${formatAge(e.last_success_at, d.now)}</td>
                    <td class="num ${e.consecutive_failures > 0 ? 'bad' : ''}">${e.consecutive_failures}</td>
                    <td class="error">
                      ${
                        e.last_error_category
                          ? html`<span class="bad">${e.last_error_category}</span>
                              <div class="clip muted" title="${e.last_error_message ?? ''}">
                                ${e.last_error_message ?? ''}
                              </div>`
                          : ''
                      }
                    </td>
                    ${expiryCell(e.access_grant_expiration, d.now)}
                    <td class="num" title="${heldText(e.resources_held)}">${formatCount(e.held_total)}</td>
                  </tr>`;
                })
          }
        </tbody>
      </table>
    </div>
    ${pager(path, q, { page: d.page, pageSize: d.pageSize, total: d.total })}`;
}

export interface EnrollmentPageData {
  now: Date;
  enrollment: EnrollmentDetail;
  attempts: AttemptRow[];
  quarantined: QuarantineRow[];
  cursors: CursorRow[];
  runs: MembershipRow[];
  viewer: Viewer;
}

export function enrollmentPage(d: EnrollmentPageData): Html {
  const e = d.enrollment;
  const days = daysUntil(e.access_grant_expiration, d.now);
  return html`<p class="muted"><a href="/enrollments">← Enrollments</a></p>
    <h1>Enrollment ${e.enrollment_id} ${statusPill(e.status)}</h1>
    <div class="split">
      <div class="card">
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
          <dd>
            ${formatTime(e.last_success_at, { seconds: true })} (lag ${formatAge(e.last_success_at, d.now)})
          </dd>
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
      </div>
      <div class="card">
        <h2 style="margin-top:0">Actions</h2>
        ${
          e.status === 'active'
            ? html`<form
                method="post"
                action="/enrollments/${encodeURIComponent(e.enrollment_id)}/sync"
                class="actions"
              >
                ${csrfField(d.viewer)}
                <button type="submit" name="full" value="0">Sync now</button>
                <button type="submit" name="full" value="1" class="secondary">Full reconcile now</button>
              </form>`
            : html`<p class="muted">
                Only active enrollments can be synced; this one needs the beneficiary to connect again
                (/enroll).
              </p>`
        }
        ${
          e.status !== 'revoked'
            ? html`<p>
                <a
                  class="button outline-bad"
                  href="/enrollments/${encodeURIComponent(e.enrollment_id)}/revoke"
                  >Revoke…</a
                >
              </p>`
            : ''
        }
        <h2>Cursors</h2>
        ${
          d.cursors.length === 0
            ? html`<p class="muted">None yet: the next sync is a full pull.</p>`
            : html`<div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Resource</th>
                      <th>Cursor (_lastUpdated)</th>
                      <th>Walk in progress</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${d.cursors.map(
                      (c) =>
                        html`<tr>
                          <td>${c.resource_type}</td>
                          <td>${c.cursor ?? '—'}</td>
                          <td>
                            ${c.walk_pages_done !== null ? html`${c.walk_pages_done} page(s)${c.walk_full ? ' (full)' : ''}, ${formatTime(c.walk_updated_at)}` : '—'}
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
      </div>
    </div>

    <h2>Recent sync attempts</h2>
    ${
      d.attempts.length === 0
        ? html`<p class="muted">No attempts yet.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Started</th>
                  <th>Run</th>
                  <th>Status</th>
                  <th class="num">Duration</th>
                  <th class="num">Requests</th>
                  <th class="num">Retries</th>
                  <th class="num">Changed</th>
                  <th class="num">Rows</th>
                  <th class="num">Removed</th>
                  <th class="num">Quarantined</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                ${d.attempts.map(
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
                      <td class="error">
                        ${
                          a.error_category
                            ? html`<span class="bad">${a.error_category}</span>
                                <div class="clip muted" title="${a.error_message ?? ''}">
                                  ${a.error_message ?? ''}
                                </div>`
                            : ''
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }

    <h2>Quarantined resources</h2>
    ${
      d.quarantined.length === 0
        ? html`<p class="muted">None.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Type</th>
                  <th>Id</th>
                  <th>Reason</th>
                  <th>First seen</th>
                  <th>Last seen</th>
                  <th class="num">Times</th>
                </tr>
              </thead>
              <tbody>
                ${d.quarantined.map(
                  (r) =>
                    html`<tr>
                      <td>${r.resource_type}</td>
                      <td>${r.resource_id}</td>
                      <td class="wrap">${r.reason}</td>
                      <td>${formatTime(r.first_seen_at)}</td>
                      <td>${formatTime(r.last_seen_at)}</td>
                      <td class="num">${r.occurrences}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }

    <h2>Runs</h2>
    ${
      d.runs.length === 0
        ? html`<p class="muted">Not in any run yet.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Trigger</th>
                  <th>Started</th>
                  <th>Outcome</th>
                  <th>Finished</th>
                </tr>
              </thead>
              <tbody>
                ${d.runs.map(
                  (m) =>
                    html`<tr>
                      <td>${runLink(m.run_id)}</td>
                      <td>${m.trigger}</td>
                      <td>${formatTime(m.started_at)}</td>
                      <td>${m.outcome ? statusPill(m.outcome) : html`<span class="muted">pending</span>`}</td>
                      <td>${formatTime(m.finished_at)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
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

// ---- runs -------------------------------------------------------------------------------------

export function runsPage(d: { runs: RunRow[]; total: number; page: number; pageSize: number }): Html {
  return html`<h1>Runs</h1>
    ${runsTable(d.runs)} ${pager('/runs', {}, { page: d.page, pageSize: d.pageSize, total: d.total })}`;
}

export function runPage(d: { run: RunRow; failures: FailureGroup[]; pending: number; viewer: Viewer }): Html {
  const r = d.run;
  return html`<p class="muted"><a href="/runs">← Runs</a></p>
    <h1>Run ${r.run_id} ${statusPill(r.status)}</h1>
    <section class="cards small">
      ${metric(
        'Trigger',
        html`${r.trigger}${r.full_sync ? ' (full)' : ''}`,
        r.requested_by ?? (r.trigger === 'scheduled' ? 'the nightly schedule' : undefined),
      )}
      ${metric(
        'Started',
        formatTime(r.started_at).slice(11),
        html`${formatTime(r.started_at).slice(0, 10)} ·
        ${r.finished_at ? html`finished ${sameDayTime(r.started_at, r.finished_at)}` : 'running'}`,
      )}
      ${metric('Duration', formatDuration(r.duration_ms))}
      ${metric('Enrollments', formatCount(r.enrollments_total), d.pending > 0 ? `${d.pending} pending` : undefined)}
      ${metric('OK', html`<span class="ok">${formatCount(r.enrollments_ok)}</span>`)}
      ${metric('Failed', html`<span class="${r.enrollments_failed > 0 ? 'bad' : ''}">${formatCount(r.enrollments_failed)}</span>`)}
      ${metric('Skipped', formatCount(r.enrollments_skipped))}
      ${metric('Resources changed', formatCount(r.resources_changed), html`${formatCount(r.resources_removed)} removed`)}
      ${metric('Rows written', formatCount(r.rows_written))}
      ${metric('Requests to BB2', formatCount(r.requests))}
    </section>

    <h2>Failed enrollments by error category</h2>
    ${
      d.failures.length === 0
        ? html`<p class="muted">
            ${r.status === 'finished' ? 'None: every enrollment succeeded or was skipped.' : 'None so far.'}
          </p>`
        : html`<form method="post" action="/runs/${encodeURIComponent(r.run_id)}/retry" class="actions">
              ${csrfField(d.viewer)}
              <button type="submit">Retry the ${r.enrollments_failed} failed enrollment(s)</button>
              <span class="muted">starts a new run of the failed enrollments that are still active</span>
            </form>
            ${d.failures.map(
              (g) =>
                html`<section>
                  <h3><span class="bad">${g.category}</span> · ${g.count} enrollment(s)</h3>
                  <p class="muted">
                    <a href="/enrollments?category=${g.category}"
                      >Every enrollment whose last error is ${g.category} now →</a
                    >
                  </p>
                  <div class="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th>Enrollment</th>
                          <th>Message</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${g.enrollments.map(
                          (e) =>
                            html`<tr>
                              <td>${enrollmentLink(e.enrollment_id)}</td>
                              <td class="wrap muted">${e.message ?? ''}</td>
                            </tr>`,
                        )}
                        ${
                          g.count > g.enrollments.length
                            ? html`<tr>
                                <td colspan="2" class="muted">and ${g.count - g.enrollments.length} more</td>
                              </tr>`
                            : ''
                        }
                      </tbody>
                    </table>
                  </div>
                </section>`,
            )}`
    }`;
}
