/**
 * The dashboard's frame: header with navigation and logout, flash messages after actions, pager and
 * sortable column headers. Everything is rendered through `html` (escaped).
 */
import { html, page, type Html } from '../html.ts';

export interface Viewer {
  user: string;
  /** CSRF token for the forms of this page. */
  csrf: string;
}

export type Section = 'overview' | 'enrollments' | 'runs' | 'quality' | 'queues' | 'sessions';

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'overview', href: '/', label: 'Overview' },
  { section: 'enrollments', href: '/enrollments', label: 'Enrollments' },
  { section: 'runs', href: '/runs', label: 'Runs' },
  { section: 'quality', href: '/quality', label: 'Quality' },
  { section: 'queues', href: '/admin/queues', label: 'Queues' },
  { section: 'sessions', href: '/sessions', label: 'Sessions' },
];

export function csrfField(viewer: Viewer): Html {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrf}" />`;
}

export function dashboardPage(
  title: string,
  body: Html,
  options: { viewer: Viewer; section?: Section; flash?: Html; banner?: Html },
): string {
  const header = html`<header class="top">
    <a class="brand" href="/">bluebutton-sync</a>
    <nav aria-label="Dashboard">
      ${NAV.map(
        (n) =>
          html`<a
            href="${n.href}"
            class="${n.section === options.section ? 'active' : ''}"
            ${n.section === options.section ? html`aria-current="page"` : ''}
            >${n.label}</a
          >`,
      )}
    </nav>
    <span class="user"
      ><span class="tz">times in UTC ·</span> ${options.viewer.user}
      <form class="inline" method="post" action="/logout">
        ${csrfField(options.viewer)}<button class="link" type="submit">Log out</button>
      </form></span
    >
  </header>`;
  return page(title, html`${options.banner ?? ''}${options.flash ?? ''}${body}`, { header });
}

// ---- flash messages ---------------------------------------------------------------------------

const RUN_ID = /^run_[A-Za-z0-9_]{1,100}$/;

type FlashKind = 'ok' | 'warn' | 'bad';

/** Messages shown after a redirect, chosen by code: a query parameter never carries free text. */
const FLASHES: Record<string, { kind: FlashKind; text: string; withRun?: boolean }> = {
  'sync-started': { kind: 'ok', text: 'Sync started.', withRun: true },
  'retry-started': {
    kind: 'ok',
    text: 'The failed enrollments of this run are being retried.',
    withRun: true,
  },
  'nothing-to-retry': {
    kind: 'warn',
    text: 'Nothing to retry: no failed enrollment of this run is active any more.',
  },
  'not-active': {
    kind: 'warn',
    text: 'This enrollment is not active: it cannot be synced until the beneficiary connects again.',
  },
  revoked: { kind: 'ok', text: 'Enrollment revoked at Blue Button and here; its tokens are deleted.' },
  'revoked-here': {
    kind: 'ok',
    text: 'Enrollment revoked here (its grant was already gone at Blue Button); its tokens are deleted.',
  },
  'revoke-failed': {
    kind: 'bad',
    text: 'Blue Button could not be reached to revoke the grant; nothing was changed. Try again.',
  },
  'already-revoked': { kind: 'warn', text: 'This enrollment was already revoked.' },
  'eob-cleared': {
    kind: 'ok',
    text: 'EOB-forbidden cleared: the next sync asks Blue Button for ExplanationOfBenefit again.',
  },
  'eob-not-forbidden': {
    kind: 'warn',
    text: 'This enrollment had no EOB-forbidden condition; nothing changed.',
  },
  'sync-started-paused': {
    kind: 'warn',
    text: 'Sync queued, but syncs are paused (Blue Button says this application is inactive): it runs once they resume.',
    withRun: true,
  },
  'syncs-resumed': {
    kind: 'ok',
    text: 'Syncs resumed. If Blue Button still refuses the application, the next sync pauses them again.',
  },
  'syncs-not-paused': { kind: 'warn', text: 'Syncs were not paused; the sync queue is resumed anyway.' },
  'queue-unavailable': { kind: 'bad', text: 'Redis is unreachable: nothing was queued. Try again.' },
  'logged-out': { kind: 'ok', text: 'You are logged out.' },
  'sessions-ended': { kind: 'ok', text: 'The chosen sessions are logged out.' },
  'no-session-ended': { kind: 'warn', text: 'No session was logged out (it had already ended).' },
  'session-ended': { kind: 'warn', text: 'Your session ended; please log in again.' },
};

export function flashFrom(query: Record<string, unknown>): Html | undefined {
  const code = typeof query.flash === 'string' ? query.flash : undefined;
  const flash = code !== undefined && Object.hasOwn(FLASHES, code) ? FLASHES[code] : undefined;
  if (!flash) return undefined;
  const run = typeof query.run === 'string' && RUN_ID.test(query.run) ? query.run : undefined;
  const data =
    query.purged === '1' ? ' Its data was deleted.' : query.purged === '0' ? ' Its data is kept.' : '';
  return html`<div class="notice flash ${flash.kind}" role="status">
    ${flash.text}${data} ${flash.withRun && run ? html` Run: <a href="/runs/${run}">${run}</a>` : ''}
  </div>`;
}

// ---- tables -----------------------------------------------------------------------------------

/** Builds a link to the current page with some query parameters changed (undefined removes one). */
export function withQuery(
  path: string,
  current: Record<string, string | undefined>,
  changes: Record<string, string | number | undefined>,
): string {
  const params = new URLSearchParams();
  const merged: Record<string, string | number | undefined> = { ...current, ...changes };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function pager(
  path: string,
  current: Record<string, string | undefined>,
  info: { page: number; pageSize: number; total: number },
): Html {
  const pages = Math.max(1, Math.ceil(info.total / info.pageSize));
  const from = info.total === 0 ? 0 : (info.page - 1) * info.pageSize + 1;
  const to = Math.min(info.total, info.page * info.pageSize);
  return html`<nav class="pager" aria-label="Pages">
    ${info.page > 1 ? html`<a href="${withQuery(path, current, { page: info.page - 1 })}">← Previous</a>` : ''}
    <span class="muted">${from}–${to} of ${info.total} · page ${info.page} of ${pages}</span>
    ${info.page < pages ? html`<a href="${withQuery(path, current, { page: info.page + 1 })}">Next →</a>` : ''}
  </nav>`;
}

/** A sortable column header: clicking sorts by it, clicking again reverses. */
export function sortHeader(
  label: string,
  key: string,
  path: string,
  current: Record<string, string | undefined>,
  sort: { key: string; dir: 'asc' | 'desc' },
  options: { num?: boolean; firstDir?: 'asc' | 'desc'; className?: string } = {},
): Html {
  const active = sort.key === key;
  const dir = active ? (sort.dir === 'asc' ? 'desc' : 'asc') : (options.firstDir ?? 'asc');
  const arrow = active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : '';
  return html`<th
    class="${options.num ? 'num' : ''} ${options.className ?? ''}"
    aria-sort="${active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}"
  >
    <a href="${withQuery(path, current, { sort: key, dir, page: undefined })}">${label}${arrow}</a>
  </th>`;
}

export function statusPill(status: string): Html {
  const cls =
    status === 'active' || status === 'ok' || status === 'finished' || status === 'completed'
      ? 'ok'
      : status === 'revoked' || status === 'failed'
        ? 'bad'
        : 'warn';
  return html`<span class="pill ${cls}">${status}</span>`;
}
