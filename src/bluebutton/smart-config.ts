/**
 * The start-up check of our configuration against what Blue Button says it supports, in its
 * SMART configuration (`/v2/fhir/.well-known/smart-configuration`, WS
 * `apps/wellknown/views/openid.py` and `constants.py` SCOPES_SUPPORTED): every scope we ask for
 * must be one it knows (a SMART v2 `.r` or `.s` counts when its `.rs` is listed), and it must take
 * PKCE with S256. What the document cannot tell (the application's own registration: data access
 * type, demographic scopes) is what BB2_DATA_ACCESS_TYPE and BB2_REQUIRE_DEMOGRAPHICS declare.
 */
import { z } from 'zod';

import { bb2Endpoints, type ApiVersion } from './api-version.ts';
import { describeNetworkError } from './http.ts';

export interface SmartCheckSettings {
  baseUrl: string;
  apiVersion: ApiVersion;
  scopes: string;
  /** A fetch with BB2's timeout and body cap (src/bluebutton/http.ts makeFetch). */
  fetchImpl: typeof fetch;
}

export type SmartCheck =
  | { kind: 'ok'; url: string }
  /** The configuration does not fit the server: each problem names the setting to change. */
  | { kind: 'mismatch'; url: string; problems: string[] }
  /** The document could not be read: BB2 down, or not BB2 at that address. */
  | { kind: 'unreadable'; url: string; reason: string };

const SMART_CONFIGURATION = z
  .object({
    scopes_supported: z.array(z.string()).optional(),
    code_challenge_methods_supported: z.array(z.string()).optional(),
  })
  .passthrough();

export async function checkSmartConfiguration(settings: SmartCheckSettings): Promise<SmartCheck> {
  const url = bb2Endpoints(settings.baseUrl, settings.apiVersion).smartConfiguration;
  let body: unknown;
  try {
    const response = await settings.fetchImpl(url, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { kind: 'unreadable', url, reason: `it answered HTTP ${response.status}` };
    }
    body = await response.json();
  } catch (err) {
    return { kind: 'unreadable', url, reason: describeNetworkError(err) };
  }
  const parsed = SMART_CONFIGURATION.safeParse(body);
  if (!parsed.success) return { kind: 'unreadable', url, reason: 'it is not a SMART configuration' };
  const problems = smartProblems(parsed.data, settings.scopes);
  return problems.length ? { kind: 'mismatch', url, problems } : { kind: 'ok', url };
}

function smartProblems(doc: z.infer<typeof SMART_CONFIGURATION>, scopes: string): string[] {
  const problems: string[] = [];
  const supported = doc.scopes_supported;
  if (supported) {
    const known = new Set(supported);
    const unknown = scopes
      .split(/\s+/)
      .filter(Boolean)
      .filter((s) => !known.has(s) && !known.has(s.replace(/\.(r|s)$/, '.rs')));
    if (unknown.length) {
      problems.push(
        `BB2_SCOPES: Blue Button does not support ${unknown.join(', ')} (it supports: ${supported.join(' ')}); an authorization asking for it fails`,
      );
    }
  }
  const pkce = doc.code_challenge_methods_supported;
  if (pkce && !pkce.includes('S256')) {
    problems.push(
      `BB2_BASE_URL: the server does not take PKCE with S256 (code_challenge_methods_supported: ${pkce.join(', ') || 'none'}); is this Blue Button?`,
    );
  }
  return problems;
}
