import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * The one typed pub/sub. Messages are tiny pokes ("events up to id N are committed");
 * subscribers read the events themselves from the database, which stays the source
 * of truth, so a lost or reordered message can delay an event but never drop one.
 */
export type Topics = {
  'session-events:committed': [{ lastEventId: string }];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>> & { close(): Promise<void> };

export function createAppPubSub(redisUrl: string | undefined, logger: Logger): PubSub {
  if (!redisUrl) return Object.assign(createPubSub<Topics>(), { close: async () => {} });

  const options = {
    // Keep retrying forever: Redis coming back must not need a server restart.
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  };
  const publishClient = new Redis(redisUrl, options);
  const subscribeClient = new Redis(redisUrl, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  for (const [name, client] of [
    ['publish', publishClient],
    ['subscribe', subscribeClient],
  ] as const) {
    client.on('error', (error: Error) => logger.warn('redis connection error', { client: name, error: error.message }));
  }
  const redisTarget = createRedisEventTarget({ publishClient, subscribeClient });
  const eventTarget: typeof redisTarget = {
    addEventListener: redisTarget.addEventListener.bind(redisTarget),
    removeEventListener: redisTarget.removeEventListener.bind(redisTarget),
    // The stock target leaves the publish promise unhandled, which would crash the
    // process while Redis is down. A lost poke is harmless: every instance polls.
    dispatchEvent(event) {
      const detail = (event as CustomEvent).detail;
      publishClient
        .publish(event.type, detail === undefined ? '' : JSON.stringify(detail))
        .catch((error: Error) =>
          logger.warn('redis publish failed; subscribers catch up by polling', { error: error.message }),
        );
      return true;
    },
  };
  const pubsub = createPubSub<Topics>({ eventTarget });
  return Object.assign(pubsub, {
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  });
}
