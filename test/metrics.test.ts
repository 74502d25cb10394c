import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import { createSessionGraph, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute, expectData } from './harness/graphql.js';
import { hasMetric, metricValue, type Sample, scrape } from './harness/metrics.js';
import { startTestServer, type TestServer } from './harness/server.js';
import { connectWs, subscribeSse, subscribeWs } from './harness/subscriptions.js';
import { StartSession } from './harness/workflow.js';

const MetricsViewer = graphql(`query MetricsViewer { viewer { id } }`);
const MetricsSessions = graphql(`query MetricsSessions($first: Int) { sessions(first: $first) { totalCount } }`);
const MetricsFeed = graphql(`subscription MetricsFeed { activityFeed { id type } }`);

const onPostgres = Boolean(process.env['TEST_DATABASE_URL']);
const POOL_SIZE = 3;

const it = base
  .extend('databaseOptions', { scope: 'file' }, { poolSize: POOL_SIZE })
  .extend('metricsUrl', { scope: 'file' }, async ({ server }) => `${server.origin}/metrics`);

const startSession = (server: TestServer, token: string) =>
  expectData(server.url, StartSession, { input: { subject: unique('metrics-') } }, token);

/** Polls /metrics until `ready` holds (the figures of a stream move a moment after its events). */
async function scrapeUntil(url: string, ready: (samples: Sample[]) => boolean): Promise<Sample[]> {
  let samples = await scrape(url);
  for (let waited = 0; !ready(samples) && waited < 10_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    samples = await scrape(url);
  }
  return samples;
}

