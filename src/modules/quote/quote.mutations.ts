import { builder } from '../../graphql/builder.js';
import { defineMutation, EXPECTED_VERSION_DESCRIPTION, SESSION_ID_DESCRIPTION } from '../../graphql/mutation.js';
import { payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { ChatSessionNode } from '../session/session.type.js';
import { type QuoteOutcome, receiveQuote, selectPrimaryQuote } from './quote.service.js';
import { QuoteNode } from './quote.type.js';

const OperatorInput = builder.inputType('OperatorInput', {
  description: 'The operator who quoted; recorded the first time its company id is seen.',
  fields: (t) => ({
    avinodeCompanyId: t.string({
      required: true,
      description: 'Avinode’s company id (1 to 100 letters, digits or `_ . : -`): operators are known by it.',
    }),
    name: t.string({
      required: true,
      description: 'The operator’s name, up to 200 characters; for a known operator the name first recorded stays.',
    }),
  }),
});

const IncomingQuoteStatus = builder.enumType('IncomingQuoteStatus', {
  description: 'The quote’s status as the operator delivers it.',
  values: {
    RECEIVED: {
      description: 'A live quote (the default). Delivered again, it never undoes the broker’s SHORTLISTED or ACCEPTED.',
    },
    DECLINED: { description: 'The operator declines to quote; `declineReason` may say why.' },
    WITHDRAWN: { description: 'The operator takes the quote back.' },
    EXPIRED: { description: 'The quote is no longer valid.' },
  } as const,
});

const ReceiveQuoteInput = builder.inputType('ReceiveQuoteInput', {
  description: 'Address the session by `sessionId`, or every open session of a trip by `avinodeTripId`.',
  fields: (t) => ({
    sessionId: t.globalID({
      for: ChatSessionNode,
      description: 'The session to record it on (it must have a trip request); give this or `avinodeTripId`.',
    }),
    avinodeTripId: t.string({
      description:
        'Record it on every open session of this Avinode trip (or, with none open, the latest one); give this or `sessionId`.',
    }),
    avinodeQuoteId: t.string({
      required: true,
      description:
        'Avinode’s quote id, e.g. aquote-397331679: the idempotency key. The same id again updates the quote when something changed, else changes nothing.',
    }),
    operator: t.field({ type: OperatorInput, required: true, description: 'Who quoted.' }),
    aircraftType: t.string({
      required: true,
      description: 'The aircraft offered, up to 100 characters, e.g. Gulfstream G650.',
    }),
    tailNumber: t.string({ description: 'The aircraft’s registration, up to 20 characters, e.g. N650GX.' }),
    seats: t.int({ description: 'Passenger seats offered, 1 to 1000.' }),
    totalPrice: t.field({
      type: 'Decimal',
      required: true,
      description: 'The price for the whole trip in `currency`: ≥ 0, at most two decimals, e.g. "48250.00".',
    }),
    currency: t.string({ description: 'ISO-4217 code of the price (any case), e.g. EUR; USD when omitted.' }),
    validUntil: t.field({ type: 'DateTime', description: 'Until when the operator holds the price.' }),
    status: t.field({ type: IncomingQuoteStatus, description: 'Defaults to RECEIVED.' }),
    declineReason: t.string({ description: 'Why the operator declined, up to 1,000 characters.' }),
  }),
});

const QuoteOutcomeEnum = builder.enumType('QuoteOutcome', {
  description: 'What a `receiveQuote` delivery did.',
  values: {
    CREATED: { description: 'A new quote, counted once.' },
    UPDATED: { description: 'A known quote changed (price, status, ...): a QUOTE_UPDATED event.' },
    UNCHANGED: { description: 'A re-delivery: nothing was written.' },
  } as const,
});

const ReceiveQuotePayload = builder
  .objectRef<{ sessionIds: string[]; quoteId: string; outcome: QuoteOutcome }>('ReceiveQuotePayload')
  .implement({
    description: 'What `receiveQuote` did.',
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
        description: 'The quote as it is now recorded.',
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.quote.findUniqueOrThrow({ ...query, where: { id: payload.quoteId } })),
      }),
      outcome: t.field({
        type: QuoteOutcomeEnum,
        description: 'Whether the delivery was new, changed the quote, or repeated it.',
        resolve: (payload) => payload.outcome,
      }),
    }),
  });

defineMutation('receiveQuote', {
  description: 'Records an operator quote (idempotent by avinodeQuoteId); REQUESTING_QUOTES → ANALYZING_QUOTES.',
  input: ReceiveQuoteInput,
  payload: ReceiveQuotePayload,
  resolve: async (input, context) => {
    const { sessions, quote, outcome } = (
      await receiveQuote(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId?.id,
        currency: input.currency ?? undefined,
        status: input.status ?? undefined,
      })
    ).result;
    return { sessionIds: sessions.map((session) => session.id), quoteId: quote.id, outcome };
  },
});

const SelectPrimaryQuoteInput = builder.inputType('SelectPrimaryQuoteInput', {
  description: 'The quote to build the proposal on.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true, description: SESSION_ID_DESCRIPTION }),
    quoteId: t.globalID({
      for: QuoteNode,
      required: true,
      description:
        'A quote on the session’s trip request that is not DECLINED, EXPIRED or WITHDRAWN; a RECEIVED one becomes SHORTLISTED.',
    }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
  }),
});

const SelectPrimaryQuotePayload = builder.objectRef<SessionPayload>('SelectPrimaryQuotePayload').implement({
  description: 'What `selectPrimaryQuote` did: the session’s `primaryQuote` is the chosen quote.',
  fields: (t) => ({ session: payloadSessionField(t) }),
});

defineMutation('selectPrimaryQuote', {
  description: 'Chooses the quote the proposal will be built on (at ANALYZING_QUOTES).',
  input: SelectPrimaryQuoteInput,
  payload: SelectPrimaryQuotePayload,
  resolve: async (input, context) => {
    const { session } = (
      await selectPrimaryQuote(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId.id,
        quoteId: input.quoteId.id,
      })
    ).result;
    return { sessionId: session.id };
  },
});
