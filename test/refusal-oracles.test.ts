import { describe, expect } from 'vitest';
import { ID_IN_USE_ELSEWHERE } from '../src/modules/validation.js';
import { createAgent, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import {
  callerFor,
  footprint,
  LinkAvinodeTrip,
  quoteInput,
  ReceiveQuote,
  RecordMessage,
  sessionAt,
} from './harness/workflow.js';

/**
 * Refusals reveal nothing of other agents: an external id someone else holds gets one
 * answer, the same whether the holder is another session of the caller's or another
 * agent's, naming neither, and nothing is written.
 */
const messageId = unique('amsg-');
const quoteId = unique('aquote-');

const TAKEN = { __typename: 'ValidationError', code: 'VALIDATION_FAILED' };

const it = base
  .extend('owner', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('other', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('ownerToken', { scope: 'file' }, async ({ server, owner }) => server.tokenFor(owner.authSubject))
  .extend('otherToken', { scope: 'file' }, async ({ server, other }) => server.tokenFor(other.authSubject))
  .extend('asOwner', { scope: 'file' }, async ({ server, ownerToken }) => callerFor(server, ownerToken))
  .extend('asOther', { scope: 'file' }, async ({ server, otherToken }) => callerFor(server, otherToken))
  /** The owner's session that holds the Avinode trip, message `messageId` and quote `quoteId`. */
  .extend('ownerTrip', { scope: 'file' }, async ({ server, ownerToken, asOwner }) => {
    const session = await sessionAt(server, ownerToken, 'REQUESTING_QUOTES');
    await asOwner(RecordMessage, {
      input: { sessionId: session.id, senderType: 'OPERATOR', content: 'hello', externalId: messageId },
    });
    await asOwner(ReceiveQuote, { input: quoteInput({ sessionId: session.id }, { avinodeQuoteId: quoteId }) });
    return session;
  })
  .extend('ownerSecond', { scope: 'file' }, async ({ server, ownerToken }) =>
    sessionAt(server, ownerToken, 'REQUESTING_QUOTES'),
  )
  .extend('otherQuoting', { scope: 'file' }, async ({ server, otherToken }) =>
    sessionAt(server, otherToken, 'REQUESTING_QUOTES'),
  )
  .extend('otherSearching', { scope: 'file' }, async ({ server, otherToken }) =>
    sessionAt(server, otherToken, 'SEARCHING_AIRCRAFT'),
  );

describe('an external id held elsewhere', () => {
  it("linkAvinodeTrip with another agent's trip id: a neutral refusal, nothing written", async ({
    database,
    asOther,
    ownerTrip,
    otherSearching,
  }) => {
    const before = await footprint(database.prisma, otherSearching.uuid);
    const input = { sessionId: otherSearching.id, avinodeTripId: ownerTrip.tripId };
    const result = (await asOther(LinkAvinodeTrip, { input })).linkAvinodeTrip;
    expect(result).toMatchObject({ ...TAKEN, fields: [{ field: 'avinodeTripId', message: ID_IN_USE_ELSEWHERE }] });
    expect(JSON.stringify(result)).not.toMatch(/agent/i);
    expect(await footprint(database.prisma, otherSearching.uuid)).toEqual(before);
  });

  it("recordMessage.externalId: another agent's gets the answer the owner's other session gets", async ({
    database,
    asOwner,
    asOther,
    ownerSecond,
    otherQuoting,
  }) => {
    const message = (sessionId: string) => ({
      input: { sessionId, senderType: 'OPERATOR' as const, content: 'again', externalId: messageId },
    });
    const before = await footprint(database.prisma, otherQuoting.uuid);
    const foreign = (await asOther(RecordMessage, message(otherQuoting.id))).recordMessage;
    const own = (await asOwner(RecordMessage, message(ownerSecond.id))).recordMessage;
    expect(foreign).toMatchObject({ ...TAKEN, fields: [{ field: 'externalId', message: ID_IN_USE_ELSEWHERE }] });
    expect(foreign).toEqual(own);
    expect(await footprint(database.prisma, otherQuoting.uuid)).toEqual(before);
  });

  it("receiveQuote.avinodeQuoteId: another agent's gets the answer the owner's other trip gets", async ({
    database,
    asOwner,
    asOther,
    ownerSecond,
    otherQuoting,
  }) => {
    const before = await footprint(database.prisma, otherQuoting.uuid);
    const quote = (sessionId: string) => ({ input: quoteInput({ sessionId }, { avinodeQuoteId: quoteId }) });
    const foreign = (await asOther(ReceiveQuote, quote(otherQuoting.id))).receiveQuote;
    const own = (await asOwner(ReceiveQuote, quote(ownerSecond.id))).receiveQuote;
    expect(foreign).toMatchObject({ ...TAKEN, fields: [{ field: 'avinodeQuoteId', message: ID_IN_USE_ELSEWHERE }] });
    expect(foreign).toEqual(own);
    expect(await footprint(database.prisma, otherQuoting.uuid)).toEqual(before);
  });
});
