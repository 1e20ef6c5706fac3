/**
 * Reading FHIR from files for `bbsync import`: `.json` files (a Bundle or a single resource) and
 * `.ndjson` files (one resource or Bundle per line), given as files or folders.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { InputError } from '../errors.ts';

const EXTENSIONS = new Set(['.json', '.ndjson']);

export interface InputFile {
  path: string;
  /** The path as shown to the user: as they wrote it, and under a folder they named. */
  display: string;
}

/**
 * Expands files and folders (recursively) into the list of files to read, in a stable order.
 * A folder contributes its .json/.ndjson files; a file named explicitly is always read.
 */
export async function listInputFiles(paths: readonly string[], cwd = process.cwd()): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  const add = (path: string, display: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    files.push({ path, display });
  };
  async function walk(dir: string, shown: string): Promise<void> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const display = join(shown, entry.name);
      if (entry.isDirectory()) await walk(full, display);
      else if (entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase())) add(full, display);
    }
  }
  for (const p of paths) {
    const full = resolve(cwd, p);
    const info = await stat(full).catch(() => undefined);
    if (!info) throw new InputError(`${p}: no such file or folder`);
    if (info.isDirectory()) {
      const before = files.length;
      await walk(full, p);
      if (files.length === before) {
        throw new InputError(`${p}: no .json or .ndjson files in this folder (or its subfolders)`);
      }
    } else add(full, p);
  }
  return files;
}

/** One resource found in a file, with where it was found. */
export interface FoundResource {
  resource: unknown;
  /** e.g. `bfd/eob-bundle-all.json entry[3]` or `claims.ndjson line 12`. */
  location: string;
}

/** What a file turned out to hold besides resources. */
export type FileEvent =
  | { kind: 'resource'; found: FoundResource }
  | { kind: 'skipped'; location: string; reason: string }
  | { kind: 'error'; location: string; reason: string };

/** The resources inside one parsed JSON value: a Bundle's entries, or the value itself. */
function* resourcesIn(value: unknown, location: string): Generator<FileEvent> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    yield { kind: 'error', location, reason: 'is not a FHIR resource (expected a JSON object)' };
    return;
  }
  const record = value as Record<string, unknown>;
  const type = record.resourceType;
  if (type === 'Bundle') {
    if (isInsuranceCard(record)) {
      yield {
        kind: 'skipped',
        location,
        reason: 'a Digital Insurance Card ($generate-insurance-card), which import does not load',
      };
      return;
    }
    const entries = Array.isArray(record.entry) ? record.entry : [];
    if (entries.length === 0) {
      yield { kind: 'skipped', location, reason: 'an empty Bundle' };
      return;
    }
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as { resource?: unknown } | null;
      const at = `${location} entry[${i}]`;
      if (entry && typeof entry === 'object' && entry.resource !== undefined) {
        yield* resourcesIn(entry.resource, at);
      } else {
        yield { kind: 'error', location: at, reason: 'Bundle entry has no resource' };
      }
    }
    return;
  }
  if (typeof type !== 'string') {
    yield {
      kind: 'skipped',
      location,
      reason: 'not a FHIR resource (no resourceType), e.g. a userinfo response',
    };
    return;
  }
  if (type !== 'Patient' && type !== 'Coverage' && type !== 'ExplanationOfBenefit') {
    const article = /^[AEIOU]/i.test(type) ? 'an' : 'a';
    yield {
      kind: 'skipped',
      location,
      reason: `${article} ${type}, not a Patient, Coverage or ExplanationOfBenefit`,
    };
    return;
  }
  yield { kind: 'resource', found: { resource: value, location } };
}

/** BB2 v3's `Patient/$generate-insurance-card` answer: a collection of C4DIC resources without ids. */
function isInsuranceCard(bundle: Record<string, unknown>): boolean {
  if (bundle.type !== 'collection' || !Array.isArray(bundle.entry)) return false;
  return bundle.entry.some((e: { resource?: { meta?: { profile?: unknown } } } | null) => {
    const profiles = e?.resource?.meta?.profile;
    return Array.isArray(profiles) && profiles.some((p) => typeof p === 'string' && p.includes('/C4DIC-'));
  });
}

/** Reads one file and yields what it holds; a file that is not JSON yields one error event. */
export async function* readFhirFile(file: InputFile): AsyncGenerator<FileEvent> {
  if (extname(file.path).toLowerCase() === '.ndjson') {
    const lines = createInterface({ input: createReadStream(file.path, 'utf8'), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      const location = `${file.display} line ${n}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        yield { kind: 'error', location, reason: `not valid JSON (${(err as Error).message})` };
        continue;
      }
      yield* resourcesIn(value, location);
    }
    return;
  }
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (err) {
    yield { kind: 'error', location: file.display, reason: `cannot be read (${(err as Error).message})` };
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    yield { kind: 'error', location: file.display, reason: `is not valid JSON (${(err as Error).message})` };
    return;
  }
  yield* resourcesIn(value, file.display);
}
