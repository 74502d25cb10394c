import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { describe, expect } from 'vitest';
import { signToken } from '../src/auth/tokens.js';
import { createLogger } from '../src/logger.js';
import { graphql } from './generated/index.js';
import { unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { startTestServer, type TestServer } from './harness/server.js';
import { connectWs } from './harness/subscriptions.js';

const JWT_SECRET = `logging-test-secret-${unique()}-0123456789`;

const LogViewer = graphql(`query LogViewer { viewer { id } }`);
const LogSessions = graphql(`query LogSessions($first: Int) { sessions(first: $first) { totalCount } }`);
const LogStartSession = graphql(`
  mutation LogStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } }
  }
`);
const LogRecordMessage = graphql(`
  mutation LogRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on Error { code } ... on RecordMessagePayload { recorded: message { content } } }
  }
`);

const LogFeed = graphql(`subscription LogFeed { activityFeed { id type } }`);

/** A line as pino writes it: numeric level, epoch-ms time, msg, then the fields. */
type LogLine = { level: number; time: number; msg: string } & Record<string, unknown>;
const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** The server's log: every line parsed, and exactly as written (before parsing). */
type Logs = { lines: LogLine[]; written: string[] };
const testStarted = Date.now();

const it = base
  .extend('logs', { scope: 'file' }, { lines: [], written: [] } as Logs)
  // The file's server with the server's own logger, every level kept (debug included), writing to
  // `logs` instead of stdout; a TestServer, so the shared agent and token fixtures work on it.
  .extend('server', { scope: 'file' }, async ({ database, logs }, { onCleanup }): Promise<TestServer> => {
    const logger = createLogger('debug', {
      write(line: string) {
        logs.written.push(line);
        logs.lines.push(JSON.parse(line) as LogLine);
      },
    });
    const server = await startTestServer(database, { JWT_SECRET }, { logger });
    onCleanup(() => server.stop());
    return server;
  })
  /** POSTs an operation (as the agent unless given another bearer) and returns the response's request id with the result. */
  .extend(
    'send',
    { scope: 'file' },
    async ({ server, token }) =>
      async <TData, TVariables>(
        document: TypedDocumentNode<TData, TVariables> | string,
        variables: TVariables | undefined,
        bearer = token,
      ) => {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json',
            authorization: `Bearer ${bearer}`,
          },
          body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
        });
        const body = (await response.json()) as { data?: TData; errors?: unknown[] };
        return { requestId: response.headers.get('x-request-id') as string, body };
      },
  );

const operationLines = (logs: Logs, requestId: string) =>
  logs.lines.filter((line) => line.msg === 'operation' && line['requestId'] === requestId);

describe('the shape of a line', () => {
  it("is pino's: numeric level, time in epoch milliseconds, msg, then the fields", async ({ send, logs }) => {
    const { requestId } = await send(LogViewer, undefined);
    const [line] = operationLines(logs, requestId);
    expect(line).toMatchObject({ level: LEVEL.info, msg: 'operation', pid: process.pid });
    expect(line?.time).toBeGreaterThanOrEqual(testStarted);
    expect(line?.time).toBeLessThanOrEqual(Date.now());
    // One JSON object per line, newline-terminated, as log shippers read them.
    for (const text of logs.written) expect(text).toMatch(/^\{.*\}\n$/);
  });

  it('honours the level: lines below it are not written', () => {
    const kept: string[] = [];
    const logger = createLogger('warn', { write: (text: string) => kept.push(text) });
    logger.debug('debug line');
    logger.info('info line');
    logger.warn('warn line');
    logger.error('error line', { error: new Error('boom') });
    expect(kept.map((text) => JSON.parse(text) as LogLine).map(({ level, msg }) => ({ level, msg }))).toEqual([
      { level: LEVEL.warn, msg: 'warn line' },
      { level: LEVEL.error, msg: 'error line' },
    ]);
    expect(JSON.parse(kept[1] as string).error).toMatchObject({ name: 'Error', message: 'boom' });
  });

  it('redacts secrets: credential fields, and connection strings or tokens inside messages', ({ token }) => {
    const kept: string[] = [];
    const logger = createLogger('info', { write: (text: string) => kept.push(text) });
    const password = unique('pw-');
    logger.warn('connection failed', {
      authorization: `Bearer ${token}`,
      headers: { authorization: `Bearer ${token}`, cookie: `session=${password}` },
      password,
      connectionParams: { authorization: token },
      databaseUrl: `postgresql://app:${password}@db.internal:5432/chat`,
      error: new Error(`connect to postgresql://app:${password}@db.internal:5432/chat failed with ${token}`),
      count: 3n,
    });
    logger.info(`retrying redis://:${password}@cache.internal:6379 with Bearer ${token}`);
    const text = kept.join('');
    expect(text).not.toContain(password);
    expect(text).not.toContain(token);
    const [fields, message] = kept.map((line) => JSON.parse(line) as LogLine);
    expect(fields).toMatchObject({
      authorization: '[Redacted]',
      headers: { authorization: '[Redacted]', cookie: '[Redacted]' },
      password: '[Redacted]',
      connectionParams: { authorization: '[Redacted]' },
      databaseUrl: '[Redacted]',
      count: '3',
    });
    // What is not secret stays readable: the user, host and database of a connection string.
    expect((fields?.['error'] as { message: string } | undefined)?.message).toBe(
      'connect to postgresql://app:[Redacted]@db.internal:5432/chat failed with [Redacted]',
    );
    expect(message?.msg).toBe('retrying redis://:[Redacted]@cache.internal:6379 with Bearer [Redacted]');
  });
});

