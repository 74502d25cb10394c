import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { Viewer } from '../../auth/viewer.js';
import type { LimitsConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { Context } from '../context.js';
import { onOperation } from './operation-hooks.js';

const WINDOW_MS = 60_000;

export type RateLimiter = {
  /** Counts one operation for `key`; resolves with the seconds to wait when over `limit`. */
  hit(key: string, limit: number): Promise<number | undefined>;
};

/** Fixed one-minute windows in this process only (single instance, or no Redis). */
export function memoryRateLimiter(): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let sweptFor = -1;
  return {
    async hit(key, limit) {
      const now = Date.now();
      const start = now - (now % WINDOW_MS);
      const window = windows.get(key);
      if (!window || window.start !== start) {
        // Drop finished windows once per window, so the map cannot grow without bound
        // and a busy minute does not rescan it on every new key.
        if (windows.size > 10_000 && sweptFor !== start) {
          sweptFor = start;
          for (const [name, old] of windows) if (old.start !== start) windows.delete(name);
        }
        windows.set(key, { start, count: 1 });
        return undefined;
      }
      window.count += 1;
      return window.count > limit ? Math.ceil((start + WINDOW_MS - now) / 1000) : undefined;
    },
  };
}

/**
 * Fixed one-minute windows shared by every instance through Redis. While Redis is
 * unreachable each instance counts on its own instead: an outage must neither lock
 * every broker out nor lift the limits.
 */
export function redisRateLimiter(redis: Redis, logger: Logger, fallback = memoryRateLimiter()): RateLimiter {
  return {
    async hit(key, limit) {
      const now = Date.now();
      const start = now - (now % WINDOW_MS);
      const redisKey = `rate:${key}:${start}`;
      if (redis.status !== 'ready') return fallback.hit(key, limit);
      try {
        const [[, count]] = (await redis
          .multi()
          .incr(redisKey)
          .pexpire(redisKey, WINDOW_MS * 2)
          .exec()) as [[null, number]];
        return count > limit ? Math.ceil((start + WINDOW_MS - now) / 1000) : undefined;
      } catch (error) {
        logger.warn('shared rate limiter unavailable; counting in this instance', { error: (error as Error).message });
        return fallback.hit(key, limit);
      }
    },
  };
}

/**
 * Counts one operation for the viewer and answers the refusal when it is over its
 * limit. Per viewer: agents and admins share one limit, integrations (service
 * tokens) have their own. GraphQL and the REST route count against the same budget.
 */
export async function rateLimitRefusal(
  limits: LimitsConfig,
  limiter: RateLimiter,
  viewer: Viewer,
): Promise<GraphQLError | undefined> {
  const [key, limit] =
    viewer.kind === 'service'
      ? [`service:${viewer.subject}`, limits.serviceRatePerMinute]
      : [`agent:${viewer.agent.id}`, limits.ratePerMinute];
  if (limit === 0) return undefined;
  const retryAfter = await limiter.hit(key, limit);
  if (retryAfter === undefined) return undefined;
  return createGraphQLError(`Rate limit of ${limit} operations per minute exceeded; retry in ${retryAfter} s.`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds: retryAfter,
      http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
    },
  });
}

export function rateLimitPlugin(limits: LimitsConfig, limiter: RateLimiter): Plugin<Context> {
  const check = (context: Context) => rateLimitRefusal(limits, limiter, context.viewer);
  return {
    ...onOperation<Context>({
      refuse: async (args) => {
        const refusal = await check(args.contextValue);
        return refusal && { errors: [refusal] };
      },
    }),
  };
}
