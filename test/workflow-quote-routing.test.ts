import { describe, expect } from 'vitest';
import { createAgent, unique } from './harness/factories.js';
import { it } from './harness/fixtures.js';
import {
  ArchiveSession,
  as,
  CompleteSession,
  eventTypes,
  footprint,
  PauseSession,
  quoteInput,
  ReceiveQuote,
  sessionAt,
} from './harness/workflow.js';

describe('receiveQuote by avinodeTripId', () => {
  it('reaches every open session of the trip, and only those', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    // Two conversations about the same Avinode trip, each driven through the API, and a third that has ended.
    const tripId = unique('atrip-');
    const first = await sessionAt(server, token, 'REQUESTING_QUOTES', { tripId });
    const second = await sessionAt(server, token, 'REQUESTING_QUOTES', { tripId });
    const ended = await sessionAt(server, token, 'REQUESTING_QUOTES', { tripId });
    as((await call(CompleteSession, { input: { sessionId: ended.id } })).completeSession, 'CompleteSessionPayload');
    const endedBefore = await footprint(database.prisma, ended.uuid);

    const received = as(
      (await integration(ReceiveQuote, { input: quoteInput({ avinodeTripId: tripId }) })).receiveQuote,
      'ReceiveQuotePayload',
    );

    expect(received.outcome).toBe('CREATED');
    expect(received.sessions.map((session) => session.id).sort()).toEqual([first.id, second.id].sort());
    for (const session of [first, second]) {
      const { session: row } = await footprint(database.prisma, session.uuid);
      expect(row, session.id).toMatchObject({
        quotesReceivedCount: 1,
        currentStep: 'ANALYZING_QUOTES',
        status: 'ACTIVE',
      });
      expect((await eventTypes(database.prisma, session.uuid)).slice(-2), session.id).toEqual([
        'QUOTE_RECEIVED',
        'STEP_CHANGED',
      ]);
    }
    // The ended session is untouched; the quote itself is the trip's, shared by its sessions.
    const endedAfter = await footprint(database.prisma, ended.uuid);
    expect({ session: endedAfter.session, events: endedAfter.events }).toEqual({
      session: endedBefore.session,
      events: endedBefore.events,
    });
  });

  it('reaches only the viewer’s own sessions of the trip', async ({ server, database, token, call }) => {
    const tripId = unique('atrip-');
    const mine = await sessionAt(server, token, 'REQUESTING_QUOTES', { tripId });
    const otherAgent = await createAgent(database.prisma);
    const theirs = await sessionAt(server, await server.tokenFor(otherAgent.authSubject), 'REQUESTING_QUOTES', {
      tripId: unique('atrip-'),
    });
    // Same trip id on another agent's session: an agent's delivery must not reach it.
    await database.prisma.chatSession.update({ where: { id: theirs.uuid }, data: { avinodeTripId: tripId } });
    const theirsBefore = await footprint(database.prisma, theirs.uuid);

    const received = as(
      (await call(ReceiveQuote, { input: quoteInput({ avinodeTripId: tripId }) })).receiveQuote,
      'ReceiveQuotePayload',
    );

    expect(received.sessions.map((session) => session.id)).toEqual([mine.id]);
    expect(await footprint(database.prisma, theirs.uuid)).toEqual(theirsBefore);
  });

  it('is a NotFoundError for a trip no session knows', async ({ integration }) => {
    const result = (await integration(ReceiveQuote, { input: quoteInput({ avinodeTripId: unique('atrip-unknown-') }) }))
      .receiveQuote;
    expect(result).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', entity: 'ChatSession' });
  });
});

describe('late quotes', () => {
  const LATE: Array<{ status: 'PAUSED' | 'COMPLETED' | 'ARCHIVED'; by: 'agent' | 'integration' }> = [
    { status: 'PAUSED', by: 'agent' },
    { status: 'PAUSED', by: 'integration' },
    { status: 'COMPLETED', by: 'agent' },
    { status: 'COMPLETED', by: 'integration' },
    { status: 'ARCHIVED', by: 'integration' },
  ];

  it.for(LATE)(
    'on a $status session (from an $by) are recorded and counted; step and status stay put',
    async ({ status, by }, { server, database, token, call, integration }) => {
      const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
      const input = { input: { sessionId: session.id } };
      if (status === 'PAUSED') as((await call(PauseSession, input)).pauseSession, 'PauseSessionPayload');
      else as((await call(CompleteSession, input)).completeSession, 'CompleteSessionPayload');
      if (status === 'ARCHIVED') as((await call(ArchiveSession, input)).archiveSession, 'ArchiveSessionPayload');
      const before = await footprint(database.prisma, session.uuid);

      const run = by === 'agent' ? call : integration;
      const received = as(
        (await run(ReceiveQuote, { input: quoteInput({ sessionId: session.id }) })).receiveQuote,
        'ReceiveQuotePayload',
      );

      expect(received.outcome).toBe('CREATED');
      const after = await footprint(database.prisma, session.uuid);
      expect(after.quotes).toHaveLength(before.quotes.length + 1);
      expect(after.session).toMatchObject({
        status,
        currentStep: 'REQUESTING_QUOTES',
        quotesReceivedCount: before.session.quotesReceivedCount + 1,
        version: before.session.version + 1,
        endedAt: before.session.endedAt,
      });
      expect((await eventTypes(database.prisma, session.uuid)).slice(before.events)).toEqual(['QUOTE_RECEIVED']);
    },
  );
});

describe('a session without a trip request', () => {
  it('refuses a quote with a ValidationError and writes nothing, not even the operator', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'UNDERSTANDING_REQUEST');
    const before = await footprint(database.prisma, session.uuid);
    const operator = { avinodeCompanyId: unique('acomp-'), name: 'Nobody Air' };

    for (const run of [call, integration]) {
      const result = (await run(ReceiveQuote, { input: quoteInput({ sessionId: session.id }, { operator }) }))
        .receiveQuote;
      expect(result).toMatchObject({
        __typename: 'ValidationError',
        code: 'VALIDATION_FAILED',
        fields: [{ field: 'sessionId' }],
      });
    }
    expect(await footprint(database.prisma, session.uuid)).toEqual(before);
    expect(await database.prisma.operator.count({ where: { avinodeCompanyId: operator.avinodeCompanyId } })).toBe(0);
  });
});
