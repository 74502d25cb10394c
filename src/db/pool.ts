import pg from 'pg';

/**
 * A pool whose every connection has an error listener for its whole life. pg-pool removes
 * its own listener when it hands a connection out, and a caller that awaits the hand-out
 * (the Prisma adapter does, for every transaction) attaches its listener a microtask later.
 * A backend terminated as it connects sends its FATAL in the same read as ReadyForQuery,
 * inside that window: an unhandled 'error' event that ended the process. What a broken
 * connection means is still decided where it always was: it is no longer queryable, its
 * next statement fails with a connection error (DATABASE_UNAVAILABLE), and the pool drops
 * it on release.
 */
export function resilientPool(config: pg.PoolConfig, onConnectionLost: ((error: Error) => void) | undefined): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('connect', (client) => {
    let reported = false;
    client.on('error', (error: Error) => {
      // A dying connection reports twice (the FATAL, then the closed socket): say it once.
      if (reported) return;
      reported = true;
      onConnectionLost?.(error);
    });
  });
  // Idle connections' errors, already reported by the listener above.
  pool.on('error', () => {});
  tellBusyFromUnavailable(pool, config.connectionTimeoutMillis ?? 0);
  return pool;
}

/** Every connection stayed busy, while others kept finishing their work: the database is fine, the pool is full. */
export class DatabasePoolBusy extends Error {
  override name = 'DatabasePoolBusy';
  constructor(waitedMs: number) {
    super(`Every pooled database connection stayed busy for ${waitedMs} ms.`);
  }
}

/**
 * A wait for a pooled connection that runs out means one of two things: the database answers
 * but the pool is saturated (DATABASE_BUSY), or the database stopped answering and every
 * connection hangs on it (DATABASE_UNAVAILABLE). The difference is whether connections were
 * still coming back healthy during the wait.
 */
function tellBusyFromUnavailable(pool: pg.Pool, waitMs: number): void {
  let lastHealthyRelease = Number.NEGATIVE_INFINITY;
  pool.on('release', (error) => {
    if (!error) lastHealthyRelease = performance.now();
  });
  replaceConnect(
    pool,
    (next) => (callback) =>
      next((error, client, done) => {
        const timedOut = error?.message === 'timeout exceeded when trying to connect';
        if (timedOut && performance.now() - lastHealthyRelease <= waitMs) {
          callback(new DatabasePoolBusy(waitMs), client, done);
          return;
        }
        callback(error, client, done);
      }),
  );
}

export type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: Error | boolean) => void,
) => void;
type CallbackConnect = (callback: ConnectCallback) => void;

/**
 * Replaces `pool.connect` with a callback-style wrapper around the current one, for both of
 * its call styles (pg-pool's own `query` calls it with a callback, the Prisma adapter awaits it).
 */
export function replaceConnect(pool: pg.Pool, wrap: (next: CallbackConnect) => CallbackConnect): void {
  const next = pool.connect.bind(pool) as unknown as CallbackConnect;
  const wrapped = wrap(next);
  const connect = (callback?: ConnectCallback) => {
    if (callback) return wrapped(callback);
    return new Promise<pg.PoolClient>((resolve, reject) =>
      wrapped((error, client) => (error || !client ? reject(error) : resolve(client))),
    );
  };
  pool.connect = connect as typeof pool.connect;
}
