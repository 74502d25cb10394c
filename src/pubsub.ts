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

/**
 * Whether this instance's pokes can reach it: `subscribed` (Redis confirmed every topic
 * listened to), `unsubscribed` (events still arrive, by polling the log), or `in-process`.
 */
export type PubSubState = 'in-process' | 'subscribed' | 'unsubscribed';

export type PubSub = ReturnType<typeof createPubSub<Topics>> & {
  state(): PubSubState;
  close(): Promise<void>;
};

/** How often an instance asks Redis to confirm its subscription (and renews it). */
const SUBSCRIPTION_CHECK_MS = 5_000;
const SUBSCRIPTION_CHECK_TIMEOUT_MS = 2_000;

export function createAppPubSub(redisUrl: string | undefined, logger: Logger): PubSub {
  if (!redisUrl) {
    return Object.assign(createPubSub<Topics>(), { state: () => 'in-process' as const, close: async () => {} });
  }

  const options = {
    // Keep retrying forever: Redis coming back must not need a server restart.
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  };
  const publishClient = new Redis(redisUrl, options);
  const subscribeClient = new Redis(redisUrl, {
    ...options,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    // ioredis 5 sends its handshake (CLIENT SETINFO, then the INFO ready check) after any
    // SUBSCRIBE issued while it connects; in subscriber mode those are refused, the failed
    // ready check reconnects, and the subscription is silently gone (ioredis#2037, fixed in
    // ioredis 6, which the Redis event target does not take). A subscriber connection needs
    // neither: SUBSCRIBE is valid while Redis loads its data.
    disableClientInfo: true,
    enableReadyCheck: false,
  });
  for (const [name, client] of [
    ['publish', publishClient],
    ['subscribe', subscribeClient],
  ] as const) {
    client.on('error', (error: Error) => logger.warn('redis connection error', { client: name, error: error.message }));
  }
  const redisTarget = createRedisEventTarget({
    publishClient,
    subscribeClient: withHandledSubscriptions(subscribeClient),
  });
  const topics = new Set<string>();
  const subscription = watchSubscription(subscribeClient, topics, logger);
  const eventTarget: typeof redisTarget = {
    addEventListener(topic, listener) {
      topics.add(topic);
      redisTarget.addEventListener(topic, listener);
      subscription.check();
    },
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
    state: subscription.state,
    async close() {
      subscription.stop();
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  });
}

/**
 * The stock target leaves its SUBSCRIBE and UNSUBSCRIBE promises unhandled: one pending while
 * the connection closes (Redis away during a shutdown) would be an unhandled rejection. A
 * failed SUBSCRIBE is the watch's to report and repair (it subscribes again); an UNSUBSCRIBE
 * on a closing connection has nothing left to undo.
 */
function withHandledSubscriptions(client: Redis): Redis {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'subscribe' || property === 'unsubscribe') {
        return (...channels: string[]) => {
          const sent = target[property](...channels);
          sent.catch(() => {});
          return sent;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Asks Redis, every few seconds and whenever the connection is (re)established, to
 * confirm the subscription: SUBSCRIBE is idempotent and answers how many channels this
 * connection listens to, so the check also renews a subscription that was lost. The
 * state shows in /readyz; each change is logged.
 */
function watchSubscription(client: Redis, topics: Set<string>, logger: Logger) {
  let subscribed = false;
  let stopped = false;
  const report = (now: boolean, reason?: string) => {
    if (stopped || now === subscribed) return;
    subscribed = now;
    if (now) logger.info('redis pub/sub subscribed', { channels: [...topics] });
    else logger.warn('redis pub/sub not subscribed; events arrive by polling the event log', { reason });
  };
  const check = async () => {
    if (topics.size === 0) return;
    if (client.status !== 'ready') return report(false, `redis connection ${client.status}`);
    let timer: NodeJS.Timeout | undefined;
    // When the timeout wins the race, SUBSCRIBE may still fail later (the connection closes):
    // that outcome is already reported, and must not surface as an unhandled rejection.
    const subscribing = client.subscribe(...topics);
    subscribing.catch(() => {});
    try {
      const count = await Promise.race([
        subscribing,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer to SUBSCRIBE')), SUBSCRIPTION_CHECK_TIMEOUT_MS);
        }),
      ]);
      report(Number(count) >= topics.size, `subscribed to ${count} of ${topics.size} channels`);
    } catch (error) {
      report(false, (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  };
  const interval = setInterval(() => void check(), SUBSCRIPTION_CHECK_MS);
  interval.unref();
  client.on('ready', () => void check());
  client.on('close', () => report(false, 'redis connection closed'));
  return {
    state: (): PubSubState => (subscribed ? 'subscribed' : 'unsubscribed'),
    check: () => void check(),
    stop: () => {
      stopped = true;
      clearInterval(interval);
    },
  };
}
