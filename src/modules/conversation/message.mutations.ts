import { builder } from '../../graphql/builder.js';
import { defineMutation, EXPECTED_VERSION_DESCRIPTION, SESSION_ID_DESCRIPTION } from '../../graphql/mutation.js';
import { payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { ChatSessionNode } from '../session/session.type.js';
import { MessageNode, SenderTypeEnum } from './conversation.type.js';
import { recordMessage } from './message.service.js';

const RecordMessageInput = builder.inputType('RecordMessageInput', {
  description: 'A message to add to the session’s conversation.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true, description: SESSION_ID_DESCRIPTION }),
    senderType: t.field({ type: SenderTypeEnum, required: true, description: 'Who wrote it.' }),
    senderName: t.string({ description: 'The sender’s name to show; up to 200 characters.' }),
    content: t.string({ required: true, description: 'The text: 1 to 20,000 characters once trimmed.' }),
    externalId: t.string({
      description:
        'The source system’s id (1 to 100 letters, digits or `_ . : -`); a re-delivery with the same id is recorded once.',
    }),
    sentAt: t.field({ type: 'DateTime', description: 'When it was sent; defaults to now.' }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
  }),
});

const RecordMessagePayload = builder
  .objectRef<SessionPayload & { messageId: string; created: boolean }>('RecordMessagePayload')
  .implement({
    description: 'What `recordMessage` did.',
    fields: (t) => ({
      session: payloadSessionField(t),
      message: t.prismaField({
        type: MessageNode,
        description: 'The recorded message, or the one recorded earlier with the same `externalId`.',
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.message.findUniqueOrThrow({ ...query, where: { id: payload.messageId } })),
      }),
      created: t.exposeBoolean('created', {
        description: 'False for a re-delivered `externalId`: nothing was written, counted or announced.',
      }),
    }),
  });

defineMutation('recordMessage', {
  description: 'Appends a chat message; resumes a paused session. Idempotent by externalId.',
  input: RecordMessageInput,
  payload: RecordMessagePayload,
  resolve: async (input, context) => {
    const { session, message, created } = (
      await recordMessage(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id })
    ).result;
    return { sessionId: session.id, messageId: message.id, created };
  },
});
