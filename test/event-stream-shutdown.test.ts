import { describe, expect } from 'vitest';
import { createLogger } from '../src/logger.js';
import { EventStream } from '../src/modules/activity/event-stream.js';
import { createAppPubSub } from '../src/pubsub.js';
import { it } from './harness/fixtures.js';

/**
 * Shutdown completes every subscriber, including one whose subscription was still
 * being set up (catching up with the log) when the stream stopped: it must complete
 * at once, not wait for events that will never come and hold shutdown to its timeout.
 * The stream runs on a real database and the app's in-process pub/sub.
 */

describe('EventStream.stop', () => {
  it('completes a subscriber that attaches while the stream is stopping', async ({ database }) => {
    const logger = createLogger('silent');
    const pubsub = createAppPubSub(undefined, logger);
    const events = new EventStream(database.prisma, pubsub, logger, 60_000);
    await events.start();

    const late = events.subscribe({});
    // The subscription sets itself up on the first pull; shutdown starts meanwhile.
    const first = late.next();
    await events.stop();

    const outcome = await Promise.race([
      first.then((result) => (result.done ? 'completed' : 'got an event')),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 2_000)),
    ]);
    expect(outcome).toBe('completed');
    expect(events.subscriberCount).toBe(0);
    await late.return(undefined);
    await pubsub.close();
  });
});
