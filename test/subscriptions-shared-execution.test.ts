import { describe, expect, vi } from 'vitest';
import type { Agent } from '../src/generated/prisma/client.js';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import type { TestServer } from './harness/server.js';
import { connectWs, type Subscription, subscribeSse, subscribeWs, type WsConnection } from './harness/subscriptions.js';

/**
 * Issue 10 §3: an event reaching N subscribers whose selection nests into the session
 * costs the same SQL whatever N, because subscribers with the same document, variables
 * and visibility share one execution per event (src/modules/activity/shared-execution.ts).
 */
const NestedFeed = graphql(`
  subscription NestedFeed {
    activityFeed {
      id type
      session { id currentStep quotesReceivedCount primaryQuote { totalPrice } agent { email } }
    }
  }
`);

const NestedSessionEvents = graphql(`
  subscription NestedSessionEvents($sessionId: ID!) {
    sessionEvents(sessionId: $sessionId) { id session { id currentStep primaryQuote { totalPrice } agent { email } } }
  }
`);

/**
 * What the server reads in the background, whatever N: the event stream's tail of the log
 * (one per batch per instance) and the revocation check of open streams' agents (every 2 s).
 */
const BACKGROUND_READS = [
  /FROM "public"\."session_events" AS "t0" WHERE "t0"\."id" > \$1 ORDER BY/,
  /"is_active" AS "isActive", "t0"\."role"::text FROM "public"\."iso_agents" AS "t0" WHERE "t0"\."id" IN/,
];

