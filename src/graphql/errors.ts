import {
  type DomainError,
  ForbiddenError,
  NotFoundError,
  StaleVersionError,
  ValidationError,
} from '../modules/errors.js';
import { SessionStatusEnum, WorkflowActionEnum, WorkflowStepEnum } from '../modules/session/session.enums.js';
import { InvalidTransitionError } from '../modules/session/workflow.js';
import { builder } from './builder.js';
import { ERROR_CODES } from './error-codes.js';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description:
    'Every code the server answers with: `Error.code` of the typed errors in mutation results, and `extensions.code` of GraphQL errors. New codes may be added; treat an unknown one as a failure you cannot act on.',
  values: Object.fromEntries(
    Object.entries(ERROR_CODES).map(([code, { description, ...rest }]) => [
      code,
      { description: 'http' in rest ? `HTTP ${rest.http}. ${description}` : description },
    ]),
  ),
});

/**
 * Domain errors as schema types: every mutation's result is a union of its payload
 * and the errors it can end in, each implementing `Error`.
 */
export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description:
    'A failure the client can act on, returned in a mutation result instead of its payload: nothing was written. Unexpected failures are GraphQL errors in `errors`, masked.',
  fields: (t) => ({
    message: t.exposeString('message', {
      description: 'What went wrong, in English, for logs and developers; not meant to be parsed or shown as is.',
    }),
    code: t.expose('code', {
      type: ErrorCodeEnum,
      description: 'Stable and machine-readable: branch on this, not on the message.',
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  description:
    'The object does not exist or is not yours (another agent’s objects are "not found", never "forbidden").',
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    entity: t.exposeString('entity', {
      description:
        'Which kind of object, e.g. `ChatSession`, `Conversation`, `Agent`, `Client`, `Quote` or `AvinodeNotification`.',
    }),
    id: t.exposeString('id', {
      description:
        'The id that was looked up: the database id inside the global id you sent, or `avinodeTripId=<trip>` when no session of yours is linked to that trip.',
    }),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description:
    'You may not do this, whatever the object: an agent who is not an admin starts sessions only for itself, and only admins archive stale sessions or use the Avinode inbox.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

const FieldProblem = builder.objectRef<{ field: string; message: string }>('FieldProblem').implement({
  description: 'One rule one input field breaks.',
  fields: (t) => ({
    field: t.exposeString('field', {
      description:
        'Dotted path into the input, list positions from 0, e.g. `legs.1.arrivalAirport`; `input` when the problem is the input as a whole.',
    }),
    message: t.exposeString('message', { description: 'What is wrong with it, e.g. `must be at least 1`.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input breaks one or more rules; nothing was written. Fix the named fields and send it again.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    fields: t.field({
      type: [FieldProblem],
      description: 'Every problem found, at least one.',
      resolve: (error) => error.fields,
    }),
  }),
});

builder.objectType(InvalidTransitionError, {
  name: 'InvalidTransitionError',
  description:
    'The session’s status or step does not allow the action (steps only move forward; archived sessions are read-only to people). Nothing was written.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidTransitionError,
  fields: (t) => ({
    currentStatus: t.expose('currentStatus', {
      type: SessionStatusEnum,
      description: 'The session’s status when the action was refused.',
    }),
    currentStep: t.expose('currentStep', {
      type: WorkflowStepEnum,
      description: 'The session’s step when the action was refused.',
    }),
    attempted: t.expose('attempted', { type: WorkflowActionEnum, description: 'The action that was refused.' }),
    allowed: t.expose('allowed', {
      type: [WorkflowActionEnum],
      description: 'The actions you may take on the session now, e.g. to offer them in a UI.',
    }),
  }),
});

builder.objectType(StaleVersionError, {
  name: 'StaleVersionError',
  description:
    'The session changed since you read it: it is no longer at `expectedVersion`. Nothing was written; reload it and decide again.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof StaleVersionError,
  fields: (t) => ({
    expectedVersion: t.exposeInt('expectedVersion', { description: 'The version you sent.' }),
    currentVersion: t.exposeInt('currentVersion', { description: 'The session’s version now.' }),
  }),
});

/** The errors every session mutation can end in. */
export const SESSION_MUTATION_ERRORS = [
  NotFoundError,
  ForbiddenError,
  ValidationError,
  InvalidTransitionError,
  StaleVersionError,
];
