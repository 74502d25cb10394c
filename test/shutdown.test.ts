import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Agent } from '../src/generated/prisma/client.js';
import { encodeEventCursor } from '../src/modules/activity/event-cursor.js';
import { graphql } from './generated/index.js';
import { type AppProcess, startAppProcess } from './harness/app-process.js';
import { createAgent, createSessionGraph, unique } from './harness/factories.js';
import { hasPostgresBinaries, type ProvidedDatabase, pause, provideDatabase } from './harness/services.js';
import { connectWs } from './harness/subscriptions.js';
import { globalId } from './harness/workflow.js';

/**
 * SIGTERM under load: requests already being served finish and succeed, subscribers get
 * a clean completion on both transports, new connections are refused, and the process
 * exits 0 in bounded time. The in-flight requests are made slow on purpose: the test
 * holds an exclusive lock on `messages`, which every one of them reads, until after
 * the signal, so "in flight at SIGTERM" is a fact checked in pg_stat_activity, not a guess.
 */
/**
 * Generous, because it also bounds how long the drain takes: a response finished after
 * SIGTERM still says `Connection: keep-alive`, and its socket stays open until the client
 * drops it (undici: ~3 s) or this timeout force-closes it.
 */
const SHUTDOWN_TIMEOUT_MS = 8_000;
/** How long the lock keeps the in-flight requests waiting after SIGTERM. */
const HELD_AFTER_SIGNAL_MS = 1_500;
const SESSIONS = 20;
const hasDatabase = hasPostgresBinaries || Boolean(process.env['TEST_DATABASE_URL']);

const BigPage = graphql(`
  query ShutdownBigPage {
    sessions(first: 20) {
      totalCount
      edges {
        node {
          id status currentStep messageCount quotesReceivedCount
          agent { id email }
          conversation { id messages(first: 10) { totalCount edges { node { id content senderType createdAt } } } }
          request { id passengers legs { sequence departureAirport arrivalAirport departureAt } quotes(first: 10) { edges { node { id totalPrice operator { name } } } } }
          primaryQuote { id totalPrice }
          proposal { id number total status }
        }
      }
    }
  }
`);

const RecordMessage = graphql(`
  mutation ShutdownRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on RecordMessagePayload { created recorded: message { id } } ... on Error { message } }
  }
`);

const SessionEvents = graphql(`
  subscription ShutdownSessionEvents($sessionId: ID!, $after: String) {
    sessionEvents(sessionId: $sessionId, after: $after) { id cursor type }
  }
`);

const ActivityFeed = graphql(`
  subscription ShutdownActivityFeed($after: String) {
    activityFeed(after: $after) { id cursor type }
  }
`);

type Outcome = {
  status: number | 'network-error';
  body: { data?: unknown; errors?: unknown[] } | undefined;
  detail?: string;
  finishedAt: number;
};

async function post<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  token: string,
): Promise<Outcome> {
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
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text), finishedAt: performance.now() };
  } catch (error) {
    return {
      status: 'network-error',
      body: undefined,
      detail: String((error as Error).cause ?? error),
      finishedAt: performance.now(),
    };
  }
}

/** A graphql-ws subscription that tells a server `complete` apart from an error or a dropped socket. */
function wsSubscription<V>(url: string, token: string, document: TypedDocumentNode<unknown, V>, variables: V) {
  const state = { results: 0, errors: [] as string[], completed: false, closeCode: undefined as number | undefined };
  let ended: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const { client, closed } = connectWs(url, token);
  const socketClosed = closed.then(({ code }) => {
    state.closeCode = code;
    return code;
  });
  client.subscribe(
    { query: print(document), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors) state.errors.push(JSON.stringify(result.errors));
        else state.results += 1;
      },
      error: (error) => {
        state.errors.push(error instanceof Error ? error.message : JSON.stringify(error));
        ended();
      },
      complete: () => {
        state.completed = true;
        ended();
      },
    },
  );
  return { state, finished, socketClosed, dispose: () => client.dispose() };
}

