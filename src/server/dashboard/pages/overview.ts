/**
 * The overview page (`/`): the last and next run, enrollments, queues and BB2 request rates at a
 * glance, then the recent runs and operator actions.
 */
import {
  ENROLLMENT_STATUSES,
  type AuditRow,
  type RequestCountRow,
  type RequestSummary,
  type RunRow,
} from '../../../db/dashboard.ts';
import type { RetentionOverview } from '../../../db/revocations.ts';
import { html, type Html } from '../../html.ts';
import { runChart } from '../chart.ts';
import {
  auditTable,
  dataTable,
  EXPIRY_WARNING_DAYS,
  metric,
  runLink,
  runsTable,
  type NextRun,
  type QueueCounts,
} from '../components.ts';
import { formatAge, formatCount, formatPercent, formatTime } from '../format.ts';
import { JOB_STATES } from '../../../workers/queues.ts';
import { qualitySummary, type QualityRunTotals } from './quality.ts';

export interface OverviewData {
  now: Date;
  runs: RunRow[];
  chartRuns: RunRow[];
  /** null: no scheduler; 'unavailable': Redis did not answer. */
  nextRun: NextRun | 'unavailable';
  statusCounts: Record<string, number>;
  expiring: number;
  /** Active enrollments BB2 refuses ExplanationOfBenefit to. */
  eobForbidden: number;
  queues: QueueCounts | 'unavailable';
  requests: RequestSummary;
  requestRows: RequestCountRow[];
  audit: AuditRow[];
  retention: RetentionOverview;
  /** When the janitor runs next; null: no worker scheduled it; 'unavailable': Redis did not answer. */
  nextJanitor: number | null | 'unavailable';
  /** The latest data quality run's totals; undefined before the first run. */
  quality?: QualityRunTotals | undefined;
}

function lastRunCard(d: OverviewData): Html {
  const last = d.runs[0];
  if (!last) return metric('Last run', '—', 'no run yet');
  return metric(
    'Last run',
    last.status === 'finished'
      ? last.enrollments_failed > 0
        ? html`<span class="bad">${last.enrollments_failed} failed</span>`
        : html`<span class="ok">all ok</span>`
      : html`<span class="warn">${last.status}</span>`,
    html`${runLink(last.run_id)} · ${formatAge(last.started_at, d.now)} ago ·
    ${last.enrollments_ok}/${last.enrollments_total} ok`,
  );
}

function nextRunCard(d: OverviewData): Html {
  if (d.nextRun === 'unavailable')
    return metric('Next scheduled run', html`<span class="bad">?</span>`, 'Redis is unreachable');
  if (!d.nextRun?.at)
    return metric('Next scheduled run', '—', 'not scheduled: start a worker (bbsync worker)');
  return metric(
    'Next scheduled run',
    formatTime(new Date(d.nextRun.at).toISOString()).slice(11),
    html`${formatTime(new Date(d.nextRun.at).toISOString()).slice(0, 10)} · cron
      <code>${d.nextRun.pattern ?? '?'}</code> ${d.nextRun.tz ?? 'UTC'}`,
  );
}

