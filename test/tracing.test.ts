import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect } from 'vitest';
import { loadConfig } from '../src/config.js';
import { graphql } from './generated/index.js';
import { unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';
import { startTestServer } from './harness/server.js';
import { connectWs, subscribeWs } from './harness/subscriptions.js';
import { StartSession } from './harness/workflow.js';

const TraceViewer = graphql(`query TraceViewer { viewer { id } sessions(first: 5) { edges { node { id } } } }`);
const TraceFeed = graphql(`subscription TraceFeed { activityFeed { id type } }`);

const exporter = new InMemorySpanExporter();
const it = base
  .extend('databaseOptions', { scope: 'file' }, { traceSql: true })
  .extend('serverOptions', { scope: 'file' }, { dependencies: { traceExporter: exporter } });

beforeEach(() => exporter.reset());

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The spans of one trace as a tree of names, children in start order, for readable failures. */
function tree(spans: ReadableSpan[], root: ReadableSpan, depth = 0): string[] {
  const children = spans
    .filter((span) => parentOf(span) === idOf(root))
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return [`${'  '.repeat(depth)}${root.name}`, ...children.flatMap((child) => tree(spans, child, depth + 1))];
}

/** Every span of the trace whose root is the HTTP span named `rootName`, once it has ended. */
async function traceOf(rootName: string, traceId?: string): Promise<{ root: ReadableSpan; spans: ReadableSpan[] }> {
  for (let waited = 0; waited < 5_000; waited += 20) {
    const spans = exporter.getFinishedSpans();
    const root = spans.find(
      (span) => span.name === rootName && (traceId ? span.spanContext().traceId === traceId : !parentOf(span)),
    );
    if (root) return { root, spans: spans.filter((span) => span.spanContext().traceId === root.spanContext().traceId) };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`No ${rootName} span among: ${exporter.getFinishedSpans().map((span) => span.name)}`);
}

const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((span) => parentOf(span) === idOf(parent));
const descendantsOf = (spans: ReadableSpan[], parent: ReadableSpan): ReadableSpan[] =>
  childrenOf(spans, parent).flatMap((child) => [child, ...descendantsOf(spans, child)]);

describe('spans through a real server', () => {
  it('nests a mutation: HTTP → parse, validate, execute → session transaction → SQL', async ({ server, token }) => {
    const subject = unique('traced-subject-');
    await expectData(server.url, StartSession, { input: { subject } }, token);
    const { root, spans } = await traceOf('POST /graphql');
    const shape = tree(spans, root).join('\n');

    expect(root.kind, shape).toBe(SpanKind.SERVER);
    expect(root.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
    const phases = childrenOf(spans, root).map((span) => span.name);
    expect(phases, shape).toEqual(expect.arrayContaining(['graphql.parse', 'graphql.validate', 'graphql.execute']));

    const execute = spans.find((span) => span.name === 'graphql.execute') as ReadableSpan;
    expect(execute.attributes).toMatchObject({
      'graphql.operation.name': 'WfStartSession',
      'graphql.operation.type': 'mutation',
    });
    const transaction = descendantsOf(spans, execute).find((span) => span.name === 'session.transaction');
    expect(transaction, shape).toBeDefined();
    const statements = childrenOf(spans, transaction as ReadableSpan);
    expect(
      statements.map((span) => span.name),
      shape,
    ).toEqual(expect.arrayContaining(['db INSERT', 'db SELECT']));
    for (const statement of statements) {
      expect(statement.kind).toBe(SpanKind.CLIENT);
      expect(statement.attributes['db.system.name']).toBe('postgresql');
      expect(String(statement.attributes['db.query.text'])).toMatch(/^\s*[A-Z]+/i);
    }
    // The event-stream lock and the event insert are inside the transaction.
    expect(statements.some((span) => String(span.attributes['db.query.text']).includes('pg_advisory_xact_lock'))).toBe(
      true,
    );
    // Statements are parameterised: the values (here the subject) never reach a span.
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain(subject);
  });

  it('nests the SQL of a query under its execute span, and joins the caller’s trace (traceparent)', async ({
    server,
    token,
  }) => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
      body: JSON.stringify({
        query: 'query TraceViewer { viewer { id } sessions(first: 5) { edges { node { id } } } }',
      }),
    });
    expect(response.status).toBe(200);
    const { root, spans } = await traceOf('POST /graphql', traceId);
    expect(parentOf(root)).toBe(callerSpan);
    const execute = childrenOf(spans, root).find((span) => span.name === 'graphql.execute') as ReadableSpan;
    expect(execute?.attributes['graphql.operation.name'], tree(spans, root).join('\n')).toBe('TraceViewer');
    const sql = descendantsOf(spans, execute).filter((span) => span.name.startsWith('db '));
    expect(sql.length, tree(spans, root).join('\n')).toBeGreaterThanOrEqual(1);
  });

  it('marks a failed operation and names its error codes', async ({ server, token }) => {
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query TraceTooMany { sessions(first: 1000) { totalCount } }' }),
    });
    const { spans } = await traceOf('POST /graphql');
    const execute = spans.find((span) => span.name === 'graphql.execute') as ReadableSpan;
    expect(execute.status.code).toBe(2);
    expect(execute.attributes['graphql.error.codes']).toEqual(['PAGE_SIZE_EXCEEDED']);
  });

  it('traces a WebSocket operation in a span of its own', async ({ server, token }) => {
    const connection = connectWs(server.url, token);
    const feed = subscribeWs(connection, TraceFeed, {});
    try {
      // The feed starts with what happens after it is subscribed: commit until it hears one.
      for (let attempt = 0; feed.results.length === 0 && attempt < 40; attempt++) {
        await expectData(server.url, StartSession, { input: { subject: unique('traced-ws-') } }, token);
        await feed.waitFor(1, 250).catch(() => {});
      }
      expect(feed.results.length).toBeGreaterThanOrEqual(1);
    } finally {
      await feed.close();
      await connection.client.dispose();
    }
    const { root, spans } = await traceOf('graphql.ws.operation');
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(
      childrenOf(spans, root).map((span) => span.name),
      tree(spans, root).join('\n'),
    ).toEqual(expect.arrayContaining(['graphql.parse', 'graphql.validate', 'graphql.subscribe']));
  });
});

