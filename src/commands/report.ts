/**
 * `bbsync report`: the patient summary and the most common diagnoses, drugs and procedures, as
 * aligned tables for people, or CSV / JSON for scripts. The numbers come from the analytics views
 * (src/db/analytics.ts); this file only formats them.
 */
import { databaseName } from '../db/client.ts';
import {
  buildReport,
  SUMMARY_CLAIM_TYPES,
  type PatientSummary,
  type Report,
  type TopDiagnosis,
  type TopDrug,
  type TopProcedure,
} from '../db/analytics.ts';
import { InputError } from '../errors.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Section names on the command line, and their keys in the report. */
export const REPORT_SECTIONS = {
  patients: 'patients',
  diagnoses: 'top_diagnoses',
  drugs: 'top_drugs',
  procedures: 'top_procedures',
} as const satisfies Record<string, keyof Report>;
export type ReportSection = keyof typeof REPORT_SECTIONS;

export interface ReportCommandOptions {
  patient?: string;
  format?: string;
  limit?: string;
  section?: string;
}

export async function runReport(options: ReportCommandOptions): Promise<void> {
  const format = parseFormat(options.format);
  const limit = parseLimit(options.limit);
  const sections = parseSections(options.section);
  const patientId = options.patient?.trim();
  if (options.patient !== undefined && !patientId) throw new InputError('--patient needs a patient id');

  const { config } = commandContext();
  const pool = await openDatabase(config.databaseUrl, { max: 1, applicationName: 'bbsync-report' });
  let report: Report;
  try {
    report = await buildReport(pool, {
      patientId,
      limit,
      sections: sections.map((section) => REPORT_SECTIONS[section]),
    });
  } finally {
    await pool.end();
  }
  const database = databaseName(config.databaseUrl);
  if (patientId !== undefined && report.patients.length === 0) {
    throw new InputError(
      `patient "${patientId}" not found: database "${database}" has no Patient, Coverage or claim with that id`,
    );
  }
  process.stdout.write(formatReport(report, { format, sections, patientId, limit, database }));
}

export interface FormatOptions {
  format: ReportFormat;
  sections: readonly ReportSection[];
  patientId?: string;
  limit: number;
  /** Named in the table output's empty-database hint. */
  database?: string;
}

export function formatReport(report: Report, options: FormatOptions): string {
  switch (options.format) {
    case 'json':
      return formatJson(report, options);
    case 'csv':
      return formatCsv(report, options);
    case 'table':
      return formatTables(report, options);
  }
}

// ---- options ---------------------------------------------------------------------------------

function parseFormat(value: string | undefined): ReportFormat {
  const format = value ?? 'table';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new InputError(`--format must be one of ${REPORT_FORMATS.join(', ')} (got "${format}")`);
  }
  return format as ReportFormat;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 10;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InputError(`--limit must be a whole number of at least 1 (got "${value}")`);
  }
  return n;
}

function parseSections(value: string | undefined): ReportSection[] {
  const all = Object.keys(REPORT_SECTIONS) as ReportSection[];
  if (value === undefined) return all;
  const asked = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = asked.filter((s) => !(all as string[]).includes(s));
  if (asked.length === 0 || unknown.length > 0) {
    throw new InputError(`--section must be one or more of ${all.join(', ')} (got "${value}")`);
  }
  return all.filter((s) => asked.includes(s));
}

// ---- JSON ------------------------------------------------------------------------------------

function formatJson(report: Report, options: FormatOptions): string {
  const out: Record<string, unknown> = { patient_id: options.patientId ?? null, limit: options.limit };
  for (const section of options.sections) out[REPORT_SECTIONS[section]] = report[REPORT_SECTIONS[section]];
  return `${JSON.stringify(out, null, 2)}\n`;
}

// ---- CSV -------------------------------------------------------------------------------------

