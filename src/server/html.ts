/**
 * Server-rendered pages: plain HTML and one small stylesheet, readable on a laptop and a phone,
 * no JavaScript. Every interpolated value goes through `escapeHtml`.
 */

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A tagged template that escapes every interpolation unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

export const STYLE = `
:root { color-scheme: light; --fg:#1b1f24; --muted:#5a6270; --line:#d9dde3; --accent:#1f5fbf; --bad:#b42318; --warn:#b54708; --ok:#067647; --bg:#f7f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.top { background: #fff; border-bottom: 1px solid var(--line); padding: .6rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header.top a { color: var(--fg); text-decoration: none; }
header.top .brand { font-weight: 600; }
header.top nav { display: flex; gap: .9rem; flex-wrap: wrap; }
header.top .user { margin-left: auto; color: var(--muted); }
main { max-width: 1360px; margin: 0 auto; padding: 1rem; }
main.narrow { max-width: 40rem; }
h1 { font-size: 1.4rem; margin: .4rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .8rem; }
.metric .value { font-size: 1.6rem; font-weight: 600; }
.metric .label { color: var(--muted); font-size: .85rem; }
.table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: .87rem; }
th, td { text-align: left; padding: .42rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
th a { color: inherit; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { white-space: normal; min-width: 14rem; }
.muted { color: var(--muted); }
.bad { color: var(--bad); } .warn { color: var(--warn); } .ok { color: var(--ok); }
.pill { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; }
form.inline { display: inline; }
button, .button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: #fff; color: var(--accent); }
.filters { display: flex; gap: .6rem; flex-wrap: wrap; align-items: end; margin-bottom: .8rem; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
select, input { font: inherit; padding: .3rem; border: 1px solid var(--line); border-radius: 6px; }
.pager { display: flex; gap: 1rem; margin: .8rem 0; }
.notice { padding: .8rem 1rem; border-radius: 8px; background: #fff; border: 1px solid var(--line); }
.notice.bad { border-color: var(--bad); } .notice.ok { border-color: var(--ok); } .notice.warn { border-color: var(--warn); }
svg text { font-size: 10px; fill: var(--muted); }
a { color: var(--accent); }
header.top nav a.active { font-weight: 600; box-shadow: inset 0 -2px 0 var(--accent); }
button.link { background: none; border: none; color: var(--accent); padding: 0 0 0 .4rem; cursor: pointer; }
button.danger { background: var(--bad); border-color: var(--bad); }
a.button.outline-bad { background: #fff; color: var(--bad); border-color: var(--bad); }
.cards.small { grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr)); }
.metric .sub { font-size: .8rem; color: var(--muted); overflow-wrap: anywhere; }
.clip { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; white-space: normal; max-width: 22rem; font-size: .8rem; }
td.error { white-space: normal; min-width: 11rem; }
header.top .tz { color: var(--muted); font-size: .8rem; }
.split { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 24rem), 1fr)); gap: .8rem; }
.split > * { min-width: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
tr.soon td { background: #fff4e5; }
.actions { display: flex; gap: .6rem; flex-wrap: wrap; align-items: center; }
.flash { margin-bottom: 1rem; }
.chart { margin: 0; } .chart svg { width: 100%; height: 150px; display: block; }
.chart-labels { display: flex; justify-content: space-between; gap: .5rem; font-size: .78rem; color: var(--muted); margin: .2rem 0; }
.chart .bar { fill: var(--accent); } .chart .bar.failed { fill: var(--bad); } .chart .bar.running { fill: var(--muted); }
.chart .fail { fill: var(--bad); opacity: .75; } .chart .hit { fill: transparent; } .chart a:hover .hit { fill: #eef2f8; }
.chart .axis { stroke: var(--line); } .chart .gridline { stroke: var(--line); stroke-dasharray: 3 3; }
.login { max-width: 22rem; margin: 3rem auto; }
.login label { display: flex; flex-direction: column; gap: .2rem; margin-bottom: .8rem; color: var(--muted); font-size: .9rem; }
.login input { font-size: 1rem; padding: .5rem; }
@media (max-width: 640px) { main { padding: .6rem; } th, td { padding: .4rem .45rem; } .metric .value { font-size: 1.3rem; } .wide-only { display: none; } }
`;

export function page(title: string, body: Html, options: { narrow?: boolean; header?: Html } = {}): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · bluebutton-sync</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        ${options.header ?? ''}
        <main class="${options.narrow ? 'narrow' : ''}">${body}</main>
      </body>
    </html>`.value;
}
