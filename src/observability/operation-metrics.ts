import type { RateLimiter } from '../graphql/plugins/rate-limit.js';
import { boundedLabel, type Metrics } from './metrics.js';

/** How an operation reached the server: a graphql-ws socket, an SSE stream, or a plain HTTP request. */
export type Transport = 'ws' | 'sse' | 'http';

export type FinishedOperation = {
  operationName: string | undefined;
  /** query, mutation, subscription; undefined when the document never parsed. */
  operationType: string | undefined;
  transport: Transport;
  outcome: 'ok' | 'error' | 'refused';
  errorCodes: readonly unknown[] | undefined;
  durationMs: number;
};

/** Distinct operation names kept as labels; the rest count as `__other__`. */
const OPERATION_NAMES = 300;
/** Seconds: from a cached read to a request that hit its deadline. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/**
 * The GraphQL server's own figures: what the observability plugin sees for every
 * operation (the same moments it writes its log lines), the subscriptions that are
 * open and what they delivered, and the rate limiter's refusals.
 */
export function createOperationMetrics(metrics: Metrics) {
  const operations = metrics.counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations finished, by operation name, type, transport, outcome (ok, error, refused) and first error code (OK when none).',
    labelNames: ['operation', 'type', 'transport', 'outcome', 'code'],
  });
  const errors = metrics.counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors returned, by error code (every error of an operation counts).',
    labelNames: ['code'],
  });
  const latency = metrics.histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Time from request to response for queries and mutations, by operation name, type and outcome.',
    labelNames: ['operation', 'type', 'outcome'],
    buckets: LATENCY_BUCKETS,
  });
  const active = metrics.gauge({
    name: 'graphql_subscriptions_active',
    help: 'Subscriptions streaming right now on this instance, by transport (ws, sse).',
    labelNames: ['transport'],
  });
  const delivered = metrics.counter({
    name: 'graphql_subscription_events_delivered_total',
    help: 'Subscription results sent to clients, by transport and subscription field.',
    labelNames: ['transport', 'field'],
  });
  const rateLimited = metrics.counter({
    name: 'graphql_rate_limit_refusals_total',
    help: 'Requests refused by the rate limiter (GraphQL and REST), by kind of viewer (agent, service).',
    labelNames: ['viewer_kind'],
  });
  // Both transports start at zero, so a dashboard sees the series before the first subscriber.
  for (const transport of ['ws', 'sse']) active.set({ transport }, 0);
  const operationLabel = boundedLabel(OPERATION_NAMES);

  return {
    finished(operation: FinishedOperation): void {
      const code = String(operation.errorCodes?.[0] ?? 'OK');
      const name = operationLabel(operation.operationName ?? 'anonymous');
      const type = operation.operationType ?? 'unknown';
      operations.inc({ operation: name, type, transport: operation.transport, outcome: operation.outcome, code });
      for (const each of operation.errorCodes ?? []) errors.inc({ code: String(each) });
      if (type !== 'subscription') {
        latency.observe({ operation: name, type, outcome: operation.outcome }, operation.durationMs / 1000);
      }
    },
    /** Counts a stream as open until the returned function is called (once). */
    subscriptionStarted(transport: Transport, field: string): { delivered(): void; ended(): void } {
      active.inc({ transport });
      let open = true;
      return {
        delivered: () => delivered.inc({ transport, field }),
        ended: () => {
          if (!open) return;
          open = false;
          active.dec({ transport });
        },
      };
    },
    rateLimited(viewerKind: string): void {
      rateLimited.inc({ viewer_kind: viewerKind });
    },
  };
}

export type OperationMetrics = ReturnType<typeof createOperationMetrics>;

/**
 * The limiter, counting its refusals: every caller (the GraphQL plugin, the REST route)
 * is counted without knowing about metrics. Keys are `<kind>:<id>` (rate-limit.ts).
 */
export function countingRefusals(limiter: RateLimiter, metrics: Pick<OperationMetrics, 'rateLimited'>): RateLimiter {
  return {
    async hit(key, limit) {
      const retryAfter = await limiter.hit(key, limit);
      if (retryAfter !== undefined) {
        const kind = key.slice(0, key.indexOf(':'));
        metrics.rateLimited(kind === 'agent' || kind === 'service' ? kind : 'other');
      }
      return retryAfter;
    },
  };
}
