import type { SessionStatus, WorkflowStep } from '../../generated/prisma/enums.js';
import { DomainError } from '../errors.js';

/**
 * The one source of truth for what may happen to a session, as pure functions.
 * `status` says whether the session is open; `currentStep` how far the deal has
 * come. Services ask `transition()` before they write anything.
 */
export type SessionState = { status: SessionStatus; step: WorkflowStep };

/** People act through broker frontends; integrations (service tokens) through webhooks. */
export type Actor = 'PERSON' | 'INTEGRATION';

export const WORKFLOW_ACTIONS = [
  'RECORD_MESSAGE',
  'CAPTURE_TRIP_REQUEST',
  'LINK_AVINODE_TRIP',
  'RECORD_RFQS_SENT',
  'RECEIVE_QUOTE',
  'SELECT_PRIMARY_QUOTE',
  'GENERATE_PROPOSAL',
  'SEND_PROPOSAL',
  'PAUSE',
  'RESUME',
  'COMPLETE',
  'ARCHIVE',
] as const;
export type WorkflowAction = (typeof WORKFLOW_ACTIONS)[number];

export const STEP_ORDER: readonly WorkflowStep[] = [
  'UNDERSTANDING_REQUEST',
  'SEARCHING_AIRCRAFT',
  'REQUESTING_QUOTES',
  'ANALYZING_QUOTES',
  'PROPOSAL_READY',
  'PROPOSAL_SENT',
];

type Decision = { allowed: true; next: SessionState } | { allowed: false; reason: string };

const OPEN: readonly SessionStatus[] = ['ACTIVE', 'PAUSED'];

/** Step actions: the steps each may start from, and where it leads (undefined: stays put). */
const STEP_RULES: Record<string, { from: readonly WorkflowStep[]; to?: WorkflowStep }> = {
  CAPTURE_TRIP_REQUEST: { from: ['UNDERSTANDING_REQUEST', 'SEARCHING_AIRCRAFT'], to: 'SEARCHING_AIRCRAFT' },
  LINK_AVINODE_TRIP: { from: ['SEARCHING_AIRCRAFT'], to: 'REQUESTING_QUOTES' },
  RECORD_RFQS_SENT: { from: ['REQUESTING_QUOTES', 'ANALYZING_QUOTES'] },
  SELECT_PRIMARY_QUOTE: { from: ['ANALYZING_QUOTES'] },
  GENERATE_PROPOSAL: { from: ['ANALYZING_QUOTES'], to: 'PROPOSAL_READY' },
  SEND_PROPOSAL: { from: ['PROPOSAL_READY'], to: 'PROPOSAL_SENT' },
};

/** Lifecycle actions: the statuses each may start from, and the status it leads to. */
const STATUS_RULES: Record<string, { from: readonly SessionStatus[]; to: SessionStatus }> = {
  PAUSE: { from: ['ACTIVE'], to: 'PAUSED' },
  RESUME: { from: ['PAUSED'], to: 'ACTIVE' },
  COMPLETE: { from: ['ACTIVE', 'PAUSED'], to: 'COMPLETED' },
  ARCHIVE: { from: ['ACTIVE', 'PAUSED', 'COMPLETED'], to: 'ARCHIVED' },
};

export function decide(state: SessionState, action: WorkflowAction, actor: Actor): Decision {
  const { status, step } = state;
  switch (action) {
    case 'RECORD_MESSAGE':
      // Archived sessions are read-only to people; integrations still deliver into them.
      if (status === 'ARCHIVED' && actor === 'PERSON') return refuse('the session is archived and read-only');
      // A message means the agent is back: a paused session resumes.
      return allow({ status: status === 'PAUSED' ? 'ACTIVE' : status, step });
    case 'RECEIVE_QUOTE':
      if (status === 'ARCHIVED' && actor === 'PERSON') return refuse('the session is archived and read-only');
      // A late quote is still a quote; only an active session waiting for quotes moves on.
      return allow({ status, step: status === 'ACTIVE' && step === 'REQUESTING_QUOTES' ? 'ANALYZING_QUOTES' : step });
    case 'PAUSE':
    case 'RESUME':
    case 'COMPLETE':
    case 'ARCHIVE': {
      const rule = STATUS_RULES[action] as { from: readonly SessionStatus[]; to: SessionStatus };
      if (!rule.from.includes(status))
        return refuse(`only a session that is ${rule.from.join(' or ')} can move to ${rule.to}`);
      return allow({ status: rule.to, step });
    }
    default: {
      const rule = STEP_RULES[action] as { from: readonly WorkflowStep[]; to?: WorkflowStep };
      if (!OPEN.includes(status))
        return refuse(`the session is ${status}; only open sessions move through the workflow`);
      if (!rule.from.includes(step)) return refuse(`it is allowed only at ${rule.from.join(' or ')}`);
      return allow({ status, step: rule.to ?? step });
    }
  }
}

/**
 * Quotes that reach a paused session, or one whose trip is not linked yet, leave its
 * step alone (DESIGN §3). Once the session is active at REQUESTING_QUOTES with quotes
 * in hand there is nothing left to wait for: it moves on to ANALYZING_QUOTES, as the
 * first quote would have moved it. Without this it could never select a quote.
 * Services apply it after `transition`, as a step of its own.
 */
export function settle(state: SessionState, quotesHeld: boolean): SessionState {
  return state.status === 'ACTIVE' && state.step === 'REQUESTING_QUOTES' && quotesHeld
    ? { status: state.status, step: 'ANALYZING_QUOTES' }
    : state;
}

/** Every action the actor may take from this state, for error messages and UIs. */
export function allowedActions(state: SessionState, actor: Actor): WorkflowAction[] {
  return WORKFLOW_ACTIONS.filter((action) => decide(state, action, actor).allowed);
}

/** The state after the action, or an InvalidTransitionError naming where we are and what is allowed. */
export function transition(state: SessionState, action: WorkflowAction, actor: Actor): SessionState {
  const decision = decide(state, action, actor);
  if (decision.allowed) return decision.next;
  throw new InvalidTransitionError(state.status, state.step, action, allowedActions(state, actor), decision.reason);
}

function allow(next: SessionState): Decision {
  return { allowed: true, next };
}

function refuse(reason: string): Decision {
  return { allowed: false, reason };
}

/** A refusal by the workflow: it names where the session stands and what is allowed from there. */
export class InvalidTransitionError extends DomainError {
  readonly code = 'INVALID_TRANSITION';
  constructor(
    readonly currentStatus: SessionStatus,
    readonly currentStep: WorkflowStep,
    readonly attempted: WorkflowAction,
    readonly allowed: WorkflowAction[],
    reason: string,
  ) {
    super(`Cannot ${attempted} a session that is ${currentStatus} at ${currentStep}: ${reason}`);
  }
}
