import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { graphql } from './generated/index.js';
import { type AppProcess, startAppProcess } from './harness/app-process.js';
import { createAgent, unique } from './harness/factories.js';
import { expectData } from './harness/graphql.js';
import { hasPostgresBinaries, type PostgresInstance, pause, startPostgres } from './harness/services.js';
import { globalId, uuidOf } from './harness/workflow.js';

/**
 * An operator (or a failover, or pgbouncer) terminates the server's PostgreSQL backends
 * while write transactions are in flight. The process must survive every time, the hit
 * requests fail with DATABASE_UNAVAILABLE (never a masked 500 or a dropped connection), the
 * server serves again by itself, and what it acknowledged is stored exactly once. The server
 * runs as a real child process, so an unhandled error event would really end it.
 */
const WRITERS = 12;
const READERS = 3;
const SESSIONS = 4;
const TERMINATIONS = 10;
const TERMINATE_EVERY_MS = 400;

const StartSession = graphql(`
  mutation TerminationStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } ... on Error { message } }
  }
`);

const RecordMessage = graphql(`
  mutation TerminationRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on RecordMessagePayload { created } ... on Error { code message } }
  }
`);

const SessionsPage = graphql(`
  query TerminationSessions {
    sessions(first: 10) {
      totalCount
      edges { node { id messageCount conversation { messages(first: 3) { edges { node { id } } } } } }
    }
  }
`);

type Outcome = { kind: 'mutation' | 'query'; status: number | 'network-error'; code?: string; externalId?: string };

async function post<T, V>(url: string, document: TypedDocumentNode<T, V>, variables: V, token: string) {
  try {
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
    return { status: response.status, body };
  } catch {
    return { status: 'network-error' as const, body: undefined };
  }
}

/** What the steps below hand on to the next. */
type Scenario = {
  /** Every answer the load got, in the order they came. */
  outcomes: Outcome[];
  /** The backends terminated and the answers counted by status and code, for the messages. */
  figures: { terminated: number; mutations: Record<string, number>; queries: Record<string, number> };
};