describe('configuration', () => {
  it('is off unless an OTLP endpoint is set, and honours OTEL_TRACES_EXPORTER=none', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).tracing).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'chat-session-graph',
      headers: {},
    });
    expect(
      loadConfig({
        NODE_ENV: 'test',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces.example:4318/custom',
        OTEL_SERVICE_NAME: 'broker-api',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D,x-tenant=t1',
      }).tracing,
    ).toEqual({
      tracesUrl: 'http://traces.example:4318/custom',
      serviceName: 'broker-api',
      headers: { 'x-api-key': 'abc=', 'x-tenant': 't1' },
    });
    for (const off of [{ OTEL_TRACES_EXPORTER: 'none' }, { OTEL_SDK_DISABLED: 'true' }]) {
      expect(
        loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', ...off }).tracing,
      ).toBeUndefined();
    }
  });
});

describe('OTLP export', () => {
  it('posts the spans to the collector at OTEL_EXPORTER_OTLP_ENDPOINT', async ({ database, agent }) => {
    const received: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: Buffer }> = [];
    const collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const serviceName = unique('traced-service-');
    const exporting = await startTestServer(database, {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: serviceName,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=collector-key',
      LOG_LEVEL: 'error',
    });
    try {
      const exportingToken = await exporting.tokenFor(agent.authSubject);
      await expectData(exporting.url, TraceViewer, undefined, exportingToken);
    } finally {
      // Stopping flushes the batch.
      await exporting.stop();
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
    expect(received.length).toBeGreaterThanOrEqual(1);
    const [post] = received;
    expect(post).toMatchObject({ method: 'POST', url: '/v1/traces' });
    expect(post?.headers['x-api-key']).toBe('collector-key');
    expect(post?.headers['content-type']).toMatch(/application\/(x-protobuf|json)/);
    const body = Buffer.concat(received.map((each) => each.body)).toString('latin1');
    expect(body).toContain(serviceName);
    expect(body).toContain('POST /graphql');
    expect(body).toContain('graphql.execute');
  });
});
