import type { QuoteStatus, SenderType, TripType } from '../src/generated/prisma/client.js';
import type { Rng } from './seed-random.js';

/**
 * The demo data as a story: what each person and integration did, and when, as plain data. Nothing
 * here writes a row or an event; prisma/seed-replay.ts hands each action to the service the live
 * server calls for it, at the moment it happened, so the rows and the activity log are the workflow's.
 */

/** Who acts: the session's broker, the chat orchestrator (the assistant), or the Avinode intake. */
export type Actor = 'agent' | 'orchestrator' | 'avinode';

type Timed = { at: Date; session: string };

export type DemoAction = Timed &
  (
    | { kind: 'start'; conversation: string; agentId: string; subject: string; metadata: Record<string, string> }
    | {
        kind: 'message';
        by: Actor;
        senderType: SenderType;
        senderName: string | null;
        content: string;
        externalId: string | null;
      }
    | {
        kind: 'capture';
        clientId: string;
        tripType: TripType;
        passengers: number;
        legs: { departureAirport: string; arrivalAirport: string; departureAt: Date }[];
        aircraftCategory: string;
        budget: string | null;
        specialRequirements: string | null;
      }
    | { kind: 'link'; avinodeTripId: string; avinodeRfpId: string; avinodeRfqId: string }
    | { kind: 'rfqs'; operatorsContacted: number; quotesExpected: number }
    | {
        kind: 'quote';
        avinodeQuoteId: string;
        operator: { avinodeCompanyId: string; name: string };
        aircraftType: string;
        tailNumber: string;
        seats: number;
        totalPrice: string;
        validUntil: Date;
        status: Extract<QuoteStatus, 'RECEIVED' | 'DECLINED'>;
        declineReason: string | null;
      }
    | { kind: 'select'; avinodeQuoteId: string }
    | { kind: 'propose'; marginPercent: string; title: string }
    | { kind: 'send' }
    | { kind: 'status'; action: 'PAUSE' | 'COMPLETE' | 'ARCHIVE'; reason: string | null }
  );

/** The admin's housekeeping run: archiveStaleSessions, over every session at once. */
export type HousekeepingAction = { at: Date; kind: 'archive-stale'; agentId: string; olderThanDays: number };

/** Stands for the proposal's number in a message: the database sequence hands it out during the replay. */
export const PROPOSAL_NUMBER = '{proposal.number}';

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

type ActionOf<K extends DemoAction['kind']> = Omit<Extract<DemoAction, { kind: K }>, 'session'>;

/** One conversation's story, written session by session in time order. */
export class Story {
  readonly actions: DemoAction[] = [];
  /** When the deal last moved (placing the conversation in time uses it): anything but archiving. */
  lastActivity: number;
  session = '';

  constructor(
    readonly rng: Rng,
    readonly clock: Clock,
    readonly agent: { id: string; fullName: string },
  ) {
    this.lastActivity = clock.now;
  }

  add<K extends DemoAction['kind']>(action: ActionOf<K> & { kind: K }): void {
    this.actions.push({ ...action, session: this.session } as DemoAction);
    // An archive comes days after the deal closed; the conversation's age counts from the deal.
    const archive = action.kind === 'status' && 'action' in action && action.action === 'ARCHIVE';
    if (!archive) this.lastActivity = Math.max(this.lastActivity, action.at.getTime());
  }

  say(by: Actor, senderType: SenderType, content: string, at: Date, senderName: string | null, externalId?: string) {
    this.add({ kind: 'message', at, by, senderType, senderName, content, externalId: externalId ?? null });
  }

  agentSays(content: string, at: Date): void {
    this.say('agent', 'AGENT', content, at, this.agent.fullName);
  }

  assistantSays(content: string, at: Date): void {
    this.say('orchestrator', 'ASSISTANT', content, at, 'Charter Assistant');
  }

  /** Some agents step away mid-deal; their next message picks the session up again (recordMessage resumes it). */
  maybePause(): void {
    if (!this.rng.chance(0.2)) return;
    this.pause(this.clock.wait(5, 90));
    this.clock.wait(60, 20 * 60);
  }

  pause(at: Date): void {
    this.add({ kind: 'status', at, action: 'PAUSE', reason: 'agent away' });
  }
}
