import type { Viewer } from '../auth/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { EventStream } from '../modules/activity/event-stream.js';
import type { PubSub } from '../pubsub.js';
import type { RequestState } from '../request-deadline.js';

/**
 * What every resolver receives. The viewer is always resolved before execution
 * (an unauthenticated request never reaches a resolver), so it is never optional.
 */
export type Context = {
  viewer: Viewer;
  prisma: PrismaClient;
  logger: Logger;
  pubsub: PubSub;
  /** This instance's tail of the event log, for subscriptions. */
  events: EventStream;
  /** The request's one state: id, clock, operation, deadline (request-deadline.ts). */
  requestState: RequestState;
  /** `requestState.id`, for the readers that only want the id. */
  requestId: string;
  /**
   * The viewer as it stands now: a remembered agent (agent-memory.ts) looked up again, any
   * other viewer as it is; throws UNAUTHENTICATED when it no longer stands. Anything acting
   * for a remembered viewer confirms it first (plugins/viewer-standing.ts).
   */
  confirmViewer(viewer: Viewer): Promise<Viewer>;
};
