import type { ExecutionResult } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../src/generated/prisma/client.js';
import { encodeEventCursor } from '../src/modules/activity/event-cursor.js';
import { graphql } from './generated/index.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { startTestServer, type TestServer } from './harness/server.js';
import { type ProvidedDatabase, pause, provideDatabase } from './harness/services.js';
import { connectWs, type Subscription, subscribeSse, subscribeWs } from './harness/subscriptions.js';
import { as, callerFor, globalId, RecordMessage } from './harness/workflow.js';

/**
 * An event whose nested fields the database cannot answer is never lost: the stream
 * ends with STREAM_INTERRUPTED and the cursor of the last event delivered whole, and a
 * subscriber that resumes from it has every event exactly once.
 *
 * The fault is real and aimed at delivery only: the trip's legs table is locked, so
 * every subscriber's nested read of the legs waits on the lock (mutations and the event
 * log do not touch that table), and those waiting backends are terminated, as an
 * operator's `pg_terminate_backend` or a failover would.
 */

const Feed = graphql(`
  subscription FaultFeed($after: String) {
    activityFeed(after: $after) { id cursor type session { id agent { email } request { legs { departureAirport } } } }
  }
`);

const OneSession = graphql(`
  subscription FaultSessionEvents($sessionId: ID!, $after: String) {
    sessionEvents(sessionId: $sessionId, after: $after) { id cursor type session { request { legs { arrivalAirport } } } }
  }
`);

const Snapshots = graphql(`
  subscription FaultSessionUpdated($id: ID!, $after: String) {
    sessionUpdated(id: $id, after: $after) { id version messageCount request { legs { departureAirport } } }
  }
`);

let provided: ProvidedDatabase;
let server: TestServer;
let agent: Agent;
let admin: pg.Client;

