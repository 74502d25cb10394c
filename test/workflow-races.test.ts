import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import { createSessionGraph, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';

/**
 * Lost updates and double counts only show up under real concurrency: every
 * mutation here is fired all at once through the HTTP server, so the transactions
 * really overlap on PostgreSQL (TEST_DATABASE_URL) and queue on PGlite.
 */

const StartSession = graphql(`
  mutation RacesStartSession($input: StartSessionInput!) {
    startSession(input: $input) {
      __typename
      ... on StartSessionPayload { created session { id status } }
      ... on Error { code message }
    }
  }
`);

const CaptureTripRequest = graphql(`
  mutation RacesCaptureTripRequest($input: CaptureTripRequestInput!) {
    captureTripRequest(input: $input) {
      __typename
      ... on CaptureTripRequestPayload { session { id currentStep } }
      ... on Error { code message }
    }
  }
`);

const LinkAvinodeTrip = graphql(`
  mutation RacesLinkAvinodeTrip($input: LinkAvinodeTripInput!) {
    linkAvinodeTrip(input: $input) {
      __typename
      ... on LinkAvinodeTripPayload { session { id currentStep } }
      ... on Error { code message }
    }
  }
`);

const ReceiveQuote = graphql(`
  mutation RacesReceiveQuote($input: ReceiveQuoteInput!) {
    receiveQuote(input: $input) {
      __typename
      ... on ReceiveQuotePayload { outcome quote { id avinodeQuoteId } sessions { id } }
      ... on Error { code message }
    }
  }
`);

const RecordMessage = graphql(`
  mutation RacesRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) {
      __typename
      ... on RecordMessagePayload { created recorded: message { id } }
      ... on Error { code message }
    }
  }
`);

const GenerateProposal = graphql(`
  mutation RacesGenerateProposal($input: GenerateProposalInput!) {
    generateProposal(input: $input) {
      __typename
      ... on GenerateProposalPayload { proposal { id number } session { id currentStep } }
      ... on Error { code message }
    }
  }
`);

const SessionCounters = graphql(`
  query RacesSessionCounters($id: ID!) {
    session(id: $id) {
      id status currentStep version messageCount quotesReceivedCount
      quotes(first: 1) { totalCount }
      events(first: 1) { totalCount }
      conversation { messages(first: 1) { totalCount } }
    }
  }
`);

const it = base
  .extend('databaseOptions', { scope: 'file' }, { poolSize: 10 })
  // Hundreds of operations in seconds from one token: the races are the subject here, not the rate limit.
  .extend(
    'serverOptions',
    { scope: 'file' },
    {
      environment: { RATE_LIMIT_PER_MINUTE: '0', SERVICE_RATE_LIMIT_PER_MINUTE: '0' },
    },
  )
  .extend('agentToken', { scope: 'file' }, async ({ token }) => token)
  .extend('serviceToken', { scope: 'file' }, async ({ server }) => server.serviceToken())
  /** A session waiting for quotes, reached through the workflow mutations themselves. */
  .extend('sessionRequestingQuotes', { scope: 'file' }, async ({ server, agentToken }) => {
    async function sessionRequestingQuotes() {
      const started = (
        await expectData(server.url, StartSession, { input: { subject: `Race ${unique()}` } }, agentToken)
      ).startSession;
      if (started.__typename !== 'StartSessionPayload')
        throw new Error(`startSession failed: ${JSON.stringify(started)}`);
      const sessionId = started.session.id;
      const captured = await expectData(
        server.url,
        CaptureTripRequest,
        {
          input: {
            sessionId,
            tripType: 'ONE_WAY',
            passengers: 4,
            legs: [{ departureAirport: 'KTEB', arrivalAirport: 'KVNY', departureAt: '2026-12-10T14:00:00.000Z' }],
          },
        },
        agentToken,
      );
      expect(captured.captureTripRequest.__typename).toBe('CaptureTripRequestPayload');
      const tag = unique();
      const linked = await expectData(
        server.url,
        LinkAvinodeTrip,
        { input: { sessionId, avinodeTripId: `atrip-${tag}`, avinodeRfqId: `arfq-${tag}` } },
        agentToken,
      );
      expect(linked.linkAvinodeTrip).toMatchObject({
        __typename: 'LinkAvinodeTripPayload',
        session: { currentStep: 'REQUESTING_QUOTES' },
      });
      // Started, trip captured, step changed, trip linked, step changed.
      return { sessionId, uuid: rawId(sessionId) };
    }
    return sessionRequestingQuotes;
  })
  .extend('counters', { scope: 'file' }, async ({ server, agentToken }) => {
    async function counters(sessionId: string) {
      const data = await expectData(server.url, SessionCounters, { id: sessionId }, agentToken);
      if (!data.session) throw new Error(`session ${sessionId} is not visible`);
      return data.session;
    }
    return counters;
  })
  .extend('eventCount', { scope: 'file' }, async ({ database }) => {
    async function eventCount(
      sessionUuid: string,
      type: 'QUOTE_RECEIVED' | 'QUOTE_UPDATED' | 'MESSAGE_RECORDED' | 'STEP_CHANGED' | 'SESSION_STARTED',
    ) {
      return database.prisma.sessionEvent.count({ where: { sessionId: sessionUuid, type } });
    }
    return eventCount;
  });

function globalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}

