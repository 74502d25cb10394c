import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import type { ChatSession, Prisma, PrismaClient, SessionEvent } from '../../generated/prisma/client.js';
import type { EventDraft } from '../activity/event-log.js';
import { lockSession, type SessionCounters, type SessionFields, writeSessions } from './session-rows.js';
import {
  actorIdOf,
  actorOf,
  lockAvinodeTrip,
  runChange,
  settleAfter,
  type Tx,
  transitionEvents,
} from './session-transaction.js';
import { type SessionState, transition, type WorkflowAction } from './workflow.js';

/** An event of the action itself; the change names its session and agent. */
export type OwnEvent = Omit<EventDraft, 'sessionId' | 'agentId'>;

/** What a service adds to a change of its session: its columns, counters and events. */
export type SessionEdit<T> = {
  set?: SessionFields;
  increment?: SessionCounters;
  /** The action's own events; those of the move (STEP_CHANGED, STATUS_CHANGED) follow them. */
  events?: OwnEvent[];
  /** The move's STATUS_CHANGED event carries this as its data (the action, its reason). */
  statusChangeData?: Prisma.InputJsonObject;
  /** The activity time when the change has one of its own (a proposal's sentAt); now() otherwise. */
  at?: Date;
  /** The service's answer, from the session as it is after the change. */
  result: (updated: ChatSession) => T;
};

/** Nothing to write (a repeated request): no version bump, no event. */
export type Unchanged<T> = { unchanged: T };

/** The locked session, and where the action moves it: what a service's work is given. */
export class SessionChange {
  private readonly path: SessionState[] = [];

  constructor(
    readonly tx: Tx,
    readonly session: ChatSession,
    private readonly viewer: Viewer,
  ) {}

  /** Where the session stands with the moves asked for so far. */
  get state(): SessionState {
    return this.path.at(-1) ?? { status: this.session.status, step: this.session.currentStep };
  }

  /** Moves by the workflow's rule for `action`, or throws InvalidTransitionError; nothing is written yet. */
  transition(action: WorkflowAction): SessionState {
    const moved = transition(this.state, action, actorOf(this.viewer));
    this.path.push(moved);
    return moved;
  }

  /** Settles the state reached (workflow.ts `settle`), given whether quotes hang off `requestId`. */
  async settle(requestId: string | null = this.session.requestId): Promise<SessionState> {
    const next = await settleAfter(this.tx, { requestId }, this.state);
    this.path.push(next);
    return next;
  }

  unchanged<T>(result: T): Unchanged<T> {
    return { unchanged: result };
  }

  /** The move's events, one per step or status changed along the path. */
  moveEvents(statusChangeData?: Prisma.InputJsonObject): EventDraft[] {
    return transitionEvents(this.session, ...this.path).map((event) =>
      event.type === 'STATUS_CHANGED' && statusChangeData ? { ...event, data: statusChangeData } : event,
    );
  }
}

/**
 * The one way a session changes: in one transaction, lock it (after its Avinode trip,
 * when the change links one), check the expected version, let the service decide the
 * move (`change.transition`, `change.settle`) and make its own writes, then write status,
 * step, version, activity time and the service's columns in one UPDATE, append the events
 * (stamped by the log with the updated row), check the deadline, commit and announce.
 */
export async function changeSession<T>(
  prisma: PrismaClient,
  viewer: Viewer,
  target: { sessionId: string; expectedVersion?: number | null; avinodeTripId?: string },
  work: (change: SessionChange) => Promise<SessionEdit<T> | Unchanged<T>>,
): Promise<{ result: T; events: SessionEvent[] }> {
  return runChange(prisma, actorIdOf(viewer), async (tx) => {
    if (target.avinodeTripId) await lockAvinodeTrip(tx, target.avinodeTripId);
    const session = await lockSession(tx, viewer, target.sessionId, target.expectedVersion);
    const change = new SessionChange(tx, session, viewer);
    const edit = await work(change);
    if ('unchanged' in edit) return { result: edit.unchanged, events: [] };
    const at = edit.at ?? now();
    const [updated] = await writeSessions(tx, {
      moves: [{ id: session.id, ...change.state }],
      at,
      endedAt: at,
      set: edit.set,
      increment: edit.increment,
    });
    if (!updated) throw new Error(`Session ${session.id} vanished while locked.`);
    const own = (edit.events ?? []).map((event) => ({ ...event, sessionId: session.id, agentId: session.agentId }));
    return { result: edit.result(updated), events: [...own, ...change.moveEvents(edit.statusChangeData)] };
  });
}
