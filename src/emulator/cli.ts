/**
 * `bbsync emulator`: runs the BB2 sandbox emulator until SIGINT or SIGTERM.
 *
 * stdout gets exactly one line, `BB2 emulator listening on http://HOST:PORT`, so scripts can wait
 * for it; everything else (clients, how to log in, the control API) goes to stderr.
 */
import { InputError } from '../errors.ts';
import { parseFaultsJson, type FaultConfig } from './faults.ts';
import { DEFAULT_CLIENT, startEmulator, type BeneficiaryFlags, type ClientRegistration } from './index.ts';
import { DATA_ACCESS_TYPES, type DataAccessType } from './oauth/records.ts';
import { parseThrottle, type ThrottleConfig } from './throttle.ts';

export interface EmulatorCommandOptions {
  host: string;
  port: string;
  users: string;
  seed: string;
  fixtures?: string;
  clientId?: string[];
  clientSecret?: string[];
  redirectUri?: string[];
  accessTokenTtl: string;
  faults?: string;
  publicUrl?: string;
  pageCacheMb: string;
  dataAccessType?: string;
  demographicScopes?: boolean;
  inactive?: boolean;
  partDOnly?: boolean;
  bene404?: string;
  samhsaRefused?: string;
  throttle?: string;
}

/** The registration flags (`--data-access-type`, `--no-demographic-scopes`, `--inactive`, `--part-d-only`) on every client. */
function withRegistrationFlags(
  clients: ClientRegistration[],
  options: EmulatorCommandOptions,
): ClientRegistration[] {
  const type = options.dataAccessType ?? 'THIRTEEN_MONTH';
  if (!(DATA_ACCESS_TYPES as readonly string[]).includes(type)) {
    throw new InputError(`--data-access-type must be one of ${DATA_ACCESS_TYPES.join(', ')}, got "${type}"`);
  }
  return clients.map((c) => ({
    ...c,
    dataAccessType: type as DataAccessType,
    requireDemographicScopes: options.demographicScopes !== false,
    active: options.inactive !== true,
    partDOnly: options.partDOnly === true,
  }));
}

