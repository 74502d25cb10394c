import { describe, expect } from 'vitest';
import { unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';
import {
  ArchiveSession,
  as,
  CaptureTripRequest,
  CompleteSession,
  callerFor,
  captureInput,
  footprint,
  GenerateProposal,
  globalId,
  LinkAvinodeTrip,
  PauseSession,
  quoteInput,
  ReceiveQuote,
  RecordMessage,
  RecordRfqsSent,
  ResumeSession,
  SelectPrimaryQuote,
  SendProposal,
  SessionEvents,
  type Stage,
  StartSession,
  sessionAt,
} from './harness/workflow.js';

const it = base.extend('client', { scope: 'file' }, async ({ database, agent }) =>
  database.prisma.client.create({
    data: {
      agentId: agent.id,
      companyName: 'Acme Holdings',
      contactName: 'Dana Client',
      email: `dana-${unique()}@acme.test`,
    },
  }),
);

describe('a session driven end to end', () => {
  it('moves one step at a time, counting, versioning and logging every change', async ({
    server,
    agent,
    client,
    token,
  }) => {
    const run = callerFor(server, token);

    const started = as(
      (await run(StartSession, { input: { subject: 'Teterboro to Paris' } })).startSession,
      'StartSessionPayload',
    );
    expect(started.created).toBe(true);
    expect(started.session).toMatchObject({
      status: 'ACTIVE',
      currentStep: 'UNDERSTANDING_REQUEST',
      version: 1,
      messageCount: 0,
      endedAt: null,
    });
    const sessionId = started.session.id;

    const messageInput = {
      sessionId,
      senderType: 'AGENT' as const,
      content: 'Six of us to Paris on 10 December, back on the 17th.',
    };
    const message = as((await run(RecordMessage, { input: messageInput })).recordMessage, 'RecordMessagePayload');
    expect(message.created).toBe(true);
    expect(message.session).toMatchObject({ currentStep: 'UNDERSTANDING_REQUEST', messageCount: 1, version: 2 });

    const captureInputs = captureInput(sessionId, { clientId: globalId('Client', client.id), budget: '120000.00' });
    const captured = as(
      (await run(CaptureTripRequest, { input: captureInputs })).captureTripRequest,
      'CaptureTripRequestPayload',
    );
    expect(captured.request).toMatchObject({ passengers: 6, legs: [{ sequence: 1 }, { sequence: 2 }] });
    expect(captured.session).toMatchObject({ currentStep: 'SEARCHING_AIRCRAFT', version: 3 });

    const tripId = unique('atrip-');
    const linkInput = {
      sessionId,
      avinodeTripId: tripId,
      avinodeRfpId: unique('arfp-'),
      avinodeRfqId: unique('arfq-'),
    };
    const linked = as((await run(LinkAvinodeTrip, { input: linkInput })).linkAvinodeTrip, 'LinkAvinodeTripPayload');
    expect(linked.changed).toBe(true);
    expect(linked.session).toMatchObject({
      currentStep: 'REQUESTING_QUOTES',
      version: 4,
      avinodeTripId: linkInput.avinodeTripId,
      avinodeRfpId: linkInput.avinodeRfpId,
      avinodeRfqId: linkInput.avinodeRfqId,
    });

    const rfqs = as(
      (await run(RecordRfqsSent, { input: { sessionId, operatorsContacted: 5, quotesExpected: 3 } })).recordRfqsSent,
      'RecordRfqsSentPayload',
    );
    expect(rfqs.session).toMatchObject({
      currentStep: 'REQUESTING_QUOTES',
      operatorsContactedCount: 5,
      quotesExpectedCount: 3,
      version: 5,
    });

    // The first quote by session id, the others as the webhook sends them: by trip id.
    const quotes: string[] = [];
    const prices = ['98500.00', '91000.30', '104250.00'];
    for (const [index, totalPrice] of prices.entries()) {
      const target = index === 0 ? { sessionId } : { avinodeTripId: tripId };
      const received = as(
        (await run(ReceiveQuote, { input: quoteInput(target, { totalPrice }) })).receiveQuote,
        'ReceiveQuotePayload',
      );
      expect(received.outcome).toBe('CREATED');
      expect(received.quote.totalPrice).toBe(totalPrice);
      expect(received.sessions).toHaveLength(1);
      expect(received.sessions[0]).toMatchObject({
        id: sessionId,
        currentStep: 'ANALYZING_QUOTES',
        quotesReceivedCount: index + 1,
        version: 6 + index,
      });
      quotes.push(received.quote.id);
    }

    const selected = as(
      (await run(SelectPrimaryQuote, { input: { sessionId, quoteId: quotes[1] as string } })).selectPrimaryQuote,
      'SelectPrimaryQuotePayload',
    );
    expect(selected.session).toMatchObject({
      currentStep: 'ANALYZING_QUOTES',
      primaryQuote: { id: quotes[1] },
      version: 9,
    });

    const generated = as(
      (await run(GenerateProposal, { input: { sessionId, marginPercent: '8.50' } })).generateProposal,
      'GenerateProposalPayload',
    );
    // 91,000.30 × 1.085 = 98,735.3255: rounded half up to cents, as money is.
    expect(generated.proposal).toMatchObject({ status: 'READY', subtotal: '91000.30', total: '98735.33' });
    expect(generated.proposal.number).toMatch(/^PROP-\d{4}-\d{6}$/);
    expect(generated.session).toMatchObject({
      currentStep: 'PROPOSAL_READY',
      proposal: { id: generated.proposal.id },
      version: 10,
    });

    const sent = as((await run(SendProposal, { input: { sessionId } })).sendProposal, 'SendProposalPayload');
    expect(sent.proposal).toMatchObject({ status: 'SENT', sentTo: client.email });
    expect(sent.session).toMatchObject({ currentStep: 'PROPOSAL_SENT', status: 'ACTIVE', version: 11 });

    const completed = as(
      (await run(CompleteSession, { input: { sessionId } })).completeSession,
      'CompleteSessionPayload',
    );
    expect(completed.session).toMatchObject({ status: 'COMPLETED', currentStep: 'PROPOSAL_SENT', version: 12 });
    expect(completed.session.endedAt).not.toBeNull();

    const archived = as((await run(ArchiveSession, { input: { sessionId } })).archiveSession, 'ArchiveSessionPayload');
    expect(archived.session).toMatchObject({
      status: 'ARCHIVED',
      currentStep: 'PROPOSAL_SENT',
      version: 13,
      endedAt: completed.session.endedAt,
    });

    const { session } = await run(SessionEvents, { id: sessionId });
    const events = session?.events.edges.map((edge) => edge.node) ?? [];
    expect(events.map((event) => event.type)).toEqual([
      'SESSION_STARTED',
      'MESSAGE_RECORDED',
      'TRIP_REQUEST_CAPTURED',
      'STEP_CHANGED',
      'AVINODE_TRIP_LINKED',
      'STEP_CHANGED',
      'RFQS_SENT',
      'QUOTE_RECEIVED',
      'STEP_CHANGED',
      'QUOTE_RECEIVED',
      'QUOTE_RECEIVED',
      'PRIMARY_QUOTE_SELECTED',
      'PROPOSAL_GENERATED',
      'STEP_CHANGED',
      'PROPOSAL_SENT',
      'STEP_CHANGED',
      'STATUS_CHANGED',
      'STATUS_CHANGED',
    ]);
    expect(session?.events.totalCount).toBe(18);
    const moves = events
      .filter((event) => event.type.endsWith('_CHANGED'))
      .map((event) => [event.fromStep ?? event.fromStatus, event.toStep ?? event.toStatus]);
    expect(moves).toEqual([
      ['UNDERSTANDING_REQUEST', 'SEARCHING_AIRCRAFT'],
      ['SEARCHING_AIRCRAFT', 'REQUESTING_QUOTES'],
      ['REQUESTING_QUOTES', 'ANALYZING_QUOTES'],
      ['ANALYZING_QUOTES', 'PROPOSAL_READY'],
      ['PROPOSAL_READY', 'PROPOSAL_SENT'],
      ['ACTIVE', 'COMPLETED'],
      ['COMPLETED', 'ARCHIVED'],
    ]);
    expect(new Set(events.map((event) => event.actorId))).toEqual(new Set([agent.id]));
  });
});

type Refusal = {
  stage: Stage;
  status?: 'ACTIVE' | 'COMPLETED';
  mutation: string;
  attempted: string;
  allowed: string[];
};

/** The allowed actions are written out per state from DESIGN §3, not read from the code. */
const REFUSALS: Refusal[] = [
  {
    stage: 'UNDERSTANDING_REQUEST',
    mutation: 'linkAvinodeTrip',
    attempted: 'LINK_AVINODE_TRIP',
    allowed: ['RECORD_MESSAGE', 'CAPTURE_TRIP_REQUEST', 'RECEIVE_QUOTE', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'UNDERSTANDING_REQUEST',
    mutation: 'recordRfqsSent',
    attempted: 'RECORD_RFQS_SENT',
    allowed: ['RECORD_MESSAGE', 'CAPTURE_TRIP_REQUEST', 'RECEIVE_QUOTE', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'UNDERSTANDING_REQUEST',
    mutation: 'resumeSession',
    attempted: 'RESUME',
    allowed: ['RECORD_MESSAGE', 'CAPTURE_TRIP_REQUEST', 'RECEIVE_QUOTE', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'SEARCHING_AIRCRAFT',
    mutation: 'sendProposal',
    attempted: 'SEND_PROPOSAL',
    allowed: [
      'RECORD_MESSAGE',
      'CAPTURE_TRIP_REQUEST',
      'LINK_AVINODE_TRIP',
      'RECEIVE_QUOTE',
      'PAUSE',
      'COMPLETE',
      'ARCHIVE',
    ],
  },
  {
    stage: 'REQUESTING_QUOTES',
    mutation: 'captureTripRequest',
    attempted: 'CAPTURE_TRIP_REQUEST',
    allowed: ['RECORD_MESSAGE', 'RECORD_RFQS_SENT', 'RECEIVE_QUOTE', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'REQUESTING_QUOTES',
    mutation: 'selectPrimaryQuote',
    attempted: 'SELECT_PRIMARY_QUOTE',
    allowed: ['RECORD_MESSAGE', 'RECORD_RFQS_SENT', 'RECEIVE_QUOTE', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'REQUESTING_QUOTES',
    mutation: 'linkAvinodeTrip',
    attempted: 'LINK_AVINODE_TRIP',
    allowed: ['RECORD_MESSAGE', 'RECORD_RFQS_SENT', 'RECEIVE_QUOTE', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'ANALYZING_QUOTES',
    mutation: 'sendProposal',
    attempted: 'SEND_PROPOSAL',
    allowed: [
      'RECORD_MESSAGE',
      'RECORD_RFQS_SENT',
      'RECEIVE_QUOTE',
      'SELECT_PRIMARY_QUOTE',
      'GENERATE_PROPOSAL',
      'PAUSE',
      'COMPLETE',
      'ARCHIVE',
    ],
  },
  {
    stage: 'PROPOSAL_READY',
    mutation: 'generateProposal',
    attempted: 'GENERATE_PROPOSAL',
    allowed: ['RECORD_MESSAGE', 'RECEIVE_QUOTE', 'SEND_PROPOSAL', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'PROPOSAL_READY',
    mutation: 'selectPrimaryQuote',
    attempted: 'SELECT_PRIMARY_QUOTE',
    allowed: ['RECORD_MESSAGE', 'RECEIVE_QUOTE', 'SEND_PROPOSAL', 'PAUSE', 'COMPLETE', 'ARCHIVE'],
  },
  {
    stage: 'SEARCHING_AIRCRAFT',
    status: 'COMPLETED',
    mutation: 'completeSession',
    attempted: 'COMPLETE',
    allowed: ['RECORD_MESSAGE', 'RECEIVE_QUOTE', 'ARCHIVE'],
  },
  {
    stage: 'SEARCHING_AIRCRAFT',
    status: 'COMPLETED',
    mutation: 'pauseSession',
    attempted: 'PAUSE',
    allowed: ['RECORD_MESSAGE', 'RECEIVE_QUOTE', 'ARCHIVE'],
  },
  {
    stage: 'SEARCHING_AIRCRAFT',
    status: 'COMPLETED',
    mutation: 'linkAvinodeTrip',
    attempted: 'LINK_AVINODE_TRIP',
    allowed: ['RECORD_MESSAGE', 'RECEIVE_QUOTE', 'ARCHIVE'],
  },
];

/** Calls a mutation by name with an input that would be valid at the right step. */
async function attempt(
  call: ReturnType<typeof callerFor>,
  mutation: string,
  sessionId: string,
  quoteId: string | undefined,
): Promise<unknown> {
  const session = { sessionId };
  switch (mutation) {
    case 'captureTripRequest':
      return (await call(CaptureTripRequest, { input: captureInput(sessionId) })).captureTripRequest;
    case 'linkAvinodeTrip':
      return (await call(LinkAvinodeTrip, { input: { ...session, avinodeTripId: unique('atrip-other-') } }))
        .linkAvinodeTrip;
    case 'recordRfqsSent':
      return (await call(RecordRfqsSent, { input: { ...session, operatorsContacted: 2, quotesExpected: 2 } }))
        .recordRfqsSent;
    case 'selectPrimaryQuote':
      return (
        await call(SelectPrimaryQuote, {
          input: { ...session, quoteId: quoteId ?? globalId('Quote', crypto.randomUUID()) },
        })
      ).selectPrimaryQuote;
    case 'generateProposal':
      return (await call(GenerateProposal, { input: { ...session, marginPercent: '5' } })).generateProposal;
    case 'sendProposal':
      return (await call(SendProposal, { input: { ...session, sentTo: 'client@example.com' } })).sendProposal;
    case 'pauseSession':
      return (await call(PauseSession, { input: session })).pauseSession;
    case 'resumeSession':
      return (await call(ResumeSession, { input: session })).resumeSession;
    case 'completeSession':
      return (await call(CompleteSession, { input: session })).completeSession;
    default:
      throw new Error(`no call for ${mutation}`);
  }
}

describe('out-of-order calls', () => {
  it.for(REFUSALS.map((refusal) => ({ status: 'ACTIVE', ...refusal })))(
    '$mutation on a $status session at $stage is an InvalidTransitionError and writes nothing',
    async (refusal, { database, server, token, call }) => {
      const session = await sessionAt(server, token, refusal.stage);
      if (refusal.status === 'COMPLETED')
        as(
          (await expectData(server.url, CompleteSession, { input: { sessionId: session.id } }, token)).completeSession,
          'CompleteSessionPayload',
        );
      const before = await footprint(database.prisma, session.uuid);

      const result = (await attempt(call, refusal.mutation, session.id, session.quoteId)) as { allowed?: string[] };

      expect(result).toMatchObject({
        __typename: 'InvalidTransitionError',
        code: 'INVALID_TRANSITION',
        currentStatus: refusal.status,
        currentStep: refusal.stage,
        attempted: refusal.attempted,
      });
      expect([...(result.allowed ?? [])].sort()).toEqual([...refusal.allowed].sort());
      expect(await footprint(database.prisma, session.uuid)).toEqual(before);
    },
  );
});

describe('optimistic concurrency', () => {
  it.for(['recordMessage', 'captureTripRequest', 'pauseSession'])(
    '%s with an old expectedVersion is a StaleVersionError and writes nothing',
    async (mutation, { database, server, token }) => {
      const session = await sessionAt(server, token, 'UNDERSTANDING_REQUEST');
      const bumped = await expectData(
        server.url,
        RecordMessage,
        { input: { sessionId: session.id, senderType: 'AGENT', content: 'hello', expectedVersion: 1 } },
        token,
      );
      expect(as(bumped.recordMessage, 'RecordMessagePayload').session.version).toBe(2);
      const before = await footprint(database.prisma, session.uuid);

      const stale = { sessionId: session.id, expectedVersion: 1 };
      const result =
        mutation === 'recordMessage'
          ? (
              await expectData(
                server.url,
                RecordMessage,
                { input: { ...stale, senderType: 'AGENT', content: 'again' } },
                token,
              )
            ).recordMessage
          : mutation === 'captureTripRequest'
            ? (
                await expectData(
                  server.url,
                  CaptureTripRequest,
                  { input: { ...captureInput(session.id), expectedVersion: 1 } },
                  token,
                )
              ).captureTripRequest
            : (await expectData(server.url, PauseSession, { input: stale }, token)).pauseSession;

      expect(result).toMatchObject({
        __typename: 'StaleVersionError',
        code: 'STALE_VERSION',
        expectedVersion: 1,
        currentVersion: 2,
      });
      expect(await footprint(database.prisma, session.uuid)).toEqual(before);
    },
  );
});

describe('a paused session', () => {
  it('resumes when a message is recorded, logging the status change', async ({ database, server, token }) => {
    const run = callerFor(server, token);
    const session = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
    const paused = as(
      (await run(PauseSession, { input: { sessionId: session.id, reason: 'Agent at lunch' } })).pauseSession,
      'PauseSessionPayload',
    );
    expect(paused.session).toMatchObject({ status: 'PAUSED', currentStep: 'SEARCHING_AIRCRAFT' });

    const input = { sessionId: session.id, senderType: 'AGENT' as const, content: 'Back: any news on the Falcon?' };
    const message = as((await run(RecordMessage, { input })).recordMessage, 'RecordMessagePayload');

    expect(message.session).toMatchObject({
      status: 'ACTIVE',
      currentStep: 'SEARCHING_AIRCRAFT',
      messageCount: 1,
      version: paused.session.version + 1,
    });
    const events = await database.prisma.sessionEvent.findMany({
      where: { sessionId: session.uuid },
      orderBy: { id: 'asc' },
    });
    expect(events.slice(-3).map(({ type, fromStatus, toStatus }) => ({ type, fromStatus, toStatus }))).toEqual([
      { type: 'STATUS_CHANGED', fromStatus: 'ACTIVE', toStatus: 'PAUSED' },
      { type: 'MESSAGE_RECORDED', fromStatus: null, toStatus: null },
      { type: 'STATUS_CHANGED', fromStatus: 'PAUSED', toStatus: 'ACTIVE' },
    ]);
    expect(events.at(-3)?.data).toMatchObject({ action: 'paused', reason: 'Agent at lunch' });
  });
});
