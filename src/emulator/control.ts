/**
 * The control API under /__emulator/ (loopback clients only), JSON in and out:
 *
 * - GET  /__emulator/                          this list
 * - GET  /__emulator/users?offset=0&limit=1000 `{"BBUser00000":"-19990000000001",...}`; limit
 *                                              defaults to 1000 and is at most 100000; headers
 *                                              X-Total-Count, and Link rel="next" while more remain
 * - GET  /__emulator/faults, POST /__emulator/faults   read or replace fault injection (`{}` = off)
 * - POST /__emulator/advance                   body: AdvanceOptions; runs a simulated weekly load
 *                                              (store.advance) and returns its AdvanceResult
 * - GET  /__emulator/stats, POST /__emulator/stats/reset
 * - POST /__emulator/grants/<patientId>/expire  the 13-month limit is reached now (tokens stay;
 *                                              refresh gives 401, FHIR calls 401). `?client_id=`
 *                                              limits it to one client
 * - POST /__emulator/grants/<patientId>/revoke  the grant is deleted, as when the beneficiary
 *                                              disconnects the app (refresh gives 403)
 * - POST /__emulator/tokens/expire              body `{"patientId"?, "clientId"?}`: access tokens
 *                                              expire now
 * - GET  /__emulator/config, POST /__emulator/config  `{"accessTokenTtlSeconds": N}`
 * - GET  /__emulator/clients, POST /__emulator/clients/<clientId>   registrations (no secrets);
 *                                              body `{"dataAccessType"?, "requireDemographicScopes"?,
 *                                              "active"?, "partDOnly"?}` changes one
 * - GET  /__emulator/beneficiaries, POST /__emulator/beneficiaries/<patientId>   body
 *                                              `{"notFound"?, "samhsaRefused"?}`
 * - GET|POST /__emulator/throttle              `{"limit", "windowSeconds", "per"}` (`{}` = BB2's)
 */
import type { Core, Ctx } from './core.ts';
import { badRequest, fractionField, readFields } from './body-fields.ts';
import type { AdvanceOptions } from './data/types.ts';
import { NO_FAULTS, parseFaults } from './faults.ts';
import { HttpError, readJson, sendJson } from './http-util.ts';
import { parseBeneficiaryFlags, parseRegistrationSettings, publicRegistration } from './registrations.ts';
import { parseThrottle } from './throttle.ts';

export const DEFAULT_USERS_LIMIT = 1000;
export const MAX_USERS_LIMIT = 100_000;

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text)) {
    throw badRequest(`${name} must be a non-negative integer`);
  }
  return Number(text);
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function userIndexesField(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((i) => Number.isInteger(i) && (i as number) >= 0)) {
    throw badRequest('userIndexes must be an array of non-negative integers');
  }
  return value as number[];
}

function parseAdvance(value: unknown): AdvanceOptions {
  return readFields<AdvanceOptions>(asObject(value, 'advance options'), 'option', {
    newClaimsFraction: fractionField,
    changedFraction: fractionField,
    removedFraction: fractionField,
    adjustedFraction: fractionField,
    cancelledFraction: fractionField,
    userIndexes: userIndexesField,
  });
}

function clientFilter(ctx: Ctx, core: Core): string | undefined {
  const clientId = ctx.query.get('client_id') ?? undefined;
  if (clientId !== undefined && !core.oauth.clients.has(clientId)) {
    throw new HttpError(404, { error: 'not_found', detail: `no client "${clientId}"` });
  }
  return clientId;
}

const INDEX = {
  endpoints: [
    'GET /__emulator/users?offset=0&limit=1000',
    'GET|POST /__emulator/faults',
    'POST /__emulator/advance',
    'GET /__emulator/stats',
    'POST /__emulator/stats/reset',
    'POST /__emulator/grants/{patientId}/expire[?client_id=]',
    'POST /__emulator/grants/{patientId}/revoke[?client_id=]',
    'POST /__emulator/tokens/expire',
    'GET|POST /__emulator/config',
    'GET /__emulator/clients',
    'POST /__emulator/clients/{clientId}',
    'GET /__emulator/beneficiaries',
    'POST /__emulator/beneficiaries/{patientId}',
    'GET|POST /__emulator/throttle',
  ],
};

