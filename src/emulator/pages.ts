/**
 * The HTML pages of the emulated Medicare.gov login and BB2 consent screen.
 *
 * Contract (the project's headless enroller depends on it; keep it stable):
 * - Every page that asks for input has exactly one `<form method="post" action="...">`, and all the
 *   state it needs travels in `<input type="hidden" name=".." value="..">` fields. No JavaScript.
 *   The emulator sets no cookie today; a client should still send cookies back.
 * - Login (`/mymedicare/login`): hidden `auth_uuid`; text inputs `username` and `password`. A wrong
 *   password or an unknown user shows the same form again (HTTP 200) with an error in
 *   `<p class="error" role="alert">`.
 * - Consent (`/v2/o/authorize/<uuid>/`): shows the app name and the requested scopes; hidden
 *   `client_id`, `redirect_uri`, `response_type`, `state`, `code_challenge`,
 *   `code_challenge_method`, `scope`; a radio `share_demographic_scopes` (`true` checked, or
 *   `false`); and two buttons: `<button type="submit" name="allow" value="true">Allow</button>` and
 *   `<button type="submit" name="allow" value="false">Deny</button>`.
 *
 * BB2's real consent form (templates/design_system/new_authorize_v2.html) uses the same field name
 * `allow` (its "Connect" button is `name="allow"`; its "Cancel" button has no name, so `allow` is
 * absent) and sends `share_demographic_scopes` as `True`/`False` (a hidden `False` plus a checked
 * checkbox `True`). The emulator accepts all of those spellings: `allow` absent, empty, or
 * `false`/`False`/`0` denies; `share_demographic_scopes` is compared case-insensitively with `true`,
 * the last value wins (as Django's QueryDict.get), and when it is absent demographics are shared.
 */
import { escapeHtml } from './http-util.ts';

const STYLE = `
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f1f1f1; color: #1b1b1b; margin: 0; }
  main { max-width: 34rem; margin: 2.5rem auto; background: #fff; border-radius: 6px; padding: 2rem 2.25rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
  .banner { font-size: .8rem; color: #5c5c5c; border-bottom: 1px solid #dfe1e2; padding-bottom: .6rem; margin-top: 0; }
  h1 { font-size: 1.5rem; margin: .8rem 0 1rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem; border: 1px solid #565c65; border-radius: 3px; }
  fieldset { border: 1px solid #dfe1e2; border-radius: 4px; margin: 1.2rem 0; padding: .6rem 1rem 1rem; }
  legend { padding: 0 .3rem; }
  fieldset label { display: inline; font-weight: 400; margin: 0 0 0 .35rem; }
  .choice { margin-top: .5rem; }
  .buttons { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .6rem 1.4rem; border-radius: 4px; border: 1px solid #146a5d; cursor: pointer; }
  button.primary { background: #146a5d; color: #fff; }
  button.secondary { background: #fff; color: #146a5d; }
  .error { background: #f4e3db; border-left: 4px solid #d54309; padding: .6rem .8rem; }
  .hint { font-size: .85rem; color: #5c5c5c; margin-top: 1.5rem; }
  ul.scopes { padding-left: 1.2rem; }
  ul.scopes code { font-size: .8rem; color: #5c5c5c; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="banner">Blue Button 2.0 sandbox emulator &middot; synthetic data only</p>
${body}
</main>
</body>
</html>
`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

export interface LoginPageInput {
  authUuid: string;
  appName: string;
  username?: string;
  error?: string;
  userCount: number;
}

export function loginPage(input: LoginPageInput): string {
  const error = input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>\n` : '';
  const last = Math.max(0, input.userCount - 1);
  const range = input.userCount > 1 ? `BBUser00000 to BBUser${String(last).padStart(5, '0')}` : 'BBUser00000';
  return layout(
    'Log in - Medicare.gov (BB2 emulator)',
    `<h1>Log in to Medicare.gov</h1>
<p>${escapeHtml(input.appName)} is asking to connect to your Medicare claims data.</p>
${error}<form method="post" action="/mymedicare/login">
${hidden('auth_uuid', input.authUuid)}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" value="${escapeHtml(input.username ?? '')}" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="buttons"><button type="submit" class="primary">Log in</button></div>
</form>
<p class="hint">Synthetic users: ${escapeHtml(range)}. The password of BBUser<i>NNNNN</i> is PW<i>NNNNN</i>! (for example BBUser00001 / PW00001!).</p>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Confirm your identity to the app',
  profile: 'Your name and email (user profile)',
  'launch/patient': 'Your Medicare patient id',
  'patient/Patient.read': 'Personal information: name, address, date of birth, race and gender',
  'patient/Patient.rs': 'Personal information: name, address, date of birth, race and gender',
  'patient/Coverage.read': 'Your Medicare coverage (Parts A, B, C and D)',
  'patient/Coverage.rs': 'Your Medicare coverage (Parts A, B, C and D)',
  'patient/ExplanationOfBenefit.read': 'Your claims: doctor and hospital visits, prescriptions',
  'patient/ExplanationOfBenefit.rs': 'Your claims: doctor and hospital visits, prescriptions',
};

