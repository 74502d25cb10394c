import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { cursorMustBeVisible, eventRowVisible, quoteRowVisible } from '../cursor-visibility.js';
import { QuoteNode, quoteConnection } from '../quote/quote.type.js';
import { ownedBy } from '../visibility.js';
import { SessionStatusEnum, WorkflowStepEnum } from './session.enums.js';

export const ChatSessionNode = builder.prismaNode('ChatSession', {
  description:
    'A tracked chat session: the conversation, its trip request, quotes and proposal, and where the deal stands.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    status: t.expose('status', { type: SessionStatusEnum }),
    currentStep: t.expose('currentStep', { type: WorkflowStepEnum }),
    avinodeTripId: t.exposeString('avinodeTripId', { nullable: true, description: 'e.g. atrip-64956150' }),
    avinodeRfpId: t.exposeString('avinodeRfpId', { nullable: true }),
    avinodeRfqId: t.exposeString('avinodeRfqId', { nullable: true, description: 'e.g. arfq-113903111' }),
    avinodeTripCode: t.exposeString('avinodeTripCode', {
      nullable: true,
      description: "The trip's display code (e.g. A1B2C3): given when linking, or learned from Avinode.",
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    workflowState: t.expose('workflowState', { type: 'JSON' }),
    metadata: t.expose('metadata', { type: 'JSON' }),
    messageCount: t.exposeInt('messageCount'),
    quotesReceivedCount: t.exposeInt('quotesReceivedCount'),
    quotesExpectedCount: t.exposeInt('quotesExpectedCount'),
    operatorsContactedCount: t.exposeInt('operatorsContactedCount'),
    version: t.exposeInt('version', {
      description: 'Bumped by every change; pass as expectedVersion to guard an update.',
    }),
    agent: t.relation('agent'),
    conversation: t.relation('conversation'),
    request: t.relation('request', { nullable: true }),
    primaryQuote: t.relation('primaryQuote', { nullable: true }),
    proposal: t.relation('proposal', { nullable: true }),
    quotes: t.connection(
      {
        type: QuoteNode,
        description: "Quotes on the session's trip request, in the order they arrived.",
        ...cursorMustBeVisible(quoteRowVisible),
        select: (args, context, nestedSelection) => ({
          request: {
            select: {
              quotes: quoteConnection.getQuery(args, context, nestedSelection),
              _count: { select: { quotes: true } },
            },
          },
        }),
        resolve: (session, args, context) => {
          const quotes = session.request?.quotes ?? [];
          return { ...quoteConnection.resolve(quotes, args, context), totalCount: session.request?._count.quotes ?? 0 };
        },
      },
      {
        name: 'ChatSessionQuotesConnection',
        fields: (connection) => ({
          totalCount: connection.int({ resolve: (result) => result.totalCount }),
        }),
      },
    ),
    events: t.relatedConnection('events', {
      description: 'The activity log, oldest first.',
      cursor: 'id',
      maxSize: maxPageSize,
      ...cursorMustBeVisible(eventRowVisible),
      totalCount: true,
      query: () => ({ orderBy: { id: 'asc' } }),
    }),
  }),
});
