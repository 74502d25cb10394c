import pg from 'pg';
import { describe, expect } from 'vitest';
import type { TestDatabase } from './harness/database.js';
import { createAgent, unique } from './harness/factories.js';
import { it } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import {
  as,
  CaptureTripRequest,
  callerFor,
  captureInput,
  eventTypes,
  LinkAvinodeTrip,
  PauseSession,
  quoteInput,
  ReceiveQuote,
  RecordMessage,
  ResumeSession,
  SelectPrimaryQuote,
  StartSession,
  sessionAt,
} from './harness/workflow.js';

/*
 * Quotes that arrive before a session is ready for them: while it is paused, or before
 * its trip is linked. They are recorded without moving the session (DESIGN §3), and
 * the session must not then be stuck at REQUESTING_QUOTES with quotes it cannot use.
 * Also: who may link an Avinode trip, and what a re-delivered quote may not undo.
 */

async function stepOf(database: TestDatabase, uuid: string) {
  const row = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: uuid } });
  return { status: row.status, step: row.currentStep };
}

describe('a session that already holds quotes does not wait for them', () => {
  it('resuming a session that received quotes while paused moves it on to ANALYZING_QUOTES', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    as((await call(PauseSession, { input: { sessionId: session.id } })).pauseSession, 'PauseSessionPayload');
    as(
      (await integration(ReceiveQuote, { input: quoteInput({ sessionId: session.id }) })).receiveQuote,
      'ReceiveQuotePayload',
    );
    expect(await stepOf(database, session.uuid)).toEqual({ status: 'PAUSED', step: 'REQUESTING_QUOTES' });

    const resumed = as(
      (await call(ResumeSession, { input: { sessionId: session.id } })).resumeSession,
      'ResumeSessionPayload',
    );

    expect(resumed.session).toMatchObject({ status: 'ACTIVE', currentStep: 'ANALYZING_QUOTES' });
    expect((await eventTypes(database.prisma, session.uuid)).slice(-2)).toEqual(['STATUS_CHANGED', 'STEP_CHANGED']);
  });

  it('a message that resumes such a session moves it on too', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    as((await call(PauseSession, { input: { sessionId: session.id } })).pauseSession, 'PauseSessionPayload');
    await integration(ReceiveQuote, { input: quoteInput({ sessionId: session.id }) });

    const recorded = as(
      (await call(RecordMessage, { input: { sessionId: session.id, senderType: 'AGENT', content: 'back' } }))
        .recordMessage,
      'RecordMessagePayload',
    );

    expect(recorded.session).toMatchObject({ status: 'ACTIVE', currentStep: 'ANALYZING_QUOTES' });
    expect((await eventTypes(database.prisma, session.uuid)).slice(-3)).toEqual([
      'MESSAGE_RECORDED',
      'STATUS_CHANGED',
      'STEP_CHANGED',
    ]);
    // From there the broker can work with the quote.
    const quote = await database.prisma.quote.findFirstOrThrow({
      where: { request: { sessions: { some: { id: session.uuid } } } },
    });
    const quoteId = Buffer.from(`Quote:${quote.id}`).toString('base64');
    as(
      (await call(SelectPrimaryQuote, { input: { sessionId: session.id, quoteId } })).selectPrimaryQuote,
      'SelectPrimaryQuotePayload',
    );
  });

  it('linking the trip of a session that received quotes before it was linked goes through to ANALYZING_QUOTES', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
    await integration(ReceiveQuote, { input: quoteInput({ sessionId: session.id }) });
    expect(await stepOf(database, session.uuid)).toEqual({ status: 'ACTIVE', step: 'SEARCHING_AIRCRAFT' });

    const linked = as(
      (await call(LinkAvinodeTrip, { input: { sessionId: session.id, avinodeTripId: unique('atrip-') } }))
        .linkAvinodeTrip,
      'LinkAvinodeTripPayload',
    );

    expect(linked.session.currentStep).toBe('ANALYZING_QUOTES');
    const steps = await database.prisma.sessionEvent.findMany({
      where: { sessionId: session.uuid, type: 'STEP_CHANGED' },
      orderBy: { id: 'asc' },
      select: { fromStep: true, toStep: true },
    });
    // One step at a time, as every move is.
    expect(steps.slice(-2)).toEqual([
      { fromStep: 'SEARCHING_AIRCRAFT', toStep: 'REQUESTING_QUOTES' },
      { fromStep: 'REQUESTING_QUOTES', toStep: 'ANALYZING_QUOTES' },
    ]);
  });

  it('resuming a session without quotes leaves it waiting at REQUESTING_QUOTES', async ({ server, token, call }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    await call(PauseSession, { input: { sessionId: session.id } });
    const resumed = as(
      (await call(ResumeSession, { input: { sessionId: session.id } })).resumeSession,
      'ResumeSessionPayload',
    );
    expect(resumed.session).toMatchObject({ status: 'ACTIVE', currentStep: 'REQUESTING_QUOTES' });
  });
});

