/** The operator's sessions: where and when each login happened, and buttons that end them. */
import { html, type Html } from '../../html.ts';
import { dataTable } from '../components.ts';
import { formatTime } from '../format.ts';
import { csrfField, type Viewer } from '../layout.ts';
import type { SessionInfo } from '../session.ts';

function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

function endButton(viewer: Viewer, value: string, label: string, className = 'secondary'): Html {
  return html`<form method="post" action="/sessions/revoke" class="inline">
    ${csrfField(viewer)}<input type="hidden" name="session" value="${value}" />
    <button type="submit" class="${className}">${label}</button>
  </form>`;
}

export function sessionsPage(d: {
  sessions: SessionInfo[];
  current: string;
  now: Date;
  viewer: Viewer;
}): Html {
  return html`<h1>Sessions</h1>
    <p class="muted">
      Every login to this dashboard that has not ended, on any server instance. Logging a session out takes
      effect on its next request.
    </p>
    ${dataTable(
      html`<th>Logged in</th>
        <th>Ends</th>
        <th>Address</th>
        <th>Browser</th>
        <th></th>`,
      d.sessions.map(
        (s) =>
          html`<tr>
            <td>${formatTime(iso(s.createdAt), { seconds: true })}</td>
            <td>${formatTime(iso(s.expiresAt))}</td>
            <td>${s.address}</td>
            <td class="wrap muted">${s.userAgent}</td>
            <td>
              ${s.handle === d.current ? html`<strong>this session</strong>` : endButton(d.viewer, s.handle, 'Log out')}
            </td>
          </tr>`,
      ),
    )}
    <p class="actions">
      ${endButton(d.viewer, 'others', 'Log out every other session')}
      ${endButton(d.viewer, 'all', 'Log out everywhere, this session too', 'danger')}
    </p>`;
}
