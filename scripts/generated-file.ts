/**
 * The write-or-check step shared by the scripts that generate committed files from the schema
 * (docs/data-dictionary.md, docs/dbt/sources.yml): `--check` fails with the first differing line
 * instead of writing, so `npm test` catches a file that drifted from the migrations.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where the committed file and a fresh one first differ, for the failure message. */
export function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1}:\n  committed: ${a[i] ?? '(end of file)'}\n  generated: ${b[i] ?? '(end of file)'}`;
    }
  }
  return 'no difference';
}

/**
 * Writes `content` to `path`, or with `check` compares it with what is committed there.
 * Returns the exit code: 0 written or up to date, 1 out of date (`command` regenerates it).
 */
export function writeOrCheckGenerated(
  path: string,
  content: string,
  check: boolean,
  command: string,
): number {
  const shown = relative(process.cwd(), path);
  if (!check) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    process.stdout.write(`wrote ${shown}\n`);
    return 0;
  }
  const committed = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (committed === content) {
    process.stdout.write(`${shown} is up to date\n`);
    return 0;
  }
  process.stderr.write(
    `${shown} is out of date with the schema: run \`${command}\` and commit the result.\n` +
      `First difference at ${firstDifference(committed, content)}\n`,
  );
  return 1;
}

/** Runs `main` when `moduleUrl` is the script node was started with; a thrown error exits 2. */
export function runWhenMain(
  moduleUrl: string,
  name: string,
  main: (argv: string[]) => Promise<number>,
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
