import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_IN_USE_ELSEWHERE } from '../src/modules/validation.js';
import { createTestDatabase, type TestDatabase } from './harness/database.js';
import { createAgent, unique } from './harness/factories.js';
import { startTestServer, type TestServer } from './harness/server.js';
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
let database: TestDatabase;
let server: TestServer;
let asOwner: ReturnType<typeof callerFor>;
let asOther: ReturnType<typeof callerFor>;
let ownerTrip: Awaited<ReturnType<typeof sessionAt>>;
let ownerSecond: Awaited<ReturnType<typeof sessionAt>>;
let otherQuoting: Awaited<ReturnType<typeof sessionAt>>;
let otherSearching: Awaited<ReturnType<typeof sessionAt>>;
const messageId = unique('amsg-');
const quoteId = unique('aquote-');

const TAKEN = { __typename: 'ValidationError', code: 'VALIDATION_FAILED' };

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database);
  const owner = await createAgent(database.prisma);
  const other = await createAgent(database.prisma);
  const ownerToken = await server.tokenFor(owner.authSubject);
  const otherToken = await server.tokenFor(other.authSubject);
  asOwner = callerFor(server, ownerToken);
  asOther = callerFor(server, otherToken);
  ownerTrip = await sessionAt(server, ownerToken, 'REQUESTING_QUOTES');
  ownerSecond = await sessionAt(server, ownerToken, 'REQUESTING_QUOTES');
  otherQuoting = await sessionAt(server, otherToken, 'REQUESTING_QUOTES');
  otherSearching = await sessionAt(server, otherToken, 'SEARCHING_AIRCRAFT');
  await asOwner(RecordMessage, {
    input: { sessionId: ownerTrip.id, senderType: 'OPERATOR', content: 'hello', externalId: messageId },
  });
  await asOwner(ReceiveQuote, { input: quoteInput({ sessionId: ownerTrip.id }, { avinodeQuoteId: quoteId }) });
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('an external id held elsewhere', () => {
  it("linkAvinodeTrip with another agent's trip id: a neutral refusal, nothing written", async () => {
    const before = await footprint(database.prisma, otherSearching.uuid);
    const input = { sessionId: otherSearching.id, avinodeTripId: ownerTrip.tripId };
    const result = (await asOther(LinkAvinodeTrip, { input })).linkAvinodeTrip;
    expect(result).toMatchObject({ ...TAKEN, fields: [{ field: 'avinodeTripId', message: ID_IN_USE_ELSEWHERE }] });
    expect(JSON.stringify(result)).not.toMatch(/agent/i);
    expect(await footprint(database.prisma, otherSearching.uuid)).toEqual(before);
  });

  it("recordMessage.externalId: another agent's gets the answer the owner's other session gets", async () => {
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

  it("receiveQuote.avinodeQuoteId: another agent's gets the answer the owner's other trip gets", async () => {
    const before = await footprint(database.prisma, otherQuoting.uuid);
    const quote = (sessionId: string) => ({ input: quoteInput({ sessionId }, { avinodeQuoteId: quoteId }) });
    const foreign = (await asOther(ReceiveQuote, quote(otherQuoting.id))).receiveQuote;
    const own = (await asOwner(ReceiveQuote, quote(ownerSecond.id))).receiveQuote;
    expect(foreign).toMatchObject({ ...TAKEN, fields: [{ field: 'avinodeQuoteId', message: ID_IN_USE_ELSEWHERE }] });
    expect(foreign).toEqual(own);
    expect(await footprint(database.prisma, otherQuoting.uuid)).toEqual(before);
  });
});
