import type { SessionStatus, WorkflowStep } from '../src/generated/prisma/client.js';
import { STEP_ORDER } from '../src/modules/session/workflow.js';
import * as chat from './seed-chat.js';
import { DEMO_BASE_DATE, type Region } from './seed-data.js';
import * as deal from './seed-deal.js';
import { demoUuid, rngFor } from './seed-random.js';
import { Clock, type ConversationState, type PlanRows, SessionRecorder } from './seed-recorder.js';
import { planItinerary } from './seed-trip.js';

/**
 * One demo conversation and its sessions, each replayed through the workflow up to the step and status
 * its spec asks for, so the rows look exactly like ones the live server would have left.
 */

export type SessionSpec = { status: SessionStatus; step: WorkflowStep; archivedBy?: 'agent' | 'stale' };

export type ConversationSpec = {
  /** Stable name: seeds this conversation's random stream and its ids. */
  key: string;
  /** Position in the plan: keeps the Avinode ids of different conversations apart. */
  index: number;
  agent: { id: string; fullName: string };
  client: { id: string; contactName: string; companyName: string; email: string; home: Region };
  /** Oldest first; every session but the last is COMPLETED, so at most one is open. */
  sessions: SessionSpec[];
  /** Days between the conversation's last activity and DEMO_BASE_DATE. */
  ageDays: number;
  channel: string;
};

const DAY = 86_400_000;

/**
 * Appends the conversation's rows to `out`, its clock starting at `startMs`, and returns how long it ran
 * up to its last activity, so that the caller can place it in time (see planConversation).
 */
export function buildConversation(
  spec: ConversationSpec,
  startMs: number,
  proposalNumbers: ReadonlyMap<string, string>,
  out: PlanRows,
): number {
  const rng = rngFor(`conversation:${spec.key}`);
  const clock = new Clock(rng, startMs);
  const conversation: ConversationState = {
    id: demoUuid(`conversation:${spec.key}`, new Date(startMs)),
    lastMessageAt: null,
    lastActivity: new Date(startMs),
    externalIds: 0,
  };
  let subject: string | null = null;

  spec.sessions.forEach((s, sessionIndex) => {
    if (sessionIndex > 0) clock.wait(2 * 24 * 60, 12 * 24 * 60); // a follow-up trip, days later
    const key = `${spec.key}:${sessionIndex}`;
    const startedAt = new Date(clock.now);
    const sessionId = demoUuid(`session:${key}`, startedAt);
    const r = new SessionRecorder(out, rng, clock, conversation, key, sessionId, spec.agent, startedAt);
    const trip = planItinerary(rng, spec.client.home, startedAt);
    const d: deal.Deal = {
      c: { rng, contactName: spec.client.contactName, companyName: spec.client.companyName, trip },
      client: spec.client,
      slot: spec.index * 2 + sessionIndex,
    };
    subject ??= chat.subject(d.c);
    const target = STEP_ORDER.indexOf(s.step);

    r.event('SESSION_STARTED', startedAt, spec.agent.id, {
      toStatus: 'ACTIVE',
      toStep: 'UNDERSTANDING_REQUEST',
      data: { conversationId: conversation.id },
    });
    r.agentSays(chat.opening(d.c), clock.wait(0, 2));
    r.assistantSays(chat.clarifyingQuestion(d.c), clock.wait(0, 1));
    if (target > 0 || rng.chance(0.5)) r.agentSays(chat.clarification(d.c), clock.wait(2, 45));

    const requestId = target >= 1 ? deal.captureTripRequest(r, d) : null;
    const rfq = requestId && target >= 2 ? deal.linkAvinodeTripAndSendRfqs(r, d) : null;
    const quotes = requestId && rfq && target >= 3 ? deal.receiveQuotesAndSelect(r, d, requestId, rfq) : null;
    const proposal =
      requestId && quotes && target >= 4
        ? deal.generateProposal(r, d, requestId, quotes.primary, proposalNumbers)
        : null;
    if (proposal && target >= 5) deal.sendProposal(r, d, proposal);

    const endedAt = finish(r, s, d, target >= 4);

    out.sessions.push({
      id: sessionId,
      conversationId: conversation.id,
      requestId,
      agentId: spec.agent.id,
      status: r.status,
      currentStep: r.step,
      avinodeTripId: rfq?.tripId ?? null,
      avinodeRfpId: rfq?.rfpId ?? null,
      avinodeRfqId: rfq?.rfqId ?? null,
      primaryQuoteId: quotes?.primary.id ?? null,
      proposalId: proposal?.id ?? null,
      startedAt,
      endedAt,
      lastActivityAt: conversation.lastActivity,
      workflowState: { stepEnteredAt: r.stepEnteredAt },
      metadata: { source: 'demo-seed', channel: spec.channel },
      messageCount: r.messageCount,
      quotesReceivedCount: quotes?.received ?? 0,
      quotesExpectedCount: rfq?.expected ?? 0,
      operatorsContactedCount: rfq?.contacted ?? 0,
      version: r.version,
      createdAt: startedAt,
      updatedAt: r.updatedAt,
    });
  });

  out.conversations.push({
    id: conversation.id,
    agentId: spec.agent.id,
    subject,
    lastMessageAt: conversation.lastMessageAt,
    createdAt: new Date(startMs),
    updatedAt: conversation.lastMessageAt ?? new Date(startMs),
  });
  return conversation.lastActivity.getTime() - startMs;
}

/** Leaves the session in its spec's status; returns when it ended, if it did. */
function finish(r: SessionRecorder, s: SessionSpec, d: deal.Deal, reachedProposal: boolean): Date | null {
  const { rng, clock } = r;
  const stale = s.status === 'ARCHIVED' && s.archivedBy === 'stale';
  if (s.status === 'PAUSED' || (stale && rng.chance(0.5))) r.pause(clock.wait(30, 4 * 60));
  let endedAt: Date | null = null;
  if (s.status === 'COMPLETED' || (s.status === 'ARCHIVED' && !stale)) {
    r.agentSays(chat.closing(d.c, reachedProposal), clock.wait(60, 2 * 24 * 60));
    endedAt = clock.wait(0, 2);
    r.setStatus('COMPLETED', endedAt, r.agent.id);
    r.mutation(endedAt);
  }
  if (s.status === 'ARCHIVED') {
    // By hand days after completion, or by archiveStaleSessions once 90 days passed; never after the
    // base date. Archiving does not move lastActivityAt, or stale sessions would look fresh again.
    const days = stale ? rng.int(90, 100) : rng.int(1, 20);
    const at = new Date(Math.min(DEMO_BASE_DATE.getTime() - 3_600_000, clock.now + days * DAY));
    r.setStatus(
      'ARCHIVED',
      at,
      stale ? null : r.agent.id,
      stale ? { reason: 'stale', olderThanDays: 90 } : { reason: 'manual' },
    );
    r.mutation(at, false);
    endedAt ??= at;
  }
  return endedAt;
}
