import { createClient } from 'graphql-ws';
import { describe, expect } from 'vitest';
import WebSocket from 'ws';
import type { Agent } from '../src/generated/prisma/client.js';
import { encodeEventCursor } from '../src/modules/activity/event-cursor.js';
import { graphql } from './generated/index.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute, expectData } from './harness/graphql.js';
import { startTestServer } from './harness/server.js';
import { connectWs, subscribeSse, subscribeWs } from './harness/subscriptions.js';

const SessionEvents = graphql(`
  subscription SessionEvents($sessionId: ID!, $after: String) {
    sessionEvents(sessionId: $sessionId, after: $after) { id cursor type data session { id } }
  }
`);

const ActivityFeed = graphql(`
  subscription ActivityFeed($after: String, $filter: ActivityFilter) {
    activityFeed(after: $after, filter: $filter) { id cursor type session { id agent { email } } }
  }
`);

const SessionUpdated = graphql(`
  subscription SessionUpdated($id: ID!) {
    sessionUpdated(id: $id) { id version messageCount conversation { messages(first: 1) { edges { node { content } } } } }
  }
`);

/** Every field an event has of its own: all of it comes from the streamed row. */
const EventFields = graphql(`
  subscription EventFields($after: String) {
    activityFeed(after: $after) { id cursor type fromStep toStep fromStatus toStatus data actorId createdAt }
  }
`);

const RecordMessage = graphql(`
  mutation RecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) {
      __typename
      ... on RecordMessagePayload { session { version } }
      ... on Error { message }
    }
  }
`);

const sessionGlobalId = (id: string) => Buffer.from(`ChatSession:${id}`).toString('base64');

