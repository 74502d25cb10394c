import { z } from 'zod';
import {
  type AvinodeConfig,
  AvinodeConfigProblem,
  avinodeConfigOf,
  avinodeEnvironment,
} from './modules/avinode-intake/intake.config.js';

/**
 * The environment, parsed and validated once. Nothing else reads process.env,
 * so every setting the server understands is listed here (and in .env.example).
 */

/** The signing key used when nothing is configured outside production. Never valid in production. */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-do-not-use-in-production';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // Pooled connections one viewer may hold at once; unset: half the pool; 0: no limit.
  DATABASE_CONNECTIONS_PER_VIEWER: z.coerce.number().int().min(0).optional(),
  PGLITE_DATA_DIR: z.string().default('./.data/pglite'),
  SEED_DEMO_DATA: z.enum(['auto', 'never']).default('auto'),
  REDIS_URL: optionalString,
  JWT_SECRET: optionalString,
  JWKS_URL: optionalString.pipe(z.url().optional()),
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  JWT_ROLE_CLAIM: z.string().default('role'),
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(0).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  // Query limits: defaults leave every documented query ample headroom.
  MAX_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(10),
  MAX_TOKENS: z.coerce.number().int().min(10).default(2_000),
  MAX_COST: z.coerce.number().int().min(1).default(25_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1_024).default(1_000_000),
  MAX_BATCH_SIZE: z.coerce.number().int().min(0).default(0),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
  INTROSPECTION: z.enum(['auto', 'on', 'off']).default('auto'),
  GRAPHIQL: z.enum(['auto', 'on', 'off']).default('auto'),
  TRUSTED_DOCUMENTS: z.enum(['off', 'on']).default('off'),
  TRUSTED_DOCUMENTS_MANIFEST: z.string().default('./test/generated/persisted-documents.json'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  SERVICE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(12_000),
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  // Also how long a request waits for a pooled connection: generous enough for a burst of
  // writers queueing on one session, short enough to fail instead of hanging.
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  CORS_ORIGINS: optionalString,
  EVENT_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  METRICS: z.enum(['auto', 'on', 'off']).default('auto'),
  // OpenTelemetry's standard variables (a subset): traces go out over OTLP/HTTP when an endpoint is set.
  OTEL_SDK_DISABLED: z.enum(['true', 'false', '']).default('false'),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none', '']).default('otlp'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.pipe(z.url().optional()),
  OTEL_EXPORTER_OTLP_HEADERS: optionalString,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: optionalString,
  OTEL_SERVICE_NAME: optionalString,
  METRICS_PORT: optionalString.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  ...avinodeEnvironment,
});

export type DatabaseConfig =
  | {
      kind: 'postgres';
      url: string;
      poolSize: number;
      /** Connections one viewer may hold at once (see db/fair-share.ts); unset or 0: no limit. */
      connectionsPerViewer?: number;
      statementTimeoutMs?: number;
      connectTimeoutMs?: number;
    }
  | { kind: 'pglite'; dataDir: string | undefined; statementTimeoutMs?: number };

/** Defences against abusive requests; 0 disables a per-minute limit. */
export type LimitsConfig = {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  maxBodyBytes: number;
  /** 0: batching is off. */
  maxBatchSize: number;
  /** Operations one WebSocket may have running at once (graphql-ws multiplexes them). */
  maxSubscriptionsPerConnection: number;
  ratePerMinute: number;
  serviceRatePerMinute: number;
  requestTimeoutMs: number;
};

export type AuthConfig = {
  /** HS256 shared secret; either this or jwksUrl is set. */
  secret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  /** The claim that marks integration tokens (`service` or Supabase's `service_role`). */
  roleClaim: string;
  /** True when the development secret is in use: GraphiQL then gets a ready token. */
  usesDevelopmentSecret: boolean;
  /** Production: a token without `exp` is refused. */
  requireExpiry: boolean;
  /** Tokens valid for longer than this (from `iat`, or from now) are refused; undefined: no limit. */
  maxLifetimeSeconds: number | undefined;
};

export type Config = {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  database: DatabaseConfig;
  seedDemoData: boolean;
  redisUrl: string | undefined;
  auth: AuthConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  shutdownTimeoutMs: number;
  limits: LimitsConfig;
  introspection: boolean;
  graphiql: boolean;
  /** When set, only operations from this manifest (hash → document) execute. */
  trustedDocumentsManifest: string | undefined;
  corsOrigins: string[] | undefined;
  /** How often each instance re-reads the event log even without a pub/sub poke. */
  eventPollIntervalMs: number;
  /** Where spans are exported (OTLP/HTTP); undefined: tracing is off and costs nothing. */
  tracing: TracingConfig | undefined;
  /** Prometheus `/metrics`: on the API port, on a port of its own, or not served. */
  metrics: { onApiPort: boolean; port: number | undefined };
  /** The Avinode webhook receiver and intake worker (src/modules/avinode-intake). */
  avinode: AvinodeConfig;
};

