import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { createYoga, type Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { AgentMemory } from './auth/agent-memory.js';
import { AgentRevocations } from './auth/revocation.js';
import { rememberVerifiedTokens } from './auth/token-cache.js';
import { createTokenVerifier, signToken } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { graphiqlOptions } from './graphiql/graphiql-options.js';
import { offlineGraphiQLAssetsPlugin, renderOfflineGraphiQL } from './graphiql/offline-graphiql.js';
import { compiledReadPlugin } from './graphql/compiled-read/plugin.js';
import type { Context } from './graphql/context.js';
import { createContextFactory } from './graphql/context-factory.js';
import { maskError } from './graphql/errors-mask.js';
import { argumentBoundsPlugin } from './graphql/plugins/argument-bounds.js';
import { databaseSharePlugin } from './graphql/plugins/database-share.js';
import { inputSanityPlugin } from './graphql/plugins/input-sanity.js';
import { queryLimitsPlugin } from './graphql/plugins/limits.js';
import { observabilityPlugin } from './graphql/plugins/observability.js';
import { productionPlugins } from './graphql/plugins/production.js';
import { memoryRateLimiter, rateLimitPlugin, redisRateLimiter } from './graphql/plugins/rate-limit.js';
import { requestBodyLimitPlugin } from './graphql/plugins/request-body-limit.js';
import { requestDeadlinePlugin } from './graphql/plugins/request-deadline.js';
import { trustedDocumentsPlugin } from './graphql/plugins/trusted-documents.js';
import { viewerStandingPlugin } from './graphql/plugins/viewer-standing.js';
import { schema } from './graphql/schema.js';
import { createLogger, type Logger } from './logger.js';
import { eventDeliveryPlugin } from './modules/activity/event-delivery.js';
import { EventStream } from './modules/activity/event-stream.js';
import { sharedEventExecutionPlugin } from './modules/activity/shared-execution.js';
import { createAvinodeIntake } from './modules/avinode-intake/intake.js';
import { graphqlTracingPlugin } from './observability/graphql-tracing.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { type MetricsServer, metricsEndpointPlugin, serveMetrics } from './observability/metrics-endpoint.js';
import { countingRefusals, createOperationMetrics } from './observability/operation-metrics.js';
import { phaseMetricsPlugin } from './observability/phase-metrics.js';
import { registerDatabasePoolMetrics, registerEventStreamMetrics } from './observability/runtime-metrics.js';
import { createTracing } from './observability/tracing.js';
import { createAppPubSub, type PubSub } from './pubsub.js';
import { chatSessionsRestPlugin } from './rest/chat-sessions.route.js';
import { serveWebSockets } from './websocket.js';

export const GRAPHQL_PATH = '/graphql';
/** The demo agent GraphiQL signs in as during development. */
export const DEMO_AGENT_SUBJECT = 'demo|agent1@example.com';
const KEEP_ALIVE_MS = 12_000;
const READY_TIMEOUT_MS = 2_000;

export type App = {
  yoga: ReturnType<typeof createYoga<Record<string, unknown>, Context>>;
  events: EventStream;
  /** This instance's Prometheus registry: other modules register their metrics here. */
  metrics: Metrics;
  /** Where `/metrics` is served on its own port (METRICS_PORT), once started. */
  metricsUrl(): string | undefined;
  /** agent1's token under the development secret; undefined with a real key. */
  demoToken: string | undefined;
  /** Listens and resolves with the GraphQL URL. */
  start(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, completes subscriptions. */
  stop(): Promise<void>;
};

export type AppDependencies = {
  config: Config;
  database: Database;
  logger?: Logger;
  pubsub?: PubSub;
  /** Spans go here instead of OTLP (tests collect them in memory); tracing is on when given. */
  traceExporter?: SpanExporter;
};

export async function createApp({
  config,
  database,
  logger = createLogger(config.logLevel),
  pubsub = createAppPubSub(config.redisUrl, logger),
  traceExporter,
}: AppDependencies): Promise<App> {
  const tracing = createTracing(config.tracing, traceExporter);
  const verify = rememberVerifiedTokens(createTokenVerifier(config.auth));
  const servesMetrics = config.metrics.onApiPort || config.metrics.port !== undefined;
  const metrics = createMetrics({ processMetrics: servesMetrics });
  let metricsServer: MetricsServer | undefined;
  const operationMetrics = createOperationMetrics(metrics);
  // With the development secret (never in production), one token for agent1: GraphiQL sends it, start-up prints it.
  const demoToken = config.auth.usesDevelopmentSecret
    ? await signToken(config.auth, { subject: DEMO_AGENT_SUBJECT, expiresIn: '30d' })
    : undefined;
  const graphiqlToken = config.graphiql ? demoToken : undefined;
  const events = new EventStream(database.prisma, pubsub, logger, config.eventPollIntervalMs);
  await events.start();
  const revocations = new AgentRevocations(database.prisma, logger);
  revocations.start();
  // The pool first: a scrape reads it before the event-stream figures borrow a connection.
  registerDatabasePoolMetrics(metrics, database.poolStats);
  registerEventStreamMetrics(metrics, events);
  const avinodeIntake = createAvinodeIntake({
    config: config.avinode,
    prisma: database.prisma,
    pubsub,
    logger,
    metrics,
  });
  // Rate limits are shared by every instance when Redis is there, per process otherwise.
  const rateLimitRedis = config.redisUrl
    ? new Redis(config.redisUrl, {
        // Never hold a request waiting for Redis: while it is away each instance counts on its own.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: 2_000,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      })
    : undefined;
  rateLimitRedis?.on('error', (error: Error) =>
    logger.warn('redis connection error', { client: 'rate-limit', error: error.message }),
  );
  // Serve only once shared counting works, so a fresh instance cannot be a way around the limit.
  if (rateLimitRedis) await untilReady(rateLimitRedis, 5_000, logger);
  const limiter = countingRefusals(
    rateLimitRedis ? redisRateLimiter(rateLimitRedis, logger) : memoryRateLimiter(),
    operationMetrics,
  );

  const contextFactory = createContextFactory({
    verify,
    prisma: database.prisma,
    agents: new AgentMemory(database.prisma),
    logger,
    pubsub,
    events,
    requestTimeoutMs: config.limits.requestTimeoutMs,
  });
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: contextFactory,
    maskedErrors: { maskError, isDev: false },
    logging: false,
    landingPage: false,
    healthCheckEndpoint: '/healthz',
    // requestBodyLimitPlugin below enforces MAX_BODY_BYTES, without yoga's stream per request.
    maxRequestBodySize: false,
    batching: config.limits.maxBatchSize > 0 ? { limit: config.limits.maxBatchSize } : false,
    cors: config.corsOrigins ? { origin: config.corsOrigins, credentials: true } : undefined,
    graphiql: config.graphiql
      ? graphiqlOptions({ token: graphiqlToken, agentSubject: DEMO_AGENT_SUBJECT, prisma: database.prisma, logger })
      : false,
    renderGraphiQL: renderOfflineGraphiQL,
    plugins: [
      // Outermost, so every other plugin's hooks run inside the phase spans.
      ...(tracing ? [graphqlTracingPlugin()] : []),
      readinessPlugin(database, pubsub, avinodeIntake.status),
      avinodeIntake.plugin,
      ...(config.graphiql ? [offlineGraphiQLAssetsPlugin()] : []),
      ...(config.metrics.onApiPort ? [metricsEndpointPlugin(metrics)] : []),
      ...(servesMetrics ? [phaseMetricsPlugin(metrics)] : []),
      chatSessionsRestPlugin({ contextOf: contextFactory.confirmed, limits: config.limits, limiter, logger }),
      // After yoga's request parsers (registered before any of these): it wraps the chosen one.
      requestBodyLimitPlugin(config.limits.maxBodyBytes),
      // Before observability, so that it sees the results subscribers get.
      eventDeliveryPlugin(logger, revocations),
      observabilityPlugin(logger, operationMetrics),
      ...(config.trustedDocumentsManifest ? [trustedDocumentsPlugin(config.trustedDocumentsManifest)] : []),
      ...productionPlugins(config),
      inputSanityPlugin(),
      argumentBoundsPlugin(),
      queryLimitsPlugin(config.limits),
      rateLimitPlugin(config.limits, limiter),
      // Before the deadline, so that the deadline also bounds the compiled reads.
      compiledReadPlugin(),
      // Outside the compiled read path, which confirms a remembered viewer in its own statement.
      viewerStandingPlugin(),
      sharedEventExecutionPlugin(),
      requestDeadlinePlugin(config.limits.requestTimeoutMs),
      databaseSharePlugin(),
    ],
  });

  const server = createServer(tracing ? tracing.traceHttp(yoga as RequestListener) : yoga);
  const webSockets = serveWebSockets({
    server,
    path: GRAPHQL_PATH,
    yoga,
    // The same look-up as an HTTP request's, so the same tokens are refused for the same reasons.
    viewerOf: async (connectionParams) => (await contextFactory.confirmed({ connectionParams })).viewer,
    logger,
    metrics: operationMetrics,
    trace:
      tracing && ((work) => tracing.inRootSpan('graphql.ws.operation', { 'network.protocol.name': 'websocket' }, work)),
    maxPayloadBytes: config.limits.maxBodyBytes,
    maxOperationsPerConnection: config.limits.maxSubscriptionsPerConnection,
    keepAliveMs: KEEP_ALIVE_MS,
  });

  avinodeIntake.start();

  return {
    yoga,
    events,
    metrics,
    metricsUrl: () => metricsServer?.url,
    demoToken,
    start: async (port = config.port, host = config.host) => {
      if (config.metrics.port !== undefined) metricsServer = await serveMetrics(metrics, config.metrics.port, host);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: actualPort } = server.address() as AddressInfo;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          resolve(`http://${shownHost}:${actualPort}${GRAPHQL_PATH}`);
        });
      });
    },
    stop: async () => {
      // One budget for the whole shutdown, so the steps cannot add up past it.
      const deadline = performance.now() + config.shutdownTimeoutMs;
      const left = () => Math.max(0, deadline - performance.now());
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets go idle as their last responses finish; close them as they do.
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      // Subscriptions complete cleanly (SSE streams end, graphql-ws sends `complete`),
      // and sockets take no new operations meanwhile...
      const webSocketsDrained = webSockets.drain(left());
      await avinodeIntake.stop();
      revocations.stop();
      await events.stop();
      await webSocketsDrained;
      // ...then sockets close with 1001 "going away".
      await webSockets.close(left());
      const force = setTimeout(() => server.closeAllConnections(), left());
      await closed;
      clearTimeout(force);
      clearInterval(idleSweep);
      await pubsub.close();
      rateLimitRedis?.disconnect();
      await metricsServer?.close();
      // Last, so the shutdown's own requests are exported too; an unreachable collector
      // must not hold the exit past the shutdown budget.
      if (tracing) await untilSettledOr(tracing.shutdown(), left());
    },
  };
}

