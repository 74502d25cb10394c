import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { encodeEventCursor } from '../src/modules/activity/event-cursor.js';
import { graphql } from './generated/index.js';
import { createAgent, unique } from './harness/factories.js';
import { expectData } from './harness/graphql.js';
import {
  hasPostgresBinaries,
  hasRedisBinary,
  type ProvidedDatabase,
  pause,
  provideDatabase,
  type RedisInstance,
  type ServerProcess,
  startRedis,
  startServerProcess,
} from './harness/services.js';
import { globalId, uuidOf } from './harness/workflow.js';

/**
 * Redis dies between two instances and comes back on the same port. Redis only carries
 * pokes; the database is the source of truth, so mutations keep working, the poll keeps
 * subscribers fed meanwhile, and the pokes resume on their own when Redis is back.
 * Redis (and, without TEST_DATABASE_URL, PostgreSQL) are the test's own (DESIGN §8).
 */
const JWT_SECRET = randomBytes(32).toString('hex');
const auth = loadConfig({ NODE_ENV: 'test', JWT_SECRET }).auth;
const POLL_INTERVAL_MS = 1_000;
const hasDatabase = hasPostgresBinaries || Boolean(process.env['TEST_DATABASE_URL']);

const StartSession = graphql(`
  mutation RedisFailureStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } ... on Error { message } }
  }
`);

const RecordMessage = graphql(`
  mutation RedisFailureRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on RecordMessagePayload { recorded: message { id } } ... on Error { message } }
  }
`);

const SessionOverview = graphql(`
  query RedisFailureSession($id: ID!) {
    session(id: $id) { id messageCount }
  }
`);

const SessionEvents = graphql(`
  subscription RedisFailureSessionEvents($sessionId: ID!, $after: String) {
    sessionEvents(sessionId: $sessionId, after: $after) { id cursor type data }
  }
`);

type Received = { id: string; cursor: string; type: string; messageId: string | undefined; at: number };

/**
 * A dashboard-style subscriber: when its stream ends or its socket drops, it resubscribes
 * with the last cursor it received, as clients are told to.
 */