/** Production accepts tokens valid for a day unless told otherwise; 0 turns the limit off. */
const PRODUCTION_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

function maxTokenLifetime(setting: number | undefined, isProduction: boolean): number | undefined {
  const seconds = setting ?? (isProduction ? PRODUCTION_MAX_TOKEN_LIFETIME_SECONDS : 0);
  return seconds === 0 ? undefined : seconds;
}

export type TracingConfig = {
  /** The OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces. */
  tracesUrl: string;
  serviceName: string;
  /** Sent with every export (an API key for a hosted collector). */
  headers: Record<string, string>;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function avinodeSettings(env: z.output<typeof environmentSchema>, isProduction: boolean): AvinodeConfig {
  try {
    return avinodeConfigOf(env, isProduction);
  } catch (error) {
    if (error instanceof AvinodeConfigProblem) throw new ConfigError(error.message);
    throw error;
  }
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const env = parsed.data;
  const isProduction = env.NODE_ENV === 'production';
  if (isProduction && !env.JWT_SECRET && !env.JWKS_URL) {
    throw new ConfigError('Refusing to start in production without JWT_SECRET or JWKS_URL.');
  }
  if (isProduction && env.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
    throw new ConfigError('Refusing to start in production with the development JWT secret.');
  }
  if (env.JWT_SECRET && env.JWT_SECRET.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters long.');
  }
  const usesDevelopmentSecret = !env.JWT_SECRET && !env.JWKS_URL;
  const database: DatabaseConfig = env.DATABASE_URL
    ? {
        kind: 'postgres',
        url: env.DATABASE_URL,
        poolSize: env.DATABASE_POOL_SIZE,
        connectionsPerViewer: env.DATABASE_CONNECTIONS_PER_VIEWER ?? Math.ceil(env.DATABASE_POOL_SIZE / 2),
        statementTimeoutMs: env.STATEMENT_TIMEOUT_MS,
        connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      }
    : { kind: 'pglite', dataDir: env.PGLITE_DATA_DIR, statementTimeoutMs: env.STATEMENT_TIMEOUT_MS };
  // Development tools are on by default outside production and off in it unless asked for.
  const developmentTool = (setting: 'auto' | 'on' | 'off') => setting === 'on' || (setting === 'auto' && !isProduction);

  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    database,
    // Demo data only ever goes into an empty database, and never in production.
    seedDemoData: env.SEED_DEMO_DATA === 'auto' && !isProduction,
    redisUrl: env.REDIS_URL,
    auth: {
      secret: usesDevelopmentSecret ? DEVELOPMENT_JWT_SECRET : env.JWT_SECRET,
      jwksUrl: env.JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      roleClaim: env.JWT_ROLE_CLAIM,
      usesDevelopmentSecret,
      requireExpiry: isProduction,
      maxLifetimeSeconds: maxTokenLifetime(env.JWT_MAX_LIFETIME_SECONDS, isProduction),
    },
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    limits: {
      maxDepth: env.MAX_DEPTH,
      maxAliases: env.MAX_ALIASES,
      maxDirectives: env.MAX_DIRECTIVES,
      maxTokens: env.MAX_TOKENS,
      maxCost: env.MAX_COST,
      maxBodyBytes: env.MAX_BODY_BYTES,
      maxBatchSize: env.MAX_BATCH_SIZE,
      maxSubscriptionsPerConnection: env.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      ratePerMinute: env.RATE_LIMIT_PER_MINUTE,
      serviceRatePerMinute: env.SERVICE_RATE_LIMIT_PER_MINUTE,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    },
    introspection: developmentTool(env.INTROSPECTION),
    graphiql: developmentTool(env.GRAPHIQL),
    trustedDocumentsManifest: env.TRUSTED_DOCUMENTS === 'on' ? env.TRUSTED_DOCUMENTS_MANIFEST : undefined,
    corsOrigins: env.CORS_ORIGINS?.split(',').map((origin) => origin.trim()),
    eventPollIntervalMs: env.EVENT_POLL_INTERVAL_MS,
    tracing: tracingConfig(env),
    // A port of its own wins: then the API port never serves it.
    metrics:
      env.METRICS === 'off'
        ? { onApiPort: false, port: undefined }
        : { onApiPort: env.METRICS_PORT === undefined && developmentTool(env.METRICS), port: env.METRICS_PORT },
    avinode: avinodeSettings(env, isProduction),
  };
}

/**
 * The OTEL_* variables as the OpenTelemetry specification defines them: the signal's
 * own endpoint is used as it is, the general one gets `/v1/traces` appended.
 */
function tracingConfig(env: z.infer<typeof environmentSchema>): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const tracesUrl =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!tracesUrl) return undefined;
  return {
    tracesUrl,
    serviceName: env.OTEL_SERVICE_NAME ?? 'chat-session-graph',
    headers: { ...otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
  };
}

/** `key1=value1,key2=value2`, values URL-encoded (W3C baggage format, as OTLP exporters read it). */
function otlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text?.split(',') ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}