/** Resolves when `work` settles (whatever its outcome) or after `timeoutMs`. */
async function untilSettledOr(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

/** Waits for a Redis connection, but not forever: without Redis the limiter counts per instance. */
async function untilReady(redis: Redis, timeoutMs: number, logger: Logger): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => redis.once('ready', () => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
  ]);
  if (!ready) logger.warn('redis not ready; rate limits count in this instance until it is', { timeoutMs });
}

/**
 * `/readyz`: 200 when the database answers, 503 when it does not; `avinode` says what the
 * intake does. `pubsub` says whether this instance's Redis subscription is confirmed;
 * without it the instance still serves (events arrive by polling, `EVENT_POLL_INTERVAL_MS`
 * late), so it does not fail the probe.
 */
function readinessPlugin(database: Database, pubsub: PubSub, avinodeStatus: () => Record<string, unknown>): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/readyz') return;
      try {
        // A stalled database must read as "not ready", not hang the probe.
        await Promise.race([
          database.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('ping timed out')), READY_TIMEOUT_MS).unref()),
        ]);
        endResponse(fetchAPI.Response.json({ status: 'ready', pubsub: pubsub.state(), avinode: avinodeStatus() }));
      } catch {
        endResponse(
          fetchAPI.Response.json(
            { status: 'unavailable', database: 'unreachable', pubsub: pubsub.state() },
            { status: 503 },
          ),
        );
      }
    },
  };
}
