import { describe, expect } from 'vitest';
import { createAgent, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import {
  ArchiveSession,
  ArchiveStaleSessions,
  as,
  CaptureTripRequest,
  CompleteSession,
  callerFor,
  captureInput,
  eventTypes,
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
  StartSession,
  sessionAt,
  uuidOf,
} from './harness/workflow.js';

const it = base
  .extend('owner', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('ownerToken', { scope: 'file' }, async ({ server, owner }) => server.tokenFor(owner.authSubject))
  .extend('asOwner', { scope: 'file' }, async ({ server, ownerToken }) => callerFor(server, ownerToken))
  .extend('asOther', { scope: 'file' }, async ({ server, database }) =>
    callerFor(server, await server.tokenFor((await createAgent(database.prisma)).authSubject)),
  )
  .extend('asAdmin', { scope: 'file' }, async ({ server, database }) =>
    callerFor(server, await server.tokenFor((await createAgent(database.prisma, 'ADMIN')).authSubject)),
  )
  .extend('asIntegration', { scope: 'file' }, async ({ server }) => callerFor(server, await server.serviceToken()));

/** Every workflow mutation on one session, with inputs that are valid for a session at ANALYZING_QUOTES. */
function everyMutation(run: ReturnType<typeof callerFor>, sessionId: string, quoteId: string) {
  const session = { sessionId };
  return {
    recordMessage: async () =>
      (await run(RecordMessage, { input: { ...session, senderType: 'AGENT', content: 'hi' } })).recordMessage,
    captureTripRequest: async () =>
      (await run(CaptureTripRequest, { input: captureInput(sessionId) })).captureTripRequest,
    linkAvinodeTrip: async () =>
      (await run(LinkAvinodeTrip, { input: { ...session, avinodeTripId: unique('atrip-') } })).linkAvinodeTrip,
    recordRfqsSent: async () =>
      (await run(RecordRfqsSent, { input: { ...session, operatorsContacted: 1, quotesExpected: 1 } })).recordRfqsSent,
    receiveQuote: async () => (await run(ReceiveQuote, { input: quoteInput(session) })).receiveQuote,
    selectPrimaryQuote: async () =>
      (await run(SelectPrimaryQuote, { input: { ...session, quoteId } })).selectPrimaryQuote,
    generateProposal: async () =>
      (await run(GenerateProposal, { input: { ...session, quoteId, marginPercent: '5' } })).generateProposal,
    sendProposal: async () =>
      (await run(SendProposal, { input: { ...session, sentTo: 'dana@acme.test' } })).sendProposal,
    pauseSession: async () => (await run(PauseSession, { input: session })).pauseSession,
    resumeSession: async () => (await run(ResumeSession, { input: session })).resumeSession,
    completeSession: async () => (await run(CompleteSession, { input: session })).completeSession,
    archiveSession: async () => (await run(ArchiveSession, { input: session })).archiveSession,
  };
}

describe("another agent's session", () => {
  it('is a NotFoundError for every mutation, and nothing is written', async ({
    server,
    database,
    ownerToken,
    asOther,
  }) => {
    const session = await sessionAt(server, ownerToken, 'ANALYZING_QUOTES');
    const before = await footprint(database.prisma, session.uuid);

    for (const [name, attempt] of Object.entries(everyMutation(asOther, session.id, session.quoteId as string))) {
      expect(await attempt(), name).toMatchObject({
        __typename: 'NotFoundError',
        code: 'NOT_FOUND',
        entity: 'ChatSession',
        id: session.uuid,
      });
    }
    const byTrip = (await asOther(ReceiveQuote, { input: quoteInput({ avinodeTripId: session.tripId }) })).receiveQuote;
    expect(byTrip).toMatchObject({ __typename: 'NotFoundError', entity: 'ChatSession' });
    const start = (await asOther(StartSession, { input: { conversationId: session.conversationId } })).startSession;
    expect(start).toMatchObject({ __typename: 'NotFoundError', entity: 'Conversation' });

    expect(await footprint(database.prisma, session.uuid)).toEqual(before);
  });
});

describe('a service token', () => {
  it("drives any agent's session through the whole workflow, as the integration", async ({
    database,
    owner,
    asIntegration,
  }) => {
    const run = asIntegration;
    const missingAgent = (await run(StartSession, { input: {} })).startSession;
    expect(missingAgent).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'agentId' }] });

    const started = as(
      (await run(StartSession, { input: { agentId: globalId('Agent', owner.id) } })).startSession,
      'StartSessionPayload',
    );
    const sessionId = started.session.id;
    as(
      (await run(CaptureTripRequest, { input: captureInput(sessionId) })).captureTripRequest,
      'CaptureTripRequestPayload',
    );
    const tripId = unique('atrip-');
    as(
      (await run(LinkAvinodeTrip, { input: { sessionId, avinodeTripId: tripId } })).linkAvinodeTrip,
      'LinkAvinodeTripPayload',
    );
    as(
      (await run(RecordRfqsSent, { input: { sessionId, operatorsContacted: 2, quotesExpected: 2 } })).recordRfqsSent,
      'RecordRfqsSentPayload',
    );
    const quote = as(
      (await run(ReceiveQuote, { input: quoteInput({ avinodeTripId: tripId }) })).receiveQuote,
      'ReceiveQuotePayload',
    ).quote;
    as(
      (await run(SelectPrimaryQuote, { input: { sessionId, quoteId: quote.id } })).selectPrimaryQuote,
      'SelectPrimaryQuotePayload',
    );
    as(
      (await run(GenerateProposal, { input: { sessionId, marginPercent: '7.5' } })).generateProposal,
      'GenerateProposalPayload',
    );
    as(
      (await run(SendProposal, { input: { sessionId, sentTo: 'dana@acme.test' } })).sendProposal,
      'SendProposalPayload',
    );
    as((await run(PauseSession, { input: { sessionId } })).pauseSession, 'PauseSessionPayload');
    as((await run(ResumeSession, { input: { sessionId } })).resumeSession, 'ResumeSessionPayload');
    as((await run(CompleteSession, { input: { sessionId } })).completeSession, 'CompleteSessionPayload');
    const archived = as((await run(ArchiveSession, { input: { sessionId } })).archiveSession, 'ArchiveSessionPayload');

    expect(archived.session).toMatchObject({
      status: 'ARCHIVED',
      currentStep: 'PROPOSAL_SENT',
      quotesReceivedCount: 1,
      version: 12,
    });
    const events = await database.prisma.sessionEvent.findMany({ where: { sessionId: uuidOf(sessionId) } });
    expect(events).toHaveLength(17);
    expect(new Set(events.map((event) => event.actorId))).toEqual(new Set(['service:test']));
    expect(new Set(events.map((event) => event.agentId))).toEqual(new Set([owner.id]));
  });
});

