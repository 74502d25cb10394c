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
 *
 * The three gauges come from one snapshot, taken once the look-up has answered: a scrape
 * never pairs a position read before the look-up with a lag computed after it (a "lag 0"
 * sample whose last-delivered id is behind its newest-committed id).
 */
export function registerEventStreamMetrics(metrics: Metrics, events: EventStream): void {
  let pending: Promise<StreamPosition | undefined> | undefined;
  // prom-client collects a registry's metrics concurrently, so the three gauges of one scrape
  // all find this look-up pending and share its snapshot.
  const snapshot = () =>
    (pending ??= withTimeout(events.newestCommitted())
      .then((newest) => (newest === undefined ? undefined : { newest, delivered: events.lastDelivered }))
      .finally(() => {
        pending = undefined;
      }));
  const gauge = (name: string, help: string, value: (position: StreamPosition) => bigint) =>
    metrics.gauge({
      name,
      help,
      async collect() {
        const position = await snapshot();
        if (position) this.set(Number(value(position)));
      },
    });
  gauge('event_stream_newest_committed_id', 'Id of the newest session event committed to the log.', (p) => p.newest);
  gauge(
    'event_stream_last_delivered_id',
    'Id of the newest session event this instance has read and handed to its subscribers.',
    (p) => p.delivered,
  );
  gauge(
    'event_stream_lag_events',
    'Committed session events this instance has not yet handed to its subscribers.',
    // The stream may have read past the look-up's answer meanwhile: never a negative lag.
    (p) => (p.newest > p.delivered ? p.newest - p.delivered : 0n),
  );
}

/** What one scrape reports of the event stream. */
type StreamPosition = { newest: bigint; delivered: bigint };

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
