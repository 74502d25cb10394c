import { z } from 'zod';

/**
 * The Avinode intake's settings. The receiver is on when both webhook credentials are
 * set; the worker runs when the API URL and token are set. Durations are configurable
 * so tests and benches can retry in milliseconds what production retries over hours.
 */
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const HOUR = 3_600_000;

export const avinodeEnvironment = {
  AVINODE_WEBHOOK_CLIENT_ID: optionalString,
  AVINODE_WEBHOOK_CLIENT_SECRET: optionalString,
  AVINODE_WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(256).max(1_000_000).default(16_384),
  AVINODE_API_URL: optionalString.pipe(z.url().optional()),
  AVINODE_API_TOKEN: optionalString,
  AVINODE_BEARER_TOKEN: optionalString,
  AVINODE_PRODUCT: z.string().trim().min(1).default('chat-session-graph'),
  AVINODE_ACT_AS_ACCOUNT: optionalString,
  AVINODE_FETCH_TIMEOUT_MS: milliseconds(10_000),
  AVINODE_RETRY_FOR_MS: milliseconds(48 * HOUR),
  AVINODE_RETRY_BASE_MS: milliseconds(10_000),
  AVINODE_RETRY_MAX_DELAY_MS: milliseconds(HOUR),
  AVINODE_AUTH_PAUSE_MS: milliseconds(60_000),
  AVINODE_WORKER_POLL_MS: milliseconds(1_000),
  AVINODE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
};

type AvinodeEnvironment = z.output<z.ZodObject<typeof avinodeEnvironment>>;

export type AvinodeApiConfig = {
  /** e.g. https://sandbox.avinode.com/api: every fetched URL must start with it. */
  url: string;
  /** Sent as X-Avinode-ApiToken. */
  apiToken: string;
  /** Sent as Authorization: Bearer (defaults to the API token). */
  bearerToken: string;
  product: string;
  actAsAccount: string | undefined;
  timeoutMs: number;
};

export type AvinodeRetryConfig = {
  /** How long a failing notification is retried before it is dead-lettered (Avinode's own window: 48 h). */
  retryForMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long the worker rests after the API refused its credentials (401/403). */
  authPauseMs: number;
};

export type AvinodeConfig = {
  /** Basic credentials Avinode sends; undefined: POST /webhooks/avinode answers 404. */
  webhook: { clientId: string; clientSecret: string; maxBodyBytes: number } | undefined;
  /** undefined: no worker; notifications wait in the database until one is configured. */
  api: AvinodeApiConfig | undefined;
  retry: AvinodeRetryConfig;
  pollIntervalMs: number;
  concurrency: number;
};

/** Thrown for settings that must stop the server from starting (config.ts turns it into a ConfigError). */
export class AvinodeConfigProblem extends Error {}

export function avinodeConfigOf(env: AvinodeEnvironment, isProduction: boolean): AvinodeConfig {
  const clientId = env.AVINODE_WEBHOOK_CLIENT_ID;
  const clientSecret = env.AVINODE_WEBHOOK_CLIENT_SECRET;
  if (Boolean(clientId) !== Boolean(clientSecret)) {
    throw new AvinodeConfigProblem('Set both AVINODE_WEBHOOK_CLIENT_ID and AVINODE_WEBHOOK_CLIENT_SECRET, or neither.');
  }
  if (isProduction && clientSecret && isWeakSecret(clientSecret)) {
    throw new AvinodeConfigProblem(
      'Refusing to start in production with a weak AVINODE_WEBHOOK_CLIENT_SECRET: use at least 24 characters with at least 10 different ones (e.g. openssl rand -base64 24).',
    );
  }
  if (Boolean(env.AVINODE_API_URL) !== Boolean(env.AVINODE_API_TOKEN)) {
    throw new AvinodeConfigProblem('Set both AVINODE_API_URL and AVINODE_API_TOKEN, or neither.');
  }
  const api =
    env.AVINODE_API_URL && env.AVINODE_API_TOKEN
      ? {
          url: env.AVINODE_API_URL.replace(/\/+$/, ''),
          apiToken: env.AVINODE_API_TOKEN,
          bearerToken: env.AVINODE_BEARER_TOKEN ?? env.AVINODE_API_TOKEN,
          product: env.AVINODE_PRODUCT,
          actAsAccount: env.AVINODE_ACT_AS_ACCOUNT,
          timeoutMs: env.AVINODE_FETCH_TIMEOUT_MS,
        }
      : undefined;
  return {
    webhook:
      clientId && clientSecret
        ? { clientId, clientSecret, maxBodyBytes: env.AVINODE_WEBHOOK_MAX_BODY_BYTES }
        : undefined,
    api,
    retry: {
      retryForMs: env.AVINODE_RETRY_FOR_MS,
      baseDelayMs: env.AVINODE_RETRY_BASE_MS,
      maxDelayMs: env.AVINODE_RETRY_MAX_DELAY_MS,
      authPauseMs: env.AVINODE_AUTH_PAUSE_MS,
    },
    pollIntervalMs: env.AVINODE_WORKER_POLL_MS,
    concurrency: env.AVINODE_WORKER_CONCURRENCY,
  };
}

function isWeakSecret(secret: string): boolean {
  return secret.length < 24 || new Set(secret).size < 10;
}
