import { databaseName } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { commandContext } from './context.ts';

export async function runMigrate(): Promise<void> {
  const { config } = commandContext();
  const result = await migrateDatabase(config.databaseUrl);
  const name = databaseName(config.databaseUrl);
  const created = result.databaseCreated ? `created database "${name}"; ` : '';
  process.stdout.write(
    `${created}${result.applied === 0 ? `database "${name}" is up to date` : `applied ${result.applied} migration(s) to "${name}"`}\n`,
  );
}