/** SSE as yoga serves it; records whether the stream ended with `event: complete`, cleanly or with an error. */
async function sseSubscription<V>(url: string, token: string, document: TypedDocumentNode<unknown, V>, variables: V) {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: abort.signal,
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const state = {
    status: response.status,
    results: 0,
    errors: [] as string[],
    sawComplete: false,
    endedCleanly: false,
    failure: undefined as string | undefined,
  };
  const finished = (async () => {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        for (let boundary = pending.indexOf('\n\n'); boundary !== -1; boundary = pending.indexOf('\n\n')) {
          const message = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          if (/^event: complete$/m.test(message)) state.sawComplete = true;
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (!data) continue;
          const result = JSON.parse(data) as { errors?: unknown };
          if (result.errors) state.errors.push(JSON.stringify(result.errors));
          else state.results += 1;
        }
      }
      state.endedCleanly = true;
    } catch (error) {
      state.failure = String((error as Error).cause ?? error);
    }
  })();
  return { state, finished, close: () => abort.abort() };
}

/** True when nothing accepts a new TCP connection on the port. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** A new HTTP request on a new connection (no pooled keep-alive socket); resolves with the status or the error code. */
function freshHttpRequest(origin: string): Promise<number | string> {
  return new Promise((resolve) => {
    const outgoing = httpRequest(`${origin}/healthz`, { agent: false, timeout: 5_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    outgoing.end();
  });
}

/**
 * One drain, step by step: each `it` takes the server a step further and checks that step,
 * so the steps run in order and share what they saw.
 */
describe.skipIf(!hasDatabase).sequential('SIGTERM drains the server', () => {
  let provided: ProvidedDatabase;
  let server: AppProcess;
  let agent: Agent;
  let locker: pg.Client | undefined;
  let observer: pg.Client | undefined;
  const sessionIds: string[] = [];

  let agentToken: string;
  let wsEvents: ReturnType<typeof wsSubscription>;
  let wsFeed: ReturnType<typeof wsSubscription>;
  let sseEvents: Awaited<ReturnType<typeof sseSubscription>>;
  let pages: Promise<Outcome>[];
  let mutations: Promise<Outcome>[];
  let externalIds: string[];
  let signalledAt: number;
  let exitedAt = Number.NaN;
  let releasedAt: number;
  /** The drain's timings as they are taken, printed at the end and with every failure. */
  const figures: Record<string, number> = {};
  const context = () => `${JSON.stringify(figures)}\n${server.output()}`;

  beforeAll(async () => {
    provided = await provideDatabase();
    agent = await createAgent(provided.database.prisma);
    for (let batch = 0; batch < SESSIONS; batch += 5) {
      const graphs = await Promise.all(
        Array.from({ length: 5 }, () =>
          createSessionGraph(provided.database.prisma, agent, { messages: 12, quotes: 4 }),
        ),
      );
      sessionIds.push(...graphs.map(({ session }) => globalId('ChatSession', session.id)));
    }
    server = await startAppProcess('server', provided.url, {
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '20',
    });
    agentToken = await server.tokenFor(agent.authSubject);
  });

  afterAll(async () => {
    await Promise.all([wsEvents?.dispose(), wsFeed?.dispose()]);
    sseEvents?.close();
    await Promise.all([locker?.end(), observer?.end()].map((ending) => ending?.catch(() => {})));
    if (server?.alive()) server.child.kill('SIGKILL');
    await provided?.drop();
  });

  it('answers a page before the signal (warm-up, and what a page costs unhindered)', async () => {
    const warm = performance.now();
    const warmPage = await post(server.url, BigPage, {}, agentToken);
    expect(warmPage.body?.errors, JSON.stringify(warmPage.body)).toBeUndefined();
    figures['unhinderedPageMs'] = Math.round(performance.now() - warm);
  });

  it('has live subscriptions on both transports', async () => {
    // Each replays the stored SESSION_STARTED first, so one result means it is live.
    const watched = sessionIds[0] ?? '';
    wsEvents = wsSubscription(server.url, agentToken, SessionEvents, {
      sessionId: watched,
      after: encodeEventCursor(0n),
    });
    wsFeed = wsSubscription(server.url, agentToken, ActivityFeed, { after: encodeEventCursor(0n) });
    sseEvents = await sseSubscription(server.url, agentToken, SessionEvents, {
      sessionId: watched,
      after: encodeEventCursor(0n),
    });
    expect(sseEvents.state.status).toBe(200);
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (wsEvents.state.results >= 1 && wsFeed.state.results >= SESSIONS && sseEvents.state.results >= 1) break;
      await pause(50);
    }
    expect([wsEvents.state.results, wsFeed.state.results, sseEvents.state.results]).toEqual([1, SESSIONS, 1]);
  });

  it('holds four pages and three writes in the database, behind a lock on messages', async () => {
    const serviceToken = await server.serviceToken('service:shutdown-test');
    const lock = new pg.Client({ connectionString: provided.url });
    const watch = new pg.Client({ connectionString: provided.url });
    [locker, observer] = [lock, watch];
    for (const client of [lock, watch]) {
      client.on('error', () => {});
      await client.connect();
    }
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
    pages = Array.from({ length: 4 }, () => post(server.url, BigPage, {}, agentToken));
    externalIds = sessionIds.slice(1, 4).map(() => unique('drain-msg-'));
    mutations = externalIds.map((externalId, index) =>
      post(
        server.url,
        RecordMessage,
        {
          input: {
            sessionId: sessionIds[index + 1] ?? '',
            senderType: 'OPERATOR',
            content: 'in flight at SIGTERM',
            externalId,
          },
        },
        serviceToken,
      ),
    );
    const waitingOnLock = async () =>
      Number(
        // From outside the locking transaction: pg_stat_activity is a snapshot per transaction.
        (
          await watch.query<{ waiting: string }>(
            "SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          )
        ).rows[0]?.waiting ?? 0,
      );
    let waiting = 0;
    for (let waited = 0; waited < 10_000 && waiting < pages.length + mutations.length; waited += 50) {
      waiting = await waitingOnLock();
      if (waiting < pages.length + mutations.length) await pause(50);
    }
    expect(waiting, 'requests blocked in the database before SIGTERM').toBe(pages.length + mutations.length);
  });

  it('refuses new connections soon after SIGTERM, while the old ones are still served', async () => {
    // SIGTERM while all seven are in flight.
    signalledAt = performance.now();
    server.child.kill('SIGTERM');
    void server.exited.then(() => {
      exitedAt = performance.now();
    });

    let refusedAfterMs = Number.NaN;
    const port = Number(new URL(server.origin).port);
    for (let waited = 0; waited < 2_000; waited += 20) {
      if (await refusesConnections(port)) {
        refusedAfterMs = performance.now() - signalledAt;
        break;
      }
      await pause(20);
    }
    figures['refusedNewConnectionsAfterMs'] = Math.round(refusedAfterMs);
    const freshRequest = await freshHttpRequest(server.origin);
    const freshSocket = await new Promise<string>((resolve) => {
      const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.once('open', () => {
        socket.close();
        resolve('open');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    const stillDraining = server.alive();

    expect(stillDraining, context()).toBe(true);
    expect(refusedAfterMs, context()).toBeLessThan(1_000);
    expect(freshRequest).toBe('ECONNREFUSED');
    expect(freshSocket).toBe('ECONNREFUSED');
  });

  it('completes subscriptions cleanly without waiting for the in-flight requests', async () => {
    await Promise.all([
      wsEvents.finished,
      wsFeed.finished,
      sseEvents.finished,
      wsEvents.socketClosed,
      wsFeed.socketClosed,
    ]);
    figures['subscriptionsEndedAfterMs'] = Math.round(performance.now() - signalledAt);

    // A clean `complete` on WebSocket (then 1001 going away) and `event: complete` on SSE.
    for (const ws of [wsEvents, wsFeed]) {
      expect(ws.state, context()).toMatchObject({ completed: true, errors: [], closeCode: 1001 });
    }
    expect(sseEvents.state, context()).toMatchObject({
      sawComplete: true,
      endedCleanly: true,
      errors: [],
      failure: undefined,
    });
  });

  it('answers every in-flight request once the lock lets go, none cut short and none before', async () => {
    const heldFor = HELD_AFTER_SIGNAL_MS - (performance.now() - signalledAt);
    if (heldFor > 0) await pause(heldFor);
    const stillDrainingAtRelease = server.alive();
    // Taken as COMMIT is sent: a request it frees may answer before this process reads COMMIT's reply.
    releasedAt = performance.now();
    figures['lockReleasedAfterMs'] = Math.round(releasedAt - signalledAt);
    await locker?.query('COMMIT');

    const pageOutcomes = await Promise.all(pages);
    const mutationOutcomes = await Promise.all(mutations);
    const lastAnsweredAt = Math.max(...[...pageOutcomes, ...mutationOutcomes].map((outcome) => outcome.finishedAt));
    figures['lastInFlightAnsweredAfterMs'] = Math.round(lastAnsweredAt - signalledAt);

    expect(stillDrainingAtRelease, context()).toBe(true);
    const answeredBeforeRelease = [...pageOutcomes, ...mutationOutcomes].filter(
      (outcome) => outcome.finishedAt < releasedAt,
    );
    expect(answeredBeforeRelease, 'answered while the lock still held them').toEqual([]);
    for (const outcome of pageOutcomes) {
      expect({ status: outcome.status, errors: outcome.body?.errors, detail: outcome.detail }, context()).toEqual({
        status: 200,
        errors: undefined,
        detail: undefined,
      });
      const page = outcome.body?.data as {
        sessions: { totalCount: number; edges: Array<{ node: { conversation: { messages: { edges: unknown[] } } } }> };
      };
      expect(page.sessions.totalCount).toBe(SESSIONS);
      expect(page.sessions.edges).toHaveLength(SESSIONS);
      expect(page.sessions.edges.every((edge) => edge.node.conversation.messages.edges.length === 10)).toBe(true);
    }
    for (const outcome of mutationOutcomes) {
      expect({ status: outcome.status, errors: outcome.body?.errors, detail: outcome.detail }, context()).toEqual({
        status: 200,
        errors: undefined,
        detail: undefined,
      });
      const payload = (outcome.body?.data as { recordMessage: { __typename: string; created: boolean } } | undefined)
        ?.recordMessage;
      expect(payload).toMatchObject({
        __typename: 'RecordMessagePayload',
        created: true,
      });
    }
  });

  it('stores every write that was in flight', async () => {
    expect(await provided.database.prisma.message.count({ where: { externalId: { in: externalIds } } })).toBe(
      externalIds.length,
    );
  });

  it('exits 0 within the shutdown timeout plus a margin', async () => {
    const exit = await Promise.race([server.exited, pause(SHUTDOWN_TIMEOUT_MS + 5_000).then(() => 'timeout' as const)]);
    if (exit === 'timeout') server.child.kill('SIGKILL');
    figures['exitedAfterMs'] = Math.round(exitedAt - signalledAt);
    figures['exitedAfterLastAnswerMs'] = Math.round(
      exitedAt - signalledAt - (figures['lastInFlightAnsweredAfterMs'] ?? Number.NaN),
    );
    console.info(`SIGTERM drain figures: ${JSON.stringify(figures)}`);

    expect(exit, context()).toEqual({ code: 0, signal: null });
    expect(exitedAt - signalledAt, context()).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2_000);
  });
});
