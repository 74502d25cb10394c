import type { Viewer } from '../../auth/viewer.js';
import { isConnectionLost } from '../../db/availability.js';
import { type ChatSession, Prisma, type PrismaClient, type SessionEvent } from '../../generated/prisma/client.js';
import { withSpan } from '../../observability/spans.js';
import { claimCommit, deadlinePassed, RequestDeadlinePassed } from '../../request-deadline.js';
import { afterCommit, appendEvents, type EventDraft } from '../activity/event-log.js';
import { type Actor, type SessionState, settle, transition, type WorkflowAction } from './workflow.js';

export type Tx = Prisma.TransactionClient;
export type Change<T> = { result: T; events: EventDraft[] };

/**
 * A write that met a concurrent one (two first deliveries of the same quote); the
 * next attempt sees the winner's row and decides again.
 */
export class ConcurrentWrite extends Error {
  override name = 'ConcurrentWrite';
}

/** Conflicts that a fresh attempt resolves: unique races, write conflicts, deadlocks. */
const RETRYABLE = new Set(['P2002', 'P2034']);
const MAX_ATTEMPTS = 4;
/** Far above the pool's own wait, so the pool's error (exhausted, or unreachable) is the one reported. */
const TRANSACTION_MAX_WAIT_MS = 120_000;

/**
 * Runs a state change and its events in one transaction, retrying on conflicts, and on a
 * connection lost before COMMIT was sent (the database rolled that attempt back, so running
 * it again cannot apply it twice; a loss during COMMIT leaves the outcome unknown and is
 * reported, never retried). The events are appended to the log last, and announced once
 * the commit is done; the stored events are returned too.
 */
export async function runChange<T>(
  prisma: PrismaClient,
  actorId: string,
  work: (tx: Tx) => Promise<Change<T>>,
): Promise<{ result: T; events: SessionEvent[] }> {
  for (let attempt = 1; ; attempt++) {
    if (deadlinePassed()) throw new RequestDeadlinePassed();
    let committing = false;
    try {
      // One span per attempt, so a retried conflict shows as two transactions.
      const outcome = await withSpan('session.transaction', { 'session.transaction.attempt': attempt }, (span) =>
        prisma.$transaction(
          async (tx) => {
            const { result, events } = await work(tx);
            const stored = await appendEvents(tx, events, actorId);
            // Told REQUEST_TIMEOUT already? Then committing would make the client's retry a duplicate.
            if (!claimCommit()) throw new RequestDeadlinePassed();
            committing = true;
            span?.setAttribute('session.events.written', stored.length);
            return { result, events: stored };
          },
          { maxWait: TRANSACTION_MAX_WAIT_MS, timeout: 30_000 },
        ),
      );
      afterCommit(prisma, outcome.events);
      return outcome;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS) throw error;
      const lostBeforeCommit = !committing && isConnectionLost(error);
      if (!lostBeforeCommit && !isRetryable(error)) throw error;
    }
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof ConcurrentWrite) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) return RETRYABLE.has(error.code);
  // Serialization failures and deadlocks surface from the driver with their SQLSTATE.
  const text = String((error as Error)?.message ?? '');
  return /40001|40P01|deadlock detected|could not serialize/.test(text);
}

/** `transition` (workflow.ts) for a session row, acted on by this viewer. */
export function transitionOf(
  session: Pick<ChatSession, 'status' | 'currentStep'>,
  action: WorkflowAction,
  viewer: Viewer,
): SessionState {
  return transition({ status: session.status, step: session.currentStep }, action, actorOf(viewer));
}

export function actorOf(viewer: Viewer): Actor {
  return viewer.kind === 'service' ? 'INTEGRATION' : 'PERSON';
}

export function actorIdOf(viewer: Viewer): string {
  return viewer.kind === 'service' ? viewer.subject : viewer.agent.id;
}

/** Advisory-lock class for "this Avinode trip", beside the event-stream lock's key space. */
const AVINODE_TRIP_LOCK = 7_402_117;

/**
 * Serialises what links sessions to an Avinode trip and what delivers its quotes, so a
 * session joining a trip sees every quote already delivered to it, and a delivery by
 * trip id sees every session already linked. Taken before any session row lock: one
 * lock order everywhere, so the two cannot deadlock.
 */
export async function lockAvinodeTrip(tx: Tx, avinodeTripId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AVINODE_TRIP_LOCK}::int, hashtext(${avinodeTripId}))`;
}

/** lockAvinodeTrip for the trip the session is linked to, if any, found and locked in one statement. */
export async function lockTripOfSession(tx: Tx, sessionId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AVINODE_TRIP_LOCK}::int, hashtext(avinode_trip_id))
    FROM chat_sessions WHERE id = ${sessionId}::uuid AND avinode_trip_id IS NOT NULL`;
}

/**
 * The events that describe a move of step and/or status, beyond the action's own
 * event: one per change along the path, so a resume that also settles a session
 * reads as STATUS_CHANGED then STEP_CHANGED.
 */
export function transitionEvents(
  session: Pick<ChatSession, 'id' | 'agentId' | 'status' | 'currentStep'>,
  ...path: Array<{ status: ChatSession['status']; step: ChatSession['currentStep'] }>
): EventDraft[] {
  const events: EventDraft[] = [];
  let from = { status: session.status, step: session.currentStep };
  for (const next of path) {
    if (next.step !== from.step) {
      events.push({
        sessionId: session.id,
        agentId: session.agentId,
        type: 'STEP_CHANGED',
        fromStep: from.step,
        toStep: next.step,
      });
    }
    if (next.status !== from.status) {
      events.push({
        sessionId: session.id,
        agentId: session.agentId,
        type: 'STATUS_CHANGED',
        fromStatus: from.status,
        toStatus: next.status,
      });
    }
    from = next;
  }
  return events;
}

/**
 * `settle` (workflow.ts) for a session that an action has just moved: looks up whether
 * quotes hang off its trip request only when that could matter.
 */
export async function settleAfter(
  tx: Tx,
  session: Pick<ChatSession, 'requestId'>,
  moved: SessionState,
): Promise<SessionState> {
  if (settle(moved, true) === moved || !session.requestId) return moved;
  const quotes = await tx.quote.count({ where: { requestId: session.requestId }, take: 1 });
  return settle(moved, quotes > 0);
}
