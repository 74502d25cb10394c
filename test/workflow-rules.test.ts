import { describe, expect, it } from 'vitest';
import { SessionStatus, WorkflowStep } from '../src/generated/prisma/enums.js';
import { DomainError } from '../src/modules/errors.js';
import {
  type Actor,
  allowedActions,
  decide,
  InvalidTransitionError,
  type SessionState,
  STEP_ORDER,
  settle,
  transition,
  WORKFLOW_ACTIONS,
  type WorkflowAction,
} from '../src/modules/session/workflow.js';

/*
 * DESIGN §3, written out by hand as the expected answer for every combination of
 * status × step × action × actor. Nothing here is derived from workflow.ts.
 *
 * Columns are the session's current step; each cell says what the action does there:
 *   =          allowed, nothing moves
 *   ·          refused with InvalidTransitionError, nothing is written
 *   a step     allowed, the step moves there (UND SRCH REQ ANLZ READY SENT)
 *   a status   allowed, the status moves there (ACTIVE PAUSED COMPLETED ARCHIVED)
 *
 * Readings of the design where it is terse:
 * - Step actions need an open (ACTIVE or PAUSED) session and leave the status alone;
 *   only recording a message resumes a paused session.
 * - captureTripRequest again at SEARCHING_AIRCRAFT revises the request (the step stays);
 *   once quotes are requested it would be a step backwards.
 * - RFQs may go out while the first quotes are being analysed.
 * - A quote moves the step only on an ACTIVE session at REQUESTING_QUOTES; everywhere
 *   else (paused, completed, archived, other steps) it is recorded and nothing moves.
 * - Archived sessions are read-only to people; integrations may still deliver messages
 *   and quotes, and nothing else.
 */
const STEP_COLUMNS: Record<string, WorkflowStep> = {
  UND: 'UNDERSTANDING_REQUEST',
  SRCH: 'SEARCHING_AIRCRAFT',
  REQ: 'REQUESTING_QUOTES',
  ANLZ: 'ANALYZING_QUOTES',
  READY: 'PROPOSAL_READY',
  SENT: 'PROPOSAL_SENT',
};

const ACTIVE = `
                        UND        SRCH       REQ        ANLZ       READY      SENT
RECORD_MESSAGE          =          =          =          =          =          =
CAPTURE_TRIP_REQUEST    SRCH       =          ·          ·          ·          ·
LINK_AVINODE_TRIP       ·          REQ        ·          ·          ·          ·
RECORD_RFQS_SENT        ·          ·          =          =          ·          ·
RECEIVE_QUOTE           =          =          ANLZ       =          =          =
SELECT_PRIMARY_QUOTE    ·          ·          ·          =          ·          ·
GENERATE_PROPOSAL       ·          ·          ·          READY      ·          ·
SEND_PROPOSAL           ·          ·          ·          ·          SENT       ·
PAUSE                   PAUSED     PAUSED     PAUSED     PAUSED     PAUSED     PAUSED
RESUME                  ·          ·          ·          ·          ·          ·
COMPLETE                COMPLETED  COMPLETED  COMPLETED  COMPLETED  COMPLETED  COMPLETED
ARCHIVE                 ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED
`;

const PAUSED = `
                        UND        SRCH       REQ        ANLZ       READY      SENT
RECORD_MESSAGE          ACTIVE     ACTIVE     ACTIVE     ACTIVE     ACTIVE     ACTIVE
CAPTURE_TRIP_REQUEST    SRCH       =          ·          ·          ·          ·
LINK_AVINODE_TRIP       ·          REQ        ·          ·          ·          ·
RECORD_RFQS_SENT        ·          ·          =          =          ·          ·
RECEIVE_QUOTE           =          =          =          =          =          =
SELECT_PRIMARY_QUOTE    ·          ·          ·          =          ·          ·
GENERATE_PROPOSAL       ·          ·          ·          READY      ·          ·
SEND_PROPOSAL           ·          ·          ·          ·          SENT       ·
PAUSE                   ·          ·          ·          ·          ·          ·
RESUME                  ACTIVE     ACTIVE     ACTIVE     ACTIVE     ACTIVE     ACTIVE
COMPLETE                COMPLETED  COMPLETED  COMPLETED  COMPLETED  COMPLETED  COMPLETED
ARCHIVE                 ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED
`;

