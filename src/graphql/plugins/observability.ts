import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../../logger.js';
import { DomainError } from '../../modules/errors.js';
import type { Context } from '../context.js';

const requestIds = new WeakMap<Request, string>();
const startTimes = new WeakMap<Request, number>();

/** The request's id: the caller's `X-Request-Id` when it sent a sane one, else a new UUID. */
export function requestIdOf(request: Request | undefined): string {
  if (!request) return randomUUID();
  let id = requestIds.get(request);
  if (!id) {
    const sent = request.headers.get('x-request-id');
    id = sent && /^[\w.:-]{1,100}$/.test(sent) ? sent : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/**
 * One JSON log line per operation (request id, operation, viewer, duration, outcome)
 * and the request id in every response, so a masked error can be found in the logs.
 * Never logs tokens, variables or message contents.
 */
export function observabilityPlugin(logger: Logger): Plugin<Context> {
  return {
    onRequest({ request }) {
      startTimes.set(request, performance.now());
      requestIdOf(request);
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
    onExecute({ args }) {
      const context = args.contextValue as Context & { request?: Request };
      const started = (context.request && startTimes.get(context.request)) ?? performance.now();
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) && !('data' in result)) return;
          const errors = result.errors ?? [];
          for (const error of errors) {
            const original = error.originalError;
            if (original && !(original instanceof GraphQLError) && !(original instanceof DomainError)) {
              logger.error('unexpected error', {
                requestId: context.requestId,
                path: error.path?.join('.'),
                error: { name: original.name, message: original.message, stack: original.stack },
              });
            }
          }
          logger.info('operation', {
            requestId: context.requestId,
            operationName: args.operationName ?? undefined,
            viewer: context.viewer.kind === 'service' ? `service:${context.viewer.subject}` : context.viewer.agent.id,
            durationMs: Math.round(performance.now() - started),
            outcome: errors.length ? 'error' : 'ok',
            errorCodes: errors.length ? errors.map((error) => error.extensions?.['code'] ?? 'UNKNOWN') : undefined,
          });
          setResult({ ...result, extensions: { ...result.extensions, requestId: context.requestId } });
        },
      };
    },
  };
}
