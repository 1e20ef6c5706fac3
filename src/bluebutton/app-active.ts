/**
 * Whether BB2 accepts this application: its "application inactive" answers recognized on the OAuth
 * endpoints (refusingInactive), and the probe that asks without spending anyone's token
 * (probeApplication). FHIR's answer is recognized in fhir-reads.ts; what the deployment does about
 * it is in src/workers/app-inactive.ts.
 */
import { randomBytes } from 'node:crypto';

import { AppInactiveError, Bb2Error, BbsyncError, RateLimitedError, saysAppInactive } from '../errors.ts';
import { describeNetworkError, isTimeout } from './http.ts';

/** What BB2 says of the application: accepted, or inactive with BB2's answer (no secrets in it). */
export type ApplicationProbe = { active: true } | { active: false; answer: string };

/**
 * BB2's "this application is inactive" answers, on any OAuth endpoint, as AppInactiveError (thrown
 * from inside the request, so openid-client hands it back wrapped): /token's 403 `invalid_client`
 * "…is temporarily inactive…" (WS validate_app_is_active, which answers before the refresh token is
 * looked at: the stored one stays valid), /revoke/'s the same, /revoke_token/'s 403 "Application is
 * not active or does not exist." (RevokeTokenView). Without this, a body that is not an OAuth error
 * would read as a lost grant.
 */
export function refusingInactive(fetchFn: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchFn(input, init);
    if (response.status !== 401 && response.status !== 403) return response;
    const said = bodyText(await response.clone().text());
    if (!saysAppInactive(said)) return response;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    throw new AppInactiveError(`BB2 answered ${response.status} on ${new URL(url).pathname}: ${said}`);
  };
}

/**
 * Asks BB2 whether it accepts the application with the cheapest call that says so and touches no
 * beneficiary's token: an RFC 7009 revocation of a random token nobody holds. BB2's
 * RevokeTokenView answers 403 "Application is not active or does not exist." for an inactive
 * application (before it looks at the token) and 200 for an unknown token otherwise (WS
 * `apps/dot_ext/views/authorization.py`). Any other answer is no answer: it throws, classified.
 */
export async function probeApplication(
  fetchImpl: typeof fetch,
  revokeUrl: string,
  credentials: { clientId: string; clientSecret: string },
): Promise<ApplicationProbe> {
  const doing = 'asking BB2 whether the application is active';
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  const basic = Buffer.from(`${encode(credentials.clientId)}:${encode(credentials.clientSecret)}`).toString(
    'base64',
  );
  let response: Response;
  try {
    response = await fetchImpl(revokeUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ token: `bbsync-probe-${randomBytes(16).toString('hex')}` }).toString(),
    });
  } catch (err) {
    if (err instanceof BbsyncError) throw err; // a body over the cap
    if (isTimeout(err)) throw new Bb2Error(`BB2 did not answer in time while ${doing}`, 'timeout');
    throw new Bb2Error(`network error while ${doing}: ${describeNetworkError(err)}`, 'network');
  }
  if (response.status === 200) return { active: true };
  const said = bodyText(await response.text());
  const answer = `BB2 answered ${response.status}${said ? ` (${said})` : ''} while ${doing}`;
  if ((response.status === 401 || response.status === 403) && saysAppInactive(said)) {
    return { active: false, answer };
  }
  if (response.status === 429) throw new RateLimitedError(answer, 1000);
  if (response.status >= 500) throw new Bb2Error(answer, 'upstream_5xx', response.status);
  throw new Bb2Error(answer, response.status === 401 ? 'auth_client' : 'fhir_4xx', response.status);
}

/** BB2's words in an error body (`error_description`, `description`, `detail`), short; never the whole body. */
function bodyText(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown> | null;
    for (const key of ['error_description', 'description', 'detail', 'message', 'error']) {
      const v = body?.[key];
      if (typeof v === 'string') return v.slice(0, 300);
    }
  } catch {
    // not JSON
  }
  return '';
}
