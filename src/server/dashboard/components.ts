/**
 * Pieces several dashboard pages share: links to runs and enrollments, metric cards, tables (the
 * runs and audit tables among them). Every value is escaped by `html`.
 */
import type { DeploymentAlert } from '../../db/alerts.ts';
import type { AuditRow, RunRow } from '../../db/dashboard.ts';
import { html, type Html } from '../html.ts';
import { daysUntil, formatAge, formatCount, formatDuration, formatTime } from './format.ts';
import { csrfField, statusPill, type Viewer } from './layout.ts';

/** Grants ending within this many days are highlighted. */
export const EXPIRY_WARNING_DAYS = 30;

export type QueueCounts = { name: string; counts: Record<string, number> }[];
export type NextRun = { at: number | undefined; pattern: string | undefined; tz: string | undefined } | null;

export function runLink(runId: string): Html {
  return html`<a href="/runs/${encodeURIComponent(runId)}">${runId}</a>`;
}

export function enrollmentLink(id: string): Html {
  return html`<a href="/enrollments/${encodeURIComponent(id)}">${id}</a>`;
}

export function metric(label: string, value: Html | string | number, sub?: Html | string): Html {
  return html`<div class="card metric">
    <div class="label">${label}</div>
    <div class="value">${value}</div>
    ${sub ? html`<div class="sub">${sub}</div>` : ''}
  </div>`;
}

/** The finish time, without the date when the run finished the day it started. */
export function sameDayTime(started: string, finished: string | null): string {
  const f = formatTime(finished);
  return f.slice(0, 10) === formatTime(started).slice(0, 10) ? f.slice(11) : f;
}

/** A table in its scrolling wrapper: the header cells (`<th>`s), then one `<tr>` per row. */
export function dataTable(head: Html, rows: readonly Html[]): Html {
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          ${head}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

export function runsTable(runs: readonly RunRow[]): Html {
  if (runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  return dataTable(
    html`<th>Run</th>
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
      <th class="num" title="requests to Blue Button">Requests</th>`,
    runs.map(
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
          <td class="num ${r.enrollments_failed > 0 ? 'bad' : ''}">${formatCount(r.enrollments_failed)}</td>
          <td class="num">${formatCount(r.enrollments_skipped)}</td>
          <td class="num">${formatCount(r.resources_changed)}</td>
          <td class="num">${formatCount(r.rows_written)}</td>
          <td class="num">${formatCount(r.resources_removed)}</td>
          <td class="num">${formatCount(r.requests)}</td>
        </tr>`,
    ),
  );
}

export function auditTable(rows: readonly AuditRow[]): Html {
  if (rows.length === 0) return html`<p class="muted">None yet.</p>`;
  return dataTable(
    html`<th>When</th>
      <th>Who</th>
      <th>Action</th>
      <th>Target</th>`,
    rows.map(
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
    ),
  );
}

/** The cell of a failure: its category, and its message on one clipped line (whole on hover). */
export function errorCell(category: string | null, message: string | null): Html {
  return html`<td class="error">
    ${
      category
        ? html`<span class="bad">${category}</span>
            <div class="clip muted" title="${message ?? ''}">${message ?? ''}</div>`
        : ''
    }
  </td>`;
}

export function heldText(held: Record<string, number> | null): string {
  if (!held) return '';
  const short: Record<string, string> = { ExplanationOfBenefit: 'EOB', Coverage: 'Cov', Patient: 'Pat' };
  return Object.entries(held)
    .map(([k, v]) => `${short[k] ?? k} ${v}`)
    .join(' · ');
}

export function expiryCell(iso: string | null, now: Date): Html {
  const days = daysUntil(iso, now);
  if (days === undefined) return html`<td class="muted">never</td>`;
  const cls = days < 0 ? 'bad' : days <= EXPIRY_WARNING_DAYS ? 'warn' : '';
  return html`<td class="${cls}" title="${days < 0 ? 'ended' : `in ${Math.floor(days)} days`}">
    ${iso!.slice(0, 10)}${days >= 0 && days <= EXPIRY_WARNING_DAYS ? html` <span class="pill warn">${Math.floor(days)} d</span>` : ''}
  </td>`;
}

/**
 * The banner every dashboard page shows while the deployment has an open alert (today: Blue
 * Button says the application is inactive, syncs paused), with the button that resumes them.
 */
export function alertBanner(
  alerts: readonly DeploymentAlert[],
  o: { viewer: Viewer; now: Date; probeEveryMs: number },
): Html | undefined {
  const alert = alerts.find((a) => a.condition === 'app_inactive');
  if (!alert) return undefined;
  const minutes = Math.max(1, Math.round(o.probeEveryMs / 60_000));
  return html`<div class="notice bad alert-banner" role="alert">
    <p>
      <strong>Syncs are paused:</strong> Blue Button says this application is inactive, since
      ${formatTime(alert.since)} (${formatAge(alert.since, o.now)} ago). No sync runs and none fails; they
      wait in the queue. Blue Button's answer: <q>${alert.answer}</q>
    </p>
    <p class="muted">
      A worker asks Blue Button again about every ${minutes} min${minutes === 1 ? '' : 's'}
      (APP_INACTIVE_PROBE_MS)${
        alert.last_probe_at
          ? html`; last at ${formatTime(alert.last_probe_at)}: ${alert.last_probe_answer ?? 'no answer yet'}`
          : ''
      }.
      Syncs resume by themselves when it accepts the application again.
    </p>
    <form class="inline" method="post" action="/alerts/app-inactive/resume">
      ${csrfField(o.viewer)}<button type="submit">Resume syncs now</button>
    </form>
  </div>`;
}
