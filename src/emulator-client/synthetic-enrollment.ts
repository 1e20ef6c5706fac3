/**
 * Headless enrollment of synthetic beneficiaries (`bbsync enroll-synthetic`): the real
 * authorization-code flow against BB2_BASE_URL, with the login and consent forms submitted over
 * HTTP the way a browser would (redirects followed by hand, cookies carried). It only works where
 * the login page is a plain form: the local emulator (Medicare.gov's real login is not scriptable).
 * The callback is completed through the same code as the web callback.
 *
 * It lives in src/emulator-client, beside the emulator rather than in src/enrollment, because it
 * only works against the emulator: production code may not import it (eslint.config.js).
 */
import type { EnrollmentFlow, EnrollmentOutcome } from '../enrollment/enroll.ts';

export interface SyntheticLogin {
  username: string;
  password: string;
  /** Whether to share demographic data (Patient and profile scopes) on the consent page. */
  shareDemographics?: boolean;
  /** Press Deny instead of Allow. */
  deny?: boolean;
}

/** `BBUser00042` / `PW00042!`, BB2's synthetic login scheme. */
export function syntheticLogin(index: number): SyntheticLogin {
  const digits = String(index).padStart(5, '0');
  return { username: `BBUser${digits}`, password: `PW${digits}!` };
}

interface Form {
  action: string;
  fields: Map<string, string>;
  /** Submit buttons: name -> values. */
  buttons: { name: string; value: string }[];
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  const value = m?.[1] ?? m?.[2] ?? m?.[3];
  return value === undefined ? undefined : decode(value);
}

/** The page's one form: its action, the values a browser would send, and its buttons. */
export function parseForm(html: string): Form | undefined {
  const formMatch = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!formMatch) return undefined;
  const formTag = /<form\b[^>]*>/i.exec(formMatch[0])![0];
  const fields = new Map<string, string>();
  const buttons: { name: string; value: string }[] = [];
  for (const [tag] of formMatch[1]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    if (!name) continue;
    const type = (attribute(tag, 'type') ?? 'text').toLowerCase();
    if ((type === 'radio' || type === 'checkbox') && !/\schecked\b/i.test(tag)) continue;
    if (type === 'submit') buttons.push({ name, value: attribute(tag, 'value') ?? '' });
    else fields.set(name, attribute(tag, 'value') ?? '');
  }
  for (const [tag] of formMatch[1]!.matchAll(/<button\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    if (name) buttons.push({ name, value: attribute(tag, 'value') ?? '' });
  }
  return { action: attribute(formTag, 'action') ?? '', fields, buttons };
}

class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string | undefined {
    return this.#cookies.size ? [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
}

export class SyntheticEnrollmentError extends Error {}

/**
 * Walks the authorization pages as `login` and returns the outcome of completing the callback.
 * `fetchImpl` is the project's BB2 fetch (timeouts, counting).
 */
export async function enrollSynthetic(
  flow: EnrollmentFlow,
  login: SyntheticLogin,
  options: { redirectUri: string; fetchImpl?: typeof fetch },
): Promise<EnrollmentOutcome> {
  const { url, state } = await flow.start();
  const callback = await authorizeThroughPages(url, login, options);
  return flow.complete(callback.searchParams, state);
}

/**
 * Walks BB2's login and consent pages from an authorization URL, as `login`, and returns the URL
 * BB2 sends the browser back to (under `redirectUri`), without calling it.
 */
export async function authorizeThroughPages(
  url: URL,
  login: SyntheticLogin,
  options: { redirectUri: string; fetchImpl?: typeof fetch },
): Promise<URL> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const jar = new CookieJar();

  const request = async (target: URL, body?: URLSearchParams): Promise<Response> => {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetchImpl(target, {
      method: body ? 'POST' : 'GET',
      headers,
      body: body?.toString(),
      redirect: 'manual',
    });
    jar.store(response);
    return response;
  };

  let current = url;
  let response = await request(current);
  let submittedLogin = false;
  for (let step = 0; step < 12; step++) {
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location) throw new SyntheticEnrollmentError(`a ${response.status} redirect without a Location`);
      const next = new URL(location, current);
      if (next.href.startsWith(options.redirectUri)) return next;
      current = next;
      response = await request(current);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) {
      throw new SyntheticEnrollmentError(
        `the authorization page answered ${response.status}: ${html.slice(0, 200)}`,
      );
    }
    const form = parseForm(html);
    if (!form) throw new SyntheticEnrollmentError('the authorization page has no form to submit');
    const body = new URLSearchParams([...form.fields]);
    if (form.fields.has('username') && form.fields.has('password')) {
      if (submittedLogin) throw new SyntheticEnrollmentError(`login refused for ${login.username}`);
      body.set('username', login.username);
      body.set('password', login.password);
      submittedLogin = true;
    } else {
      body.set('share_demographic_scopes', login.shareDemographics === false ? 'false' : 'true');
      const wanted = login.deny ? 'false' : 'true';
      const button = form.buttons.find((b) => b.name === 'allow' && b.value === wanted);
      if (!button) throw new SyntheticEnrollmentError('the consent page has no Allow/Deny buttons');
      body.set(button.name, button.value);
    }
    current = new URL(form.action || current.href, current);
    response = await request(current, body);
  }
  throw new SyntheticEnrollmentError('too many steps before reaching the redirect URI');
}
