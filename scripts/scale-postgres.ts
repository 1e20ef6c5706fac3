/**
 * The Postgres layout at scale (docs/scale.md, "Postgres layout"): bytes per EOB on disk and the
 * time of a purge, a full reconcile and the analytics views at about a million claims.
 *
 *   npx tsx scripts/scale-postgres.ts [--claims 1000000] [--seed-users 300] [--keep] [--json]
 *
 * In a database of its own (`bbsync_scale` on DATABASE_URL's server, recreated; dropped at the end
 * unless --keep): the emulator's synthetic beneficiaries are loaded through the real write path
 * (normalize + ingestBatch, as `bbsync import` does), then every row of the claim, coverage,
 * patient and raw tables is copied in SQL with new ids (`<id>~<n>`: the same shapes, new
 * patients) until there are --claims claims. Then it measures, per table, heap, TOAST and index
 * bytes per EOB, and times purgePatient and a full reconcile's closeWalk for sample patients and
 * a full read of every analytics view.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { createPool, withDatabase, type Pool } from '../src/db/client.ts';
import { ingestBatch } from '../src/db/ingest.ts';
import { dropDatabase, migrateDatabase } from '../src/db/migrate.ts';
import { purgePatient } from '../src/db/purge.ts';
import { closeWalk } from '../src/db/reconcile.ts';
import { createSyntheticStore, patientIdForUser } from '../src/emulator/data/index.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../src/fhir/normalize.ts';
import { CLAIM_CHILD_TABLES } from '../src/model/analytics-rows.ts';
import type { NormalizedResource } from '../src/model/resources.ts';

const { values: args } = parseArgs({
  options: {
    claims: { type: 'string', default: '1000000' },
    'seed-users': { type: 'string', default: '300' },
    database: { type: 'string', default: 'bbsync_scale' },
    samples: { type: 'string', default: '20' },
    'view-timeout': { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
    /** Measure a database an earlier --keep run left (no load). */
    'measure-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const say = (line: string) => process.stderr.write(`scale: ${line}\n`);
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bbsync';
const dbUrl = withDatabase(server, args.database);

/** Tables whose rows belong to one patient, copied with new ids. */
const PATIENT_TABLES = [
  'patients',
  'coverages',
  'coverage_monthly',
  'claims',
  ...CLAIM_CHILD_TABLES,
  'fhir_resources',
] as const;
/** Columns that carry an id of the copy's own (suffixed `~n`). */
const ID_COLUMNS = new Set([
  'patient_id',
  'claim_id',
  'coverage_id',
  'resource_id',
  'claim_group',
  'claim_link_key',
]);

async function seed(pool: Pool, users: number): Promise<void> {
  const store = createSyntheticStore({ users, seed: 18, cacheSize: 4 });
  let batch: NormalizedResource[] = [];
  for (let i = 0; i < users; i++) {
    const record = store.record(patientIdForUser(i))!;
    for (const resource of [record.patient, ...record.coverages, ...record.eobs]) {
      batch.push(normalizeResource(resource));
    }
    if (batch.length >= 500 || i === users - 1) {
      await ingestBatch(pool, batch, { normalizerVersion: NORMALIZER_VERSION });
      batch = [];
    }
  }
}

/**
 * Copies every patient's rows `copies` times: one INSERT ... SELECT per table over
 * generate_series, with the table's secondary indexes dropped during the load and built again
 * after it (the primary keys stay, so every copy is checked as a real load would be).
 */
async function multiply(pool: Pool, copies: number): Promise<void> {
  for (const table of PATIENT_TABLES) {
    const { rows } = await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
      [table],
    );
    const columns = rows.map((r) => r.column_name);
    const list = columns.map((c) => `"${c}"`).join(', ');
    const select = columns.map((c) => (ID_COLUMNS.has(c) ? `"${c}" || '~' || n` : `"${c}"`)).join(', ');
    const { rows: indexes } = await pool.query<{ name: string; def: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)`,
      [table],
    );
    const t0 = performance.now();
    for (const index of indexes) await pool.query(`DROP INDEX "${index.name}"`);
    await pool.query(
      `INSERT INTO ${table} (${list}) SELECT ${select} FROM ${table}, generate_series(1, ${copies}) n`,
    );
    for (const index of indexes) await pool.query(index.def);
    say(`${table}: ${copies} copies in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await pool.query('VACUUM ANALYZE');
}

interface TableSize {
  table: string;
  rows: number;
  heap: number;
  toast: number;
  indexes: number;
}

