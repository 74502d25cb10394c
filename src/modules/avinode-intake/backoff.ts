import type { AvinodeRetryConfig } from './intake.config.js';

/**
 * Exponential backoff with jitter: base × 2^(attempt-1), capped, then a random share of
 * it ("equal jitter", half fixed and half random), so notifications that failed together
 * during an outage do not all come back at the same instant.
 */
export function retryDelayMs(attempt: number, retry: AvinodeRetryConfig, random = Math.random): number {
  const exponential = retry.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(retry.maxDelayMs, exponential);
  return Math.round(capped / 2 + random() * (capped / 2));
}
