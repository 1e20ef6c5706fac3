/**
 * `bbsync emulator` in-process: a faithful local Blue Button 2.0 sandbox (OAuth 2.0 as BB2 does it,
 * the FHIR v2 endpoints with BB2's paging and errors, a control API and fault injection).
 *
 *   const emu = await startEmulator({ users: 100, seed: 1, port: 0 });
 *   // emu.url === 'http://127.0.0.1:43121'
 *   await emu.close();
 *
 * Nothing here imports the sync pipeline: the emulator stands alone.
 */
import { ByteLru } from './cache.ts';
import type { CachedPage, Core } from './core.ts';
import type { DataStore } from './data/types.ts';
import { NO_FAULTS, parseFaults, type FaultConfig } from './faults.ts';
import type { ClientRegistration } from './oauth/records.ts';
import { OAuthState } from './oauth/state.ts';
import { Beneficiaries, type BeneficiaryFlags } from './registrations.ts';
import { recordSecrets, secretRecordDir } from './secret-record.ts';
import { createEmulatorServer, listen } from './server.ts';
import { parseThrottle, Throttle, type ThrottleConfig } from './throttle.ts';
import { Stats, type StatsSnapshot } from './stats.ts';

export type { ClientRegistration } from './oauth/records.ts';
export type { FaultConfig } from './faults.ts';
export type { BeneficiaryFlags } from './registrations.ts';
export type { ThrottleConfig } from './throttle.ts';
export type { StatsSnapshot } from './stats.ts';
export type { DataStore } from './data/types.ts';

/** The client registered when none is given: the demo app's. */
export const DEFAULT_CLIENT: ClientRegistration = Object.freeze({
  clientId: 'bbsync-local',
  clientSecret: 'bbsync-local-secret',
  redirectUris: ['http://127.0.0.1:3000/enroll/callback', 'http://localhost:3000/enroll/callback'],
  name: 'bbsync (local demo)',
});

export interface EmulatorOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** The data to serve. When absent, one is built from `fixtures`, else from `users` and `seed`. */
  store?: DataStore;
  /** Synthetic users BBUser00000.. (default 100). */
  users?: number;
  /** Seed of the synthetic data (default 1). */
  seed?: number;
  /** A folder of BB2 responses to serve instead of synthetic data. */
  fixtures?: string;
  /** Confidential clients. Default: {@link DEFAULT_CLIENT}. */
  clients?: readonly ClientRegistration[];
  /** Access token lifetime (BB2: 3600). */
  accessTokenTtlSeconds?: number;
  /** Fault injection at start; same shape as POST /__emulator/faults. */
  faults?: Partial<FaultConfig>;
  /** The clock for expiry (tokens, codes, grants) and timestamps. Default: the system clock. */
  now?: () => Date;
  /** Random source for fault injection (0 <= x < 1). Default Math.random. */
  random?: () => number;
  /** Base URL to put in links and discovery instead of the request's Host, e.g. behind a proxy. */
  publicUrl?: string;
  /** Byte budget of the search-page cache (JSON plus gzip). Default 512 MiB. */
  pageCacheBytes?: number;
  /** Beneficiary flags by patient id: `{ notFound?, samhsaRefused? }`. */
  beneficiaries?: Record<string, BeneficiaryFlags>;
  /** The FHIR rate limit (default BB2's: 100000 per second per access token). */
  throttle?: Partial<ThrottleConfig>;
  /** Where unexpected errors are reported. Default: stderr. */
  log?: (line: string) => void;
}

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:8000 (no trailing slash). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly store: DataStore;
  readonly clients: readonly ClientRegistration[];
  /** Replaces fault injection (missing keys are off), like POST /__emulator/faults. */
  setFaults(faults: Partial<FaultConfig>): FaultConfig;
  /** Changes the lifetime of access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  stats(): StatsSnapshot;
  /** Every access and refresh token issued so far (for tests that look for leaked tokens). */
  issuedTokens(): readonly string[];
  close(): Promise<void>;
}

/** The demo client, or the given ones after checking them. */
function checkClients(clients: readonly ClientRegistration[]): ClientRegistration[] {
  const seen = new Set<string>();
  return clients.map((c) => {
    if (!c.clientId) throw new Error('a client needs a clientId');
    if (!c.clientSecret) throw new Error(`client ${c.clientId} needs a clientSecret`);
    if (c.redirectUris.length === 0) throw new Error(`client ${c.clientId} needs at least one redirect URI`);
    for (const uri of c.redirectUris) {
      try {
        new URL(uri);
      } catch {
        throw new Error(`client ${c.clientId}: redirect URI is not an absolute URL: ${uri}`);
      }
    }
    if (seen.has(c.clientId)) throw new Error(`client ${c.clientId} is registered twice`);
    seen.add(c.clientId);
    return { ...c, redirectUris: [...c.redirectUris] };
  });
}

/** Builds the DataStore from the options (the data layer lives in ./data). */
export async function buildStore(
  options: Pick<EmulatorOptions, 'store' | 'users' | 'seed' | 'fixtures' | 'now'>,
): Promise<DataStore> {
  if (options.store) return options.store;
  const data = await import('./data/index.ts');
  const now = options.now;
  if (options.fixtures !== undefined) {
    return data.createFixtureStore(now ? { dir: options.fixtures, now } : { dir: options.fixtures });
  }
  const users = options.users ?? 100;
  const seed = options.seed ?? 1;
  return data.createSyntheticStore(now ? { users, seed, now } : { users, seed });
}

function urlFor(host: string, port: number): string {
  const shown =
    host === '0.0.0.0' || host === ''
      ? '127.0.0.1'
      : host === '::'
        ? '[::1]'
        : host.includes(':')
          ? `[${host}]`
          : host;
  return `http://${shown}:${port}`;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const clients = checkClients(options.clients ?? [DEFAULT_CLIENT]);
  const clock = options.now ?? (() => new Date());
  const store = await buildStore(options);
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('accessTokenTtlSeconds must be a positive integer');
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const core: Core = {
    store,
    oauth: new OAuthState(clients),
    stats: new Stats(clock()),
    faults: options.faults ? parseFaults(options.faults) : { ...NO_FAULTS },
    accessTokenTtlSeconds: ttl,
    clock,
    random: options.random ?? Math.random,
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    url: '',
    pageCache: new ByteLru<CachedPage>(options.pageCacheBytes ?? 512 * 1024 * 1024),
    startedAt: clock(),
    beneficiaries: new Beneficiaries(),
    throttle: new Throttle(parseThrottle(options.throttle ?? {})),
  };
  const recordDir = secretRecordDir();
  if (recordDir) recordSecrets(recordDir, core.oauth, store, clients);
  for (const [patientId, flags] of Object.entries(options.beneficiaries ?? {})) {
    core.beneficiaries.set(patientId, flags);
  }
  const server = createEmulatorServer(core, log);
  const address = await listen(server, options.port ?? 0, host);
  core.url = urlFor(host, address.port);
  let closed: Promise<void> | undefined;
  return {
    url: core.url,
    host,
    port: address.port,
    store,
    clients,
    setFaults(faults) {
      core.faults = parseFaults(faults);
      return core.faults;
    },
    setAccessTokenTtl(seconds) {
      if (!Number.isInteger(seconds) || seconds <= 0) {
        throw new Error('access token TTL must be a positive integer');
      }
      core.accessTokenTtlSeconds = seconds;
    },
    stats: () => core.stats.snapshot({ entries: core.pageCache.size, bytes: core.pageCache.bytes }),
    issuedTokens: () => [...core.oauth.issued],
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
