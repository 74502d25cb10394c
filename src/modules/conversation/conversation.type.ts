import { SenderType } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { ownedBy, ownedViaConversation } from '../visibility.js';

export const SenderTypeEnum = builder.enumType(SenderType, { name: 'SenderType' });

export const MessageNode = builder.prismaNode('Message', {
  description: 'One chat message.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedViaConversation(context.viewer) }),
  fields: (t) => ({
    senderType: t.expose('senderType', { type: SenderTypeEnum }),
    senderName: t.exposeString('senderName', { nullable: true }),
    content: t.exposeString('content'),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description: 'The id the message had where it came from (e.g. Avinode); re-deliveries are recorded once.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    conversation: t.relation('conversation'),
  }),
});

export const ConversationNode = builder.prismaNode('Conversation', {
  description: 'A chat thread.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    subject: t.exposeString('subject', { nullable: true }),
    lastMessageAt: t.expose('lastMessageAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    agent: t.relation('agent'),
    messages: t.relatedConnection('messages', {
      description: 'Newest first.',
      cursor: 'id',
      maxSize: maxPageSize,
      totalCount: true,
      query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    }),
  }),
});
