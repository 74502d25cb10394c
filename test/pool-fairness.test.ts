import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './generated/index.js';
import { type AppProcess, startAppProcess } from './harness/app-process.js';
import { createAgent, unique } from './harness/factories.js';
import { expectData } from './harness/graphql.js';
import { hasPostgresBinaries, type ProvidedDatabase, pause, provideDatabase } from './harness/services.js';
import { globalId, uuidOf } from './harness/workflow.js';

/**
 * One agent's database work cannot starve everyone else's. The hog's writes all queue on a
 * session row that something else holds locked (a slow statement, as far as the pool can
 * tell): each of them keeps a pooled connection while it waits. With a pool of 4 the hog may
 * hold 2 (its share); its other requests wait for its own connections and are refused with
 * DATABASE_BUSY (503, Retry-After) once the pool's wait runs out, while a bystander agent's
 * queries and /healthz keep answering at once. The server is the production entry point, with
 * its settings from the environment.
 */
const hasDatabase = hasPostgresBinaries || Boolean(process.env['TEST_DATABASE_URL']);
const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 2_000;
const HOG_REQUESTS = 12;
const SHARE = POOL_SIZE / 2;
const BYSTANDER_QUERIES = 5;
/**
 * Generous, the machine is shared: an idle one answers in a few ms. A bystander stuck behind
 * the hog waits until the lock goes or is refused after CONNECT_TIMEOUT_MS.
 */
const BYSTANDER_BOUND_MS = 1_000;

const StartSession = graphql(`
  mutation FairnessStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } ... on Error { message } }
  }
`);

const RecordMessage = graphql(`
  mutation FairnessRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on RecordMessagePayload { created } ... on Error { code message } }
  }
`);

const MySessions = graphql(`
  query FairnessSessions {
    sessions(first: 5) { totalCount edges { node { id messageCount } } }
  }
`);

type Answer = { status: number; ms: number; retryAfter: string | null; code: string | undefined; ok: boolean };

async function timed<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  token: string,
  ok: (data: T) => boolean,
): Promise<Answer> {
  const startedAt = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    signal: AbortSignal.timeout(20_000),
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: Array<{ extensions?: { code?: string } }> };
  return {
    status: response.status,
    ms: Math.round(performance.now() - startedAt),
    retryAfter: response.headers.get('retry-after'),
    code: body.errors?.[0]?.extensions?.code,
    ok: response.status === 200 && !body.errors && body.data !== undefined && ok(body.data),
  };
}

/** Polls `condition` every 50 ms; gives up after 30 s, naming `what` it waited for. */
async function until(condition: () => Promise<boolean> | boolean, what: string) {
  for (const from = performance.now(); !(await condition()); await pause(50)) {
    if (performance.now() - from > 30_000) throw new Error(`timed out waiting for ${what}`);
  }
}

/** What the steps below hand on to the next. */
type Scenario = {
  hogSession: string;
  hogToken: string;
  bystanderToken: string;
  /** Holds the hog's session row locked from the second step until the hog beyond its share is answered. */
  locker: pg.Client;
  /** How many of the hog's requests have been answered so far. */
  answered: number;
  hogAnswers: Promise<Answer[]>;
  bystanderAnswers: Answer[];
  healthz: number[];
  mostBlocked: number;
  /** The hog's answers, once the row is free. */
  hogs?: Answer[];
};