function rawId(id: string): string {
  return Buffer.from(id, 'base64').toString('utf8').split(':')[1] ?? '';
}

function quoteInput(sessionId: string, avinodeQuoteId: string, operator = 'acomp-race') {
  return {
    sessionId,
    avinodeQuoteId,
    operator: { avinodeCompanyId: operator, name: `Operator ${operator}` },
    aircraftType: 'Challenger 350',
    totalPrice: '48250.00',
    currency: 'USD',
  };
}

describe('concurrent receiveQuote', () => {
  it('counts 200 different quotes delivered at once exactly 200 times', async ({
    database,
    server,
    serviceToken,
    sessionRequestingQuotes,
    counters,
    eventCount,
  }) => {
    const { sessionId, uuid } = await sessionRequestingQuotes();
    const operators = ['acomp-race-a', 'acomp-race-b', 'acomp-race-c', unique('acomp-')];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        expectData(
          server.url,
          ReceiveQuote,
          { input: quoteInput(sessionId, `aquote-${unique()}-${index}`, operators[index % 4]) },
          serviceToken,
        ),
      ),
    );

    const outcomes = results.map((result) =>
      result.receiveQuote.__typename === 'ReceiveQuotePayload' ? result.receiveQuote.outcome : result.receiveQuote,
    );
    expect(outcomes.filter((outcome) => outcome !== 'CREATED')).toEqual([]);

    const session = await counters(sessionId);
    expect(session.quotesReceivedCount).toBe(200);
    expect(session.quotes.totalCount).toBe(200);
    expect(session.currentStep).toBe('ANALYZING_QUOTES');
    // One version bump per transaction: 3 to get here, 200 quotes.
    expect(session.version).toBe(3 + 200);
    const request = await database.prisma.chatSession.findUniqueOrThrow({
      where: { id: uuid },
      select: { requestId: true },
    });
    expect(await database.prisma.quote.count({ where: { requestId: request.requestId ?? '' } })).toBe(200);
    expect(await eventCount(uuid, 'QUOTE_RECEIVED')).toBe(200);
    expect(await eventCount(uuid, 'QUOTE_UPDATED')).toBe(0);
    // Two step changes from the set-up; of the quotes, only the first moved the step.
    expect(await eventCount(uuid, 'STEP_CHANGED')).toBe(3);
    const quoteIds = await database.prisma.sessionEvent.findMany({
      where: { sessionId: uuid, type: 'QUOTE_RECEIVED' },
      select: { data: true },
    });
    expect(new Set(quoteIds.map((event) => (event.data as { quoteId: string }).quoteId)).size).toBe(200);
  });

  it('records one quote delivered 200 times at once as one quote, counted once, and answers every delivery', async ({
    database,
    server,
    serviceToken,
    sessionRequestingQuotes,
    counters,
    eventCount,
  }) => {
    const { sessionId, uuid } = await sessionRequestingQuotes();
    const avinodeQuoteId = `aquote-${unique()}`;
    // A fresh operator too: its first-time creation races as well.
    const operator = unique('acomp-');
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        expectData(server.url, ReceiveQuote, { input: quoteInput(sessionId, avinodeQuoteId, operator) }, serviceToken),
      ),
    );

    const payloads = results.map((result) => result.receiveQuote);
    const failures = payloads.filter((payload) => payload.__typename !== 'ReceiveQuotePayload');
    expect(failures).toEqual([]);
    const outcomes = payloads.map((payload) =>
      payload.__typename === 'ReceiveQuotePayload' ? payload.outcome : 'FAILED',
    );
    expect(outcomes.filter((outcome) => outcome === 'CREATED')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'UNCHANGED')).toHaveLength(199);
    const quoteGlobalIds = new Set(
      payloads.map((payload) => (payload.__typename === 'ReceiveQuotePayload' ? payload.quote.id : '')),
    );
    expect(quoteGlobalIds.size).toBe(1);

    const session = await counters(sessionId);
    expect(session.quotesReceivedCount).toBe(1);
    expect(session.quotes.totalCount).toBe(1);
    expect(session.version).toBe(3 + 1);
    expect(await database.prisma.quote.count({ where: { avinodeQuoteId } })).toBe(1);
    expect(await database.prisma.operator.count({ where: { avinodeCompanyId: operator } })).toBe(1);
    expect(await eventCount(uuid, 'QUOTE_RECEIVED')).toBe(1);
    expect(await eventCount(uuid, 'QUOTE_UPDATED')).toBe(0);
    expect(await eventCount(uuid, 'STEP_CHANGED')).toBe(3);
  });
});