async function sizes(pool: Pool): Promise<TableSize[]> {
  const out: TableSize[] = [];
  for (const table of PATIENT_TABLES) {
    const { rows } = await pool.query<{ rows: string; heap: string; toast: string; indexes: string }>(
      `SELECT (SELECT count(*) FROM ${table})::bigint AS rows,
              pg_relation_size(c.oid, 'main') + pg_relation_size(c.oid, 'fsm') + pg_relation_size(c.oid, 'vm') AS heap,
              coalesce(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0) AS toast,
              pg_indexes_size(c.oid) AS indexes
         FROM pg_class c WHERE c.oid = $1::regclass`,
      [table],
    );
    const r = rows[0]!;
    out.push({
      table,
      rows: Number(r.rows),
      heap: Number(r.heap),
      toast: Number(r.toast),
      indexes: Number(r.indexes),
    });
  }
  return out;
}

function stats(ms: number[]): { p50: number; p95: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(s.at(-1)!) };
}

const round = (x: number) => Math.round(x * 10) / 10;

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

/** Sample patients spread over the copies (never the same one twice). */
async function samplePatients(pool: Pool, n: number): Promise<string[]> {
  const { rows } = await pool.query<{ patient_id: string }>(
    `SELECT patient_id FROM (SELECT DISTINCT patient_id FROM claims) p ORDER BY md5(patient_id) LIMIT $1`,
    [2 * n],
  );
  return rows.map((r) => r.patient_id);
}

/** A full reconcile's last step for one patient: all its claims seen but two, then closeWalk. */
async function reconcileOne(pool: Pool, patientId: string): Promise<{ ms: number; removed: number }> {
  const enrollmentId = `scale-${patientId}`;
  await pool.query(
    `INSERT INTO enrollments (enrollment_id, patient_id, status, scope) VALUES ($1, $2, 'active', '')`,
    [enrollmentId, patientId],
  );
  await pool.query(
    `INSERT INTO sync_seen (enrollment_id, resource_type, resource_id)
     SELECT $1, 'ExplanationOfBenefit', claim_id FROM claims WHERE patient_id = $2
      ORDER BY claim_id OFFSET 2`,
    [enrollmentId, patientId],
  );
  let removed = 0;
  const ms = await timed(async () => {
    ({ removed } = await closeWalk(pool, {
      enrollmentId,
      patientId,
      resourceType: 'ExplanationOfBenefit',
      full: true,
      cursor: null,
    }));
  });
  return { ms, removed };
}

async function purgeOne(pool: Pool, patientId: string): Promise<number> {
  const client = await pool.connect();
  try {
    return await timed(async () => {
      await client.query('BEGIN');
      await purgePatient(client, patientId, `scale-${patientId}`);
      await client.query('COMMIT');
    });
  } finally {
    client.release();
  }
}

/**
 * Each analytics view: a full read (stopped after --view-timeout seconds: reported as null) and
 * one patient's rows, where the view has a patient_id.
 */
async function viewTimes(
  pool: Pool,
  patientId: string,
  timeoutSeconds: number,
): Promise<Record<string, { fullMs: number | null; onePatientMs: number | null }>> {
  const { rows } = await pool.query<{ viewname: string; by_patient: boolean }>(
    `SELECT viewname, EXISTS (SELECT 1 FROM information_schema.columns c
                               WHERE c.table_name = viewname AND c.column_name = 'patient_id') AS by_patient
       FROM pg_views WHERE schemaname = 'public' ORDER BY viewname`,
  );
  const out: Record<string, { fullMs: number | null; onePatientMs: number | null }> = {};
  const client = await pool.connect();
  try {
    await client.query(`SET statement_timeout = '${timeoutSeconds}s'`);
    for (const { viewname, by_patient } of rows) {
      const full = await timed(() =>
        client.query(`SELECT count(*) FROM (SELECT * FROM ${viewname}) v`),
      ).catch(() => null);
      const one = by_patient
        ? await timed(() =>
            client.query(`SELECT * FROM ${viewname} WHERE patient_id = $1`, [patientId]),
          ).catch(() => null)
        : null;
      out[viewname] = {
        fullMs: full === null ? null : round(full),
        onePatientMs: one === null ? null : round(one),
      };
      say(`view ${viewname}: ${JSON.stringify(out[viewname])}`);
    }
  } finally {
    client.release();
  }
  return out;
}