function resilientSubscriber(url: string, token: string, sessionId: string) {
  const received: Received[] = [];
  const problems: string[] = [];
  const waiters = new Set<() => void>();
  let reconnects = 0;
  let closing = false;
  let client: ReturnType<typeof createClient> | undefined;

  const connect = () => {
    const after = received.at(-1)?.cursor ?? encodeEventCursor(0n);
    const current = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    client = current;
    const again = (why: string) => {
      if (closing) return;
      problems.push(why);
      reconnects += 1;
      void current.dispose();
      setTimeout(connect, 200);
    };
    current.subscribe<{ sessionEvents: { id: string; cursor: string; type: string; data: { messageId?: string } } }>(
      { query: print(SessionEvents), variables: { sessionId, after } },
      {
        next: (result) => {
          const event = result.data?.sessionEvents;
          if (!event) {
            problems.push(JSON.stringify(result));
            return;
          }
          received.push({
            id: event.id,
            cursor: event.cursor,
            type: event.type,
            messageId: event.data.messageId,
            at: performance.now(),
          });
          for (const wake of waiters) wake();
        },
        error: (error) => again(`error: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
        complete: () => again('completed by the server'),
      },
    );
  };
  connect();

  return {
    received,
    problems,
    get reconnects() {
      return reconnects;
    },
    /** Resolves once an event carrying `messageId` has arrived. */
    waitForMessage(messageId: string, timeoutMs: number): Promise<Received> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find((event) => event.messageId === messageId);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `message ${messageId} not delivered within ${timeoutMs} ms; problems: ${JSON.stringify(problems)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      closing = true;
      await client?.dispose();
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
/** p50 and max of some timings, rounded, for the figures. */
const spread = (values: number[]) => ({ p50: Math.round(median(values)), max: Math.round(Math.max(...values)) });

async function status(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

/** What the steps below hand on to the next. */
type Scenario = {
  sessionId: string;
  agentToken: string;
  serviceToken: string;
  /** Messages recorded through B so far: the session's stream ends with as many MESSAGE_RECORDED. */
  recorded: number;
  subscriber: ReturnType<typeof resilientSubscriber>;
  /**
   * What each phase measured, in the order measured; logged once Redis is back. A failing step's
   * message shows the figures known by then.
   */
  figures: Record<string, unknown>;
};

describe.skipIf(!hasRedisBinary || !hasDatabase)('Redis goes down between two instances and comes back', () => {
  let redis: RedisInstance;
  let provided: ProvidedDatabase;
  let instanceA: ServerProcess;
  let instanceB: ServerProcess;
  // Filled in by the steps below, which run in order, each on what the one before left.
  const scenario = { recorded: 0, figures: {} } as Scenario;

  beforeAll(async () => {
    [redis, provided] = await Promise.all([startRedis(), provideDatabase()]);
    const environment = {
      DATABASE_URL: provided.url,
      REDIS_URL: redis.url,
      JWT_SECRET,
      EVENT_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      SHUTDOWN_TIMEOUT_MS: '3000',
    };
    // Rate limits stay on: with REDIS_URL they live in Redis, so their fail-open path is exercised too.
    [instanceA, instanceB] = await Promise.all([
      startServerProcess('A', environment),
      startServerProcess('B', environment),
    ]);
  });

  afterAll(async () => {
    for (const instance of [instanceA, instanceB]) {
      if (instance?.alive()) await instance.stop().catch(() => instance.child.kill('SIGKILL'));
    }
    await redis?.destroy();
    await provided?.drop();
  });

  const outputs = () => `A:\n${instanceA.output()}\nB:\n${instanceB.output()}`;

  /** A message recorded through B; resolves with its id and when B answered. */
  const recordOnB = async (content: string) => {
    scenario.recorded += 1;
    const input = {
      sessionId: scenario.sessionId,
      senderType: 'OPERATOR' as const,
      content,
      externalId: unique('redis-msg-'),
    };
    const sentAt = performance.now();
    const payload = (await expectData(instanceB.url, RecordMessage, { input }, scenario.serviceToken)).recordMessage;
    if (payload.__typename !== 'RecordMessagePayload') throw new Error(JSON.stringify(payload));
    return {
      messageId: uuidOf(payload.recorded.id),
      answeredAt: performance.now(),
      tookMs: performance.now() - sentAt,
    };
  };
  /** B's answer to A's receipt, per message, one at a time. */
  const deliveryLatencies = async (count: number, label: string, timeoutMs: number) => {
    const latencies: number[] = [];
    for (let index = 0; index < count; index++) {
      const { messageId, answeredAt } = await recordOnB(`${label} ${index}`);
      const event = await scenario.subscriber.waitForMessage(messageId, timeoutMs);
      latencies.push(event.at - answeredAt);
    }
    return latencies;
  };

  // Both instances listen for pokes on Redis (each EventStream subscribes once).
  const subscribedInstances = async () => {
    const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      const [, count] = (await probe.pubsub('NUMSUB', 'session-events:committed')) as [string, number];
      return Number(count);
    } catch {
      return -1;
    } finally {
      probe.disconnect();
    }
  };
  const untilSubscribed = async (timeoutMs: number) => {
    const from = performance.now();
    while ((await subscribedInstances()) < 2 && performance.now() - from < timeoutMs) await pause(100);
    return { count: await subscribedInstances(), afterMs: Math.round(performance.now() - from) };
  };

  it('starts with both instances listening for pokes on Redis', async () => {
    const agent = await createAgent(provided.database.prisma);
    scenario.agentToken = await signToken(auth, { subject: agent.authSubject });
    scenario.serviceToken = await signToken(auth, { subject: 'service:redis-failure', service: true });
    const started = (
      await expectData(
        instanceB.url,
        StartSession,
        { input: { agentId: globalId('Agent', agent.id), subject: unique('Redis ') } },
        scenario.serviceToken,
      )
    ).startSession;
    if (started.__typename !== 'StartSessionPayload') throw new Error(JSON.stringify(started));
    scenario.sessionId = started.session.id;

    const subscribedAtStart = await untilSubscribed(10_000);
    expect(subscribedAtStart.count, outputs()).toBe(2);
  });

  it("feeds a subscriber on A the session's stream from its beginning", async () => {
    const subscriber = resilientSubscriber(instanceA.url, scenario.agentToken, scenario.sessionId);
    scenario.subscriber = subscriber;
    for (let waited = 0; subscriber.received.length === 0 && waited < 10_000; waited += 50) await pause(50);
    expect(subscriber.received.map((event) => event.type)).toEqual(['SESSION_STARTED']);
  });

  it('delivers each message recorded on B to the subscriber on A by poke, at a median under 150 ms', async () => {
    const before = await deliveryLatencies(5, 'before', 5_000);
    scenario.figures['pokeLatencyBeforeMs'] = spread(before);
    expect(median(before), `${JSON.stringify(scenario.figures)}\n${outputs()}`).toBeLessThan(150);
  });

  it('without Redis, keeps both instances ready and answering, writes under 2 s, and the poll delivering within two intervals', async () => {
    const { subscriber, figures, sessionId, agentToken } = scenario;
    // Redis gone, without a goodbye.
    await redis.stop();
    const downAt = performance.now();
    await pause(300);
    const whileDown: number[] = [];
    const mutationTimesWhileDown: number[] = [];
    for (let index = 0; index < 10; index++) {
      const { messageId, answeredAt, tookMs } = await recordOnB(`while down ${index}`);
      mutationTimesWhileDown.push(tookMs);
      // Both instances stay up and ready; A still answers queries (its rate limiter fails open).
      expect(await Promise.all([instanceA, instanceB].map((instance) => status(`${instance.origin}/healthz`)))).toEqual(
        [200, 200],
      );
      expect(await Promise.all([instanceA, instanceB].map((instance) => status(`${instance.origin}/readyz`)))).toEqual([
        200, 200,
      ]);
      const overview = await expectData(instanceA.url, SessionOverview, { id: sessionId }, agentToken);
      expect(overview.session?.messageCount).toBe(5 + index + 1);
      // The poll delivers without Redis: within about one interval.
      const event = await subscriber.waitForMessage(messageId, POLL_INTERVAL_MS * 3 + 2_000);
      whileDown.push(event.at - answeredAt);
    }
    figures['redisDownForMs'] = Math.round(performance.now() - downAt);
    figures['mutationWhileDownMs'] = spread(mutationTimesWhileDown);
    figures['pollLatencyWhileDownMs'] = spread(whileDown);

    expect(Math.max(...mutationTimesWhileDown), JSON.stringify(figures)).toBeLessThan(2_000);
    expect(Math.max(...whileDown), JSON.stringify(figures)).toBeLessThan(POLL_INTERVAL_MS * 2 + 500);
  });

  it('resumes delivery by poke within 15 s of Redis coming back, without a restart', async () => {
    const { subscriber, figures } = scenario;
    // Redis back on the same port (empty, as after a crash): pokes must resume without a restart.
    await redis.start();
    const upAt = performance.now();
    const resubscribed = await untilSubscribed(15_000);
    let pokesResumedAfterMs = Number.NaN;
    let after: number[] = [];
    while (performance.now() - upAt < 15_000) {
      after = await deliveryLatencies(5, 'after', POLL_INTERVAL_MS * 3 + 2_000);
      if (median(after) < 150) {
        pokesResumedAfterMs = performance.now() - upAt;
        break;
      }
    }
    figures['resubscribedAfterRestartMs'] = resubscribed.count === 2 ? resubscribed.afterMs : null;
    figures['pokesResumedAfterMs'] = Math.round(pokesResumedAfterMs);
    figures['pokeLatencyAfterMs'] = spread(after);
    figures['subscriberReconnects'] = subscriber.reconnects;
    console.info(`Redis outage figures: ${JSON.stringify(figures)}`);

    expect(pokesResumedAfterMs, `pokes never resumed: ${JSON.stringify(figures)}\n${outputs()}`).toBeLessThan(15_000);
  });

  it('has given the subscriber every event of the session exactly once, in id order, as the table has them', async () => {
    const { subscriber } = scenario;
    // One more poll interval first, so that an event delivered late, or twice, would show.
    await pause(POLL_INTERVAL_MS + 500);
    const stored = await provided.database.prisma.sessionEvent.findMany({
      where: { sessionId: uuidOf(scenario.sessionId) },
      orderBy: { id: 'asc' },
    });
    expect(stored.map((event) => event.type)).toEqual([
      'SESSION_STARTED',
      ...Array(scenario.recorded).fill('MESSAGE_RECORDED'),
    ]);
    expect(subscriber.received.map((event) => event.id)).toEqual(
      stored.map((event) => globalId('SessionEvent', event.id.toString())),
    );
    expect(subscriber.problems).toEqual([]);
    await subscriber.close();
  });

  it('has both instances still up, and both stop cleanly', async () => {
    expect([instanceA.alive(), instanceB.alive()]).toEqual([true, true]);
    const exits = await Promise.all([instanceA.stop(), instanceB.stop()]);
    expect(exits, outputs()).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });
});
