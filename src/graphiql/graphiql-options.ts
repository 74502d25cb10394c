import type { GraphiQLOptions } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { exampleSessionId, exampleTabs } from './example-tabs.js';

/**
 * GraphiQL's options, made per page load: with the development token (`token`), every tab sends it
 * and the session tabs start on one of the demo agent's open sessions, looked up now so the ids
 * are real on whatever data the database holds.
 */
export function graphiqlOptions(options: {
  token: string | undefined;
  agentSubject: string;
  prisma: Pick<PrismaClient, 'chatSession'>;
  logger: Logger;
}): () => Promise<GraphiQLOptions> {
  const headers = options.token ? JSON.stringify({ Authorization: `Bearer ${options.token}` }, null, 2) : undefined;
  return async () => ({
    title: 'Chat session graph',
    // Over SSE, subscriptions carry the headers editor's Authorization like every other request.
    subscriptionsProtocol: 'SSE',
    // For tabs opened later; the example tabs carry their own.
    headers,
    defaultTabs: exampleTabs(headers ?? null, options.token ? await sessionOrNothing(options) : undefined),
  });
}

/** The page must open even when the database cannot answer; the tabs then say what id to use. */
async function sessionOrNothing(options: Parameters<typeof graphiqlOptions>[0]): Promise<string | undefined> {
  try {
    return await exampleSessionId(options.prisma, options.agentSubject);
  } catch (error) {
    options.logger.warn('graphiql example session lookup failed', { error: (error as Error).message });
    return undefined;
  }
}
