import { z } from 'zod';
import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import { type ChatSession, Prisma, type PrismaClient, type Quote } from '../../generated/prisma/client.js';
import type { QuoteStatus } from '../../generated/prisma/enums.js';
import type { EventDraft } from '../activity/event-log.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { changeSession } from '../session/session-change.js';
import {
  actorIdOf,
  ConcurrentWrite,
  runChange,
  transitionEvents,
  transitionOf,
} from '../session/session-transaction.js';
import { currencyCode, externalId, ID_IN_USE_ELSEWHERE, money, parseInput, text } from '../validation.js';
import { lockTargets, quoteOf, writeQuoteAndSessions } from './quote-rows.js';

const receiveSchema = z
  .object({
    sessionId: z.string().nullish(),
    avinodeTripId: externalId.nullish(),
    avinodeQuoteId: externalId,
    operator: z.object({ avinodeCompanyId: externalId, name: text(200) }),
    aircraftType: text(100),
    tailNumber: text(20).nullish(),
    seats: z.number().int().min(1, 'must be at least 1').max(1000).nullish(),
    totalPrice: money,
    currency: currencyCode.default('USD'),
    validUntil: z.date().nullish(),
    status: z.enum(['RECEIVED', 'DECLINED', 'WITHDRAWN', 'EXPIRED'] as const).default('RECEIVED'),
    declineReason: text(1000).nullish(),
  })
  .refine((input) => Boolean(input.sessionId) !== Boolean(input.avinodeTripId), {
    message: 'give exactly one of sessionId or avinodeTripId',
    path: ['sessionId'],
  });

export type ReceiveQuoteInput = z.input<typeof receiveSchema>;
export type QuoteOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED';

/**
 * Records an operator's quote, keyed by its Avinode id: a re-delivery changes nothing,
 * a changed price or status updates the quote (QUOTE_UPDATED). By trip id it reaches
 * every open session of the trip, as Avinode's webhook does. Quotes are recorded on
 * any session; only an active one waiting for quotes moves to ANALYZING_QUOTES.
 */
export async function receiveQuote(prisma: PrismaClient, viewer: Viewer, raw: ReceiveQuoteInput) {
  const input = parseInput(receiveSchema, raw);
  return runChange(prisma, actorIdOf(viewer), async (tx) => {
    // The targets, locked, with the quote and operator as they are known: one round trip.
    const sessions = await lockTargets(tx, viewer, input);
    const requestId = sessions[0]?.requestId;
    if (!requestId)
      throw ValidationError.of('sessionId', 'the session has no trip request yet; capture it before quotes arrive');
    // Refused for every session before anything is written; a new quote moves them so.
    const moves = new Map(sessions.map((session) => [session.id, transitionOf(session, 'RECEIVE_QUOTE', viewer)]));

    const known = quoteOf(sessions[0]?.knownQuote);
    const fields = {
      aircraftType: input.aircraftType,
      tailNumber: input.tailNumber ?? null,
      seats: input.seats ?? null,
      totalPrice: new Prisma.Decimal(input.totalPrice),
      currency: input.currency,
      validUntil: input.validUntil ?? null,
      status: statusAfterDelivery(known?.status, input.status),
      declineReason: input.declineReason ?? null,
    };
    if (known && known.requestId !== requestId) {
      throw ValidationError.of('avinodeQuoteId', ID_IN_USE_ELSEWHERE);
    }
    // Operators are reference data that quotes only add to: the first delivery creates one.
    const operatorId = sessions[0]?.knownOperatorId;
    if (known && !quoteChanged(known, fields)) {
      const unchanged = sessions.map(({ knownQuote: _quote, knownOperatorId: _operator, ...session }) => session);
      return { result: { sessions: unchanged, quote: known, outcome: 'UNCHANGED' as QuoteOutcome }, events: [] };
    }

    // Only sessions on the quote's trip request count it, so counters always equal rows.
    const counting = sessions.filter((candidate) => candidate.requestId === requestId);
    const next = (session: ChatSession) =>
      (!known && moves.get(session.id)) || { status: session.status, step: session.currentStep };
    const written = await writeQuoteAndSessions(
      tx,
      {
        operator: operatorId ? { id: operatorId } : input.operator,
        fields,
        ...(known ? { known } : { requestId, avinodeQuoteId: input.avinodeQuoteId, createdAt: now() }),
      },
      {
        moves: counting.map((session) => ({ id: session.id, ...next(session) })),
        at: now(),
        endedAt: now(),
        increment: known ? {} : { quotesReceivedCount: 1 },
      },
    );
    if (!written) throw new ConcurrentWrite('another delivery created this quote first');
    const events: EventDraft[] = counting.flatMap((session) => [
      quoteEvent(session, written.quote, known),
      ...transitionEvents(session, next(session)),
    ]);
    return {
      result: {
        sessions: written.sessions,
        quote: written.quote,
        outcome: (known ? 'UPDATED' : 'CREATED') as QuoteOutcome,
      },
      events,
    };
  });
}

