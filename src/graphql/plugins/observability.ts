import { randomUUID } from 'node:crypto';
import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../../logger.js';
import { DomainError } from '../../modules/errors.js';
import type { Context } from '../context.js';

type RequestState = { id: string; started: number; operationName?: string; logged?: boolean };
const requests = new WeakMap<Request, RequestState>();

function stateOf(request: Request): RequestState {
  let state = requests.get(request);
  if (!state) {
    const sent = request.headers.get('x-request-id');
    state = { id: sent && /^[\w.:-]{1,100}$/.test(sent) ? sent : randomUUID(), started: performance.now() };
    requests.set(request, state);
  }
  return state;
}

/** How long ago the request arrived, so later stages can share one deadline. */
export function elapsedMs(request: Request | undefined): number {
  return request ? performance.now() - stateOf(request).started : 0;
}

/** The request's id: the caller's `X-Request-Id` when it sent a sane one, else a new UUID. */
export function requestIdOf(request: Request | undefined): string {
  return request ? stateOf(request).id : randomUUID();
}

/**
 * One JSON log line per operation (request id, operation, viewer, duration, outcome),
 * also for operations refused before they ran (limits, auth, CSRF, trusted documents),
 * and the request id in every response, so a masked error can be found in the logs.
 * Never logs tokens, variables or message contents.
 */
export function observabilityPlugin(logger: Logger): Plugin<Context> {
  return {
    onRequest({ request }) {
      stateOf(request);
    },
    onParams({ request, params }) {
      // Named in the body, or else in the document itself (read without parsing it twice).
      // Params are untrusted here (yoga validates them after this hook): check every type.
      const { operationName, query } = params as { operationName?: unknown; query?: unknown };
      const named =
        typeof operationName === 'string'
          ? operationName
          : typeof query === 'string'
            ? /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1]
            : undefined;
      if (named) stateOf(request).operationName = named.slice(0, 100);
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
    onExecute({ args }) {
      const context = args.contextValue as Context & { request?: Request };
      const state = context.request ? stateOf(context.request) : undefined;
      const started = state?.started ?? performance.now();
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) && !('data' in result)) return;
          const errors = result.errors ?? [];
          for (const error of errors) logIfUnexpected(logger, context.requestId, error);
          if (state) state.logged = true;
          logger.info('operation', {
            requestId: context.requestId,
            operationName: getOperationAST(args.document, args.operationName)?.name?.value ?? state?.operationName,
            viewer: context.viewer.kind === 'service' ? `service:${context.viewer.subject}` : context.viewer.agent.id,
            durationMs: Math.round(performance.now() - started),
            outcome: errors.length ? 'error' : 'ok',
            errorCodes: errors.length ? errors.map((error) => error.extensions?.['code'] ?? 'UNKNOWN') : undefined,
          });
          setResult({ ...result, extensions: { ...result.extensions, requestId: context.requestId } });
        },
      };
    },
    onResultProcess({ request, result }) {
      // Anything that never reached execution (refused, unauthenticated, malformed) still gets its line.
      const state = stateOf(request);
      if (state.logged || Symbol.asyncIterator in Object(result)) return;
      state.logged = true;
      const results = Array.isArray(result) ? result : [result];
      const codes = results
        .flatMap((single) => (single as { errors?: GraphQLError[] }).errors ?? [])
        .map((error) => error.extensions?.['code'] ?? 'UNKNOWN');
      logger.info('operation', {
        requestId: state.id,
        operationName: state.operationName,
        durationMs: Math.round(performance.now() - state.started),
        outcome: codes.length ? 'refused' : 'ok',
        errorCodes: codes.length ? codes : undefined,
      });
    },
  };
}

function logIfUnexpected(logger: Logger, requestId: string, error: GraphQLError): void {
  const original = error.originalError;
  if (original && !(original instanceof GraphQLError) && !(original instanceof DomainError)) {
    logger.error('unexpected error', {
      requestId,
      path: error.path?.join('.'),
      error: { name: original.name, message: original.message, stack: original.stack },
    });
  }
}
