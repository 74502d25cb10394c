import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The running request's deadline, visible to everything the request calls. A mutation
 * whose client has already been told REQUEST_TIMEOUT must not commit afterwards, or a
 * retry would apply it twice; runChange checks this just before it commits.
 */
const deadlines = new AsyncLocalStorage<AbortSignal>();

export function runWithDeadline<T>(signal: AbortSignal, work: () => T): T {
  return deadlines.run(signal, work);
}

/** True once the current request's deadline has passed (never outside a request). */
export function deadlinePassed(): boolean {
  return deadlines.getStore()?.aborted ?? false;
}
