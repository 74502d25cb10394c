import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time the domain writes down: activity times, event times, sent and ended times.
 * It is the wall clock, except inside `withClock`, where the demo seed (and tests) replay
 * a history at the moments it happened, through the same services the server runs.
 */
type Replay = {
  read: () => Date;
  /** Ids for rows the domain inserts in SQL of its own, so a replay writes the same ids every run. */
  newId?: ((kind: string) => string) | undefined;
};
const replayed = new AsyncLocalStorage<Replay>();

export function now(): Date {
  const replay = replayed.getStore();
  return replay ? replay.read() : new Date();
}

/** Runs `work` with `now()` answering `read()`: for replaying history, never for live requests. */
export function withClock<T>(read: () => Date, work: () => T, { newId }: { newId?: (kind: string) => string } = {}): T {
  return replayed.run({ read, newId }, work);
}

/** The replay's id for a new row of this kind, when a replay gives ids (see ids.ts). */
export function replayedId(kind: string): string | undefined {
  return replayed.getStore()?.newId?.(kind);
}
