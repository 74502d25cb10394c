import type { Viewer } from '../../auth/viewer.js';
import { ownerScope } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import { isConnectionLost } from '../../db/availability.js';
import { type ChatSession, Prisma, type PrismaClient, type SessionEvent } from '../../generated/prisma/client.js';
import { withSpan } from '../../observability/spans.js';
import { claimCommit, deadlinePassed, RequestDeadlinePassed } from '../../request-deadline.js';
import { NotFoundError, StaleVersionError } from '../errors.js';
import { type Actor, type SessionState, settle, transition, type WorkflowAction } from './workflow.js';

export type Tx = Prisma.TransactionClient;

/** One thing that happened, before it has its place (id) in the stream. */
export type EventDraft = Omit<Prisma.SessionEventCreateManyInput, 'id' | 'createdAt' | 'actorId'>;

export type Change<T> = { result: T; events: EventDraft[] };

/**
 * Any transaction that writes session events takes this lock right before inserting
 * them and holds it until commit. Event ids are taken from a sequence at insert time,
 * not at commit, so without it a reader that has seen id 12 could later find id 11
 * committed and a resuming subscriber would skip it. Serialising only the tail of
 * the transaction keeps ids in commit order.
 */
const EVENT_STREAM_LOCK = 7_402_117_001n;

/** Conflicts that a fresh attempt resolves: unique races, write conflicts, deadlocks. */
const RETRYABLE = new Set(['P2002', 'P2034']);
const MAX_ATTEMPTS = 4;
/** Far above the pool's own wait, so the pool's error (exhausted, or unreachable) is the one reported. */
const TRANSACTION_MAX_WAIT_MS = 120_000;

/**
 * Runs a state change and its events in one transaction, retrying on conflicts, and on a
 * connection lost before COMMIT was sent (the database rolled that attempt back, so running
 * it again cannot apply it twice; a loss during COMMIT leaves the outcome unknown and is
 * reported, never retried). Returns the stored events so the caller can publish them after
 * the commit.
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
      return await withSpan('session.transaction', { 'session.transaction.attempt': attempt }, (span) =>
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
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS) throw error;
      const lostBeforeCommit = !committing && isConnectionLost(error);
      if (!lostBeforeCommit && !isRetryable(error)) throw error;
    }
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return RETRYABLE.has(error.code);
  // Serialization failures and deadlocks surface from the driver with their SQLSTATE.
  const text = String((error as Error)?.message ?? '');
  return /40001|40P01|deadlock detected|could not serialize/.test(text);
}

async function appendEvents(tx: Tx, drafts: EventDraft[], actorId: string): Promise<SessionEvent[]> {
  if (drafts.length === 0) return [];
  // Each event keeps where its session stands once this transaction's changes are made,
  // so activity filters give every reader, live or resuming, on any instance, the same
  // answer. Read here, before the stream lock, to keep the serialised tail short; the
  // session_events_fill_session_state trigger does the same for writers outside the app
  // (the demo seed, fixtures), so only the trigger's NULL check runs under the lock.
  const sessions = await tx.chatSession.findMany({
    where: { id: { in: [...new Set(drafts.map((draft) => draft.sessionId))] } },
    select: { id: true, status: true, currentStep: true, version: true },
  });
  const stateOf = new Map(sessions.map((session) => [session.id, session]));
  const data = drafts.map((draft) => {
    const session = stateOf.get(draft.sessionId);
    // Drafts come from sessions the work just read or locked; anything else is a bug.
    if (!session) throw new Error(`An event for session ${draft.sessionId}, which the transaction cannot see.`);
    return {
      ...draft,
      actorId,
      createdAt: now(),
      sessionStatus: session.status,
      sessionStep: session.currentStep,
      sessionVersion: session.version,
    };
  });
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${EVENT_STREAM_LOCK})`;
  return tx.sessionEvent.createManyAndReturn({ data });
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

/**
 * Locks the session row for the rest of the transaction, so decisions are made on
 * state nobody else can change underneath. Another agent's session is "not found".
 */
export async function lockSession(
  tx: Tx,
  viewer: Viewer,
  sessionId: string,
  expectedVersion?: number | null,
): Promise<ChatSession> {
  const owner = ownerScope(viewer);
  // The owner check is part of the lock: an agent cannot hold another agent's session.
  await tx.$queryRaw`SELECT 1 FROM chat_sessions WHERE id = ${sessionId}::uuid
    AND (${owner ?? null}::uuid IS NULL OR iso_agent_id = ${owner ?? null}::uuid) FOR UPDATE`;
  const session = await tx.chatSession.findFirst({ where: { id: sessionId, ...(owner ? { agentId: owner } : {}) } });
  if (!session) throw new NotFoundError('ChatSession', sessionId);
  if (expectedVersion != null && expectedVersion !== session.version) {
    throw new StaleVersionError(expectedVersion, session.version);
  }
  return session;
}

/** Every change bumps the version and the activity time with it. */
export function touched(at = now()) {
  return { version: { increment: 1 }, lastActivityAt: at } as const;
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
