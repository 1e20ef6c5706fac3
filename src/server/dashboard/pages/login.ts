/**
 * The dashboard's pages outside its frame: the login form, "not configured", "form expired" and
 * "not found". Plain and narrow, readable before a login.
 */
import { html, page } from '../../html.ts';
import type { flashFrom } from '../layout.ts';

export function notConfiguredPage(problems: string[]): string {
  return page(
    'Dashboard not configured',
    html`<h1>The dashboard is not configured</h1>
      <div class="notice warn">
        <p>The operations dashboard needs a login before it shows anything:</p>
        <ul>
          ${problems.map((p) => html`<li>${p}</li>`)}
        </ul>
        <ol>
          <li>
            Hash a password: <code>npx bbsync hash-password</code> (it asks for the password, or reads it from
            stdin).
          </li>
          <li>
            Set <code>DASHBOARD_USER</code> and <code>DASHBOARD_PASSWORD_HASH</code> (the printed hash) and a
            long random <code>SESSION_SECRET</code> (<code>npx bbsync gen-key</code>) in the environment or
            <code>.env</code>.
          </li>
          <li>Restart <code>npx bbsync server</code>.</li>
        </ol>
      </div>
      <p class="muted">The enrollment pages (<a href="/enroll">/enroll</a>) work without this.</p>`,
    { narrow: true },
  );
}

export function loginPage(options: {
  csrf: string;
  next: string;
  error?: string;
  flash?: ReturnType<typeof flashFrom>;
}): string {
  return page(
    'Log in',
    html`<div class="login">
      <h1>bluebutton-sync operations</h1>
      ${options.flash ?? ''}
      ${options.error ? html`<div class="notice bad flash" role="alert">${options.error}</div>` : ''}
      <form method="post" action="/login" class="card">
        <input type="hidden" name="_csrf" value="${options.csrf}" />
        <input type="hidden" name="next" value="${options.next}" />
        <label>User <input name="username" autocomplete="username" required autofocus /></label>
        <label
          >Password <input name="password" type="password" autocomplete="current-password" required
        /></label>
        <button type="submit">Log in</button>
      </form>
    </div>`,
  );
}

export function formExpiredPage(): string {
  return page(
    'Form expired',
    html`<h1>This form has expired</h1>
      <div class="notice bad">
        <p>
          The form did not carry a valid token for your session (it is older than your login, or did not come
          from this dashboard). Nothing was done. Go back, reload the page and try again.
        </p>
      </div>`,
    { narrow: true },
  );
}

export function notFoundPage(what: string): string {
  return page(
    'Not found',
    html`<h1>Not found</h1>
      <p>${what}</p>
      <p><a href="/">Overview</a></p>`,
    { narrow: true },
  );
}
