import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { print } from 'graphql';
import { describe, expect } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { startTestServer, type TestServer } from './harness/server.js';

const RateTypename = graphql(`query RateTypename { __typename }`);
const RateStartSession = graphql(`
  mutation RateStartSession($input: StartSessionInput!) { startSession(input: $input) { __typename } }
`);

const LIMITS = { RATE_LIMIT_PER_MINUTE: '5', SERVICE_RATE_LIMIT_PER_MINUTE: '8' };
const redisUrl = process.env['TEST_REDIS_URL'];

const it = base.extend('serverOptions', { scope: 'file' }, { environment: LIMITS });

/**
 * Windows are fixed calendar minutes: a test that straddles a boundary would see its
 * count reset. Start only with at least 15 s of the current minute left.
 */
async function awayFromMinuteBoundary() {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await sleep(left + 250);
}

type Answer = { status: number; retryAfter: string | null; code: unknown; retryAfterSeconds: unknown; text: string };

async function call(
  url: string,
  token: string,
  document: typeof RateTypename | typeof RateStartSession = RateTypename,
): Promise<Answer> {
  const variables = document === RateStartSession ? { input: { subject: unique('Rate ') } } : undefined;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const text = await response.text();
  const error = (JSON.parse(text) as { errors?: Array<{ extensions?: Record<string, unknown> }> }).errors?.[0];
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    code: error?.extensions?.['code'],
    retryAfterSeconds: error?.extensions?.['retryAfterSeconds'],
    text,
  };
}

function expectAllowed(answers: Answer[]) {
  for (const answer of answers) {
    expect(answer.status, answer.text).toBe(200);
    expect(answer.code, answer.text).toBeUndefined();
  }
}

function expectRateLimited(answer: Answer) {
  expect(answer.code, answer.text).toBe('RATE_LIMITED');
  expect(answer.status, answer.text).toBe(429);
  expect(answer.retryAfterSeconds).toEqual(expect.any(Number));
  expect(answer.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(answer.retryAfterSeconds).toBeLessThanOrEqual(60);
  expect(answer.retryAfter).toBe(String(answer.retryAfterSeconds));
}

/** Waits until the instance counts operations (a throwaway agent gets refused), so a test starts from a counting server. */
async function untilEnforcing(instance: TestServer, database: TestDatabase) {
  const token = await instance.tokenFor((await createAgent(database.prisma)).authSubject);
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await call(instance.url, token)).code === 'RATE_LIMITED') return;
    await sleep(20);
  }
  throw new Error(`${instance.url} never started counting operations`);
}

/** A TCP proxy that holds every new connection for `delayMs` before joining it to `target`. */
async function delayingProxy(target: string, delayMs: number) {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  };
  const proxy = createServer((client) => {
    track(client).pause();
    setTimeout(() => {
      const redis = track(
        connect(Number(upstream.port || 6379), upstream.hostname, () => {
          client.pipe(redis).pipe(client);
          client.resume();
        }),
      );
      redis.on('close', () => client.destroy());
      client.on('close', () => redis.destroy());
    }, delayMs).unref();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

async function times(count: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let index = 0; index < count; index++) answers.push(await send());
  return answers;
}

describe('per-viewer rate limits', () => {
  it("refuses an agent's 6th operation in a minute with RATE_LIMITED and 429, leaving other agents alone", async ({
    server,
    database,
  }) => {
    const busy = await createAgent(database.prisma);
    const quiet = await createAgent(database.prisma);
    const busyToken = await server.tokenFor(busy.authSubject);
    const quietToken = await server.tokenFor(quiet.authSubject);
    await awayFromMinuteBoundary();

    expectAllowed(await times(5, () => call(server.url, busyToken)));
    expectRateLimited(await call(server.url, busyToken));

    // A refused mutation does not run.
    const sessionsBefore = await database.prisma.chatSession.count({ where: { agentId: busy.id } });
    expectRateLimited(await call(server.url, busyToken, RateStartSession));
    expect(await database.prisma.chatSession.count({ where: { agentId: busy.id } })).toBe(sessionsBefore);

    expectAllowed(await times(5, () => call(server.url, quietToken)));
  });

  it('gives service tokens their own limit (SERVICE_RATE_LIMIT_PER_MINUTE)', async ({ server, database }) => {
    const agent = await createAgent(database.prisma);
    const agentToken = await server.tokenFor(agent.authSubject);
    const serviceToken = await signToken(server.config.auth, { subject: unique('integration-'), service: true });
    await awayFromMinuteBoundary();

    expectAllowed(await times(5, () => call(server.url, agentToken)));
    expectRateLimited(await call(server.url, agentToken));

    // The agent's exhausted limit is not the integration's, and the integration gets 8, not 5.
    expectAllowed(await times(8, () => call(server.url, serviceToken)));
    expectRateLimited(await call(server.url, serviceToken));

    // Another integration is counted apart.
    const otherService = await signToken(server.config.auth, { subject: unique('integration-'), service: true });
    expectAllowed([await call(server.url, otherService)]);
  });

  describe.skipIf(!redisUrl)('across instances through Redis', () => {
    it('shares one limit between two instances', async ({ database }) => {
      const first = await startTestServer(database, { ...LIMITS, REDIS_URL: redisUrl });
      const second = await startTestServer(database, { ...LIMITS, REDIS_URL: redisUrl });
      try {
        // A just-started instance fails open until its Redis connection is up (see the next test).
        await untilEnforcing(first, database);
        await untilEnforcing(second, database);
        const agent = await createAgent(database.prisma);
        const token = await first.tokenFor(agent.authSubject);
        await awayFromMinuteBoundary();

        // Alternating instances: 3 on the first and 2 on the second are allowed...
        const answers: Answer[] = [];
        for (let index = 0; index < 5; index++) answers.push(await call((index % 2 === 0 ? first : second).url, token));
        expectAllowed(answers);
        // ...and the 6th, the second instance's 3rd, is refused, as is any further one on either.
        expectRateLimited(await call(second.url, token));
        expectRateLimited(await call(first.url, token));
      } finally {
        await first.stop();
        await second.stop();
      }
    });

    it('enforces the shared limit from the first request a new instance serves', async ({ database }) => {
      // Redis that takes a second to answer a new connection, as across zones or over TLS.
      const slowRedis = await delayingProxy(redisUrl as string, 1_000);
      const agent = await createAgent(database.prisma);
      // Wait first: waiting after the start would give the connection time to come up.
      await awayFromMinuteBoundary();
      const fresh = await startTestServer(database, { ...LIMITS, REDIS_URL: slowRedis.url });
      try {
        const token = await fresh.tokenFor(agent.authSubject);
        expectAllowed(await times(5, () => call(fresh.url, token)));
        expectRateLimited(await call(fresh.url, token));
      } finally {
        await fresh.stop();
        await slowRedis.close();
      }
    });

    it('keeps limiting, per instance, while Redis is away', async ({ database }) => {
      const proxy = await delayingProxy(redisUrl as string, 0);
      const instance = await startTestServer(database, { ...LIMITS, REDIS_URL: proxy.url });
      try {
        await untilEnforcing(instance, database);
        await proxy.close();
        const agent = await createAgent(database.prisma);
        const token = await instance.tokenFor(agent.authSubject);
        await awayFromMinuteBoundary();
        expectAllowed(await times(5, () => call(instance.url, token)));
        expectRateLimited(await call(instance.url, token));
      } finally {
        await instance.stop();
      }
    });
  });
});
