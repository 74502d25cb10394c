import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, type GraphQLFormattedError, print } from 'graphql';
import { type Client, createClient, type SubscribePayload } from 'graphql-ws';
import pg from 'pg';
import { afterEach, describe, expect, vi } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './generated/index.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';
import { startTestServer, type TestServer } from './harness/server.js';

/**
 * The graphql-ws path, through a real socket against the real server: credentials
 * checked at connection time and for as long as the token lives, every failure of
 * one operation answered on that operation alone, and bounded messages and operations.
 */

const HardeningFeed = graphql(`subscription HardeningFeed { activityFeed { id type session { id } } }`);
const HardeningViewer = graphql(`query HardeningViewer { viewer { id } }`);
const HardeningSessionUpdated = graphql(`
  subscription HardeningSessionUpdated($id: ID!) { sessionUpdated(id: $id) { id version proposal { id number } } }
`);
const HardeningRecordMessage = graphql(`
  mutation HardeningRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on Error { code } }
  }
`);

const opened: Client[] = [];

const sessionGlobalId = (id: string) => Buffer.from(`ChatSession:${id}`).toString('base64');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails after `ms` instead of at the test timeout when something never happens. */
function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Records a message as an integration would, so the session's agent gets an event. */
async function say(target: TestServer, sessionId: string, content: string) {
  const data = await expectData(
    target.url,
    HardeningRecordMessage,
    { input: { sessionId: sessionGlobalId(sessionId), senderType: 'OPERATOR', content } },
    await target.serviceToken(),
  );
  expect(data.recordMessage.__typename).toBe('RecordMessagePayload');
}

type Socket = {
  client: Client;
  /** True once the server acknowledged connection_init, false if the socket closed first. */
  acknowledged(): Promise<boolean>;
  closed(): Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
};

function connect(target: TestServer, token: string): Socket {
  let acknowledge: (value: boolean) => void = () => {};
  const acknowledged = new Promise<boolean>((resolve) => {
    acknowledge = resolve;
  });
  let onClosed: (event: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    onClosed = resolve;
  });
  let open = true;
  const client = createClient({
    url: target.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: { authorization: `Bearer ${token}` },
    on: {
      connected: () => acknowledge(true),
      closed: (event) => {
        open = false;
        acknowledge(false);
        onClosed(event as { code: number; reason: string });
      },
    },
  });
  opened.push(client);
  return {
    client,
    acknowledged: () => within(acknowledged, 'connection_ack or close'),
    closed: () => within(closed, 'the socket to close'),
    isOpen: () => open,
  };
}

type Operation = {
  results: ExecutionResult[];
  /** The payload of an `error` message, or the close event when the socket went away. */
  error: GraphQLFormattedError[] | { code: number } | undefined;
  /** How the operation ended: `complete` or `error`. */
  ended(): Promise<'complete' | 'error'>;
  waitFor(count: number): Promise<void>;
  stop(): void;
};

/** Sends one `subscribe` message with any payload, keeping `next`, `error` and `complete` apart. */
function run(socket: Socket, payload: SubscribePayload & Record<string, unknown>): Operation {
  let settle: (how: 'complete' | 'error') => void = () => {};
  const ended = new Promise<'complete' | 'error'>((resolve) => {
    settle = resolve;
  });
  const operation: Operation = {
    results: [],
    error: undefined,
    ended: () => within(ended, 'the operation to end'),
    waitFor: async (count) => {
      for (let waited = 0; operation.results.length < count; waited += 20) {
        if (waited > 10_000) throw new Error(`Timed out: ${JSON.stringify(operation)}`);
        await pause(20);
      }
    },
    stop: () => {},
  };
  operation.stop = socket.client.subscribe(payload, {
    next: (result) => operation.results.push(result as ExecutionResult),
    error: (error) => {
      operation.error = error as Operation['error'];
      settle('error');
    },
    complete: () => settle('complete'),
  });
  return operation;
}

const text = <D, V>(document: TypedDocumentNode<D, V>, variables?: V) => ({
  query: print(document),
  variables: variables as Record<string, unknown> | undefined,
});
const codesOf = (operation: Operation) =>
  Array.isArray(operation.error) ? operation.error.map((error) => error.extensions?.['code']) : operation.error;

const it = base;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((client) => client.dispose()));
  vi.restoreAllMocks();
});

