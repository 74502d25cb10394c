import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import type { Agent } from '../src/generated/prisma/client.js';
import { graphql } from './generated/index.js';
import { createTestDatabase, type TestDatabase } from './harness/database.js';
import { createAgent, unique } from './harness/factories.js';
import { expectData } from './harness/graphql.js';
import { pause, type ServerProcess, startServerProcess } from './harness/services.js';
import { connectWs, type Subscription, subscribeWs, type WsConnection } from './harness/subscriptions.js';
import { globalId, uuidOf } from './harness/workflow.js';

/**
 * Two real server processes on one database and one Redis: what a subscriber on
 * instance A sees of mutations served by instance B. Redis carries only pokes; the
 * events come from the database, so this proves the poke path end to end (latency
 * well under the 1 s poll) as well as exactly-once, in-order delivery across instances.
 */
const databaseServer = process.env['TEST_DATABASE_URL'];
const redisUrl = process.env['TEST_REDIS_URL'];
const JWT_SECRET = randomBytes(32).toString('hex');
const auth = loadConfig({ NODE_ENV: 'test', JWT_SECRET }).auth;

const FeedEvents = graphql(`
  subscription ScaleOutFeed {
    activityFeed { id cursor type data session { id } }
  }
`);

const OneSessionEvents = graphql(`
  subscription ScaleOutSessionEvents($sessionId: ID!) {
    sessionEvents(sessionId: $sessionId) { id cursor type data }
  }
`);

const StartSession = graphql(`
  mutation ScaleOutStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } ... on Error { message } }
  }
`);

const CaptureTripRequest = graphql(`
  mutation ScaleOutCaptureTripRequest($input: CaptureTripRequestInput!) {
    captureTripRequest(input: $input) { __typename ... on Error { message } }
  }
`);

const LinkAvinodeTrip = graphql(`
  mutation ScaleOutLinkAvinodeTrip($input: LinkAvinodeTripInput!) {
    linkAvinodeTrip(input: $input) { __typename ... on Error { message } }
  }
`);

const RecordMessage = graphql(`
  mutation ScaleOutRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on RecordMessagePayload { recorded: message { id } } ... on Error { message } }
  }
`);

const ReceiveQuote = graphql(`
  mutation ScaleOutReceiveQuote($input: ReceiveQuoteInput!) {
    receiveQuote(input: $input) { __typename ... on ReceiveQuotePayload { quote { id } } ... on Error { message } }
  }
`);

/**
 * Receipt times next to the results: the harness appends each result to `results`,
 * so stamping each append records when it arrived without a second client.
 */
function timed<T>(subscription: Subscription<T>) {
  const receivedAt: number[] = [];
  const original = subscription.results.push.bind(subscription.results);
  subscription.results.push = (...items) => {
    for (const _ of items) receivedAt.push(performance.now());
    return original(...items);
  };
  return Object.assign(subscription, { receivedAt });
}

const eventNumber = (globalId: string | undefined) =>
  BigInt(
    Buffer.from(globalId ?? '', 'base64')
      .toString()
      .split(':')[1] ?? '-1',
  );

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