const it = base
  .extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '100' } })
  .extend('alice', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('bob', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('admin', { scope: 'file' }, async ({ database }) => createAgent(database.prisma, 'ADMIN'));

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string) {
  for (const started = Date.now(); !condition(); await settle(20)) {
    if (Date.now() - started > 20_000) throw new Error(`Timed out waiting until ${what}`);
  }
}

/**
 * `count` subscriptions of one viewer, at most 50 per socket, all attached to the event
 * stream before it returns (so their set-up statements are not counted as delivery).
 */
async function subscribers<TData, TVariables>(
  server: TestServer,
  agent: Agent,
  count: number,
  document: Parameters<typeof subscribeWs<TData, TVariables>>[1],
  variables: TVariables,
) {
  const events = server.app.events;
  const attachedBefore = events.subscriberCount;
  const token = await server.tokenFor(agent.authSubject);
  const sockets: WsConnection[] = [];
  const streams: Subscription<TData>[] = [];
  for (let index = 0; index < count; index++) {
    if (index % 50 === 0) sockets.push(connectWs(server.url, token));
    streams.push(subscribeWs(sockets[sockets.length - 1] as WsConnection, document, variables));
  }
  await until(() => events.subscriberCount >= attachedBefore + count, `${count} subscribers attached`);
  await settle(100);
  return {
    streams,
    close: async () => {
      await Promise.all(sockets.map((socket) => socket.client.dispose()));
      await until(() => events.subscriberCount <= attachedBefore, 'the subscribers detached');
    },
  };
}

/** The statements of `writeEvent`, the test's own (PGlite logs its COMMIT as a comment). */
const TEST_WRITE = /^(BEGIN|UPDATE|INSERT)|COMMIT|pg_advisory_xact_lock/;

/** A change written straight to the database, as the services write one (lock, event). */
async function writeEvent(database: TestDatabase, agent: Agent, sessionId: string) {
  await database.prisma.$transaction(async (tx) => {
    await tx.chatSession.update({ where: { id: sessionId }, data: { version: { increment: 1 } } });
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7402117001)`;
    await tx.sessionEvent.create({ data: { sessionId, agentId: agent.id, type: 'MESSAGE_RECORDED' } });
  });
}

/** The statements the server sent to deliver one event to every stream, its background reads aside. */
async function statementsToDeliver(
  database: TestDatabase,
  agent: Agent,
  sessionId: string,
  streams: Subscription<unknown>[],
) {
  const before = streams.map((stream) => stream.results.length);
  database.statements.length = 0;
  await writeEvent(database, agent, sessionId);
  await Promise.all(streams.map((stream, index) => stream.waitFor((before[index] ?? 0) + 1)));
  await settle(150);
  return database.statements.filter((sql) => !TEST_WRITE.test(sql) && !BACKGROUND_READS.some((read) => read.test(sql)));
}

describe('one execution per event for subscribers alike', () => {
  // Prisma batches look-ups made in one tick into one statement, so counting statements
  // alone would not tell a shared execution from a hundred batched ones: the statements
  // must be the very ones a single subscriber causes.
  it('sends the same statements for 1 and for 100 subscribers with a nested selection', async ({
    database,
    server,
    alice,
  }) => {
    const { session } = await createSessionGraph(database.prisma, alice, { quotes: 3 });

    const one = await subscribers(server, alice, 1, NestedFeed, {});
    const forOne = await statementsToDeliver(database, alice, session.id, one.streams);
    await one.close();

    const hundred = await subscribers(server, alice, 100, NestedFeed, {});
    const forHundred = await statementsToDeliver(database, alice, session.id, hundred.streams);

    expect(forOne).toHaveLength(1);
    expect(forHundred).toEqual(forOne);
    // Every subscriber got the whole nested result, the same one.
    const delivered = hundred.streams.map((stream) => stream.results.at(-1));
    for (const result of delivered) {
      expect(result?.errors).toBeUndefined();
      expect(result).toEqual(delivered[0]);
    }
    expect(delivered[0]?.data?.activityFeed?.session).toMatchObject({
      quotesReceivedCount: expect.any(Number),
      primaryQuote: { totalPrice: expect.any(String) },
      agent: { email: alice.email },
    });
    await hundred.close();
  });

  it('serialises each event once for all its subscribers, over WebSocket and SSE alike', async ({
    database,
    server,
    alice,
  }) => {
    const { session } = await createSessionGraph(database.prisma, alice);
    const { events } = server.app;
    const before = events.subscriberCount;
    const token = await server.tokenFor(alice.authSubject);
    const sse = await Promise.all(Array.from({ length: 5 }, () => subscribeSse(server.url, token, NestedFeed, {})));
    await until(() => events.subscriberCount >= before + sse.length, 'the SSE subscribers attached');
    const sockets = await subscribers(server, alice, 20, NestedFeed, {});
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      await writeEvent(database, alice, session.id);
      await Promise.all([...sse, ...sockets.streams].map((stream) => stream.waitFor(1)));
      // The server's serialisations of the event's result: the clients only parse.
      const serialised = stringify.mock.calls.filter(
        ([value]) => (value as { data?: { activityFeed?: unknown } } | null)?.data?.activityFeed !== undefined,
      );
      expect(serialised).toHaveLength(1);
    } finally {
      stringify.mockRestore();
    }
    const delivered = [...sse, ...sockets.streams].map((stream) => stream.results[0]);
    for (const result of delivered) expect(result).toEqual(delivered[0]);
    await Promise.all([sockets.close(), ...sse.map((stream) => stream.close())]);
  });

  it('shares sessionEvents the same way', async ({ database, server, alice }) => {
    const { session } = await createSessionGraph(database.prisma, alice);
    const variables = { sessionId: Buffer.from(`ChatSession:${session.id}`).toString('base64') };

    const one = await subscribers(server, alice, 1, NestedSessionEvents, variables);
    const forOne = await statementsToDeliver(database, alice, session.id, one.streams);
    await one.close();
    const forty = await subscribers(server, alice, 40, NestedSessionEvents, variables);
    const forForty = await statementsToDeliver(database, alice, session.id, forty.streams);
    await forty.close();

    expect(forOne).toHaveLength(1);
    expect(forForty).toEqual(forOne);
  });

  it('executes once per visibility: an agent’s subscribers share, admins share, no one else', async ({
    database,
    server,
    alice,
    bob,
    admin,
  }) => {
    const { session } = await createSessionGraph(database.prisma, alice);
    const measureAlone = async (agent: Agent) => {
      const alone = await subscribers(server, agent, 1, NestedFeed, {});
      const statements = await statementsToDeliver(database, alice, session.id, alone.streams);
      await alone.close();
      return statements;
    };
    const aliceAlone = await measureAlone(alice);
    const adminAlone = await measureAlone(admin);

    const alices = await subscribers(server, alice, 20, NestedFeed, {});
    const bobs = await subscribers(server, bob, 20, NestedFeed, {});
    const admins = await subscribers(server, admin, 20, NestedFeed, {});
    const together = await statementsToDeliver(database, alice, session.id, [...alices.streams, ...admins.streams]);

    // Alice's group and the admins' each executed once, as one of them alone would have.
    expect([...together].sort()).toEqual([...aliceAlone, ...adminAlone].sort());
    expect(aliceAlone).not.toEqual(adminAlone);
    // Bob may not see Alice's session: his subscribers got nothing, and cost nothing.
    expect(bobs.streams.every((stream) => stream.results.length === 0)).toBe(true);
    await Promise.all([alices.close(), bobs.close(), admins.close()]);
  });
});
