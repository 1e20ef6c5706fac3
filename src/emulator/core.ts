/** State shared by the emulator's handlers, and the per-request context. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ByteLru } from './cache.ts';
import type { DataStore } from './data/types.ts';
import type { FaultConfig } from './faults.ts';
import type { SplicedGzipTail } from './gzip-splice.ts';
import type { OAuthState } from './oauth/state.ts';
import type { Beneficiaries } from './registrations.ts';
import type { Stats } from './stats.ts';
import type { Throttle } from './throttle.ts';

/** A cached search page: the Bundle JSON after its `id` value, plus its gzip form once asked for. */
export interface CachedPage {
  /** The bytes after the Bundle id: `","meta":...}`. */
  readonly tail: Buffer;
  gzipTail?: SplicedGzipTail;
}

export interface Core {
  readonly store: DataStore;
  readonly oauth: OAuthState;
  readonly stats: Stats;
  faults: FaultConfig;
  accessTokenTtlSeconds: number;
  readonly clock: () => Date;
  readonly random: () => number;
  /** When set, links and discovery use this base instead of the request's Host. */
  readonly publicUrl: string | undefined;
  /** The server's own base URL, e.g. http://127.0.0.1:8000 (set once listening). */
  url: string;
  readonly pageCache: ByteLru<CachedPage>;
  readonly startedAt: Date;
  /** Per-beneficiary flags (bene_404, SAMHSA refused) and first-login times. */
  readonly beneficiaries: Beneficiaries;
  /** BB2's FHIR rate limit and its X-RateLimit-* headers. */
  readonly throttle: Throttle;
}

export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Base URL for links in this response (no trailing slash). */
  readonly base: string;
  /** Method and route pattern, for stats. */
  route: string;
  /** Set when fault injection dropped the connection. */
  reset?: boolean;
}

export function nowMs(core: Core): number {
  return core.clock().getTime();
}
