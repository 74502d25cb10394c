import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type ThrowawayDatabase = {
  /** Connection URL of the new, empty database. */
  url: string;
  /** The server's version, for the benchmark's header line. */
  serverVersion: string;
  /** Drops the database, ending whatever is still connected to it. */
  drop(): Promise<void>;
};

/**
 * A fresh database for one benchmark run on the BENCH_DATABASE_URL server (default:
 * the local PostgreSQL), so runs never see each other's rows or the demo data.
 */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const serverUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const serverVersion =
    (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    serverVersion,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
