/**
 * docs/data-dictionary.md, generated from the database's own comments (COMMENT ON TABLE / VIEW /
 * COLUMN in migrations/), so the dictionary cannot drift from the schema.
 *
 *   npm run docs:dictionary         regenerate docs/data-dictionary.md
 *   npm run docs:dictionary:check   fail (exit 1) when the committed file differs from a fresh one
 *
 * Both migrate a throwaway database on the server in DATABASE_URL (default: the local one), read
 * pg_description and the catalogs, and drop it again. The output is deterministic: a fixed order,
 * no timestamps, nothing that depends on the server's data. test/integration/data-dictionary.test.ts
 * runs the check as part of `npm test`.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { withDatabase } from '../src/db/client.ts';
import { dropDatabase, migrateDatabase } from '../src/db/migrate.ts';
import { ANALYTICS_TABLES as ANALYTICS } from '../src/model/analytics-rows.ts';

import { runWhenMain, writeOrCheckGenerated } from './generated-file.ts';

export const DICTIONARY_PATH = fileURLToPath(new URL('../docs/data-dictionary.md', import.meta.url));

/** Sections and the order of their members; any other table lands in "Operational tables". */
const VIEWS = [
  'patient_summary',
  'claims_monthly',
  'drug_fills',
  'diagnoses_by_patient',
  'coverage_periods',
  'claim_versions',
  'coverage_months',
  'member_months',
  'enrollment_spans',
];
/**
 * The normalized data: the analytics tables, and claim_line_adjudications where its table used to
 * be (a view over the adjudication arrays of claim_lines since migration 0033, same contract).
 */
const ANALYTICS_RELATIONS: readonly string[] = ANALYTICS.flatMap((t) =>
  t === 'claim_lines' ? [t, 'claim_line_adjudications'] : [t],
);
const RAW_TABLES = ['fhir_resources', 'quarantined_resources'];
/** The schemas the dictionary describes; objects outside `public` are named `schema.name`. */
const SCHEMAS = ['public', 'tuva_input'];
const TUVA_VIEWS = ['tuva_input.medical_claim', 'tuva_input.pharmacy_claim', 'tuva_input.eligibility'];
const OPERATIONAL_TABLES = [
  'enrollments',
  'authorization_requests',
  'sync_state',
  'sync_cursors',
  'sync_progress',
  'sync_seen',
  'sync_runs',
  'sync_run_members',
  'sync_attempts',
  'bb2_request_counts',
  'audit_log',
  'deployment_alerts',
];

/** Where analysts must find every table, view and column described (the test enforces it). */
export const MUST_BE_DOCUMENTED = [...VIEWS, ...TUVA_VIEWS, ...ANALYTICS_RELATIONS, ...RAW_TABLES];

export interface Relation {
  name: string;
  kind: 'table' | 'view';
  comment: string | null;
  columns: { name: string; type: string; notNull: boolean; comment: string | null }[];
  constraints: string[];
  indexes: string[];
}

export interface DataDictionary {
  markdown: string;
  /** `table` or `table.column` for every object without a comment. */
  undocumented: string[];
}

export type Queryable = Pick<pg.Client, 'query'>;