describe('an archived session', () => {
  it("refuses people's actions but records an integration's message and quote", async ({
    server,
    database,
    ownerToken,
    asOwner,
    asIntegration,
  }) => {
    const session = await sessionAt(server, ownerToken, 'ANALYZING_QUOTES');
    as((await asOwner(ArchiveSession, { input: { sessionId: session.id } })).archiveSession, 'ArchiveSessionPayload');
    const before = await footprint(database.prisma, session.uuid);

    for (const [name, attempt] of Object.entries(everyMutation(asOwner, session.id, session.quoteId as string))) {
      expect(await attempt(), name).toMatchObject({
        __typename: 'InvalidTransitionError',
        currentStatus: 'ARCHIVED',
        currentStep: 'ANALYZING_QUOTES',
        allowed: [],
      });
    }
    expect(await footprint(database.prisma, session.uuid)).toEqual(before);

    const integrationCalls = everyMutation(asIntegration, session.id, session.quoteId as string);
    const refused = await integrationCalls.generateProposal();
    expect(refused).toMatchObject({ __typename: 'InvalidTransitionError', attempted: 'GENERATE_PROPOSAL' });
    expect([...as(refused, 'InvalidTransitionError').allowed].sort()).toEqual(['RECEIVE_QUOTE', 'RECORD_MESSAGE']);

    const message = as(await integrationCalls.recordMessage(), 'RecordMessagePayload');
    expect(message.created).toBe(true);
    const quote = await integrationCalls.receiveQuote();
    expect(quote).toMatchObject({ __typename: 'ReceiveQuotePayload', outcome: 'CREATED' });
    expect((await footprint(database.prisma, session.uuid)).session).toMatchObject({
      status: 'ARCHIVED',
      currentStep: 'ANALYZING_QUOTES',
      messageCount: before.session.messageCount + 1,
      quotesReceivedCount: before.session.quotesReceivedCount + 1,
      version: before.session.version + 2,
    });
    expect((await eventTypes(database.prisma, session.uuid)).slice(before.events)).toEqual([
      'MESSAGE_RECORDED',
      'QUOTE_RECEIVED',
    ]);
  });
});

