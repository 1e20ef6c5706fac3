/**
 * What a beneficiary sees on the enrollment pages: plain words, never a stack trace. One page per
 * outcome of Blue Button's redirect back to us, and the page of a refused start.
 */
import { AUTHORIZATION_TTL_SECONDS, type EnrollmentOutcome } from '../enrollment/enroll.ts';
import { hasDemographicScope } from '../enrollment/tokens.ts';
import { html, page, type Html } from './html.ts';

const AGAIN = html`<p><a class="button" href="/enroll">Connect again</a></p>`;

function narrow(title: string, body: Html): string {
  return page(title, body, { narrow: true });
}

export function tooManyStartsPage(): string {
  return narrow(
    'Please wait',
    html`<h1>Too many attempts</h1>
      <div class="notice warn">
        <p>
          Connecting was started too many times from this network. Please wait a few minutes and try again.
        </p>
      </div>`,
  );
}

function connectedPage(outcome: Extract<EnrollmentOutcome, { kind: 'connected' }>): string {
  const demographics = hasDemographicScope(outcome.enrollment.scope);
  return narrow(
    'Connected',
    html`<h1>Your Medicare data is connected</h1>
      <div class="notice ok">
        <p>Thank you. We can now keep your Medicare claims up to date.</p>
        ${demographics ? '' : html`<p>You chose not to share your personal information (name, address, date of birth); we will only read your claims and coverage.</p>`}
        ${outcome.enrollment.accessGrantExpiration ? html`<p class="muted">Medicare lets this connection last until ${outcome.enrollment.accessGrantExpiration.slice(0, 10)}; we will ask you to connect again before then.</p>` : ''}
      </div>
      <p class="muted">Reference: ${outcome.enrollment.enrollmentId}</p>`,
  );
}

/** The pages of outcomes that connected nothing: status, title, heading, notice class and text. */
const NOT_CONNECTED: Record<
  Exclude<EnrollmentOutcome['kind'], 'connected' | 'error'>,
  { status: number; title: string; heading: string; notice: 'warn' | 'bad'; text: string }
> = {
  denied: {
    status: 200,
    title: 'Not connected',
    heading: 'Nothing was shared',
    notice: 'warn',
    text: 'You chose not to share your Medicare data, so we did not connect. You can change your mind at any time.',
  },
  expired: {
    status: 400,
    title: 'Link expired',
    heading: 'This link has expired',
    notice: 'warn',
    text: `Connecting must be finished within ${AUTHORIZATION_TTL_SECONDS / 60} minutes. Please start again.`,
  },
  replayed: {
    status: 400,
    title: 'Link already used',
    heading: 'This link was already used',
    notice: 'warn',
    text: 'Each connection link works once. If you are not connected yet, please start again.',
  },
  not_found: {
    status: 200,
    title: 'No Medicare data yet',
    heading: 'Medicare has no claims data for you yet',
    notice: 'warn',
    text: 'Medicare’s Blue Button service could not find your records, so nothing was connected. This usually means you are new to Medicare: it can take up to 6 months after enrolling for your information to reach Blue Button. Please try again later.',
  },
  wrong_browser: {
    status: 400,
    title: 'Link not recognized',
    heading: 'We could not match this link to your browser',
    notice: 'bad',
    text: 'Please start connecting from this device and browser.',
  },
};

/** What the beneficiary sees after Blue Button sent them back. */
export function outcomePage(outcome: EnrollmentOutcome): { status: number; body: string } {
  if (outcome.kind === 'connected') return { status: 200, body: connectedPage(outcome) };
  if (outcome.kind === 'error') {
    return {
      status: 502,
      body: narrow(
        'Something went wrong',
        html`<h1>We could not connect your data</h1>
          <div class="notice bad">
            <p>
              Something went wrong while talking to Medicare's Blue Button service. Nothing was saved. Please
              try again in a few minutes.
            </p>
            <p class="muted">Details: ${outcome.category}</p>
          </div>
          ${AGAIN}`,
      ),
    };
  }
  const p = NOT_CONNECTED[outcome.kind];
  return {
    status: p.status,
    body: narrow(
      p.title,
      html`<h1>${p.heading}</h1>
        <div class="notice ${p.notice}"><p>${p.text}</p></div>
        ${AGAIN}`,
    ),
  };
}