describe.skipIf(!databaseServer || !redisUrl)('two instances behind one Redis', () => {
  let database: TestDatabase;
  let instanceA: ServerProcess;
  let instanceB: ServerProcess;
  let agent: Agent;
  let agentToken: string;
  let adminToken: string;
  let connectionA: WsConnection;
  let connectionB: WsConnection;

  beforeAll(async () => {
    database = await createTestDatabase();
    if (!database.url) throw new Error('TEST_DATABASE_URL is set but the test database has no URL');
    agent = await createAgent(database.prisma);
    const admin = await createAgent(database.prisma, 'ADMIN');
    agentToken = await signToken(auth, { subject: agent.authSubject });
    adminToken = await signToken(auth, { subject: admin.authSubject });
    // Started together, as a rolling deploy would: both run the (no-op) migration step at once.
    const environment = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl as string,
      JWT_SECRET,
      SHUTDOWN_TIMEOUT_MS: '3000',
    };
    [instanceA, instanceB] = await Promise.all([
      startServerProcess('A', environment),
      startServerProcess('B', environment),
    ]);
  });

  afterAll(async () => {
    await connectionA?.client.dispose();
    await connectionB?.client.dispose();
    for (const instance of [instanceA, instanceB]) await instance?.stop().catch(() => instance.child.kill('SIGKILL'));
    await database?.drop();
  });

  it('delivers every event committed through B to subscribers on A, once, in id order, within milliseconds', async () => {
    expect(instanceA.url).not.toBe(instanceB.url);
    const onB = <T, V>(document: TypedDocumentNode<T, V>, variables: V) =>
      expectData(instanceB.url, document, variables, agentToken);

    // A session waiting for quotes, and a second one whose events only the feed may carry.
    const openSession = async () => {
      const started = (await onB(StartSession, { input: { subject: unique('Scale-out ') } })).startSession;
      if (started.__typename !== 'StartSessionPayload') throw new Error(JSON.stringify(started));
      const id = started.session.id;
      const tag = unique();
      const legs = [{ departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2026-12-10T14:00:00Z' }];
      expect(
        (await onB(CaptureTripRequest, { input: { sessionId: id, tripType: 'ONE_WAY', passengers: 4, legs } }))
          .captureTripRequest.__typename,
      ).toBe('CaptureTripRequestPayload');
      const link = { sessionId: id, avinodeTripId: `atrip-${tag}`, avinodeRfqId: `arfq-${tag}` };
      expect((await onB(LinkAvinodeTrip, { input: link })).linkAvinodeTrip.__typename).toBe('LinkAvinodeTripPayload');
      return id;
    };
    const watched = await openSession();
    const other = await openSession();

    connectionA = connectWs(instanceA.url, adminToken);
    const agentConnectionA = connectWs(instanceA.url, agentToken);
    connectionB = connectWs(instanceB.url, adminToken);
    const feedA = timed(subscribeWs(connectionA, FeedEvents, {}));
    const sessionA = timed(subscribeWs(agentConnectionA, OneSessionEvents, { sessionId: watched }));
    // The same feed on B: both instances must hand out the same sequence.
    const feedB = subscribeWs(connectionB, FeedEvents, {});
    const streams = [feedA, sessionA, feedB];

    // Subscriptions without a cursor start "from now on"; probe until each is live.
    for (let attempt = 0; streams.some((stream) => stream.results.length === 0); attempt++) {
      if (attempt === 30)
        throw new Error(`subscriptions never went live: ${streams.map((stream) => stream.results.length)}`);
      await onB(RecordMessage, { input: { sessionId: watched, senderType: 'SYSTEM', content: 'probe' } });
      await pause(200);
    }
    await pause(300);
    const baseline = (await database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0n;

    // When B's mutation answered, keyed by what its event carries (message or quote id).
    const answeredAt = new Map<string, number>();
    const record = async (sessionId: string, content: string) => {
      const payload = (await onB(RecordMessage, { input: { sessionId, senderType: 'AGENT', content } })).recordMessage;
      if (payload.__typename !== 'RecordMessagePayload') throw new Error(JSON.stringify(payload));
      answeredAt.set(uuidOf(payload.recorded.id), performance.now());
    };
    const quote = async (sessionId: string, index: number) => {
      const input = {
        sessionId,
        avinodeQuoteId: unique('aquote-'),
        operator: { avinodeCompanyId: `acomp-scale-${index % 2}`, name: `Scale Jets ${index % 2}` },
        aircraftType: 'Falcon 7X',
        totalPrice: `${90_000 + index * 500}.00`,
      };
      const payload = (await onB(ReceiveQuote, { input })).receiveQuote;
      if (payload.__typename !== 'ReceiveQuotePayload') throw new Error(JSON.stringify(payload));
      answeredAt.set(uuidOf(payload.quote.id), performance.now());
    };

    // One at a time (clean latencies), every fifth on the other session...
    for (let index = 0; index < 50; index++) {
      await record(index % 5 === 4 ? other : watched, `message ${index}`);
      if (index % 10 === 9) await quote(watched, index);
    }
    // ...then a concurrent burst, so commits race each other.
    await Promise.all([
      ...Array.from({ length: 20 }, (_, index) => record(index % 2 ? other : watched, `burst ${index}`)),
      quote(other, 100),
      quote(watched, 101),
    ]);

    const stored = await database.prisma.sessionEvent.findMany({
      where: { id: { gt: baseline } },
      orderBy: { id: 'asc' },
    });
    const expectedFeed = stored.map((event) => globalId('SessionEvent', event.id.toString()));
    const expectedSession = stored
      .filter((event) => event.sessionId === uuidOf(watched))
      .map((event) => globalId('SessionEvent', event.id.toString()));
    expect(stored.length).toBeGreaterThanOrEqual(50 + 5 + 20 + 2);

    const after = (stream: Subscription<unknown>, field: 'activityFeed' | 'sessionEvents') =>
      stream.results
        .map(
          (result) =>
            (result.data as Record<string, { id: string }> | undefined)?.[field]?.id ?? JSON.stringify(result),
        )
        .filter((id) => eventNumber(id) > baseline);
    const countBefore = (stream: Subscription<unknown>) =>
      stream.results.filter((result) => eventNumber(Object.values(result.data ?? {})[0]?.id) <= baseline).length;
    await Promise.all([
      feedA.waitFor(countBefore(feedA) + expectedFeed.length, 10_000),
      sessionA.waitFor(countBefore(sessionA) + expectedSession.length, 10_000),
      feedB.waitFor(countBefore(feedB) + expectedFeed.length, 10_000),
    ]);
    // Longer than a poll, so a duplicate delivered by the poll would show.
    await pause(1_500);

    for (const stream of streams) expect(stream.results.filter((result) => result.errors)).toEqual([]);
    expect(after(feedA, 'activityFeed')).toEqual(expectedFeed);
    expect(after(sessionA, 'sessionEvents')).toEqual(expectedSession);
    expect(after(feedB, 'activityFeed')).toEqual(expectedFeed);
    // The whole stream, probes included, is strictly increasing: no duplicate, no reordering.
    for (const [stream, field] of [
      [feedA, 'activityFeed'],
      [sessionA, 'sessionEvents'],
      [feedB, 'activityFeed'],
    ] as const) {
      const ids = stream.results.map((result) =>
        eventNumber((result.data as Record<string, { id: string }>)[field]?.id),
      );
      expect(ids.every((id, index) => index === 0 || id > (ids[index - 1] ?? -1n))).toBe(true);
    }

    // Latency on A from B's answer to A's receipt. The poll alone would spread these
    // evenly over 0-1000 ms (median ≈ 500 ms); Redis pokes make them milliseconds.
    const latencies: number[] = [];
    feedA.results.forEach((result, index) => {
      const data = result.data?.activityFeed.data as { messageId?: string; quoteId?: string } | undefined;
      const answered = answeredAt.get(data?.messageId ?? data?.quoteId ?? '');
      const receivedAt = feedA.receivedAt[index];
      if (answered !== undefined && receivedAt !== undefined) latencies.push(receivedAt - answered);
    });
    expect(latencies.length).toBe(answeredAt.size);
    const summary = {
      events: latencies.length,
      p50: percentile(latencies, 0.5).toFixed(1),
      p90: percentile(latencies, 0.9).toFixed(1),
      max: Math.max(...latencies).toFixed(1),
    };
    console.info(`B answered → A received (ms): ${JSON.stringify(summary)}`);
    expect(percentile(latencies, 0.5), JSON.stringify(summary)).toBeLessThan(250);
    await agentConnectionA.client.dispose();
  });

  it('drains on SIGTERM: subscriptions on A complete cleanly and both processes exit 0', async () => {
    const connection = connectWs(instanceA.url, adminToken);
    const feed = subscribeWs(connection, FeedEvents, {});
    await pause(300);
    const { code: codeA } = await instanceA.stop();
    await feed.completed;
    expect(feed.results.filter((result) => result.errors)).toEqual([]);
    expect((await connection.closed).code).toBe(1001);
    const { code: codeB } = await instanceB.stop();
    expect({ codeA, codeB }, `A:\n${instanceA.output()}\nB:\n${instanceB.output()}`).toEqual({ codeA: 0, codeB: 0 });
  });
});
