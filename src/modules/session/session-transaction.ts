import type { Viewer } from '../../auth/viewer.js';
import { ownerScope } from '../../auth/viewer.js';
import { type ChatSession, Prisma, type PrismaClient, type SessionEvent } from '../../generated/prisma/client.js';
import { NotFoundError, StaleVersionError } from '../errors.js';
import type { Actor } from './workflow.js';

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

/**
 * Runs a state change and its events in one transaction, retrying on conflicts.
 * Returns the stored events so the caller can publish them after the commit.
 */
export async function runChange<T>(
  prisma: PrismaClient,
  actorId: string,
  work: (tx: Tx) => Promise<Change<T>>,
): Promise<{ result: T; events: SessionEvent[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(
        async (tx) => {
          const { result, events } = await work(tx);
          return { result, events: await appendEvents(tx, events, actorId) };
        },
        { maxWait: 10_000, timeout: 30_000 },
      );
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
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
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${EVENT_STREAM_LOCK})`;
  return tx.sessionEvent.createManyAndReturn({ data: drafts.map((draft) => ({ ...draft, actorId })) });
}

export function actorOf(viewer: Viewer): Actor {
  return viewer.kind === 'service' ? 'INTEGRATION' : 'PERSON';
}

export function actorIdOf(viewer: Viewer): string {
  return viewer.kind === 'service' ? viewer.subject : viewer.agent.id;
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
  await tx.$queryRaw`SELECT 1 FROM chat_sessions WHERE id = ${sessionId}::uuid FOR UPDATE`;
  const owner = ownerScope(viewer);
  const session = await tx.chatSession.findFirst({ where: { id: sessionId, ...(owner ? { agentId: owner } : {}) } });
  if (!session) throw new NotFoundError('ChatSession', sessionId);
  if (expectedVersion != null && expectedVersion !== session.version) {
    throw new StaleVersionError(expectedVersion, session.version);
  }
  return session;
}

/** Every change bumps the version and the activity time with it. */
export function touched(now = new Date()) {
  return { version: { increment: 1 }, lastActivityAt: now } as const;
}

/** The events that describe a move of step and/or status, beyond the action's own event. */
export function transitionEvents(
  session: Pick<ChatSession, 'id' | 'agentId' | 'status' | 'currentStep'>,
  next: { status: ChatSession['status']; step: ChatSession['currentStep'] },
): EventDraft[] {
  const events: EventDraft[] = [];
  if (next.step !== session.currentStep) {
    events.push({
      sessionId: session.id,
      agentId: session.agentId,
      type: 'STEP_CHANGED',
      fromStep: session.currentStep,
      toStep: next.step,
    });
  }
  if (next.status !== session.status) {
    events.push({
      sessionId: session.id,
      agentId: session.agentId,
      type: 'STATUS_CHANGED',
      fromStatus: session.status,
      toStatus: next.status,
    });
  }
  return events;
}
