/**
 * The commands that load and read the database: migrate, import, renormalize, report, quality,
 * insurance-card.
 * Each command's code is imported only when it runs (see src/cli.ts).
 */
import { Command } from 'commander';

import { wholeNumber } from '../commands/options.ts';
import { lazyAction } from './lazy-action.ts';

/** `bbsync migrate` */
export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Create the database if it is missing and apply migrations (safe to run concurrently).')
    .action(lazyAction(() => import('../commands/migrate.ts'), 'runMigrate'));
}

/** `bbsync import PATH...` */
export function addImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Load FHIR .json (Bundle or resource) and .ndjson files, or folders of them, into the database.',
    )
    .argument('<paths...>', 'files or folders to import')
    .option('--batch-size <n>', 'resources per transaction', wholeNumber(1, 100_000), 250)
    .addHelpText(
      'after',
      '\nThe exit code is 1 when a resource was rejected or a file could not be read; the rest still load.',
    )
    .action(lazyAction(() => import('../commands/import.ts'), 'runImport'));
}

/** `bbsync renormalize` */
export function addRenormalizeCommand(program: Command): void {
  program
    .command('renormalize')
    .description(
      'Rebuild the analytics rows of resources an older normalizer wrote, from the raw JSON already stored (no BB2 calls).',
    )
    .option('--batch-size <n>', 'resources per transaction', wholeNumber(1, 100_000), 250)
    .addHelpText(
      'after',
      `
Run it after an upgrade whose release notes say the normalizer version changed. It is safe beside
running workers and can be stopped (Ctrl-C) and run again: it goes on where it stopped, and a run
with nothing left to do writes nothing. Exits with 1 when a resource was refused or the run was
stopped.`,
    )
    .action(lazyAction(() => import('../commands/renormalize.ts'), 'runRenormalize'));
}

/** `bbsync report` */
export function addReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'Print the patient summary and the most common diagnoses, drugs and procedures, from the analytics views.',
    )
    .option('--patient <id>', 'only this beneficiary (the Patient id, e.g. -19990000000001)')
    .option('--format <format>', 'table (aligned, for people), csv or json (for scripts)', 'table')
    .option('--limit <n>', 'rows in each "top" list', '10')
    .option(
      '--section <names>',
      'only these sections, comma-separated: patients, diagnoses, drugs, procedures (default: all)',
    )
    .addHelpText(
      'after',
      `
Sections:
  patients     the patient_summary view: demographics, active coverage parts, claims by type,
               what was paid, first and last service date, when the data was last loaded
  diagnoses    diagnosis codes on the most claims (principal or secondary), with beneficiaries
  drugs        drugs (NDC) filled most often, with total cost, plan paid and patient paid
  procedures   HCPCS/CPT codes on claim lines and ICD procedure codes, on the most claims

Formats:
  table  one aligned table per section (with --patient, the summary is one field per line)
  json   one object: {"patient_id", "limit", "patients": [...], "top_diagnoses": [...],
         "top_drugs": [...], "top_procedures": [...]}; amounts are exact decimal strings
  csv    every column of every section; each section starts with a "# <section>" line and
         sections are separated by an empty line; with a single --section, plain CSV

Exits with 2 when --patient names a beneficiary the database does not hold.

Examples:
  bbsync report
  bbsync report --patient -19990000000001
  bbsync report --format json --limit 25 > report.json
  bbsync report --format csv --section drugs > drugs.csv`,
    )
    .action(lazyAction(() => import('../commands/report.ts'), 'runReport'));
}

/** `bbsync quality` */
export function addQualityCommand(program: Command): void {
  program
    .command('quality')
    .description(
      'Run the data quality checks (structural and logical, over final claim versions), keep the run as history, print failures per check.',
    )
    .option('--format <format>', 'table or json', 'table')
    .addHelpText(
      'after',
      '\nExits with 1 when a structural check fails. History: tables quality_runs, quality_results.',
    )
    .action(lazyAction(() => import('../commands/quality.ts'), 'runQuality'));
}

/** `bbsync insurance-card ID` */
export function addInsuranceCardCommand(program: Command): void {
  program
    .command('insurance-card')
    .description(
      "Print a v3 beneficiary's Digital Insurance Card as the last sync stored it (name, MBI, plans).",
    )
    .argument('<enrollment>', 'the enrollment id (the dashboard lists them)')
    .option('--format <format>', 'table (for people) or json (the Bundle as Blue Button sent it)', 'table')
    .addHelpText(
      'after',
      '\nThe card holds PHI: it goes to this terminal only, never to logs or dashboard pages.\nExits with 2 when the enrollment does not exist or no card is stored for it (v2 has none).',
    )
    .action(lazyAction(() => import('../commands/insurance-card.ts'), 'runInsuranceCard'));
}
