import type { SessionStatus, WorkflowStep } from '../src/generated/prisma/client.js';
import { STEP_ORDER } from '../src/modules/session/workflow.js';
import * as chat from './seed-chat.js';
import { DEMO_BASE_DATE, type Region } from './seed-data.js';
import * as deal from './seed-deal.js';
import { rngFor } from './seed-random.js';
import { Clock, Story } from './seed-story.js';
import { planItinerary } from './seed-trip.js';

/**
 * One demo conversation and its sessions as a story: each session taken through the workflow up to
 * the step and status its spec asks for. Sessions archived as stale are left for the admin's
 * housekeeping run (seed-plan.ts), which archives them through archiveStaleSessions.
 */

export type SessionSpec = { status: SessionStatus; step: WorkflowStep; archivedBy?: 'agent' | 'stale' };

export type ConversationSpec = {
  /** Stable name: seeds this conversation's random stream and names its sessions. */
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

/** The conversation's story, its clock starting at `startMs` (see buildDemoPlan for how it is placed). */
export function conversationStory(spec: ConversationSpec, startMs: number): Story {
  const rng = rngFor(`conversation:${spec.key}`);
  const clock = new Clock(rng, startMs);
  const story = new Story(rng, clock, spec.agent);
  const conversation = { externalIds: 0 };
  let subject: string | null = null;

  spec.sessions.forEach((s, sessionIndex) => {
    if (sessionIndex > 0) clock.wait(2 * 24 * 60, 12 * 24 * 60); // a follow-up trip, days later
    story.session = `${spec.key}:${sessionIndex}`;
    const startedAt = new Date(clock.now);
    const trip = planItinerary(rng, spec.client.home, startedAt);
    const d: deal.Deal = {
      c: { rng, contactName: spec.client.contactName, companyName: spec.client.companyName, trip },
      client: spec.client,
      slot: spec.index * 2 + sessionIndex,
    };
    subject ??= chat.subject(d.c);
    const target = STEP_ORDER.indexOf(s.step);

    story.add({
      kind: 'start',
      at: startedAt,
      conversation: spec.key,
      agentId: spec.agent.id,
      subject,
      metadata: { source: 'demo-seed', channel: spec.channel },
    });
    story.agentSays(chat.opening(d.c), clock.wait(0, 2));
    story.assistantSays(chat.clarifyingQuestion(d.c), clock.wait(0, 1));
    if (target > 0 || rng.chance(0.5)) story.agentSays(chat.clarification(d.c), clock.wait(2, 45));

    if (target >= 1) deal.captureTripRequest(story, d);
    const rfq = target >= 2 ? deal.linkAvinodeTripAndSendRfqs(story, d) : null;
    const primary = rfq && target >= 3 ? deal.receiveQuotesAndSelect(story, d, rfq, conversation) : null;
    if (primary && target >= 4) deal.generateProposal(story, d, primary);
    if (primary && target >= 5) deal.sendProposal(story, d);
    finish(story, s, d, target >= 4);
  });
  return story;
}

/** Leaves the session in its spec's status (a stale one waits for the housekeeping run). */
function finish(story: Story, s: SessionSpec, d: deal.Deal, reachedProposal: boolean): void {
  const { rng, clock } = story;
  const stale = s.status === 'ARCHIVED' && s.archivedBy === 'stale';
  if (s.status === 'PAUSED' || (stale && rng.chance(0.5))) story.pause(clock.wait(30, 4 * 60));
  if (s.status === 'COMPLETED' || (s.status === 'ARCHIVED' && !stale)) {
    story.agentSays(chat.closing(d.c, reachedProposal), clock.wait(60, 2 * 24 * 60));
    story.add({ kind: 'status', at: clock.wait(0, 2), action: 'COMPLETE', reason: null });
  }
  if (s.status === 'ARCHIVED' && !stale) {
    // By hand, days after completion; never after the base date.
    const at = new Date(Math.min(DEMO_BASE_DATE.getTime() - 3_600_000, clock.now + rng.int(1, 20) * DAY));
    story.add({ kind: 'status', at, action: 'ARCHIVE', reason: null });
  }
}