describe('token lifetime', () => {
  it('keeps a socket with a 30-day token open and serving', async ({ server, database, agent }) => {
    const { session } = await createSessionGraph(database.prisma, agent);
    const socket = connect(server, await server.tokenFor(agent.authSubject, { expiresIn: '30d' }));
    expect(await socket.acknowledged()).toBe(true);
    const feed = run(socket, text(HardeningFeed));
    await pause(300);
    expect(socket.isOpen(), 'closed right after connecting').toBe(true);
    await say(server, session.id, 'still here');
    await feed.waitFor(1);
    expect(feed.results[0]?.data).toMatchObject({ activityFeed: { type: 'MESSAGE_RECORDED' } });
    expect(socket.isOpen()).toBe(true);
  });

  it('refuses a signed token of an unknown or deactivated agent at connection time with 4403', async ({
    server,
    database,
  }) => {
    const unknown = connect(server, await server.tokenFor('test|nobody-has-this-subject'));
    expect(await unknown.acknowledged()).toBe(false);
    expect((await unknown.closed()).code).toBe(4403);

    const leaver = await createAgent(database.prisma);
    await database.prisma.agent.update({ where: { id: leaver.id }, data: { isActive: false } });
    const deactivated = connect(server, await server.tokenFor(leaver.authSubject));
    expect(await deactivated.acknowledged()).toBe(false);
    expect((await deactivated.closed()).code).toBe(4403);
  });
});

describe('a failing operation fails alone', () => {
  it('answers parse, limit, validation and authentication failures with coded `error` messages and keeps the socket', async ({
    server,
    database,
  }) => {
    const consoleError = vi.spyOn(console, 'error');
    const member = await createAgent(database.prisma);
    const { session } = await createSessionGraph(database.prisma, member);
    const socket = connect(server, await server.tokenFor(member.authSubject));
    expect(await socket.acknowledged()).toBe(true);
    const feed = run(socket, text(HardeningFeed));
    await pause(200);

    const failures = {
      GRAPHQL_PARSE_FAILED: run(socket, { query: 'subscription { activityFeed { id ' }),
      TOO_MANY_TOKENS: run(socket, { query: `{ viewer { ${'id '.repeat(3_000)} } }` }),
      GRAPHQL_VALIDATION_FAILED: run(socket, { query: 'subscription { activityFeed { noSuchField } }' }),
      BAD_USER_INPUT: run(socket, {
        ...text(HardeningRecordMessage, {
          input: { sessionId: sessionGlobalId(session.id), senderType: 'AGENT', content: 'nul \u0000 inside' },
        }),
      }),
    };
    for (const [code, operation] of Object.entries(failures)) {
      expect(await operation.ended(), code).toBe('error');
      expect(codesOf(operation), JSON.stringify(operation.error)).toEqual([code]);
      expect(operation.results).toEqual([]);
    }
    expect(JSON.stringify(failures.BAD_USER_INPUT.error)).toMatch(/NUL/);
    // Nothing internal travels with the error.
    expect(JSON.stringify(failures.TOO_MANY_TOKENS.error)).not.toContain('http');

    // The failures ended alone: the running feed goes on, on the same socket.
    await say(server, session.id, 'the feed still runs');
    await feed.waitFor(1);
    expect(feed.results[0]?.data).toMatchObject({ activityFeed: { session: { id: sessionGlobalId(session.id) } } });
    expect(socket.isOpen()).toBe(true);
    expect(consoleError).not.toHaveBeenCalled();
    expect(await database.prisma.message.count({ where: { content: { contains: 'nul' } } })).toBe(0);

    // The agent is deactivated after connecting: its next operation is refused at once. (Its open
    // streams end too, at the next revocation check: test/subscriptions-revocation.test.ts.)
    await database.prisma.agent.update({ where: { id: member.id }, data: { isActive: false } });
    const afterDeactivation = run(socket, text(HardeningFeed));
    expect(await afterDeactivation.ended()).toBe('error');
    expect(codesOf(afterDeactivation)).toEqual(['UNAUTHENTICATED']);
  });

  it.skipIf(!process.env['TEST_DATABASE_URL'])(
    'answers a viewer look-up that misses the deadline with REQUEST_TIMEOUT, and a new socket with 1013 (PostgreSQL)',
    async ({ database, agent }) => {
      const slow = await startTestServer(database, { REQUEST_TIMEOUT_MS: '1000' });
      const locker = new pg.Client({ connectionString: database.url });
      await locker.connect();
      try {
        const socket = connect(slow, await slow.tokenFor(agent.authSubject));
        expect(await socket.acknowledged()).toBe(true);
        const running = run(socket, text(HardeningViewer));
        expect(await running.ended()).toBe('complete');
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE iso_agents IN ACCESS EXCLUSIVE MODE');
        const stalled = run(socket, text(HardeningViewer));
        // A socket opened meanwhile cannot be checked: it is told to retry, not that its token is bad.
        const opening = connect(slow, await slow.tokenFor(agent.authSubject));
        expect(await stalled.ended()).toBe('error');
        expect(codesOf(stalled)).toEqual(['REQUEST_TIMEOUT']);
        expect(await opening.acknowledged()).toBe(false);
        expect((await opening.closed()).code).toBe(1013);
        await locker.query('COMMIT');
        const after = run(socket, text(HardeningViewer));
        expect(await after.ended()).toBe('complete');
        expect(after.results[0]?.data).toEqual({ viewer: { id: expect.any(String) } });
        expect(socket.isOpen()).toBe(true);
      } finally {
        await locker.query('ROLLBACK').catch(() => {});
        await locker.end();
        await slow.stop();
      }
    },
  );
});

