/** The emulator's HTTP server: routing, error bodies, stats and the control-API guard. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { handleControl } from './control.ts';
import type { Core, Ctx } from './core.ts';
import { capabilityStatement, openidConfiguration, smartConfiguration } from './discovery.ts';
import { handleRead, handleSearch } from './v2-endpoints.ts';
import type { SearchType } from './fhir-search.ts';
import { HttpError, isLoopback, send, sendJson } from './http-util.ts';
import { handleAuthorize } from './oauth/authorize.ts';
import { handleConsent } from './oauth/consent.ts';
import { handleLogin } from './oauth/login.ts';
import { handleExpireAuthenticatedUser, handleIntrospect, handleRevokeToken } from './oauth/revoke.ts';
import { handleToken } from './oauth/token.ts';
import { handleUserinfo } from './oauth/userinfo.ts';
import { setUnthrottledHeaders } from './throttle.ts';
import { routeV3 } from './v3/routes.ts';

const FHIR_TYPES = new Set<string>(['Patient', 'Coverage', 'ExplanationOfBenefit']);
const HOST_RE = /^[A-Za-z0-9.\-_]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function baseFor(req: IncomingMessage, core: Core): string {
  if (core.publicUrl) return core.publicUrl;
  const host = req.headers.host;
  return host && HOST_RE.test(host) ? `http://${host}` : core.url;
}

function methodNotAllowed(method: string): HttpError {
  return new HttpError(405, { detail: `Method "${method}" not allowed.` });
}

/** Dispatches one request; sets ctx.route (for stats) before doing the work. */
async function route(ctx: Ctx, core: Core): Promise<void> {
  // One trailing slash is optional everywhere BB2 has one (or tolerates none).
  const path = ctx.path.length > 1 && ctx.path.endsWith('/') ? ctx.path.slice(0, -1) : ctx.path;
  let handled: boolean;
  if (path.startsWith('/v3/') || path === '/.well-known/openid-configuration-v3') {
    handled = await routeV3(ctx, core, path);
  } else if (path.startsWith('/v2/fhir/')) {
    handled = await routeV2Fhir(ctx, core, path.slice('/v2/fhir/'.length));
  } else if (path.startsWith('/v2/o/')) {
    handled = await routeV2OAuth(ctx, core, path.slice('/v2/o/'.length));
  } else {
    handled = await routeOthers(ctx, core, path);
  }
  if (handled) return;
  ctx.route = `${ctx.method} (unmatched)`;
  throw new HttpError(404, { detail: 'Not found.' });
}

