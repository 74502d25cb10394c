import { SessionStatus, WorkflowStep } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { WORKFLOW_ACTIONS } from './workflow.js';

export const SessionStatusEnum = builder.enumType(SessionStatus, {
  name: 'SessionStatus',
  description: 'Whether the session is open. ACTIVE ⇄ PAUSED → COMPLETED → ARCHIVED.',
});

export const WorkflowStepEnum = builder.enumType(WorkflowStep, {
  name: 'WorkflowStep',
  description: 'How far the deal has come; steps only move forward.',
});

export const WorkflowActionEnum = builder.enumType('WorkflowAction', {
  description: 'What may be done to a session; InvalidTransitionError names them.',
  values: WORKFLOW_ACTIONS,
});