async function main(): Promise<void> {
  const target = Number(args.claims);
  const seedUsers = Number(args['seed-users']);
  const samples = Number(args.samples);
  const t0 = performance.now();
  const measureOnly = args['measure-only'];
  if (!measureOnly) {
    await dropDatabase(dbUrl);
    await migrateDatabase(dbUrl);
  }
  const pool = createPool(dbUrl, { max: 4, applicationName: 'bbsync-scale' });
  try {
    if (measureOnly) {
      await pool.query('ANALYZE');
    } else {
      say(`seeding ${seedUsers} synthetic beneficiaries through the write path`);
      await seed(pool, seedUsers);
      const seeded = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM claims')).rows[0]!.n);
      const copies = Math.max(0, Math.ceil(target / seeded) - 1);
      say(`${seeded} claims seeded; ${copies} copies for ~${seeded * (copies + 1)} claims`);
      await multiply(pool, copies);
    }
    const loadSeconds = (performance.now() - t0) / 1000;

    const tables = await sizes(pool);
    const claims = tables.find((t) => t.table === 'claims')!.rows;
    const patients = tables.find((t) => t.table === 'patients')!.rows;
    const perEob = tables.map((t) => ({
      ...t,
      heapPerEob: round(t.heap / claims),
      toastPerEob: round(t.toast / claims),
      indexesPerEob: round(t.indexes / claims),
      totalPerEob: round((t.heap + t.toast + t.indexes) / claims),
    }));
    const totalPerEob = round(perEob.reduce((s, t) => s + t.totalPerEob, 0));
    const childRowsPerEob = round(
      tables
        .filter((t) => (CLAIM_CHILD_TABLES as readonly string[]).includes(t.table))
        .reduce((s, t) => s + t.rows, 0) / claims,
    );

    say('timing views, purges and reconciles');
    const ids = await samplePatients(pool, samples);
    const views = await viewTimes(pool, ids.at(-1)!, Number(args['view-timeout']));
    const reconcile = [];
    for (const id of ids.slice(0, samples)) reconcile.push(await reconcileOne(pool, id));
    const purge = [];
    for (const id of ids.slice(samples)) purge.push(await purgeOne(pool, id));
    const result = {
      claims,
      patients,
      claimsPerPatient: round(claims / patients),
      childRowsPerEob,
      loadSeconds: round(loadSeconds),
      bytesPerEob: totalPerEob,
      tables: perEob,
      databaseBytes: Number(
        (await pool.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s')).rows[0]!.s,
      ),
      viewsMs: views,
      reconcileMs: { ...stats(reconcile.map((r) => r.ms)), removedEach: reconcile[0]?.removed ?? 0 },
      purgeMs: stats(purge),
    };
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else print(result);
  } finally {
    await pool.end();
    if (!args.keep && !measureOnly) await dropDatabase(dbUrl);
  }
}

function print(r: {
  claims: number;
  patients: number;
  claimsPerPatient: number;
  childRowsPerEob: number;
  bytesPerEob: number;
  tables: (TableSize & {
    heapPerEob: number;
    toastPerEob: number;
    indexesPerEob: number;
    totalPerEob: number;
  })[];
  viewsMs: Record<string, { fullMs: number | null; onePatientMs: number | null }>;
  reconcileMs: object;
  purgeMs: object;
  databaseBytes: number;
}): void {
  const out = process.stdout;
  out.write(
    `${r.claims} claims, ${r.patients} patients (${r.claimsPerPatient} claims each), ${r.childRowsPerEob} child rows per EOB\n`,
  );
  out.write(`bytes per EOB: ${r.bytesPerEob} (database ${(r.databaseBytes / 2 ** 30).toFixed(2)} GiB)\n\n`);
  out.write('table                        rows   heap/EOB  toast/EOB  index/EOB  total/EOB\n');
  for (const t of r.tables) {
    out.write(
      `${t.table.padEnd(26)} ${String(t.rows).padStart(10)} ${String(t.heapPerEob).padStart(10)} ${String(t.toastPerEob).padStart(10)} ${String(t.indexesPerEob).padStart(10)} ${String(t.totalPerEob).padStart(10)}\n`,
    );
  }
  out.write(`\nviews (full read, ms): ${JSON.stringify(r.viewsMs)}\n`);
  out.write(`reconcile closeWalk (ms): ${JSON.stringify(r.reconcileMs)}\n`);
  out.write(`purgePatient (ms): ${JSON.stringify(r.purgeMs)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`scale: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