/**
 * RFC 4180: quote a field holding a comma, quote or line break; double the quotes. A text that a
 * spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage return: a
 * display text from BB2 is data we do not control) gets a leading `'`, so it opens as text. A
 * plain number ("-12.50", or BB2's negative synthetic patient ids) cannot be a formula and is kept.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join(',') : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^[-+]?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvTable(rows: readonly object[], columns: readonly string[]): string {
  const lines = [columns.join(',')];
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    lines.push(columns.map((c) => csvField(record[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const CSV_COLUMNS: Record<keyof Report, readonly string[]> = {
  patients: [
    'patient_id',
    'has_patient_record',
    'birth_date',
    'gender',
    'race_code',
    'race_display',
    'state',
    'postal_code',
    'deceased_at',
    'coverage_parts',
    'claim_count',
    ...SUMMARY_CLAIM_TYPES.map((t) => `${t}_claims` as const),
    'medicare_paid_amount',
    'part_d_plan_paid_amount',
    'total_paid_amount',
    'patient_responsibility_amount',
    'first_service_date',
    'last_service_date',
    'last_loaded_at',
    'last_updated',
  ] satisfies (keyof PatientSummary)[],
  top_diagnoses: [
    'code',
    'system',
    'display',
    'claim_count',
    'patient_count',
  ] satisfies (keyof TopDiagnosis)[],
  top_drugs: [
    'ndc',
    'drug_name',
    'fill_count',
    'patient_count',
    'total_cost',
    'plan_paid',
    'patient_paid',
  ] satisfies (keyof TopDrug)[],
  top_procedures: [
    'code',
    'system',
    'display',
    'claim_count',
    'patient_count',
  ] satisfies (keyof TopProcedure)[],
};

/**
 * One section: plain CSV (header and rows). Several: each preceded by a `# <section>` line and
 * separated by an empty line, so `--section` gives a file any CSV reader loads as it is.
 */
function formatCsv(report: Report, options: FormatOptions): string {
  const blocks = options.sections.map((section) => {
    const key = REPORT_SECTIONS[section];
    const table = csvTable(report[key], CSV_COLUMNS[key]);
    return options.sections.length === 1 ? table : `# ${key}\r\n${table}`;
  });
  return blocks.join('\r\n');
}

// ---- tables ----------------------------------------------------------------------------------

interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** Longer values are cut with an ellipsis. */
  max?: number;
}

/** Columns padded to their widest value; numbers right-aligned. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = c.value(row).replace(/\s+/g, ' ');
      return c.max !== undefined && text.length > c.max ? `${text.slice(0, c.max - 1)}…` : text;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

const SYSTEM_LABELS: Record<string, string> = {
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://hl7.org/fhir/sid/icd-9-cm': 'ICD-9-CM',
  'http://www.cms.gov/Medicare/Coding/ICD10': 'ICD-10-PCS',
  'https://bluebutton.cms.gov/resources/codesystem/hcpcs': 'HCPCS',
  'https://bluebutton.cms.gov/resources/variables/hcpcs_cd': 'HCPCS',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
};

/** A short name for a code system URL (the URL's last segment when unknown). */
export function systemLabel(system: string | null): string {
  if (!system) return '';
  return SYSTEM_LABELS[system] ?? system.replace(/\/+$/, '').split('/').pop() ?? system;
}

const text = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));
/** An ISO timestamp as 'YYYY-MM-DD HH:MM UTC'. */
const minute = (v: string | null) => (v ? `${v.slice(0, 10)} ${v.slice(11, 16)} UTC` : '');

function claimsByType(p: PatientSummary): string {
  return SUMMARY_CLAIM_TYPES.filter((t) => p[`${t}_claims`] > 0)
    .map((t) => `${t} ${p[`${t}_claims`]}`)
    .join(', ');
}

const PATIENT_COLUMNS: Column<PatientSummary>[] = [
  { header: 'patient_id', value: (p) => p.patient_id },
  { header: 'born', value: (p) => text(p.birth_date) },
  { header: 'sex', value: (p) => text(p.gender) },
  { header: 'parts', value: (p) => p.coverage_parts.join(',') },
  { header: 'claims', value: (p) => text(p.claim_count), align: 'right' },
  { header: 'claims by type', value: claimsByType, max: 48 },
  { header: 'total paid', value: (p) => p.total_paid_amount, align: 'right' },
  { header: 'patient owed', value: (p) => p.patient_responsibility_amount, align: 'right' },
  { header: 'first service', value: (p) => text(p.first_service_date) },
  { header: 'last service', value: (p) => text(p.last_service_date) },
  { header: 'loaded (UTC)', value: (p) => minute(p.last_loaded_at).replace(' UTC', '') },
];

