import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../config.js';
import type { Context } from '../graphql/context.js';
import { maskError } from '../graphql/errors-mask.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../graphql/pagination.js';
import { viewerLabel } from '../graphql/plugins/observability.js';
import { type RateLimiter, rateLimitRefusal } from '../graphql/plugins/rate-limit.js';
import type { Logger } from '../logger.js';
import { externalId } from '../modules/validation.js';
import { openApiDocument } from './openapi.js';
import { decodePosition, type SessionPageRequest, sessionPage } from './session-rows.js';

export const CHAT_SESSIONS_PATH = '/api/chat-sessions';
export const OPENAPI_PATH = '/api/openapi.json';

type Dependencies = {
  contextOf(initial: { request: Request }): Promise<Context>;
  limits: LimitsConfig;
  limiter: RateLimiter;
  logger: Logger;
};

/**
 * The REST route of the system this server replaces, for its clients: the same
 * token, visibility, page limit and rate limit as GraphQL, answered as JSON rows
 * with the seed's column names. Errors are `{ error: { code, message } }` with the
 * codes (and HTTP statuses) GraphQL uses.
 */
export function chatSessionsRestPlugin(dependencies: Dependencies): Plugin {
  const { logger } = dependencies;
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === OPENAPI_PATH) {
        endResponse(onlyGet(request) ?? Response.json(openApiDocument, { headers: { 'Cache-Control': 'no-cache' } }));
        return;
      }
      if (url.pathname !== CHAT_SESSIONS_PATH) return;
      const started = performance.now();
      const response = onlyGet(request) ?? (await listSessions(request, url, dependencies));
      const { requestId, viewer } = answered.get(response) ?? {};
      logger.info('rest request', {
        requestId,
        route: CHAT_SESSIONS_PATH,
        viewer,
        status: response.status,
        durationMs: Math.round(performance.now() - started),
      });
      endResponse(response);
    },
  };
}

/** What the log line names for a response; kept apart so responses stay plain. */
const answered = new WeakMap<Response, { requestId: string; viewer: string }>();

async function listSessions(request: Request, url: URL, dependencies: Dependencies): Promise<Response> {
  try {
    const page = parseQuery(url.searchParams);
    const context = await dependencies.contextOf({ request });
    const refusal = await rateLimitRefusal(dependencies.limits, dependencies.limiter, context.viewer);
    if (refusal) throw refusal;
    const { sessions, nextCursor } = await sessionPage(context.prisma, context.viewer, page);
    const response = Response.json(
      { sessions, next_cursor: nextCursor },
      { headers: { 'Cache-Control': 'private, no-store', 'X-Request-Id': context.requestId } },
    );
    answered.set(response, { requestId: context.requestId, viewer: viewerLabel(context.viewer) });
    return response;
  } catch (error) {
    return errorResponse(error, dependencies.logger);
  }
}

const PARAMETERS = new Set(['trip_id', 'limit', 'cursor']);

/** The query string, checked before anything reaches the database. */
function parseQuery(query: URLSearchParams): SessionPageRequest {
  for (const name of new Set(query.keys())) {
    if (!PARAMETERS.has(name)) throw badInput(name, `unknown parameter; expected one of ${[...PARAMETERS].join(', ')}`);
    if (query.getAll(name).length > 1) throw badInput(name, 'may be given once');
  }
  const tripId = query.get('trip_id');
  const limit = query.get('limit');
  const cursor = query.get('cursor');
  const parsedTripId = tripId === null ? undefined : externalId.safeParse(tripId);
  if (parsedTripId && !parsedTripId.success) throw badInput('trip_id', 'must be 1-100 letters, digits, or _ . : -');
  if (limit !== null && !(/^\d{1,3}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_PAGE_SIZE)) {
    throw badInput('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  const after = cursor === null ? undefined : decodePosition(cursor);
  if (cursor !== null && !after) throw badInput('cursor', 'is not a cursor this endpoint handed out');
  return {
    tripId: parsedTripId?.data,
    limit: limit === null ? DEFAULT_PAGE_SIZE : Number(limit),
    after,
  };
}

function badInput(parameter: string, message: string): GraphQLError {
  return new GraphQLError(`\`${parameter}\` ${message}.`, {
    extensions: { code: 'BAD_USER_INPUT', parameter, http: { status: 400 } },
  });
}

function onlyGet(request: Request): Response | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  return Response.json(
    { error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not supported here; use GET.` } },
    { status: 405, headers: { Allow: 'GET, HEAD' } },
  );
}

type HttpExtension = { status?: number; headers?: Record<string, string> };

/** The GraphQL API's error mapping (one place: maskError), rendered as REST. */
function errorResponse(error: unknown, logger: Logger): Response {
  const shown =
    error instanceof GraphQLError && error.extensions['code'] ? error : maskError(error, 'Unexpected error.');
  const extensions = shown instanceof GraphQLError ? shown.extensions : {};
  const http = (extensions['http'] ?? {}) as HttpExtension;
  const code = typeof extensions['code'] === 'string' ? extensions['code'] : 'INTERNAL_SERVER_ERROR';
  const status = http.status ?? 500;
  if (status >= 500 && code === 'INTERNAL_SERVER_ERROR') {
    logger.error('unexpected error in the REST route', {
      error: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack },
    });
  }
  const parameter = extensions['parameter'];
  return Response.json(
    { error: { code, message: shown.message, ...(typeof parameter === 'string' ? { parameter } : {}) } },
    { status, headers: http.headers },
  );
}
