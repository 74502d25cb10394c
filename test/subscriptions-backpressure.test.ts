import { request } from 'node:http';
import { type ExecutionResult, print } from 'graphql';
import { describe, expect } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './generated/index.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import type { TestServer } from './harness/server.js';
import { connectWs, subscribeSse, subscribeWs } from './harness/subscriptions.js';

/**
 * A subscriber that stops reading must cost only itself: it is cut off with an error that
 * says how to resume, while every other subscriber keeps getting every event, once, in order.
 */

const BackpressureFeed = graphql(`
  subscription BackpressureFeed($after: String) {
    activityFeed(after: $after) { id cursor type data }
  }
`);

/** Small events for the healthy subscriber, so only the stalled one moves the padding. */
const BackpressureFeedIds = graphql(`
  subscription BackpressureFeedIds {
    activityFeed { id type }
  }
`);

/** Low, so that a few hundred events reach it (the default is thousands)... */
const BACKLOG = 20;
/** ...but above one round, which a subscriber that keeps up takes in before the next. */
const ROUND = 10;
/** Large events fill the stalled client's socket buffers (a few MB on loopback) quickly. */
const PADDING = 'x'.repeat(16_000);
const MAX_EVENTS = 3_000;

const it = base
  /** Every test of the file runs against the small backlog. */
  .extend('backlog', { scope: 'file', auto: true }, async ({ server }) => {
    server.app.events.subscriberBacklog = BACKLOG;
    return BACKLOG;
  })
  .extend('alice', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend(
    'session',
    { scope: 'file' },
    async ({ database, alice }) => (await createSessionGraph(database.prisma, alice)).session,
  )
  /**
   * Appends a round of events straight to the log, as a writer's transaction would, and
   * lets the stream read them: the stream tails the table, whoever wrote to it.
   */
  .extend('appendRound', { scope: 'file' }, async ({ server, database, alice, session }) => async () => {
    await database.prisma.sessionEvent.createMany({
      data: Array.from({ length: ROUND }, () => ({
        sessionId: session.id,
        agentId: alice.id,
        type: 'MESSAGE_RECORDED' as const,
        data: { padding: PADDING },
      })),
    });
    await server.app.events.catchUp();
  });

const eventGlobalId = (id: bigint) => Buffer.from(`SessionEvent:${id}`).toString('base64');

type FeedResult = ExecutionResult<{ activityFeed: { id: string; cursor: string } | null }>;

type Stalled = {
  /** Starts reading: everything the server sent, until it ended the subscription. */
  readToEnd(): Promise<FeedResult[]>;
  close(): void;
};

/** An SSE subscription over a plain HTTP request whose body nobody reads (yet). */
function stalledSse(server: TestServer, token: string): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      server.url,
      {
        method: 'POST',
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        // Paused, the response stops reading its socket: the server's writes back up.
        response.pause();
        if (response.statusCode !== 200) reject(new Error(`SSE subscription answered ${response.statusCode}`));
        resolve({
          readToEnd: () =>
            new Promise((done, fail) => {
              let text = '';
              response.setEncoding('utf8');
              response.on('data', (chunk: string) => {
                text += chunk;
              });
              response.on('error', fail);
              response.on('end', () => done(parseSse(text)));
              response.resume();
            }),
          close: () => outgoing.destroy(),
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify({ query: print(BackpressureFeed), variables: {} }));
  });
}