/**
 * The webhook owns RECEIVED, DECLINED, WITHDRAWN and EXPIRED; the broker owns
 * SHORTLISTED and ACCEPTED. A re-delivered "still RECEIVED" must not undo the
 * broker's choice, but an operator withdrawing or declining is news either way.
 */
const BROKER_OWNED: QuoteStatus[] = ['SHORTLISTED', 'ACCEPTED'];

function statusAfterDelivery(current: QuoteStatus | undefined, delivered: QuoteStatus): QuoteStatus {
  return current && delivered === 'RECEIVED' && BROKER_OWNED.includes(current) ? current : delivered;
}

function quoteEvent(session: ChatSession, quote: Quote, previous: Quote | null): EventDraft {
  const data = {
    quoteId: quote.id,
    avinodeQuoteId: quote.avinodeQuoteId,
    totalPrice: quote.totalPrice.toFixed(2),
    currency: quote.currency,
    status: quote.status,
    ...(previous ? { previousTotalPrice: previous.totalPrice.toFixed(2), previousStatus: previous.status } : {}),
  };
  return { sessionId: session.id, agentId: session.agentId, type: previous ? 'QUOTE_UPDATED' : 'QUOTE_RECEIVED', data };
}

function quoteChanged(
  known: Quote,
  next: { totalPrice: Prisma.Decimal; currency: string; status: QuoteStatus; [key: string]: unknown },
): boolean {
  return (
    !known.totalPrice.equals(next.totalPrice) ||
    known.currency !== next.currency ||
    known.status !== next.status ||
    known.aircraftType !== next['aircraftType'] ||
    known.tailNumber !== next['tailNumber'] ||
    known.seats !== next['seats'] ||
    known.declineReason !== next['declineReason'] ||
    (known.validUntil?.getTime() ?? null) !== ((next['validUntil'] as Date | null)?.getTime() ?? null)
  );
}

const selectSchema = z.object({
  sessionId: z.string(),
  quoteId: z.string(),
  expectedVersion: z.number().int().nullish(),
});
export type SelectPrimaryQuoteInput = z.input<typeof selectSchema>;

/** Quotes the operator took back or the broker turned down: no proposal is built on them. */
export const UNSELECTABLE: QuoteStatus[] = ['DECLINED', 'EXPIRED', 'WITHDRAWN'];

/** The quote the broker will build the proposal on; it becomes SHORTLISTED. */
export async function selectPrimaryQuote(prisma: PrismaClient, viewer: Viewer, raw: SelectPrimaryQuoteInput) {
  const input = parseInput(selectSchema, raw);
  return changeSession(prisma, viewer, input, async (change) => {
    const { session, tx } = change;
    change.transition('SELECT_PRIMARY_QUOTE');
    const quote = await tx.quote.findUnique({ where: { id: input.quoteId } });
    if (!quote || quote.requestId !== session.requestId) throw new NotFoundError('Quote', input.quoteId);
    if (UNSELECTABLE.includes(quote.status))
      throw ValidationError.of('quoteId', `the quote is ${quote.status} and cannot be selected`);
    if (session.primaryQuoteId === quote.id) return change.unchanged({ session, quote });
    const selected =
      quote.status === 'RECEIVED'
        ? await tx.quote.update({ where: { id: quote.id }, data: { status: 'SHORTLISTED' } })
        : quote;
    return {
      set: { primaryQuoteId: quote.id },
      events: [
        {
          type: 'PRIMARY_QUOTE_SELECTED' as const,
          data: { quoteId: quote.id, previousQuoteId: session.primaryQuoteId },
        },
      ],
      result: (updated) => ({ session: updated, quote: selected }),
    };
  });
}
