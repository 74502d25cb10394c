import { GraphQLError } from 'graphql';
import type { Prisma, PrismaClient, SessionEvent } from '../../generated/prisma/client.js';
import type { SessionEventType, SessionStatus, WorkflowStep } from '../../generated/prisma/enums.js';
import type { Logger } from '../../logger.js';
import type { PubSub } from '../../pubsub.js';
import { onCommitted } from './event-log.js';
import { announceCommitted } from './publish.js';
import { PushIterator } from './push-iterator.js';

/**
 * An event as subscribers receive it: the stored row, which carries where its session
 * stood just after the event's transaction (`sessionStatus`, `sessionStep`).
 */
export type StreamedEvent = SessionEvent;

/** Which events one subscriber wants; every given condition must hold. */
export type EventScope = {
  agentId?: string;
  sessionId?: string;
  types?: SessionEventType[];
  statuses?: SessionStatus[];
  steps?: WorkflowStep[];
};

const BATCH = 500;
/** Listener calls between yields to the event loop. */
const FAN_OUT_SLICE = 200;
/** Events a slow subscriber may fall behind by before it is cut off (it resumes from its cursor). */
const SUBSCRIBER_BACKLOG = 5_000;

/** One attached subscriber, as the fan-out sees it. */
type Subscriber = {
  receive(event: StreamedEvent): void;
  stop(error?: unknown): void;
};

/**
 * Tails the session_events table in id order, the way log-based change capture does,
 * and fans events out to this instance's subscribers. Pub/sub messages only say
 * "something was committed" (and a poll covers lost ones), so every instance reads the
 * same ordered log: no event is skipped when messages are lost or reordered, and
 * there is one catch-up query per batch per instance, not per subscriber.
 *
 * Ids are in commit order because writers insert events under a transaction-level
 * advisory lock (appendEvents, event-log.ts), so "everything up to my position has
 * been seen" holds once a position is read. While it runs, every commit made through
 * its Prisma client that wrote events is announced on the pub/sub (publish.ts), to
 * every instance's stream, this one's included: resolvers and workers never announce.
 */
