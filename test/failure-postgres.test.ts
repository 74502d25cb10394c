import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { encodeEventCursor } from '../src/modules/activity/event-cursor.js';
import { graphql } from './generated/index.js';
import { type AppProcess, startAppProcess } from './harness/app-process.js';
import { createAgent, unique } from './harness/factories.js';
import { expectData } from './harness/graphql.js';
import { hasPostgresBinaries, type PostgresInstance, pause, startPostgres } from './harness/services.js';
import { connectWs, subscribeWs } from './harness/subscriptions.js';
import { globalId, uuidOf } from './harness/workflow.js';

/**
 * PostgreSQL goes away under load and comes back: first stopped (connections refused),
 * then frozen (connections accepted, nothing answered, as in a network partition). The
 * server must answer fast meanwhile (DATABASE_UNAVAILABLE, 503), recover on its own, and
 * neither lose nor double an acknowledged write. The cluster is the test's own (DESIGN §8).
 */
const CONNECT_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 3_000;
const OUTAGE_MS = 3_000;
/** Longer than the request deadline, so that "ends by its deadline" and "waits for the thaw" differ. */
const FREEZE_MS = REQUEST_TIMEOUT_MS + 3_000;
/** A response later than this counts as a hang: the client gives up on it. */
const HANG_MS = REQUEST_TIMEOUT_MS + 5_000;

const StartSession = graphql(`
  mutation PgFailureStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id conversation { id } } } ... on Error { message } }
  }
`);

const RecordMessage = graphql(`
  mutation PgFailureRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on RecordMessagePayload { created recorded: message { id } } ... on Error { code message } }
  }
`);

const SessionEvents = graphql(`
  subscription PgFailureSessionEvents($sessionId: ID!, $after: String) {
    sessionEvents(sessionId: $sessionId, after: $after) { id type }
  }
`);

const SessionsPage = graphql(`
  query PgFailureSessions {
    sessions(first: 20) {
      totalCount
      edges { node { id messageCount conversation { messages(first: 5) { edges { node { id content } } } } } }
    }
  }
`);

type Sample = {
  kind: 'query' | 'mutation' | 'readyz';
  startedAt: number;
  finishedAt: number;
  /** HTTP status, or what went wrong below HTTP. */
  status: number | 'hung' | 'network-error';
  ok: boolean;
  code: string | undefined;
  /** The server said the change committed though its answer could not be read back (COMMITTED_RESULT_UNAVAILABLE). */
  committed?: boolean;
  externalId?: string;
  detail?: string;
};

/** One timed POST; never throws, never waits longer than HANG_MS. */
async function timedOperation<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  token: string,
): Promise<{
  status: Sample['status'];
  body:
    | { data?: T; errors?: Array<{ message: string; extensions?: { code?: string; committed?: boolean } }> }
    | undefined;
  detail?: string;
}> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      signal: AbortSignal.timeout(HANG_MS),
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: undefined, detail: text.slice(0, 300) };
    }
  } catch (error) {
    const name = (error as Error).name;
    return {
      status: name === 'TimeoutError' || name === 'AbortError' ? 'hung' : 'network-error',
      body: undefined,
      detail: String(error),
    };
  }
}

async function readyz(origin: string): Promise<Pick<Sample, 'status' | 'ok' | 'code'>> {
  try {
    const response = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(HANG_MS) });
    await response.arrayBuffer();
    return { status: response.status, ok: response.status === 200, code: undefined };
  } catch (error) {
    return { status: (error as Error).name === 'TimeoutError' ? 'hung' : 'network-error', ok: false, code: undefined };
  }
}

const duration = (sample: Sample) => sample.finishedAt - sample.startedAt;
/**
 * A mutation caught by the outage between its COMMIT and the read of its payload: it is told
 * so, and counted with the acknowledged writes, which must each be stored exactly once.
 */
const toldCommitted = (sample: Sample) =>
  sample.kind === 'mutation' && sample.code === 'COMMITTED_RESULT_UNAVAILABLE' && sample.committed === true;
const summarize = (samples: Sample[]) =>
  samples.map((s) => `${s.kind} ${s.status} ${s.code ?? ''} ${duration(s).toFixed(0)}ms ${s.detail ?? ''}`).join('\n');

