import { databaseName, withDatabase } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { commandContext } from './command-config.ts';
import { checkPostgres, explainPostgresError } from './reach.ts';

export async function runMigrate(): Promise<void> {
  const { config } = commandContext();
  // The server's maintenance database first: ours may not exist yet (migrate creates it).
  await checkPostgres(withDatabase(config.databaseUrl, 'postgres'));
  const result = await migrateDatabase(config.databaseUrl).catch((err: unknown) => {
    throw explainPostgresError(err, config.databaseUrl);
  });
  const name = databaseName(config.databaseUrl);
  const created = result.databaseCreated ? `created database "${name}"; ` : '';
  process.stdout.write(
    `${created}${result.applied === 0 ? `database "${name}" is up to date` : `applied ${result.applied} migration(s) to "${name}"`}\n`,
  );
}