export interface ConsentPageInput {
  action: string;
  appName: string;
  username: string;
  scopes: readonly string[];
  hiddenFields: Readonly<Record<string, string>>;
  grantEnds: string;
  /** v3: the optional, unchecked "Alcohol & substance use information" box (share_samhsa_data). */
  samhsaChoice?: boolean;
}

export function consentPage(input: ConsentPageInput): string {
  const scopes = input.scopes
    .map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)} <code>${escapeHtml(s)}</code></li>`)
    .join('\n');
  const hiddenInputs = Object.entries(input.hiddenFields)
    .map(([k, v]) => hidden(k, v))
    .join('\n');
  return layout(
    `Connect your Medicare claims data to ${input.appName}? (BB2 emulator)`,
    `<h1>Connect your Medicare claims data to ${escapeHtml(input.appName)}?</h1>
<p>Logged in as <strong>${escapeHtml(input.username)}</strong>. If you connect, ${escapeHtml(input.appName)} will have access to:</p>
<ul class="scopes">
${scopes}
</ul>
<form method="post" action="${escapeHtml(input.action)}">
${hiddenInputs}
<fieldset>
<legend>Share your personal information (name, address, date of birth, race and gender)?</legend>
<div class="choice"><input type="radio" id="share_yes" name="share_demographic_scopes" value="true" checked><label for="share_yes">Yes, share it</label></div>
<div class="choice"><input type="radio" id="share_no" name="share_demographic_scopes" value="false"><label for="share_no">No, keep it private</label></div>
</fieldset>
${
  input.samhsaChoice
    ? `<fieldset>
<legend>Optional</legend>
<input type="hidden" name="share_samhsa_data" value="False">
<div class="choice"><input type="checkbox" id="share_samhsa" name="share_samhsa_data" value="True"><label for="share_samhsa">Alcohol &amp; substance use information</label></div>
</fieldset>`
    : ''
}
<p>${escapeHtml(input.appName)} will have access to your data until ${escapeHtml(input.grantEnds)}.</p>
<div class="buttons">
<button type="submit" name="allow" value="true" class="primary">Allow</button>
<button type="submit" name="allow" value="false" class="secondary">Deny</button>
</div>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(
    `${title} (BB2 emulator)`,
    `<h1>${escapeHtml(title)}</h1>\n<p class="error" role="alert">${escapeHtml(message)}</p>`,
  );
}

/**
 * BB2's templates/bene_404.html (404): Medicare.gov knows the beneficiary but BB2's data has no
 * record of them yet. Like BB2's page, a script asks the browser to call
 * `{redirect_uri}?error=not_found` in the background (no `state`): that is all the app learns.
 */
export function bene404Page(errorUri: string | undefined): string {
  const script =
    errorUri === undefined
      ? ''
      : `\n<script>fetch(${JSON.stringify(errorUri).replace(/</g, '\\u003c')}, {mode:'no-cors'})</script>`;
  return layout(
    'Your patient data cannot be found (BB2 emulator)',
    `<h1>Your patient data cannot be found</h1>
<p class="error" role="alert">ERROR: Your patient data cannot be found at this time.</p>
<p>If you’re new to Medicare, it can take up to 6 months for your information to become available after enrolling. Please try again when you've been on Medicare for over 6 months.</p>
<p>If you’ve been enrolled in Medicare longer than 6 months, your data may just be temporarily unavailable. If you still can’t access your data, you may want to contact Medicare directly for support at 1-800-MEDICARE (1-800-633-4227).</p>${script}`,
  );
}

/** BB2's templates/app_inactive_401.html, which BB2 serves with status 403 for an inactive app. */
export function appInactivePage(detail: string): string {
  return layout(
    '401 - Unauthorized (BB2 emulator)',
    `<h1>401 - Unauthorized</h1>\n<p class="error" role="alert">${escapeHtml(detail)}</p>`,
  );
}
