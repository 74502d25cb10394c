import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import { isDatabaseUnavailable, isPoolExhausted, isStatementTimeout } from '../db/availability.js';
import { RequestDeadlinePassed } from '../request-deadline.js';

/**
 * The one place where thrown errors become responses. GraphQL errors the code
 * raised on purpose pass through; client mistakes Pothos detects (bad cursors,
 * bad global ids) become BAD_USER_INPUT; an unreachable database becomes
 * DATABASE_UNAVAILABLE and a saturated pool DATABASE_BUSY (both 503, retry later);
 * anything else is masked.
 */
export function maskError(error: unknown, message: string, isDevelopment?: boolean): Error {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const path = error instanceof GraphQLError ? error.path : undefined;
  if (error instanceof GraphQLError && original instanceof GraphQLError && original.originalError) {
    return withoutCause(error, original, message, isDevelopment);
  }
  if (original instanceof PothosValidationError) {
    return createGraphQLError(original.message, { path, extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (original instanceof RequestDeadlinePassed) return requestTimeoutError({ path });
  if (!(original instanceof GraphQLError) && isStatementTimeout(original)) return requestTimeoutError({ path });
  if (!(original instanceof GraphQLError) && isPoolExhausted(original)) return databaseBusyError(path);
  if (!(original instanceof GraphQLError) && isDatabaseUnavailable(original)) return databaseUnavailableError(path);
  return yogaMaskError(error, message, isDevelopment);
}

/**
 * A GraphQL error raised on purpose that carries what caused it (COMMITTED_RESULT_UNAVAILABLE
 * keeps the failed read, for the logs). Yoga would mask it for that cause alone, and the
 * client would read "Unexpected error." instead of its code: it is answered as raised, where
 * graphql-js located it, and the cause stays on the server.
 */
function withoutCause(located: GraphQLError, raised: GraphQLError, message: string, isDevelopment?: boolean): Error {
  if (typeof raised.extensions['code'] !== 'string') return yogaMaskError(located, message, isDevelopment);
  return createGraphQLError(raised.message, {
    nodes: located.nodes,
    source: located.source,
    positions: located.positions,
    path: located.path ?? raised.path,
    extensions: raised.extensions,
  });
}

export function databaseUnavailableError(path?: ReadonlyArray<string | number>): GraphQLError {
  return createGraphQLError('The database is unavailable; retry shortly.', {
    path,
    extensions: { code: 'DATABASE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '2' } } },
  });
}

/**
 * The database is up but every connection this server may use (or this viewer's share of
 * them) stayed busy until the wait ran out. Nothing was changed; retrying after a pause is safe.
 */
export function databaseBusyError(path?: ReadonlyArray<string | number>): GraphQLError {
  return createGraphQLError('The server is busy with other database work; retry shortly.', {
    path,
    extensions: { code: 'DATABASE_BUSY', http: { status: 503, headers: { 'Retry-After': '1' } } },
  });
}

/**
 * REQUEST_TIMEOUT, built here only. `afterMs` when the request's own deadline ran out
 * (nothing was changed); without it, a statement or the viewer look-up took too long.
 */
export function requestTimeoutError({
  path,
  afterMs,
}: {
  path?: ReadonlyArray<string | number>;
  afterMs?: number;
} = {}): GraphQLError {
  const message =
    afterMs === undefined
      ? 'The request took too long and was cancelled; retry, or ask for less.'
      : `The request did not finish within ${afterMs} ms; nothing was changed.`;
  return createGraphQLError(message, { path, extensions: { code: 'REQUEST_TIMEOUT', http: { status: 504 } } });
}