/** `--bene-404` and `--samhsa-refused`: comma-separated patient ids. */
function beneficiaryFlags(options: EmulatorCommandOptions): Record<string, BeneficiaryFlags> {
  const out: Record<string, BeneficiaryFlags> = {};
  const ids = (text: string | undefined): string[] =>
    (text ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  for (const id of ids(options.bene404)) out[id] = { ...out[id], notFound: true };
  for (const id of ids(options.samhsaRefused)) out[id] = { ...out[id], samhsaRefused: true };
  return out;
}

function throttleOption(text: string | undefined): ThrottleConfig | undefined {
  if (text === undefined) return undefined;
  try {
    return parseThrottle(JSON.parse(text) as unknown);
  } catch (err) {
    throw new InputError(`--throttle: ${(err as Error).message}`);
  }
}

function integer(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value.trim())) throw new InputError(`--${name} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new InputError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Pairs --client-id, --client-secret and --redirect-uri in order; a redirect value may list several URIs separated by commas. */
export function clientsFromOptions(
  options: Pick<EmulatorCommandOptions, 'clientId' | 'clientSecret' | 'redirectUri'>,
): {
  clients: ClientRegistration[];
  isDefault: boolean;
} {
  const ids = options.clientId ?? [];
  const secrets = options.clientSecret ?? [];
  const redirects = options.redirectUri ?? [];
  if (ids.length === 0) {
    if (secrets.length > 0 || redirects.length > 0) {
      throw new InputError('--client-secret and --redirect-uri need a matching --client-id');
    }
    return { clients: [DEFAULT_CLIENT], isDefault: true };
  }
  if (secrets.length !== ids.length) {
    throw new InputError(
      `give one --client-secret per --client-id (got ${ids.length} ids and ${secrets.length} secrets)`,
    );
  }
  if (redirects.length !== ids.length) {
    throw new InputError(
      `give one --redirect-uri per --client-id (got ${ids.length} ids and ${redirects.length} redirect URIs)`,
    );
  }
  const clients = ids.map((clientId, i) => {
    const redirectUris = (redirects[i] ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    for (const uri of redirectUris) {
      try {
        new URL(uri);
      } catch {
        throw new InputError(`--redirect-uri for ${clientId} is not an absolute URL: ${uri}`);
      }
    }
    return { clientId, clientSecret: secrets[i] ?? '', redirectUris };
  });
  return { clients, isDefault: false };
}

export async function runEmulatorCommand(options: EmulatorCommandOptions): Promise<void> {
  const port = integer('port', options.port, 0, 65_535);
  const users = integer('users', options.users, 1);
  const seed = integer('seed', options.seed, 0);
  const ttl = integer('access-token-ttl', options.accessTokenTtl, 1);
  const pageCacheMb = integer('page-cache-mb', options.pageCacheMb ?? '512', 1, 1_000_000);
  const faults = faultsOption(options.faults);
  const parsed = clientsFromOptions(options);
  const clients = withRegistrationFlags(parsed.clients, options);
  const isDefault = parsed.isDefault;
  const throttle = throttleOption(options.throttle);
  if (options.publicUrl !== undefined && !URL.canParse(options.publicUrl)) {
    throw new InputError(`--public-url is not an absolute URL: ${options.publicUrl}`);
  }

  const emu = await startEmulator({
    host: options.host,
    port,
    users,
    seed,
    ...(options.fixtures !== undefined ? { fixtures: options.fixtures } : {}),
    clients,
    accessTokenTtlSeconds: ttl,
    pageCacheBytes: pageCacheMb * 1024 * 1024,
    ...(faults ? { faults } : {}),
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    beneficiaries: beneficiaryFlags(options),
    ...(throttle ? { throttle } : {}),
  }).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      throw new InputError(`port ${port} on ${options.host} is already in use (try --port 0)`);
    }
    if (e.code === 'ENOENT' && options.fixtures !== undefined) {
      throw new InputError(`--fixtures: no such folder: ${options.fixtures}`);
    }
    throw err;
  });

  printBanner(emu, {
    clients,
    isDefault,
    faults,
    source:
      options.fixtures !== undefined
        ? `fixtures from ${options.fixtures}`
        : `${users} synthetic users, seed ${seed}`,
  });
  const err = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      err(`Received ${signal}; shutting down.`);
      emu.close().then(resolve, (e: unknown) => {
        err(`bbsync: error while closing the emulator: ${(e as Error).message}`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function faultsOption(json: string | undefined): FaultConfig | undefined {
  if (json === undefined) return undefined;
  try {
    return parseFaultsJson(json);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
}

/** What a developer needs to start: where it listens, the users, the clients, the URLs to try. */
function printBanner(
  emu: { url: string },
  shown: {
    clients: readonly { clientId: string; clientSecret: string; redirectUris: readonly string[] }[];
    isDefault: boolean;
    faults: FaultConfig | undefined;
    source: string;
  },
): void {
  const { clients, isDefault, faults } = shown;
  const err = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  process.stdout.write(`BB2 emulator listening on ${emu.url}\n`);
  err(`Serving ${shown.source} (BBUser00000..; password PW<number>!, e.g. BBUser00001 / PW00001!).`);
  for (const c of clients) {
    err(
      `${isDefault ? 'Default demo client' : 'Client'} ${c.clientId} / ${c.clientSecret}, redirect ${c.redirectUris.join(' or ')}` +
        (isDefault ? ' (pass --client-id, --client-secret and --redirect-uri to register your own).' : '.'),
    );
  }
  err(
    `Log in: ${emu.url}/v2/o/authorize/?client_id=${clients[0]?.clientId ?? ''}&response_type=code&... (PKCE S256 and a state of 16+ characters).`,
  );
  err(
    `Discovery ${emu.url}/.well-known/openid-configuration; control API ${emu.url}/__emulator/ (loopback only).`,
  );
  if (faults) err(`Fault injection on: ${JSON.stringify(faults)}.`);
}
