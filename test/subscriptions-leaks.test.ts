import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { ChatSession } from '../src/generated/prisma/client.js';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';
import type { TestServer } from './harness/server.js';
import { connectWs, subscribeSse, subscribeWs, type WsConnection } from './harness/subscriptions.js';

/**
 * A thousand subscriptions come and go; nothing they held may stay behind: not a
 * listener on the event stream, not memory, not a Redis channel.
 */
const redisUrl = process.env['TEST_REDIS_URL'];
const COMMITTED_CHANNEL = 'session-events:committed';

const LeakFeed = graphql(`
  subscription LeakFeed {
    activityFeed { id type }
  }
`);

const LeakSessionEvents = graphql(`
  subscription LeakSessionEvents($sessionId: ID!) {
    sessionEvents(sessionId: $sessionId) { id cursor type data }
  }
`);

const LeakRecordMessage = graphql(`
  mutation LeakRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on Error { message } }
  }
`);

/** The real collector when vitest did not start Node with --expose-gc. */
function garbageCollector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const collect = garbageCollector();

async function settledHeap(database: TestDatabase): Promise<number> {
  // The harness records every SQL statement; that log grows with each subscribe's catch-up query.
  database.statements.length = 0;
  for (let round = 0; round < 3; round++) {
    collect?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

/** Waits (briefly) until the condition holds; fails with what it last saw. */
async function eventually(
  server: TestServer,
  what: string,
  condition: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting until ${what} (subscriberCount ${server.app.events.subscriberCount})`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * This process's Redis connections as Redis lists them (CLIENT LIST), found through
 * the process's own sockets, so other test files sharing the Redis server do not count.
 */
async function ownRedisClients(
  inspector: Redis,
  redisPort: number,
): Promise<Array<{ addr: string; sub: number; psub: number }>> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The fd closed while we listed them.
    }
  }
  const localPorts = new Set<number>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let rows: string[];
    try {
      rows = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      const columns = row.trim().split(/\s+/);
      const [local, remote, inode] = [columns[1], columns[2], columns[9]];
      if (!local || !remote || !inode || !inodes.has(inode)) continue;
      if (Number.parseInt(remote.split(':')[1] ?? '', 16) === redisPort)
        localPorts.add(Number.parseInt(local.split(':')[1] ?? '', 16));
    }
  }
  const list = (await inspector.call('CLIENT', 'LIST')) as string;
  return list
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((pair) => pair.split('=', 2) as [string, string])))
    .filter((client) => localPorts.has(Number(client['addr']?.split(':').pop())))
    .map((client) => ({ addr: client['addr'] ?? '', sub: Number(client['sub']), psub: Number(client['psub']) }));
}

const it = base
  .extend('serverOptions', { scope: 'file' }, { environment: redisUrl ? { REDIS_URL: redisUrl } : {} })
  .extend(
    'session',
    { scope: 'file' },
    async ({ database, agent }) => (await createSessionGraph(database.prisma, agent)).session,
  )
  /** The one WebSocket every WebSocket cycle subscribes on. */
  .extend('connection', { scope: 'file' }, async ({ server, token }, { onCleanup }) => {
    const connection = connectWs(server.url, token);
    onCleanup(() => connection.client.dispose());
    return connection;
  })
  /** A client of the test's own on the server's Redis, to list its connections and channels (none without Redis). */
  .extend('inspector', { scope: 'file' }, async ({ serverOptions }, { onCleanup }) => {
    const url = serverOptions.environment?.['REDIS_URL'];
    if (!url) return undefined;
    const inspector = new Redis(url, { maxRetriesPerRequest: 1 });
    onCleanup(() => inspector.disconnect());
    await inspector.ping();
    return inspector;
  });

/** What the cycles run on: the file's server, its agent's token, the shared socket and a session. */
type Bench = { server: TestServer; token: string; connection: WsConnection; session: ChatSession };

describe('1,000 subscribe/unsubscribe cycles', () => {
  /** Subscribe/unsubscribe cycles on the bench, and a way to write an event they may carry. */
  function cyclesOn({ server, token, connection, session }: Bench) {
    const sessionId = () => Buffer.from(`ChatSession:${session.id}`).toString('base64');
    const stream = () => server.app.events;

    /** One WebSocket subscription on the shared socket: live (a listener attached), then disposed. */
    async function wsCycle(index: number) {
      const subscription =
        index % 2 === 0
          ? subscribeWs(connection, LeakFeed, {})
          : subscribeWs(connection, LeakSessionEvents, { sessionId: sessionId() });
      await eventually(server, `WebSocket subscription ${index} is attached`, () => stream().subscriberCount === 1);
      // Now and then it also carries an event before it goes.
      if (index % 50 === 0) {
        await say(`cycle ${index}`);
        await subscription.waitFor(1, 5_000);
      }
      await subscription.close();
      await eventually(server, `WebSocket subscription ${index} is detached`, () => stream().subscriberCount === 0);
    }

    async function sseCycle(index: number) {
      const subscription = await subscribeSse(server.url, token, LeakSessionEvents, { sessionId: sessionId() });
      expect(subscription.status).toBe(200);
      await eventually(server, `SSE subscription ${index} is attached`, () => stream().subscriberCount === 1);
      if (index % 50 === 0) {
        await say(`sse cycle ${index}`);
        await subscription.waitFor(1, 5_000);
      }
      await subscription.close();
      await eventually(
        server,
        `SSE subscription ${index} is detached (request aborted)`,
        () => stream().subscriberCount === 0,
      );
    }

    async function say(content: string) {
      const result = await expectData(
        server.url,
        LeakRecordMessage,
        { input: { sessionId: sessionId(), senderType: 'AGENT', content } },
        token,
      );
      expect(result.recordMessage.__typename).toBe('RecordMessagePayload');
    }

    return { sessionId, stream, wsCycle, sseCycle, say };
  }

  it('leaves no listener, no memory and no Redis channel behind', async ({
    database,
    server,
    token,
    session,
    connection,
    inspector,
  }) => {
    const { sessionId, stream, wsCycle, sseCycle, say } = cyclesOn({ server, token, connection, session });
    // Warm-up: code paths compiled, pools filled, caches populated before the baseline.
    for (let index = 1; index <= 60; index++) await wsCycle(index);
    for (let index = 1; index <= 20; index++) await sseCycle(index);
    const baselineHeap = await settledHeap(database);
    const baselineRedis = inspector
      ? await ownRedisClients(inspector, Number(new URL(redisUrl ?? '').port || 6379))
      : [];
    const started = performance.now();

    let cycles = 0;
    // One at a time over the shared socket, waiting for each to attach and detach.
    for (let index = 0; index < 600; index++, cycles++) await wsCycle(index);
    // Disposed before the server has finished subscribing: graphql-ws must still clean up.
    for (let index = 0; index < 100; index++, cycles++) {
      const subscription = subscribeWs(connection, LeakSessionEvents, { sessionId: sessionId() });
      if (index % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
      await subscription.close();
    }
    // Ten at a time on the same socket.
    for (let batch = 0; batch < 10; batch++) {
      const subscriptions = Array.from({ length: 10 }, () => subscribeWs(connection, LeakFeed, {}));
      cycles += subscriptions.length;
      await eventually(server, `batch ${batch} is attached`, () => stream().subscriberCount === 10);
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
    }
    // Server-Sent Events, ended by aborting the request.
    for (let index = 0; index < 200; index++, cycles++) await sseCycle(index);
    expect(cycles).toBe(1_000);

    await eventually(server, 'every subscriber is detached', () => stream().subscriberCount === 0);
    // The socket survived all of it and still serves.
    const last = subscribeWs(connection, LeakSessionEvents, { sessionId: sessionId() });
    await eventually(server, 'a fresh subscription attaches', () => stream().subscriberCount === 1);
    await say('after the cycles');
    expect((await last.waitFor(1, 5_000))[0]?.errors).toBeUndefined();
    await last.close();
    await eventually(server, 'the last subscriber is detached', () => stream().subscriberCount === 0);

    const heap = await settledHeap(database);
    const growth = (heap - baselineHeap) / 1024 / 1024;
    console.info(
      `1,000 cycles in ${((performance.now() - started) / 1000).toFixed(1)} s; heapUsed ${(baselineHeap / 1024 / 1024).toFixed(1)} → ${(heap / 1024 / 1024).toFixed(1)} MB (gc ${collect ? 'forced' : 'not available'})`,
    );
    // A live subscription holds tens of KB (context, iterator, execution), so leaking even
    // a fraction of one per cycle passes 6 MB over 1,000 cycles. Caches filling on the first
    // thousand cycles account for 1-2 MB and then stay flat (checked over 4,000 cycles).
    // Without a forced GC, leave room for garbage.
    expect(growth).toBeLessThan(collect ? 6 : 40);

    if (inspector) {
      const after = await ownRedisClients(inspector, Number(new URL(redisUrl ?? '').port || 6379));
      // The instance listens on one channel on one subscriber connection, before and after.
      const subscribed = (clients: typeof after) => clients.filter((client) => client.sub + client.psub > 0);
      expect(subscribed(baselineRedis)).toEqual([expect.objectContaining({ sub: 1, psub: 0 })]);
      expect(subscribed(after)).toEqual(subscribed(baselineRedis));
      expect(after.length).toBe(baselineRedis.length);
      const channels = (await inspector.call('PUBSUB', 'CHANNELS')) as string[];
      const [, listeners] = (await inspector.call('PUBSUB', 'NUMSUB', COMMITTED_CHANNEL)) as [string, number];
      console.info(
        `Redis: this process ${JSON.stringify(after)}; server channels ${JSON.stringify(channels)}; ${COMMITTED_CHANNEL} listeners ${listeners}`,
      );
      expect(channels).toContain(COMMITTED_CHANNEL);
      expect(listeners).toBeGreaterThanOrEqual(1);
    }
  }, 240_000);
});
