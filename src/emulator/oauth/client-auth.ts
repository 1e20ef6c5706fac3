/** DOT's client authentication, shared by the token, revoke and introspect endpoints. */
import type { Core, Ctx } from '../core.ts';
import { clientCredentials, HttpError } from '../http-util.ts';
import type { ClientRegistration } from './records.ts';

/** Token responses are never cached. */
export const TOKEN_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** DOT's client authentication (client_secret_basic or client_secret_post). */
export function authenticateClient(
  ctx: Ctx,
  core: Core,
  form: URLSearchParams,
): Required<ClientRegistration> | undefined {
  const creds = clientCredentials(ctx.req, form);
  if (!creds) return undefined;
  const client = core.oauth.clients.get(creds.clientId);
  if (!client || creds.clientSecret === undefined || creds.clientSecret !== client.clientSecret) {
    return undefined;
  }
  return client;
}

export function invalidClient(): HttpError {
  return new HttpError(
    401,
    { error: 'invalid_client' },
    { 'WWW-Authenticate': 'Bearer error="invalid_client"', ...TOKEN_HEADERS },
  );
}
