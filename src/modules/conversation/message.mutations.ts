import { builder } from '../../graphql/builder.js';
import { defineMutation } from '../../graphql/mutation.js';
import { committed, payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { ChatSessionNode } from '../session/session.type.js';
import { MessageNode, SenderTypeEnum } from './conversation.type.js';
import { recordMessage } from './message.service.js';

const RecordMessageInput = builder.inputType('RecordMessageInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    senderType: t.field({ type: SenderTypeEnum, required: true }),
    senderName: t.string(),
    content: t.string({ required: true }),
    externalId: t.string({ description: 'The source system’s id; a re-delivery with the same id is recorded once.' }),
    sentAt: t.field({ type: 'DateTime', description: 'Defaults to now.' }),
    expectedVersion: t.int(),
  }),
});

const RecordMessagePayload = builder
  .objectRef<SessionPayload & { messageId: string; created: boolean }>('RecordMessagePayload')
  .implement({
    fields: (t) => ({
      session: payloadSessionField(t),
      message: t.prismaField({
        type: MessageNode,
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.message.findUniqueOrThrow({ ...query, where: { id: payload.messageId } })),
      }),
      created: t.exposeBoolean('created', { description: 'False for a re-delivered externalId.' }),
    }),
  });

defineMutation('recordMessage', {
  description: 'Appends a chat message; resumes a paused session. Idempotent by externalId.',
  input: RecordMessageInput,
  payload: RecordMessagePayload,
  resolve: async (input, context) => {
    const { session, message, created } = committed(
      context,
      await recordMessage(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id }),
    );
    return { sessionId: session.id, messageId: message.id, created };
  },
});