export class EventStream {
  private position = 0n;
  private readonly subscribers = new Set<Subscriber>();
  private running: Promise<void> | undefined;
  /** Set by stop(): subscribers that attach afterwards complete at once. */
  private stopping = false;
  private again = false;
  private poll: NodeJS.Timeout | undefined;
  private pokes: AsyncIterator<unknown> | undefined;
  private stopAnnouncing: (() => void) | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
    private readonly pollIntervalMs = 1_000,
    /**
     * Events a subscriber may have waiting before it is cut off. Keep it above a read
     * batch, which is fanned out without waiting for readers. Read when a subscriber
     * joins, so tests lower it on a running server to reach the limit quickly.
     */
    public subscriberBacklog = SUBSCRIBER_BACKLOG,
  ) {}

  async start(): Promise<void> {
    this.position = await this.newestCommitted();
    this.stopAnnouncing = onCommitted(this.prisma, (events) => announceCommitted(this.pubsub, this.logger, events));
    const pokes = this.pubsub.subscribe('session-events:committed')[Symbol.asyncIterator]();
    this.pokes = pokes;
    void (async () => {
      for (let poke = await pokes.next(); !poke.done; poke = await pokes.next()) this.poked();
    })();
    this.poll = setInterval(() => this.catchUp(), this.pollIntervalMs);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopAnnouncing?.();
    if (this.poll) clearInterval(this.poll);
    await this.pokes?.return?.();
    // Subscribers complete cleanly rather than seeing their socket drop.
    for (const subscriber of [...this.subscribers]) subscriber.stop();
    await this.running;
  }

  /** The newest event this instance has read and handed to its subscribers. */
  get lastDelivered(): bigint {
    return this.position;
  }

  /** The newest event committed to the log, whether or not this instance has read it yet. */
  async newestCommitted(): Promise<bigint> {
    const newest = await this.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    return newest?.id ?? 0n;
  }

  /** How many subscribers are attached (leak checks). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Something was committed, somewhere: what, only the log says. The message's content is
   * never trusted to move the position, because anyone on the channel may send one (another
   * deployment sharing the Redis, a stale instance): a position taken from a message could
   * pass events that a subscriber then never receives.
   */
  private poked(): void {
    this.catchUp();
  }

  /** Reads everything committed since the last read; concurrent calls coalesce. */
  catchUp(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.readNewEvents();
        } while (this.again);
      } catch (error) {
        this.logger.warn('event stream catch-up failed; retrying on the next poke or poll', {
          error: (error as Error).message,
        });
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async readNewEvents(): Promise<void> {
    // With nobody attached there is nobody to read events for: one look-up of the newest id
    // moves the position on, however much was committed meanwhile. A subscriber that joins
    // then starts after it; one that resumes reads its replay from the log, as always.
    if (this.subscribers.size === 0) {
      const newest = await this.newestCommitted();
      // Asked again after the look-up: one that attached meanwhile took its seam from the old
      // position, and is owed every event after it.
      if (this.subscribers.size === 0) {
        if (newest > this.position) this.position = newest;
        return;
      }
    }
    for (;;) {
      const batch = await this.read({ id: { gt: this.position } });
      let calls = 0;
      for (const event of batch) {
        this.position = event.id;
        // A snapshot: a subscriber that joins mid-event gets that event from its replay.
        for (const subscriber of [...this.subscribers]) {
          // The position has moved on: a throw here would cost every later subscriber this
          // event. Whatever goes wrong with one subscriber ends that subscriber only.
          try {
            subscriber.receive(event);
          } catch (error) {
            this.logger.warn('subscriber failed to take an event; stopping it', { error: (error as Error).message });
            subscriber.stop(error);
          }
          // Fanning one event out to thousands of sockets must not starve the writers'
          // commits and every other request on this event loop.
          if (++calls % FAN_OUT_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
      if (batch.length < BATCH) return;
    }
  }

  private read(where: Prisma.SessionEventWhereInput): Promise<StreamedEvent[]> {
    return this.prisma.sessionEvent.findMany({ where, orderBy: { id: 'asc' }, take: BATCH });
  }

  /**
   * Events in scope: those after `after` from the log first, then live ones, with no
   * gap and no duplicate at the seam. Without `after`, only what happens from now on.
   * `onStart` learns the position the stream starts after (`after`, or "now"), once known.
   */
  subscribe(scope: EventScope, after?: bigint, onStart?: (position: bigint) => void): PushIterator<StreamedEvent> {
    // Waiting events live here, up to the backlog, and nowhere else: a subscriber that
    // does not keep up is stopped, never left to pile up pending pushes.
    const events: PushIterator<StreamedEvent> = new PushIterator(this.subscriberBacklog, () => {
      this.attach(events, scope, after, onStart).catch((error: unknown) => events.fail(error));
    });
    return events;
  }

  /** Feeds `events` from the log after `after`, then from the live fan-out, until it ends. */
  private async attach(
    events: PushIterator<StreamedEvent>,
    scope: EventScope,
    after: bigint | undefined,
    onStart: ((position: bigint) => void) | undefined,
  ): Promise<void> {
    const backlog = this.subscriberBacklog;
    const buffered: StreamedEvent[] = [];
    let replaying = true;
    // "From now on" means after everything committed so far, not after what this
    // instance happened to have read: catch up first, then take the seam.
    await this.catchUp();
    // Registered before reading the log, so nothing committed meanwhile is missed.
    const seam = this.position;
    let delivered = after ?? seam;
    onStart?.(delivered);
    // It still receives what is waiting, then this error; everything it received is in
    // order, so its last cursor is a safe place to resume from.
    const fellBehind = () => events.fail(fellBehindError());
    const deliver = (event: StreamedEvent) => {
      if (event.id <= delivered) return;
      if (events.full) return fellBehind();
      delivered = event.id;
      events.push(event);
    };
    const subscriber: Subscriber = {
      receive: (event) => {
        if (!inScope(scope, event)) return;
        if (!replaying) return deliver(event);
        if (buffered.length >= backlog) return fellBehind();
        buffered.push(event);
      },
      stop: (error) => (error === undefined ? events.end() : events.fail(error)),
    };
    // Shutdown began while this one was catching up: complete it now, it would get nothing.
    if (this.stopping) return events.end();
    // Gone, cut off or shut down, it leaves the fan-out at once, mid-replay too.
    if (events.ended) return;
    this.subscribers.add(subscriber);
    events.onStop(() => this.subscribers.delete(subscriber));
    if (after !== undefined) {
      // A subscriber stopped mid-replay needs no more pages.
      for (let from = after; from < seam && !events.ended; ) {
        const page = await this.read({ ...scopeWhere(scope), id: { gt: from, lte: seam } });
        for (const event of page) {
          if (event.id <= delivered) continue;
          await events.waitForRoom();
          if (events.ended) return;
          delivered = event.id;
          events.push(event);
        }
        if (page.length < BATCH) break;
        from = page[page.length - 1]?.id ?? seam;
      }
    }
    for (const event of buffered) deliver(event);
    replaying = false;
  }
}

function fellBehindError(): GraphQLError {
  return new GraphQLError(
    'Subscriber fell too far behind; resubscribe with `after` set to `extensions.resumeAfter`, the last cursor received.',
    { extensions: { code: 'SUBSCRIBER_TOO_SLOW' } },
  );
}

function inScope(scope: EventScope, event: StreamedEvent): boolean {
  return (
    (scope.agentId === undefined || event.agentId === scope.agentId) &&
    (scope.sessionId === undefined || event.sessionId === scope.sessionId) &&
    (!scope.types?.length || scope.types.includes(event.type)) &&
    (!scope.statuses?.length || scope.statuses.includes(event.sessionStatus)) &&
    (!scope.steps?.length || scope.steps.includes(event.sessionStep))
  );
}

/** `inScope` as a query: the replay must pick exactly the events the live path would. */
function scopeWhere(scope: EventScope): Prisma.SessionEventWhereInput {
  return {
    ...(scope.agentId ? { agentId: scope.agentId } : {}),
    ...(scope.sessionId ? { sessionId: scope.sessionId } : {}),
    ...(scope.types?.length ? { type: { in: scope.types } } : {}),
    ...(scope.statuses?.length ? { sessionStatus: { in: scope.statuses } } : {}),
    ...(scope.steps?.length ? { sessionStep: { in: scope.steps } } : {}),
  };
}
