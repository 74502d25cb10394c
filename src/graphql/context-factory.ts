import { createGraphQLError } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/tokens.js';
import { bearerToken, resolveViewer, UnauthenticatedError, type Viewer } from '../auth/viewer.js';
import { isDatabaseUnavailable, isPoolExhausted, isStatementTimeout } from '../db/availability.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { EventStream } from '../modules/activity/event-stream.js';
import type { PubSub } from '../pubsub.js';
import { requestStateOf } from '../request-deadline.js';
import type { Context } from './context.js';
import { databaseBusyError, databaseUnavailableError, requestTimeoutError } from './errors-mask.js';

type InitialContext = {
  request?: Request;
  /** Set by the WebSocket transport from the client's connection_init payload. */
  connectionParams?: Record<string, unknown>;
};

/** Credentials travel in the Authorization header (HTTP, SSE) or connectionParams (WebSocket). */
export function credentialsOf(initial: InitialContext): string | undefined {
  const params = initial.connectionParams;
  // Clients put it at the top level, or under `headers` as they would on HTTP (GraphQL Tools' executors).
  const nested = params?.['headers'];
  const headers = typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : undefined;
  const fromParams =
    params?.['authorization'] ?? params?.['Authorization'] ?? headers?.['authorization'] ?? headers?.['Authorization'];
  if (typeof fromParams === 'string') return bearerToken(fromParams) ?? fromParams;
  return bearerToken(initial.request?.headers.get('authorization'));
}

type Dependencies = {
  verify: TokenVerifier;
  prisma: PrismaClient;
  logger: Logger;
  pubsub: PubSub;
  events: EventStream;
  /** The viewer look-up is part of the request, so it answers to the same deadline. */
  requestTimeoutMs: number;
};

class ViewerTimeout extends Error {}

export function createContextFactory(dependencies: Dependencies) {
  const { prisma, logger, pubsub, events, verify, requestTimeoutMs } = dependencies;
  return async (initial: InitialContext): Promise<Context> => {
    const requestState = requestStateOf(initial.request);
    const requestId = requestState.id;
    try {
      const viewer = await withDeadline(resolveViewer(credentialsOf(initial), verify, prisma), requestTimeoutMs);
      return { viewer, prisma, logger, pubsub, events, requestState, requestId };
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        throw createGraphQLError(error.message, {
          extensions: {
            code: 'UNAUTHENTICATED',
            http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
          },
        });
      }
      if (error instanceof ViewerTimeout || isStatementTimeout(error)) throw requestTimeoutError();
      if (isPoolExhausted(error)) throw databaseBusyError();
      if (isDatabaseUnavailable(error)) throw databaseUnavailableError();
      logger.error('unexpected error while resolving the viewer', {
        requestId,
        error: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack },
      });
      throw error;
    }
  };
}

function withDeadline(lookup: Promise<Viewer>, timeoutMs: number): Promise<Viewer> {
  if (timeoutMs <= 0) return lookup;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ViewerTimeout()), timeoutMs);
  });
  return Promise.race([lookup, deadline]).finally(() => clearTimeout(timer));
}
