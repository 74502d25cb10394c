import type {
  Prisma,
  SenderType,
  SessionEventType,
  SessionStatus,
  WorkflowStep,
} from '../src/generated/prisma/client.js';
import { demoUuid, type Rng } from './seed-random.js';

/**
 * Records one demo session the way the live workflow would: each mutation bumps the version and the
 * activity time and writes its SessionEvents; each message is a row, a MESSAGE_RECORDED event and one on
 * the counter. Building the rows through this one place is what keeps counters and the log consistent.
 */

export type PlanRows = {
  conversations: Prisma.ConversationCreateManyInput[];
  messages: Prisma.MessageCreateManyInput[];
  requests: Prisma.TripRequestCreateManyInput[];
  legs: Prisma.TripLegCreateManyInput[];
  quotes: Prisma.QuoteCreateManyInput[];
  proposals: Prisma.ProposalCreateManyInput[];
  sessions: Prisma.ChatSessionCreateManyInput[];
  events: Prisma.SessionEventCreateManyInput[];
};

export const emptyRows = (): PlanRows => ({
  conversations: [],
  messages: [],
  requests: [],
  legs: [],
  quotes: [],
  proposals: [],
  sessions: [],
  events: [],
});

/** Integrations act under service subjects; agents act as themselves. */
export const ORCHESTRATOR = 'service|chat-orchestrator';
export const WEBHOOK = 'service|avinode-webhook';

/** A conversation's clock: only ever moves forward, by random but reproducible amounts. */
export class Clock {
  constructor(
    private readonly rng: Rng,
    public now: number,
  ) {}

  wait(minMinutes: number, maxMinutes: number): Date {
    this.now += this.rng.int(minMinutes * 60, maxMinutes * 60) * 1000;
    return new Date(this.now);
  }
}

/** What the sessions of one conversation share. */
export type ConversationState = { id: string; lastMessageAt: Date | null; lastActivity: Date; externalIds: number };

export class SessionRecorder {
  step: WorkflowStep = 'UNDERSTANDING_REQUEST';
  status: SessionStatus = 'ACTIVE';
  version = 1;
  messageCount = 0;
  updatedAt: Date;
  readonly stepEnteredAt: Record<string, string>;

  constructor(
    readonly out: PlanRows,
    readonly rng: Rng,
    readonly clock: Clock,
    readonly conversation: ConversationState,
    readonly key: string,
    readonly sessionId: string,
    readonly agent: { id: string; fullName: string },
    readonly startedAt: Date,
  ) {
    this.updatedAt = startedAt;
    this.stepEnteredAt = { [this.step]: startedAt.toISOString() };
  }

  event(
    type: SessionEventType,
    at: Date,
    actorId: string | null,
    fields: Partial<Prisma.SessionEventCreateManyInput> = {},
  ): void {
    this.out.events.push({
      sessionId: this.sessionId,
      agentId: this.agent.id,
      type,
      actorId,
      createdAt: at,
      data: {},
      ...fields,
    });
    this.updatedAt = at;
  }

  /** Closes one mutation. Archiving is housekeeping: it does not count as activity. */
  mutation(at: Date, activity = true): void {
    this.version += 1;
    if (activity) this.conversation.lastActivity = at;
  }

  moveTo(to: WorkflowStep, at: Date, actorId: string): void {
    this.event('STEP_CHANGED', at, actorId, { fromStep: this.step, toStep: to });
    this.step = to;
    this.stepEnteredAt[to] = at.toISOString();
  }

  setStatus(to: SessionStatus, at: Date, actorId: string | null, data: Prisma.InputJsonObject = {}): void {
    this.event('STATUS_CHANGED', at, actorId, { fromStatus: this.status, toStatus: to, data });
    this.status = to;
  }

  say(
    senderType: SenderType,
    content: string,
    at: Date,
    senderName: string | null,
    externalId: string | null = null,
  ): void {
    const messageId = demoUuid(`message:${this.key}:${this.messageCount}`, at);
    this.out.messages.push({
      id: messageId,
      conversationId: this.conversation.id,
      senderType,
      senderName,
      content,
      externalId,
      createdAt: at,
    });
    // Recording a message resumes a paused session, in the same transaction.
    if (this.status === 'PAUSED') this.setStatus('ACTIVE', at, this.agent.id, { reason: 'message recorded' });
    const actor = senderType === 'AGENT' ? this.agent.id : senderType === 'OPERATOR' ? WEBHOOK : ORCHESTRATOR;
    this.event('MESSAGE_RECORDED', at, actor, { data: { messageId, senderType } });
    this.messageCount += 1;
    this.conversation.lastMessageAt = at;
    this.mutation(at);
  }

  agentSays(content: string, at: Date): void {
    this.say('AGENT', content, at, this.agent.fullName);
  }

  assistantSays(content: string, at: Date): void {
    this.say('ASSISTANT', content, at, 'Charter Assistant');
  }

  /** Some agents step away mid-deal; their next message picks the session up again. */
  maybePause(): void {
    if (!this.rng.chance(0.2)) return;
    this.pause(this.clock.wait(5, 90));
    this.clock.wait(60, 20 * 60);
  }

  pause(at: Date): void {
    this.setStatus('PAUSED', at, this.agent.id, { reason: 'agent away' });
    this.mutation(at);
  }
}