beforeAll(async () => {
  provided = await provideDatabase();
  // Long enough that the blocked reads are still waiting when the test terminates them.
  server = await startTestServer(provided.database, { STATEMENT_TIMEOUT_MS: '60000' });
  agent = await createAgent(provided.database.prisma);
  admin = new pg.Client({ connectionString: provided.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
  await provided?.drop();
});

/** The server's statements waiting for a lock in this database. */
async function blocked(): Promise<{ pid: number; query: string }[]> {
  const { rows } = await admin.query<{ pid: number; query: string }>(
    `SELECT pid, query FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
  );
  return rows;
}

/** How many snapshot reads and event reads wait. */
async function waitingReads(): Promise<{ snapshots: number; events: number }> {
  const waiting = await blocked();
  const from = (table: string) => waiting.filter(({ query }) => query.includes(`FROM "public"."${table}" AS "t0"`));
  return { snapshots: from('chat_sessions').length, events: from('session_events').length };
}

type Streams = {
  feed: Subscription<{ activityFeed: { id: string; cursor: string } }>;
  events: Subscription<{ sessionEvents: { id: string; cursor: string } }>;
  snapshots: Subscription<{ sessionUpdated: { version: number } }>;
};

const eventResults = <T>(subscription: Subscription<T>) => subscription.results.filter((result) => result.data);
const lastError = (subscription: Subscription<unknown>) => subscription.results.at(-1)?.errors?.[0];

describe.each(['WebSocket', 'Server-Sent Events'] as const)(
  'a nested field the database cannot answer (%s)',
  (transport) => {
    it('ends each stream with STREAM_INTERRUPTED at the last delivered cursor; resuming delivers every event once', async () => {
      const { session } = await createSessionGraph(provided.database.prisma, agent, { messages: 0 });
      const sessionId = globalId('ChatSession', session.id);
      const token = await server.tokenFor(agent.authSubject);
      const call = callerFor(server, await server.serviceToken());
      const say = async (content: string) =>
        as(
          (await call(RecordMessage, { input: { sessionId, senderType: 'AGENT', content } })).recordMessage,
          'RecordMessagePayload',
        );
      const ws = transport === 'WebSocket' ? connectWs(server.url, token) : undefined;
      const subscribe = <T, V>(document: Parameters<typeof subscribeWs<T, V>>[1], variables: V) =>
        ws
          ? Promise.resolve(subscribeWs(ws, document, variables))
          : subscribeSse(server.url, token, document, variables);
      const open = async (after: string): Promise<Streams> => ({
        feed: await subscribe(Feed, { after }),
        events: await subscribe(OneSession, { sessionId, after }),
        snapshots: await subscribe(Snapshots, { id: sessionId, after }),
      });
      const all = (streams: Streams) => [streams.feed, streams.events, streams.snapshots];
      const baseline = (await provided.database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0n;
      const start = encodeEventCursor(baseline);

      const first = await open(start);
      await expect.poll(() => server.app.events.subscriberCount, { timeout: 10_000 }).toBe(3);
      // Delivered whole, one at a time (a snapshot may show several changes at once).
      for (let index = 1; index <= 2; index++) {
        await say(`before ${index}`);
        await Promise.all(all(first).map((stream) => stream.waitFor(index)));
      }
      const lastDelivered = eventResults(first.feed).at(-1)?.data?.activityFeed.cursor;

      // The fault: reads of the legs wait on a lock, and are terminated while they wait.
      await admin.query('BEGIN');
      try {
        await admin.query('LOCK TABLE request_legs IN ACCESS EXCLUSIVE MODE');
        for (let index = 1; index <= 3; index++) await say(`during ${index}`);
        // One read per stream waits. (The two event streams select differently, so that Prisma
        // cannot batch their reads into one statement.)
        await expect.poll(waitingReads, { timeout: 10_000 }).toEqual({ snapshots: 1, events: 2 });
        for (const { pid } of await blocked()) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      } finally {
        await admin.query('ROLLBACK');
      }
      await Promise.all(all(first).map((stream) => stream.waitFor(3)));

      for (const stream of all(first)) {
        expect(stream.results, JSON.stringify(stream.results)).toHaveLength(3);
        expect(stream.results.slice(0, 2).every((result) => !result.errors)).toBe(true);
        expect(lastError(stream)?.extensions).toEqual({
          code: 'STREAM_INTERRUPTED',
          reason: 'DATABASE_UNAVAILABLE',
          resumeAfter: lastDelivered,
        });
      }
      await Promise.all(all(first).map((stream) => stream.completed));

      // Each resumes from the cursor its error carries, and a change after that arrives live.
      const resumed: Streams = {
        feed: await subscribe(Feed, { after: String(lastError(first.feed)?.extensions?.['resumeAfter']) }),
        events: await subscribe(OneSession, {
          sessionId,
          after: String(lastError(first.events)?.extensions?.['resumeAfter']),
        }),
        snapshots: await subscribe(Snapshots, {
          id: sessionId,
          after: String(lastError(first.snapshots)?.extensions?.['resumeAfter']),
        }),
      };
      await Promise.all([resumed.feed.waitFor(3), resumed.events.waitFor(3), resumed.snapshots.waitFor(1)]);
      await say('after');
      const stored = await provided.database.prisma.sessionEvent.findMany({
        where: { id: { gt: baseline } },
        orderBy: { id: 'asc' },
      });
      expect(stored).toHaveLength(6);
      await Promise.all([resumed.feed.waitFor(4), resumed.events.waitFor(4), resumed.snapshots.waitFor(2)]);
      await pause(300);

      const expected = stored.map((event) => globalId('SessionEvent', event.id.toString()));
      const ids = (results: ExecutionResult<object>[]) =>
        results.map(
          (result) =>
            (Object.values(result.data ?? {})[0] as { id?: string } | undefined)?.id ?? JSON.stringify(result),
        );
      const pairs: [Subscription<object>, Subscription<object>][] = [
        [first.feed, resumed.feed],
        [first.events, resumed.events],
      ];
      for (const [before, after] of pairs) {
        expect(after.results.filter((result) => result.errors)).toEqual([]);
        expect([...ids(eventResults(before)), ...ids(after.results)]).toEqual(expected);
      }
      // Snapshots: the two before the fault, then the state the missed changes led to, then the live one.
      const versions = [...eventResults(first.snapshots), ...resumed.snapshots.results].map(
        (result) => result.data?.sessionUpdated.version,
      );
      const current = await provided.database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } });
      expect(versions).toEqual([session.version + 1, session.version + 2, current.version - 1, current.version]);
      expect(resumed.snapshots.results.every((result) => !result.errors)).toBe(true);

      for (const stream of [...all(first), ...all(resumed)]) await stream.close();
      await ws?.client.dispose();
      await expect.poll(() => server.app.events.subscriberCount).toBe(0);
    });
  },
);