describe('a re-delivered quote does not undo the broker’s choice', () => {
  it('keeps a shortlisted quote shortlisted when the same payload arrives again', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const input = quoteInput({ sessionId: session.id });
    const first = as((await integration(ReceiveQuote, { input })).receiveQuote, 'ReceiveQuotePayload');
    as(
      (await call(SelectPrimaryQuote, { input: { sessionId: session.id, quoteId: first.quote.id } }))
        .selectPrimaryQuote,
      'SelectPrimaryQuotePayload',
    );
    const before = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });

    const again = as((await integration(ReceiveQuote, { input })).receiveQuote, 'ReceiveQuotePayload');

    expect(again.outcome).toBe('UNCHANGED');
    const quote = await database.prisma.quote.findUniqueOrThrow({ where: { avinodeQuoteId: input.avinodeQuoteId } });
    expect(quote.status).toBe('SHORTLISTED');
    const after = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
    expect(after.version).toBe(before.version);
  });

  it('records an operator withdrawing a shortlisted quote', async ({ server, database, token, call, integration }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const input = quoteInput({ sessionId: session.id });
    const first = as((await integration(ReceiveQuote, { input })).receiveQuote, 'ReceiveQuotePayload');
    await call(SelectPrimaryQuote, { input: { sessionId: session.id, quoteId: first.quote.id } });

    const withdrawn = as(
      (await integration(ReceiveQuote, { input: { ...input, status: 'WITHDRAWN' } })).receiveQuote,
      'ReceiveQuotePayload',
    );

    expect(withdrawn.outcome).toBe('UPDATED');
    const quote = await database.prisma.quote.findUniqueOrThrow({ where: { avinodeQuoteId: input.avinodeQuoteId } });
    expect(quote.status).toBe('WITHDRAWN');
  });
});

describe('linking an Avinode trip', () => {
  it('refuses a trip that another agent’s session is linked to, and writes nothing', async ({
    server,
    database,
    token,
  }) => {
    const tripId = unique('atrip-');
    await sessionAt(server, token, 'REQUESTING_QUOTES', { tripId });
    const other = await createAgent(database.prisma);
    const otherToken = await server.tokenFor(other.authSubject);
    const theirs = await sessionAt(server, otherToken, 'SEARCHING_AIRCRAFT');
    const before = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: theirs.uuid } });

    const refused = as(
      (
        await callerFor(server, otherToken)(LinkAvinodeTrip, {
          input: { sessionId: theirs.id, avinodeTripId: tripId },
        })
      ).linkAvinodeTrip,
      'ValidationError',
    );

    expect(refused.fields).toEqual([expect.objectContaining({ field: 'avinodeTripId' })]);
    expect(await database.prisma.chatSession.findUniqueOrThrow({ where: { id: theirs.uuid } })).toEqual(before);
  });

  it('refuses to swap an RFQ id the session already has', async ({ server, database, token, call }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const row = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
    const refused = as(
      (
        await call(LinkAvinodeTrip, {
          input: { sessionId: session.id, avinodeTripId: session.tripId, avinodeRfqId: unique('arfq-') },
        })
      ).linkAvinodeTrip,
      'ValidationError',
    );
    expect(refused.fields).toEqual([expect.objectContaining({ field: 'avinodeRfqId' })]);
    expect(await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } })).toEqual(row);
  });

  it('two sessions linking one trip at the same moment end on one trip request', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    for (let round = 0; round < 5; round++) {
      const tripId = unique('atrip-');
      const sessions = await Promise.all([1, 2, 3].map(() => sessionAt(server, token, 'SEARCHING_AIRCRAFT')));
      const results = await Promise.all(
        sessions.map((session) => call(LinkAvinodeTrip, { input: { sessionId: session.id, avinodeTripId: tripId } })),
      );
      for (const result of results) as(result.linkAvinodeTrip, 'LinkAvinodeTripPayload');
      const rows = await database.prisma.chatSession.findMany({ where: { avinodeTripId: tripId } });
      expect(new Set(rows.map((row) => row.requestId)).size, `round ${round}`).toBe(1);
      // A quote by trip id then reaches and counts on every one of them.
      const received = as(
        (await integration(ReceiveQuote, { input: quoteInput({ avinodeTripId: tripId }) })).receiveQuote,
        'ReceiveQuotePayload',
      );
      expect(received.sessions).toHaveLength(3);
    }
  });
});