describe('bounded messages and operations', () => {
  it('refuses a message over the body limit with close code 1009 and serves one under it', async ({
    server,
    agent,
  }) => {
    const token = await server.tokenFor(agent.authSubject);
    expect(server.config.limits.maxBodyBytes).toBe(1_000_000);
    const under = connect(server, token);
    const padded = run(under, { query: `${' '.repeat(900_000)}{ viewer { id } }` });
    expect(await padded.ended()).toBe('complete');
    expect(padded.results[0]?.data).toEqual({ viewer: { id: expect.any(String) } });

    const over = connect(server, token);
    expect(await over.acknowledged()).toBe(true);
    const huge = run(over, { query: `${' '.repeat(1_100_000)}{ viewer { id } }` });
    expect((await over.closed()).code).toBe(1009);
    expect(await huge.ended()).toBe('error');
  });

  it('refuses operations past MAX_SUBSCRIPTIONS_PER_CONNECTION on one socket with TOO_MANY_SUBSCRIPTIONS', async ({
    database,
    agent,
  }) => {
    const capped = await startTestServer(database, { MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' });
    try {
      const { session } = await createSessionGraph(database.prisma, agent);
      const socket = connect(capped, await capped.tokenFor(agent.authSubject));
      const first = run(socket, text(HardeningFeed));
      const second = run(socket, text(HardeningFeed));
      await pause(200);
      const third = run(socket, text(HardeningFeed));
      expect(await third.ended()).toBe('error');
      expect(codesOf(third)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);

      await say(capped, session.id, 'both still listen');
      await Promise.all([first.waitFor(1), second.waitFor(1)]);
      // Completing one makes room for another.
      first.stop();
      await pause(100);
      const replacement = run(socket, text(HardeningViewer));
      expect(await replacement.ended()).toBe('complete');
      expect(replacement.error).toBeUndefined();
      expect(socket.isOpen()).toBe(true);
      // Another connection has room of its own.
      const other = connect(capped, await capped.tokenFor(agent.authSubject));
      expect(await run(other, text(HardeningViewer)).ended()).toBe('complete');
    } finally {
      await capped.stop();
    }
  });
});

describe.skipIf(!process.env['TEST_DATABASE_URL'])('shutdown (PostgreSQL)', () => {
  it('waits for an event still being resolved, then completes, then closes with 1001', async ({ database, agent }) => {
    const own = await startTestServer(database);
    const { session } = await createSessionGraph(database.prisma, agent);
    const socket = connect(own, await own.tokenFor(agent.authSubject));
    const updates = run(socket, text(HardeningSessionUpdated, { id: sessionGlobalId(session.id) }));
    await pause(200);
    // Hold the proposal read that resolving the update needs, so it is in flight at shutdown.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE proposals IN ACCESS EXCLUSIVE MODE');
    try {
      await say(own, session.id, 'resolved during shutdown');
      let waiting = 0;
      for (let waited = 0; waited < 5_000 && waiting === 0; waited += 50) {
        const rows = await database.prisma.$queryRawUnsafe<{ waiting: bigint }[]>(
          "SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        waiting = Number(rows[0]?.waiting ?? 0);
        if (waiting === 0) await pause(50);
      }
      expect(waiting, 'the event is being resolved (blocked on the lock) when shutdown starts').toBeGreaterThan(0);
      const stopped = own.stop();
      await pause(500);
      await locker.query('COMMIT');
      await stopped;
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
    expect(await updates.ended()).toBe('complete');
    expect(updates.results.map((result) => result.data?.['sessionUpdated'])).toEqual([
      expect.objectContaining({ id: sessionGlobalId(session.id) }),
    ]);
    expect((await socket.closed()).code).toBe(1001);
  });
});