describe('a session that has ended', () => {
  it.for(['COMPLETED', 'ARCHIVED'] as const)(
    'refuses to relink the Avinode RFQ of a %s session, and writes nothing',
    async (status, { server, database, ownerToken, asOwner, asIntegration }) => {
      const session = await sessionAt(server, ownerToken, 'REQUESTING_QUOTES');
      as(
        (await asOwner(CompleteSession, { input: { sessionId: session.id } })).completeSession,
        'CompleteSessionPayload',
      );
      if (status === 'ARCHIVED')
        as(
          (await asOwner(ArchiveSession, { input: { sessionId: session.id } })).archiveSession,
          'ArchiveSessionPayload',
        );
      const before = await footprint(database.prisma, session.uuid);

      for (const run of [asOwner, asIntegration]) {
        const input = { sessionId: session.id, avinodeTripId: session.tripId, avinodeRfqId: unique('arfq-late-') };
        const result = (await run(LinkAvinodeTrip, { input })).linkAvinodeTrip;
        expect(result).toMatchObject({
          __typename: 'InvalidTransitionError',
          currentStatus: status,
          attempted: 'LINK_AVINODE_TRIP',
        });
      }
      expect(await footprint(database.prisma, session.uuid)).toEqual(before);
    },
  );
});

describe('archiveStaleSessions', () => {
  it('is forbidden to agents and archives, for admins, every session idle for longer than the cutoff', async ({
    server,
    database,
    ownerToken,
    asOwner,
    asAdmin,
    asIntegration,
  }) => {
    const staleActive = await sessionAt(server, ownerToken, 'SEARCHING_AIRCRAFT');
    const staleCompleted = await sessionAt(server, ownerToken, 'UNDERSTANDING_REQUEST');
    as(
      (await asOwner(CompleteSession, { input: { sessionId: staleCompleted.id } })).completeSession,
      'CompleteSessionPayload',
    );
    const staleArchived = await sessionAt(server, ownerToken, 'UNDERSTANDING_REQUEST');
    as(
      (await asOwner(ArchiveSession, { input: { sessionId: staleArchived.id } })).archiveSession,
      'ArchiveSessionPayload',
    );
    const recent = await sessionAt(server, ownerToken, 'UNDERSTANDING_REQUEST');
    const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 60 * 60 * 1000);
    for (const [session, days] of [
      [staleActive, 91],
      [staleCompleted, 200],
      [staleArchived, 365],
      [recent, 89],
    ] as const) {
      await database.prisma.chatSession.update({
        where: { id: session.uuid },
        data: { lastActivityAt: daysAgo(days) },
      });
    }
    const before = await Promise.all(
      [staleActive, staleCompleted, staleArchived, recent].map((session) => footprint(database.prisma, session.uuid)),
    );

    const forbidden = (await asOwner(ArchiveStaleSessions, { input: {} })).archiveStaleSessions;
    expect(forbidden).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const forIntegration = (await asIntegration(ArchiveStaleSessions, { input: {} })).archiveStaleSessions;
    expect(forIntegration).toMatchObject({ __typename: 'ForbiddenError' });
    expect(
      await Promise.all(
        [staleActive, staleCompleted, staleArchived, recent].map((session) => footprint(database.prisma, session.uuid)),
      ),
    ).toEqual(before);

    const done = as(
      (await asAdmin(ArchiveStaleSessions, { input: {} })).archiveStaleSessions,
      'ArchiveStaleSessionsPayload',
    );

    expect(done.archivedCount).toBe(2);
    expect(Math.abs(new Date(done.cutoff).getTime() - daysAgo(90).getTime())).toBeLessThan(60_000);
    const [active, completed, archived, fresh] = await Promise.all(
      [staleActive, staleCompleted, staleArchived, recent].map((session) => footprint(database.prisma, session.uuid)),
    );
    expect(active?.session).toMatchObject({
      status: 'ARCHIVED',
      currentStep: 'SEARCHING_AIRCRAFT',
      version: (before[0]?.session.version ?? 0) + 1,
    });
    expect(active?.session.endedAt).not.toBeNull();
    expect(completed?.session).toMatchObject({
      status: 'ARCHIVED',
      endedAt: before[1]?.session.endedAt,
      version: (before[1]?.session.version ?? 0) + 1,
    });
    expect(archived).toEqual(before[2]);
    expect(fresh).toEqual(before[3]);
    const lastEvent = await database.prisma.sessionEvent.findFirstOrThrow({
      where: { sessionId: staleActive.uuid },
      orderBy: { id: 'desc' },
    });
    expect(lastEvent).toMatchObject({ type: 'STATUS_CHANGED', fromStatus: 'ACTIVE', toStatus: 'ARCHIVED' });
  });
});