const it = base
  .extend('alice', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('bob', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  /** Records an agent's message on the session, as the integration does. */
  .extend('say', { scope: 'file' }, async ({ server }) => async (sessionId: string, content: string) => {
    const data = await expectData(
      server.url,
      RecordMessage,
      { input: { sessionId: sessionGlobalId(sessionId), senderType: 'AGENT', content } },
      await server.serviceToken(),
    );
    expect(data.recordMessage.__typename).toBe('RecordMessagePayload');
  });

describe('live events over both transports', () => {
  it('streams one session over WebSocket and the feed over SSE', async ({ server, database, alice, say }) => {
    const { session } = await createSessionGraph(database.prisma, alice);
    const token = await server.tokenFor(alice.authSubject);
    const ws = connectWs(server.url, token);
    const perSession = subscribeWs(ws, SessionEvents, { sessionId: sessionGlobalId(session.id) });
    const feed = await subscribeSse(server.url, token, ActivityFeed, {});
    expect(feed.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));

    await say(session.id, 'first');
    await say(session.id, 'second');

    const wsResults = await perSession.waitFor(2);
    const sseResults = await feed.waitFor(2);
    expect(wsResults.map((result) => result.data?.sessionEvents.type)).toEqual([
      'MESSAGE_RECORDED',
      'MESSAGE_RECORDED',
    ]);
    expect(sseResults.map((result) => result.data?.activityFeed.id)).toEqual(
      wsResults.map((result) => result.data?.sessionEvents.id),
    );
    await perSession.close();
    await feed.close();
    await ws.client.dispose();
  });

  it('resolves sessionUpdated with its nested selection', async ({ server, database, alice, say }) => {
    const { session } = await createSessionGraph(database.prisma, alice, { messages: 0 });
    const ws = connectWs(server.url, await server.tokenFor(alice.authSubject));
    const updates = subscribeWs(ws, SessionUpdated, { id: sessionGlobalId(session.id) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await say(session.id, 'hello there');
    const [update] = await updates.waitFor(1);
    expect(update?.data?.sessionUpdated.messageCount).toBe(1);
    expect(update?.data?.sessionUpdated.conversation.messages.edges[0]?.node.content).toBe('hello there');
    await ws.client.dispose();
  });
});

describe('event fields', () => {
  it.for([
    ['WebSocket', 'ws'],
    ['Server-Sent Events', 'sse'],
  ] as const)(
    'resolve from the streamed event, with no query per event (%s)',
    async ([, transport], { server, database, alice }) => {
      const { session } = await createSessionGraph(database.prisma, alice);
      const token = await server.tokenFor(alice.authSubject);
      const newest = await database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
      const variables = { after: encodeEventCursor(newest?.id ?? 0n) };
      const ws = transport === 'ws' ? connectWs(server.url, token) : undefined;
      const feed = ws
        ? subscribeWs(ws, EventFields, variables)
        : await subscribeSse(server.url, token, EventFields, variables);
      await expect.poll(() => server.app.events.subscriberCount).toBeGreaterThan(0);
      const events = 20;
      await database.prisma.sessionEvent.createMany({
        data: Array.from({ length: events }, (_, index) => ({
          sessionId: session.id,
          agentId: alice.id,
          type: 'STEP_CHANGED' as const,
          fromStep: 'SEARCHING_AIRCRAFT' as const,
          toStep: 'REQUESTING_QUOTES' as const,
          data: { index },
          actorId: 'service:test',
        })),
      });
      database.statements.length = 0;
      await server.app.events.catchUp();
      const results = await feed.waitFor(events);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(results.filter((result) => result.errors)).toEqual([]);
      expect(
        results.map((result) => (result.data?.activityFeed.data as { index?: number } | undefined)?.index),
      ).toEqual(Array.from({ length: events }, (_, index) => index));
      expect(results[0]?.data?.activityFeed).toMatchObject({ type: 'STEP_CHANGED', toStep: 'REQUESTING_QUOTES' });
      // The stream's own batch read, and nothing per event. The revocation check of open streams
      // re-reads their agents every few seconds, whatever the events: not counted.
      const eventQueries = database.statements.filter(
        (sql) => !/^(BEGIN|COMMIT)/.test(sql) && !/FROM "public"\."iso_agents"/.test(sql),
      );
      expect(eventQueries.length, eventQueries.join('\n\n')).toBeLessThanOrEqual(2);
      await feed.close();
      await ws?.client.dispose();
    },
  );
});

describe('authorization', () => {
  it('refuses a socket without a valid token with close code 4403', async ({ server }) => {
    const missing = connectWs(server.url, undefined);
    expect((await missing.closed).code).toBe(4403);
    const forged = connectWs(server.url, 'forged.token.value');
    expect((await forged.closed).code).toBe(4403);
  });

  it('accepts the token under connectionParams.headers, as GraphQL Tools clients send it', async ({
    server,
    database,
    alice,
    say,
  }) => {
    const { session } = await createSessionGraph(database.prisma, alice);
    const token = await server.tokenFor(alice.authSubject);
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { headers: { Authorization: `Bearer ${token}` } },
    });
    const received = new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        {
          query: 'subscription ($id: ID!) { sessionEvents(sessionId: $id) { type } }',
          variables: { id: sessionGlobalId(session.id) },
        },
        { next: (result) => resolve(result), error: reject, complete: () => {} },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await say(session.id, 'nested token');
    expect(await received).toEqual({ data: { sessionEvents: { type: 'MESSAGE_RECORDED' } } });
    await client.dispose();
  });

  it('closes the socket with 4403 when the token expires', async ({ server, alice }) => {
    const ws = connectWs(server.url, await server.tokenFor(alice.authSubject, { expiresIn: '2s' }));
    const closed = await ws.closed;
    expect(closed.code).toBe(4403);
  });

  it('answers an SSE subscription without a token with 401', async ({ server }) => {
    const feed = await subscribeSse(server.url, undefined, ActivityFeed, {});
    expect(feed.status).toBe(401);
    await feed.close();
  });

  it("never carries another agent's events, event by event", async ({ server, database, alice, bob, say }) => {
    const aliceSession = (await createSessionGraph(database.prisma, alice)).session;
    const bobSession = (await createSessionGraph(database.prisma, bob)).session;
    const aliceWs = connectWs(server.url, await server.tokenFor(alice.authSubject));
    const bobWs = connectWs(server.url, await server.tokenFor(bob.authSubject));
    const aliceFeed = subscribeWs(aliceWs, ActivityFeed, {});
    const bobFeed = subscribeWs(bobWs, ActivityFeed, {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = await database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' } });

    for (let round = 0; round < 5; round++) {
      await say(aliceSession.id, `alice ${round}`);
      await say(bobSession.id, `bob ${round}`);
    }
    const aliceResults = await aliceFeed.waitFor(5);
    const bobResults = await bobFeed.waitFor(5);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const stored = await database.prisma.sessionEvent.findMany({
      where: { id: { gt: started?.id ?? 0n } },
      orderBy: { id: 'asc' },
    });
    const expectedFor = (agent: Agent) =>
      stored
        .filter((event) => event.agentId === agent.id)
        .map((event) => Buffer.from(`SessionEvent:${event.id}`).toString('base64'));
    expect(aliceResults.map((result) => result.data?.activityFeed.id)).toEqual(expectedFor(alice));
    expect(bobResults.map((result) => result.data?.activityFeed.id)).toEqual(expectedFor(bob));
    expect(aliceResults.every((result) => result.data?.activityFeed.session.agent.email === alice.email)).toBe(true);

    const bobSpying = subscribeWs(aliceWs, SessionEvents, { sessionId: sessionGlobalId(bobSession.id) });
    const [refusal] = await bobSpying.waitFor(1);
    expect(refusal?.errors?.[0]?.message).toMatch(/not found/i);
    await aliceWs.client.dispose();
    await bobWs.client.dispose();
  });
});

describe('resuming from a cursor', () => {
  it('replays stored events after the cursor, then continues live, with no gap or duplicate', async ({
    server,
    database,
    alice,
    say,
  }) => {
    const { session } = await createSessionGraph(database.prisma, alice);
    const token = await server.tokenFor(alice.authSubject);
    for (let index = 0; index < 6; index++) await say(session.id, `before ${index}`);
    const stored = await database.prisma.sessionEvent.findMany({
      where: { sessionId: session.id },
      orderBy: { id: 'asc' },
    });
    const ws = connectWs(server.url, token);
    // The first subscription hands out cursors; resume after the third event.
    const first = subscribeWs(ws, SessionEvents, { sessionId: sessionGlobalId(session.id) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await say(session.id, 'live 0');
    const [live] = await first.waitFor(1);
    await first.close();
    const third = stored[2];
    const cursorOfThird = Buffer.from(`evt:${third?.id}`).toString('base64url');

    const resumed = subscribeWs(ws, SessionEvents, { sessionId: sessionGlobalId(session.id), after: cursorOfThird });
    // Events committed while the replay runs must appear exactly once too.
    const during = Promise.all([say(session.id, 'live 1'), say(session.id, 'live 2')]);
    await during;
    const all = await database.prisma.sessionEvent.findMany({
      where: { sessionId: session.id, id: { gt: third?.id } },
      orderBy: { id: 'asc' },
    });
    const results = await resumed.waitFor(all.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.results.map((result) => result.data?.sessionEvents.id)).toEqual(
      all.map((event) => Buffer.from(`SessionEvent:${event.id}`).toString('base64')),
    );
    expect(results.some((result) => result.data?.sessionEvents.id === live?.data?.sessionEvents.id)).toBe(true);
    await ws.client.dispose();
  });

  it('rejects a malformed cursor with a clear error', async ({ server, database, alice }) => {
    const { session } = await createSessionGraph(database.prisma, alice);
    const feed = await subscribeSse(server.url, await server.tokenFor(alice.authSubject), SessionEvents, {
      sessionId: sessionGlobalId(session.id),
      after: 'not-a-cursor',
    });
    const [result] = await feed.waitFor(1);
    expect(result?.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    await feed.close();
  });
});

describe.skipIf(!process.env['TEST_DATABASE_URL'])('events committed out of id order (PostgreSQL)', () => {
  it('delivers both, in id order, exactly once, while an earlier transaction is held open', async ({
    server,
    database,
    alice,
    say,
  }) => {
    // Two sessions, so the writers do not meet on a session row lock: only the
    // event-stream lock can keep the later commit from overtaking the earlier id.
    const first = (await createSessionGraph(database.prisma, alice)).session;
    const second = (await createSessionGraph(database.prisma, alice)).session;
    const ws = connectWs(server.url, await server.tokenFor(alice.authSubject));
    const stream = subscribeWs(ws, ActivityFeed, {});
    await new Promise((resolve) => setTimeout(resolve, 200));

    // A writer that took its event id first and has not committed yet, writing its
    // event exactly as the service does (stream lock, then insert).
    const pg = (await import('pg')).default;
    const held = new pg.Client({ connectionString: database.url });
    await held.connect();
    await held.query('BEGIN');
    await held.query('SELECT pg_advisory_xact_lock(7402117001)');
    const { rows } = await held.query(
      `INSERT INTO session_events (session_id, iso_agent_id, type, data) VALUES ($1, $2, 'RFQS_SENT', '{}') RETURNING id`,
      [first.id, alice.id],
    );
    const heldId = BigInt(rows[0].id);

    // A later mutation tries to commit while the first is still open...
    const later = say(second.id, 'committed second');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.app.events.catchUp();
    // ...and only then the first one commits.
    await held.query('COMMIT');
    await held.end();
    await later;

    const results = await stream.waitFor(2, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const ids = stream.results.map((result) =>
      BigInt(
        Buffer.from(result.data?.activityFeed.id ?? '', 'base64')
          .toString()
          .split(':')[1] ?? '0',
      ),
    );
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(heldId);
    expect(ids[1]).toBeGreaterThan(heldId);
    expect(results.map((result) => result.data?.activityFeed.type)).toEqual(['RFQS_SENT', 'MESSAGE_RECORDED']);
    await ws.client.dispose();
  });
});

describe('shutdown', () => {
  it('completes subscriptions cleanly when the server stops', async ({ database, alice }) => {
    const own = await startTestServer(database);
    const { session } = await createSessionGraph(database.prisma, alice);
    const token = await own.tokenFor(alice.authSubject);
    const ws = connectWs(own.url, token);
    const wsStream = subscribeWs(ws, SessionEvents, { sessionId: sessionGlobalId(session.id) });
    const sse = await subscribeSse(own.url, token, ActivityFeed, {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    await own.stop();
    await Promise.all([wsStream.completed, sse.completed]);
    expect(wsStream.results.filter((result) => result.errors)).toEqual([]);
    expect(sse.sawComplete(), 'the SSE stream ended with `event: complete`, not a dropped connection').toBe(true);
    expect(sse.results.filter((result) => result.errors)).toEqual([]);
    const result = await execute(own.url, '{ viewer { id } }', undefined, token).catch((error: Error) => error);
    expect(result).toBeInstanceOf(Error);
  });
});
