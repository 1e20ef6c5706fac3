/**
 * Pieces several dashboard pages share: links to runs and enrollments, metric cards, the runs and
 * audit tables. Every value is escaped by `html`.
 */
import type { AuditRow, RunRow } from '../../db/dashboard.ts';
import { html, type Html } from '../html.ts';
import { daysUntil, formatCount, formatDuration, formatTime } from './format.ts';
import { statusPill } from './layout.ts';

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

export function auditTable(rows: readonly AuditRow[]): Html {
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
