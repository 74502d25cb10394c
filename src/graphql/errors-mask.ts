import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';

/**
 * The one place where thrown errors become responses. GraphQL errors the code
 * raised on purpose pass through; client mistakes Pothos detects (bad cursors,
 * bad global ids) become BAD_USER_INPUT; anything else is masked.
 */
export function maskError(error: unknown, message: string, isDevelopment?: boolean): Error {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (original instanceof PothosValidationError) {
    const path = error instanceof GraphQLError ? error.path : undefined;
    return createGraphQLError(original.message, { path, extensions: { code: 'BAD_USER_INPUT' } });
  }
  return yogaMaskError(error, message, isDevelopment);
}