/** A graphql-ws subscription on a socket that stops reading once it is subscribed. */
async function stalledWs(server: TestServer, token: string): Promise<Stalled> {
  const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: Array<{ type: string; id?: string; payload?: unknown }> = [];
  socket.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await expect.poll(() => messages.some((message) => message.type === 'connection_ack')).toBe(true);
  socket.send(
    JSON.stringify({ id: 'stalled', type: 'subscribe', payload: { query: print(BackpressureFeed), variables: {} } }),
  );
  socket.pause();
  return {
    async readToEnd() {
      socket.resume();
      const ended = (message: { type: string; id?: string }) =>
        message.id === 'stalled' && (message.type === 'error' || message.type === 'complete');
      await expect.poll(() => messages.some(ended), { timeout: 30_000 }).toBe(true);
      return messages.flatMap((message): FeedResult[] => {
        if (message.id !== 'stalled') return [];
        if (message.type === 'next') return [message.payload as FeedResult];
        // graphql-ws ends an operation whose stream failed with `error` and the errors as payload.
        if (message.type === 'error') return [{ errors: message.payload as FeedResult['errors'] }];
        return [];
      });
    },
    close: () => socket.terminate(),
  };
}

function parseSse<T>(text: string): ExecutionResult<T>[] {
  return text
    .split('\n\n')
    .filter((message) => !message.includes('event: complete'))
    .map((message) =>
      message
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n'),
    )
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as ExecutionResult<T>);
}

describe.each([
  ['Server-Sent Events', stalledSse],
  ['WebSocket', stalledWs],
])('a subscriber that stops reading (%s)', (_transport, stall) => {
  it('is cut off with a resumable error while a healthy subscriber gets every event once, in order', async ({
    server,
    database,
    alice,
    appendRound,
  }) => {
    const token = await server.tokenFor(alice.authSubject);
    const before = server.app.events.subscriberCount;
    const started = await database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    // The stalled one first: a throw while serving it would cost every later subscriber the event.
    const stalled = await stall(server, token);
    const ws = connectWs(server.url, token);
    const healthy = subscribeWs(ws, BackpressureFeedIds, {});
    await expect.poll(() => server.app.events.subscriberCount).toBe(before + 2);

    // Drive events, at the pace of the healthy subscriber, until the stalled one is cut off
    // (it leaves the stream); then one round more, which the healthy one must get too.
    let appended = 0;
    const round = async () => {
      await appendRound();
      appended += ROUND;
      await healthy.waitFor(appended, 10_000);
    };
    while (server.app.events.subscriberCount > before + 1) {
      if (appended >= MAX_EVENTS) throw new Error(`The stalled subscriber was not cut off after ${appended} events.`);
      await round();
    }
    await round();

    const stored = await database.prisma.sessionEvent.findMany({
      where: { id: { gt: started?.id ?? 0n } },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    expect(stored).toHaveLength(appended);
    const expected = stored.map((event) => eventGlobalId(event.id));
    await healthy.waitFor(expected.length, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(healthy.results.filter((result) => result.errors)).toEqual([]);
    expect(healthy.results.map((result) => result.data?.activityFeed.id)).toEqual(expected);

    // The stalled client, reading at last: what was waiting, in order, then the error, then the end.
    const received = await stalled.readToEnd();
    const events = received.filter((result) => result.data?.activityFeed);
    expect(events.length).toBeGreaterThan(0);
    expect(events.map((result) => result.data?.activityFeed?.id)).toEqual(expected.slice(0, events.length));
    expect(events.length).toBeLessThan(expected.length);
    const last = received.at(-1);
    expect(received).toHaveLength(events.length + 1);
    expect(last?.errors?.[0]?.message).toMatch(/fell too far behind; resubscribe with `after`/);
    expect(last?.errors?.[0]?.extensions?.['code']).toBe('SUBSCRIBER_TOO_SLOW');

    // The error says where to resume: its last cursor, which gives it the rest, exactly.
    const cursor = events.at(-1)?.data?.activityFeed?.cursor;
    expect(last?.errors?.[0]?.extensions?.['resumeAfter']).toBe(cursor);
    const resumed = await subscribeSse(server.url, token, BackpressureFeed, { after: cursor });
    const rest = await resumed.waitFor(expected.length - events.length, 30_000);
    expect(rest.map((result) => result.data?.activityFeed.id)).toEqual(expected.slice(events.length));
    await resumed.close();
    stalled.close();
    await ws.client.dispose();
    await expect.poll(() => server.app.events.subscriberCount).toBe(before);
  });
});