function isGet(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** `/v2/fhir/<rest>`: metadata, SMART configuration, searches and reads. */
async function routeV2Fhir(ctx: Ctx, core: Core, rest: string): Promise<boolean> {
  const { method } = ctx;
  const get = isGet(method);
  if (rest === 'metadata') {
    ctx.route = `${method} /v2/fhir/metadata`;
    if (!get) throw methodNotAllowed(method);
    sendJson(
      ctx.res,
      200,
      capabilityStatement(ctx.base, core.startedAt.toISOString().replace(/\.\d{3}Z$/, '+00:00')),
      {
        'Content-Type': 'application/fhir+json',
      },
    );
    return true;
  }
  if (rest === '.well-known/smart-configuration') {
    ctx.route = `${method} /v2/fhir/.well-known/smart-configuration`;
    sendJson(ctx.res, 200, smartConfiguration(core.publicUrl ?? ctx.base));
    return true;
  }
  const slash = rest.indexOf('/');
  const type = slash < 0 ? rest : rest.slice(0, slash);
  if (!FHIR_TYPES.has(type)) return false;
  if (slash < 0) {
    ctx.route = `${method} /v2/fhir/${type}/`;
    if (!get) throw methodNotAllowed(method);
    await handleSearch(ctx, core, type as SearchType);
    return true;
  }
  const id = decodeURIComponent(rest.slice(slash + 1));
  if (id.includes('/')) return false;
  ctx.route = `${method} /v2/fhir/${type}/{id}`;
  if (!get) throw methodNotAllowed(method);
  await handleRead(ctx, core, type as SearchType, id);
  return true;
}

/** One OAuth endpoint: its stats label, the methods it answers and its handler. */
interface OAuthRoute {
  readonly label: string;
  readonly methods: readonly string[];
  readonly handle: (ctx: Ctx, core: Core) => void | Promise<void>;
}

/** `/v2/o/<rest>`: BB2's OAuth endpoints (authorize, consent, token, revoke, introspect, expire). */
function oauthRoute(rest: string): OAuthRoute | undefined {
  if (rest === 'authorize') return { label: 'authorize/', methods: ['GET', 'POST'], handle: handleAuthorize };
  if (rest.startsWith('authorize/') && !rest.slice(10).includes('/')) {
    return {
      label: 'authorize/{uuid}/',
      methods: ['GET', 'POST'],
      handle: (ctx, core) => handleConsent(ctx, core, rest.slice(10)),
    };
  }
  if (rest === 'token')
    return { label: 'token/', methods: ['POST'], handle: (ctx, core) => handleToken(ctx, core) };
  if (rest === 'revoke_token' || rest === 'revoke') {
    return {
      label: `${rest}/`,
      methods: ['POST'],
      handle: (ctx, core) => handleRevokeToken(ctx, core, rest === 'revoke'),
    };
  }
  if (rest === 'introspect')
    return { label: 'introspect/', methods: ['GET', 'POST'], handle: handleIntrospect };
  const expire = /^expire_authenticated_user\/([^/]+)$/.exec(rest);
  if (expire) {
    return {
      label: 'expire_authenticated_user/{patientId}/',
      methods: ['POST'],
      handle: (ctx, core) => handleExpireAuthenticatedUser(ctx, core, decodeURIComponent(expire[1] ?? '')),
    };
  }
  return undefined;
}

async function routeV2OAuth(ctx: Ctx, core: Core, rest: string): Promise<boolean> {
  const found = oauthRoute(rest);
  if (!found) return false;
  ctx.route = `${ctx.method} /v2/o/${found.label}`;
  if (!found.methods.includes(ctx.method)) throw methodNotAllowed(ctx.method);
  await found.handle(ctx, core);
  return true;
}

const OPENID_CONFIGURATION_PATHS = new Set([
  '/.well-known/openid-configuration',
  '/.well-known/openid-configuration-v2',
  '/v2/connect/.well-known/openid-configuration',
]);

/** The Medicare.gov login, userinfo, discovery, the control API and the root. */
async function routeOthers(ctx: Ctx, core: Core, path: string): Promise<boolean> {
  const { method } = ctx;
  const get = isGet(method);
  if (path === '/mymedicare/login') {
    ctx.route = `${method} /mymedicare/login`;
    if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(method);
    await handleLogin(ctx, core);
    return true;
  }
  if (path === '/v2/connect/userinfo') {
    ctx.route = `${method} /v2/connect/userinfo`;
    if (!get) throw methodNotAllowed(method);
    handleUserinfo(ctx, core);
    return true;
  }
  if (OPENID_CONFIGURATION_PATHS.has(path)) {
    ctx.route = `${method} ${path}`;
    if (!get) throw methodNotAllowed(method);
    sendJson(ctx.res, 200, openidConfiguration(core.publicUrl ?? ctx.base));
    return true;
  }
  if (path === '/__emulator' || path.startsWith('/__emulator/')) return routeControl(ctx, core, path);
  if (path !== '/' || !get) return false;
  ctx.route = `${method} /`;
  sendJson(ctx.res, 200, {
    name: 'Blue Button 2.0 sandbox emulator',
    discovery: `${ctx.base}/.well-known/openid-configuration`,
    fhir: `${ctx.base}/v2/fhir/`,
    control: `${ctx.base}/__emulator/`,
  });
  return true;
}

/** `/__emulator/...`: the control API, for loopback clients only. */
function routeControl(ctx: Ctx, core: Core, path: string): Promise<boolean> {
  const rest = path === '/__emulator' ? '' : path.slice('/__emulator/'.length);
  ctx.route = `${ctx.method} /__emulator/${rest.replace(/^grants\/[^/]+\//, 'grants/{patientId}/')}`;
  if (!isLoopback(ctx.req.socket.remoteAddress)) {
    throw new HttpError(403, {
      error: 'forbidden',
      detail: 'The control API answers loopback clients only.',
    });
  }
  return handleControl(ctx, core, rest);
}

function sendError(res: ServerResponse, err: HttpError): void {
  if (typeof err.body === 'string') {
    send(res, err.status, err.body, { 'Content-Type': 'text/html; charset=utf-8', ...err.headers });
  } else {
    sendJson(res, err.status, err.body, err.headers);
  }
}

export function createEmulatorServer(core: Core, log: (line: string) => void): Server {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    if (path.startsWith('//')) path = path.replace(/^\/+/, '/');
    const ctx: Ctx = {
      req,
      res,
      method: req.method ?? 'GET',
      path,
      query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
      base: baseFor(req, core),
      route: `${req.method ?? 'GET'} (unmatched)`,
    };
    // ThrottleMiddleware puts the three headers on every response; the FHIR views set real values.
    setUnthrottledHeaders(res);
    route(ctx, core)
      .catch((err: unknown) => {
        if (ctx.reset || res.headersSent) {
          if (!(err instanceof HttpError)) log(`emulator: ${(err as Error).stack ?? String(err)}`);
          if (!res.writableEnded && !ctx.reset) res.destroy();
          return;
        }
        if (err instanceof HttpError) {
          sendError(res, err);
        } else if (err instanceof URIError) {
          sendJson(res, 400, { detail: 'Malformed URL.' });
        } else {
          log(`emulator: ${(err as Error).stack ?? String(err)}`);
          sendJson(res, 500, { error: 'Server Error (500)' });
        }
      })
      .finally(() => {
        core.stats.record(ctx.route, ctx.reset ? 'reset' : res.statusCode);
      });
  });
  // Outlive undici's default keep-alive so pooled client connections are never cut mid-request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
