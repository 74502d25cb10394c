import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { replaceConnect } from './pool.js';

/**
 * One viewer cannot hold more than its share of the pool. Every pooled connection taken on
 * behalf of a viewer (a request's queries and transactions run inside `runAsDatabaseUser`)
 * first takes one of that viewer's permits; past its share a viewer waits for its own
 * connections to come back, while everyone else still finds free ones. A viewer that waits
 * longer than the pool's own wait gets DATABASE_BUSY, as a full pool would answer.
 * Work outside a request (the event stream's poll, migrations, start-up) is not counted.
 */
const databaseUser = new AsyncLocalStorage<string>();

export function runAsDatabaseUser<T>(key: string, work: () => T): T {
  return databaseUser.run(key, work);
}

/** This viewer already holds its whole share of the pool, and none came back in time. */
export class DatabaseShareExhausted extends Error {
  override name = 'DatabaseShareExhausted';
  constructor(share: number, waitedMs: number) {
    super(`This viewer already uses its ${share} database connections; none came free within ${waitedMs} ms.`);
  }
}

type Waiter = { grant: () => void; timer: NodeJS.Timeout };

/** Counting semaphores, one per viewer, created on first use and dropped when idle. */
class Shares {
  private readonly held = new Map<string, { inUse: number; waiting: Waiter[] }>();

  constructor(
    private readonly perViewer: number,
    private readonly waitMs: number,
  ) {}

  /** Resolves with a release function once `key` has a permit; rejects after waitMs. */
  acquire(key: string): Promise<() => void> {
    let entry = this.held.get(key);
    if (!entry) {
      entry = { inUse: 0, waiting: [] };
      this.held.set(key, entry);
    }
    const share = entry;
    const releaser = () => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const next = share.waiting.shift();
        if (next) {
          clearTimeout(next.timer);
          next.grant();
          return;
        }
        share.inUse -= 1;
        if (share.inUse === 0) this.held.delete(key);
      };
    };
    if (share.inUse < this.perViewer) {
      share.inUse += 1;
      return Promise.resolve(releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        // A permit handed over from a release: inUse stays as it is.
        grant: () => resolve(releaser()),
        timer: setTimeout(() => {
          share.waiting.splice(share.waiting.indexOf(waiter), 1);
          reject(new DatabaseShareExhausted(this.perViewer, this.waitMs));
        }, this.waitMs),
      };
      share.waiting.push(waiter);
    });
  }
}

/**
 * Makes every `connect` of the pool (its `query` goes through `connect` too) take a permit
 * of the current database user first, and give it back when the connection is released.
 */
export function shareConnections(pool: pg.Pool, perViewer: number, waitMs: number): void {
  const shares = new Shares(perViewer, waitMs);
  replaceConnect(pool, (next) => (callback) => {
    const key = databaseUser.getStore();
    if (!key) return next(callback);
    shares.acquire(key).then(
      (giveBack) =>
        next((error, client, done) => {
          if (error || !client) {
            giveBack();
            callback(error, client, done);
            return;
          }
          const release = client.release;
          client.release = (releaseError?: Error | boolean) => {
            giveBack();
            release(releaseError);
          };
          callback(undefined, client, client.release);
        }),
      (error: Error) => callback(error, undefined, () => {}),
    );
  });
}