describe.skipIf(!hasDatabase)('one agent cannot hold more than its share of the pool', () => {
  let provided: ProvidedDatabase;
  let server: AppProcess;
  // Filled in by the steps below, which run in order, each on what the one before left.
  const scenario = {} as Scenario;

  beforeAll(async () => {
    provided = await provideDatabase();
    server = await startAppProcess('fair', provided.url, {
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    });
  });

  afterAll(async () => {
    await server?.end();
    await provided?.drop();
  });

  /** The hog's transactions blocked on that row: each holds a pooled connection. */
  const blockedOnTheRow = async () =>
    Number(
      (
        await scenario.locker.query<{ count: string }>(
          "SELECT count(*) AS count FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        )
      ).rows[0]?.count,
    );

  /** What was measured so far, for the log and the assertions' messages. */
  const figures = () =>
    JSON.stringify({
      bystanderMs: scenario.bystanderAnswers.map((answer) => answer.ms),
      healthzMs: scenario.healthz,
      mostBlocked: scenario.mostBlocked,
      hog: scenario.hogs?.map((answer) => `${answer.status}:${answer.code ?? 'OK'}:${answer.ms}ms`),
    });

  it('answers a hog and a bystander agent, each with a session, while nothing is locked', async () => {
    const service = await server.serviceToken('service:fairness');
    const [hog, bystander] = await Promise.all([
      createAgent(provided.database.prisma),
      createAgent(provided.database.prisma),
    ]);
    const sessionOf = async (agentId: string) => {
      const input = { agentId: globalId('Agent', agentId), subject: unique('Fairness ') };
      const started = (await expectData(server.url, StartSession, { input }, service)).startSession;
      if (started.__typename !== 'StartSessionPayload') throw new Error(JSON.stringify(started));
      return started.session.id;
    };
    const [hogSession] = await Promise.all([sessionOf(hog.id), sessionOf(bystander.id)]);
    scenario.hogSession = hogSession ?? '';
    scenario.hogToken = await server.tokenFor(hog.authSubject);
    scenario.bystanderToken = await server.tokenFor(bystander.authSubject);
    // Warm up: the first requests compile their queries and open the pool's connections.
    const warmUp = { sessionId: scenario.hogSession, senderType: 'AGENT' as const, content: 'warm-up' };
    for (let round = 0; round < 2; round++) {
      await Promise.all([
        expectData(server.url, RecordMessage, { input: warmUp }, scenario.hogToken),
        expectData(server.url, MySessions, {}, scenario.bystanderToken),
      ]);
    }
  });

  it('lets the hog take its share of the pool with writes blocked on its locked session row', async () => {
    const { hogSession, hogToken } = scenario;
    // Something else holds the hog's session row: every write of the hog waits on it, in a transaction.
    const locker = new pg.Client({ connectionString: provided.url });
    scenario.locker = locker;
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM chat_sessions WHERE id = $1 FOR UPDATE', [uuidOf(hogSession)]);
    scenario.answered = 0;
    // Awaited once the row is free, after the bystander's turn.
    scenario.hogAnswers = Promise.all(
      Array.from({ length: HOG_REQUESTS }, (_, index) =>
        timed(
          server.url,
          RecordMessage,
          { input: { sessionId: hogSession, senderType: 'AGENT', content: `hog ${index}` } },
          hogToken,
          (data) => data.recordMessage.__typename === 'RecordMessagePayload',
        ).finally(() => {
          scenario.answered += 1;
        }),
      ),
    );
    await until(async () => (await blockedOnTheRow()) >= SHARE, 'the hog to hold its share');
  });

  it('meanwhile serves every bystander query, at a median under 1 s, and every /healthz probe under 1 s', async () => {
    // The bystander reads, one query at a time, and a probe asks /healthz.
    const bystanderAnswers: Answer[] = [];
    const healthz: number[] = [];
    Object.assign(scenario, { bystanderAnswers, healthz, mostBlocked: 0 });
    for (let round = 0; round < BYSTANDER_QUERIES; round++) {
      bystanderAnswers.push(
        await timed(server.url, MySessions, {}, scenario.bystanderToken, (data) => data.sessions.totalCount === 1),
      );
      const probeAt = performance.now();
      const probe = await fetch(`${server.origin}/healthz`, { signal: AbortSignal.timeout(10_000) });
      await probe.arrayBuffer();
      healthz.push(probe.status === 200 ? Math.round(performance.now() - probeAt) : -probe.status);
      scenario.mostBlocked = Math.max(scenario.mostBlocked, await blockedOnTheRow());
    }

    expect(
      bystanderAnswers.filter((answer) => !answer.ok),
      figures(),
    ).toEqual([]);
    const sorted = bystanderAnswers.map((answer) => answer.ms).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)], figures()).toBeLessThan(BYSTANDER_BOUND_MS);
    expect(
      healthz.filter((ms) => ms < 0 || ms >= BYSTANDER_BOUND_MS),
      figures(),
    ).toEqual([]);
  });

  it('answers every hog request beyond its share while its row is still locked', async () => {
    // The row stays locked until every hog request beyond its share has been answered, so that
    // none of them can be let through late by the lock going.
    await until(() => scenario.answered >= HOG_REQUESTS - SHARE, 'the hog beyond its share to be answered');
    await scenario.locker.query('COMMIT');
    await scenario.locker.end();
  });

  it('keeps the hog to its share: those writes go through once the row is free, the rest are refused with DATABASE_BUSY (503, Retry-After)', async () => {
    const hogs = await scenario.hogAnswers;
    scenario.hogs = hogs;
    console.info(`Pool fairness figures: ${figures()}`);

    // The hog's writes that held its share went through once the row was free; the rest were
    // refused as busy, with a hint when to retry.
    const written = hogs.filter((answer) => answer.ok);
    const busy = hogs.filter((answer) => answer.code === 'DATABASE_BUSY');
    expect(written.length + busy.length, figures()).toBe(HOG_REQUESTS);
    expect(scenario.mostBlocked, figures()).toBe(SHARE);
    expect(written.length, figures()).toBe(SHARE);
    expect(busy.every((answer) => answer.status === 503 && Number(answer.retryAfter) > 0)).toBe(true);
  });

  it("stores only the hog's written messages: the refused ones changed nothing", async () => {
    // Without the hog's answers (the step before failed) there is nothing to compare with.
    if (!scenario.hogs) throw new Error("the hog's requests were never all answered");
    const written = scenario.hogs.filter((answer) => answer.ok);
    const messages = await provided.database.prisma.message.count({
      where: {
        conversation: { sessions: { some: { id: uuidOf(scenario.hogSession) } } },
        content: { startsWith: 'hog ' },
      },
    });
    expect(messages).toBe(written.length);
  });
});
