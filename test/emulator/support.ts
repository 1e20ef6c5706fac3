/**
 * Helpers for the emulator tests: a client that drives the HTML login and consent forms the way a
 * headless enroller does (parse the one form, post it, carry cookies, follow redirects by hand),
 * PKCE, the token endpoint, and a tiny hand-made DataStore for exact filter tests.
 */
import { createHash, randomBytes } from 'node:crypto';

import type {
  AdvanceResult,
  DataStore,
  FhirResource,
  PatientRecord,
  SyntheticUser,
} from '../../src/emulator/data/types.ts';
import { DEFAULT_CLIENT, type RunningEmulator } from '../../src/emulator/index.ts';

export const CLIENT_ID = DEFAULT_CLIENT.clientId;
export const CLIENT_SECRET = DEFAULT_CLIENT.clientSecret;
export const REDIRECT_URI = DEFAULT_CLIENT.redirectUris[0] as string;

export function pkce(length = 64): { verifier: string; challenge: string } {
  const verifier = randomBytes(length).toString('base64url').slice(0, length);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function randomState(): string {
  return randomBytes(18).toString('base64url');
}

export function basic(id = CLIENT_ID, secret = CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

// --- minimal HTML form parsing ---------------------------------------------------------------

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    const name = (m[1] ?? '').toLowerCase();
    out[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface ParsedForm {
  method: string;
  action: string;
  hidden: Record<string, string>;
  inputs: Record<string, string>[];
  buttons: Record<string, string>[];
}

/** Parses the page's forms; the contract is that a page asking for input has exactly one. */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const formAttrs = attrs(m[1] ?? '');
    const body = m[2] ?? '';
    const inputs = [...body.matchAll(/<input\b([^>]*)>/gi)].map((i) => attrs(i[1] ?? ''));
    const buttons = [...body.matchAll(/<button\b([^>]*)>/gi)].map((b) => attrs(b[1] ?? ''));
    const hidden: Record<string, string> = {};
    for (const i of inputs) if (i.type === 'hidden' && i.name) hidden[i.name] = i.value ?? '';
    forms.push({
      method: (formAttrs.method ?? 'get').toLowerCase(),
      action: formAttrs.action ?? '',
      hidden,
      inputs,
      buttons,
    });
  }
  return forms;
}

export function onlyForm(html: string): ParsedForm {
  const forms = parseForms(html);
  if (forms.length !== 1) {
    throw new Error(`expected exactly one form, found ${forms.length}:\n${html.slice(0, 2000)}`);
  }
  return forms[0] as ParsedForm;
}

// --- a cookie-carrying client that follows redirects by hand ---------------------------------

export class FormClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(new URL(url, this.base), {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = (pair ?? '').indexOf('=');
      if (eq > 0) this.cookies.set((pair ?? '').slice(0, eq).trim(), (pair ?? '').slice(eq + 1).trim());
    }
    return res;
  }

  /** Follows redirects within the emulator until a non-redirect or a redirect elsewhere. */
  async follow(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<{ res: Response; url: string }> {
    let res = await this.request(url, init);
    let current = new URL(url, this.base).href;
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const location = res.headers.get('location');
      if (!location) break;
      const next = new URL(location, current);
      if (next.origin !== new URL(this.base).origin) return { res, url: current };
      current = next.href;
      res = await this.request(current);
    }
    return { res, url: current };
  }
}

export interface AuthorizeOptions {
  username?: string;
  password?: string;
  allow?: boolean;
  share?: boolean;
  scope?: string;
  clientId?: string;
  redirectUri?: string;
}

export interface AuthorizeResult {
  /** The final redirect to the app: its URL. */
  location: URL;
  code: string | null;
  state: string;
  verifier: string;
}

