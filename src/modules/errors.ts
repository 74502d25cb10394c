import type { ErrorCode } from '../graphql/error-codes.js';

/**
 * Domain failures. Services throw these; the GraphQL layer exposes each as a typed
 * member of a mutation's result union (see src/graphql/errors.ts), so clients can
 * branch on `__typename` instead of parsing strings. Anything else is masked.
 */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} was not found.`);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

export type FieldProblem = { field: string; message: string };

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly fields: FieldProblem[]) {
    super(`Invalid input: ${fields.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`);
  }

  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class StaleVersionError extends DomainError {
  readonly code = 'STALE_VERSION';
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`The session changed: expected version ${expectedVersion}, it is at ${currentVersion}. Reload and retry.`);
  }
}
