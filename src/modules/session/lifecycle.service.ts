import { z } from 'zod';
import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import type { EventDraft } from '../activity/event-log.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { jsonObject, parseInput, text } from '../validation.js';
import { changeSession } from './session-change.js';
import { lockSessions, writeSessions } from './session-rows.js';
import { actorIdOf, runChange, transitionEvents, transitionOf } from './session-transaction.js';

export type StartSessionInput = {
  conversationId?: string | null;
  agentId?: string | null;
  subject?: string | null;
  metadata?: unknown;
};

/** Session metadata: a few keys a frontend keeps with the session, not a document store. */
export const METADATA_LIMITS = { maxBytes: 16_384, maxDepth: 8 };

const startSchema = z.object({
  subject: text(300).nullish(),
  metadata: jsonObject(METADATA_LIMITS).nullish(),
});

/**
 * Create-or-return: a conversation has at most one open session (a partial unique
 * index guarantees it), so a repeated or concurrent start returns the open one.
 */
export async function startSession(prisma: PrismaClient, viewer: Viewer, input: StartSessionInput) {
  const { subject, metadata } = parseInput(startSchema, input);
  const agentId = owningAgent(viewer, input.agentId);
  return runChange(prisma, actorIdOf(viewer), async (tx) => {
    const agent = await tx.agent.findUnique({ where: { id: agentId } });
    if (!agent) throw new NotFoundError('Agent', agentId);

    let conversationId = input.conversationId;
    if (conversationId) {
      const conversation = await tx.conversation.findUnique({ where: { id: conversationId } });
      if (!conversation || conversation.agentId !== agentId) throw new NotFoundError('Conversation', conversationId);
      const open = await tx.chatSession.findFirst({ where: { conversationId, status: { in: ['ACTIVE', 'PAUSED'] } } });
      if (open) return { result: { session: open, created: false }, events: [] };
    } else {
      conversationId = (await tx.conversation.create({ data: { agentId, subject: subject ?? null, createdAt: now() } }))
        .id;
    }
    const session = await tx.chatSession.create({
      data: { conversationId, agentId, metadata: (metadata ?? {}) as object, ...startedNow() },
    });
    const events: EventDraft[] = [
      { sessionId: session.id, agentId, type: 'SESSION_STARTED', toStatus: 'ACTIVE', toStep: 'UNDERSTANDING_REQUEST' },
    ];
    return { result: { session, created: true }, events };
  });
}

/** A new session's clocks, from `now()` so that a replayed history starts when it happened. */
function startedNow() {
  const at = now();
  return { startedAt: at, lastActivityAt: at, createdAt: at };
}

/** Agents start sessions for themselves; admins and integrations name the agent. */
function owningAgent(viewer: Viewer, requested: string | null | undefined): string {
  if (viewer.kind === 'agent') {
    if (requested && requested !== viewer.agent.id && !viewer.isAdmin) {
      throw new ForbiddenError('Agents start sessions only for themselves.');
    }
    return requested ?? viewer.agent.id;
  }
  if (!requested) throw ValidationError.of('agentId', 'is required with a service token');
  return requested;
}

export type StatusAction = 'PAUSE' | 'RESUME' | 'COMPLETE' | 'ARCHIVE';
const STATUS_EVENT_DATA: Record<StatusAction, string> = {
  PAUSE: 'paused',
  RESUME: 'resumed',
  COMPLETE: 'completed',
  ARCHIVE: 'archived',
};

/** pauseSession, resumeSession, completeSession, archiveSession. */
export async function changeStatus(
  prisma: PrismaClient,
  viewer: Viewer,
  input: { sessionId: string; expectedVersion?: number | null; reason?: string | null },
  action: StatusAction,
) {
  const { reason } = parseInput(z.object({ reason: text(500).nullish() }), { reason: input.reason });
  return changeSession(prisma, viewer, input, async (change) => {
    change.transition(action);
    await change.settle();
    // The action and its reason describe the status change; a settling step change is its own fact.
    return {
      statusChangeData: { action: STATUS_EVENT_DATA[action], ...(reason ? { reason } : {}) },
      result: (session) => ({ session }),
    };
  });
}

/**
 * Admin housekeeping: archive every session idle for longer than the cutoff, in one
 * transaction, with a STATUS_CHANGED event for each.
 */
export async function archiveStaleSessions(prisma: PrismaClient, viewer: Viewer, olderThanDays: number) {
  if (viewer.kind !== 'agent' || !viewer.isAdmin) throw new ForbiddenError('Only admins may archive stale sessions.');
  if (!Number.isInteger(olderThanDays) || olderThanDays < 1 || olderThanDays > 3650) {
    throw ValidationError.of('olderThanDays', 'must be a whole number of days from 1 to 3650');
  }
  const cutoff = new Date(now().getTime() - olderThanDays * 24 * 60 * 60 * 1000);
  return runChange(prisma, actorIdOf(viewer), async (tx) => {
    // Sessions someone is changing right now are not stale; the next run archives them if they still are.
    const stale = await lockSessions(
      tx,
      viewer,
      Prisma.sql`s.status <> 'ARCHIVED' AND s.last_activity_at < ${cutoff}::timestamptz`,
      { skipLocked: true },
    );
    if (stale.length === 0) return { result: { archivedCount: 0, cutoff }, events: [] };
    const moves = stale.map((session) => ({ id: session.id, ...transitionOf(session, 'ARCHIVE', viewer) }));
    // Housekeeping is not activity: lastActivityAt stays.
    await writeSessions(tx, { moves, at: null, endedAt: now() });
    const data = { action: 'archived', reason: `inactive for more than ${olderThanDays} days` };
    const events = stale.flatMap((session) =>
      transitionEvents(session, { status: 'ARCHIVED', step: session.currentStep }).map((event) => ({ ...event, data })),
    );
    return { result: { archivedCount: stale.length, cutoff }, events };
  });
}
