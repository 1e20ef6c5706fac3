/**
 * Whether cookies get the Secure attribute. COOKIE_SECURE=auto (the default) means Secure unless
 * the server listens on loopback only (a developer's machine, or a proxy on the same host): there,
 * Secure when the request came over https (directly or as a trusted proxy says).
 */
import { isIP } from 'node:net';

import type { FastifyRequest } from 'fastify';

import type { Config } from '../config.ts';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export function cookieSecurity(
  config: Pick<Config, 'server'>,
  listenHost: string = config.server.host,
): (request: FastifyRequest) => boolean {
  const setting = config.server.cookieSecure;
  if (setting !== 'auto') return () => setting;
  if (!isLoopbackHost(listenHost)) return () => true;
  return (request) => request.protocol === 'https';
}