describe('/metrics during real traffic', () => {
  it('counts operations by name, outcome and code, with their latency', async ({ server, token, metricsUrl }) => {
    const before = await scrape(metricsUrl);
    await expectData(server.url, MetricsViewer, undefined, token);
    await expectData(server.url, MetricsViewer, undefined, token);
    const refused = await execute(server.url, MetricsSessions, { first: 101 }, token);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('PAGE_SIZE_EXCEEDED');
    await execute(server.url, MetricsViewer, undefined, 'not-a-token');
    const after = await scrape(metricsUrl);

    const moved = (name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    const viewerOk = { operation: 'MetricsViewer', type: 'query', transport: 'http', outcome: 'ok', code: 'OK' };
    expect(moved('graphql_operations_total', viewerOk)).toBe(2);
    expect(
      moved('graphql_operations_total', { operation: 'MetricsSessions', outcome: 'error', code: 'PAGE_SIZE_EXCEEDED' }),
    ).toBe(1);
    expect(
      moved('graphql_operations_total', { operation: 'MetricsViewer', outcome: 'refused', code: 'UNAUTHENTICATED' }),
    ).toBe(1);
    expect(moved('graphql_errors_total', { code: 'PAGE_SIZE_EXCEEDED' })).toBe(1);

    const latency = { operation: 'MetricsViewer', type: 'query', outcome: 'ok' };
    expect(moved('graphql_operation_duration_seconds_count', latency)).toBe(2);
    expect(moved('graphql_operation_duration_seconds_sum', latency)).toBeGreaterThan(0);
    // Every observation falls in the last bucket; the histogram is cumulative.
    expect(moved('graphql_operation_duration_seconds_bucket', { ...latency, le: '+Inf' })).toBe(2);
    // yoga's plugin times each phase and the HTTP request.
    expect(moved('graphql_envelop_phase_execute_count', { operationType: 'query' })).toBeGreaterThanOrEqual(3);
    expect(moved('graphql_envelop_phase_parse_count', {})).toBeGreaterThanOrEqual(3);
    expect(moved('graphql_envelop_phase_validate_count', {})).toBeGreaterThanOrEqual(3);
    expect(moved('graphql_yoga_http_duration_count', { method: 'POST', statusCode: '200' })).toBeGreaterThanOrEqual(2);
    // The process figures are there too.
    expect(hasMetric(after, 'process_resident_memory_bytes')).toBe(true);
  });

  it('shows open subscriptions by transport and counts the events they deliver', async ({
    server,
    token,
    metricsUrl,
  }) => {
    const before = await scrape(metricsUrl);
    const connection = connectWs(server.url, token);
    const overWs = subscribeWs(connection, MetricsFeed, {});
    const overSse = await subscribeSse(server.url, token, MetricsFeed, {});
    try {
      const open = await scrapeUntil(
        metricsUrl,
        (samples) =>
          metricValue(samples, 'graphql_subscriptions_active', { transport: 'ws' }) === 1 &&
          metricValue(samples, 'graphql_subscriptions_active', { transport: 'sse' }) === 1,
      );
      expect(metricValue(open, 'graphql_subscriptions_active', { transport: 'ws' })).toBe(1);
      expect(metricValue(open, 'graphql_subscriptions_active', { transport: 'sse' })).toBe(1);

      // Each new session writes its events; both streams get every one of them.
      await startSession(server, token);
      await startSession(server, token);
      const delivered = (await overWs.waitFor(2)).length;
      await overSse.waitFor(delivered);
      const after = await scrapeUntil(
        metricsUrl,
        (samples) =>
          metricValue(samples, 'graphql_subscription_events_delivered_total', { transport: 'sse' }) -
            metricValue(before, 'graphql_subscription_events_delivered_total', { transport: 'sse' }) >=
          overSse.results.length,
      );
      const deliveredOver = (transport: string) =>
        metricValue(after, 'graphql_subscription_events_delivered_total', { transport, field: 'activityFeed' }) -
        metricValue(before, 'graphql_subscription_events_delivered_total', { transport, field: 'activityFeed' });
      expect(deliveredOver('ws')).toBe(overWs.results.length);
      expect(deliveredOver('sse')).toBe(overSse.results.length);
    } finally {
      await overWs.close();
      await overSse.close();
      await connection.client.dispose();
    }
    const closed = await scrapeUntil(
      metricsUrl,
      (samples) => metricValue(samples, 'graphql_subscriptions_active') === 0,
    );
    expect(metricValue(closed, 'graphql_subscriptions_active', { transport: 'ws' })).toBe(0);
    expect(metricValue(closed, 'graphql_subscriptions_active', { transport: 'sse' })).toBe(0);
    const feedEnded = { operation: 'MetricsFeed', type: 'subscription', outcome: 'ok' };
    expect(
      metricValue(closed, 'graphql_operations_total', feedEnded) -
        metricValue(before, 'graphql_operations_total', feedEnded),
    ).toBe(2);
  });

  it("reports each instance's event-stream lag: newest committed event against the last it delivered", async ({
    database,
    agent,
    metricsUrl,
  }) => {
    // A second instance on the same database with its own in-process pub/sub and a slow
    // poll: it hears of nothing written around the app, so it falls behind until it is poked.
    const lagging = await startTestServer(database, { EVENT_POLL_INTERVAL_MS: '600000' });
    try {
      const laggingMetrics = `${lagging.origin}/metrics`;
      await createSessionGraph(database.prisma, agent);
      const newest = (await database.prisma.sessionEvent.findFirstOrThrow({ orderBy: { id: 'desc' } })).id;

      const behind = await scrape(laggingMetrics);
      expect(metricValue(behind, 'event_stream_newest_committed_id')).toBe(Number(newest));
      expect(metricValue(behind, 'event_stream_lag_events')).toBeGreaterThanOrEqual(1);
      expect(metricValue(behind, 'event_stream_last_delivered_id')).toBeLessThan(Number(newest));

      // The other instance's poll has read them.
      const current = await scrapeUntil(metricsUrl, (samples) => metricValue(samples, 'event_stream_lag_events') === 0);
      expect(metricValue(current, 'event_stream_last_delivered_id')).toBeGreaterThanOrEqual(Number(newest));
      expect(metricValue(current, 'event_stream_lag_events')).toBe(0);

      // A commit through the lagging instance pokes it: it reads the log and catches up.
      const laggingToken = await lagging.tokenFor(agent.authSubject);
      await expectData(lagging.url, StartSession, { input: { subject: unique('metrics-') } }, laggingToken);
      const caughtUp = await scrapeUntil(
        laggingMetrics,
        (samples) => metricValue(samples, 'event_stream_lag_events') === 0,
      );
      expect(metricValue(caughtUp, 'event_stream_lag_events')).toBe(0);
      expect(metricValue(caughtUp, 'event_stream_last_delivered_id')).toBeGreaterThan(Number(newest));
    } finally {
      await lagging.stop();
    }
  });

  it('reports the three event-stream figures of one scrape from one reading, while events keep coming', async ({
    server,
    token,
    metricsUrl,
  }) => {
    // A subscriber keeps the stream reading every commit, so its position moves during scrapes.
    const connection = connectWs(server.url, token);
    const feed = subscribeWs(connection, MetricsFeed, {});
    let writing = true;
    const writer = (async () => {
      while (writing) await startSession(server, token);
    })();
    const inconsistent: string[] = [];
    try {
      await startSession(server, token);
      await feed.waitFor(1);
      for (let scrapes = 0; scrapes < 40; scrapes++) {
        const samples = await scrape(metricsUrl);
        const newest = metricValue(samples, 'event_stream_newest_committed_id');
        const delivered = metricValue(samples, 'event_stream_last_delivered_id');
        const lag = metricValue(samples, 'event_stream_lag_events');
        if (lag !== Math.max(0, newest - delivered))
          inconsistent.push(`newest ${newest}, delivered ${delivered}, lag ${lag}`);
      }
    } finally {
      writing = false;
      await writer;
      await feed.close();
      await connection.client.dispose();
    }
    expect(inconsistent).toEqual([]);
  });

  it('counts rate-limit refusals by kind of viewer', async ({ database, agent }) => {
    const limited = await startTestServer(database, { RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const limitedToken = await limited.tokenFor(agent.authSubject);
      const codes: unknown[] = [];
      // Fixed one-minute windows: five requests see a refusal even when a window turns over among them.
      for (let attempt = 0; attempt < 5; attempt++) {
        const result = await execute(limited.url, MetricsViewer, undefined, limitedToken);
        codes.push(result.errors?.[0]?.extensions?.['code']);
      }
      const refusals = codes.filter((code) => code === 'RATE_LIMITED').length;
      expect(refusals).toBeGreaterThanOrEqual(1);
      let samples = await scrape(`${limited.origin}/metrics`);
      expect(metricValue(samples, 'graphql_rate_limit_refusals_total', { viewer_kind: 'agent' })).toBe(refusals);
      expect(metricValue(samples, 'graphql_operations_total', { outcome: 'error', code: 'RATE_LIMITED' })).toBe(
        refusals,
      );
      // The REST route spends the same budget, and its refusals count too.
      const rest = await fetch(`${limited.origin}/api/chat-sessions`, {
        headers: { authorization: `Bearer ${limitedToken}` },
      });
      expect(rest.status).toBe(429);
      samples = await scrape(`${limited.origin}/metrics`);
      expect(metricValue(samples, 'graphql_rate_limit_refusals_total', { viewer_kind: 'agent' })).toBe(refusals + 1);
    } finally {
      await limited.stop();
    }
  });

  it.skipIf(!onPostgres)(
    'shows the database pool: connections in use and requests waiting',
    async ({ database, metricsUrl }) => {
      const idle = await scrape(metricsUrl);
      expect(metricValue(idle, 'db_pool_max_connections')).toBe(POOL_SIZE);
      expect(metricValue(idle, 'db_pool_waiting_requests')).toBe(0);

      // Hold every connection in an open transaction, then ask for one more.
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding = 0;
      const holders = Array.from({ length: POOL_SIZE }, () =>
        database.prisma.$transaction(
          async (tx) => {
            await tx.$queryRaw`SELECT 1`;
            holding++;
            await gate;
          },
          { maxWait: 10_000, timeout: 20_000 },
        ),
      );
      try {
        for (let waited = 0; holding < POOL_SIZE && waited < 10_000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const waiter = database.prisma.$queryRaw`SELECT 1`;
        const busy = await scrapeUntil(metricsUrl, (samples) => metricValue(samples, 'db_pool_waiting_requests') >= 1);
        expect(metricValue(busy, 'db_pool_connections', { state: 'in_use' })).toBe(POOL_SIZE);
        expect(metricValue(busy, 'db_pool_waiting_requests')).toBeGreaterThanOrEqual(1);
        release();
        await Promise.all([...holders, waiter]);
      } finally {
        release();
        await Promise.allSettled(holders);
      }
      const drained = await scrapeUntil(
        metricsUrl,
        (samples) =>
          metricValue(samples, 'db_pool_waiting_requests') === 0 &&
          metricValue(samples, 'db_pool_connections', { state: 'in_use' }) === 0,
      );
      expect(metricValue(drained, 'db_pool_waiting_requests')).toBe(0);
      expect(metricValue(drained, 'db_pool_connections', { state: 'in_use' })).toBe(0);
    },
  );
});

describe('where /metrics is served', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: `metrics-test-secret-${unique()}-0123456789` };

  it('is off in production unless METRICS=on', async ({ database }) => {
    const off = await startTestServer(database, production);
    try {
      expect((await fetch(`${off.origin}/metrics`)).status).toBe(404);
      expect(off.app.metricsUrl()).toBeUndefined();
    } finally {
      await off.stop();
    }
    const on = await startTestServer(database, { ...production, METRICS: 'on' });
    try {
      expect(hasMetric(await scrape(`${on.origin}/metrics`), 'graphql_subscriptions_active')).toBe(true);
    } finally {
      await on.stop();
    }
  });

  it('is served on its own port with METRICS_PORT, and then not on the API port', async ({ database, agent }) => {
    const ownPort = await startTestServer(database, { ...production, METRICS_PORT: '0' });
    try {
      const url = ownPort.app.metricsUrl()?.replace('localhost', '127.0.0.1');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(url as string).port).not.toBe(new URL(ownPort.origin).port);
      const ownToken = await ownPort.tokenFor(agent.authSubject);
      await expectData(ownPort.url, MetricsViewer, undefined, ownToken);
      const samples = await scrape(url as string);
      expect(metricValue(samples, 'graphql_operations_total', { operation: 'MetricsViewer', outcome: 'ok' })).toBe(1);
      expect((await fetch(`${ownPort.origin}/metrics`)).status).toBe(404);
      expect((await fetch(new URL('/graphql', url))).status).toBe(404);
    } finally {
      await ownPort.stop();
    }
  });
});