/** Reads the schema of a migrated database and renders the dictionary. */
export async function renderDataDictionary(db: Queryable): Promise<DataDictionary> {
  const relations = await readRelations(db);
  const undocumented: string[] = [];
  for (const r of relations.values()) {
    if (!r.comment) undocumented.push(r.name);
    for (const c of r.columns) if (!c.comment) undocumented.push(`${r.name}.${c.name}`);
  }

  const byOrder = (order: readonly string[]) => (a: Relation, b: Relation) => {
    const ia = order.indexOf(a.name);
    const ib = order.indexOf(b.name);
    if (ia !== ib) return (ia === -1 ? order.length : ia) - (ib === -1 ? order.length : ib);
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  };
  const all = [...relations.values()];
  const sections: { title: string; intro: string; members: Relation[] }[] = [
    {
      title: 'Views',
      intro:
        'The analytics layer: start here. Views over `claims` hold only current data, because the sync deletes a claim (and its child rows) that Blue Button no longer returns.',
      members: all
        .filter((r) => r.kind === 'view' && !r.name.includes('.') && !ANALYTICS_RELATIONS.includes(r.name))
        .sort(byOrder(VIEWS)),
    },
    {
      title: 'Tuva input layer',
      intro:
        'Schema `tuva_input`: The Tuva Project input layer (its v0.18.0 contract: column names and types), final claim versions only. Point a dbt project with Tuva at it as [docs/tuva.md](tuva.md) shows; each column says where it comes from or why it is NULL.',
      members: all
        .filter((r) => r.kind === 'view' && r.name.startsWith('tuva_input.'))
        .sort(byOrder(TUVA_VIEWS)),
    },
    {
      title: 'Analytics tables',
      intro:
        'The normalized claims data the views are built on. The money columns of `claims` and `claim_lines` are conveniences over the lossless `claim_line_adjudications` (a view over the adjudication arrays of `claim_lines`) and `claim_financials`; each column description names the CMS (CCW) variables behind it per claim type.',
      members: all.filter((r) => ANALYTICS_RELATIONS.includes(r.name)).sort(byOrder(ANALYTICS_RELATIONS)),
    },
    {
      title: 'Raw resources',
      intro: 'The FHIR resources as received, for lineage and replay.',
      members: all.filter((r) => r.kind === 'table' && RAW_TABLES.includes(r.name)).sort(byOrder(RAW_TABLES)),
    },
    {
      title: 'Operational tables',
      intro: 'Enrollment, the token vault and the sync engine. Not meant for analysis.',
      members: all
        .filter(
          (r) => r.kind === 'table' && !ANALYTICS_RELATIONS.includes(r.name) && !RAW_TABLES.includes(r.name),
        )
        .sort(byOrder(OPERATIONAL_TABLES)),
    },
  ];

  const out: string[] = [
    '# Data dictionary',
    '',
    '<!-- Generated by `npm run docs:dictionary` from the COMMENT ON statements in migrations/. Do not edit. -->',
    '',
    'Every table, view and column of the bluebutton-sync database, as described by the database itself',
    '(`\\d+ name` in psql shows the same text). To change a description, add a migration with',
    '`COMMENT ON ...` and run `npm run docs:dictionary`; `npm test` fails while this file is out of date.',
    '',
    'Money columns hold USD as `numeric(14,2)`; NULL means the claim type has no such amount. Dates are',
    '`date`, times `timestamptz`. Example queries are in the README ("Analytics: example queries").',
    '',
    '## Contents',
    '',
  ];
  for (const s of sections) {
    if (s.members.length === 0) continue;
    out.push(`- ${s.title}: ${s.members.map((r) => `[${r.name}](#${anchor(r.name)})`).join(', ')}`);
  }
  for (const s of sections) {
    if (s.members.length === 0) continue;
    out.push('', `## ${s.title}`, '', s.intro);
    for (const r of s.members) out.push('', ...renderRelation(r));
  }
  return { markdown: `${out.join('\n')}\n`, undocumented };
}

function renderRelation(r: Relation): string[] {
  const out = [`### ${r.name}`, ''];
  out.push(r.comment ? paragraphs(r.comment) : '_(no description)_', '');
  out.push(r.kind === 'view' ? '| column | type | description |' : '| column | type | null | description |');
  out.push(r.kind === 'view' ? '| --- | --- | --- |' : '| --- | --- | --- | --- |');
  for (const c of r.columns) {
    const description = c.comment ? cell(c.comment) : '_(no description)_';
    out.push(
      r.kind === 'view'
        ? `| \`${c.name}\` | ${c.type} | ${description} |`
        : `| \`${c.name}\` | ${c.type} | ${c.notNull ? 'not null' : ''} | ${description} |`,
    );
  }
  if (r.constraints.length > 0 || r.indexes.length > 0) {
    out.push('');
    for (const c of r.constraints) out.push(`- ${escape(c)}`);
    for (const i of r.indexes) out.push(`- index ${escape(i)}`);
  }
  return out;
}

/** GitHub's heading anchor for a relation name (dots dropped). */
function anchor(name: string): string {
  return name.replace(/\./g, '');
}

/** Text safe inside Markdown: no HTML tags, no table breaks. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}

function cell(text: string): string {
  return escape(text.trim()).replace(/\r?\n/g, '<br>');
}

function paragraphs(text: string): string {
  return escape(text.trim()).split(/\r?\n/).join('\n\n');
}

/** A relation's name as the dictionary shows it: bare in public, `schema.name` elsewhere. */
const QUALIFIED = `CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END`;

export async function readRelations(db: Queryable): Promise<Map<string, Relation>> {
  const relations = new Map<string, Relation>();
  const { rows: rels } = await db.query<{ name: string; kind: string; comment: string | null }>(
    `SELECT ${QUALIFIED} AS name, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS comment
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm')
     ORDER BY n.nspname, c.relname`,
    [SCHEMAS],
  );
  for (const r of rels) {
    relations.set(r.name, {
      name: r.name,
      kind: r.kind === 'v' || r.kind === 'm' ? 'view' : 'table',
      comment: r.comment,
      columns: [],
      constraints: [],
      indexes: [],
    });
  }
  const { rows: cols } = await db.query<{
    rel: string;
    name: string;
    type: string;
    not_null: boolean;
    comment: string | null;
  }>(
    `SELECT ${QUALIFIED} AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, col_description(c.oid, a.attnum) AS comment
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY n.nspname, c.relname, a.attnum`,
    [SCHEMAS],
  );
  for (const c of cols) {
    relations
      .get(c.rel)
      ?.columns.push({ name: c.name, type: c.type, notNull: c.not_null, comment: c.comment });
  }
  const { rows: constraints } = await db.query<{ rel: string; def: string }>(
    `SELECT c.relname AS rel, pg_get_constraintdef(k.oid) AS def
     FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.conrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND k.contype IN ('p', 'u', 'f')
     ORDER BY c.relname, CASE k.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 ELSE 2 END, k.conname`,
  );
  for (const k of constraints) relations.get(k.rel)?.constraints.push(k.def.replace(/\bpublic\./g, ''));
  const { rows: indexes } = await db.query<{ rel: string; name: string; def: string }>(
    `SELECT i.tablename AS rel, i.indexname AS name, i.indexdef AS def
     FROM pg_indexes i
     WHERE i.schemaname = 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                       WHERE k.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
     ORDER BY i.tablename, i.indexname`,
  );
  for (const i of indexes) {
    // "CREATE [UNIQUE] INDEX name ON table USING btree (a, b)" -> "`name`: [unique] (a, b)"
    const using = / USING (\w+) (.*)$/.exec(i.def);
    const words = [
      /^CREATE UNIQUE INDEX/.test(i.def) ? 'unique' : '',
      using?.[1] === 'btree' ? '' : (using?.[1] ?? ''),
    ];
    const shape = [...words.filter(Boolean), using?.[2] ?? i.def].join(' ');
    relations.get(i.rel)?.indexes.push(`\`${i.name}\`: ${shape}`);
  }
  return relations;
}

/** Migrates a throwaway database on the server of `databaseUrl`, runs `read` on it, drops it. */
export async function withMigratedDatabase<T>(
  databaseUrl: string,
  label: string,
  read: (db: Queryable) => Promise<T>,
): Promise<T> {
  const name = `bbsync_${label}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(databaseUrl, name);
  try {
    await migrateDatabase(url);
    const client = new pg.Client({ connectionString: url, application_name: `bbsync-${label}` });
    await client.connect();
    try {
      return await read(client);
    } finally {
      await client.end();
    }
  } finally {
    await dropDatabase(url);
  }
}

/** Migrates a throwaway database on the server of `databaseUrl`, renders the dictionary, drops it. */
export async function generateDataDictionary(databaseUrl: string): Promise<DataDictionary> {
  return withMigratedDatabase(databaseUrl, 'dictionary', renderDataDictionary);
}

async function main(argv: string[]): Promise<number> {
  const { commandConfig } = await import('../src/commands/command-config.ts');
  const { markdown, undocumented } = await generateDataDictionary(commandConfig().databaseUrl);
  if (undocumented.length > 0) {
    process.stderr.write(
      `warning: ${undocumented.length} table(s)/column(s) have no COMMENT: ${undocumented.join(', ')}\n`,
    );
  }
  return writeOrCheckGenerated(
    DICTIONARY_PATH,
    markdown,
    argv.includes('--check'),
    'npm run docs:dictionary',
  );
}

runWhenMain(import.meta.url, 'data-dictionary', main);
