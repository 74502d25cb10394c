import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { runWithDeadline } from '../../request-deadline.js';
import { elapsedMs } from './observability.js';

/**
 * An overall deadline for queries and mutations (subscriptions are long-lived by
 * design). The client gets a clear REQUEST_TIMEOUT instead of a hung connection;
 * SQL has its own statement timeout underneath. A mutation still running when the
 * deadline passes is rolled back rather than committed (see runChange), so the
 * REQUEST_TIMEOUT a client sees means "not applied" unless the commit had begun.
 */
export function requestDeadlinePlugin(timeoutMs: number): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      if (timeoutMs <= 0) return;
      setExecuteFn(async (args) => {
        // One deadline for the whole request: authentication already used some of it.
        const remaining = Math.max(0, timeoutMs - elapsedMs((args.contextValue as { request?: Request }).request));
        let timer: NodeJS.Timeout | undefined;
        const expired = new AbortController();
        const deadline = new Promise<{ errors: Error[] }>((resolve) => {
          timer = setTimeout(() => {
            expired.abort();
            resolve({
              errors: [
                createGraphQLError(`The request did not finish within ${timeoutMs} ms.`, {
                  extensions: { code: 'REQUEST_TIMEOUT', http: { status: 504 } },
                }),
              ],
            });
          }, remaining);
        });
        try {
          return await Promise.race([runWithDeadline(expired.signal, () => executeFn(args)), deadline]);
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