describe('a quote and a new session of its trip arriving together', () => {
  it('never leave the new session waiting at REQUESTING_QUOTES with the trip’s quotes in hand', async ({
    server,
    database,
    token,
    call,
    integration,
  }) => {
    for (let round = 0; round < 8; round++) {
      const tripId = unique('atrip-');
      await sessionAt(server, token, 'REQUESTING_QUOTES', { tripId });
      const joining = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
      const [received, linked] = await Promise.all([
        integration(ReceiveQuote, { input: quoteInput({ avinodeTripId: tripId }) }),
        call(LinkAvinodeTrip, { input: { sessionId: joining.id, avinodeTripId: tripId } }),
      ]);
      as(received.receiveQuote, 'ReceiveQuotePayload');
      as(linked.linkAvinodeTrip, 'LinkAvinodeTripPayload');
      const row = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: joining.uuid } });
      const quotes = await database.prisma.quote.count({ where: { requestId: row.requestId as string } });
      expect(quotes, `round ${round}`).toBe(1);
      expect(row.currentStep, `round ${round}`).toBe('ANALYZING_QUOTES');
    }
  });
});

describe('a round trip', () => {
  it('must return the way it went out', async ({ server, token, call }) => {
    const started = as(
      (await call(StartSession, { input: { subject: unique('Trip ') } })).startSession,
      'StartSessionPayload',
    );
    const result = await execute(
      server.url,
      CaptureTripRequest,
      {
        input: captureInput(started.session.id, {
          legs: [
            { departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2026-12-10T14:00:00Z' },
            { departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2026-12-17T10:00:00Z' },
          ],
        }),
      },
      token,
    );
    const refused = as(result.data?.captureTripRequest as { __typename: string }, 'ValidationError') as {
      fields: Array<{ field: string; message: string }>;
    };
    expect(refused.fields).toEqual([{ field: 'legs.1', message: 'a round trip returns from LFPB to KTEB' }]);
  });
});

describe.runIf(process.env['TEST_DATABASE_URL'])('row locks (PostgreSQL)', () => {
  it('an agent cannot lock another agent’s session: its mutation is refused at once, not queued', async ({
    server,
    database,
    call,
  }) => {
    const other = await createAgent(database.prisma);
    const theirs = await sessionAt(server, await server.tokenFor(other.authSubject), 'UNDERSTANDING_REQUEST');
    const holder = new pg.Client({ connectionString: database.url as string });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM chat_sessions WHERE id = $1 FOR UPDATE', [theirs.uuid]);
      const started = performance.now();
      const refused = await call(PauseSession, { input: { sessionId: theirs.id } });
      expect(refused.pauseSession.__typename).toBe('NotFoundError');
      // Waiting on the other agent's row lock would take until the holder lets go.
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });
});
