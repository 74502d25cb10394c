import { relative } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations, createMigration, type MigrationStatus, migrationStatus } from '../src/db/migrations.js';

/**
 * The migration commands, without Prisma's native schema engine (see DESIGN.md §7):
 *   tsx scripts/migrate.ts apply          apply pending migrations (prisma migrate deploy)
 *   tsx scripts/migrate.ts create <name>  write a migration for schema.prisma changes
 *   tsx scripts/migrate.ts status         compare the database with prisma/migrations
 * The database is the server's: DATABASE_URL, else the embedded PGlite in PGLITE_DATA_DIR.
 */

const usage = 'Usage: tsx scripts/migrate.ts apply | create <name> | status';

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'create') {
    // Creating never touches the configured database: it diffs in an in-memory PGlite.
    const name = rest.join('_');
    if (name === '') return fail(`A migration needs a name.\n${usage}`);
    const file = await createMigration(name);
    console.log(
      file ? `Created ${relative(process.cwd(), file)}` : 'schema.prisma matches the migrations: nothing to create.',
    );
    return 0;
  }
  if (command !== 'apply' && command !== 'status') return fail(usage);

  const { database: config } = loadConfig();
  const where = config.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite at ${config.dataDir}`;
  // A migration may rightly run long (an index build on a big table): no statement timeout.
  const database = openDatabase({ ...config, statementTimeoutMs: undefined });
  try {
    if (command === 'apply') {
      const { applied } = await applyMigrations(database.adapterFactory);
      console.log(`Database: ${where}`);
      console.log(applied.length === 0 ? 'No pending migrations.' : `Applied ${applied.length}:`);
      for (const name of applied) console.log(`  ${name}`);
      return 0;
    }
    const status = await migrationStatus(database.adapterFactory);
    console.log(`Database: ${where}`);
    printStatus(status);
    return status.upToDate ? 0 : 1;
  } finally {
    await database.close();
  }
}

function printStatus(status: MigrationStatus): void {
  const sections: [string, string[]][] = [
    ['Applied', status.applied],
    ['Pending (run `npm run db:migrate`)', status.pending],
    ['Failed (fix the database, then mark it rolled back)', status.failed],
    ['Edited after being applied (restore the file; never edit a landed migration)', status.edited],
    ['In the database but not in prisma/migrations', status.missingLocally],
  ];
  for (const [title, names] of sections) {
    if (names.length === 0) continue;
    console.log(`${title}: ${names.length}`);
    for (const name of names) console.log(`  ${name}`);
  }
  console.log(status.upToDate ? 'Database schema is up to date.' : 'Database schema is NOT up to date.');
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

/**
 * Engine errors end in a Rust span trace ("   0: sql_schema_connector::..."): keep the
 * message above it, plus the migration the trace names, which is what the reader needs.
 */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const lines = error.message.split('\n');
  const trace = lines.findIndex((line) => /^\s+\d+: /.test(line));
  const message = (trace === -1 ? lines : lines.slice(0, trace)).join('\n').trimEnd();
  const migration = /migration_name="([^"]+)"/.exec(error.message)?.[1];
  return migration ? `${message}\n(in migration ${migration}; see \`npm run db:status\`)` : message;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`Migration failed: ${describeError(error)}`);
    process.exitCode = 1;
  },
);