/** The diagnoses' and the procedures' tables: a code, its system and text, and how often it is billed. */
const CODE_COLUMNS: Column<TopDiagnosis | TopProcedure>[] = [
  { header: 'code', value: (c) => c.code },
  { header: 'system', value: (c) => systemLabel(c.system) },
  { header: 'description', value: (c) => text(c.display), max: 50 },
  { header: 'claims', value: (c) => text(c.claim_count), align: 'right' },
  { header: 'patients', value: (c) => text(c.patient_count), align: 'right' },
];

const DRUG_COLUMNS: Column<TopDrug>[] = [
  { header: 'ndc', value: (d) => d.ndc },
  { header: 'drug', value: (d) => text(d.drug_name), max: 50 },
  { header: 'fills', value: (d) => text(d.fill_count), align: 'right' },
  { header: 'patients', value: (d) => text(d.patient_count), align: 'right' },
  { header: 'total cost', value: (d) => text(d.total_cost), align: 'right' },
  { header: 'plan paid', value: (d) => text(d.plan_paid), align: 'right' },
  { header: 'patient paid', value: (d) => text(d.patient_paid), align: 'right' },
];

/** One beneficiary, one field per line. */
function patientCard(p: PatientSummary): string {
  const fields: [string, string][] = [
    ['patient_id', p.patient_id],
    ['Patient resource', p.has_patient_record ? 'loaded' : 'not loaded (demographics unknown)'],
    ['born', text(p.birth_date)],
    ['sex', text(p.gender)],
    ['race', [p.race_code, p.race_display].filter(Boolean).join(' ')],
    ['state, ZIP', [p.state, p.postal_code].filter(Boolean).join(' ')],
    ['deceased', text(p.deceased_at)],
    [
      'active coverage',
      p.coverage_parts.length ? p.coverage_parts.map((x) => `Part ${x}`).join(', ') : 'none',
    ],
    ['claims', `${p.claim_count}${p.claim_count ? ` (${claimsByType(p)})` : ''}`],
    ['Medicare paid (A/B)', p.medicare_paid_amount],
    ['Part D plan paid', p.part_d_plan_paid_amount],
    ['total paid', p.total_paid_amount],
    ['patient owed', p.patient_responsibility_amount],
    ['first service', text(p.first_service_date)],
    ['last service', text(p.last_service_date)],
    ['last loaded', minute(p.last_loaded_at)],
    ['CMS last updated', minute(p.last_updated)],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`.trimEnd()).join('\n');
}

function formatTables(report: Report, options: FormatOptions): string {
  const who = options.patientId === undefined ? 'all beneficiaries' : `patient ${options.patientId}`;
  const parts: string[] = [];
  const section = (title: string, rows: readonly unknown[], body: () => string) =>
    parts.push(`${title}\n${rows.length ? body() : '  (none)'}`);
  for (const s of options.sections) {
    switch (s) {
      case 'patients':
        if (options.patientId !== undefined && report.patients.length === 1) {
          parts.push(`Patient summary\n${patientCard(report.patients[0]!)}`);
        } else if (report.patients.length === 0) {
          parts.push(
            `Patient summary\n  No beneficiaries in database "${options.database ?? '?'}" yet: load data with \`bbsync import\` or a sync.`,
          );
        } else {
          section(`Patient summary (${report.patients.length} beneficiaries)`, report.patients, () =>
            renderTable(report.patients, PATIENT_COLUMNS),
          );
        }
        break;
      case 'diagnoses':
        section(
          `Top ${options.limit} diagnoses, ${who} (claims carrying the code)`,
          report.top_diagnoses,
          () => renderTable(report.top_diagnoses, CODE_COLUMNS),
        );
        break;
      case 'drugs':
        section(`Top ${options.limit} drugs, ${who} (Part D fills)`, report.top_drugs, () =>
          renderTable(report.top_drugs, DRUG_COLUMNS),
        );
        break;
      case 'procedures':
        section(
          `Top ${options.limit} procedures, ${who} (HCPCS/CPT on claim lines, ICD procedures)`,
          report.top_procedures,
          () => renderTable(report.top_procedures, CODE_COLUMNS),
        );
        break;
    }
  }
  return `${parts.join('\n\n')}\n`;
}