/** Steady load: one writer per session, two readers, a readiness probe; every response timed. */
function startLoad(url: string, origin: string, sessions: string[], tokens: { service: string; agent: string }) {
  const samples: Sample[] = [];
  let loading = true;
  const mutationLoop = async (sessionId: string) => {
    while (loading) {
      const externalId = unique('outage-msg-');
      const startedAt = performance.now();
      const input = { sessionId, senderType: 'OPERATOR' as const, content: `load ${externalId}`, externalId };
      const { status, body, detail } = await timedOperation(url, RecordMessage, { input }, tokens.service);
      const payload = body?.data?.recordMessage;
      samples.push({
        kind: 'mutation',
        startedAt,
        finishedAt: performance.now(),
        status,
        // Acknowledged: the server said the message is recorded.
        ok: status === 200 && !body?.errors && payload?.__typename === 'RecordMessagePayload' && payload.created,
        code:
          body?.errors?.[0]?.extensions?.code ??
          (payload?.__typename === 'RecordMessagePayload' ? undefined : payload?.__typename),
        committed: body?.errors?.[0]?.extensions?.committed === true,
        externalId,
        detail: detail ?? (body?.errors ? body.errors[0]?.message : undefined),
      });
      await pause(20);
    }
  };
  const queryLoop = async () => {
    while (loading) {
      const startedAt = performance.now();
      const { status, body, detail } = await timedOperation(url, SessionsPage, {}, tokens.agent);
      samples.push({
        kind: 'query',
        startedAt,
        finishedAt: performance.now(),
        status,
        ok: status === 200 && !body?.errors && (body?.data?.sessions.totalCount ?? 0) >= sessions.length,
        code: body?.errors?.[0]?.extensions?.code,
        detail: detail ?? (body?.errors ? body.errors[0]?.message : undefined),
      });
      await pause(20);
    }
  };
  const readyzLoop = async () => {
    while (loading) {
      const startedAt = performance.now();
      const result = await readyz(origin);
      samples.push({ kind: 'readyz', startedAt, finishedAt: performance.now(), ...result });
      await pause(100);
    }
  };
  const loops = [...sessions.map((session) => mutationLoop(session)), queryLoop(), queryLoop(), readyzLoop()];
  return {
    samples,
    /** Load goes on for at least `ms` and until `count` operations started after `from` have finished. */
    async runFor(ms: number, count: number, from: number) {
      const until = performance.now() + ms;
      const deadline = until + 15_000;
      const finished = () => samples.filter((sample) => sample.startedAt >= from && sample.kind !== 'readyz').length;
      while (performance.now() < deadline && (performance.now() < until || finished() < count)) await pause(50);
    },
    /** Waits until a query, a mutation and a probe started after `from` have succeeded. */
    async recovery(from: number, timeoutMs: number) {
      const firstOk = (kind: Sample['kind']) =>
        Math.min(...samples.filter((s) => s.kind === kind && s.ok && s.startedAt >= from).map((s) => s.finishedAt)) -
        from;
      const recovered = () =>
        (['query', 'mutation', 'readyz'] as const).every((kind) => Number.isFinite(firstOk(kind)));
      for (let waited = 0; !recovered() && waited < timeoutMs; waited += 50) await pause(50);
      return {
        recovered: recovered(),
        afterMs: {
          query: Math.round(firstOk('query')),
          mutation: Math.round(firstOk('mutation')),
          readyz: Math.round(firstOk('readyz')),
        },
      };
    },
    async stop() {
      loading = false;
      await Promise.all(loops);
    },
  };
}

const p50 = (values: number[]) =>
  Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN);