/** GET /__emulator/users: a page of usernames and patient ids, with X-Total-Count and a next link. */
function listUsers(ctx: Ctx, core: Core): void {
  const offset = intParam(ctx.query, 'offset', 0);
  const limit = Math.min(intParam(ctx.query, 'limit', DEFAULT_USERS_LIMIT), MAX_USERS_LIMIT);
  const total = core.store.userCount;
  const users: Record<string, string> = {};
  for (let i = offset; i < Math.min(total, offset + limit); i++) {
    const u = core.store.userByIndex(i);
    if (u) users[u.username] = u.patientId;
  }
  const headers: Record<string, string> = { 'X-Total-Count': String(total) };
  if (offset + limit < total) {
    headers.Link = `<${ctx.base}/__emulator/users?offset=${offset + limit}&limit=${limit}>; rel="next"`;
  }
  sendJson(ctx.res, 200, users, headers);
}

/** GET or POST /__emulator/faults. */
async function handleFaults(ctx: Ctx, core: Core): Promise<boolean> {
  if (ctx.method === 'POST') {
    try {
      core.faults = parseFaults(await readJson(ctx.req));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw badRequest((err as Error).message);
    }
  } else if (ctx.method !== 'GET') {
    return false;
  }
  sendJson(ctx.res, 200, core.faults);
  return true;
}

/** POST /__emulator/advance: one simulated weekly load. */
async function advanceLoad(ctx: Ctx, core: Core): Promise<void> {
  const options = parseAdvance(await readJson(ctx.req));
  let result;
  try {
    result = core.store.advance(options);
  } catch (err) {
    if (err instanceof RangeError) throw badRequest(err.message);
    throw err;
  }
  // Every Bundle's meta.lastUpdated is the new transaction time, so no cached page is current.
  core.pageCache.clear();
  sendJson(ctx.res, 200, result);
}

/** POST /__emulator/grants/<patientId>/(expire|revoke)[?client_id=]. */
function changeGrants(ctx: Ctx, core: Core, patientId: string, action: string): void {
  const now = core.clock().getTime();
  const only = clientFilter(ctx, core);
  const grants = core.oauth
    .grantsOfPatient(patientId)
    .filter((g) => only === undefined || g.clientId === only);
  for (const g of grants) {
    if (action === 'expire') core.oauth.expireGrant(g.clientId, patientId, now);
    else core.oauth.deleteGrant(g.clientId, patientId);
  }
  sendJson(ctx.res, grants.length > 0 ? 200 : 404, {
    patientId,
    [action === 'expire' ? 'expired' : 'revoked']: grants.map((g) => g.clientId),
  });
}

/** POST /__emulator/tokens/expire. */
async function expireTokens(ctx: Ctx, core: Core): Promise<void> {
  const now = core.clock().getTime();
  const body = asObject(await readJson(ctx.req), 'body');
  const filter: { patientId?: string; clientId?: string } = {};
  if (typeof body.patientId === 'string') filter.patientId = body.patientId;
  if (typeof body.clientId === 'string') filter.clientId = body.clientId;
  sendJson(ctx.res, 200, { expired: core.oauth.expireAccessTokens(now, filter) });
}

/** GET or POST /__emulator/config. */
async function handleConfig(ctx: Ctx, core: Core): Promise<boolean> {
  if (ctx.method === 'POST') {
    const body = asObject(await readJson(ctx.req), 'config');
    for (const key of Object.keys(body)) {
      if (key !== 'accessTokenTtlSeconds') {
        throw badRequest(`unknown setting "${key}"`);
      }
    }
    const ttl = body.accessTokenTtlSeconds;
    if (ttl !== undefined) {
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0) {
        throw badRequest('accessTokenTtlSeconds must be a positive integer');
      }
      core.accessTokenTtlSeconds = ttl;
    }
  } else if (ctx.method !== 'GET') {
    return false;
  }
  sendJson(ctx.res, 200, {
    accessTokenTtlSeconds: core.accessTokenTtlSeconds,
    ...core.oauth.counts(),
    faultsOff: isOff(core),
  });
  return true;
}

