/**
 * The runs list (`/runs`) and one run (`/runs/:id`) with its failures grouped by error category.
 */
import type { RunRow } from '../../../db/dashboard.ts';
import type { FailureGroup } from '../../../db/runs.ts';
import { html, type Html } from '../../html.ts';
import { dataTable, enrollmentLink, metric, runsTable, sameDayTime } from '../components.ts';
import { formatCount, formatDuration, formatTime } from '../format.ts';
import { csrfField, pager, statusPill, type Viewer } from '../layout.ts';

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
    ${planSection(r)}

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
                  ${dataTable(
                    html`<th>Enrollment</th>
                      <th>Message</th>`,
                    [
                      ...g.enrollments.map(
                        (e) =>
                          html`<tr>
                            <td>${enrollmentLink(e.enrollment_id)}</td>
                            <td class="wrap muted">${e.message ?? ''}</td>
                          </tr>`,
                      ),
                      ...(g.count > g.enrollments.length
                        ? [
                            html`<tr>
                              <td colspan="2" class="muted">and ${g.count - g.enrollments.length} more</td>
                            </tr>`,
                          ]
                        : []),
                    ],
                  )}
                </section>`,
            )}`
    }`;
}

/** What each decision means, in the order shown. */
const DECISIONS: readonly [string, string][] = [
  ['requested', 'an operator asked for them'],
  ['first_sync', 'never synced yet'],
  ['new_load', 'BFD loaded data after their cursor'],
  ['reconcile', 'BFD loaded data, and it is their turn for a full reconcile'],
  ['all', 'a run of every active enrollment'],
  ['up_to_date', 'left out: nothing can have changed since their cursor'],
  ['in_run', 'left out: still waiting in an unfinished run'],
];

/** Who the run syncs and why, the BFD load it planned against, and when it should be done. */
function planSection(r: RunRow): Html {
  const decisions = r.decisions ?? {};
  const rows = DECISIONS.filter(([key]) => typeof decisions[key] === 'number');
  const probeFailed = decisions['probe_failed'];
  const forecast = r.status === 'finished' || !r.forecast_finish_at ? undefined : r.forecast_finish_at;
  if (rows.length === 0 && !r.transaction_time && !forecast) return html``;
  return html`<h2>Who this run syncs, and why</h2>
    <p class="muted">
      ${
        r.transaction_time
          ? html`Planned against BFD's load of ${formatTime(r.transaction_time)} (its transaction time).`
          : 'No BFD transaction time: every enrollment named or active was taken.'
      }
      ${typeof probeFailed === 'string' ? html` <span class="bad">The probe failed: ${probeFailed}</span>` : ''}
      ${
        forecast
          ? html` Forecast: done by
            ${formatTime(forecast)}${
              r.forecast_fits === false
                ? html` — <span class="bad">after the next scheduled run</span>`
                : r.forecast_fits
                  ? ', before the next scheduled run'
                  : ''
            }.`
          : ''
      }
    </p>
    ${
      rows.length === 0
        ? ''
        : dataTable(
            html`<th>Decision</th>
              <th>Enrollments</th>
              <th>Meaning</th>`,
            rows.map(
              ([key, meaning]) =>
                html`<tr>
                  <td>${key}</td>
                  <td>${formatCount(Number(decisions[key]))}</td>
                  <td class="muted">${meaning}</td>
                </tr>`,
            ),
          )
    }`;
}