describe.skipIf(!hasPostgresBinaries)('PostgreSQL goes away under load and comes back', () => {
  let postgres: PostgresInstance;
  let server: AppProcess;
  let databaseUrl: string;
  let tokens: { service: string; agent: string };
  const sessions: string[] = [];
  /** Every mutation any scenario sent, for the exactly-once check. */
  const mutations: Sample[] = [];
  let dashboard: ReturnType<typeof connectWs>;
  let watched: ReturnType<typeof subscribeWs<{ sessionEvents: { id: string; type: string } }, object>>;

  beforeAll(async () => {
    postgres = await startPostgres();
    databaseUrl = await postgres.createDatabase('app');
    server = await startAppProcess('server', databaseUrl, {
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    // The server migrated the database on start; seed an agent, then two sessions through the API.
    const seeding = openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 });
    const agent = await createAgent(seeding.prisma);
    await seeding.close();
    tokens = {
      service: await server.serviceToken('service:failure-test'),
      agent: await server.tokenFor(agent.authSubject),
    };
    for (let index = 0; index < 2; index++) {
      const input = { agentId: globalId('Agent', agent.id), subject: unique('Outage ') };
      const started = (await expectData(server.url, StartSession, { input }, tokens.service)).startSession;
      if (started.__typename !== 'StartSessionPayload') throw new Error(JSON.stringify(started));
      sessions.push(started.session.id);
    }
    // Warm up: the first requests compile queries and open pool connections.
    for (const sessionId of sessions) {
      await expectData(
        server.url,
        RecordMessage,
        { input: { sessionId, senderType: 'SYSTEM', content: 'warm-up' } },
        tokens.service,
      );
      await expectData(server.url, SessionsPage, {}, tokens.agent);
    }
    // A dashboard on the first session, from the start of its stream, across both outages.
    dashboard = connectWs(server.url, tokens.agent);
    watched = subscribeWs(dashboard, SessionEvents, { sessionId: sessions[0] ?? '', after: encodeEventCursor(0n) });
    await watched.waitFor(1);
  });

  afterAll(async () => {
    await dashboard?.client.dispose();
    await server?.end();
    await postgres?.destroy();
  });

  it('stopped: fails fast with DATABASE_UNAVAILABLE and 503 readiness, then recovers by itself', async () => {
    const load = startLoad(server.url, server.origin, sessions, tokens);
    await load.runFor(2_000, 15, 0);
    const stopBegan = performance.now();
    await postgres.stop('fast');
    const downAt = performance.now();
    await pause(OUTAGE_MS);
    const restartBegan = performance.now();
    await postgres.start();
    const upAt = performance.now();
    const recovery = await load.recovery(upAt, 10_000);
    // Steady again for a while, so lingering broken pool connections would show.
    const settledFrom = performance.now() + 500;
    await load.runFor(2_500, 15, settledFrom);
    await load.stop();
    const { samples } = load;
    mutations.push(...samples.filter((sample) => sample.kind === 'mutation'));

    const healthy = samples.filter((sample) => sample.finishedAt <= stopBegan);
    const down = samples.filter((sample) => sample.startedAt >= downAt && sample.finishedAt <= restartBegan);
    const settled = samples.filter((sample) => sample.startedAt >= settledFrom);
    const failures = samples.filter((sample) => !sample.ok);
    const figures = {
      requests: samples.length,
      healthy: healthy.length,
      settled: settled.length,
      stopTookMs: Math.round(downAt - stopBegan),
      restartTookMs: Math.round(upAt - restartBegan),
      whileDown: {
        requests: down.length,
        p50Ms: p50(down.map(duration)),
        maxMs: Math.round(Math.max(...down.map(duration))),
      },
      recoveryAfterRestartMs: recovery.afterMs,
      slowestMs: Math.round(Math.max(...samples.map(duration))),
      failures: failures.length,
      failureCodes: [...new Set(failures.map((sample) => `${sample.kind}:${sample.status}:${sample.code}`))],
    };
    console.info(`PostgreSQL stopped, figures: ${JSON.stringify(figures)}`);

    expect(
      recovery.recovered,
      `never recovered:\n${summarize(samples.filter((s) => s.startedAt >= upAt)).slice(-3000)}\n${server.output()}`,
    ).toBe(true);
    expect(healthy.filter((sample) => sample.kind !== 'readyz').length).toBeGreaterThanOrEqual(15);
    expect(
      healthy.filter((sample) => !sample.ok),
      'failures before the outage',
    ).toEqual([]);

    // While down: every response is a fast 503, DATABASE_UNAVAILABLE for GraphQL.
    expect(down.filter((sample) => sample.kind !== 'readyz').length).toBeGreaterThan(20);
    expect(down.filter((sample) => sample.kind === 'readyz').length).toBeGreaterThan(5);
    const wrongWhileDown = down.filter((sample) =>
      sample.kind === 'readyz'
        ? sample.status !== 503
        : sample.status !== 503 || sample.code !== 'DATABASE_UNAVAILABLE',
    );
    expect(wrongWhileDown, summarize(wrongWhileDown)).toEqual([]);
    const slowWhileDown = down.filter((sample) => duration(sample) > CONNECT_TIMEOUT_MS + 1_000);
    expect(slowWhileDown, summarize(slowWhileDown)).toEqual([]);

    // Throughout, including requests caught by the stop and the restart: nothing hangs, and a
    // failure is only ever "database unavailable", never a masked internal error.
    const slow = samples.filter((sample) => duration(sample) > REQUEST_TIMEOUT_MS + 1_000 || sample.status === 'hung');
    expect(slow, summarize(slow)).toEqual([]);
    const unexpected = failures.filter((sample) =>
      sample.kind === 'readyz'
        ? sample.status !== 503
        : !toldCommitted(sample) && (sample.status !== 503 || sample.code !== 'DATABASE_UNAVAILABLE'),
    );
    // On failure, the server's own account of what it masked, to find the error's shape.
    const masked = () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":50'))
        .slice(-5)
        .join('\n');
    expect(unexpected, `${summarize(unexpected)}\n${unexpected.length ? masked() : ''}`).toEqual([]);

    // Recovered without a restart, within a few seconds, and steady afterwards.
    for (const afterMs of Object.values(recovery.afterMs)) expect(afterMs).toBeLessThan(5_000);
    expect(settled.filter((sample) => sample.kind !== 'readyz').length).toBeGreaterThanOrEqual(15);
    expect(
      settled.filter((sample) => !sample.ok),
      summarize(settled.filter((sample) => !sample.ok)),
    ).toEqual([]);
    expect(server.alive(), server.output()).toBe(true);
  });

  it('frozen (accepts connections, answers nothing): requests end by their deadline, never hang, then recover', async () => {
    const load = startLoad(server.url, server.origin, sessions, tokens);
    await load.runFor(1_000, 10, 0);

    // Some requests are certainly inside the database when it stalls: agent-token requests
    // look their agent up, and the test holds iso_agents locked, so they wait there.
    const locker = new pg.Client({ connectionString: databaseUrl });
    const observer = new pg.Client({ connectionString: databaseUrl });
    for (const client of [locker, observer]) {
      client.on('error', () => {});
      await client.connect();
    }
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE iso_agents IN ACCESS EXCLUSIVE MODE');
    const caught = Array.from({ length: 2 }, async () => {
      const startedAt = performance.now();
      const { status, body, detail } = await timedOperation(server.url, SessionsPage, {}, tokens.agent);
      return { startedAt, finishedAt: performance.now(), status, code: body?.errors?.[0]?.extensions?.code, detail };
    });
    const waitingOnLock = async () =>
      Number(
        (
          await observer.query<{ waiting: string }>(
            "SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          )
        ).rows[0]?.waiting ?? 0,
      );
    for (let waited = 0; (await waitingOnLock()) < 2 && waited < 5_000; waited += 50) await pause(50);
    await observer.end();

    const frozenAt = performance.now();
    await postgres.freeze();
    await pause(FREEZE_MS);
    const thawAt = performance.now();
    await postgres.thaw();
    await locker.query('COMMIT');
    await locker.end();
    const recovery = await load.recovery(thawAt, 15_000);
    const settledFrom = performance.now() + 500;
    await load.runFor(2_500, 15, settledFrom);
    await load.stop();
    const caughtOutcomes = await Promise.all(caught);
    const { samples } = load;
    mutations.push(...samples.filter((sample) => sample.kind === 'mutation'));

    const duringStall = samples.filter((sample) => sample.finishedAt >= frozenAt && sample.startedAt < thawAt - 200);
    const settled = samples.filter((sample) => sample.startedAt >= settledFrom);
    const figures = {
      requests: samples.length,
      duringStall: duringStall.length,
      stallMs: Math.round(thawAt - frozenAt),
      whileFrozen: {
        p50Ms: p50(duringStall.map(duration)),
        maxMs: Math.round(Math.max(...duringStall.map(duration))),
        outcomes: [...new Set(duringStall.map((sample) => `${sample.kind}:${sample.status}:${sample.code}`))],
      },
      readyzMaxMs: Math.round(Math.max(...duringStall.filter((s) => s.kind === 'readyz').map(duration))),
      caughtInDatabase: caughtOutcomes.map(
        (outcome) => `${outcome.status}:${outcome.code} ${Math.round(outcome.finishedAt - outcome.startedAt)}ms`,
      ),
      recoveryAfterThawMs: recovery.afterMs,
    };
    console.info(`PostgreSQL frozen, figures: ${JSON.stringify(figures)}`);

    // Every request the stall touched ends by its deadline (REQUEST_TIMEOUT_MS) plus a margin,
    // not when the database comes back: the two caught inside it, and the load around them.
    const overdueCaught = caughtOutcomes.filter(
      (outcome) => outcome.finishedAt - outcome.startedAt > REQUEST_TIMEOUT_MS + 1_000,
    );
    expect(overdueCaught, JSON.stringify(figures)).toEqual([]);
    expect(duringStall.filter((sample) => sample.kind === 'readyz').length).toBeGreaterThan(0);
    const overdue = duringStall.filter(
      (sample) => duration(sample) > REQUEST_TIMEOUT_MS + 1_000 || sample.status === 'hung',
    );
    expect(overdue, `${JSON.stringify(figures)}\n${summarize(overdue)}`).toEqual([]);
    // A stalled database is "unavailable" (503) or "too slow" (504 REQUEST_TIMEOUT); never a masked 500.
    // A viewer whose share of the pool hangs on the stalled database is told DATABASE_BUSY (503,
    // retry): from inside its share, hung connections look the same as its own long work.
    const unexpected = samples.filter(
      (sample) =>
        !sample.ok &&
        !toldCommitted(sample) &&
        !(sample.kind === 'readyz' && sample.status === 503) &&
        !(sample.status === 503 && sample.code === 'DATABASE_UNAVAILABLE') &&
        !(sample.status === 503 && sample.code === 'DATABASE_BUSY') &&
        !(sample.status === 504 && sample.code === 'REQUEST_TIMEOUT'),
    );
    expect(unexpected, summarize(unexpected)).toEqual([]);
    expect(
      recovery.recovered,
      `never recovered:\n${summarize(samples.filter((s) => s.startedAt >= thawAt)).slice(-3000)}`,
    ).toBe(true);
    expect(
      settled.filter((sample) => !sample.ok),
      summarize(settled.filter((sample) => !sample.ok)),
    ).toEqual([]);
    expect(server.alive(), server.output()).toBe(true);
  });

  it('kept every acknowledged write exactly once, fed the dashboard every event once, and never crashed', async () => {
    // Writes that timed out on the client may still commit once the database answers again.
    await pause(1_000);
    const checking = openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 });
    try {
      const isAcknowledged = (sample: Sample) => sample.ok || toldCommitted(sample);
      const acknowledged = mutations.filter(isAcknowledged).map((sample) => sample.externalId ?? '');
      const unacknowledged = mutations.filter((sample) => !isAcknowledged(sample)).map((s) => s.externalId ?? '');
      const stored = await checking.prisma.message.groupBy({
        by: ['externalId'],
        where: { externalId: { startsWith: 'outage-msg-' } },
        _count: { _all: true },
      });
      const storedCount = new Map(stored.map((row) => [row.externalId, row._count._all]));
      expect(acknowledged.length).toBeGreaterThan(30);
      expect(
        acknowledged.filter((id) => storedCount.get(id) !== 1),
        'acknowledged but missing or doubled',
      ).toEqual([]);
      // Every stored message was sent by a loop: nothing appears that nobody asked for.
      const sent = new Set([...acknowledged, ...unacknowledged]);
      expect([...storedCount.keys()].filter((id) => !sent.has(id ?? ''))).toEqual([]);
      const committedAnyway = unacknowledged.filter((id) => storedCount.get(id) === 1).length;
      console.info(
        `mutations: ${acknowledged.length} acknowledged, ${unacknowledged.length} failed, ${committedAnyway} of those committed anyway`,
      );

      // Counters agree with the rows and with the activity log: nothing applied twice, nothing lost.
      for (const sessionId of sessions) {
        const session = await checking.prisma.chatSession.findUniqueOrThrow({ where: { id: uuidOf(sessionId) } });
        const rows = await checking.prisma.message.count({ where: { conversationId: session.conversationId } });
        const events = await checking.prisma.sessionEvent.count({
          where: { sessionId: session.id, type: 'MESSAGE_RECORDED' },
        });
        expect({ messageCount: session.messageCount, events }).toEqual({ messageCount: rows, events: rows });
      }

      // The dashboard stayed subscribed through both outages and saw every event exactly once, in order.
      const storedEvents = await checking.prisma.sessionEvent.findMany({
        where: { sessionId: uuidOf(sessions[0] ?? '') },
        orderBy: { id: 'asc' },
      });
      const expectedEvents = storedEvents.map((event) => globalId('SessionEvent', event.id.toString()));
      await watched.waitFor(expectedEvents.length, 5_000).catch(() => undefined);
      await pause(1_500);
      expect(watched.results.filter((result) => result.errors)).toEqual([]);
      expect(watched.results.map((result) => result.data?.sessionEvents.id)).toEqual(expectedEvents);
    } finally {
      await checking.close();
    }

    expect(server.alive(), server.output()).toBe(true);
    expect(server.output()).not.toMatch(/unhandled rejection|uncaught/i);
    await dashboard.client.dispose();
    const exit = await server.stop();
    expect(exit, server.output()).toEqual({ code: 0, signal: null });
  });
});
