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
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
main.narrow { max-width: 40rem; }
h1 { font-size: 1.4rem; margin: .4rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: .8rem; }
.metric .value { font-size: 1.6rem; font-weight: 600; }
.metric .label { color: var(--muted); font-size: .85rem; }
.table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
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
