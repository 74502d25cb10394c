import { z } from 'zod';
import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { UNSELECTABLE } from '../quote/quote.service.js';
import { changeSession } from '../session/session-change.js';
import type { Tx } from '../session/session-transaction.js';
import { email, parseInput, percent, text } from '../validation.js';
import { formatProposalNumber } from './proposal-number.js';

const generateSchema = z.object({
  sessionId: z.string(),
  quoteId: z.string().nullish(),
  marginPercent: percent,
  title: text(200).nullish(),
  expectedVersion: z.number().int().nullish(),
});

export type GenerateProposalInput = z.input<typeof generateSchema>;

/**
 * Builds the client's proposal on the primary (or given) quote and moves the session
 * to PROPOSAL_READY. Its number comes from a database sequence, so concurrent
 * proposals never share one (MAX+1 would).
 */
export async function generateProposal(prisma: PrismaClient, viewer: Viewer, raw: GenerateProposalInput) {
  const input = parseInput(generateSchema, raw);
  return changeSession(prisma, viewer, input, async (change) => {
    const { session, tx } = change;
    change.transition('GENERATE_PROPOSAL');
    const quoteId = input.quoteId ?? session.primaryQuoteId;
    if (!quoteId) throw ValidationError.of('quoteId', 'select a primary quote first, or name the quote');
    const quote = await tx.quote.findUnique({
      where: { id: quoteId },
      include: { request: { select: { clientId: true } } },
    });
    if (!quote || quote.requestId !== session.requestId) throw new NotFoundError('Quote', quoteId);
    if (UNSELECTABLE.includes(quote.status)) throw ValidationError.of('quoteId', `the quote is ${quote.status}`);
    const margin = new Prisma.Decimal(input.marginPercent);
    const total = quote.totalPrice.mul(margin.div(100).add(1)).toDecimalPlaces(2, Prisma.Decimal.ROUND_HALF_UP);
    if (total.greaterThan('9999999999.99')) throw ValidationError.of('marginPercent', 'makes the total too large');
    const proposal = await tx.proposal.create({
      data: {
        number: await nextProposalNumber(tx),
        createdAt: now(),
        requestId: quote.requestId,
        quoteId: quote.id,
        agentId: session.agentId,
        clientId: quote.request.clientId,
        title: input.title ?? `${quote.aircraftType} charter proposal`,
        subtotal: quote.totalPrice,
        marginPercent: margin,
        total,
        currency: quote.currency,
        status: 'READY',
      },
    });
    return {
      set: { proposalId: proposal.id, primaryQuoteId: quote.id },
      events: [
        {
          type: 'PROPOSAL_GENERATED' as const,
          data: {
            proposalId: proposal.id,
            number: proposal.number,
            total: total.toFixed(2),
            currency: proposal.currency,
          },
        },
      ],
      result: (updated) => ({ session: updated, proposal }),
    };
  });
}

async function nextProposalNumber(tx: Tx): Promise<string> {
  const [row] = await tx.$queryRaw<Array<{ value: bigint }>>`SELECT nextval('proposal_number_seq') AS value`;
  if (row === undefined) throw new Error('proposal_number_seq returned no value');
  return formatProposalNumber(now().getUTCFullYear(), row.value);
}

const sendSchema = z.object({
  sessionId: z.string(),
  sentTo: email.nullish(),
  expectedVersion: z.number().int().nullish(),
});
export type SendProposalInput = z.input<typeof sendSchema>;

/** Sends the ready proposal (to the given address or the client's) and moves the session to PROPOSAL_SENT. */
export async function sendProposal(prisma: PrismaClient, viewer: Viewer, raw: SendProposalInput) {
  const input = parseInput(sendSchema, raw);
  return changeSession(prisma, viewer, input, async (change) => {
    const { session, tx } = change;
    change.transition('SEND_PROPOSAL');
    if (!session.proposalId) throw ValidationError.of('sessionId', 'the session has no proposal to send');
    const current = await tx.proposal.findUniqueOrThrow({
      where: { id: session.proposalId },
      include: { client: true },
    });
    const sentTo = input.sentTo ?? current.client?.email;
    if (!sentTo) throw ValidationError.of('sentTo', 'is required when the trip request has no client');
    const sentAt = now();
    const proposal = await tx.proposal.update({ where: { id: current.id }, data: { status: 'SENT', sentAt, sentTo } });
    return {
      at: sentAt,
      events: [{ type: 'PROPOSAL_SENT' as const, data: { proposalId: proposal.id, number: proposal.number } }],
      result: (updated) => ({ session: updated, proposal }),
    };
  });
}
