import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import { createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { connectWs, subscribeWs } from './harness/subscriptions.js';
import { as, callerFor, globalId, PauseSession, RecordMessage } from './harness/workflow.js';

/**
 * sessionUpdated sends the session after each change: one snapshot per change (a change
 * that writes several events is still one change), its whole nested selection resolved
 * in one query, however much of the graph it asks for.
 */
const SessionSnapshot = graphql(`
  subscription SessionSnapshot($id: ID!) {
    sessionUpdated(id: $id) {
      id version status messageCount quotesReceivedCount
      agent { email }
      conversation { subject messages(first: 5) { totalCount edges { node { content senderType } } } }
      request { tripType passengers client { companyName } legs { departureAirport arrivalAirport } }
      quotes(first: 10) { totalCount edges { node { totalPrice operator { name } } } }
      primaryQuote { aircraftType operator { name } }
      proposal { number total quote { id } }
      events(first: 5) { totalCount edges { node { type } } }
    }
  }
`);

// Events reach subscribers through the poll here, so nothing else reads meanwhile.
const it = base.extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '200' } });

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sessionUpdated', () => {
  it('sends one snapshot per change, also when the change wrote several events', async ({
    server,
    database,
    agent,
  }) => {
    const { session } = await createSessionGraph(database.prisma, agent, { messages: 0 });
    const id = globalId('ChatSession', session.id);
    const call = callerFor(server, await server.serviceToken());
    const ws = connectWs(server.url, await server.tokenFor(agent.authSubject));
    const updates = subscribeWs(ws, SessionSnapshot, { id });
    await settle(300);

    // Each change waits for its snapshot: a read made after the next change committed would
    // show both, and that next change would rightly get no snapshot of its own.
    as((await call(PauseSession, { input: { sessionId: id } })).pauseSession, 'PauseSessionPayload');
    await updates.waitFor(1);
    // Resumes the paused session: MESSAGE_RECORDED and STATUS_CHANGED, one change.
    const message = { sessionId: id, senderType: 'AGENT' as const, content: 'still there?' };
    as((await call(RecordMessage, { input: message })).recordMessage, 'RecordMessagePayload');
    await updates.waitFor(2);
    as((await call(RecordMessage, { input: message })).recordMessage, 'RecordMessagePayload');
    await updates.waitFor(3);
    await settle(600);

    const events = await database.prisma.sessionEvent.count({ where: { sessionId: session.id } });
    expect(events).toBeGreaterThanOrEqual(4);
    const versions = updates.results.map((result) => result.data?.sessionUpdated.version);
    expect(versions).toHaveLength(3);
    expect(updates.results.map((result) => result.data?.sessionUpdated.status)).toEqual(['PAUSED', 'ACTIVE', 'ACTIVE']);
    // Each snapshot is a later change than the one before: none repeated, none out of order.
    for (let index = 1; index < versions.length; index++) {
      expect(versions[index] as number).toBeGreaterThan(versions[index - 1] as number);
    }
    await ws.client.dispose();
  });

  it('resolves the whole nested selection in one query per change', async ({ server, database, agent }) => {
    const { session } = await createSessionGraph(database.prisma, agent, { messages: 3, quotes: 4 });
    const id = globalId('ChatSession', session.id);
    const ws = connectWs(server.url, await server.tokenFor(agent.authSubject));
    const updates = subscribeWs(ws, SessionSnapshot, { id });
    await settle(300);

    // A change written straight to the database: the only statements the server makes
    // from here are its event-log reads and the snapshot.
    await database.prisma.$transaction(async (tx) => {
      await tx.chatSession.update({ where: { id: session.id }, data: { version: { increment: 1 } } });
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(7402117001)`;
      await tx.sessionEvent.create({ data: { sessionId: session.id, agentId: agent.id, type: 'MESSAGE_RECORDED' } });
    });
    database.statements.length = 0;
    const [update] = await updates.waitFor(1);
    await settle(100);

    expect(update?.errors).toBeUndefined();
    expect(update?.data?.sessionUpdated.quotes.totalCount).toBe(4);
    expect(update?.data?.sessionUpdated.conversation.messages.totalCount).toBe(3);
    const snapshotQueries = database.statements.filter((sql) => sql.includes('"chat_sessions"'));
    expect(snapshotQueries, database.statements.join('\n\n')).toHaveLength(1);
    await ws.client.dispose();
  });
});
