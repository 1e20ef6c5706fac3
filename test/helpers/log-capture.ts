/**
 * The log capture of a test run (issue 12's Done-when: no token, client secret, code verifier,
 * authorization code, patient name or birth date in anything the suite logs).
 *
 * What is captured, into one directory per run (BBSYNC_TEST_LOG_CAPTURE, made by global-setup.ts):
 * - `log.jsonl`: every line every bbsync logger writes, in the test processes (servers, workers,
 *   CLI commands run in-process, the helpers' capturing loggers) and in child processes that
 *   inherit the variable (src/logger.ts appends each line after scrubbing, as written);
 * - `children.log`: all stderr, and the log lines (pino JSON) of stdout, of every child process the
 *   tests start with spawn, spawnSync or execFile (log-capture-setup.ts wraps them), also those
 *   started with a clean environment; a child's stdout that is not a log line is its result
 *   (a CSV, a printed card) and not scanned;
 * - `secrets.jsonl`: what must never appear: every token, authorization code and code verifier
 *   the emulators handed out or received, their clients' secrets, and the name and birth date of
 *   every beneficiary who authorized (src/emulator/secret-record.ts), plus the test token key.
 * The global teardown scans the first two against the third and fails the run on any hit.
 */
import childProcess, { type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CAPTURE_ENV = 'BBSYNC_TEST_LOG_CAPTURE';

type Json = Record<string, unknown>;

/** A pino JSON line (level and time), as opposed to a command's result printed on stdout. */
function isLogLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const o = JSON.parse(line) as Json;
    return typeof o.level === 'number' && 'time' in o;
  } catch {
    return false;
  }
}

/** Appends a child's stderr (all of it) and stdout (its log lines) to `children.log`. */
function teeChild(dir: string, child: ChildProcess): void {
  const file = join(dir, 'children.log');
  const write = (text: string) => {
    if (!text) return;
    try {
      appendFileSync(file, text);
    } catch {
      // The run's directory is gone (the run is ending): nothing left to scan.
    }
  };
  // Whole lines only, so lines of processes writing at the same time never cut into each other.
  const byLine = (stream: NodeJS.ReadableStream | null, keep: (line: string) => boolean) => {
    let partial = '';
    stream?.on('data', (d: Buffer | string) => {
      const lines = (partial + String(d)).split('\n');
      partial = lines.pop() ?? '';
      write(
        lines
          .filter(keep)
          .map((l) => `${l}\n`)
          .join(''),
      );
    });
    stream?.on('end', () => partial !== '' && keep(partial) && write(`${partial}\n`));
  };
  byLine(child.stderr, () => true);
  byLine(child.stdout, isLogLine);
}

/**
 * `bbsync emulator` children are BB2's stand-in, not the pipeline: their banner hands the
 * developer the demo client's secret on purpose, so their output is not scanned (their secrets
 * still are recorded, for the pipeline's logs).
 */
function isEmulatorChild(args: unknown[]): boolean {
  const argv = args.find(Array.isArray) as unknown[] | undefined;
  if (!argv) return false;
  const bin = argv.findIndex((a) => typeof a === 'string' && a.endsWith('bbsync.js'));
  return bin >= 0 && argv[bin + 1] === 'emulator';
}

/** The capture variable added to an explicit child environment (one built from scratch). */
function withCapture<T>(dir: string, options: T): T {
  const o = options as { env?: NodeJS.ProcessEnv } | undefined;
  if (!o || typeof o !== 'object' || !o.env || o.env[CAPTURE_ENV]) return options;
  return { ...o, env: { ...o.env, [CAPTURE_ENV]: dir } } as T;
}

/** The options argument of spawn/execFile/spawnSync, wherever it is in the call. */
function mapOptions(dir: string, args: unknown[]): unknown[] {
  return args.map((a) => (a && typeof a === 'object' && !Array.isArray(a) ? withCapture(dir, a) : a));
}

let installed = false;

/**
 * Wraps child_process' spawn, execFile (and its promisified form) and spawnSync in this test
 * process, so every child's output is teed to `children.log` and its environment carries the
 * capture directory. Test files import the wrapped functions (setup files run first).
 */
