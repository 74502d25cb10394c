import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The running request's deadline, visible to everything the request calls. A mutation
 * whose client has already been told REQUEST_TIMEOUT must not commit afterwards, or a
 * retry would apply it twice. The other way round, a client must hear about a change
 * that commits. So runChange, in one synchronous step just before COMMIT, checks that
 * the deadline has not passed and marks the request as committing; from then on the
 * deadline waits for the real answer instead of answering REQUEST_TIMEOUT.
 */
export type RequestDeadline = { readonly signal: AbortSignal; committing: boolean };

const deadlines = new AsyncLocalStorage<RequestDeadline>();

export function runWithDeadline<T>(deadline: RequestDeadline, work: () => T): T {
  return deadlines.run(deadline, work);
}

/** True once the current request's deadline has passed (never outside a request). */
export function deadlinePassed(): boolean {
  return deadlines.getStore()?.signal.aborted ?? false;
}

/**
 * Claims the right to commit: false when the deadline has passed (roll back instead);
 * true, and the deadline will wait for this request's real answer, otherwise.
 */
export function claimCommit(): boolean {
  const deadline = deadlines.getStore();
  if (!deadline) return true;
  if (deadline.signal.aborted) return false;
  deadline.committing = true;
  return true;
}

/** A change rolled back because its request's deadline passed first; answered as REQUEST_TIMEOUT. */
export class RequestDeadlinePassed extends Error {
  override name = 'RequestDeadlinePassed';
  constructor() {
    super('The request deadline passed before the change committed; it was rolled back.');
  }
}