describe('one log line per operation', () => {
  it('logs request id, operation name, viewer, duration and outcome', async ({ server, agent, send, logs }) => {
    // The body names no operationName (GraphQL over HTTP makes it optional): the document does.
    const ok = await send(LogViewer, undefined);
    const [okLine, ...extra] = operationLines(logs, ok.requestId);
    expect(extra, JSON.stringify(logs.lines, null, 2)).toEqual([]);
    expect(okLine).toMatchObject({ level: LEVEL.info, operationName: 'LogViewer', viewer: agent.id, outcome: 'ok' });
    expect(okLine?.['durationMs']).toEqual(expect.any(Number));
    expect(okLine?.['durationMs']).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(okLine))).toEqual(okLine);

    const refused = await send(LogSessions, { first: 101 });
    expect(operationLines(logs, refused.requestId)).toEqual([
      expect.objectContaining({
        operationName: 'LogSessions',
        viewer: agent.id,
        outcome: 'error',
        errorCodes: ['PAGE_SIZE_EXCEEDED'],
      }),
    ]);

    const integration = unique('integration-');
    const asService = await send(
      LogViewer,
      undefined,
      await signToken(server.config.auth, { subject: integration, service: true }),
    );
    expect(operationLines(logs, asService.requestId)).toEqual([
      expect.objectContaining({ viewer: `service:${integration}`, outcome: 'ok' }),
    ]);
  });

  it('logs an operation refused before execution too', async ({ send, logs }) => {
    const tooDeep = `query LogTooDeep { sessions { edges { node { request { quotes { edges { node { request { quotes { edges { node { request { id } } } } } } } } } } } } }`;
    const refused = await send(tooDeep, undefined);
    expect(refused.body.errors).toBeDefined();
    expect(operationLines(logs, refused.requestId), 'no line for a refused operation').toEqual([
      // Refused before the viewer is resolved, so the line names the refusal rather than the viewer.
      expect.objectContaining({ operationName: 'LogTooDeep', outcome: 'refused', errorCodes: ['QUERY_TOO_DEEP'] }),
    ]);
  });
});

/** Waits for the first line that matches, printing every line when none comes. */
async function lineMatching(logs: Logs, matches: (line: LogLine) => boolean): Promise<LogLine> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const found = logs.lines.find(matches);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`No matching log line in:\n${JSON.stringify(logs.lines, null, 2)}`);
}

