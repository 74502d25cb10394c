import { isDatabaseEmpty, seedDemoData } from '../../prisma/seed.js';
import type { Logger } from '../logger.js';
import type { Database } from './database.js';
import { applyMigrations } from './migrations.js';

/** Start-up: apply pending migrations, then load demo data into an empty embedded database. */
export async function prepareDatabase(database: Database, options: { seedDemoData: boolean; logger: Logger }) {
  const { applied } = await applyMigrations(database.adapterFactory);
  options.logger.info('migrations applied', { database: database.kind, applied: applied.length });
  if (options.seedDemoData && (await isDatabaseEmpty(database.prisma))) {
    const summary = await seedDemoData(database.prisma);
    options.logger.info('demo data loaded', summary);
  }
}
