import { describe, expect } from 'vitest';
import { unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import {
  as,
  CompleteSession,
  eventTypes,
  footprint,
  LinkAvinodeTrip,
  quoteInput,
  ReceiveQuote,
  RecordMessage,
  StartSession,
  sessionAt,
  uuidOf,
} from './harness/workflow.js';

const it = base.extend('integrationToken', { scope: 'file' }, async ({ server }) => server.serviceToken());

describe('re-delivered messages', () => {
  it('are recorded once, counted once and logged once; the second delivery says created: false', async ({
    server,
    database,
    token,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'UNDERSTANDING_REQUEST');
    const input = {
      sessionId: session.id,
      senderType: 'OPERATOR' as const,
      content: 'Tail N650GD is available.',
      externalId: unique('amsg-'),
    };

    const first = as((await integration(RecordMessage, { input })).recordMessage, 'RecordMessagePayload');
    const second = as((await integration(RecordMessage, { input })).recordMessage, 'RecordMessagePayload');

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.recorded.id).toBe(first.recorded.id);
    expect(second.session).toMatchObject({ messageCount: 1, version: first.session.version });
    expect(await database.prisma.message.count({ where: { externalId: input.externalId } })).toBe(1);
    expect(await eventTypes(database.prisma, session.uuid)).toEqual(['SESSION_STARTED', 'MESSAGE_RECORDED']);
  });
});

describe('re-delivered quotes', () => {
  it('with the same avinodeQuoteId and content are UNCHANGED: one row, counted once, no event', async ({
    server,
    database,
    token,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const input = quoteInput({ avinodeTripId: session.tripId });

    const first = as((await integration(ReceiveQuote, { input })).receiveQuote, 'ReceiveQuotePayload');
    const before = await footprint(database.prisma, session.uuid);
    const second = as((await integration(ReceiveQuote, { input })).receiveQuote, 'ReceiveQuotePayload');

    expect(first.outcome).toBe('CREATED');
    expect(second.outcome).toBe('UNCHANGED');
    expect(second.quote.id).toBe(first.quote.id);
    expect(await footprint(database.prisma, session.uuid)).toEqual(before);
    expect(before.session).toMatchObject({ quotesReceivedCount: 1, currentStep: 'ANALYZING_QUOTES' });
    expect(before.quotes).toHaveLength(1);
    expect(await eventTypes(database.prisma, session.uuid)).toEqual([
      'SESSION_STARTED',
      'TRIP_REQUEST_CAPTURED',
      'STEP_CHANGED',
      'AVINODE_TRIP_LINKED',
      'STEP_CHANGED',
      'QUOTE_RECEIVED',
      'STEP_CHANGED',
    ]);
  });

  it('with a changed price are UPDATED: the same row, a QUOTE_UPDATED event, the count unchanged', async ({
    server,
    database,
    token,
    integration,
  }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const input = quoteInput({ sessionId: session.id }, { totalPrice: '98500.00' });

    const first = as((await integration(ReceiveQuote, { input })).receiveQuote, 'ReceiveQuotePayload');
    const updated = as(
      (await integration(ReceiveQuote, { input: { ...input, totalPrice: '95250.00' } })).receiveQuote,
      'ReceiveQuotePayload',
    );

    expect(updated.outcome).toBe('UPDATED');
    expect(updated.quote).toMatchObject({ id: first.quote.id, totalPrice: '95250.00' });
    expect(updated.sessions).toHaveLength(1);
    expect(updated.sessions[0]).toMatchObject({
      quotesReceivedCount: 1,
      currentStep: 'ANALYZING_QUOTES',
      version: (first.sessions[0]?.version ?? 0) + 1,
    });
    expect(await database.prisma.quote.count({ where: { avinodeQuoteId: input.avinodeQuoteId } })).toBe(1);
    const events = await database.prisma.sessionEvent.findMany({
      where: { sessionId: session.uuid },
      orderBy: { id: 'asc' },
    });
    expect(events.slice(-3).map((event) => event.type)).toEqual(['QUOTE_RECEIVED', 'STEP_CHANGED', 'QUOTE_UPDATED']);
    expect(events.at(-1)?.data).toMatchObject({ totalPrice: '95250.00', previousTotalPrice: '98500.00' });
  });
});

describe('repeated links and starts', () => {
  it('linkAvinodeTrip with the same ids again changes nothing: changed: false, same version, no event', async ({
    server,
    database,
    token,
    call,
  }) => {
    const session = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
    const input = { sessionId: session.id, avinodeTripId: unique('atrip-'), avinodeRfqId: unique('arfq-') };
    const first = as((await call(LinkAvinodeTrip, { input })).linkAvinodeTrip, 'LinkAvinodeTripPayload');
    const before = await footprint(database.prisma, session.uuid);

    const again = as((await call(LinkAvinodeTrip, { input })).linkAvinodeTrip, 'LinkAvinodeTripPayload');
    const withoutRfq = as(
      (await call(LinkAvinodeTrip, { input: { sessionId: session.id, avinodeTripId: input.avinodeTripId } }))
        .linkAvinodeTrip,
      'LinkAvinodeTripPayload',
    );

    expect(first.changed).toBe(true);
    expect([again.changed, withoutRfq.changed]).toEqual([false, false]);
    expect(again.session).toMatchObject({
      version: first.session.version,
      currentStep: 'REQUESTING_QUOTES',
      avinodeRfqId: input.avinodeRfqId,
    });
    expect(await footprint(database.prisma, session.uuid)).toEqual(before);
  });

  it('startSession on a conversation with an open session returns that session: created: false, nothing written', async ({
    server,
    database,
    token,
    call,
  }) => {
    const session = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
    const before = await footprint(database.prisma, session.uuid);

    const again = as(
      (await call(StartSession, { input: { conversationId: session.conversationId } })).startSession,
      'StartSessionPayload',
    );

    expect(again.created).toBe(false);
    expect(again.session).toMatchObject({ id: session.id, currentStep: 'SEARCHING_AIRCRAFT' });
    expect(await footprint(database.prisma, session.uuid)).toEqual(before);
    expect(await database.prisma.chatSession.count({ where: { conversationId: uuidOf(session.conversationId) } })).toBe(
      1,
    );
  });

  it('startSession on a conversation whose session has ended opens a new one', async ({ server, token, call }) => {
    const session = await sessionAt(server, token, 'UNDERSTANDING_REQUEST');
    as((await call(CompleteSession, { input: { sessionId: session.id } })).completeSession, 'CompleteSessionPayload');

    const next = as(
      (await call(StartSession, { input: { conversationId: session.conversationId } })).startSession,
      'StartSessionPayload',
    );

    expect(next.created).toBe(true);
    expect(next.session.id).not.toBe(session.id);
    expect(next.session).toMatchObject({
      status: 'ACTIVE',
      currentStep: 'UNDERSTANDING_REQUEST',
      conversation: { id: session.conversationId },
    });
  });
});