export function installChildCapture(dir: string): void {
  if (installed) return;
  installed = true;
  const cp = childProcess as unknown as Record<string, unknown>;
  const spawn = childProcess.spawn;
  const execFile = childProcess.execFile;
  const spawnSync = childProcess.spawnSync;
  const promisifiedExecFile = (execFile as unknown as Record<symbol, (...a: unknown[]) => unknown>)[
    promisify.custom
  ]!;

  cp.spawn = (...args: unknown[]) => {
    const child = (spawn as (...a: unknown[]) => ChildProcess)(...mapOptions(dir, args));
    if (!isEmulatorChild(args)) teeChild(dir, child);
    return child;
  };
  const wrappedExecFile = (...args: unknown[]) => {
    const child = (execFile as (...a: unknown[]) => ChildProcess)(...mapOptions(dir, args));
    if (!isEmulatorChild(args)) teeChild(dir, child);
    return child;
  };
  Object.defineProperty(wrappedExecFile, promisify.custom, {
    value: (...args: unknown[]) => {
      const p = promisifiedExecFile(...mapOptions(dir, args)) as Promise<unknown> & { child: ChildProcess };
      if (!isEmulatorChild(args)) teeChild(dir, p.child);
      return p;
    },
  });
  cp.execFile = wrappedExecFile;
  cp.spawnSync = (...args: unknown[]) => {
    const result = (spawnSync as (...a: unknown[]) => { stdout?: unknown; stderr?: unknown })(
      ...mapOptions(dir, args),
    );
    if (isEmulatorChild(args)) return result;
    const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    const logLines = text(result.stdout)
      .split('\n')
      .filter(isLogLine)
      .map((l) => `${l}\n`)
      .join('');
    try {
      appendFileSync(join(dir, 'children.log'), text(result.stderr) + logLines);
    } catch {
      // As in teeChild.
    }
    return result;
  };
  syncBuiltinESMExports();
}

export interface Finding {
  kind: string;
  file: string;
  line: number;
  /** The first characters of what was found (never the whole secret). */
  hint: string;
}

export interface ScanResult {
  lines: number;
  bytes: number;
  secrets: number;
  beneficiaries: number;
  findings: Finding[];
}

const TOKEN_RUN = /[A-Za-z0-9_~.+/=-]{8,}/g;
const WORD = /[A-Za-zÀ-ÿ'’-]+/g;
const DATE = /\d{4}-\d{2}-\d{2}/g;

/**
 * Scans the captured lines against the recorded secrets and PHI. Secrets are matched as whole
 * runs of token characters (and their pieces between `.`, `~`, `+`, `/`, `=`); birth dates as
 * dates anywhere; a name when the beneficiary's family name and one of their given names are
 * words of the same line. `extraSecrets` are checked too (e.g. the test token key).
 */
export function scanCapture(dir: string, extraSecrets: readonly string[] = []): ScanResult {
  const secrets = new Map<string, string>();
  for (const s of extraSecrets) secrets.set(s, 'test_secret');
  const families = new Map<string, Set<string>>();
  const birthDates = new Set<string>();
  let beneficiaries = 0;
  const secretFile = join(dir, 'secrets.jsonl');
  if (existsSync(secretFile)) {
    for (const raw of readFileSync(secretFile, 'utf8').split('\n')) {
      if (!raw) continue;
      const e = JSON.parse(raw) as Json;
      if (e.kind === 'patient') {
        beneficiaries++;
        for (const f of e.family as string[]) {
          const given = families.get(f) ?? new Set<string>();
          for (const g of e.given as string[]) if (g.length >= 2) given.add(g); // not initials
          families.set(f, given);
        }
        if (typeof e.birthDate === 'string') birthDates.add(e.birthDate);
      } else if (typeof e.value === 'string' && e.value.length >= 8) {
        secrets.set(e.value, String(e.kind));
      }
    }
  }
  const findings: Finding[] = [];
  let lines = 0;
  let bytes = 0;
  for (const name of ['log.jsonl', 'children.log']) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    bytes += text.length;
    text.split('\n').forEach((line, i) => {
      if (!line) return;
      lines++;
      const found = (kind: string, value: string) =>
        findings.push({ kind, file: name, line: i + 1, hint: `${value.slice(0, 4)}…` });
      for (const run of line.match(TOKEN_RUN) ?? []) {
        for (const piece of new Set([run, ...run.split(/[.~+/=]/)])) {
          const kind = secrets.get(piece);
          if (kind) found(kind, piece);
        }
      }
      for (const date of line.match(DATE) ?? []) if (birthDates.has(date)) found('birth_date', date);
      const words = new Set(line.match(WORD) ?? []);
      for (const w of words) {
        const given = families.get(w);
        if (given && [...given].some((g) => words.has(g))) found('patient_name', w);
      }
    });
  }
  return { lines, bytes, secrets: secrets.size, beneficiaries, findings };
}
