/**
 * Runs `bbsync bench --json` for several builds in turn, alternating them round by round so each
 * sees the same spells of a busy machine, and prints every run's headline figures and each build's
 * range (src/bench/compare.ts). docs/performance.md, "Comparing builds".
 *
 *   npm run bench:compare -- [--users 500] [--rounds 2] [--out DIR] [--bench-args "..."] REF [REF...]
 *
 * REF is any git revision (`main`, `HEAD~3`, a commit) or `.` for the working tree as it is. Each
 * revision is checked out into a temporary worktree that shares this checkout's node_modules, and
 * built there when it has a build step (older revisions run through tsx); the worktrees are
 * removed at the end, also on Ctrl-C. Every run's output is kept under DIR (default
 * `.bench/compare-<time>`), and the table is printed again after each run, so an interrupted
 * comparison still shows what it measured. DATABASE_URL is used as `bbsync bench` uses it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { benchResultOf, compareTable, type ComparedRun } from '../src/bench/compare.ts';

const USAGE = `Usage: npm run bench:compare -- [options] REF [REF...]

Runs \`bbsync bench --json\` for each git revision REF (or . for the working tree), alternating
them round by round, and prints each run's figures and each build's range as Markdown tables.

Options:
  --users <n>          synthetic users per run (default 500)
  --rounds <n>         runs of each build (default 2)
  --out <dir>          where each run's output is kept (default .bench/compare-<time>)
  --bench-args <args>  more arguments for bbsync bench (e.g. "--concurrency 16")
  -h, --help           this text`;

interface Build {
  /** The name in the tables: the REF as given, with its commit. */
  name: string;
  /** The checkout it runs from. */
  dir: string;
}

const repo = resolve(import.meta.dirname, '..');

function git(args: string[]): string {
  const out = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`git ${args.join(' ')}: ${out.stderr.trim()}`);
  return out.stdout.trim();
}

function build(dir: string): void {
  if (!existsSync(join(dir, 'scripts/build.js'))) return;
  const out = spawnSync(process.execPath, ['scripts/build.js'], { cwd: dir, stdio: 'inherit' });
  if (out.status !== 0) throw new Error(`the build failed in ${dir}`);
}

/** A checkout of each REF: this one for `.`, else a new worktree sharing this node_modules. */
function checkouts(refs: readonly string[], root: string, worktrees: string[]): Build[] {
  return refs.map((ref) => {
    if (ref === '.') {
      build(repo);
      const changed = git(['status', '--porcelain', '--untracked-files=no']) !== '';
      return { name: `.@${git(['rev-parse', '--short', 'HEAD'])}${changed ? '+changes' : ''}`, dir: repo };
    }
    const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
    const dir = join(root, commit.slice(0, 12));
    if (!worktrees.includes(dir)) {
      git(['worktree', 'add', '--detach', '--force', dir, commit]);
      worktrees.push(dir);
      symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
      build(dir);
    }
    return { name: `${ref}@${commit.slice(0, 7)}`, dir };
  });
}

function removeWorktrees(worktrees: readonly string[]): void {
  for (const dir of worktrees) spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: repo });
  spawnSync('git', ['worktree', 'prune'], { cwd: repo });
}

/** One bench run; its output (stdout and stderr) goes to `file`, its progress to this stderr. */
function runBench(dir: string, args: readonly string[], file: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['bin/bbsync.js', 'bench', ...args, '--json'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      writeFileSync(file, `${stdout}\n--- stderr ---\n${stderr}`);
      if (code === 0) done(stdout);
      else fail(new Error(`bbsync bench exited with ${code} (its output: ${file})`));
    });
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      users: { type: 'string', default: '500' },
      rounds: { type: 'string', default: '2' },
      out: { type: 'string' },
      'bench-args': { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const rounds = Number(values.rounds);
  const users = Number(values.users);
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(users) || users < 1) {
    console.error('--users and --rounds take whole numbers of at least 1');
    return 1;
  }
  const out = resolve(
    values.out ?? join(repo, '.bench', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}`),
  );
  mkdirSync(out, { recursive: true });
  const args = ['--users', String(users), ...values['bench-args'].split(/\s+/).filter(Boolean)];

  const root = mkdtempSync(join(tmpdir(), 'bbsync-compare-'));
  const worktrees: string[] = [];
  const cleanUp = (): void => {
    removeWorktrees(worktrees);
    rmSync(root, { recursive: true, force: true });
  };
  const stop = (): void => {
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  try {
    const builds = checkouts(positionals, root, worktrees);
    const runs: ComparedRun[] = [];
    const total = rounds * builds.length;
    for (let round = 1; round <= rounds; round++) {
      for (const [i, b] of builds.entries()) {
        const n = runs.length + 1;
        console.error(`\nbench:compare: run ${n} of ${total}: ${b.name} (round ${round})`);
        const file = join(out, `${String(n).padStart(2, '0')}-${i + 1}.txt`);
        const result = benchResultOf(await runBench(b.dir, args, file));
        if (!result) throw new Error(`bbsync bench printed no result line (its output: ${file})`);
        runs.push({ build: b.name, result });
        const table = compareTable(runs);
        writeFileSync(join(out, 'table.md'), `${table}\n`);
        console.error(`\n${table}`);
      }
    }
    console.log(compareTable(runs));
    console.error(`\nbench:compare: every run's output is in ${out}`);
    return 0;
  } catch (err) {
    console.error(`bench:compare: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    cleanUp();
  }
}

process.exitCode = await main();
