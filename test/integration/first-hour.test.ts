/**
 * The first hour of a new user (issue 14): each README command run as a real child process with
 * each of the usual mistakes. Every one must exit (a generous timeout catches a hang) with its
 * documented exit code and say in one line what is wrong and how to fix it: no stack trace, no
 * flood of retries, no "[ioredis] Unhandled error event".
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { loadConfig } from '../../src/config.ts';
import { DEFAULT_CLIENT, type RunningEmulator } from '../../src/emulator/index.ts';
import { startTestEmulator, TEST_KEY } from '../helpers/bb2.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/bbsync.js');
/** Far above any honest start-up: a command still running then has hung. */
const HANG_MS = 60_000;

interface Run {
  code: number | null;
  hung: boolean;
  stdout: string;
  stderr: string;
}

let scratch: string;
let tdb: TestDatabase;
let emulator: RunningEmulator;
let closedPort: number;

/** Runs `bbsync` in a folder of its own (no .env), with only the environment given. */
function bbsync(args: string[], env: Record<string, string> = {}, cwd = scratch): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd,
        timeout: HANG_MS,
        killSignal: 'SIGKILL',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...env },
      },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: unknown; killed?: boolean }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          hung: Boolean(e?.killed),
          stdout,
          stderr,
        });
      },
    );
  });
}

/** The environment of a working setup against the test services and the emulator. */
function working(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: tdb.url,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: `bbsync-test-${inject('testRunId')}-firsthour`,
    BB2_BASE_URL: emulator.url,
    BB2_CLIENT_ID: DEFAULT_CLIENT.clientId,
    BB2_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
    TOKEN_ENCRYPTION_KEY: TEST_KEY,
    ...extra,
  };
}

/** Exited by itself with `code`, and stderr is one "bbsync: ..." line matching `message`. */
function expectOneLine(run: Run, code: number, message: RegExp): void {
  expect(run.hung, `hung; stderr so far:\n${run.stderr}`).toBe(false);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^bbsync: /);
  expect(lines[0]).toMatch(message);
  expect(run.code, run.stderr).toBe(code);
}

