import type { PoolStats } from '../db/database.js';
import type { EventStream } from '../modules/activity/event-stream.js';
import type { Metrics } from './metrics.js';

/** A scrape must answer even when the database does not. */
const LOOKUP_TIMEOUT_MS = 1_000;

/**
 * How far this instance's event stream trails the log: the newest committed event id
 * against the newest one it has read and handed to its subscribers. Read at scrape
 * time (one indexed look-up per scrape); while the database is unreachable the
 * figures keep their last values.
 */
export function registerEventStreamMetrics(metrics: Metrics, events: EventStream): void {
  let pending: Promise<bigint | undefined> | undefined;
  // The three gauges are collected together; they share one look-up.
  const newestCommitted = () =>
    (pending ??= withTimeout(events.newestCommitted()).finally(() => {
      pending = undefined;
    }));
  metrics.gauge({
    name: 'event_stream_newest_committed_id',
    help: 'Id of the newest session event committed to the log.',
    async collect() {
      const newest = await newestCommitted();
      if (newest !== undefined) this.set(Number(newest));
    },
  });
  metrics.gauge({
    name: 'event_stream_last_delivered_id',
    help: 'Id of the newest session event this instance has read and handed to its subscribers.',
    collect() {
      this.set(Number(events.lastDelivered));
    },
  });
  metrics.gauge({
    name: 'event_stream_lag_events',
    help: 'Committed session events this instance has not yet handed to its subscribers.',
    async collect() {
      const newest = await newestCommitted();
      // Read after the look-up: the stream may have moved on meanwhile, never back.
      if (newest !== undefined) this.set(Math.max(0, Number(newest - events.lastDelivered)));
    },
  });
}

/** The request pool (PostgreSQL only): connections in use, idle, the size limit, and requests waiting. */
export function registerDatabasePoolMetrics(metrics: Metrics, poolStats: () => PoolStats | undefined): void {
  if (!poolStats()) return;
  metrics.gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (in_use, idle).',
    labelNames: ['state'],
    collect() {
      const stats = poolStats();
      if (!stats) return;
      this.set({ state: 'in_use' }, stats.inUse);
      this.set({ state: 'idle' }, stats.idle);
    },
  });
  metrics.gauge({
    name: 'db_pool_waiting_requests',
    help: 'Requests waiting for a database pool connection.',
    collect() {
      this.set(poolStats()?.waiting ?? 0);
    },
  });
  metrics.gauge({
    name: 'db_pool_max_connections',
    help: 'The database pool size limit (DATABASE_POOL_SIZE).',
    collect() {
      this.set(poolStats()?.max ?? 0);
    },
  });
}

async function withTimeout<T>(lookup: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
