/**
 * Building the long-lived pieces a command needs from the configuration: pools, the BB2 clients,
 * the token vault. Only entry points call these: the commands, the benchmark and the test harness.
 */
import { randomBytes } from 'node:crypto';

import { makeFetch, makeGetText, type GetText, type HttpHooks } from './bluebutton/http.ts';
import { createOAuthClient, type OAuthClient } from './bluebutton/oauth.ts';
import { checkSmartConfiguration, type SmartCheck } from './bluebutton/smart-config.ts';
import { requireBb2Client, requireTokenKeys, type Config } from './config.ts';
import type { Pool } from './db/client.ts';
import { KeyRing } from './enrollment/crypto.ts';
import { createEnrollmentFlow, type EnrollmentFlow } from './enrollment/enroll.ts';
import { createPendingAuthorizations } from './enrollment/pending-authorizations.ts';
import { createTokenVault, type TokenVault } from './enrollment/tokens.ts';
import { ConfigError } from './errors.ts';
import { makeFailpoint } from './failpoints.ts';
import type { Logger } from './logger.ts';

export interface Bb2Services {
  oauth: OAuthClient;
  vault: TokenVault;
  flow: EnrollmentFlow;
  /** fetch with the BB2 timeout and hooks, for form requests. */
  fetchImpl: typeof fetch;
  /** GETs with the same timeout and hooks, for FHIR pages. */
  getText: GetText;
}

export function buildBb2Services(
  config: Config,
  log: Logger,
  pool: Pool,
  hooks: HttpHooks = {},
): Bb2Services {
  requireBb2Client(config);
  requireTokenKeys(config);
  const oauth = createOAuthClient(
    {
      baseUrl: config.bb2.baseUrl,
      clientId: config.bb2.clientId,
      clientSecret: config.bb2.clientSecret,
      redirectUri: config.bb2.redirectUri,
      scopes: config.bb2.scopes,
      timeoutMs: config.bb2.requestTimeoutMs,
      refreshTimeoutMs: config.bb2.refreshTimeoutMs,
      maxResponseBytes: config.bb2.maxResponseBytes,
      allowInsecureHttp: config.bb2.allowInsecureHttp,
      apiVersion: config.bb2.apiVersion,
    },
    hooks,
  );
  const keys = new KeyRing(config.tokens.keys);
  const vault = createTokenVault({
    pool,
    keys,
    oauth,
    refreshMarginSeconds: config.tokens.refreshMarginSeconds,
    log,
    failpoint: makeFailpoint(config.failpoints),
    oneTime: config.bb2.dataAccessType === 'ONE_TIME',
  });
  const flow = createEnrollmentFlow({
    vault,
    pending: createPendingAuthorizations({ pool, keys }),
    oauth,
    redirectUri: config.bb2.redirectUri,
    log,
  });
  const http = {
    ...hooks,
    timeoutMs: config.bb2.requestTimeoutMs,
    maxResponseBytes: config.bb2.maxResponseBytes,
  };
  return { oauth, vault, flow, fetchImpl: makeFetch(http), getText: makeGetText(http) };
}

/** SESSION_SECRET, or in development a random one (sessions then end when the server restarts). */
export function sessionSecret(config: Config, log: Logger): string {
  if (config.server.sessionSecret) return config.server.sessionSecret;
  if (config.env === 'production') {
    throw new ConfigError([
      'SESSION_SECRET: required in production to sign cookies (npx bbsync gen-key prints one)',
    ]);
  }
  log.warn(
    'SESSION_SECRET is not set: using a random one, so logins and enrollment links end when the server restarts',
  );
  return randomBytes(32).toString('base64url');
}

/**
 * The start-up check of the BB2 settings against Blue Button's SMART configuration: a scope it
 * does not support (or no PKCE S256) stops the command with a ConfigError naming the setting; an
 * unreadable document (BB2 down) is a warning, so a BB2 outage does not keep the server down.
 */
export async function checkBb2Configuration(
  config: Config,
  fetchImpl: typeof fetch,
  log: Logger,
): Promise<SmartCheck> {
  const check = await checkSmartConfiguration({
    baseUrl: config.bb2.baseUrl,
    apiVersion: config.bb2.apiVersion,
    scopes: config.bb2.scopes,
    fetchImpl,
  });
  if (check.kind === 'mismatch') {
    throw new ConfigError(check.problems.map((p) => `${p} (checked against ${check.url})`));
  }
  if (check.kind === 'unreadable') {
    log.warn(
      { url: check.url, reason: check.reason },
      'could not read Blue Button’s SMART configuration: the BB2 settings are not checked',
    );
  }
  return check;
}