/** The control routes of one method and path, by `METHOD path`. */
const EXACT_ROUTES: Readonly<Record<string, (ctx: Ctx, core: Core) => void | Promise<void>>> = {
  'GET ': (ctx) => sendJson(ctx.res, 200, INDEX),
  'GET users': listUsers,
  'POST advance': advanceLoad,
  'GET stats': (ctx, core) =>
    sendJson(
      ctx.res,
      200,
      core.stats.snapshot({ entries: core.pageCache.size, bytes: core.pageCache.bytes }),
    ),
  'POST stats/reset': (ctx, core) => {
    core.stats.reset(core.clock());
    sendJson(ctx.res, 200, { reset: true });
  },
  'POST tokens/expire': expireTokens,
};

/** Handles one control request; false when no control route matches (the router answers 404). */
export async function handleControl(ctx: Ctx, core: Core, rest: string): Promise<boolean> {
  const exact = EXACT_ROUTES[`${ctx.method} ${rest}`];
  if (exact) {
    await exact(ctx, core);
    return true;
  }
  if (rest === 'faults') return handleFaults(ctx, core);
  const grantMatch = /^grants\/([^/]+)\/(expire|revoke)$/.exec(rest);
  if (grantMatch && ctx.method === 'POST') {
    changeGrants(ctx, core, decodeURIComponent(grantMatch[1] ?? ''), grantMatch[2] ?? '');
    return true;
  }
  if (await handleRegistrations(ctx, core, rest)) return true;
  return rest === 'config' && handleConfig(ctx, core);
}

/** Application registrations, beneficiary flags and the throttle. */
async function handleRegistrations(ctx: Ctx, core: Core, rest: string): Promise<boolean> {
  const { method } = ctx;
  if (rest === 'clients' && method === 'GET') {
    sendJson(ctx.res, 200, [...core.oauth.clients.values()].map(publicRegistration));
    return true;
  }
  const clientMatch = /^clients\/([^/]+)$/.exec(rest);
  if (clientMatch && method === 'POST') {
    const clientId = decodeURIComponent(clientMatch[1] ?? '');
    const client = core.oauth.clients.get(clientId);
    if (!client) throw new HttpError(404, { error: 'not_found', detail: `no client "${clientId}"` });
    Object.assign(client, parseRegistrationSettings(asObject(await readJson(ctx.req), 'settings')));
    sendJson(ctx.res, 200, publicRegistration(client));
    return true;
  }
  if (rest === 'beneficiaries' && method === 'GET') {
    sendJson(ctx.res, 200, core.beneficiaries.all());
    return true;
  }
  const beneMatch = /^beneficiaries\/([^/]+)$/.exec(rest);
  if (beneMatch && method === 'POST') {
    const patientId = decodeURIComponent(beneMatch[1] ?? '');
    if (!core.store.userByPatientId(patientId)) {
      throw new HttpError(404, { error: 'not_found', detail: `no beneficiary "${patientId}"` });
    }
    const flags = parseBeneficiaryFlags(asObject(await readJson(ctx.req), 'flags'));
    sendJson(ctx.res, 200, { patientId, ...core.beneficiaries.set(patientId, flags) });
    return true;
  }
  if (rest === 'throttle' && (method === 'GET' || method === 'POST')) {
    if (method === 'POST') {
      try {
        core.throttle.set(parseThrottle(await readJson(ctx.req)));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw badRequest((err as Error).message);
      }
    }
    sendJson(ctx.res, 200, core.throttle.config);
    return true;
  }
  return false;
}

function isOff(core: Core): boolean {
  return JSON.stringify(core.faults) === JSON.stringify(NO_FAULTS);
}
