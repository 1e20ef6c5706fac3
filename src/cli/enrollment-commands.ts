/**
 * The commands that connect and disconnect beneficiaries.
 * Each command's code is imported only when it runs (see src/cli.ts).
 */
import { Command, Option } from 'commander';

import { enrollmentId, userRange, wholeNumber } from '../commands/options.ts';
import { lazyAction } from './lazy-action.ts';

/** `bbsync enroll-synthetic`: enrolls through the emulator's real login and consent forms. */
export function addEnrollSyntheticCommand(program: Command): void {
  program
    .command('enroll-synthetic')
    .description(
      'Enroll synthetic users (BBUser00000..) through the real authorization-code flow, submitting the login and consent forms over HTTP (the emulator).',
    )
    .requiredOption('--users <range>', 'user numbers, e.g. 0-99 or 1,5,10-12', userRange)
    .option('--concurrency <n>', 'users enrolled at once', wholeNumber(1, 64), 8)
    .option('--no-demographics', 'withhold the demographic scopes on the consent page')
    .option('--deny', 'press Deny instead of Allow (to try the denial path)')
    .action(lazyAction(() => import('../commands/enroll-synthetic.ts'), 'runEnrollSynthetic'));
}

/** `bbsync clear-eob-forbidden ID` */
export function addClearEobForbiddenCommand(program: Command): void {
  program
    .command('clear-eob-forbidden')
    .description(
      'Ask Blue Button for ExplanationOfBenefit again for an enrollment it refused them to (403: Part-D-only app, no SAMHSA consent).',
    )
    .argument('<enrollment-id>', 'the enrollment (enr_...)', enrollmentId)
    .action(lazyAction(() => import('../commands/clear-eob-forbidden.ts'), 'runClearEobForbidden'));
}

/** `bbsync unenroll ID` */
export function addUnenrollCommand(program: Command): void {
  program
    .command('unenroll')
    .description('Revoke an enrollment: revoke its grant at Blue Button and forget its tokens.')
    .argument('<enrollment-id>', 'the enrollment to revoke (enr_...)', enrollmentId)
    .addOption(
      new Option('--purge', "also delete the patient's data (default: PURGE_ON_REVOKE)").conflicts(
        'keepData',
      ),
    )
    .option('--keep-data', "keep the patient's data even when PURGE_ON_REVOKE=true")
    .action(lazyAction(() => import('../commands/unenroll.ts'), 'runUnenroll'));
}
