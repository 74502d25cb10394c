import { createGraphQLError } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/tokens.js';
import { bearerToken, resolveViewer, UnauthenticatedError } from '../auth/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { EventStream } from '../modules/activity/event-stream.js';
import type { PubSub } from '../pubsub.js';
import type { Context } from './context.js';
import { databaseUnavailableError } from './errors-mask.js';
import { requestIdOf } from './plugins/observability.js';
import { isDatabaseUnavailable } from '../db/availability.js';

type InitialContext = {
  request?: Request;
  /** Set by the WebSocket transport from the client's connection_init payload. */
  connectionParams?: Record<string, unknown>;
};

/** Credentials travel in the Authorization header (HTTP, SSE) or connectionParams (WebSocket). */
export function credentialsOf(initial: InitialContext): string | undefined {
  const params = initial.connectionParams;
  const fromParams = params?.['authorization'] ?? params?.['Authorization'];
  if (typeof fromParams === 'string') return bearerToken(fromParams) ?? fromParams;
  return bearerToken(initial.request?.headers.get('authorization'));
}

export function createContextFactory(dependencies: { verify: TokenVerifier; prisma: PrismaClient; logger: Logger; pubsub: PubSub; events: EventStream }) {
  return async (initial: InitialContext): Promise<Context> => {
    try {
      const viewer = await resolveViewer(credentialsOf(initial), dependencies.verify, dependencies.prisma);
      const requestId = requestIdOf(initial.request);
      const { prisma, logger, pubsub, events } = dependencies;
      return { viewer, prisma, logger, pubsub, events, requestId };
    } catch (error) {
      if (error instanceof UnauthenticatedError) {
        throw createGraphQLError(error.message, {
          extensions: {
            code: 'UNAUTHENTICATED',
            http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
          },
        });
      }
      if (isDatabaseUnavailable(error)) throw databaseUnavailableError();
      throw error;
    }
  };
}