/** Runs authorize -> login form -> consent form -> redirect to the app, through the HTML. */
export async function authorizeThroughForms(
  emu: RunningEmulator,
  options: AuthorizeOptions = {},
): Promise<AuthorizeResult> {
  const client = new FormClient(emu.url);
  const { verifier, challenge } = pkce();
  const state = randomState();
  const q = new URLSearchParams({
    client_id: options.clientId ?? CLIENT_ID,
    redirect_uri: options.redirectUri ?? REDIRECT_URI,
    response_type: 'code',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (options.scope !== undefined) q.set('scope', options.scope);
  const login = await client.follow(`/v2/o/authorize/?${q}`);
  if (login.res.status !== 200) throw new Error(`authorize: ${login.res.status} ${await login.res.text()}`);
  const loginForm = onlyForm(await login.res.text());
  const consent = await client.follow(loginForm.action, {
    form: {
      ...loginForm.hidden,
      username: options.username ?? 'BBUser00001',
      password: options.password ?? 'PW00001!',
    },
  });
  if (consent.res.status !== 200) throw new Error(`login: ${consent.res.status} ${await consent.res.text()}`);
  const consentHtml = await consent.res.text();
  const consentForm = onlyForm(consentHtml);
  if (!consentForm.inputs.some((i) => i.name === 'share_demographic_scopes')) {
    throw new Error(`not the consent page:\n${consentHtml}`);
  }
  const done = await client.request(consentForm.action, {
    form: {
      ...consentForm.hidden,
      share_demographic_scopes: options.share === false ? 'false' : 'true',
      allow: options.allow === false ? 'false' : 'true',
    },
  });
  if (done.status !== 302) throw new Error(`consent: ${done.status} ${await done.text()}`);
  const location = new URL(done.headers.get('location') ?? '');
  return { location, code: location.searchParams.get('code'), state, verifier };
}

export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token: string;
  patient: string;
  access_grant_expiration: string;
}

export async function exchangeCode(emu: RunningEmulator, auth: AuthorizeResult): Promise<TokenResponse> {
  const res = await postForm(`${emu.url}/v2/o/token/`, {
    grant_type: 'authorization_code',
    code: auth.code ?? '',
    redirect_uri: REDIRECT_URI,
    code_verifier: auth.verifier,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenResponse;
}

/** Logs in and returns tokens: the whole flow in one call. */
export async function enroll(emu: RunningEmulator, options: AuthorizeOptions = {}): Promise<TokenResponse> {
  const auth = await authorizeThroughForms(emu, options);
  if (!auth.code) throw new Error(`no code: ${auth.location.href}`);
  return exchangeCode(emu, auth);
}

export async function refresh(
  emu: RunningEmulator,
  refreshToken: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  return postForm(
    `${emu.url}/v2/o/token/`,
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
    { authorization: basic() },
  );
}

export async function fhirGet(
  emu: RunningEmulator,
  pathOrUrl: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${emu.url}${pathOrUrl}`;
  return fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
}

export interface BundleLink {
  relation: string;
  url: string;
}
export interface Bundle {
  resourceType: string;
  id: string;
  meta: { lastUpdated: string };
  type: string;
  total: number;
  link: BundleLink[];
  entry?: { resource: FhirResource }[];
}

export function linkOf(bundle: Bundle, relation: string): string | undefined {
  return bundle.link.find((l) => l.relation === relation)?.url;
}

/** Walks a search by following `next`, returning every page. */
export async function walk(emu: RunningEmulator, firstUrl: string, token: string): Promise<Bundle[]> {
  const pages: Bundle[] = [];
  let url: string | undefined = firstUrl;
  while (url) {
    const res = await fhirGet(emu, url, token);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    const bundle = (await res.json()) as Bundle;
    pages.push(bundle);
    url = linkOf(bundle, 'next');
    if (pages.length > 1000) throw new Error('too many pages');
  }
  return pages;
}

// --- a hand-made store ------------------------------------------------------------------------

export interface HandPatient {
  patient: FhirResource;
  coverages?: FhirResource[];
  eobs?: FhirResource[];
  legacyIds?: string[];
}

/** A DataStore over fixed records: BBUser0000N is patients[N]. `advance` bumps versions only. */
export function handStore(
  patients: HandPatient[],
  transactionTime = '2024-06-01T12:00:00.000Z',
): DataStore & {
  replace(index: number, p: HandPatient): void;
} {
  let tx = transactionTime;
  const records: PatientRecord[] = [];
  const users: SyntheticUser[] = [];
  const toRecord = (p: HandPatient, version: number): PatientRecord => ({
    patientId: p.patient.id,
    patient: p.patient,
    coverages: p.coverages ?? [],
    eobs: [...(p.eobs ?? [])].sort((a, b) => {
      const ca = a.id.slice(a.id.indexOf('-') + 1);
      const cb = b.id.slice(b.id.indexOf('-') + 1);
      return ca < cb ? -1 : ca > cb ? 1 : a.id < b.id ? -1 : 1;
    }),
    legacyIds: new Set(p.legacyIds ?? []),
    version,
  });
  patients.forEach((p, index) => {
    const n = String(index).padStart(5, '0');
    users.push({ username: `BBUser${n}`, password: `PW${n}!`, index, patientId: p.patient.id });
    records.push(toRecord(p, 1));
  });
  return {
    userCount: users.length,
    transactionTime: () => tx,
    userByIndex: (i) => users[i],
    userByUsername: (name) => users.find((u) => u.username === name),
    userByPatientId: (id) => users.find((u) => u.patientId === id),
    record: (id) => records.find((r) => r.patientId === id),
    recordVersion: (id) => records.find((r) => r.patientId === id)?.version,
    advance(): AdvanceResult {
      tx = new Date(Date.parse(tx) + 7 * 86_400_000).toISOString();
      return { transactionTime: tx, added: {}, changed: {}, removed: {}, versioned: {}, cancelled: {} };
    },
    replace(index, p) {
      const old = records[index];
      records[index] = toRecord(p, (old?.version ?? 0) + 1);
    },
  };
}

export function handPatient(id: string, lastUpdated = '2024-01-01T00:00:00.000Z'): FhirResource {
  return {
    resourceType: 'Patient',
    id,
    meta: { lastUpdated },
    name: [{ use: 'usual', family: 'Doe', given: ['Jane', 'X'] }],
  };
}

export function handEob(
  type: string,
  claimId: string,
  patientId: string,
  lastUpdated: string,
  serviceDate: string,
): FhirResource {
  return {
    resourceType: 'ExplanationOfBenefit',
    id: `${type}-${claimId}`,
    meta: { lastUpdated },
    patient: { reference: `Patient/${patientId}` },
    billablePeriod: { start: serviceDate, end: serviceDate },
    created: '2000-01-01T00:00:00+00:00',
  };
}

export function handCoverage(part: string, patientId: string, lastUpdated: string): FhirResource {
  return {
    resourceType: 'Coverage',
    id: `part-${part}-${patientId}`,
    meta: { lastUpdated },
    beneficiary: { reference: `Patient/${patientId}` },
  };
}
