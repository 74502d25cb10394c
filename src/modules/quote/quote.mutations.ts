import { builder } from '../../graphql/builder.js';
import { defineMutation } from '../../graphql/mutation.js';
import { committed, payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { ChatSessionNode } from '../session/session.type.js';
import { type QuoteOutcome, receiveQuote, selectPrimaryQuote } from './quote.service.js';
import { QuoteNode } from './quote.type.js';

const OperatorInput = builder.inputType('OperatorInput', {
  fields: (t) => ({
    avinodeCompanyId: t.string({ required: true }),
    name: t.string({ required: true }),
  }),
});

const IncomingQuoteStatus = builder.enumType('IncomingQuoteStatus', {
  values: ['RECEIVED', 'DECLINED', 'WITHDRAWN', 'EXPIRED'] as const,
});

const ReceiveQuoteInput = builder.inputType('ReceiveQuoteInput', {
  description: 'Address the session by `sessionId`, or every open session of a trip by `avinodeTripId`.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode }),
    avinodeTripId: t.string(),
    avinodeQuoteId: t.string({ required: true, description: 'e.g. aquote-397331679; the idempotency key.' }),
    operator: t.field({ type: OperatorInput, required: true }),
    aircraftType: t.string({ required: true }),
    tailNumber: t.string(),
    seats: t.int(),
    totalPrice: t.field({ type: 'Decimal', required: true }),
    currency: t.string({ description: 'ISO-4217; defaults to USD.' }),
    validUntil: t.field({ type: 'DateTime' }),
    status: t.field({ type: IncomingQuoteStatus, description: 'Defaults to RECEIVED.' }),
    declineReason: t.string(),
  }),
});

const QuoteOutcomeEnum = builder.enumType('QuoteOutcome', {
  values: {
    CREATED: { description: 'A new quote, counted once.' },
    UPDATED: { description: 'A known quote changed (price, status, ...): a QUOTE_UPDATED event.' },
    UNCHANGED: { description: 'A re-delivery: nothing was written.' },
  } as const,
});

const ReceiveQuotePayload = builder
  .objectRef<{ sessionIds: string[]; quoteId: string; outcome: QuoteOutcome }>('ReceiveQuotePayload')
  .implement({
    fields: (t) => ({
      sessions: t.prismaField({
        type: [ChatSessionNode],
        description: 'The sessions that recorded the quote.',
        resolve: (query, payload, _args, context) =>
          readBack(() =>
            context.prisma.chatSession.findMany({
              ...query,
              where: { id: { in: payload.sessionIds } },
              orderBy: { id: 'asc' },
            }),
          ),
      }),
      quote: t.prismaField({
        type: QuoteNode,
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.quote.findUniqueOrThrow({ ...query, where: { id: payload.quoteId } })),
      }),
      outcome: t.field({ type: QuoteOutcomeEnum, resolve: (payload) => payload.outcome }),
    }),
  });

defineMutation('receiveQuote', {
  description: 'Records an operator quote (idempotent by avinodeQuoteId); REQUESTING_QUOTES → ANALYZING_QUOTES.',
  input: ReceiveQuoteInput,
  payload: ReceiveQuotePayload,
  resolve: async (input, context) => {
    const { sessions, quote, outcome } = committed(
      context,
      await receiveQuote(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId?.id,
        currency: input.currency ?? undefined,
        status: input.status ?? undefined,
      }),
    );
    return { sessionIds: sessions.map((session) => session.id), quoteId: quote.id, outcome };
  },
});

const SelectPrimaryQuoteInput = builder.inputType('SelectPrimaryQuoteInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    quoteId: t.globalID({ for: QuoteNode, required: true }),
    expectedVersion: t.int(),
  }),
});

const SelectPrimaryQuotePayload = builder.objectRef<SessionPayload>('SelectPrimaryQuotePayload').implement({
  fields: (t) => ({ session: payloadSessionField(t) }),
});

defineMutation('selectPrimaryQuote', {
  description: 'Chooses the quote the proposal will be built on (at ANALYZING_QUOTES).',
  input: SelectPrimaryQuoteInput,
  payload: SelectPrimaryQuotePayload,
  resolve: async (input, context) => {
    const { session } = committed(
      context,
      await selectPrimaryQuote(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId.id,
        quoteId: input.quoteId.id,
      }),
    );
    return { sessionId: session.id };
  },
});
