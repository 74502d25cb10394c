import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time the domain writes down: activity times, event times, sent and ended times.
 * It is the wall clock, except inside `withClock`, where the demo seed (and tests) replay
 * a history at the moments it happened, through the same services the server runs.
 */
const replayed = new AsyncLocalStorage<() => Date>();

export function now(): Date {
  const read = replayed.getStore();
  return read ? read() : new Date();
}

/** Runs `work` with `now()` answering `read()`: for replaying history, never for live requests. */
export function withClock<T>(read: () => Date, work: () => T): T {
  return replayed.run(read, work);
}
