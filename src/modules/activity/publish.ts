import type { SessionEvent } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { PubSub } from '../../pubsub.js';

/**
 * Tells every instance that events up to the newest of these are committed. Called
 * only after the transaction commits, by the event log (EventStream listens to the
 * write path's commits, see event-log.ts `afterCommit`). A failed publish loses nothing: subscribers
 * read from the database and catch up on the next poke or poll.
 */
export function announceCommitted(pubsub: PubSub, logger: Logger, events: SessionEvent[]): void {
  if (events.length === 0) return;
  // biome-ignore lint/complexity/useMathMinMax: ids are bigints, which Math.max does not take.
  const lastEventId = events.reduce((max, event) => (event.id > max ? event.id : max), 0n);
  try {
    pubsub.publish('session-events:committed', { lastEventId: lastEventId.toString() });
  } catch (error) {
    logger.warn('could not announce committed events', {
      lastEventId: lastEventId.toString(),
      error: (error as Error).message,
    });
  }
}