describe('subscriptions', () => {
  it('logs a WebSocket subscription when it starts and when it ends, and operations refused on the socket', async ({
    server,
    agent,
    token,
    send,
    logs,
  }) => {
    const { client } = connectWs(server.url, token);
    try {
      let received = 0;
      const stop = client.subscribe(
        { query: print(LogFeed) },
        { next: () => received++, error: () => {}, complete: () => {} },
      );
      const started = await lineMatching(
        logs,
        (line) => line.msg === 'subscription started' && line['operationName'] === 'LogFeed',
      );
      expect(started).toMatchObject({
        level: LEVEL.info,
        requestId: expect.any(String),
        viewer: agent.id,
        transport: 'ws',
        connectionId: expect.any(String),
      });
      await send(LogStartSession, { input: { subject: 'Logged over a socket' } });
      for (let waited = 0; received === 0 && waited < 10_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      stop();
      const ended = await lineMatching(
        logs,
        (line) => line.msg === 'operation' && line['requestId'] === started['requestId'],
      );
      expect(ended).toMatchObject({
        level: LEVEL.info,
        operationName: 'LogFeed',
        viewer: agent.id,
        transport: 'ws',
        connectionId: started['connectionId'],
        outcome: 'ok',
        results: 1,
      });
      expect(ended['durationMs']).toEqual(expect.any(Number));

      // Refused before it ran: the line still names the operation, the viewer and the code.
      const refusal = (query: string) =>
        new Promise<void>((resolve) =>
          client.subscribe({ query }, { next: () => {}, error: () => resolve(), complete: resolve }),
        );
      await refusal('subscription LogBroken { activityFeed { id ');
      await refusal(
        'query LogTooDeepOnSocket { sessions { edges { node { request { quotes { edges { node { request { quotes { edges { node { request { id } } } } } } } } } } } } }',
      );
      const refusedLines = logs.lines.filter(
        (line) =>
          line.msg === 'operation' && ['LogBroken', 'LogTooDeepOnSocket'].includes(line['operationName'] as string),
      );
      expect(refusedLines).toEqual([
        expect.objectContaining({
          operationName: 'LogBroken',
          viewer: agent.id,
          transport: 'ws',
          outcome: 'refused',
          errorCodes: ['GRAPHQL_PARSE_FAILED'],
          durationMs: expect.any(Number),
        }),
        expect.objectContaining({
          operationName: 'LogTooDeepOnSocket',
          viewer: agent.id,
          transport: 'ws',
          outcome: 'refused',
          errorCodes: ['QUERY_TOO_DEEP'],
        }),
      ]);
    } finally {
      await client.dispose();
    }
  });

  it('logs an SSE subscription when it starts and when it ends', async ({ server, agent, token, logs }) => {
    const abort = new AbortController();
    const response = await fetch(server.url, {
      method: 'POST',
      signal: abort.signal,
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(LogFeed) }),
    });
    const requestId = response.headers.get('x-request-id');
    const started = await lineMatching(
      logs,
      (line) => line.msg === 'subscription started' && line['requestId'] === requestId,
    );
    expect(started).toMatchObject({ operationName: 'LogFeed', viewer: agent.id, transport: 'http' });
    abort.abort();
    await response.body?.cancel().catch(() => {});
    const ended = await lineMatching(logs, (line) => line.msg === 'operation' && line['requestId'] === requestId);
    expect(ended).toMatchObject({ operationName: 'LogFeed', viewer: agent.id, transport: 'http', outcome: 'ok' });
    expect(logs.lines.filter((line) => line['requestId'] === requestId)).toHaveLength(2);
  });
});

describe('what never reaches the logs', () => {
  it('keeps out tokens, the signing key and message contents, even when recording fails', async ({
    database,
    token,
    send,
    logs,
  }) => {
    /** Every string that must never reach a log line. */
    const secrets: string[] = [JWT_SECRET, token];
    const started = await send(LogStartSession, { input: { subject: 'Logging trip' } });
    const payload = started.body.data?.startSession;
    if (payload?.__typename !== 'StartSessionPayload') throw new Error(JSON.stringify(started.body));
    const sessionId = payload.session.id;

    const content = unique('private-note-');
    secrets.push(content);
    const recorded = await send(LogRecordMessage, { input: { sessionId, senderType: 'AGENT', content } });
    expect(JSON.stringify(recorded.body)).toContain(content);

    // A message the database refuses: PostgreSQL describes the failing row in its error.
    await database.prisma.$executeRawUnsafe(
      `ALTER TABLE messages ADD CONSTRAINT no_poison CHECK (content NOT LIKE 'poison-%')`,
    );
    const poison = unique('poison-');
    secrets.push(poison);
    const failed = await send(LogRecordMessage, { input: { sessionId, senderType: 'AGENT', content: poison } });
    expect(JSON.stringify(failed.body)).not.toContain(poison);
    expect(
      logs.lines.filter((line) => line['requestId'] === failed.requestId && line.level === LEVEL.error),
    ).toHaveLength(1);

    // A forged token is refused; it must not be logged either.
    const forged = `${token.slice(0, -4)}AAAA`;
    secrets.push(forged);
    await send(LogViewer, undefined, forged);

    const leaks = logs.written.flatMap((text) =>
      secrets
        .filter((secret) => text.includes(secret))
        .map((secret) => `${secret.slice(0, 16)}… in ${text.slice(0, 400)}`),
    );
    expect(leaks).toEqual([]);
  });
});
