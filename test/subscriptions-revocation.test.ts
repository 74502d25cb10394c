import { describe, expect } from 'vitest';
import type { Agent } from '../src/generated/prisma/client.js';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base, serverWith } from './harness/fixtures.js';
import type { TestServer } from './harness/server.js';
import { connectWs, type Subscription, subscribeSse, subscribeWs } from './harness/subscriptions.js';
import { as, callerFor, globalId, RecordMessage } from './harness/workflow.js';

/**
 * Open streams answer to their viewer's standing while they run: a token that expires
 * ends its streams (SSE with a final UNAUTHENTICATED error and `complete`; a WebSocket
 * closes with 4403), and an agent set inactive in the database, however that happens,
 * loses its open streams within seconds on every instance.
 */

const Feed = graphql(`
  subscription RevocationFeed {
    activityFeed { id cursor type }
  }
`);

const OneSession = graphql(`
  subscription RevocationSessionEvents($sessionId: ID!) {
    sessionEvents(sessionId: $sessionId) { id cursor type }
  }
`);

const Snapshots = graphql(`
  subscription RevocationSessionUpdated($id: ID!) {
    sessionUpdated(id: $id) { id version }
  }
`);

// Two instances on one database (and one Redis when there is one), as behind a load balancer.
const redis = process.env['TEST_REDIS_URL'] ? { REDIS_URL: process.env['TEST_REDIS_URL'] } : {};
const it = base.extend('a', { scope: 'file' }, serverWith(redis)).extend('b', { scope: 'file' }, serverWith(redis));

const lastError = (subscription: Subscription<unknown>) => subscription.results.at(-1)?.errors?.[0];

/** A session of the agent's, and a way to say something in it (through `a`). */
async function liveSession(database: TestDatabase, a: TestServer, agent: Agent) {
  const { session } = await createSessionGraph(database.prisma, agent, { messages: 0 });
  const id = globalId('ChatSession', session.id);
  const call = callerFor(a, await a.serviceToken());
  const say = async (content: string) =>
    as(
      (await call(RecordMessage, { input: { sessionId: id, senderType: 'AGENT', content } })).recordMessage,
      'RecordMessagePayload',
    );
  return { id, say };
}

/** Says something until every stream has received something: each is attached and live. */
async function untilLive(
  streams: Subscription<unknown>[],
  say: (content: string) => Promise<unknown>,
  instances: Record<string, TestServer>,
) {
  for (let attempt = 0; streams.some((stream) => stream.results.length === 0); attempt++) {
    if (attempt === 40) {
      throw new Error(
        `streams never went live: ${streams.map((s) => JSON.stringify(s.results))}; ${await streamStates(instances)}`,
      );
    }
    await say('probe');
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Where each instance's event stream stands, to tell a stream that never attached from one that stalled. */
async function streamStates(instances: Record<string, TestServer>): Promise<string> {
  const states = await Promise.all(
    Object.entries(instances).map(async ([name, { app }]) => {
      const newest = await app.events.newestCommitted();
      return `${name}: ${app.events.subscriberCount} attached, delivered up to ${app.events.lastDelivered} of ${newest}`;
    }),
  );
  return states.join('; ');
}

describe('a token that expires', () => {
  it('ends an SSE subscription with a final UNAUTHENTICATED error, its resume cursor, and completion', async ({
    database,
    a,
  }) => {
    const agent = await createAgent(database.prisma);
    const { say } = await liveSession(database, a, agent);
    const feed = await subscribeSse(a.url, await a.tokenFor(agent.authSubject, { expiresIn: '6s' }), Feed, {});
    await untilLive([feed], say, { a });
    await feed.completed;

    expect(feed.sawComplete(), 'the stream ended with `event: complete`').toBe(true);
    const events = feed.results.filter((result) => result.data);
    expect(events.length).toBeGreaterThan(0);
    expect(lastError(feed)?.extensions).toEqual({
      code: 'UNAUTHENTICATED',
      resumeAfter: events.at(-1)?.data?.activityFeed.cursor,
    });
    expect(lastError(feed)?.message).toMatch(/token has expired/);
    await feed.close();
  });

  it('closes a WebSocket with 4403', async ({ database, a }) => {
    const agent = await createAgent(database.prisma);
    const ws = connectWs(a.url, await a.tokenFor(agent.authSubject, { expiresIn: '2s' }));
    const feed = subscribeWs(ws, Feed, {});
    expect((await ws.closed).code).toBe(4403);
    await feed.completed;
  });
});

describe('an agent deactivated in the database', () => {
  it('loses its open WebSocket and SSE streams on both instances within seconds; new ones are refused', async ({
    database,
    a,
    b,
  }) => {
    const agent = await createAgent(database.prisma);
    const { id, say } = await liveSession(database, a, agent);
    const token = await a.tokenFor(agent.authSubject);
    const wsA = connectWs(a.url, token);
    const wsB = connectWs(b.url, token);
    const streams = [
      subscribeWs(wsA, Feed, {}),
      await subscribeSse(a.url, token, OneSession, { sessionId: id }),
      await subscribeSse(b.url, token, Feed, {}),
      subscribeWs(wsB, Snapshots, { id }),
    ];
    await untilLive(streams, say, { a, b });

    // Not through the API: whatever sets the flag, open streams must notice.
    await database.prisma.$executeRaw`UPDATE iso_agents SET is_active = false WHERE id = ${agent.id}::uuid`;
    const deactivatedAt = performance.now();
    await Promise.all(streams.map((stream) => stream.completed));
    const tookMs = performance.now() - deactivatedAt;

    expect(tookMs).toBeLessThan(10_000);
    for (const stream of streams) {
      expect(lastError(stream)?.extensions?.['code'], JSON.stringify(stream.results)).toBe('UNAUTHENTICATED');
      expect(lastError(stream)?.message).toMatch(/deactivated/);
    }
    // Nothing after the end, and no new stream on the sockets that are still open.
    const counts = streams.map((stream) => stream.results.length);
    await say('after deactivation');
    const refused = subscribeWs(wsA, Feed, {});
    const [refusal] = await refused.waitFor(1);
    expect(refusal?.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(streams.map((stream) => stream.results.length)).toEqual(counts);
    await wsA.client.dispose();
    await wsB.client.dispose();
  });
});