describe('concurrent recordMessage', () => {
  it('counts 100 messages recorded at once exactly 100 times', async ({
    server,
    agentToken,
    serviceToken,
    sessionRequestingQuotes,
    counters,
    eventCount,
  }) => {
    const { sessionId, uuid } = await sessionRequestingQuotes();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        expectData(
          server.url,
          RecordMessage,
          {
            input: {
              sessionId,
              senderType: index % 2 === 0 ? 'AGENT' : 'OPERATOR',
              content: `Message ${index}`,
              externalId: `amsg-${unique()}`,
            },
          },
          index % 2 === 0 ? agentToken : serviceToken,
        ),
      ),
    );
    expect(results.filter((result) => result.recordMessage.__typename !== 'RecordMessagePayload')).toEqual([]);

    const session = await counters(sessionId);
    expect(session.messageCount).toBe(100);
    expect(session.conversation.messages.totalCount).toBe(100);
    expect(session.version).toBe(3 + 100);
    expect(await eventCount(uuid, 'MESSAGE_RECORDED')).toBe(100);
  });
});

describe('concurrent generateProposal', () => {
  it('never gives two proposals the same number', async ({ database, server, agent, agentToken }) => {
    const graphs = [];
    for (let index = 0; index < 20; index++)
      graphs.push(await createSessionGraph(database.prisma, agent, { withProposal: false, quotes: 1, messages: 0 }));
    // The factory writes SESSION_STARTED; generating adds PROPOSAL_GENERATED and a step change.

    const results = await Promise.all(
      graphs.map((graph) =>
        expectData(
          server.url,
          GenerateProposal,
          { input: { sessionId: globalId('ChatSession', graph.session.id), marginPercent: '8.50' } },
          agentToken,
        ),
      ),
    );
    const numbers = results.map((result) =>
      result.generateProposal.__typename === 'GenerateProposalPayload'
        ? result.generateProposal.proposal.number
        : JSON.stringify(result.generateProposal),
    );
    const year = new Date().getUTCFullYear();
    for (const number of numbers) expect(number).toMatch(new RegExp(`^PROP-${year}-\\d{6}$`));
    expect(new Set(numbers).size).toBe(20);
    const stored = await database.prisma.proposal.findMany({
      where: { requestId: { in: graphs.map((graph) => graph.request.id) } },
      select: { number: true },
    });
    expect(stored.map((proposal) => proposal.number).sort()).toEqual([...numbers].sort());
    for (const result of results) {
      expect(result.generateProposal).toMatchObject({ session: { currentStep: 'PROPOSAL_READY' } });
    }
  });
});

describe('concurrent startSession', () => {
  it('opens exactly one session for a conversation however many starts race', async ({
    database,
    server,
    agent,
    agentToken,
    eventCount,
  }) => {
    const conversation = await database.prisma.conversation.create({
      data: { agentId: agent.id, subject: `Race ${unique()}` },
    });
    const conversationId = globalId('Conversation', conversation.id);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => expectData(server.url, StartSession, { input: { conversationId } }, agentToken)),
    );

    const payloads = results.map((result) => result.startSession);
    expect(payloads.filter((payload) => payload.__typename !== 'StartSessionPayload')).toEqual([]);
    const created = payloads.filter((payload) => payload.__typename === 'StartSessionPayload' && payload.created);
    expect(created).toHaveLength(1);
    const sessionIds = new Set(
      payloads.map((payload) => (payload.__typename === 'StartSessionPayload' ? payload.session.id : '')),
    );
    expect(sessionIds.size).toBe(1);

    const open = await database.prisma.chatSession.findMany({
      where: { conversationId: conversation.id, status: { in: ['ACTIVE', 'PAUSED'] } },
    });
    expect(open).toHaveLength(1);
    expect(await database.prisma.chatSession.count({ where: { conversationId: conversation.id } })).toBe(1);
    const [session] = open;
    expect(await eventCount(session?.id ?? '', 'SESSION_STARTED')).toBe(1);
  });
});
