import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * Everything the server keeps about one request: an HTTP request, or one operation on a
 * WebSocket (each gets a request of its own). Created once, when the request arrives;
 * the context carries it (`context.requestState`), and while the operation executes it is
 * also visible to what the resolvers call, so a transaction can read its deadline.
 *
 * A mutation whose client has already been told REQUEST_TIMEOUT must not commit afterwards,
 * or a retry would apply it twice. The other way round, a client must hear about a change
 * that commits. So runChange, in one synchronous step just before COMMIT, checks that the
 * deadline has not passed and marks the request as committing; from then on the deadline
 * waits for the real answer instead of answering REQUEST_TIMEOUT.
 */
export type RequestState = {
  /** The caller's `X-Request-Id` when it sent a sane one, else a new UUID. */
  readonly id: string;
  /** `performance.now()` when the request arrived: logs and the deadline count from here. */
  readonly started: number;
  /** Named in the body, or else in the document (read before parsing). */
  operationName?: string;
  /** The document's operation keyword, read with the name (query when the document has none). */
  operationType?: string;
  /** Set for operations that arrived on a WebSocket. */
  connectionId?: string;
  /** Its `operation` log line is written (so the refusal line does not follow). */
  logged: boolean;
  /** Aborted once the request's deadline has passed; absent while no deadline runs (subscriptions). */
  deadline?: AbortSignal;
  /** Claimed by the change that is committing: the deadline then waits for the real answer. */
  committing: boolean;
};

const states = new WeakMap<Request, RequestState>();
const running = new AsyncLocalStorage<RequestState>();

/** The request's state, created on first sight; a fresh one, kept nowhere, without a request. */
export function requestStateOf(request: Request | undefined): RequestState {
  let state = request && states.get(request);
  if (!state) {
    const sent = request?.headers.get('x-request-id');
    state = {
      id: sent && /^[\w.:-]{1,100}$/.test(sent) ? sent : randomUUID(),
      started: performance.now(),
      logged: false,
      committing: false,
    };
    if (request) states.set(request, state);
  }
  return state;
}

/** Runs `work` as the request's, so deadlinePassed and claimCommit inside it see the request. */
export function runInRequest<T>(state: RequestState, work: () => T): T {
  return running.run(state, work);
}

/** True once the current request's deadline has passed (never outside a request). */
export function deadlinePassed(): boolean {
  return running.getStore()?.deadline?.aborted ?? false;
}

/**
 * Claims the right to commit: false when the deadline has passed (roll back instead);
 * true, and the deadline will wait for this request's real answer, otherwise.
 */
export function claimCommit(): boolean {
  const state = running.getStore();
  if (!state?.deadline) return true;
  if (state.deadline.aborted) return false;
  state.committing = true;
  return true;
}

/** A change rolled back because its request's deadline passed first; answered as REQUEST_TIMEOUT. */
export class RequestDeadlinePassed extends Error {
  override name = 'RequestDeadlinePassed';
  constructor() {
    super('The request deadline passed before the change committed; it was rolled back.');
  }
}
