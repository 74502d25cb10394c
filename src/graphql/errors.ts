import {
  type DomainError,
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  StaleVersionError,
  ValidationError,
} from '../modules/errors.js';
import { SessionStatusEnum, WorkflowActionEnum, WorkflowStepEnum } from '../modules/session/session.enums.js';
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
  description: 'A failure the client can act on. Unexpected failures are GraphQL errors, masked.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.expose('code', {
      type: ErrorCodeEnum,
      description: 'Stable and machine-readable: branch on this, not on the message.',
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({ entity: t.exposeString('entity'), id: t.exposeString('id') }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

const FieldProblem = builder.objectRef<{ field: string; message: string }>('FieldProblem').implement({
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Dotted path into the input, e.g. `legs.1.arrivalAirport`.' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ fields: t.field({ type: [FieldProblem], resolve: (error) => error.fields }) }),
});

builder.objectType(InvalidTransitionError, {
  name: 'InvalidTransitionError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidTransitionError,
  fields: (t) => ({
    currentStatus: t.expose('currentStatus', { type: SessionStatusEnum }),
    currentStep: t.expose('currentStep', { type: WorkflowStepEnum }),
    attempted: t.expose('attempted', { type: WorkflowActionEnum, description: 'The action that was refused.' }),
    allowed: t.expose('allowed', {
      type: [WorkflowActionEnum],
      description: 'The actions allowed from the current state.',
    }),
  }),
});

builder.objectType(StaleVersionError, {
  name: 'StaleVersionError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof StaleVersionError,
  fields: (t) => ({
    expectedVersion: t.exposeInt('expectedVersion'),
    currentVersion: t.exposeInt('currentVersion'),
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
