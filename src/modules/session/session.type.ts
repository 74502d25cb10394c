import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { cursorMustBeVisible, eventRowVisible, quoteRowVisible } from '../cursor-visibility.js';
import { QuoteNode, quoteConnection } from '../quote/quote.type.js';
import { ownedBy } from '../visibility.js';
import { SessionStatusEnum, WorkflowStepEnum } from './session.enums.js';

export const ChatSessionNode = builder.prismaNode('ChatSession', {
  description:
    'A tracked chat session: the conversation, its trip request, quotes and proposal, and where the deal stands. Agents see their own sessions; admins and integration (service) tokens see all.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    status: t.expose('status', { type: SessionStatusEnum, description: 'Whether the session is open.' }),
    currentStep: t.expose('currentStep', { type: WorkflowStepEnum, description: 'How far the deal has come.' }),
    avinodeTripId: t.exposeString('avinodeTripId', {
      nullable: true,
      description:
        'The linked Avinode trip, e.g. atrip-64956150; null until `linkAvinodeTrip`. Never changes once set.',
    }),
    avinodeRfpId: t.exposeString('avinodeRfpId', {
      nullable: true,
      description: 'The linked Avinode RFP; null until a link names one.',
    }),
    avinodeRfqId: t.exposeString('avinodeRfqId', {
      nullable: true,
      description: 'The linked Avinode RFQ, e.g. arfq-113903111; null until a link or `recordRfqsSent` names one.',
    }),
    avinodeTripCode: t.exposeString('avinodeTripCode', {
      nullable: true,
      description: "The trip's display code (e.g. A1B2C3): given when linking, or learned from Avinode.",
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the session started.' }),
    endedAt: t.expose('endedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was first completed or archived; null while open.',
    }),
    lastActivityAt: t.expose('lastActivityAt', {
      type: 'DateTime',
      description:
        'When the last message, quote or other change was recorded (`archiveStaleSessions` leaves it as it was); `sessions` lists newest first by it.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the session was stored.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the session’s own fields last changed.' }),
    workflowState: t.expose('workflowState', {
      type: 'JSON',
      description: 'A JSON object kept for orchestrators; no mutation writes it, so it is `{}` unless set elsewhere.',
    }),
    metadata: t.expose('metadata', {
      type: 'JSON',
      description: 'The JSON object given to `startSession`; `{}` when none was.',
    }),
    messageCount: t.exposeInt('messageCount', {
      description: 'Messages recorded through this session; a re-delivered one counts once.',
    }),
    quotesReceivedCount: t.exposeInt('quotesReceivedCount', {
      description: 'Quotes recorded for this session; re-deliveries and updates of a known quote count once.',
    }),
    quotesExpectedCount: t.exposeInt('quotesExpectedCount', {
      description: 'Quotes expected, summed over `recordRfqsSent`.',
    }),
    operatorsContactedCount: t.exposeInt('operatorsContactedCount', {
      description: 'Operators asked for a quote, summed over `recordRfqsSent`.',
    }),
    version: t.exposeInt('version', {
      description:
        'Grows with every change; pass it as `expectedVersion` so that a change made meanwhile refuses yours (StaleVersionError).',
    }),
    agent: t.relation('agent', { description: 'The agent the session belongs to.' }),
    conversation: t.relation('conversation', { description: 'The chat thread the session tracks.' }),
    request: t.relation('request', {
      nullable: true,
      description: 'What the client wants to fly; null until `captureTripRequest`.',
    }),
    primaryQuote: t.relation('primaryQuote', {
      nullable: true,
      description:
        'The quote the proposal is built on (`selectPrimaryQuote` or `generateProposal`); null until one is chosen.',
    }),
    proposal: t.relation('proposal', {
      nullable: true,
      description: 'The client’s proposal; null until `generateProposal`.',
    }),
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
          totalCount: connection.int({
            description: 'How many quotes the trip request has, across all pages; 0 without a trip request.',
            resolve: (result) => result.totalCount,
          }),
        }),
      },
    ),
    events: t.relatedConnection('events', {
      description: 'The activity log, oldest first: the events the subscriptions deliver.',
      cursor: 'id',
      maxSize: maxPageSize,
      ...cursorMustBeVisible(eventRowVisible),
      totalCount: true,
      query: () => ({ orderBy: { id: 'asc' } }),
    }),
  }),
});
