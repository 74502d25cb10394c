import type { ExecutionResult } from 'graphql';
import pg from 'pg';
import { describe, expect } from 'vitest';
import type { ChatSession, SessionEvent } from '../src/generated/prisma/client.js';
import { encodeEventCursor } from '../src/modules/activity/event-cursor.js';
import { graphql } from './generated/index.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { startTestServer } from './harness/server.js';
import { pause, provideDatabase } from './harness/services.js';
import { connectWs, type Subscription, subscribeSse, subscribeWs, type WsConnection } from './harness/subscriptions.js';
import { as, globalId, RecordMessage } from './harness/workflow.js';

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

const it = base
  /**
   * PostgreSQL even without TEST_DATABASE_URL (then on a cluster of the test's own): the fault
   * is a lock and terminated backends. The server and the agent below are on it; the shared
   * `database` fixture (PGlite without TEST_DATABASE_URL) is not used in this file.
   */
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern; it has none
  .extend('provided', { scope: 'file' }, async ({}, { onCleanup }) => {
    const provided = await provideDatabase();
    onCleanup(() => provided.drop());
    return provided;
  })
  // The harness opens the database without a statement timeout: the blocked reads wait until the test terminates them.
  .extend('server', { scope: 'file' }, async ({ provided }, { onCleanup }) => {
    const server = await startTestServer(provided.database);
    onCleanup(() => server.stop());
    return server;
  })
  .extend('agent', { scope: 'file' }, async ({ provided }) => createAgent(provided.database.prisma))
  /** A connection of the test's own: it holds the lock, watches who waits, and terminates them. */
  .extend('admin', { scope: 'file' }, async ({ provided }, { onCleanup }) => {
    const admin = new pg.Client({ connectionString: provided.url });
    await admin.connect();
    onCleanup(() => admin.end());
    return admin;
  });

/** The server's statements waiting for a lock in this database. */
async function blocked(admin: pg.Client): Promise<{ pid: number; query: string }[]> {
  const { rows } = await admin.query<{ pid: number; query: string }>(
    `SELECT pid, query FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
  );
  return rows;
}

/** How many snapshot reads and event reads wait. */
async function waitingReads(admin: pg.Client): Promise<{ snapshots: number; events: number }> {
  const waiting = await blocked(admin);
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
const all = (streams: Streams) => [streams.feed, streams.events, streams.snapshots];

/** What the steps of one transport's scenario hand on to the next. */
type Scenario = {
  session: ChatSession;
  sessionId: string;
  say: (content: string) => Promise<unknown>;
  ws: WsConnection | undefined;
  subscribe: <T, V>(document: Parameters<typeof subscribeWs<T, V>>[1], variables: V) => Promise<Subscription<T>>;
  /** The newest event before the scenario: what came after it is the scenario's. */
  baseline: bigint;
  first: Streams;
  /** The cursor of the last event the first streams had whole before the fault. */
  lastDelivered: string | undefined;
  resumed: Streams;
  stored: SessionEvent[];
};

describe.each(['WebSocket', 'Server-Sent Events'] as const)(
  'a nested field the database cannot answer (%s)',
  (transport) => {
    // Filled in by the steps below, which run in order, each on what the one before left.
    const scenario = {} as Scenario;

    it('delivers the first two changes whole, one at a time, on all three streams', async ({
      provided,
      server,
      agent,
      token,
      integration,
    }) => {
      const { session } = await createSessionGraph(provided.database.prisma, agent, { messages: 0 });
      const sessionId = globalId('ChatSession', session.id);
      const say = async (content: string) =>
        as(
          (await integration(RecordMessage, { input: { sessionId, senderType: 'AGENT', content } })).recordMessage,
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
      const baseline = (await provided.database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0n;
      const start = encodeEventCursor(baseline);

      const first = await open(start);
      Object.assign(scenario, { session, sessionId, say, ws, subscribe, baseline, first });
      await expect.poll(() => server.app.events.subscriberCount, { timeout: 10_000 }).toBe(3);
      // Delivered whole, one at a time (a snapshot may show several changes at once).
      for (let index = 1; index <= 2; index++) {
        await say(`before ${index}`);
        await Promise.all(all(first).map((stream) => stream.waitFor(index)));
      }
      scenario.lastDelivered = eventResults(first.feed).at(-1)?.data?.activityFeed.cursor;
    });

    it('makes one nested read of the legs per stream wait on the lock, and terminates those reads', async ({
      admin,
    }) => {
      const { say } = scenario;
      // The fault: reads of the legs wait on a lock, and are terminated while they wait.
      await admin.query('BEGIN');
      try {
        await admin.query('LOCK TABLE request_legs IN ACCESS EXCLUSIVE MODE');
        for (let index = 1; index <= 3; index++) await say(`during ${index}`);
        // One read per stream waits. (The two event streams select differently, so that Prisma
        // cannot batch their reads into one statement.)
        await expect.poll(() => waitingReads(admin), { timeout: 10_000 }).toEqual({ snapshots: 1, events: 2 });
        for (const { pid } of await blocked(admin)) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      } finally {
        await admin.query('ROLLBACK');
      }
    });

    it('ends each stream with STREAM_INTERRUPTED and the cursor of the last event delivered whole', async () => {
      const { first, lastDelivered } = scenario;
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
    });

    it('resumes each stream from the cursor its error carries, and a change after that arrives live', async ({
      provided,
    }) => {
      const { first, sessionId, say, subscribe, baseline } = scenario;
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
      scenario.resumed = resumed;
      await Promise.all([resumed.feed.waitFor(3), resumed.events.waitFor(3), resumed.snapshots.waitFor(1)]);
      await say('after');
      const stored = await provided.database.prisma.sessionEvent.findMany({
        where: { id: { gt: baseline } },
        orderBy: { id: 'asc' },
      });
      scenario.stored = stored;
      expect(stored).toHaveLength(6);
      await Promise.all([resumed.feed.waitFor(4), resumed.events.waitFor(4), resumed.snapshots.waitFor(2)]);
      await pause(300);
    });

    it('gives the feed and the session events every event exactly once, in order, across the interruption', () => {
      const { first, resumed, stored } = scenario;
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
    });

    it('resumes the snapshots at the state the missed changes led to, then the live change', async ({ provided }) => {
      const { first, resumed, session } = scenario;
      // Snapshots: the two before the fault, then the state the missed changes led to, then the live one.
      const versions = [...eventResults(first.snapshots), ...resumed.snapshots.results].map(
        (result) => result.data?.sessionUpdated.version,
      );
      const current = await provided.database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } });
      expect(versions).toEqual([session.version + 1, session.version + 2, current.version - 1, current.version]);
      expect(resumed.snapshots.results.every((result) => !result.errors)).toBe(true);
    });

    it('leaves no subscriber attached once its streams are closed', async ({ server }) => {
      const { first, resumed, ws } = scenario;
      for (const stream of [...all(first), ...all(resumed)]) await stream.close();
      await ws?.client.dispose();
      await expect.poll(() => server.app.events.subscriberCount).toBe(0);
    });
  },
);
