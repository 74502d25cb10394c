import { randomBytes } from 'node:crypto';
import { type Agent, Prisma, type PrismaClient } from '../../src/generated/prisma/client.js';

/** Small factories: every row gets unique data, so tests never need to wipe tables. */
export function unique(prefix = ''): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export async function createAgent(prisma: PrismaClient, role: 'AGENT' | 'ADMIN' = 'AGENT'): Promise<Agent> {
  const id = unique();
  return prisma.agent.create({
    data: { authSubject: `test|${id}`, email: `agent-${id}@test.example`, fullName: `Agent ${id}`, role },
  });
}

export async function createOperator(prisma: PrismaClient) {
  const id = unique();
  return prisma.operator.create({ data: { avinodeCompanyId: `acomp-${id}`, name: `Operator ${id}` } });
}

type GraphOptions = { messages?: number; quotes?: number; withProposal?: boolean; subject?: string };

/** A session at PROPOSAL_READY with every relation filled: the nested page's worst case. */
export async function createSessionGraph(prisma: PrismaClient, agent: Agent, options: GraphOptions = {}) {
  const { messages = 3, quotes = 2, withProposal = true } = options;
  const tag = unique();
  const client = await prisma.client.create({
    data: { agentId: agent.id, companyName: `Acme ${tag}`, contactName: 'Dana Client', email: `dana-${tag}@acme.test` },
  });
  const conversation = await prisma.conversation.create({
    data: { agentId: agent.id, subject: options.subject ?? `Trip ${tag}`, lastMessageAt: new Date() },
  });
  await prisma.message.createMany({
    data: Array.from({ length: messages }, (_, index) => ({
      conversationId: conversation.id,
      senderType: index % 2 === 0 ? ('AGENT' as const) : ('ASSISTANT' as const),
      content: `Message ${index + 1}`,
      createdAt: new Date(Date.UTC(2026, 10, 1, 12, index)),
    })),
  });
  const request = await prisma.tripRequest.create({
    data: {
      agentId: agent.id,
      clientId: client.id,
      tripType: 'ROUND_TRIP',
      passengers: 6,
      legs: {
        create: [
          {
            sequence: 1,
            departureAirport: 'KTEB',
            arrivalAirport: 'LFPB',
            departureAt: new Date('2026-12-10T14:00:00Z'),
          },
          {
            sequence: 2,
            departureAirport: 'LFPB',
            arrivalAirport: 'KTEB',
            departureAt: new Date('2026-12-17T10:00:00Z'),
          },
        ],
      },
    },
  });
  const operator = await createOperator(prisma);
  const createdQuotes = [];
  for (let index = 0; index < quotes; index++) {
    createdQuotes.push(
      await prisma.quote.create({
        data: {
          requestId: request.id,
          operatorId: operator.id,
          avinodeQuoteId: `aquote-${unique()}`,
          aircraftType: 'Falcon 7X',
          totalPrice: new Prisma.Decimal(98_500 + index * 1000),
        },
      }),
    );
  }
  const primaryQuote = createdQuotes[0];
  const proposal =
    withProposal && primaryQuote
      ? await prisma.proposal.create({
          data: {
            number: `PROP-TEST-${tag}`,
            requestId: request.id,
            quoteId: primaryQuote.id,
            agentId: agent.id,
            clientId: client.id,
            title: 'Teterboro to Paris',
            subtotal: primaryQuote.totalPrice,
            marginPercent: new Prisma.Decimal('8.50'),
            total: primaryQuote.totalPrice.mul('1.085').toDecimalPlaces(2),
            status: 'READY',
          },
        })
      : null;
  const session = await prisma.chatSession.create({
    data: {
      conversationId: conversation.id,
      requestId: request.id,
      agentId: agent.id,
      currentStep: proposal ? 'PROPOSAL_READY' : 'ANALYZING_QUOTES',
      avinodeTripId: `atrip-${tag}`,
      avinodeRfqId: `arfq-${tag}`,
      primaryQuoteId: primaryQuote?.id ?? null,
      proposalId: proposal?.id ?? null,
      messageCount: messages,
      quotesReceivedCount: quotes,
    },
  });
  await prisma.sessionEvent.create({ data: { sessionId: session.id, agentId: agent.id, type: 'SESSION_STARTED' } });
  return { session, conversation, request, client, quotes: createdQuotes, proposal };
}
