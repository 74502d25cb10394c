import { SessionStatus, WorkflowStep } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { WORKFLOW_ACTIONS, type WorkflowAction } from './workflow.js';

export const SessionStatusEnum = builder.enumType('SessionStatus', {
  description: 'Whether the session is open. ACTIVE ⇄ PAUSED → COMPLETED → ARCHIVED.',
  values: {
    ACTIVE: { value: SessionStatus.ACTIVE, description: 'Open: the agent is working on it.' },
    PAUSED: {
      value: SessionStatus.PAUSED,
      description:
        'Open, the agent is away: recording a message resumes it. Steps still move; a quote arriving leaves the step alone.',
    },
    COMPLETED: {
      value: SessionStatus.COMPLETED,
      description:
        'Closed (`endedAt` set): steps no longer move, messages and quotes are still recorded, and archiving is all that is left.',
    },
    ARCHIVED: {
      value: SessionStatus.ARCHIVED,
      description:
        'Closed and read-only to people; integrations still record messages and quotes. Set by `archiveSession`, or by `archiveStaleSessions` after inactivity.',
    },
  } as const,
});

export const WorkflowStepEnum = builder.enumType('WorkflowStep', {
  description: 'How far the deal has come; steps only move forward, in this order.',
  values: {
    UNDERSTANDING_REQUEST: {
      value: WorkflowStep.UNDERSTANDING_REQUEST,
      description: 'Just started (`startSession`): finding out what the client wants.',
    },
    SEARCHING_AIRCRAFT: {
      value: WorkflowStep.SEARCHING_AIRCRAFT,
      description: 'Route, dates and passengers are known (`captureTripRequest`): looking for aircraft.',
    },
    REQUESTING_QUOTES: {
      value: WorkflowStep.REQUESTING_QUOTES,
      description: 'Linked to an Avinode trip (`linkAvinodeTrip`): RFQs are out, quotes awaited.',
    },
    ANALYZING_QUOTES: {
      value: WorkflowStep.ANALYZING_QUOTES,
      description: 'Quotes have arrived (`receiveQuote`): choosing one (`selectPrimaryQuote`).',
    },
    PROPOSAL_READY: {
      value: WorkflowStep.PROPOSAL_READY,
      description: 'The client’s proposal is built (`generateProposal`).',
    },
    PROPOSAL_SENT: {
      value: WorkflowStep.PROPOSAL_SENT,
      description: 'The proposal went to the client (`sendProposal`): the last step.',
    },
  } as const,
});

/** A new action needs its description here before it compiles. */
const ACTION_DESCRIPTIONS: Record<WorkflowAction, string> = {
  RECORD_MESSAGE: '`recordMessage`: add a chat message.',
  CAPTURE_TRIP_REQUEST: '`captureTripRequest`: record or revise the trip request.',
  LINK_AVINODE_TRIP: '`linkAvinodeTrip`: link the Avinode trip, RFP and RFQ.',
  RECORD_RFQS_SENT: '`recordRfqsSent`: count RFQs sent to operators.',
  RECEIVE_QUOTE: '`receiveQuote`: record an operator’s quote.',
  SELECT_PRIMARY_QUOTE: '`selectPrimaryQuote`: choose the quote for the proposal.',
  GENERATE_PROPOSAL: '`generateProposal`: build the client’s proposal.',
  SEND_PROPOSAL: '`sendProposal`: record that the proposal went to the client.',
  PAUSE: '`pauseSession`.',
  RESUME: '`resumeSession`.',
  COMPLETE: '`completeSession`.',
  ARCHIVE: '`archiveSession`.',
};

export const WorkflowActionEnum = builder.enumType('WorkflowAction', {
  description: 'What may be done to a session, by the mutation that does it; InvalidTransitionError names them.',
  values: Object.fromEntries(
    WORKFLOW_ACTIONS.map((action) => [action, { description: ACTION_DESCRIPTIONS[action] }]),
  ) as Record<WorkflowAction, { description: string }>,
});
