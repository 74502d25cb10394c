import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';

export type GraphQLResponse<TData> = ExecutionResult<TData> & { status: number };

/**
 * POSTs an operation and returns the parsed body with the HTTP status.
 * Failures in tests print the operation and the response, which is most of a bug report.
 */
export async function execute<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables> | string,
  variables: TVariables | undefined,
  token: string | undefined,
): Promise<GraphQLResponse<TData>> {
  const query = typeof document === 'string' ? document : print(document);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as ExecutionResult<TData>;
  return { ...body, status: response.status };
}

/** Like execute, but throws (with the query and response) unless there is data and no error. */
export async function expectData<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables> | string,
  variables: TVariables | undefined,
  token: string | undefined,
): Promise<TData> {
  const result = await execute(url, document, variables, token);
  if (result.errors?.length || !result.data) {
    const query = typeof document === 'string' ? document : print(document);
    throw new Error(
      `GraphQL request failed (HTTP ${result.status})\n--- operation\n${query}\n--- variables\n${JSON.stringify(variables, null, 2)}\n--- response\n${JSON.stringify(result, null, 2)}`,
    );
  }
  return result.data;
}
