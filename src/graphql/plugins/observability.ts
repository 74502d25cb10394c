import { GraphQLError, getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Viewer } from '../../auth/viewer.js';
import { isDatabaseUnavailable, isPoolExhausted, isStatementTimeout } from '../../db/availability.js';
import type { Logger } from '../../logger.js';
import { DomainError } from '../../modules/errors.js';
import type { OperationMetrics, Transport } from '../../observability/operation-metrics.js';
import { type RequestState, requestStateOf } from '../../request-deadline.js';
import { withExtensions } from '../compiled-read/raw-json-result.js';
import type { Context } from '../context.js';
import { observeStream } from './observed-stream.js';

/** The request's id: the caller's `X-Request-Id` when it sent a sane one, else a new UUID. */
export function requestIdOf(request: Request | undefined): string {
  return requestStateOf(request).id;
}

/** Marks a request that stands for one operation on a WebSocket, so its lines name the transport and socket. */
export function trackWebSocketOperation(request: Request, connectionId: string): void {
  requestStateOf(request).connectionId = connectionId;
}

/** How a viewer appears in logs: an id, never a token or an email. */
export function viewerLabel(viewer: Viewer): string {
  return viewer.kind === 'service' ? `service:${viewer.subject}` : viewer.agent.id;
}

function transportFields(state: RequestState) {
  return state.connectionId ? { transport: 'ws', connectionId: state.connectionId } : { transport: 'http' };
}

/** Metrics tell SSE streams apart from plain HTTP requests; log lines say `http` for both. */
function metricsTransport(request: Request | undefined, state: RequestState): Transport {
  if (state.connectionId) return 'ws';
  return request?.headers.get('accept')?.includes('text/event-stream') ? 'sse' : 'http';
}

const codeOf = (error: { extensions?: Record<string, unknown> }) => error.extensions?.['code'] ?? 'UNKNOWN';

/**
 * The line for an operation that never ran: refused (limits, auth, CSRF, trusted
 * documents, malformed) before execution. `viewer` when the transport already knows it.
 */
export function logRefusedOperation(
  logger: Logger,
  metrics: OperationMetrics,
  request: Request,
  errors: readonly { extensions?: Record<string, unknown> }[],
  viewer?: string,
): void {
  const state = requestStateOf(request);
  if (state.logged) return;
  state.logged = true;
  const codes = errors.map(codeOf);
  const line = {
    requestId: state.id,
    operationName: state.operationName,
    ...(viewer ? { viewer } : {}),
    ...transportFields(state),
    durationMs: Math.round(performance.now() - state.started),
    outcome: codes.length ? ('refused' as const) : ('ok' as const),
    errorCodes: codes.length ? codes : undefined,
  };
  logger.info('operation', line);
  metrics.finished({ ...line, operationType: state.operationType, transport: metricsTransport(request, state) });
}

/**
 * One JSON log line per operation (request id, operation, viewer, duration, outcome),
 * also for operations refused before they ran (limits, auth, CSRF, trusted documents),
 * and the request id in every response, so a masked error can be found in the logs.
 * A subscription (WebSocket or SSE) gets a `subscription started` line and its
 * `operation` line when it ends. Never logs tokens, variables or message contents.
 */