function queuesCard(queues: QueueCounts | 'unavailable'): Html {
  if (queues === 'unavailable')
    return metric('Syncs queued or running', html`<span class="bad">?</span>`, 'Redis is unreachable');
  const totals = queues.reduce(
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
  return metric(
    'Syncs queued or running',
    formatCount(totals.pending),
    html`<span class="${totals.failed > 0 ? 'bad' : ''}">${formatCount(totals.failed)} failed jobs</span> ·
      <a href="/admin/queues">queues</a>`,
  );
}

/** Data held for inactive enrollments, what retention will delete, and when the janitor runs. */
function retentionCard(d: OverviewData): Html {
  const r = d.retention;
  const janitor =
    d.nextJanitor === 'unavailable'
      ? html`janitor: <span class="bad">?</span>`
      : d.nextJanitor === null
        ? html`janitor: <span class="warn">not scheduled</span>`
        : html`janitor next ${formatTime(new Date(d.nextJanitor).toISOString()).slice(11)}`;
  const policy =
    r.days > 0
      ? html`<span class="${r.dueNow > 0 ? 'warn' : ''}">${formatCount(r.dueNow)} due</span> (after ${r.days}
          d)`
      : html`retention off`;
  return metric(
    'Inactive, data held',
    formatCount(r.heldInactive),
    html`${policy} · ${formatCount(r.purged)} purged · ${janitor}`,
  );
}

function summaryCards(d: OverviewData): Html {
  return html`<section class="cards">
    ${lastRunCard(d)} ${nextRunCard(d)}
    ${metric(
      'Active enrollments',
      formatCount(d.statusCounts.active ?? 0),
      html`<a href="/enrollments?status=reauth_required"
          >${d.statusCounts.reauth_required ?? 0} need re-consent</a
        >
        ·
        <a href="/enrollments?status=expired" class="${(d.statusCounts.expired ?? 0) > 0 ? 'warn' : ''}"
          >${d.statusCounts.expired ?? 0} grants ended</a
        >
        · ${d.statusCounts.completed ?? 0} one-time done · ${d.statusCounts.revoked ?? 0} revoked ·
        <a href="/enrollments?condition=eob_forbidden" class="${d.eobForbidden > 0 ? 'warn' : ''}"
          >${d.eobForbidden} EOB refused</a
        >`,
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
    ${queuesCard(d.queues)} ${retentionCard(d)}
  </section>`;
}

function statusTable(statusCounts: Record<string, number>): Html {
  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  return html`<section>
    <h2>Enrollments by status</h2>
    <div class="table-wrap">
      <table>
        <tbody>
          ${ENROLLMENT_STATUSES.map(
            (s) =>
              html`<tr>
                <td><a href="/enrollments?status=${s}">${s}</a></td>
                <td class="num">${formatCount(statusCounts[s] ?? 0)}</td>
              </tr>`,
          )}
          <tr>
            <td><strong>total</strong></td>
            <td class="num"><strong>${formatCount(total)}</strong></td>
          </tr>
        </tbody>
      </table>
    </div>
  </section>`;
}

function queueTable(queues: QueueCounts | 'unavailable'): Html {
  if (queues === 'unavailable')
    return html`<section>
      <h2>Queues now</h2>
      <div class="notice bad">Redis is unreachable.</div>
    </section>`;
  return html`<section>
    <h2>Queues now</h2>
    ${dataTable(
      html`<th>State</th>
        ${queues.map((q) => html`<th class="num">${q.name}</th>`)}`,
      JOB_STATES.map(
        (state) =>
          html`<tr>
            <td>${state}</td>
            ${queues.map(
              (q) =>
                html`<td class="num ${state === 'failed' && (q.counts[state] ?? 0) > 0 ? 'bad' : ''}">
                  ${formatCount(q.counts[state] ?? 0)}
                </td>`,
            )}
          </tr>`,
      ),
    )}
  </section>`;
}

function requestRowsDetails(rows: readonly RequestCountRow[]): Html | string {
  if (rows.length === 0) return '';
  return html`<details>
    <summary class="muted">By endpoint and status</summary>
    <div class="table-wrap">
      <table>
        <tbody>
          ${rows.map(
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
  </details>`;
}

function requestsTable(requests: RequestSummary, rows: readonly RequestCountRow[]): Html {
  return html`<section>
    <h2>Requests to Blue Button, last 24 h</h2>
    <div class="table-wrap">
      <table>
        <tbody>
          <tr>
            <td>2xx/3xx</td>
            <td class="num">${formatCount(requests.ok)}</td>
          </tr>
          <tr>
            <td>429 (rate limited)</td>
            <td class="num ${requests.rateLimited ? 'warn' : ''}">${formatCount(requests.rateLimited)}</td>
          </tr>
          <tr>
            <td>other 4xx</td>
            <td class="num">${formatCount(requests.clientErrors)}</td>
          </tr>
          <tr>
            <td>5xx or no answer</td>
            <td class="num ${requests.serverErrors ? 'bad' : ''}">${formatCount(requests.serverErrors)}</td>
          </tr>
          <tr>
            <td><strong>total</strong></td>
            <td class="num"><strong>${formatCount(requests.total)}</strong></td>
          </tr>
        </tbody>
      </table>
    </div>
    ${requestRowsDetails(rows)}
  </section>`;
}

export function overviewPage(d: OverviewData): Html {
  return html`<h1>Overview</h1>
    ${summaryCards(d)}

    <h2>Last ${d.chartRuns.length} runs</h2>
    <div class="card">${runChart(d.chartRuns)}</div>

    <h2>Recent runs</h2>
    ${runsTable(d.runs)}
    <p><a href="/runs">All runs →</a></p>

    <div class="split">
      ${statusTable(d.statusCounts)} ${queueTable(d.queues)} ${requestsTable(d.requests, d.requestRows)}
    </div>

    <h2>Data quality</h2>
    ${qualitySummary(d.quality)}

    <h2>Recent operator actions</h2>
    ${auditTable(d.audit)}`;
}
