import { createGraphQLError } from 'graphql-yoga';
import { ChatSessionNode } from '../modules/session/session.type.js';
import type { builder } from './builder.js';

/**
 * Payloads carry ids; their object fields re-read through Prisma with the client's
 * selection, so a mutation answers with the nested graph in one query per field.
 */
export type SessionPayload = { sessionId: string };

export function payloadSessionField<T extends SessionPayload>(
  t: PothosSchemaTypes.ObjectFieldBuilder<
    typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never,
    T
  >,
) {
  return t.prismaField({
    type: ChatSessionNode,
    description: 'The session as it is after the change.',
    resolve: (query, payload, _args, context) =>
      readBack(() => context.prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: payload.sessionId } })),
  });
}

/**
 * Payload objects are read after the commit. If that read fails (the pool is exhausted,
 * the database just went away), the change still happened: say so, so that a client
 * does not retry a mutation that has no idempotency key.
 */
export async function readBack<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw createGraphQLError('The change was committed, but reading the result back failed; query it again.', {
      originalError: error as Error,
      extensions: { code: 'COMMITTED_RESULT_UNAVAILABLE', committed: true },
    });
  }
}