const COMPLETED = `
                        UND        SRCH       REQ        ANLZ       READY      SENT
RECORD_MESSAGE          =          =          =          =          =          =
CAPTURE_TRIP_REQUEST    ·          ·          ·          ·          ·          ·
LINK_AVINODE_TRIP       ·          ·          ·          ·          ·          ·
RECORD_RFQS_SENT        ·          ·          ·          ·          ·          ·
RECEIVE_QUOTE           =          =          =          =          =          =
SELECT_PRIMARY_QUOTE    ·          ·          ·          ·          ·          ·
GENERATE_PROPOSAL       ·          ·          ·          ·          ·          ·
SEND_PROPOSAL           ·          ·          ·          ·          ·          ·
PAUSE                   ·          ·          ·          ·          ·          ·
RESUME                  ·          ·          ·          ·          ·          ·
COMPLETE                ·          ·          ·          ·          ·          ·
ARCHIVE                 ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED   ARCHIVED
`;

const ARCHIVED_FOR_PEOPLE = `
                        UND        SRCH       REQ        ANLZ       READY      SENT
RECORD_MESSAGE          ·          ·          ·          ·          ·          ·
CAPTURE_TRIP_REQUEST    ·          ·          ·          ·          ·          ·
LINK_AVINODE_TRIP       ·          ·          ·          ·          ·          ·
RECORD_RFQS_SENT        ·          ·          ·          ·          ·          ·
RECEIVE_QUOTE           ·          ·          ·          ·          ·          ·
SELECT_PRIMARY_QUOTE    ·          ·          ·          ·          ·          ·
GENERATE_PROPOSAL       ·          ·          ·          ·          ·          ·
SEND_PROPOSAL           ·          ·          ·          ·          ·          ·
PAUSE                   ·          ·          ·          ·          ·          ·
RESUME                  ·          ·          ·          ·          ·          ·
COMPLETE                ·          ·          ·          ·          ·          ·
ARCHIVE                 ·          ·          ·          ·          ·          ·
`;

const ARCHIVED_FOR_INTEGRATIONS = `
                        UND        SRCH       REQ        ANLZ       READY      SENT
RECORD_MESSAGE          =          =          =          =          =          =
CAPTURE_TRIP_REQUEST    ·          ·          ·          ·          ·          ·
LINK_AVINODE_TRIP       ·          ·          ·          ·          ·          ·
RECORD_RFQS_SENT        ·          ·          ·          ·          ·          ·
RECEIVE_QUOTE           =          =          =          =          =          =
SELECT_PRIMARY_QUOTE    ·          ·          ·          ·          ·          ·
GENERATE_PROPOSAL       ·          ·          ·          ·          ·          ·
SEND_PROPOSAL           ·          ·          ·          ·          ·          ·
PAUSE                   ·          ·          ·          ·          ·          ·
RESUME                  ·          ·          ·          ·          ·          ·
COMPLETE                ·          ·          ·          ·          ·          ·
ARCHIVE                 ·          ·          ·          ·          ·          ·
`;

/** People and integrations differ only on archived sessions. */
const GRIDS: Record<SessionStatus, Record<Actor, string>> = {
  ACTIVE: { PERSON: ACTIVE, INTEGRATION: ACTIVE },
  PAUSED: { PERSON: PAUSED, INTEGRATION: PAUSED },
  COMPLETED: { PERSON: COMPLETED, INTEGRATION: COMPLETED },
  ARCHIVED: { PERSON: ARCHIVED_FOR_PEOPLE, INTEGRATION: ARCHIVED_FOR_INTEGRATIONS },
};

const ACTIONS: readonly string[] = [
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
];
const STEPS = Object.values(STEP_COLUMNS);
const STATUSES: readonly SessionStatus[] = ['ACTIVE', 'PAUSED', 'COMPLETED', 'ARCHIVED'];
const ACTORS: readonly Actor[] = ['PERSON', 'INTEGRATION'];

