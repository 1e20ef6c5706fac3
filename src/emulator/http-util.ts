/**
 * Small helpers over node:http shared by the emulator's handlers: bodies, forms, cookies, client
 * credentials and responses. Kept free of any framework so the hot FHIR path stays cheap.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Thrown by handlers to answer with a given status and body; the router turns it into a response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new HttpError(413, { detail: 'Request body too large.' });
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads an `application/x-www-form-urlencoded` body, as Django's `request.POST` does: any other
 * content type (JSON included) gives an empty form, which is why BB2 answers JSON token requests
 * with an OAuth error.
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const body = await readBody(req);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(body.toString('utf8'));
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, { error: 'invalid_json', detail: 'The request body is not valid JSON.' });
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string | undefined;
  /** How the credentials came: `basic` (Authorization header) or `post` (form body). */
  method: 'basic' | 'post';
}

function decodeFormComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Client credentials as DOT reads them: HTTP Basic first (`client_secret_basic`, id and secret
 * form-encoded inside the base64 as RFC 6749 2.3.1 says), else `client_id`/`client_secret` in the
 * form body (`client_secret_post`).
 */
export function clientCredentials(
  req: IncomingMessage,
  form: URLSearchParams,
): ClientCredentials | undefined {
  const header = req.headers.authorization;
  if (header && /^basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      return { clientId: decodeFormComponent(decoded), clientSecret: undefined, method: 'basic' };
    }
    return {
      clientId: decodeFormComponent(decoded.slice(0, colon)),
      clientSecret: decodeFormComponent(decoded.slice(colon + 1)),
      method: 'basic',
    };
  }
  const clientId = form.get('client_id');
  if (clientId === null || clientId === '') return undefined;
  return { clientId, clientSecret: form.get('client_secret') ?? undefined, method: 'post' };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string | number> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { 'Content-Length': buf.length, ...headers });
  res.end(buf);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string | number> = {},
): void {
  send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json', ...headers });
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string | number> = {},
): void {
  send(res, status, html, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string | number> = {},
): void {
  send(res, status, text, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
}

export function redirect(
  res: ServerResponse,
  location: string,
  headers: Record<string, string | number> = {},
): void {
  res.writeHead(302, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store', ...headers });
  res.end();
}

/** True for 127.0.0.0/8 and ::1, including IPv4-mapped IPv6 forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
