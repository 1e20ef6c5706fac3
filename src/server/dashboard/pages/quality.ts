/**
 * `/quality`: the data quality checks of `bbsync quality`. The latest run check by check (failures
 * of structural checks mean a broken data model; logical ones are worth a look), and the history
 * of runs. Only counts and check names: no claim or beneficiary is shown.
 */
import type { QualityRun } from '../../../db/quality.ts';
import { html, type Html } from '../../html.ts';
import { dataTable, metric } from '../components.ts';
import { formatCount, formatTime } from '../format.ts';

export type QualityRunTotals = Omit<QualityRun, 'results'>;

function failureCell(failures: number, kind: string): Html {
  const cls = failures === 0 ? 'ok' : kind === 'structural' ? 'bad' : 'warn';
  return html`<span class="${cls}">${formatCount(failures)}</span>`;
}

function resultsTable(run: QualityRun): Html {
  return dataTable(
    html`<th>Check</th>
      <th>Kind</th>
      <th class="num">Failures</th>
      <th class="num">Checked</th>
      <th class="wide-only">What it counts</th>`,
    run.results.map(
      (r) =>
        html`<tr>
          <td><code>${r.check_name}</code></td>
          <td>${r.kind}</td>
          <td class="num">${failureCell(r.failures, r.kind)}</td>
          <td class="num">${formatCount(r.checked)}</td>
          <td class="wrap muted wide-only">${r.description}</td>
        </tr>`,
    ),
  );
}

function historyTable(runs: readonly QualityRunTotals[]): Html {
  return dataTable(
    html`<th>Run</th>
      <th>Checked at</th>
      <th class="num">Structural failures</th>
      <th class="num">Logical failures</th>`,
    runs.map(
      (r) =>
        html`<tr>
          <td>${r.run_id}</td>
          <td>${formatTime(r.started_at)}</td>
          <td class="num">${failureCell(r.structural_failures, 'structural')}</td>
          <td class="num">${failureCell(r.logical_failures, 'logical')}</td>
        </tr>`,
    ),
  );
}

export function qualityPage(d: { latest: QualityRun | null; history: readonly QualityRunTotals[] }): Html {
  if (!d.latest) {
    return html`<h1>Data quality</h1>
      <p class="muted">
        No quality run yet. Run <code>bbsync quality</code> (for example after the nightly sync); each run is
        kept and shown here.
      </p>`;
  }
  const r = d.latest;
  return html`<h1>Data quality</h1>
    <section class="cards small">
      ${metric('Latest run', String(r.run_id), formatTime(r.started_at))}
      ${metric('Structural failures', failureCell(r.structural_failures, 'structural'), 'should be 0')}
      ${metric('Logical failures', failureCell(r.logical_failures, 'logical'), 'worth a look')}
    </section>

    <h2>Failures by check</h2>
    <p class="muted">
      Over final claim versions. Structural checks find a broken data model; logical checks find claims that
      say something implausible. <code>bbsync quality</code> runs them and adds a run below.
    </p>
    ${resultsTable(r)}

    <h2>History</h2>
    ${historyTable(d.history)}`;
}

/** The overview's line about the latest quality run, linking here. */
export function qualitySummary(latest: QualityRunTotals | undefined): Html {
  if (!latest)
    return html`<p class="muted">
      Data quality: no run yet (<code>bbsync quality</code>). <a href="/quality">Quality →</a>
    </p>`;
  return html`<p>
    Data quality (run ${latest.run_id}, ${formatTime(latest.started_at)}):
    ${failureCell(latest.structural_failures, 'structural')} structural,
    ${failureCell(latest.logical_failures, 'logical')} logical failures. <a href="/quality">Quality →</a>
  </p>`;
}
