import type { Plugin } from 'graphql-yoga';
import { runInRequest } from '../../request-deadline.js';
import type { Context } from '../context.js';
import { requestTimeoutError } from '../errors-mask.js';

/**
 * An overall deadline for queries and mutations (subscriptions are long-lived by
 * design). The client gets a clear REQUEST_TIMEOUT instead of a hung connection;
 * SQL has its own statement timeout underneath. REQUEST_TIMEOUT means nothing was
 * changed: a mutation still running at the deadline is rolled back (see runChange),
 * and one that has committed gets its real answer instead.
 */
export function requestDeadlinePlugin(timeoutMs: number): Plugin<Context> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      if (timeoutMs <= 0) return;
      setExecuteFn(async (args) => {
        const state = (args.contextValue as Context).requestState;
        // One deadline for the whole request: authentication already used some of it.
        const remaining = Math.max(0, timeoutMs - (performance.now() - state.started));
        const expired = new AbortController();
        state.deadline = expired.signal;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<{ errors: Error[] }>((resolve) => {
          timer = setTimeout(() => {
            // From here no further change of this request commits (runChange checks).
            expired.abort();
            // A change already committing is answered for real, however late:
            // "timed out" would invite a retry that applies it twice.
            if (state.committing) return;
            resolve({ errors: [requestTimeoutError({ afterMs: timeoutMs })] });
          }, remaining);
        });
        try {
          return await Promise.race([runInRequest(state, () => executeFn(args)), timedOut]);
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