describe.skipIf(!hasPostgresBinaries)('PostgreSQL backends terminated under write load', () => {
  let postgres: PostgresInstance;
  let server: AppProcess;
  let tokens: { service: string; agent: string };
  const sessions: string[] = [];
  // Filled in by the first step; the ones after it check what the load and the terminations left.
  const scenario = {} as Scenario;

  beforeAll(async () => {
    postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase('app');
    server = await startAppProcess('server', databaseUrl, { SHUTDOWN_TIMEOUT_MS: '3000' });
    const seeding = openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 });
    const agent = await createAgent(seeding.prisma);
    await seeding.close();
    tokens = {
      service: await server.serviceToken('service:termination-test'),
      agent: await server.tokenFor(agent.authSubject),
    };
    for (let index = 0; index < SESSIONS; index++) {
      const input = { agentId: globalId('Agent', agent.id), subject: unique('Terminated ') };
      const started = (await expectData(server.url, StartSession, { input }, tokens.service)).startSession;
      if (started.__typename !== 'StartSessionPayload') throw new Error(JSON.stringify(started));
      sessions.push(started.session.id);
    }
  });

  afterAll(async () => {
    await server?.end();
    await postgres?.destroy();
  });

  /** A connection of the test's own, apart from the server's pool, to read what was stored. */
  const openCheck = () => openDatabase({ kind: 'postgres', url: postgres.url('app'), poolSize: 2 });

  it('survives ten rounds of terminated backends under write and read load', async () => {
    const outcomes: Outcome[] = [];
    scenario.outcomes = outcomes;
    let loading = true;
    const writer = async (index: number) => {
      while (loading) {
        const externalId = unique('term-');
        const sessionId = sessions[index % sessions.length] ?? '';
        const input = { sessionId, senderType: 'OPERATOR' as const, content: `load ${externalId}`, externalId };
        const { status, body } = await post(server.url, RecordMessage, { input }, tokens.service);
        const payload = body?.data?.recordMessage;
        const acknowledged = status === 200 && payload?.__typename === 'RecordMessagePayload' && payload.created;
        outcomes.push({
          kind: 'mutation',
          status,
          code: acknowledged ? 'OK' : (body?.errors?.[0]?.extensions?.code ?? payload?.__typename ?? 'NO_BODY'),
          externalId,
        });
      }
    };
    const reader = async () => {
      while (loading) {
        const { status, body } = await post(server.url, SessionsPage, {}, tokens.agent);
        const ok = status === 200 && !body?.errors && body?.data?.sessions.totalCount === SESSIONS;
        outcomes.push({ kind: 'query', status, code: ok ? 'OK' : (body?.errors?.[0]?.extensions?.code ?? 'NO_BODY') });
      }
    };
    const loops = [
      ...Array.from({ length: WRITERS }, (_, index) => writer(index)),
      ...Array.from({ length: READERS }, () => reader()),
    ];

    // The killer connects to another database, so it only ever terminates the server's backends.
    const admin = new pg.Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    let terminated = 0;
    try {
      await pause(1_000);
      for (let round = 0; round < TERMINATIONS && server.alive(); round++) {
        const result = await admin.query<{ count: string }>(
          "SELECT count(pg_terminate_backend(pid)) AS count FROM pg_stat_activity WHERE datname = 'app' AND pid <> pg_backend_pid()",
        );
        terminated += Number(result.rows[0]?.count ?? 0);
        await pause(TERMINATE_EVERY_MS);
      }
    } finally {
      await admin.end();
    }
    // Load goes on for a while after the last termination: the pool must heal under it.
    await pause(1_000);
    loading = false;
    await Promise.all(loops);

    const byCode = (kind: Outcome['kind']) => {
      const counts: Record<string, number> = {};
      for (const outcome of outcomes.filter((entry) => entry.kind === kind)) {
        const key = `${outcome.status}:${outcome.code}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    };
    scenario.figures = { terminated, mutations: byCode('mutation'), queries: byCode('query') };
    console.info(`Backend terminations, figures: ${JSON.stringify(scenario.figures)}`);

    // Alive first: a server that died ends the terminations early, and that is the failure to report.
    expect(server.alive(), `the server died:\n${server.output().slice(-4000)}`).toBe(true);
    expect(terminated).toBeGreaterThanOrEqual(TERMINATIONS);
  });

  it('refuses only with 503 DATABASE_UNAVAILABLE or DATABASE_BUSY: nothing masked, no connection dropped', () => {
    // Every refusal is a 503 that says the database was unavailable (or, on a loaded machine,
    // busy); nothing is masked as an internal error, no connection is dropped.
    const failures = scenario.outcomes.filter((outcome) => outcome.code !== 'OK');
    expect(
      failures.filter(
        (outcome) =>
          outcome.status !== 503 || (outcome.code !== 'DATABASE_UNAVAILABLE' && outcome.code !== 'DATABASE_BUSY'),
      ),
      `${JSON.stringify(scenario.figures)}\n${server.output().slice(-4000)}`,
    ).toEqual([]);
  });

  it('serves again without a restart: ready, and a write and a read succeed', async () => {
    expect((await fetch(`${server.origin}/readyz`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    const after = { sessionId: sessions[0] ?? '', senderType: 'SYSTEM' as const, content: 'after the terminations' };
    const recorded = await expectData(server.url, RecordMessage, { input: after }, tokens.service);
    expect(recorded.recordMessage).toMatchObject({ created: true });
    expect((await expectData(server.url, SessionsPage, {}, tokens.agent)).sessions.totalCount).toBe(SESSIONS);
  });

  it('stores every acknowledged write exactly once, and none that no client was told about', async () => {
    const check = openCheck();
    try {
      const stored = await check.prisma.message.findMany({
        where: { externalId: { startsWith: 'term-' } },
        select: { externalId: true },
      });
      const storedIds = new Set(stored.map((message) => message.externalId));
      const acknowledged = scenario.outcomes.filter((outcome) => outcome.kind === 'mutation' && outcome.code === 'OK');
      expect(acknowledged.filter((outcome) => !storedIds.has(outcome.externalId ?? null))).toEqual([]);
      expect(stored.length).toBe(storedIds.size);
      // A row nobody was told about could only come from a connection lost during COMMIT.
      expect(stored.length, `rows that no client was told about; ${JSON.stringify(scenario.figures)}`).toBe(
        acknowledged.length,
      );
    } finally {
      await check.close();
    }
  });

  it("keeps each session's message counter and event log in agreement with its rows", async () => {
    const check = openCheck();
    try {
      for (const sessionId of sessions) {
        const session = await check.prisma.chatSession.findUniqueOrThrow({
          where: { id: uuidOf(sessionId) },
          select: { messageCount: true, conversationId: true },
        });
        const rows = await check.prisma.message.count({ where: { conversationId: session.conversationId } });
        const events = await check.prisma.sessionEvent.count({
          where: { sessionId: uuidOf(sessionId), type: 'MESSAGE_RECORDED' },
        });
        expect({ counter: session.messageCount, events }).toEqual({ counter: rows, events: rows });
      }
    } finally {
      await check.close();
    }
  });
});
