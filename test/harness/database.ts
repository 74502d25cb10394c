import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';

export type TestDatabase = Database & {
  /** Every SQL statement Prisma sent, in order; reset it between measurements. */
  statements: string[];
  /** The connection URL when the database is PostgreSQL. */
  url: string | undefined;
  drop(): Promise<void>;
};

/**
 * A fresh, migrated database for one test file: a new database on the
 * TEST_DATABASE_URL server (dropped afterwards), or an in-memory PGlite.
 */
export async function createTestDatabase(
  options: { poolSize?: number; traceSql?: boolean; statementTimeoutMs?: number } = {},
): Promise<TestDatabase> {
  const statements: string[] = [];
  const onQuery = (sql: string) => statements.push(sql);
  const serverUrl = process.env['TEST_DATABASE_URL'];

  if (!serverUrl) {
    const database = openDatabase({ kind: 'pglite', dataDir: undefined }, { onQuery, traceSql: options.traceSql });
    await applyMigrations(database.adapterFactory);
    return { ...database, statements, url: undefined, drop: () => database.close() };
  }

  const name = `test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(serverUrl, name);
  const database = openDatabase(
    { kind: 'postgres', url, poolSize: options.poolSize ?? 10, statementTimeoutMs: options.statementTimeoutMs },
    { onQuery, traceSql: options.traceSql },
  );
  await applyMigrations(database.adapterFactory);
  return {
    ...database,
    statements,
    url,
    async drop() {
      await database.close();
      await withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdminClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
