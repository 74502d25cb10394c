import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { PubSub } from '../../pubsub.js';
import { DomainError } from '../errors.js';
import { type ApplyDependencies, applyInterpretation } from './apply.js';
import { AvinodeApiError, type AvinodeClient } from './avinode-client.js';
import { UnparseableResource } from './avinode-shapes.js';
import { retryDelayMs } from './backoff.js';
import type { AvinodeRetryConfig } from './intake.config.js';
import { intakeCounters } from './intake-metrics.js';
import { interpret } from './interpret.js';
import {
  type ClaimedNotification,
  claimDue,
  enqueueTripLookups,
  renewClaims,
  type Settlement,
  settleClaim,
} from './notification-store.js';

export type WorkerOptions = {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  client: AvinodeClient;
  retry: AvinodeRetryConfig;
  pollIntervalMs: number;
  concurrency: number;
};

export type WorkerStatus = { paused: boolean; reason?: string; until?: string };

/**
 * Claims stored notifications, fetches what they point to, and applies it. One runs on
 * every instance; they share the table (claimDue). At most `concurrency` notifications
 * are in flight here at once; a receipt on this instance wakes it, the others poll.
 */
export class IntakeWorker {
  private running = false;
  private inFlight = new Set<Promise<void>>();
  private held = new Map<string, ClaimedNotification>();
  private renewTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private pausedUntil = 0;
  private pauseReason: string | undefined;
  private lastLookupAt = 0;
  private readonly stopping = new AbortController();
  /** A crashed worker's claims lapse after this: several fetches (each bounded by the timeout) and the writes. */
  private readonly leaseMs: number;

  constructor(
    private readonly options: WorkerOptions,
    fetchTimeoutMs: number,
  ) {
    this.leaseMs = fetchTimeoutMs * 6;
  }

  start(): void {
    this.running = true;
    this.schedule(0);
    // A claim is a lease for crashed workers only: a live one renews what it still holds.
    this.renewTimer = setInterval(() => {
      renewClaims(this.options.prisma, [...this.held.values()], this.leaseMs).catch((error: Error) =>
        this.options.logger.warn('avinode intake: could not renew claims', { error: error.message }),
      );
    }, this.leaseMs / 3);
    this.renewTimer.unref();
  }

  /** Stops claiming, aborts Avinode calls in flight (their notifications go back, unharmed), waits for them. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.renewTimer);
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
    if (this.pauseReason) intakeCounters.pausedWorkers--;
  }

  /** A notification was just stored here: look now instead of at the next poll. */
  wake(): void {
    if (this.running) void this.pump();
  }

