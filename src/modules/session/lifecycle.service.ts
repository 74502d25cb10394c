import { z } from 'zod';
import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import type { ChatSession, PrismaClient } from '../../generated/prisma/client.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { jsonObject, parseInput, text } from '../validation.js';
import {
  actorIdOf,
  type EventDraft,
  lockSession,
  runChange,
  settleAfter,
  touched,
  transitionEvents,
  transitionOf,
} from './session-transaction.js';

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
  return runChange(prisma, actorIdOf(viewer), async (tx) => {
    const session = await lockSession(tx, viewer, input.sessionId, input.expectedVersion);
    const moved = transitionOf(session, action, viewer);
    const next = await settleAfter(tx, session, moved);
    const endsNow = (next.status === 'COMPLETED' || next.status === 'ARCHIVED') && !session.endedAt;
    const updated = await tx.chatSession.update({
      where: { id: session.id },
      data: {
        status: next.status,
        currentStep: next.step,
        ...(endsNow ? { endedAt: now() } : {}),
        ...touched(),
      },
    });
    // The action and its reason describe the status change; a settling step change is its own fact.
    const events = transitionEvents(session, moved, next).map((event) =>
      event.type === 'STATUS_CHANGED'
        ? { ...event, data: { action: STATUS_EVENT_DATA[action], ...(reason ? { reason } : {}) } }
        : event,
    );
    return { result: { session: updated }, events };
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
    const stale: Array<Pick<ChatSession, 'id' | 'agentId' | 'status' | 'currentStep'>> = await tx.$queryRaw`
      SELECT id, iso_agent_id AS "agentId", status, current_step AS "currentStep"
      FROM chat_sessions
      WHERE status <> 'ARCHIVED' AND last_activity_at < ${cutoff}
      ORDER BY id
      FOR UPDATE SKIP LOCKED`;
    if (stale.length === 0) return { result: { archivedCount: 0, cutoff }, events: [] };
    const endedAt = now();
    await tx.chatSession.updateMany({
      where: { id: { in: stale.map((session) => session.id) } },
      data: { status: 'ARCHIVED', version: { increment: 1 } },
    });
    await tx.chatSession.updateMany({
      where: { id: { in: stale.map((session) => session.id) }, endedAt: null },
      data: { endedAt },
    });
    const events = stale.flatMap((session) =>
      transitionEvents(session, { status: 'ARCHIVED', step: session.currentStep }).map((event) => ({
        ...event,
        data: { action: 'archived', reason: `inactive for more than ${olderThanDays} days` },
      })),
    );
    return { result: { archivedCount: stale.length, cutoff }, events };
  });
}