type Expected = { allowed: false } | { allowed: true; next: SessionState };

/** Reads a grid into cells, refusing typos so that a broken table cannot pass silently. */
function parseGrid(grid: string): Map<string, Map<WorkflowStep, string>> {
  const [header, ...rows] = grid
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  expect(header?.map((column) => STEP_COLUMNS[column])).toEqual(STEPS);
  const cells = new Map<string, Map<WorkflowStep, string>>();
  for (const [action, ...row] of rows as string[][]) {
    expect(ACTIONS, `unknown action ${action}`).toContain(action);
    expect(row, `row ${action}`).toHaveLength(STEPS.length);
    cells.set(action as string, new Map(STEPS.map((step, index) => [step, row[index] as string])));
  }
  expect([...cells.keys()].sort()).toEqual([...ACTIONS].sort());
  return cells;
}

const parsed = new Map<string, Map<string, Map<WorkflowStep, string>>>();

function expected(status: SessionStatus, step: WorkflowStep, action: string, actor: Actor): Expected {
  const grid = GRIDS[status][actor];
  if (!parsed.has(grid)) parsed.set(grid, parseGrid(grid));
  const cell = parsed.get(grid)?.get(action)?.get(step);
  if (cell === '·') return { allowed: false };
  if (cell === '=') return { allowed: true, next: { status, step } };
  if (cell && cell in STEP_COLUMNS)
    return { allowed: true, next: { status, step: STEP_COLUMNS[cell] as WorkflowStep } };
  if (cell && (STATUSES as readonly string[]).includes(cell))
    return { allowed: true, next: { status: cell as SessionStatus, step } };
  throw new Error(`unreadable cell "${cell}" at ${status} × ${step} × ${action} × ${actor}`);
}

function expectedAllowed(status: SessionStatus, step: WorkflowStep, actor: Actor): string[] {
  return ACTIONS.filter((action) => expected(status, step, action, actor).allowed).sort();
}

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the expected table covers the whole workflow', () => {
  it('names every action, step and status the code knows, in the design order', () => {
    expect([...WORKFLOW_ACTIONS].sort()).toEqual([...ACTIONS].sort());
    expect(STEP_ORDER).toEqual(STEPS);
    expect(Object.values(WorkflowStep)).toEqual(STEPS);
    expect(Object.values(SessionStatus).sort()).toEqual([...STATUSES].sort());
  });
});

describe.each(STATUSES.flatMap((status) => ACTORS.map((actor) => ({ status, actor }))))(
  'a $status session, acted on by a $actor',
  ({ status, actor }) => {
    it.each(ACTIONS)('%s is allowed or refused exactly as DESIGN §3 says, at every step', (action) => {
      for (const step of STEPS) {
        const state = { status, step };
        const want = expected(status, step, action, actor);
        const where = `${status} × ${step} × ${action} × ${actor}`;
        if (want.allowed) {
          expect(transition(state, action as WorkflowAction, actor), where).toEqual(want.next);
          expect(decide(state, action as WorkflowAction, actor), where).toEqual({ allowed: true, next: want.next });
          continue;
        }
        expect(decide(state, action as WorkflowAction, actor).allowed, where).toBe(false);
        const error = thrownBy(() => transition(state, action as WorkflowAction, actor));
        expect(error, where).toBeInstanceOf(InvalidTransitionError);
        expect(error, where).toBeInstanceOf(DomainError);
        const refusal = error as InvalidTransitionError;
        expect(
          {
            code: refusal.code,
            currentStatus: refusal.currentStatus,
            currentStep: refusal.currentStep,
            attempted: refusal.attempted,
          },
          where,
        ).toEqual({ code: 'INVALID_TRANSITION', currentStatus: status, currentStep: step, attempted: action });
        expect([...refusal.allowed].sort(), where).toEqual(expectedAllowed(status, step, actor));
        expect(refusal.message, where).toContain(status);
        expect(refusal.message, where).toContain(step);
        expect(refusal.message, where).toContain(action);
      }
    });

    it('lists exactly the allowed actions at every step, each once', () => {
      for (const step of STEPS) {
        const listed = allowedActions({ status, step }, actor);
        expect(new Set(listed).size, step).toBe(listed.length);
        expect([...listed].sort(), step).toEqual(expectedAllowed(status, step, actor));
      }
    });
  },
);

