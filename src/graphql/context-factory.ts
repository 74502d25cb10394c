import { createGraphQLError } from 'graphql-yoga';
import type { AgentMemory } from '../auth/agent-memory.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { bearerToken, confirmViewer, resolveViewer, UnauthenticatedError, type Viewer } from '../auth/viewer.js';
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
  agents: AgentMemory;
  logger: Logger;
  pubsub: PubSub;
  events: EventStream;
  /** The viewer look-up is part of the request, so it answers to the same deadline. */
  requestTimeoutMs: number;
};

class ViewerTimeout extends Error {}

/**
 * The context of one operation. Its viewer may be a remembered agent (agent-memory.ts):
 * whatever acts on the viewer's behalf calls `confirmViewer` first, unless its own SQL
 * confirms the agent (the compiled read path). `confirmed` gives a context whose viewer
 * is confirmed already, for callers outside GraphQL execution (REST, WebSocket connects).
 */
export function createContextFactory(dependencies: Dependencies) {
  const { prisma, logger, pubsub, events, verify, agents, requestTimeoutMs } = dependencies;
  const asGraphQLError = (error: unknown, requestId: string) => {
    if (error instanceof UnauthenticatedError) {
      return createGraphQLError(error.message, {
        extensions: {
          code: 'UNAUTHENTICATED',
          http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
        },
      });
    }
    if (error instanceof ViewerTimeout || isStatementTimeout(error)) return requestTimeoutError();
    if (isPoolExhausted(error)) return databaseBusyError();
    if (isDatabaseUnavailable(error)) return databaseUnavailableError();
    logger.error('unexpected error while resolving the viewer', {
      requestId,
      error: { name: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack },
    });
    return error;
  };
  const contextOf = async (initial: InitialContext, remembered: boolean): Promise<Context> => {
    const requestState = requestStateOf(initial.request);
    const requestId = requestState.id;
    let viewer: Viewer;
    try {
      viewer = await withDeadline(
        resolveViewer(credentialsOf(initial), verify, agents, { remembered }),
        requestTimeoutMs,
      );
    } catch (error) {
      throw asGraphQLError(error, requestId);
    }
    return {
      viewer,
      prisma,
      logger,
      pubsub,
      events,
      requestState,
      requestId,
      // Yoga copies this object into the context resolvers get, so the caller stores the answer there.
      async confirmViewer(current) {
        try {
          return await withDeadline(confirmViewer(current, agents), requestTimeoutMs);
        } catch (error) {
          throw asGraphQLError(error, requestId);
        }
      },
    };
  };
  return Object.assign((initial: InitialContext) => contextOf(initial, true), {
    confirmed: (initial: InitialContext) => contextOf(initial, false),
  });
}

function withDeadline(lookup: Promise<Viewer>, timeoutMs: number): Promise<Viewer> {
  if (timeoutMs <= 0) return lookup;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ViewerTimeout()), timeoutMs);
  });
  return Promise.race([lookup, deadline]).finally(() => clearTimeout(timer));
}
