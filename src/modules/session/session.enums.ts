import { SessionStatus, WorkflowStep } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';

export const SessionStatusEnum = builder.enumType(SessionStatus, {
  name: 'SessionStatus',
  description: 'Whether the session is open. ACTIVE ⇄ PAUSED → COMPLETED → ARCHIVED.',
});

export const WorkflowStepEnum = builder.enumType(WorkflowStep, {
  name: 'WorkflowStep',
  description: 'How far the deal has come; steps only move forward.',
});