  status(): WorkerStatus {
    return this.pauseReason && Date.now() < this.pausedUntil
      ? { paused: true, reason: this.pauseReason, until: new Date(this.pausedUntil).toISOString() }
      : { paused: false };
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void this.pump(), delayMs);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        await this.claimAndStart();
      } while (this.pumpAgain && this.running);
    } catch (error) {
      this.options.logger.warn('avinode intake: could not claim notifications', { error: (error as Error).message });
    } finally {
      this.pumping = false;
      const resumeIn = this.pausedUntil - Date.now();
      this.schedule(resumeIn > 0 ? resumeIn : this.options.pollIntervalMs);
    }
  }

  private async claimAndStart(): Promise<void> {
    const { prisma, concurrency, retry, client } = this.options;
    if (Date.now() < this.pausedUntil) return;
    if (Date.now() - this.lastLookupAt >= this.options.pollIntervalMs * 5) {
      this.lastLookupAt = Date.now();
      await enqueueTripLookups(prisma, (trip) => lookupUrl(client, trip), retry.retryForMs);
    }
    while (this.running && this.inFlight.size < concurrency && Date.now() >= this.pausedUntil) {
      const claimed = await claimDue(prisma, concurrency - this.inFlight.size, this.leaseMs);
      if (claimed.length === 0) return;
      for (const notification of claimed) {
        this.held.set(notification.id, notification);
        const work: Promise<void> = this.process(notification).finally(() => {
          this.held.delete(notification.id);
          this.inFlight.delete(work);
          this.wake();
        });
        this.inFlight.add(work);
      }
    }
  }

  private async process(notification: ClaimedNotification): Promise<void> {
    const { logger } = this.options;
    const settlement = await this.settlementFor(notification);
    if (this.pauseReason && Date.now() >= this.pausedUntil) this.resume();
    let status: string | undefined;
    try {
      status = await settleClaim(this.options.prisma, notification, settlement);
    } catch (error) {
      // The claim lapses and another attempt picks it up: nothing is lost.
      logger.warn('avinode intake: could not record the outcome', {
        id: notification.id,
        error: (error as Error).message,
      });
      return;
    }
    const fields = {
      id: notification.id,
      type: notification.resourceType,
      resourceId: notification.resourceId,
      attempt: notification.attempts,
      ...('reason' in settlement ? { reason: settlement.reason } : {}),
      ...('sessionIds' in settlement ? { sessions: settlement.sessionIds.length } : {}),
    };
    if (!status) logger.warn('avinode intake: claim lapsed before the outcome was recorded', fields);
    else if (status === 'DEAD_LETTERED' || status === 'UNPARSEABLE' || status === 'REJECTED')
      logger.error(`avinode notification ${status.toLowerCase()}`, fields);
    else logger.info(`avinode notification ${status.toLowerCase()}`, fields);
  }

  private async settlementFor(notification: ClaimedNotification): Promise<Settlement> {
    const { client } = this.options;
    const signal = this.stopping.signal;
    try {
      const interpretation = await interpret(notification, {
        get: (href) => client.get(href, signal),
        urlFor: client.urlFor,
      });
      return await applyInterpretation(this.options as ApplyDependencies, interpretation);
    } catch (error) {
      return this.failure(notification, error);
    }
  }

  private failure(notification: ClaimedNotification, error: unknown): Settlement {
    const reason = (error as Error).message ?? String(error);
    if (error instanceof UnparseableResource) return { status: 'UNPARSEABLE', reason };
    if (error instanceof DomainError) return { status: 'REJECTED', reason: `${error.code}: ${reason}` };
    if (error instanceof AvinodeApiError) {
      switch (error.kind) {
        case 'aborted':
          return { status: 'PENDING', reason, nextAttemptAt: new Date(), counted: false };
        case 'unauthorized':
          this.pause(reason);
          return { status: 'PENDING', reason, nextAttemptAt: new Date(this.pausedUntil), counted: false };
        case 'foreign-url':
          return { status: 'REJECTED', reason };
        case 'unparseable':
          return { status: 'UNPARSEABLE', reason };
        case 'not-found':
        case 'refused':
          // Avinode may not have the resource yet (or is briefly inconsistent): worth retrying.
          return this.retryLater(notification, reason);
        case 'unavailable':
          return this.retryLater(notification, reason);
      }
    }
    // Database trouble and anything unforeseen: retried, and the reason kept.
    return this.retryLater(notification, reason);
  }

  private retryLater(notification: ClaimedNotification, reason: string): Settlement {
    const next = Date.now() + retryDelayMs(notification.attempts, this.options.retry);
    if (next > notification.giveUpAt.getTime()) {
      return { status: 'DEAD_LETTERED', reason: `gave up after ${notification.attempts} attempts: ${reason}` };
    }
    return { status: 'PENDING', reason, nextAttemptAt: new Date(next), counted: true };
  }

  private resume(): void {
    intakeCounters.pausedWorkers--;
    this.pauseReason = undefined;
    this.options.logger.info('avinode intake resumed: the Avinode API accepts the credentials again');
  }

  private pause(reason: string): void {
    const { authPauseMs } = this.options.retry;
    if (!this.pauseReason) intakeCounters.pausedWorkers++;
    this.pausedUntil = Date.now() + authPauseMs;
    this.pauseReason = reason;
    this.options.logger.error('avinode intake paused: the Avinode API refused the credentials', {
      reason,
      resumesAt: new Date(this.pausedUntil).toISOString(),
      fix: 'check AVINODE_API_TOKEN / AVINODE_BEARER_TOKEN',
    });
  }
}

function lookupUrl(client: AvinodeClient, avinodeTripId: string): string | undefined {
  return /^[a-zA-Z]+-\d+(-[^-]+)?$/.test(avinodeTripId) ? client.urlFor(`trips/${avinodeTripId}`) : undefined;
}
