import type { Logger } from '../logger.js';
import type { Database } from './database.js';
import { applyMigrations } from './migrations.js';

/** Start-up: apply pending migrations, then load demo data into an empty database (outside production). */
export async function prepareDatabase(database: Database, options: { seedDemoData: boolean; logger: Logger }) {
  const { applied } = await applyMigrations(database.adapterFactory);
  options.logger.info('migrations applied', { database: database.kind, applied: applied.length });
  if (!options.seedDemoData) return;
  // Loaded only when it may seed: a production server never has the demo code in memory.
  const { DatabaseNotEmptyError, isDatabaseEmpty, seedDemoData } = await import('../../prisma/seed.js');
  if (!(await isDatabaseEmpty(database.prisma))) return;
  try {
    options.logger.info('demo data loaded', await seedDemoData(database.prisma));
  } catch (error) {
    // Another instance starting beside this one seeded it first: that is the outcome wanted.
    if (!(error instanceof DatabaseNotEmptyError)) throw error;
  }
}
