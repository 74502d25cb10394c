import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseConfig } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { tracedAdapterFactory } from '../observability/sql-tracing.js';
import { shareConnections } from './fair-share.js';
import { resilientPool } from './pool.js';

/**
 * One database, whichever engine backs it: PostgreSQL through `@prisma/adapter-pg`,
 * or embedded PostgreSQL (PGlite) in-process. Same schema, migrations and SQL dialect.
 */
export type Database = {
  kind: DatabaseConfig['kind'];
  prisma: PrismaClient;
  /** What the migration runner talks to. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** The request pool's connections right now (PostgreSQL only: PGlite has no pool). */
  poolStats(): PoolStats | undefined;
  close(): Promise<void>;
};

export type PoolStats = {
  /** Connections checked out (running a query or holding a transaction). */
  inUse: number;
  idle: number;
  /** Requests waiting for a connection. */
  waiting: number;
  max: number;
};

export type DatabaseOptions = {
  /** Called with every SQL statement Prisma sends (tests count them). */
  onQuery?: (sql: string) => void;
  /** A span per SQL statement of traced requests (only worth its indirection when tracing is on). */
  traceSql?: boolean;
  /** Called once for each pooled connection that breaks (terminated backend, lost socket). */
  onConnectionLost?: (error: Error) => void;
};

export function openDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Database {
  if (config.kind === 'postgres') {
    // Our own pool, so its counts can be read (metrics); the adapter ends it on disconnect.
    const pool = resilientPool(
      {
        connectionString: config.url,
        max: config.poolSize,
        // Fail fast instead of hanging when the database is down or a query runs away.
        connectionTimeoutMillis: config.connectTimeoutMs ?? 10_000,
        ...(config.statementTimeoutMs
          ? {
              statement_timeout: config.statementTimeoutMs,
              // The server enforces statement_timeout only while it runs; a stalled or
              // partitioned server never answers, so the client gives up a little later.
              query_timeout: config.statementTimeoutMs + 2_000,
            }
          : {}),
        idle_in_transaction_session_timeout: 60_000,
      },
      options.onConnectionLost,
    );
    if (config.connectionsPerViewer) {
      shareConnections(pool, config.connectionsPerViewer, config.connectTimeoutMs ?? 10_000);
    }
    const queries = new PrismaPg(pool, { disposeExternalPool: true });
    const poolStats = (): PoolStats => ({
      inUse: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: config.poolSize,
    });
    // Migrations get their own connections without the statement timeout: building an
    // index on a large table may legitimately take longer than any request should.
    const migrationPool = resilientPool({ connectionString: config.url, max: 2 }, options.onConnectionLost);
    // Ended when the migration runner disposes it: that also ends the session holding the
    // migration advisory lock, which another instance starting at the same time waits for.
    const migrations = new PrismaPg(migrationPool, { disposeExternalPool: true });
    return wrap('postgres', queries, migrations, options, async () => {}, poolStats);
  }
  if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
  // PGlite is single-process: only this server may open its data directory.
  const pglite = new PGlite(config.dataDir);
  const adapterFactory = new PrismaPGlite(pglite);
  return wrap(
    'pglite',
    adapterFactory,
    adapterFactory,
    options,
    () => pglite.close(),
    () => undefined,
  );
}

function wrap(
  kind: Database['kind'],
  queries: SqlMigrationAwareDriverAdapterFactory,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  options: DatabaseOptions,
  closeEngine: () => Promise<void>,
  poolStats: () => PoolStats | undefined,
): Database {
  const prisma = new PrismaClient({
    adapter: options.traceSql ? tracedAdapterFactory(queries) : queries,
    log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [],
  });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    prisma.$on('query' as never, (event: { query: string }) => onQuery(event.query));
  }
  return {
    kind,
    prisma,
    adapterFactory,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    poolStats,
    async close() {
      await prisma.$disconnect();
      await closeEngine();
    },
  };
}
