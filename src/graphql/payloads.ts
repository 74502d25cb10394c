import type { SessionEvent } from '../generated/prisma/client.js';
import { announceCommitted } from '../modules/activity/publish.js';
import { ChatSessionNode } from '../modules/session/session.type.js';
import { builder } from './builder.js';
import type { Context } from './context.js';

/**
 * Payloads carry ids; their object fields re-read through Prisma with the client's
 * selection, so a mutation answers with the nested graph in one query per field.
 */
export type SessionPayload = { sessionId: string };

export function payloadSessionField<T extends SessionPayload>(t: PothosSchemaTypes.ObjectFieldBuilder<typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never, T>) {
  return t.prismaField({
    type: ChatSessionNode,
    description: 'The session as it is after the change.',
    resolve: (query, payload, _args, context) =>
      context.prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: payload.sessionId } }),
  });
}

/** After the commit: announce the events, then hand the payload to the client. */
export function committed<T>(context: Context, outcome: { result: T; events: SessionEvent[] }): T {
  announceCommitted(context.pubsub, context.logger, outcome.events);
  return outcome.result;
}
