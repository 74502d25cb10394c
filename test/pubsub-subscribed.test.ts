import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { graphql } from './generated/index.js';
import { expectData } from './harness/graphql.js';
import {
  hasPostgresBinaries,
  hasRedisBinary,
  type PostgresInstance,
  type RedisInstance,
  type ServerProcess,
  startPostgres,
  startRedis,
  startServerProcess,
} from './harness/services.js';
import { connectWs, subscribeWs, type WsConnection } from './harness/subscriptions.js';
import { globalId, RecordMessage } from './harness/workflow.js';

/**
 * Scale-out pushes for real: two server processes on an empty PostgreSQL that the first
 * fills with the demo data (as `npm start` does), and a Redis of the test's own, so that
 * `PUBSUB NUMSUB` counts these instances only. The event log's poll is set to a minute,
 * so an event can only arrive in time through Redis.
 */
const JWT_SECRET = randomBytes(32).toString('hex');
const auth = loadConfig({ NODE_ENV: 'test', JWT_SECRET }).auth;
const CHANNEL = 'session-events:committed';
const canRun = hasRedisBinary && (Boolean(process.env['TEST_DATABASE_URL']) || hasPostgresBinaries);

const Feed = graphql(`
  subscription PubSubFeed {
    activityFeed { id data }
  }
`);

/** A database with nothing in it, not even the schema: the server migrates and seeds it. */
async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env['TEST_DATABASE_URL'];
  if (!serverUrl) {
    const postgres: PostgresInstance = await startPostgres();
    return { url: await postgres.createDatabase('app'), drop: () => postgres.destroy() };
  }
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** What /readyz says about the database and the pub/sub (other parts have their own tests). */
async function readiness(instance: ServerProcess): Promise<{ status?: string; pubsub?: string }> {
  const response = await fetch(`${instance.origin}/readyz`);
  const { status, pubsub } = (await response.json()) as { status?: string; pubsub?: string };
  return { status, pubsub };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

describe.skipIf(!canRun)('Redis pub/sub across instances', () => {
  let database: { url: string; drop(): Promise<void> };
  let prisma: Database;
  let redis: RedisInstance;
  let probe: Redis;
  const instances: ServerProcess[] = [];
  const environment = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    JWT_SECRET,
    SEED_DEMO_DATA: 'auto',
    EVENT_POLL_INTERVAL_MS: '60000',
    SHUTDOWN_TIMEOUT_MS: '3000',
  });
  const subscribers = async () => Number(((await probe.pubsub('NUMSUB', CHANNEL)) as [string, number])[1]);

  beforeAll(async () => {
    database = await emptyDatabase();
    redis = await startRedis();
    probe = new Redis(redis.url);
    probe.on('error', () => {});
  });

  afterAll(async () => {
    for (const instance of instances) await instance.stop().catch(() => instance.child.kill('SIGKILL'));
    probe?.disconnect();
    await prisma?.close();
    await redis?.destroy();
    await database?.drop();
  });

  it('subscribes both instances, and an event committed on one reaches a subscriber on the other in under 100 ms', async () => {
    // The first seeds the empty database; the second starts on the seeded one.
    const a = await startServerProcess('A', environment());
    instances.push(a);
    const b = await startServerProcess('B', environment());
    instances.push(b);
    prisma = openDatabase({ kind: 'postgres', url: database.url, poolSize: 2 });
    expect(await prisma.prisma.chatSession.count(), 'the demo data was loaded').toBeGreaterThan(0);

    await expect
      .poll(() => Promise.all([readiness(a), readiness(b)]), { timeout: 10_000 })
      .toEqual([
        { status: 'ready', pubsub: 'subscribed' },
        { status: 'ready', pubsub: 'subscribed' },
      ]);
    expect(await subscribers()).toBe(2);

    const token = await signToken(auth, { subject: 'service:pubsub-test', service: true });
    const session = await prisma.prisma.chatSession.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    const connection: WsConnection = connectWs(a.url, token);
    const feed = subscribeWs(connection, Feed, {});
    const receivedAt = new Map<string, number>();
    const original = feed.results.push.bind(feed.results);
    feed.results.push = (...results) => {
      for (const result of results) {
        const messageId = (result.data?.activityFeed.data as { messageId?: string } | undefined)?.messageId;
        if (messageId) receivedAt.set(messageId, performance.now());
      }
      return original(...results);
    };
    const say = async (content: string) => {
      const input = { sessionId: globalId('ChatSession', session.id), senderType: 'AGENT' as const, content };
      const payload = (await expectData(b.url, RecordMessage, { input }, token)).recordMessage;
      if (payload.__typename !== 'RecordMessagePayload') throw new Error(JSON.stringify(payload));
      return {
        messageId: Buffer.from(payload.recorded.id, 'base64').toString().split(':')[1] ?? '',
        at: performance.now(),
      };
    };

    // "From now on" starts once the subscription is attached: probe until one arrives.
    for (let attempt = 0; feed.results.length === 0; attempt++) {
      if (attempt === 50) throw new Error(`nothing arrived on A through Redis:\nA:\n${a.output()}\nB:\n${b.output()}`);
      await say('probe');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const latencies: number[] = [];
    for (let index = 0; index < 10; index++) {
      const sent = await say(`message ${index}`);
      await expect.poll(() => receivedAt.has(sent.messageId), { timeout: 5_000, interval: 5 }).toBe(true);
      latencies.push((receivedAt.get(sent.messageId) ?? Number.NaN) - sent.at);
    }
    console.info(`B answered → A received (ms): ${latencies.map((ms) => ms.toFixed(1)).join(', ')}`);
    expect(median(latencies), latencies.join(', ')).toBeLessThan(100);
    await connection.client.dispose();
  });

  it('subscribes an instance that connected while Redis was slow to answer its handshake', async () => {
    // Redis accepts the connection but answers nothing until the instance has subscribed.
    redis.freeze();
    let c: ServerProcess;
    try {
      c = await startServerProcess('C', environment());
      instances.push(c);
    } finally {
      redis.thaw();
    }
    const before = instances.length - 1;
    await expect.poll(() => readiness(c), { timeout: 15_000 }).toEqual({ status: 'ready', pubsub: 'subscribed' });
    expect(await subscribers()).toBe(before + 1);
    // Subscribed at once, not repaired later: the handshake never tripped over the SUBSCRIBE.
    expect(c.output()).not.toMatch(/subscriber mode|Ready check failed|not subscribed/);
  });

  it('shows a lost subscription in /readyz and the logs, and subscribes again when Redis is back', async () => {
    const [a] = instances;
    if (!a) throw new Error('no instance running');
    await redis.stop();
    await expect.poll(() => readiness(a), { timeout: 10_000 }).toEqual({ status: 'ready', pubsub: 'unsubscribed' });
    expect(a.output()).toMatch(/redis pub\/sub not subscribed; events arrive by polling/);
    await redis.start();
    await expect.poll(() => readiness(a), { timeout: 15_000 }).toEqual({ status: 'ready', pubsub: 'subscribed' });
    await expect.poll(subscribers, { timeout: 10_000 }).toBe(instances.length);
  });
});
