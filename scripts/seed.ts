/**
 * `tsx scripts/seed.ts`: loads the demo data into the configured database — PostgreSQL when
 * DATABASE_URL is set, otherwise the embedded PGlite under PGLITE_DATA_DIR (./.data/pglite) — after
 * applying pending migrations, exactly as the server does at start-up. A database that already has
 * agents is left alone. Stop the server first when it runs on the embedded database: PGlite is
 * single-process and its data directory must never be opened by two processes.
 */
import { isDatabaseEmpty, seedDemoData } from '../prisma/seed.js';
import { type DatabaseConfig, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';

/** Where the data goes, without credentials. */
function describe(database: DatabaseConfig): string {
  if (database.kind === 'pglite') return `embedded PGlite at ${database.dataDir ?? '(in memory)'}`;
  const url = new URL(database.url);
  return `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const database = openDatabase(config.database);
  try {
    await applyMigrations(database.adapterFactory);
    if (!(await isDatabaseEmpty(database.prisma))) {
      console.log(
        `Skipped: ${describe(config.database)} already has agents; demo data only goes into an empty database.`,
      );
      return;
    }
    const started = performance.now();
    const summary = await seedDemoData(database.prisma);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`Seeded ${describe(config.database)} in ${seconds}s:`);
    for (const [table, count] of Object.entries(summary)) console.log(`  ${table.padEnd(14)} ${count}`);
    console.log('Sign in as agent1@example.com, agent2@example.com, agent3@example.com or admin@example.com.');
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
