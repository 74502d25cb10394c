import { SenderType } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { cursorMustBeVisible, messageRowVisible } from '../cursor-visibility.js';
import { ownedBy, ownedViaConversation } from '../visibility.js';

export const SenderTypeEnum = builder.enumType('SenderType', {
  description: 'Who wrote a message.',
  values: {
    AGENT: { value: SenderType.AGENT, description: 'The broker (ISO agent).' },
    ASSISTANT: { value: SenderType.ASSISTANT, description: 'The AI chat assistant.' },
    OPERATOR: { value: SenderType.OPERATOR, description: 'An aircraft operator, e.g. a message relayed from Avinode.' },
    SYSTEM: { value: SenderType.SYSTEM, description: 'The system itself: automated notices.' },
  } as const,
});

export const MessageNode = builder.prismaNode('Message', {
  description: 'One chat message in a conversation. Visible to whoever may see the conversation.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedViaConversation(context.viewer) }),
  fields: (t) => ({
    senderType: t.expose('senderType', { type: SenderTypeEnum, description: 'Who wrote it.' }),
    senderName: t.exposeString('senderName', {
      nullable: true,
      description: 'The sender’s name as delivered, e.g. an operator’s; null when none was given.',
    }),
    content: t.exposeString('content', { description: 'The message text, trimmed; up to 20,000 characters.' }),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description: 'The id the message had where it came from (e.g. Avinode); re-deliveries are recorded once.',
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the message was sent: `sentAt` as recorded, else when it was recorded.',
    }),
    conversation: t.relation('conversation', { description: 'The conversation it belongs to.' }),
  }),
});

export const ConversationNode = builder.prismaNode('Conversation', {
  description:
    'A chat thread between the broker, the assistant and operators; a session tracks the deal it is about. Belongs to one agent.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    subject: t.exposeString('subject', {
      nullable: true,
      description: 'What the conversation is about, as given when it was opened; null when none was.',
    }),
    lastMessageAt: t.expose('lastMessageAt', {
      type: 'DateTime',
      nullable: true,
      description:
        'When the newest message was sent; null before the first one. A late-delivered older message does not move it back.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the conversation was opened.' }),
    agent: t.relation('agent', { description: 'The agent the conversation belongs to.' }),
    messages: t.relatedConnection('messages', {
      description: 'The messages, newest first (by when they were sent).',
      cursor: 'id',
      maxSize: maxPageSize,
      ...cursorMustBeVisible(messageRowVisible),
      totalCount: true,
      query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    }),
  }),
});