describe('steps never move backwards', () => {
  const position = (step: WorkflowStep) => STEPS.indexOf(step);

  it('no single action moves the step back or skips one, from any state', () => {
    for (const status of STATUSES) {
      for (const step of STEPS) {
        for (const action of WORKFLOW_ACTIONS) {
          for (const actor of ACTORS) {
            const decision = decide({ status, step }, action, actor);
            if (!decision.allowed) continue;
            expect(
              position(decision.next.step) - position(step),
              `${status} × ${step} × ${action} × ${actor}`,
            ).toBeOneOf([0, 1]);
          }
        }
      }
    }
  });

  it('holds along long random walks, where every refusal leaves the state as it was', () => {
    // A fixed-seed generator keeps the walk the same on every run.
    let seed = 0x2f6e2b1;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let walk = 0; walk < 50; walk++) {
      let state: SessionState = { status: 'ACTIVE', step: 'UNDERSTANDING_REQUEST' };
      for (let move = 0; move < 200; move++) {
        const action = WORKFLOW_ACTIONS[random(WORKFLOW_ACTIONS.length)] as WorkflowAction;
        const actor = ACTORS[random(ACTORS.length)] as Actor;
        const before = state;
        try {
          state = transition(before, action, actor);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidTransitionError);
          continue;
        }
        expect(position(state.step)).toBeGreaterThanOrEqual(position(before.step));
        if (before.status === 'ARCHIVED') expect(state.status).toBe('ARCHIVED');
      }
    }
  });

  it('reaches PROPOSAL_SENT along the happy path, one step at a time', () => {
    const path: WorkflowAction[] = [
      'RECORD_MESSAGE',
      'CAPTURE_TRIP_REQUEST',
      'LINK_AVINODE_TRIP',
      'RECORD_RFQS_SENT',
      'RECEIVE_QUOTE',
      'RECEIVE_QUOTE',
      'SELECT_PRIMARY_QUOTE',
      'GENERATE_PROPOSAL',
      'SEND_PROPOSAL',
      'COMPLETE',
      'ARCHIVE',
    ];
    const visited: string[] = [];
    let state: SessionState = { status: 'ACTIVE', step: 'UNDERSTANDING_REQUEST' };
    for (const action of path) {
      state = transition(state, action, 'PERSON');
      visited.push(`${state.status}/${state.step}`);
    }
    expect(visited).toEqual([
      'ACTIVE/UNDERSTANDING_REQUEST',
      'ACTIVE/SEARCHING_AIRCRAFT',
      'ACTIVE/REQUESTING_QUOTES',
      'ACTIVE/REQUESTING_QUOTES',
      'ACTIVE/ANALYZING_QUOTES',
      'ACTIVE/ANALYZING_QUOTES',
      'ACTIVE/ANALYZING_QUOTES',
      'ACTIVE/PROPOSAL_READY',
      'ACTIVE/PROPOSAL_SENT',
      'COMPLETED/PROPOSAL_SENT',
      'ARCHIVED/PROPOSAL_SENT',
    ]);
  });
});

describe('settle: a session holding quotes does not wait for them', () => {
  it('moves only an ACTIVE session at REQUESTING_QUOTES that holds quotes, one step, to ANALYZING_QUOTES', () => {
    for (const status of STATUSES) {
      for (const step of STEPS) {
        for (const quotesHeld of [false, true]) {
          const state = { status, step };
          const moves = quotesHeld && status === 'ACTIVE' && step === 'REQUESTING_QUOTES';
          expect(settle(state, quotesHeld), `${status} × ${step} × held=${quotesHeld}`).toEqual(
            moves ? { status, step: 'ANALYZING_QUOTES' } : state,
          );
        }
      }
    }
  });
});