/** Like expectOneLine, for services that try a few times first: one line per attempt, then the verdict. */
function expectAttemptsThenOneLine(run: Run, code: number, message: RegExp): void {
  expect(run.hung, `hung; stderr so far:\n${run.stderr}`).toBe(false);
  expect(run.stderr).not.toMatch(/Unhandled error event|\n\s+at /);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines.length, run.stderr).toBeLessThanOrEqual(3);
  for (const line of lines.slice(0, -1))
    expect(line).toMatch(/^bbsync: .*trying again in \d+ s \(attempt \d of 3\)$/);
  expect(lines.at(-1)).toMatch(/^bbsync: /);
  expect(lines.at(-1)).toMatch(message);
  expect(run.code, run.stderr).toBe(code);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'bbsync-first-hour-'));
  tdb = await createTestDatabase('first_hour');
  emulator = await startTestEmulator({ users: 20 });
  closedPort = await freePort();
});
afterAll(async () => {
  await emulator?.close();
  await tdb?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe.concurrent('1. a command that cannot start says why in one line and exits', () => {
  it.each([['worker'], ['server'], ['enroll-synthetic', '--users', '0-1']])(
    '%s without TOKEN_ENCRYPTION_KEY exits 3 naming the setting and gen-key',
    async (...args) => {
      const run = await bbsync(args, working({ TOKEN_ENCRYPTION_KEY: '' }));
      expectOneLine(run, 3, /TOKEN_ENCRYPTION_KEY: required .*npx bbsync gen-key/);
    },
  );

  it.each([
    [['server', '--port', 'abc'], /--port abc: expected a whole number from 0 to 65535/],
    [['server', '--port', '99999'], /--port 99999: expected a whole number from 0 to 65535/],
    [['worker', '--concurrency', '0'], /--concurrency 0: expected a whole number from 1 to 256/],
  ])('%j is refused before anything opens, exit 2', async (args, message) => {
    expectOneLine(await bbsync(args, working()), 2, message);
  });

  it('names a missing file without a stack trace, exit 2', async () => {
    const plain = await bbsync(['import', 'missing.json'], working());
    expectOneLine(plain, 2, /missing\.json: no such file or folder/);
  });
});

describe.concurrent('2. a worker with Redis down says so, once per attempt, and exits', () => {
  it('worker: "cannot reach Redis" after at most three attempts, exit 4, no ioredis stack traces', async () => {
    const run = await bbsync(['worker'], working({ REDIS_URL: `redis://127.0.0.1:${closedPort}` }));
    expectAttemptsThenOneLine(
      run,
      4,
      new RegExp(
        `cannot reach Redis at 127\\.0\\.0\\.1:${closedPort} \\(connection refused\\); start it .* or set REDIS_URL`,
      ),
    );
    expect(run.stdout).not.toMatch(/worker error/);
  });

  it.skipIf(existsSync('/var/run/docker.sock'))(
    'demo: says which service is missing and how to start it, exit 4',
    async () => {
      const run = await bbsync(['demo', '--exit'], { REDIS_URL: `redis://127.0.0.1:${closedPort}` });
      expectOneLine(
        run,
        4,
        /the demo needs Redis \(127\.0\.0\.1:\d+\), and nothing answers there .* or set REDIS_URL/,
      );
    },
  );

  it('sync --all: the same line at once, exit 4', async () => {
    const run = await bbsync(['sync', '--all'], working({ REDIS_URL: `redis://127.0.0.1:${closedPort}` }));
    expectOneLine(run, 4, /cannot reach Redis at .* \(connection refused\); start it .* or set REDIS_URL/);
  });
});

describe.concurrent('3. every command explains a Postgres problem the same way', () => {
  const commands = [
    ['migrate'],
    ['report'],
    ['import', 'x.json'],
    ['sync', '--all'],
    ['unenroll', 'enr_0123'],
    ['rotate-key'],
    ['worker'],
    ['server'],
  ];
  it.each(commands)('%s: Postgres not running -> "cannot reach Postgres", exit 4', async (...args) => {
    writeFileSync(join(scratch, 'x.json'), '{"resourceType":"Patient","id":"p1"}');
    const run = await bbsync(
      args,
      working({ DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/bbsync` }),
    );
    expectAttemptsThenOneLine(
      run,
      4,
      new RegExp(
        `cannot reach Postgres at 127\\.0\\.0\\.1:${closedPort} \\(connection refused\\); start it .* or set DATABASE_URL`,
      ),
    );
  });

  it.each([['migrate'], ['report']])('%s: a wrong user is named, exit 4', async (...args) => {
    const url = new URL(tdb.url);
    url.username = 'nobody_firsthour';
    const run = await bbsync(args, working({ DATABASE_URL: url.toString() }));
    expectOneLine(
      run,
      4,
      /Postgres at .* refused user "nobody_firsthour" .*; set the user and password in DATABASE_URL/,
    );
  });

  it('migrate: a wrong host is named, exit 4', async () => {
    const run = await bbsync(
      ['migrate'],
      working({ DATABASE_URL: 'postgres://postgres@nohost.invalid/bbsync' }),
    );
    expectOneLine(run, 4, /cannot reach Postgres at nohost\.invalid \(unknown host "nohost\.invalid"\)/);
  });

  it('migrate: a mysql:// URL is refused as configuration, exit 3', async () => {
    const run = await bbsync(['migrate'], working({ DATABASE_URL: 'mysql://root@127.0.0.1/bbsync' }));
    expectOneLine(run, 3, /DATABASE_URL: must be a Postgres URL \(postgres:\/\/ or postgresql:\/\/\.\.\.\)/);
  });
});

describe.concurrent('4. input that cannot be meant is refused', () => {
  it('unenroll --purge --keep-data conflict, exit 2', async () => {
    const run = await bbsync(['unenroll', 'enr_0123', '--purge', '--keep-data'], working());
    expectOneLine(run, 2, /option '--purge' cannot be used with option '--keep-data'/);
  });

  it('sync --all --enrollment conflict, exit 2', async () => {
    const run = await bbsync(['sync', '--all', '--enrollment', 'enr_0123'], working());
    expectOneLine(run, 2, /option '--all' cannot be used with option '--enrollment <id>'/);
  });

  it.each([['0-99999'], ['20-21']])(
    'enroll-synthetic --users %s against a 20-user emulator names its population, exit 2',
    async (range) => {
      const run = await bbsync(['enroll-synthetic', '--users', range], working());
      expectOneLine(
        run,
        2,
        /--users: the emulator at .* has 20 synthetic users \(BBUser00000 to BBUser00019\), so \d+ is out of range; use numbers from 0 to 19/,
      );
    },
  );

  it('gen-key --id refuses an id the configuration would refuse, and prints one it accepts', async () => {
    expectOneLine(
      await bbsync(['gen-key', '--id', 'bad id:x']),
      2,
      /--id bad id:x: expected 1-32 letters, digits, _ or -/,
    );
    const good = await bbsync(['gen-key', '--id', 'k2026']);
    expect(good.code).toBe(0);
    expect(loadConfig({ TOKEN_ENCRYPTION_KEY: good.stdout.trim() }).tokens.keys[0]?.id).toBe('k2026');
  });

  it('TOKEN_ENCRYPTION_KEY=notakey names what was written, not an id the user never wrote', async () => {
    const run = await bbsync(['worker'], working({ TOKEN_ENCRYPTION_KEY: 'notakey' }));
    expectOneLine(run, 3, /TOKEN_ENCRYPTION_KEY: "notakey" is not a key: .*npx bbsync gen-key/);
    expect(run.stderr).not.toMatch(/k1/);
  });
});

describe.concurrent('5. messages say what happened', () => {
  it('unenroll of an unknown enrollment says there is none, and changes nothing, exit 2', async () => {
    const run = await bbsync(['unenroll', 'enr_doesnotexist'], working());
    expectOneLine(run, 2, /no enrollment enr_doesnotexist in database ".*"; nothing was changed/);
  });

  it('unenroll of a revoked enrollment says it is already revoked, exit 0', async () => {
    await tdb.pool.query(
      `INSERT INTO enrollments (enrollment_id, patient_id, status, scope, revoked_at)
       VALUES ('enr_firsthourrevoked', '-19990000000042', 'revoked', 'openid', now())`,
    );
    const run = await bbsync(['unenroll', 'enr_firsthourrevoked'], working());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^enrollment enr_firsthourrevoked is already revoked \(since .* UTC\); nothing to do/,
    );
  });

  it('import of a file that is not FHIR JSON headlines that nothing was imported, exit 1', async () => {
    writeFileSync(join(scratch, 'claims.csv'), 'id,amount\n1,2\n');
    const run = await bbsync(['import', 'claims.csv'], working());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Nothing imported: 1 file\(s\) read in [\d.]+ s, none holding FHIR JSON/);
    expect(run.stdout).toMatch(/claims\.csv is not valid JSON/);
  });

  it('import of an empty folder is refused, exit 2', async () => {
    mkdirSync(join(scratch, 'empty'), { recursive: true });
    expectOneLine(
      await bbsync(['import', 'empty'], working()),
      2,
      /empty: no \.json or \.ndjson files in this folder/,
    );
  });

  it('import names paths as they were given and says "an Observation"', async () => {
    const folder = join(scratch, 'other');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'obs.json'), '{"resourceType":"Observation","id":"o1"}');
    const run = await bbsync(['import', folder], working());
    expect(run.stdout).toContain(`${join(folder, 'obs.json')}: an Observation, not a Patient`);
    expect(run.stdout).not.toMatch(/\.\.\//);
  });

  it('sync with no enrollments says to enroll first', async () => {
    const run = await bbsync(['sync', '--all'], working());
    expectOneLine(
      run,
      0,
      /nothing to sync: .* no active enrollments; connect beneficiaries first .*enroll-synthetic/,
    );
  });

  it('bbsync --version prints the version', async () => {
    const run = await bbsync(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe.concurrent('7. the server warns about a redirect URI that is not its own', () => {
  it('server --port N with BB2_REDIRECT_URI on port 3000 says which URI to set', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'server', '--port', String(port)], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        ...working({ BB2_REDIRECT_URI: 'http://127.0.0.1:3000/enroll/callback' }),
      },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await expect
        .poll(() => stderr, { timeout: HANG_MS, interval: 200 })
        .toMatch(/bbsync server listening on/);
      expect(stderr).toContain(
        `bbsync: warning: BB2_REDIRECT_URI is http://127.0.0.1:3000/enroll/callback but this server's callback is http://127.0.0.1:${port}/enroll/callback`,
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