export function observabilityPlugin(logger: Logger, metrics: OperationMetrics): Plugin<Context> {
  /** What every line about an operation that reached execution carries. */
  const operationFields = (
    context: Context & { request?: Request },
    args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null },
  ) => {
    const state = context.requestState;
    const operation = getOperationAST(args.document, args.operationName);
    const rootField = operation?.selectionSet.selections[0];
    return {
      started: state.started,
      operationType: operation?.operation,
      /** The first root field (for subscriptions: the stream), a label from the schema's bounded set. */
      field: rootField?.kind === 'Field' ? rootField.name.value : 'unknown',
      transport: metricsTransport(context.request, state),
      /** Marks the request as logged, so the refusal line does not follow. */
      logged: () => {
        state.logged = true;
      },
      fields: {
        requestId: state.id,
        operationName: operation?.name?.value ?? state.operationName,
        viewer: viewerLabel(context.viewer),
        ...transportFields(state),
      },
    };
  };

  return {
    onRequest({ request }) {
      requestStateOf(request);
    },
    onParams({ request, params }) {
      // Named in the body, or else in the document itself (read without parsing it twice).
      // Params are untrusted here (yoga validates them after this hook): check every type.
      const { operationName, query } = params as { operationName?: unknown; query?: unknown };
      const opening =
        typeof query === 'string'
          ? /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(query)
          : null;
      const named = typeof operationName === 'string' ? operationName : opening?.[2];
      const state = requestStateOf(request);
      if (named) state.operationName = named.slice(0, 100);
      if (typeof query === 'string') state.operationType = opening?.[1] ?? (/^\s*\{/.test(query) ? 'query' : undefined);
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
    onExecute({ args }) {
      const context = args.contextValue as Context & { request?: Request };
      const { started, operationType, transport, logged, fields } = operationFields(context, args);
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) && !('data' in result)) return;
          const errors = result.errors ?? [];
          for (const error of errors) logIfUnexpected(logger, context.requestState.id, error);
          logged();
          const line = {
            ...fields,
            durationMs: Math.round(performance.now() - started),
            outcome: errors.length ? ('error' as const) : ('ok' as const),
            errorCodes: errors.length ? errors.map(codeOf) : undefined,
          };
          logger.info('operation', line);
          metrics.finished({ ...line, operationType, transport });
          setResult(withExtensions(result, { requestId: context.requestState.id }));
        },
      };
    },
    onSubscribe({ args }) {
      const context = args.contextValue as Context & { request?: Request };
      const { started, operationType, field, transport, logged, fields } = operationFields(context, args);
      const codes: unknown[] = [];
      let results = 0;
      let ended = false;
      let stream: ReturnType<OperationMetrics['subscriptionStarted']> | undefined;
      const end = () => {
        if (ended) return;
        ended = true;
        logged();
        stream?.ended();
        const line = {
          ...fields,
          durationMs: Math.round(performance.now() - started),
          outcome: codes.length ? ('error' as const) : ('ok' as const),
          errorCodes: codes.length ? codes : undefined,
          results,
        };
        logger.info('operation', line);
        metrics.finished({ ...line, operationType, transport });
      };
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            // Refused or failed before its stream started (rate limit, cost, not found).
            const errors = (result as { errors?: readonly GraphQLError[] }).errors ?? [];
            for (const error of errors) logIfUnexpected(logger, context.requestState.id, error);
            codes.push(...errors.map(codeOf));
            end();
            return;
          }
          logged();
          logger.info('subscription started', fields);
          stream = metrics.subscriptionStarted(transport, field);
          setResult(
            observeStream(result, {
              next(next) {
                results += 1;
                stream?.delivered();
                for (const error of next.errors ?? []) {
                  logIfUnexpected(logger, context.requestState.id, error);
                  codes.push(codeOf(error));
                }
              },
              end,
              fail(error) {
                if (error instanceof GraphQLError) {
                  logIfUnexpected(logger, context.requestState.id, error);
                  codes.push(codeOf(error));
                } else {
                  logUnexpected(logger, context.requestState.id, error as Error);
                  codes.push('INTERNAL_SERVER_ERROR');
                }
                end();
              },
            }),
          );
        },
      };
    },
    onResultProcess({ request, result }) {
      // Anything that never reached execution (refused, unauthenticated, malformed) still gets its line.
      if (Symbol.asyncIterator in Object(result)) return;
      const results = Array.isArray(result) ? result : [result];
      logRefusedOperation(
        logger,
        metrics,
        request,
        results.flatMap((single) => (single as { errors?: GraphQLError[] }).errors ?? []),
      );
    },
  };
}

function logIfUnexpected(logger: Logger, requestId: string, error: GraphQLError): void {
  const original = error.originalError;
  if (original instanceof GraphQLError) {
    // Raised on purpose, and answered with its code; what caused it is for the operator.
    const cause = original.originalError;
    if (cause && !(cause instanceof GraphQLError)) {
      logger.warn('error behind a coded answer', {
        requestId,
        path: error.path?.join('.'),
        errorCode: original.extensions['code'],
        error: cause.message,
      });
    }
    return;
  }
  if (!original || original instanceof DomainError) return;
  // The database away, busy or slow is an outage the client is told of by its code, not a bug:
  // a warning, so that an error line means something no one expected (and is easy to find).
  if (isDatabaseUnavailable(original) || isPoolExhausted(original) || isStatementTimeout(original)) {
    logger.warn('database error', { requestId, path: error.path?.join('.'), error: original.message });
    return;
  }
  logUnexpected(logger, requestId, original, error.path?.join('.'));
}

function logUnexpected(logger: Logger, requestId: string, error: Error, path?: string): void {
  logger.error('unexpected error', {
    requestId,
    path,
    error: { name: error.name, message: error.message, stack: error.stack },
  });
}
