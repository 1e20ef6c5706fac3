/**
 * The overview's chart: one column per run (oldest left), its height the run's duration, red when
 * an enrollment failed, with the failed count in a strip below. Inline SVG, no script: every column
 * links to its run and carries a tooltip (<title>). The SVG stretches to the card's width at a fixed
 * height; its labels are HTML around it, so they read the same on a laptop and a phone.
 */
import { html, type Html } from '../html.ts';
import type { RunRow } from '../../db/dashboard.ts';
import { formatDuration, formatTime } from './format.ts';

const W = 300;
const BARS_H = 100;
const GAP = 6;
const FAIL_H = 24;
const H = BARS_H + GAP + FAIL_H;
/** Columns never get wider than a 20th of the chart, so a few runs do not make fat bars. */
const MIN_SLOTS = 20;

export function runChart(runsNewestFirst: readonly RunRow[]): Html {
  const runs = [...runsNewestFirst].reverse();
  if (runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  const maxMs = Math.max(1000, ...runs.map((r) => r.duration_ms ?? 0));
  const maxFailed = Math.max(1, ...runs.map((r) => r.enrollments_failed));
  const slot = W / Math.max(runs.length, MIN_SLOTS);
  const barW = slot * 0.7;
  const failTop = BARS_H + GAP;

  const columns = runs.map((r, i) => {
    const x = (i * slot + (slot - barW) / 2).toFixed(2);
    const running = r.duration_ms === null;
    const h = running ? 2 : Math.max(1.5, (BARS_H * (r.duration_ms ?? 0)) / maxMs);
    const fh = r.enrollments_failed > 0 ? Math.max(2, (FAIL_H * r.enrollments_failed) / maxFailed) : 0;
    const cls = running ? 'bar running' : r.enrollments_failed > 0 ? 'bar failed' : 'bar';
    const tip = `${r.run_id}\n${formatTime(r.started_at)} UTC · ${running ? 'running' : formatDuration(r.duration_ms)}\n${r.enrollments_ok} ok, ${r.enrollments_failed} failed, ${r.enrollments_skipped} skipped`;
    return html`<a href="/runs/${encodeURIComponent(r.run_id)}"
      ><g>
        <title>${tip}</title>
        <rect class="hit" x="${(i * slot).toFixed(2)}" y="0" width="${slot.toFixed(2)}" height="${H}"></rect>
        <rect
          class="${cls}"
          x="${x}"
          y="${(BARS_H - h).toFixed(2)}"
          width="${barW.toFixed(2)}"
          height="${h.toFixed(2)}"
        ></rect>
        ${
          fh > 0
            ? html`<rect
                class="fail"
                x="${x}"
                y="${failTop}"
                width="${barW.toFixed(2)}"
                height="${fh.toFixed(2)}"
              ></rect>`
            : ''
        }
      </g></a
    >`;
  });

  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  return html`<figure class="chart">
    <div class="chart-labels"><span>${formatDuration(maxMs)}</span><span>duration of each run</span></div>
    <svg
      viewBox="0 0 ${W} ${H}"
      preserveAspectRatio="none"
      role="img"
      aria-label="Durations and failed enrollments of the last ${runs.length} runs"
    >
      <line class="gridline" x1="0" y1="0.5" x2="${W}" y2="0.5" vector-effect="non-scaling-stroke"></line>
      <line
        class="axis"
        x1="0"
        y1="${BARS_H}"
        x2="${W}"
        y2="${BARS_H}"
        vector-effect="non-scaling-stroke"
      ></line>
      <line class="axis" x1="0" y1="${H}" x2="${W}" y2="${H}" vector-effect="non-scaling-stroke"></line>
      ${columns}
    </svg>
    <div class="chart-labels">
      <span>${formatTime(first.started_at)}</span
      ><span class="bad">failed enrollments (max ${maxFailed})</span
      ><span>${formatTime(last.started_at)}</span>
    </div>
  </figure>`;
}
