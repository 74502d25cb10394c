import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { type RequestDeadline, runWithDeadline } from '../../request-deadline.js';
import { elapsedMs } from './observability.js';

/**
 * An overall deadline for queries and mutations (subscriptions are long-lived by
 * design). The client gets a clear REQUEST_TIMEOUT instead of a hung connection;
 * SQL has its own statement timeout underneath. REQUEST_TIMEOUT means nothing was
 * changed: a mutation still running at the deadline is rolled back (see runChange),
 * and one that has committed gets its real answer instead.
 */
export function requestDeadlinePlugin(timeoutMs: number): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      if (timeoutMs <= 0) return;
      setExecuteFn(async (args) => {
        // One deadline for the whole request: authentication already used some of it.
        const remaining = Math.max(0, timeoutMs - elapsedMs((args.contextValue as { request?: Request }).request));
        const expired = new AbortController();
        const request: RequestDeadline = { signal: expired.signal, committing: false };
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<{ errors: Error[] }>((resolve) => {
          timer = setTimeout(() => {
            // From here no further change of this request commits (runChange checks).
            expired.abort();
            // A change already committing is answered for real, however late:
            // "timed out" would invite a retry that applies it twice.
            if (request.committing) return;
            resolve({
              errors: [
                createGraphQLError(`The request did not finish within ${timeoutMs} ms; nothing was changed.`, {
                  extensions: { code: 'REQUEST_TIMEOUT', http: { status: 504 } },
                }),
              ],
            });
          }, remaining);
        });
        try {
          return await Promise.race([runWithDeadline(request, () => executeFn(args)), timedOut]);
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
